//! A real SMTP server on loopback for the tests: it speaks enough of RFC 5321 for lettre to deliver
//! (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepts and
//! every login it was given. It can be told to be slow (`delay_replies`), as a server under load.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocket::tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use rocket::tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone)]
pub struct SmtpSink {
    port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    logins: Arc<Mutex<Vec<String>>>,
    delay: Arc<Mutex<Duration>>,
}

#[derive(Clone)]
struct Store {
    messages: Arc<Mutex<Vec<Received>>>,
    logins: Arc<Mutex<Vec<String>>>,
    delay: Arc<Mutex<Duration>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        SmtpSink::start_on(0).await
    }

    /// Listens on `port` (0: any free one), e.g. one a server was already told to use.
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let store = Store {
            messages: Arc::new(Mutex::new(Vec::new())),
            logins: Arc::new(Mutex::new(Vec::new())),
            delay: Arc::new(Mutex::new(Duration::ZERO)),
        };
        let sink = SmtpSink {
            port,
            messages: store.messages.clone(),
            logins: store.logins.clone(),
            delay: store.delay.clone(),
        };
        rocket::tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                rocket::tokio::spawn(session(stream, store.clone()));
            }
        });
        sink
    }

    /// From now on, waits `by` before its greeting and before accepting a message's data.
    pub fn delay_replies(&self, by: Duration) {
        *self.delay.lock().expect("lock") = by;
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `user:password` of every AUTH PLAIN the sink accepted.
    pub fn logins(&self) -> Vec<String> {
        self.logins.lock().expect("lock").clone()
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().expect("lock").clone()
    }

    /// Waits (at most `secs`) until `n` messages have arrived.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.messages();
            if got.len() >= n || std::time::Instant::now() > deadline {
                return got;
            }
            rocket::tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn address(arg: &str) -> String {
    arg.split(':')
        .nth(1)
        .unwrap_or_default()
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// `user:password` from an AUTH PLAIN argument (base64 of `\0user\0password`).
fn plain_login(arg: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(arg.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split('\0').skip(1);
    Some(format!("{}:{}", parts.next()?, parts.next()?))
}

async fn session(stream: TcpStream, store: Store) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let delay = *store.delay.lock().expect("lock");
    rocket::tokio::time::sleep(delay).await;
    let _ = write.write_all(b"220 sink.test ESMTP ready\r\n").await;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => {
                b"250-sink.test\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n"
            }
            "AUTH" => {
                let arg = command.split_whitespace().nth(2).unwrap_or_default();
                match plain_login(arg) {
                    Some(login) => {
                        store.logins.lock().expect("lock").push(login);
                        b"235 2.7.0 authenticated\r\n"
                    }
                    None => b"535 5.7.8 bad credentials\r\n",
                }
            }
            "MAIL" => {
                from = address(&command);
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                // An address with "bounce" in it does not exist here: a permanent refusal.
                let rcpt = address(&command);
                if rcpt.contains("bounce") {
                    // Quoting the address, as real servers do.
                    let refusal = format!("550 5.1.1 <{rcpt}>: no such mailbox\r\n");
                    if write.write_all(refusal.as_bytes()).await.is_err() {
                        return;
                    }
                    continue;
                } else if rcpt.contains("norelay") {
                    // A 5xx about the server's own settings, not the recipient.
                    b"554 5.7.1 relay access denied\r\n"
                } else {
                    to.push(rcpt);
                    b"250 OK\r\n"
                }
            }
            "DATA" => {
                let _ = write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await;
                let mut data = String::new();
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line
                        .strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line);
                    data.push_str(unstuffed);
                }
                rocket::tokio::time::sleep(delay).await;
                store.messages.lock().expect("lock").push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                b"250 OK queued\r\n"
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"502 command not implemented\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
