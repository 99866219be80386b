//! How mail leaves the server: SMTP through one pooled lettre transport when `smtp_url` is set,
//! otherwise `.eml` files in `mail_dir` for development.

use std::path::PathBuf;

use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;

#[derive(Clone)]
pub enum Transport {
    /// The pooled SMTP transport, and how to name it in the log (host and port, no credentials).
    Smtp(AsyncSmtpTransport<Tokio1Executor>, String),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Transport {
    /// Builds the transport `settings` ask for. The SMTP pool spawns tasks on Tokio, so this must
    /// run inside the runtime that will serve: outside one it is refused, not a panic.
    pub fn from_settings(settings: &Settings) -> Result<Transport, String> {
        match &settings.smtp_url {
            Some(url) => {
                if rocket::tokio::runtime::Handle::try_current().is_err() {
                    return Err(
                        "the SMTP transport must be built inside the server's async runtime".into(),
                    );
                }
                let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| "smtp_url: not a usable SMTP URL".to_owned())?;
                let described = describe_smtp(url);
                let transport = builder
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Ok(Transport::Smtp(transport, described))
            }
            None => {
                std::fs::create_dir_all(&settings.mail_dir).map_err(|e| {
                    format!(
                        "mail_dir: cannot create {}: {e}",
                        settings.mail_dir.display()
                    )
                })?;
                Ok(Transport::Files(
                    AsyncFileTransport::new(&settings.mail_dir),
                    settings.mail_dir.clone(),
                ))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_, described) => described.clone(),
            Transport::Files(_, dir) => format!(".eml files in {}", dir.display()),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t, _) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                // Only a refusal of this recipient is final. Other 5xx answers (authentication,
                // relaying) are the server's configuration, which an admin will fix: retry.
                permanent: e.is_permanent()
                    && e.status()
                        .map(u16::from)
                        .is_some_and(|c| matches!(c, 550 | 551 | 553)),
                message: e.to_string(),
            }),
            Transport::Files(t, _) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: false,
                message: e.to_string(),
            }),
        }
    }
}

/// Why a message did not go, and whether trying again could help (an SMTP 5xx answer cannot).
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

/// `SMTP at host:port`, for the start-up log: never the user name or password.
fn describe_smtp(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "SMTP at {}:{}{}",
            u.host_str().unwrap_or("?"),
            u.port()
                .unwrap_or(if u.scheme() == "smtps" { 465 } else { 587 }),
            if u.scheme() == "smtps" { " (TLS)" } else { "" }
        ),
        Err(_) => "SMTP".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smtp_description_has_no_credentials() {
        let d = describe_smtp("smtps://user:secretpw@mail.example.org");
        assert_eq!(d, "SMTP at mail.example.org:465 (TLS)");
        assert_eq!(
            describe_smtp("smtp://u:p@127.0.0.1:2525"),
            "SMTP at 127.0.0.1:2525"
        );
    }
}
