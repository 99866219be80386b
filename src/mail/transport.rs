//! How mail leaves the server: SMTP through one pooled lettre transport when `smtp_url` is set,
//! otherwise `.eml` files in `mail_dir` for development.

use std::path::PathBuf;

use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Checks an `smtp_url` the way the transport will read it.
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err(format!("`{url}` must start with smtp:// or smtps://"));
    }
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|e| format!("`{url}` is not a usable SMTP URL: {e}"))
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> Result<Transport, String> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("smtp_url: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Ok(Transport::Smtp(transport))
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
            Transport::Smtp(_) => "SMTP".into(),
            Transport::Files(_, dir) => format!(".eml files in {}", dir.display()),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
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
