//! The server's log: one line per record on standard error, at the level `log_level` sets
//! (`off`, `critical`, `normal`, `debug`), with Rocket's launch banner kept and its per-request
//! lines left out, since they carry the request path, and a path can be a secret (a status link).
//! Errata writes its own request line instead (`web::request_log`). Every line passes through
//! `scrub` as a last guard against a secret or an address slipping into a message.

use std::io::Write;

use rocket::config::LogLevel;

struct Logger {
    max: log::LevelFilter,
}

/// The most verbose level of `log::Level` a Rocket `log_level` shows.
fn filter_for(level: LogLevel) -> log::LevelFilter {
    match level {
        LogLevel::Off => log::LevelFilter::Off,
        LogLevel::Critical => log::LevelFilter::Warn,
        LogLevel::Normal => log::LevelFilter::Info,
        LogLevel::Debug => log::LevelFilter::Debug,
    }
}

/// Installs Errata's logger for the process (the binary does this before Rocket starts, so
/// Rocket's own logger is not installed). A second call does nothing.
pub fn init(level: LogLevel) {
    let max = filter_for(level);
    if log::set_boxed_logger(Box::new(Logger { max })).is_ok() {
        log::set_max_level(max);
    }
}

/// Whether a record is shown: Rocket's launch banner at any level but `off`; Rocket's request
/// handling never below a warning, and never its lines that quote the request; libraries only for
/// warnings and errors.
fn shown(target: &str, level: log::Level, message: &str, max: log::LevelFilter) -> bool {
    if max == log::LevelFilter::Off {
        return false;
    }
    if target.starts_with("rocket::launch") {
        return true;
    }
    if level > max {
        return false;
    }
    // A caller's bad request or missing token is not the server's trouble: Rocket's notes that a
    // guard failed or a catcher answered are shown only when debugging.
    let routine = message.starts_with("Request guard `")
        || message.starts_with("Data guard `")
        || message.starts_with("Responding with registered");
    if routine && max < log::LevelFilter::Debug {
        return false;
    }
    if target.starts_with("rocket::server") {
        // "No matching routes for GET /path", "Dispatching salvaged request to catcher: GET
        // /path", the request line itself and the matched route: all replaced by our line.
        // Its debug records dump whole requests, headers and all.
        let quotes_request = message.contains(" /") || message.starts_with('/');
        let indented = target.ends_with("::_");
        return !quotes_request
            && level <= log::Level::Info
            && (!indented || level <= log::Level::Warn);
    }
    if target.starts_with("errata") || target.starts_with("rocket") {
        return true;
    }
    // hyper, rustls, r2d2, lettre, html5ever...: only what goes wrong.
    level <= log::Level::Warn
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.max != log::LevelFilter::Off
            && (metadata.level() <= self.max || metadata.target().starts_with("rocket::launch"))
    }

    fn log(&self, record: &log::Record<'_>) {
        let message = record.args().to_string();
        if !shown(record.target(), record.level(), &message, self.max) {
            return;
        }
        let message = scrub(&message);
        let line = if record.target().starts_with("rocket::launch") {
            // The banner, as Rocket prints it: indented items under a heading.
            if record.target().ends_with('_') {
                format!("   >> {message}\n")
            } else {
                format!("{message}\n")
            }
        } else {
            format!(
                "{} {:<5} {}: {message}\n",
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                record.level(),
                short_target(record.target()),
            )
        };
        // A log that cannot be written must not take the server down.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// `errata::mail::worker` as `mail::worker`; Rocket's indentation marker dropped.
fn short_target(target: &str) -> &str {
    let target = target.trim_end_matches("::_");
    target.strip_prefix("errata::").unwrap_or(target)
}

/// `message` with anything that looks like a secret or a reader's address replaced: a status
/// token after `/status/`, an API token (`errata_...`), a bearer credential, a password in a URL,
/// an email address.
pub fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut words = message.split(' ').peekable();
    let mut first = true;
    while let Some(word) = words.next() {
        if !first {
            out.push(' ');
        }
        first = false;
        out.push_str(&scrub_word(word));
        if word.eq_ignore_ascii_case("bearer") {
            if let Some(_secret) = words.next() {
                out.push_str(" [redacted]");
            }
        }
    }
    out
}

