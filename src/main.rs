//! The `errata` command: the server (default) and the admin commands, all reading the same
//! configuration (Rocket.toml and `ROCKET_*` variables).

use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand};
use errata::accounts::{self, NewUser, Role, Scope};
use errata::articles;
use errata::config::Settings;
use errata::events::ActedBy;
use errata::mail::outbox::{self, OutboxState};
use errata::webhooks;

#[derive(Parser)]
#[command(
    name = "errata",
    version,
    about = "Errata: a fact-check and corrections tracker for newsrooms"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default with no subcommand).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage publications (sites).
    #[command(subcommand)]
    Publication(PublicationCommand),
    /// Import articles.
    #[command(subcommand)]
    Article(ArticleCommand),
    /// See and act on outgoing mail: list, retry, discard.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Write a consistent copy of the database to PATH, safe while the server runs.
    Backup {
        /// Where to write the copy; it must not exist yet.
        path: PathBuf,
    },
    /// Copy a SQLite database into a new, empty PostgreSQL database: every table, ids kept, in one
    /// transaction, verified by row counts and checksums before it commits. Stop the server first:
    /// what it writes during the copy is not copied.
    MigrateData {
        /// The SQLite file to copy from (PATH or sqlite:PATH); it is only read.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database to copy into (postgres://USER@HOST:PORT/NAME).
        #[arg(long)]
        to: String,
    },
    /// Developer tools (hidden): synthetic data for benchmarks. Never on a newsroom's database.
    #[command(subcommand, hide = true)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum DevCommand {
    /// Add N synthetic reports across M new articles (with their moves, anchors and notes), to
    /// measure the dashboard at scale.
    Fill {
        /// How many reports to add.
        #[arg(long)]
        reports: u64,
        /// How many articles to spread them over.
        #[arg(long, default_value_t = 1000)]
        articles: u64,
        /// The same seed makes the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = PossibleValuesParser::new(Role::ALL.map(Role::as_str)))]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Stop a user's access: their tokens and sessions stop working at once.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Give a deactivated user their access back.
    Activate {
        #[arg(long)]
        email: String,
    },
    /// Change a user's role; their tokens never outrank the new role.
    Role {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = PossibleValuesParser::new(Role::ALL.map(Role::as_str)))]
        role: String,
    },
    /// Email the user a link to choose a new password themselves (works once, for 72 hours).
    ResetLink {
        #[arg(long)]
        email: String,
    },
    /// Set a new password; prints a generated one once unless --password-stdin is given.
    Password {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; prints it once.
    Add {
        /// The owner's email.
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
        /// articles:write, reports:read, reports:write or corrections:write; repeat for several.
        /// Default: every scope the user's role allows.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// List tokens: id, owner, name, scopes, created, last used (never the secret).
    List {
        /// Only this user's tokens (by email).
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id (see `token list`): the next request with it gets 401.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum MailCommand {
    /// List messages, newest first: id, kind, recipient, attempts, next attempt, last error.
    List {
        #[arg(long, value_parser = PossibleValuesParser::new(OutboxState::ALL.map(OutboxState::as_str)))]
        state: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Queue a failed (or discarded) message again, for one more round of attempts.
    Retry {
        /// The message's id (see `mail list`).
        #[arg(required_unless_present = "failed", conflicts_with = "failed")]
        id: Option<i64>,
        /// Every failed message.
        #[arg(long)]
        failed: bool,
    },
    /// Mark a queued or failed message discarded: kept, never sent.
    Discard { id: i64 },
}

#[derive(Subcommand)]
enum PublicationCommand {
    /// Register a publication by its base URL.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        url: String,
        /// The short name in its public addresses (`/p/SLUG/corrections`); default: from the name.
        #[arg(long)]
        slug: Option<String>,
        /// A further browser origin allowed to file reports (the URL's own origin always is).
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
    /// List publications.
    List,
    /// Change a publication's policy link, contact or name (left out: kept; empty: cleared).
    Edit {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        policy_url: Option<String>,
        #[arg(long)]
        contact: Option<String>,
    },
    /// Set a publication's webhook (the signing secret read from standard input), or remove it.
    Webhook {
        id: i64,
        #[arg(long, required_unless_present = "remove", conflicts_with = "remove")]
        url: Option<String>,
        /// Read the signing secret from the first line of standard input (kept if left out).
        #[arg(long)]
        secret_stdin: bool,
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Subcommand)]
enum ArticleCommand {
    /// Import articles from a JSON Lines file: one {url, title, body_text|body_html, published_at} a line.
    Import { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        // Names its own two databases: the configured one plays no part.
        Command::MigrateData { from, to } => migrate_data(&from, &to),
        other => admin(other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives threads that allocate at once arenas of their own (up to eight per core), each
/// keeping what was freed in it; a server whose threads mostly wait on each other needs two.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fewer_malloc_arenas() {
    // SAFETY: sets a tunable of the allocator, before the runtime starts any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fewer_malloc_arenas() {}

fn serve() -> Result<(), String> {
    fewer_malloc_arenas();
    let figment = errata::figment();
    let level = figment
        .extract_inner::<rocket::config::LogLevel>("log_level")
        .unwrap_or(rocket::config::LogLevel::Normal);
    errata::logging::init(level);
    // Everything is built inside the runtime that serves: the SMTP pool spawns its tasks there.
    rocket::execute(async move {
        let rocket = errata::build(figment).map_err(|e| e.to_string())?;
        rocket.launch().await.map(|_| ()).map_err(|e| e.to_string())
    })
}

/// A password from the first line of standard input, or a generated one (and whether it was).
fn password_from(stdin: bool) -> Result<(String, bool), String> {
    if stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
    } else {
        Ok((errata::secrets::random_secret(15), true))
    }
}

fn when(t: Option<chrono::NaiveDateTime>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn admin(command: Command) -> Result<(), String> {
    let settings = Settings::from_figment(&errata::figment()).map_err(|e| e.to_string())?;
    let mut conn = errata::db::connect(&settings.database_url).map_err(|e| e.to_string())?;
    let applied = errata::db::migrate(&mut conn).map_err(|e| e.to_string())?;
    let conn = &mut conn;
    let err = |e: errata::error::Error| e.describe();
    errata::install_hooks();
    match command {
        Command::Serve | Command::MigrateData { .. } => unreachable!("handled by main"),
        Command::Migrate => {
            if applied.is_empty() {
                println!("The database is up to date.");
            }
            for name in applied {
                println!("Applied migration {name}");
            }
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            password_stdin,
        }) => {
            let role = Role::parse(&role).ok_or("role must be admin, editor or reviewer")?;
            let (password, generated) = password_from(password_stdin)?;
            let user = accounts::create_user(
                conn,
                NewUser {
                    email: &email,
                    name: &name,
                    role,
                    password: &password,
                },
            )
            .map_err(err)?;
            println!(
                "Created {} {} <{}> (id {})",
                role.as_str(),
                user.name,
                user.email,
                user.id
            );
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        Command::User(UserCommand::List) => {
            let users = accounts::list_users(conn).map_err(err)?;
            println!(
                "{:>4}  {:<9} {:<7} {:<32} NAME",
                "ID", "ROLE", "ACTIVE", "EMAIL"
            );
            for u in users {
                println!(
                    "{:>4}  {:<9} {:<7} {:<32} {}",
                    u.id,
                    u.role.as_str(),
                    if u.active { "yes" } else { "no" },
                    u.email,
                    u.name
                );
            }
        }
        Command::User(UserCommand::Deactivate { email }) => {
            let changed = accounts::set_active(conn, &email, false, ActedBy::CLI).map_err(err)?;
            if changed {
                println!("Deactivated {email}: their tokens and sessions no longer work.");
            } else {
                println!("{email} was already deactivated.");
            }
        }
        Command::User(UserCommand::Activate { email }) => {
            let changed = accounts::set_active(conn, &email, true, ActedBy::CLI).map_err(err)?;
            if changed {
                println!("Activated {email}.");
            } else {
                println!("{email} was already active.");
            }
        }
        Command::User(UserCommand::Role { email, role }) => {
            let role = Role::parse(&role).ok_or("role must be admin, editor or reviewer")?;
            let user = accounts::set_role(conn, &email, role, ActedBy::CLI).map_err(err)?;
            println!("{} is now {}.", user.email, role.as_str());
        }
        Command::User(UserCommand::ResetLink { email }) => {
            let site = errata::mail::Site {
                base_url: settings.base_url().to_owned(),
                host: settings.public_host(),
                words: errata::i18n::mail_words,
            };
            let user =
                errata::invites::send_reset_link(conn, &site, &email, ActedBy::CLI).map_err(err)?;
            println!(
                "Queued an email to {} with a link to choose a new password (valid for {} hours).",
                user.email,
                errata::invites::LINK_VALID.num_hours()
            );
        }
        Command::User(UserCommand::Password {
            email,
            password_stdin,
        }) => {
            let (password, generated) = password_from(password_stdin)?;
            accounts::set_password(conn, &email, &password, ActedBy::CLI).map_err(err)?;
            println!("Set a new password for {email}.");
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        Command::Token(TokenCommand::List { user }) => {
            let tokens = accounts::list_tokens(conn, user.as_deref()).map_err(err)?;
            println!(
                "{:>4}  {:<28} {:<16} {:<19}  {:<19}  {:<8} SCOPES",
                "ID", "OWNER", "NAME", "CREATED", "LAST USED", "STATE"
            );
            for (t, owner) in tokens {
                println!(
                    "{:>4}  {:<28} {:<16} {:<19}  {:<19}  {:<8} {}",
                    t.id,
                    owner,
                    t.name,
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "live"
                    },
                    t.scopes
                );
            }
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            let token = accounts::revoke_token(conn, id, ActedBy::CLI).map_err(err)?;
            println!("Revoked token {} (`{}`).", token.id, token.name);
        }
        Command::Mail(MailCommand::List { state, limit }) => {
            let state = state.as_deref().and_then(OutboxState::parse);
            let rows = outbox::list(conn, state, limit.max(1)).map_err(err)?;
            println!(
                "{:>5}  {:<16} {:<9} {:<32} {:>8}  {:<19}  LAST ERROR",
                "ID", "KIND", "STATE", "RECIPIENT", "ATTEMPTS", "NEXT ATTEMPT"
            );
            for m in rows {
                let next = match m.state {
                    OutboxState::Queued | OutboxState::Sending => when(Some(m.next_attempt_at)),
                    _ => "-".into(),
                };
                println!(
                    "{:>5}  {:<16} {:<9} {:<32} {:>8}  {:<19}  {}",
                    m.id,
                    m.template,
                    m.state.as_str(),
                    m.recipient,
                    m.attempts,
                    next,
                    m.last_error.as_deref().unwrap_or("-")
                );
            }
        }
        Command::Mail(MailCommand::Retry { id, failed }) => {
            if failed {
                let ids = outbox::retry_failed(conn, ActedBy::CLI).map_err(err)?;
                println!("Queued {} failed message(s) again.", ids.len());
            } else if let Some(id) = id {
                outbox::retry(conn, id, ActedBy::CLI).map_err(err)?;
                println!("Queued message {id} again; the server sends it shortly.");
            }
        }
        Command::Mail(MailCommand::Discard { id }) => {
            outbox::discard(conn, id, ActedBy::CLI).map_err(err)?;
            println!("Discarded message {id}: it is kept, and will not be sent.");
        }
        Command::Backup { path } => {
            errata::db::backup(conn, &path).map_err(err)?;
            println!("Wrote a copy of the database to {}", path.display());
        }
        Command::Token(TokenCommand::Add { user, name, scopes }) => {
            let owner = accounts::find_user_by_email(conn, &user)
                .map_err(err)?
                .ok_or_else(|| format!("there is no user {user}"))?;
            let scopes = scopes
                .iter()
                .map(|s| Scope::parse(s).ok_or_else(|| format!("`{s}` is not a scope: articles:write, reports:read, reports:write, corrections:write")))
                .collect::<Result<Vec<_>, _>>()?;
            let (token, secret) =
                accounts::create_token(conn, &owner, &name, &scopes).map_err(err)?;
            println!(
                "Token `{}` for {} with scopes: {}",
                token.name, owner.email, token.scopes
            );
            println!("{secret}");
            eprintln!("(shown once: store it now)");
        }
        Command::Publication(PublicationCommand::Add {
            name,
            url,
            slug,
            origins,
        }) => {
            let p = articles::create_publication_with_slug(
                conn,
                &name,
                slug.as_deref(),
                &url,
                &origins,
            )
            .map_err(err)?;
            println!(
                "Registered {} at {} (id {}, slug {})",
                p.name,
                p.base_url,
                p.id,
                p.slug.as_deref().unwrap_or("-")
            );
        }
        Command::Publication(PublicationCommand::List) => {
            for (p, origins) in articles::list_publications(conn).map_err(err)? {
                println!(
                    "{:>4}  {}  {}  slug: {}  origins: {}",
                    p.id,
                    p.name,
                    p.base_url,
                    p.slug.as_deref().unwrap_or("-"),
                    origins.join(" ")
                );
            }
        }
        Command::Publication(PublicationCommand::Edit {
            id,
            name,
            policy_url,
            contact,
        }) => {
            let (policy_url, contact_email) = (policy_url.map(Some), contact.map(Some));
            let patch = articles::PublicationPatch {
                name,
                policy_url,
                contact_email,
                ..Default::default()
            };
            let p = articles::patch_publication(conn, id, &patch, ActedBy::CLI).map_err(err)?;
            let (policy, contact) = (p.policy_url.unwrap_or_default(), p.contact_email);
            println!(
                "Saved {}: policy `{policy}`, contact `{}`",
                p.name,
                contact.unwrap_or_default()
            );
        }
        Command::Publication(PublicationCommand::Webhook {
            id, remove: true, ..
        }) => {
            webhooks::remove(conn, id, ActedBy::CLI).map_err(err)?;
            println!("Removed the webhook of publication {id}.");
        }
        Command::Publication(PublicationCommand::Webhook {
            id,
            url,
            secret_stdin,
            ..
        }) => {
            let secret = secret_stdin.then(|| password_from(true)).transpose()?;
            let input = webhooks::WebhookInput {
                url,
                secret: secret.map(|(s, _)| s),
            };
            let allow = settings.webhook_allow_private;
            let w = webhooks::set(conn, id, &input, allow, ActedBy::CLI).map_err(err)?;
            println!("Publication {id} sends its webhooks to {}", w.url);
        }
        Command::Article(ArticleCommand::Import { file }) => import(conn, &file)?,
        Command::Dev(DevCommand::Fill {
            reports,
            articles,
            seed,
        }) => fill(
            conn,
            &errata::synthetic::FillPlan {
                reports,
                articles,
                seed,
            },
        )?,
    }
    Ok(())
}

fn import(conn: &mut errata::db::Conn, file: &PathBuf) -> Result<(), String> {
    let mut content = String::new();
    std::fs::File::open(file)
        .and_then(|mut f| f.read_to_string(&mut content))
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let lines: Vec<(usize, &str)> = content
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let bar = indicatif::ProgressBar::new(lines.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} articles {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let mut failed: Vec<(usize, String)> = Vec::new();
    for (number, line) in lines {
        let outcome = serde_json::from_str::<articles::ArticleRequest>(line)
            .map_err(|e| format!("not a valid article line: {e}"))
            .and_then(|request| {
                let input = request.into_input().map_err(|e| e.describe())?;
                errata::anchoring::upsert_article(conn, &input).map_err(|e| e.describe())
            });
        match outcome {
            Ok(done) if done.created => created += 1,
            Ok(done) if done.changed => updated += 1,
            Ok(_) => unchanged += 1,
            Err(e) => failed.push((number, e)),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "{created} created, {updated} updated, {unchanged} unchanged, {} failed",
        failed.len()
    );
    for (line, why) in &failed {
        println!("  line {line}: {why}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("{} line(s) failed", failed.len()))
    }
}

fn fill(conn: &mut errata::db::Conn, plan: &errata::synthetic::FillPlan) -> Result<(), String> {
    let bar = indicatif::ProgressBar::new(plan.reports);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} reports {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let filled =
        errata::synthetic::fill(conn, plan, |n| bar.set_position(n)).map_err(|e| e.describe())?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Added {} reports on {} articles ({} moves, {} notes) in {secs:.1} s ({:.0} reports/s)",
        filled.reports,
        filled.articles,
        filled.events,
        filled.notes,
        filled.reports as f64 / secs.max(0.001)
    );
    Ok(())
}

fn migrate_data(from: &str, to: &str) -> Result<(), String> {
    use errata::db::transfer::{self, Step};
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} {per_sec}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut header = false;
    let mut on = |step: Step| match step {
        Step::Copying { table, rows } => {
            let b = indicatif::ProgressBar::new(rows).with_style(style.clone());
            b.set_message(table.to_owned());
            bar = Some(b);
        }
        Step::Copied { rows } => {
            if let Some(b) = &bar {
                b.inc(rows);
            }
        }
        Step::TableDone {
            table,
            rows,
            seconds,
        } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            println!("copied {table:<20} {rows:>9} rows in {seconds:.2} s");
        }
        Step::Verified(v) => {
            if !header {
                println!();
                println!("{:<20} {:>9}  {:<12}  OK", "TABLE", "ROWS", "SHA-256");
                header = true;
            }
            let rows = if v.source_rows == v.target_rows {
                v.source_rows.to_string()
            } else {
                format!("{}/{}", v.source_rows, v.target_rows)
            };
            println!(
                "{:<20} {:>9}  {:<12}  {}",
                v.table,
                rows,
                &v.target_sha256[..12],
                if v.equal() { "ok" } else { "DIFFERS" }
            );
        }
    };
    let moved = transfer::migrate_data(from, to, &mut on).map_err(|e| {
        // Our own failures name their cause: this is a terminal, not a client to hide it from.
        match (e.is_server_error(), e.cause()) {
            (true, Some(cause)) => cause.to_string(),
            _ => e.describe(),
        }
    })?;
    println!(
        "\nCopied {} rows of {} tables to {} in {:.1} s ({:.0} rows/s; {:.1} s with the checks).",
        moved.rows,
        moved.tables.len(),
        errata::config::redact_url(to),
        moved.copy_seconds,
        moved.rows as f64 / moved.copy_seconds.max(0.001),
        moved.seconds
    );
    Ok(())
}
