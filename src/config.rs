//! Typed settings, read from `Rocket.toml` and `ROCKET_<KEY>` variables through Rocket's figment,
//! and checked once at start-up: an invalid value stops the server with a message naming the key.

use std::path::PathBuf;

use rocket::figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Settings {
    /// The database: a SQLite file's path (or `sqlite:` and a path; `:memory:` is refused: the
    /// pool needs one shared file), or a `postgres://` URL, which several instances may share.
    pub database_url: String,
    /// Where readers and editors reach this server; used in links in emails and API answers.
    pub public_url: String,
    /// `smtp://host:port`, `smtps://user:pass@host` ... ; unset writes `.eml` files to `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: String,
    /// Seed a demo publication, article, editor and reports into an empty database.
    pub demo: bool,
    /// Connections the server opens to its database for reading (plus one that writes, and one
    /// that watches for others' commits): on PostgreSQL, what one instance takes of the server's
    /// `max_connections`.
    pub pool_size: u32,
    /// The longest one statement may run on PostgreSQL, in milliseconds (0: no limit). SQLite
    /// statements have no time limit; a wait for its write lock ends after 10 s.
    pub statement_timeout_ms: u64,
    /// How long browsers and shared caches may keep the public corrections answer
    /// (`/api/v1/corrections`), in seconds: its `Cache-Control: max-age`. The server itself never
    /// answers from a copy older than the database (another instance's change shows within 50 ms).
    pub cache_max_age: u64,
    /// How long a worker's claim on an outgoing message or webhook delivery holds, in seconds.
    /// Past it, the claim is taken to be a dead worker's (or a dead instance's), and the message
    /// is sent by another. Longer than a send can take (mail 20 s, a webhook `webhook_timeout_s`).
    pub outbox_lease_s: u64,
    /// How often the mail worker looks for due messages, in milliseconds (it is also woken at once
    /// when a request queues mail).
    pub mail_poll_ms: u64,
    /// The wait before the first retry of a message that could not be sent, in seconds; each
    /// further retry waits twice as long, up to six hours.
    pub mail_retry_base_s: u64,
    /// Attempts before a message is marked `failed` and left for an admin (`errata mail retry`).
    pub mail_max_attempts: u32,
    /// Reports one sender (by hashed IP) may file per hour; 0 turns the limit off.
    pub report_rate_limit: u32,
    /// Take the sender's address from Rocket's `ip_header` (e.g. `X-Real-IP`). Only behind a
    /// reverse proxy that sets it: otherwise anyone could send the header and pick an address.
    pub trust_ip_header: bool,
    /// Let webhooks point at private, loopback, link-local and unique-local addresses. Off by
    /// default, so that an admin's webhook cannot reach into the newsroom's own network.
    pub webhook_allow_private: bool,
    /// The wait before the first retry of a webhook delivery that failed, in seconds; each
    /// further retry waits twice as long, up to six hours. 0 retries at once.
    pub webhook_retry_base_s: u64,
    /// Attempts before a delivery is marked `failed` (an admin may redeliver it).
    pub webhook_max_attempts: u32,
    /// The time limit of one delivery (connect, TLS, request and answer), in seconds.
    pub webhook_timeout_s: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "errata.db".into(),
            public_url: "http://127.0.0.1:8000".into(),
            smtp_url: None,
            mail_dir: PathBuf::from("mail"),
            mail_from: "Errata <errata@localhost>".into(),
            demo: false,
            pool_size: 8,
            statement_timeout_ms: 30_000,
            outbox_lease_s: 300,
            cache_max_age: 60,
            mail_poll_ms: 5000,
            mail_retry_base_s: 30,
            mail_max_attempts: 10,
            report_rate_limit: 30,
            trust_ip_header: false,
            webhook_allow_private: false,
            webhook_retry_base_s: 30,
            webhook_max_attempts: 8,
            webhook_timeout_s: 10,
        }
    }
}

/// `url` with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        // Not a URL at all: whatever follows `//` up to an `@` may be credentials.
        Err(_) => match (url.find("//"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                format!("{}//***{}", &url[..start], &url[at..])
            }
            _ => url.to_owned(),
        },
    }
}

/// Checks an `smtp_url` the way the mail transport will read it, never echoing its password.
fn check_smtp_url(url: &str) -> Result<(), ConfigError> {
    let shown = redact_url(url);
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err(bad(
            "smtp_url",
            format!("`{shown}` must start with smtp:// or smtps://"),
        ));
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|e| {
            bad(
                "smtp_url",
                format!(
                    "`{shown}` is not a usable SMTP URL: {}",
                    redact_secret(&e.to_string(), url)
                ),
            )
        })
}

/// `text` with the password of `url` (if any) blanked out, for errors that may quote it.
fn redact_secret(text: &str, url: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        Some(password) if !password.is_empty() => text.replace(&password, "***"),
        _ => text.to_owned(),
    }
}

/// A setting that cannot be used, with the key it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid configuration value for `{}`: {}",
            self.key, self.message
        )
    }
}

impl std::error::Error for ConfigError {}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
}

impl Settings {
    /// Extracts and validates the settings from Rocket's figment.
    pub fn from_figment(figment: &Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = figment.extract().map_err(|e| {
            let key = e
                .path
                .last()
                .cloned()
                .unwrap_or_else(|| "configuration".into());
            bad(&key, e.kind.to_string())
        })?;
        settings.validate()?;
        Ok(settings)
    }

