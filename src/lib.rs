//! Errata: a self-hosted fact-check and corrections tracker for newsrooms.
//!
//! `build` turns a figment (Rocket.toml, `ROCKET_*` variables, or a test's own values) into a
//! ready `Rocket`, so the binary and every test build the same application.

pub mod accounts;
pub mod anchoring;
pub mod annotations;
pub mod articles;
pub mod config;
pub mod corrections;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod i18n;
pub mod invites;
pub mod logging;
pub mod mail;
pub mod notes;
pub mod ratelimit;
pub mod reports;
pub mod secrets;
pub mod stats;
pub mod status;
pub mod synthetic;
pub mod text;
pub mod time;
pub mod web;
pub mod webhooks;
pub mod workflow;

use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::{Build, Rocket};

use config::Settings;
use corrections::CorrectionsCache;
use db::Db;
use mail::transport::Transport;
use mail::worker::{self, RetryPolicy, Wakeup};
use mail::Site;
use web::App;

/// Why the server could not start, said in terms of what to fix.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// The figment the server and the CLI read: Rocket's own (Rocket.toml and `ROCKET_*`).
pub fn figment() -> Figment {
    rocket::Config::figment()
}

/// Gives the layers below `corrections` what they need from it: the public JSON of a note,
/// which webhook deliveries carry. The server and the CLI call this before any domain work.
pub fn install_hooks() {
    webhooks::install_note_json(|conn, site, id| {
        let detail = corrections::history::detail(conn, site, id)?;
        serde_json::to_value(detail).map_err(error::Error::internal)
    });
}

/// Opens and migrates the database named in `settings`, returning the pool.
pub fn open_database(settings: &Settings) -> Result<Db, StartError> {
    let mut conn = db::connect(&settings.database_url).map_err(|e| StartError(e.to_string()))?;
    let applied = db::migrate(&mut conn).map_err(|e| StartError(e.to_string()))?;
    for name in applied {
        println!("Applied migration {name}");
    }
    let limits = db::Limits {
        statement_timeout: Duration::from_millis(settings.statement_timeout_ms),
    };
    Db::open_with(&settings.database_url, settings.pool_size, limits)
        .map_err(|e| StartError(e.to_string()))
}

/// Builds the application from `figment`: settings checked, database migrated (and seeded with the
/// demo when asked and empty), routes, catchers, fairings and the mail worker. Call it inside the
/// async runtime that will serve (the SMTP pool lives on it); outside one it is a `StartError`.
pub fn build(figment: Figment) -> Result<Rocket<Build>, StartError> {
    let settings = Settings::from_figment(&figment).map_err(|e| StartError(e.to_string()))?;
    install_hooks();
    let db = open_database(&settings)?;
    let site = Site {
        base_url: settings.base_url().to_owned(),
        host: settings.public_host(),
        words: i18n::mail_words,
    };
    let transport = Transport::from_settings(&settings).map_err(StartError)?;
    let (ip_salt, demo_login, cookie_key) = {
        let mut conn = db.get().map_err(|e| StartError(e.to_string()))?;
        let salt = db::setting_or_init(&mut conn, "ip_hash_salt", || {
            crate::secrets::random_secret(32)
        })
        .map_err(|e| StartError(e.to_string()))?;
        // Sessions are private cookies: without a configured `secret_key` the key is made once and
        // kept in the database, so sign-ins survive a restart and a release build starts as is.
        // (Rocket's own default is an all-zero key, which it refuses outside debug builds.)
        let configured = figment
            .extract::<rocket::Config>()
            .is_ok_and(|c| !c.secret_key.is_zero());
        let cookie_key = match configured {
            true => None,
            false => Some(
                db::setting_or_init(&mut conn, "cookie_secret_key", || {
                    use base64::Engine;
                    let mut key = [0u8; 64];
                    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut key);
                    base64::engine::general_purpose::STANDARD.encode(key)
                })
                .map_err(|e| StartError(e.to_string()))?,
            ),
        };
        let login = if settings.demo {
            demo::seed_if_empty(&mut conn, &site)
                .map_err(|e| StartError(format!("demo data: {e}")))?
        } else {
            None
        };
        (salt, login, cookie_key)
    };
    let figment = match cookie_key {
        Some(key) => figment.merge(("secret_key", key)),
        None => figment,
    };
    if let Some(login) = demo_login {
        println!("{login}");
    }
    let from = settings.sender().map_err(|e| StartError(e.to_string()))?;
    let wakeup = Wakeup::default();
    let hook_wakeup = webhooks::worker::Wakeup::default();
    let db = {
        let mail = worker::wake_when_queued(wakeup.clone());
        let hooks = webhooks::worker::wake_when_queued(hook_wakeup.clone());
        db.after_each_run(move || {
            mail();
            hooks();
        })
    };
    let hook_policy = webhooks::worker::Policy {
        allow_private: settings.webhook_allow_private,
        retry_base_s: settings.webhook_retry_base_s,
        max_attempts: settings.webhook_max_attempts,
        timeout: Duration::from_secs(settings.webhook_timeout_s),
        poll: Duration::from_millis(settings.mail_poll_ms),
        lease: settings.outbox_lease(),
    };
    let hook_db = db.clone();
    let app = App {
        db: db.clone(),
        settings: settings.clone(),
        site,
        cache: Arc::new(CorrectionsCache::default()),
        ip_salt,
    };
    let poll = Duration::from_millis(settings.mail_poll_ms);
    let policy = RetryPolicy {
        base_s: settings.mail_retry_base_s,
        max_attempts: settings.mail_max_attempts,
        lease: settings.outbox_lease(),
    };
    let described = transport.describe();
    let database = format!(
        "{} {}",
        db.engine().name(),
        config::redact_url(&settings.database_url)
    );
    let worker_site = app.site.clone();
    Ok(rocket::custom(figment)
        .manage(app)
        .mount("/", web::api::routes())
        .mount("/", web::public::routes())
        .mount("/", web::reader::routes())
        .mount("/", web::mailpages::routes())
        .mount("/", web::dashboard::routes())
        .register("/", web::catchers())
        .attach(web::Headers)
        .attach(web::request_log::RequestLog)
        .attach(AdHoc::on_liftoff("mail worker", move |rocket| {
            Box::pin(async move {
                log::info!("database: {database}");
                log::info!("mail: delivering through {described}");
                let shutdown = rocket.shutdown();
                rocket::tokio::spawn(worker::run(
                    db,
                    worker_site,
                    transport,
                    from,
                    poll,
                    policy,
                    wakeup,
                    shutdown,
                ));
            })
        }))
        .attach(AdHoc::on_liftoff("webhook worker", move |rocket| {
            Box::pin(async move {
                let shutdown = rocket.shutdown();
                rocket::tokio::spawn(webhooks::worker::run(
                    hook_db,
                    hook_policy,
                    hook_wakeup,
                    shutdown,
                ));
            })
        })))
}
