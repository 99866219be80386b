//! Errors raised by the HTTP layer itself: no route, a wrong method, a path part that does not
//! parse, a body too large or a form where JSON is expected, a request Rocket cannot read. The API
//! answers them in its JSON error shape, the pages with a page; the bearer scheme is read in any
//! case. The last test talks raw HTTP to the real binary, to show what hyper answers by itself.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::LocalResponse;
use serde_json::{json, Value};

use crate::support::{assert_error, read, TestApp, ARTICLE_URL};

const CSP: &str = "Content-Security-Policy";

async fn page(response: LocalResponse<'_>) -> (Status, Option<String>, String) {
    let status = response.status();
    let csp = response.headers().get_one(CSP).map(str::to_owned);
    assert_eq!(response.content_type(), Some(ContentType::HTML));
    (
        status,
        csp,
        response.into_string().await.unwrap_or_default(),
    )
}

#[rocket::async_test]
async fn an_unknown_api_route_is_a_json_404_and_an_unknown_page_an_html_one() {
    let app = TestApp::new().await;
    let got = app.get("/api/v1/nowhere", None).await;
    assert_error(&got, Status::NotFound, "not_found", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/api/v1/nowhere"));

    let (status, csp, html) = page(app.client.get("/no/such/page").dispatch().await).await;
    assert_eq!(status, Status::NotFound);
    assert!(csp.is_some_and(|c| c.contains("frame-ancestors 'none'")));
    assert!(html.contains("<h1>Not found</h1>"), "{html}");
    assert!(html.contains(r#"<a href="/">"#), "{html}");
    assert!(html.contains("/static/pages.css"), "{html}");
}

#[rocket::async_test]
async fn a_wrong_method_is_405_with_the_methods_the_path_takes() {
    let app = TestApp::new().await;
    let response = app.client.delete("/api/v1/articles").dispatch().await;
    assert_eq!(response.headers().get_one("Allow"), Some("GET, HEAD, PUT"));
    let got = read(response).await;
    assert_error(&got, Status::MethodNotAllowed, "method_not_allowed", None);

    let response = app.client.post("/corrections/1").dispatch().await;
    assert_eq!(response.headers().get_one("Allow"), Some("GET, HEAD"));
    let (status, csp, html) = page(response).await;
    assert_eq!(status, Status::MethodNotAllowed);
    assert!(csp.is_some());
    assert!(html.contains("cannot be used that way"), "{html}");
}

#[rocket::async_test]
async fn a_path_id_that_is_not_a_number_names_the_segment() {
    let app = TestApp::new().await;
    let token = app.editor();
    let got = app.get("/api/v1/reports/abc", Some(&token)).await;
    assert_error(
        &got,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("id"),
    );
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`abc`"));
    let got = app
        .get(
            "/api/v1/articles/99999999999999999999/revisions",
            Some(&token),
        )
        .await;
    assert_error(
        &got,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("id"),
    );
    // For a reader, a page address with a bad number names no page.
    let (status, _, html) = page(app.client.get("/corrections/abc").dispatch().await).await;
    assert_eq!(status, Status::NotFound);
    assert!(html.contains("Not found"), "{html}");
}

#[rocket::async_test]
async fn a_body_too_large_or_a_form_is_refused_in_json_and_writes_nothing() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let before = app.counts();
    let huge = json!({
        "article_url": ARTICLE_URL,
        "passage": { "exact": "roughly 14,000 vehicles a day" },
        "category": "factual_error",
        "description": "x".repeat(70 * 1024),
    });
    let got = app.post("/api/v1/reports", None, huge).await;
    assert_error(&got, Status::PayloadTooLarge, "payload_too_large", None);
    let response = app
        .client
        .post("/api/v1/reports")
        .header(ContentType::Form)
        .body("article_url=x&description=y")
        .dispatch()
        .await;
    let got = read(response).await;
    assert_error(
        &got,
        Status::UnsupportedMediaType,
        "unsupported_media_type",
        None,
    );
    let response = app
        .client
        .post("/api/v1/reports")
        .header(ContentType::JSON)
        .body("{not json")
        .dispatch()
        .await;
    assert_error(
        &read(response).await,
        Status::BadRequest,
        "malformed_json",
        None,
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn the_bearer_scheme_is_read_in_any_case_and_a_garbage_scheme_is_401() {
    let app = TestApp::new().await;
    let token = app.editor();
    for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
        for gap in [" ", "   ", "\t"] {
            let response = app
                .client
                .get("/api/v1/reports")
                .header(Header::new(
                    "Authorization",
                    format!("{scheme}{gap}{token}"),
                ))
                .dispatch()
                .await;
            let (status, body) = read(response).await;
            assert_eq!(status, Status::Ok, "{scheme:?}{gap:?}: {body}");
        }
    }
    for value in [
        format!("Token {token}"),
        format!("Basic {token}"),
        format!("Bearer{token}"),
        "Bearer".to_owned(),
        token.clone(),
    ] {
        let response = app
            .client
            .get("/api/v1/reports")
            .header(Header::new("Authorization", value.clone()))
            .dispatch()
            .await;
        assert_eq!(
            response.headers().get_one("WWW-Authenticate"),
            Some("Bearer")
        );
        let got = read(response).await;
        assert_error(&got, Status::Unauthorized, "unauthorized", None);
        assert!(
            got.1["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Bearer <token>"),
            "{value}: {}",
            got.1
        );
    }
}

/// The `errata` binary serving on a free port, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_errata"))
            .current_dir(dir.path())
            .env("ROCKET_DATABASE_URL", dir.path().join("errata.db"))
            .env("ROCKET_DEMO", "false")
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_MAIL_DIR", dir.path().join("mail"))
            .env("ROCKET_LOG_LEVEL", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("errata starts");
        let server = Server {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !server
            .raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .starts_with("HTTP/1.1 200")
        {
            assert!(
                Instant::now() < deadline,
                "the server never answered /healthz"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Sends `request` as raw bytes and reads the whole answer (empty if nothing came).
    fn raw(&self, request: &[u8]) -> String {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return String::new();
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        // The server may answer and close before it has read everything: a failed write is
        // fine as long as the answer can be read.
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }
}

fn split(answer: &str) -> (&str, &str) {
    answer.split_once("\r\n\r\n").unwrap_or((answer, ""))
}

fn has_header(head: &str, name: &str) -> bool {
    head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with(&format!("{}:", name.to_ascii_lowercase()))
    })
}

#[test]
fn through_a_real_socket_rocket_errors_are_shaped_and_hyper_answers_some_alone() {
    let server = Server::start();

    // Through the real server the catchers answer just as with the local client.
    let answer =
        server.raw(b"GET /api/v1/nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let (head, body) = split(&answer);
    assert!(head.starts_with("HTTP/1.1 404"), "{answer}");
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(body["error"]["code"], "not_found");

    // A method Rocket does not know: Rocket answers 400 through its catcher, but without the
    // response fairings, so the catcher sets the security headers itself.
    let answer = server
        .raw(b"BREW /api/v1/reports HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let (head, body) = split(&answer);
    assert!(head.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(has_header(head, "X-Content-Type-Options"), "{answer}");
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(body["error"]["code"], "bad_request");
    let answer = server.raw(b"BREW /pot HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let (head, body) = split(&answer);
    assert!(head.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(has_header(head, CSP), "{answer}");
    assert!(body.contains("<h1>Bad request</h1>"), "{answer}");

    // Headers beyond hyper's buffer (about 400 KiB) and a request line that is not HTTP are
    // answered by hyper before Rocket sees the request: the status is right, but hyper sends no
    // body and no headers of ours, and Rocket gives no way to change that.
    let mut big = b"GET /api/v1/reports HTTP/1.1\r\nHost: localhost\r\nX-Padding: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 500 * 1024));
    big.extend(b"\r\n\r\n");
    let answer = server.raw(&big);
    let (head, body) = split(&answer);
    assert!(head.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(
        body.is_empty() && !has_header(head, "X-Content-Type-Options"),
        "{answer}"
    );
    let answer = server.raw(b"this is not http\r\n\r\n");
    let (head, body) = split(&answer);
    assert!(head.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(body.is_empty(), "{answer}");

    // The server is still up after all of that.
    let answer =
        server.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