    /// `outbox_lease_s` as a duration.
    pub fn outbox_lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.outbox_lease_s).unwrap_or(86_400))
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.database_url.trim().is_empty() {
            return Err(bad(
                "database_url",
                "must name a SQLite file or a postgres:// URL",
            ));
        }
        if self.database_url.contains(":memory:") {
            return Err(bad(
                "database_url",
                "an in-memory database cannot be shared by the pool; name a file",
            ));
        }
        let public = url::Url::parse(&self.public_url).map_err(|e| {
            bad(
                "public_url",
                format!("`{}` is not a URL: {e}", self.public_url),
            )
        })?;
        if !matches!(public.scheme(), "http" | "https") || public.host_str().is_none() {
            return Err(bad("public_url", "must be an http(s) URL with a host"));
        }
        if let Some(smtp) = &self.smtp_url {
            check_smtp_url(smtp)?;
        }
        self.sender()?;
        if self.smtp_url.is_none() && self.mail_dir.as_os_str().is_empty() {
            return Err(bad("mail_dir", "must name a folder when smtp_url is unset"));
        }
        if self.pool_size == 0 {
            return Err(bad("pool_size", "must be at least 1"));
        }
        if self.cache_max_age > 24 * 3600 {
            return Err(bad("cache_max_age", "must be at most 86400 (a day)"));
        }
        if self.outbox_lease_s == 0 || self.outbox_lease_s > 24 * 3600 {
            return Err(bad("outbox_lease_s", "must be between 1 and 86400 (a day)"));
        }
        if self.mail_poll_ms == 0 {
            return Err(bad("mail_poll_ms", "must be at least 1"));
        }
        if self.mail_retry_base_s == 0 || self.mail_retry_base_s > 6 * 3600 {
            return Err(bad(
                "mail_retry_base_s",
                "must be between 1 and 21600 (six hours)",
            ));
        }
        if self.mail_max_attempts == 0 {
            return Err(bad("mail_max_attempts", "must be at least 1"));
        }
        if self.webhook_retry_base_s > 6 * 3600 {
            return Err(bad(
                "webhook_retry_base_s",
                "must be between 0 and 21600 (six hours)",
            ));
        }
        if self.webhook_max_attempts == 0 {
            return Err(bad("webhook_max_attempts", "must be at least 1"));
        }
        if !(1..=60).contains(&self.webhook_timeout_s) {
            return Err(bad("webhook_timeout_s", "must be between 1 and 60"));
        }
        Ok(())
    }

    /// `mail_from` as the sender of every email.
    pub fn sender(&self) -> Result<lettre::message::Mailbox, ConfigError> {
        self.mail_from.parse().map_err(|e| {
            bad(
                "mail_from",
                format!("`{}` is not a mailbox: {e}", self.mail_from),
            )
        })
    }

    /// `public_url` without a trailing slash, for joining paths.
    pub fn base_url(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    /// The host part of `public_url`, used in Message-IDs.
    pub fn public_host(&self) -> String {
        url::Url::parse(&self.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::figment::providers::Serialized;

    fn with(key: &str, value: impl serde::Serialize) -> Result<Settings, ConfigError> {
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Serialized::default(key, value));
        Settings::from_figment(&figment)
    }

    #[test]
    fn defaults_are_valid() {
        assert!(with("demo", false).is_ok());
    }

    #[test]
    fn each_bad_value_names_its_key() {
        assert_eq!(
            with("public_url", "not a url").unwrap_err().key,
            "public_url"
        );
        assert_eq!(with("public_url", "ftp://x").unwrap_err().key, "public_url");
        assert_eq!(with("smtp_url", "gopher://x").unwrap_err().key, "smtp_url");
        assert_eq!(with("mail_from", "nobody").unwrap_err().key, "mail_from");
        assert_eq!(with("demo", "perhaps").unwrap_err().key, "demo");
        assert_eq!(with("pool_size", 0).unwrap_err().key, "pool_size");
        assert_eq!(with("outbox_lease_s", 0).unwrap_err().key, "outbox_lease_s");
        assert_eq!(
            with("cache_max_age", 86_401).unwrap_err().key,
            "cache_max_age"
        );
        assert_eq!(with("database_url", "").unwrap_err().key, "database_url");
        assert_eq!(
            with("mail_retry_base_s", 0).unwrap_err().key,
            "mail_retry_base_s"
        );
        assert_eq!(
            with("mail_max_attempts", 0).unwrap_err().key,
            "mail_max_attempts"
        );
        for (key, value) in [
            ("webhook_retry_base_s", 21601),
            ("webhook_max_attempts", 0),
            ("webhook_timeout_s", 0),
            ("webhook_timeout_s", 61),
        ] {
            assert_eq!(with(key, value).unwrap_err().key, key);
        }
        assert_eq!(
            with("webhook_allow_private", "sometimes").unwrap_err().key,
            "webhook_allow_private"
        );
        assert!(with("webhook_retry_base_s", 0).is_ok());
    }

    #[test]
    fn an_smtp_password_is_never_echoed() {
        for url in [
            "smtp://mailer:hunter2secret@mail.example.org:587?tls=bogus",
            "gopher://mailer:hunter2secret@mail.example.org",
            "smtp://mailer:hunter2secret@",
            "smtp//mailer:hunter2secret@x",
        ] {
            let e = with("smtp_url", url).unwrap_err();
            assert_eq!(e.key, "smtp_url");
            assert!(!e.to_string().contains("hunter2secret"), "{e}");
        }
        assert_eq!(redact_url("smtp://u:pw@host:25"), "smtp://u:***@host:25");
        assert_eq!(redact_url("smtp://host:25"), "smtp://host:25");
    }
}