fn scrub_word(word: &str) -> String {
    let mut word = word.to_owned();
    if let Some(at) = word.find("/status/") {
        let start = at + "/status/".len();
        let end = word[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(word.len(), |e| start + e);
        if end > start {
            word.replace_range(start..end, "[redacted]");
        }
    }
    while let Some(at) = word.find("errata_") {
        let start = at + "errata_".len();
        let end = word[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(word.len(), |e| start + e);
        if end - start < 16 {
            break;
        }
        word.replace_range(at..end, "[redacted]");
    }
    if let Some(scheme) = word.find("://") {
        let rest = scheme + 3;
        if let Some(at) = word[rest..].find('@').map(|a| rest + a) {
            if word[rest..at].contains(':') && !word[rest..at].contains('/') {
                word.replace_range(rest..at, "[redacted]");
            }
        }
    }
    let core = word.trim_matches(|c: char| "<>()[]\",;:'".contains(c));
    if core.contains('@') && !core.contains("://") && core.len() > 2 && !core.contains("[redacted]")
    {
        word = word.replace(core, "[redacted]");
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_addresses_are_scrubbed() {
        assert_eq!(
            scrub("GET /api/v1/reports/status/J06_9m2Tabc-def?x=1 200"),
            "GET /api/v1/reports/status/[redacted]?x=1 200"
        );
        assert_eq!(
            scrub("token errata_AAAAAAAAAAAAAAAAAAAAAAAA used"),
            "token [redacted] used"
        );
        assert_eq!(
            scrub("Authorization: Bearer abc.def"),
            "Authorization: Bearer [redacted]"
        );
        assert_eq!(
            scrub("cannot reach smtp://user:pw@mail.example.org:25"),
            "cannot reach smtp://[redacted]@mail.example.org:25"
        );
        assert_eq!(
            scrub("550 <ada@reader.example>: no such user"),
            "550 <[redacted]>: no such user"
        );
        assert_eq!(scrub("mail 7 sent"), "mail 7 sent");
        assert_eq!(scrub("errata_migrations ran"), "errata_migrations ran");
    }

    #[test]
    fn rocket_request_lines_are_not_shown() {
        let info = log::LevelFilter::Info;
        assert!(!shown(
            "rocket::server",
            log::Level::Info,
            "GET /api/v1/reports/status/x:",
            info
        ));
        assert!(!shown(
            "rocket::server::_",
            log::Level::Error,
            "No matching routes for GET /status/x.",
            info
        ));
        assert!(shown(
            "rocket::server::_",
            log::Level::Error,
            "Handler status panicked.",
            info
        ));
        assert!(shown(
            "rocket::server",
            log::Level::Info,
            "Shutdown requested. Waiting for pending I/O...",
            info
        ));
        assert!(!shown(
            "rocket::server::_",
            log::Level::Info,
            "Response succeeded.",
            info
        ));
        assert!(!shown(
            "rocket::server",
            log::Level::Debug,
            "received request: Request { headers: {} }",
            log::LevelFilter::Debug
        ));
        assert!(shown(
            "rocket::launch",
            log::Level::Warn,
            "Rocket has launched",
            log::LevelFilter::Warn
        ));
        assert!(!shown(
            "rocket::launch",
            log::Level::Warn,
            "x",
            log::LevelFilter::Off
        ));
        assert!(!shown(
            "hyper::proto",
            log::Level::Debug,
            "parsed",
            log::LevelFilter::Debug
        ));
        assert!(shown(
            "errata::mail::worker",
            log::Level::Info,
            "mail 1 sent",
            info
        ));
        assert!(!shown(
            "errata::web::api",
            log::Level::Warn,
            "Request guard `Authorized` failed: 401",
            info
        ));
        assert!(!shown("errata::mail::worker", log::Level::Debug, "x", info));
    }
}
