//! A webhook receiver on loopback: a small HTTP/1.1 server that records every request (headers
//! and body as they arrived) and answers 500 (or another failure) to the first `failures` of
//! them, 200 after.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::{TcpListener, TcpStream};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            .unwrap_or_default()
    }
}

pub struct Receiver {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts listening on a free loopback port; the first `failures` requests get a 500.
    pub async fn start(failures: usize) -> Receiver {
        Receiver::failing_with(failures, FAILURE).await
    }

    /// Starts listening; the first `failures` requests get `answer` (a whole HTTP response).
    pub async fn failing_with(failures: usize, answer: &'static str) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let left = Arc::new(AtomicUsize::new(failures));
        let seen = requests.clone();
        rocket::tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, left) = (seen.clone(), left.clone());
                rocket::tokio::spawn(async move {
                    if let Some(request) = read_request(stream, &left, answer).await {
                        if let Ok(mut all) = seen.lock() {
                            all.push(request);
                        }
                    }
                });
            }
        });
        Receiver { addr, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Received> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Waits until `n` requests have arrived (at most `within`); returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} webhook requests, got {}: {got:?}",
                got.len()
            );
            rocket::tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

const FAILURE: &str =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops";

async fn read_request(
    mut stream: TcpStream,
    left: &AtomicUsize,
    failure: &str,
) -> Option<Received> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    let fail = left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let answer = if fail {
        failure
    } else {
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    };
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
    Some(Received {
        at: Instant::now(),
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
