//! The reader's side of mail: the receipt's confirm link (only a confirmed address hears more),
//! one-click unsubscribe on every reader message, mail in the reader's language, names that
//! cannot add headers, resolving that never waits for SMTP, and `/metrics`.

use std::time::{Duration, Instant};

use mail_parser::MessageParser;
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

use crate::support::{assert_error, TestApp, ARTICLE_URL};
use errata::accounts::Role;

const PASSAGE: &str = "roughly 14,000 vehicles a day";

fn transitions(id: i64) -> String {
    format!("/api/v1/reports/{id}/transitions")
}

async fn resolve(app: &TestApp, token: &str, id: i64) {
    let (status, r) = app
        .post(
            &transitions(id),
            Some(token),
            json!({ "to": "resolved", "resolution": "no_error" }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{r}");
}

fn id_of(filed: &Value) -> i64 {
    filed["id"].as_i64().expect("an id")
}

/// A header's raw value in a raw message (unfolded), if it is there.
fn raw_header(data: &str, name: &str) -> Option<String> {
    let head = data.split("\r\n\r\n").next().unwrap_or_default();
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

async fn page(app: &TestApp, method: &str, path: &str) -> (Status, String) {
    let req = match method {
        "GET" => app.client.get(path.to_owned()),
        _ => app
            .client
            .post(path.to_owned())
            .header(ContentType::Form)
            .body("List-Unsubscribe=One-Click"),
    };
    let res = req.dispatch().await;
    let status = res.status();
    (status, res.into_string().await.unwrap_or_default())
}

fn confirmed_at(app: &TestApp, id: i64) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM reports WHERE id = {id} AND email_confirmed_at IS NOT NULL"
    ))
}

#[rocket::async_test]
async fn the_receipt_asks_to_confirm_and_only_a_confirmed_reader_hears_of_the_resolution() {
    let app = TestApp::builder().smtp().start().await;
    app.expect_delivery();
    let sink = app.smtp.clone().expect("smtp");
    let token = app.editor();
    app.article(&token).await;
    let ada = app.report_unconfirmed(PASSAGE, "ada@example.org").await;
    let bo = app
        .report_unconfirmed("a $48 million bond", "bo@example.org")
        .await;
    let received = sink.wait_for(2, 20).await;
    assert_eq!(
        received.len(),
        2,
        "both receipts arrive, unconfirmed as they are"
    );

    let ada_token = app.mail_token(id_of(&ada));
    let receipt = received
        .iter()
        .find(|m| m.to == ["ada@example.org"])
        .expect("ada's receipt");
    assert_eq!(
        raw_header(&receipt.data, "List-Unsubscribe").as_deref(),
        Some(format!("<http://errata.test/unsubscribe/{ada_token}>").as_str())
    );
    assert_eq!(
        raw_header(&receipt.data, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let parsed = MessageParser::default()
        .parse(receipt.data.as_bytes())
        .expect("a MIME message");
    assert!(parsed
        .message_id()
        .is_some_and(|m| m.ends_with("@errata.test")));
    let text = parsed.body_text(0).expect("a text part");
    let html = parsed.body_html(0).expect("an HTML part");
    let confirm = format!("http://errata.test/confirm/{ada_token}");
    assert!(text.contains(&confirm), "{text}");
    assert!(html.contains(&format!("href=\"{confirm}\"")), "{html}");
    assert!(text.contains(ada["status_url"].as_str().expect("a status link")));
    // The status link the filer was given is not the confirm link: whoever typed the address
    // cannot confirm it for its owner.
    assert!(!ada["status_url"]
        .as_str()
        .unwrap_or_default()
        .contains(&ada_token));

    // Opening the link (as a mail scanner does) shows a button and changes nothing.
    let path = format!("/confirm/{ada_token}");
    let (status, body) = page(&app, "GET", &path).await;
    assert_eq!(status, Status::Ok);
    assert!(
        body.contains("<form method=\"post\">") && body.contains(">Confirm</button>"),
        "{body}"
    );
    assert_eq!(confirmed_at(&app, id_of(&ada)), 0, "a GET confirms nothing");
    // The page's address is the reader's secret: never sent on as a referrer, never stored.
    let res = app.client.get(path.clone()).dispatch().await;
    assert_eq!(
        res.headers().get_one("Referrer-Policy"),
        Some("no-referrer")
    );
    assert_eq!(
        res.headers().get_one("Cache-Control"),
        Some("private, no-store")
    );
    let (status, body) = page(&app, "POST", &path).await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains("Address confirmed"), "{body}");
    assert_eq!(confirmed_at(&app, id_of(&ada)), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'reader_confirmed'"),
        1
    );

    resolve(&app, &token, id_of(&ada)).await;
    resolve(&app, &token, id_of(&bo)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved'"),
        1,
        "only the confirmed reader is written to"
    );
    let received = sink.wait_for(3, 20).await;
    assert_eq!(received.len(), 3);
    let resolution = &received[2];
    assert_eq!(resolution.to, ["ada@example.org"]);
    assert!(
        raw_header(&resolution.data, "List-Unsubscribe").is_some_and(|v| v.contains(&ada_token))
    );
    assert_eq!(
        raw_header(&resolution.data, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    rocket::tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sink.messages().len(),
        3,
        "nothing for the unconfirmed reader"
    );
}

#[rocket::async_test]
async fn one_click_unsubscribe_stops_later_mail_and_drops_what_is_queued() {
    // SMTP is unreachable, so the receipt stays queued.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let app = TestApp::builder()
        .set("smtp_url", json!(format!("smtp://127.0.0.1:{port}")))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    let filed = app.report(PASSAGE, Some("ada@example.org")).await;
    let id = id_of(&filed);
    let path = format!("/unsubscribe/{}", app.mail_token(id));

    let (status, body) = page(&app, "GET", &path).await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains(">Unsubscribe</button>"), "{body}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM reports WHERE unsubscribed_at IS NOT NULL"),
        0,
        "a GET unsubscribes nobody"
    );
    // As a mail provider sends it (RFC 8058).
    let (status, body) = page(&app, "POST", &path).await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains("no more mail"), "{body}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM reports WHERE unsubscribed_at IS NOT NULL"),
        1
    );
    // The worker may have been in the middle of an attempt: let it record it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'sending'") > 0 {
        assert!(Instant::now() < deadline, "the attempt ends");
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_received' AND state = 'discarded'"),
        1,
        "the receipt still waiting is not sent"
    );
    // Again: the same answer, nothing more.
    assert_eq!(page(&app, "POST", &path).await.0, Status::Ok);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'reader_unsubscribed'"),
        1
    );

    resolve(&app, &token, id).await;
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved'"),
        0,
        "an unsubscribed reader gets no resolution"
    );
}

#[rocket::async_test]
async fn a_link_that_matches_no_report_is_a_404_page_and_writes_nothing() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let filed = app.report_unconfirmed(PASSAGE, "ada@example.org").await;
    let before = app.counts();
    for path in [
        "/confirm/not-a-token",
        "/unsubscribe/not-a-token",
        // The status token is not a mail link's secret.
        &format!(
            "/confirm/{}",
            filed["status_url"]
                .as_str()
                .and_then(|u| u.rsplit('/').next())
                .unwrap_or_default()
        ),
    ] {
        for method in ["GET", "POST"] {
            let (status, body) = page(&app, method, path).await;
            assert_eq!(status, Status::NotFound, "{method} {path}");
            assert!(body.contains("does not match any report"), "{body}");
        }
    }
    assert_eq!(app.counts(), before);
    assert_eq!(confirmed_at(&app, id_of(&filed)), 0);
}

#[rocket::async_test]
async fn reader_mail_and_its_pages_are_in_the_language_the_report_was_filed_in() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let body = |lang: Option<&str>, email: &str| {
        let mut b = json!({
            "article_url": ARTICLE_URL,
            "passage": { "exact": PASSAGE },
            "category": "factual_error",
            "description": "This figure does not match the source.",
            "reporter": { "email": email, "notify": true },
        });
        if let Some(l) = lang {
            b["lang"] = json!(l);
        }
        b
    };
    // Named in the body.
    let (status, named) = app
        .post(
            "/api/v1/reports",
            None,
            body(Some("es-MX"), "ana@example.org"),
        )
        .await;
    assert_eq!(status, Status::Created, "{named}");
    // From the browser's Accept-Language.
    let res = app
        .client
        .post("/api/v1/reports")
        .header(ContentType::JSON)
        .header(Header::new("Accept-Language", "es-AR,es;q=0.9,en;q=0.5"))
        .body(body(None, "beto@example.org").to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    // Neither: English.
    let (status, _) = app
        .post("/api/v1/reports", None, body(None, "cy@example.org"))
        .await;
    assert_eq!(status, Status::Created);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM reports WHERE lang = 'es' AND reporter_email IN ('ana@example.org', 'beto@example.org')"),
        2
    );
    let subject = |to: &str| -> String {
        use diesel::prelude::*;
        use errata::db::schema::outbox as o;
        o::table
            .filter(o::recipient.eq(to))
            .select(o::subject)
            .first(&mut app.conn())
            .expect("a message")
    };
    assert!(subject("ana@example.org").starts_with("Hemos recibido su aviso ERR-"));
    assert!(subject("beto@example.org").starts_with("Hemos recibido su aviso ERR-"));
    assert!(subject("cy@example.org").starts_with("We received your report ERR-"));

    // The confirm page and the resolution follow the report's language, not the browser's.
    let ana = id_of(&named);
    let confirm = format!("/confirm/{}", app.mail_token(ana));
    let (_, page_html) = page(&app, "GET", &confirm).await;
    assert!(
        page_html.contains("lang=\"es\"") && page_html.contains(">Confirmar</button>"),
        "{page_html}"
    );
    page(&app, "POST", &confirm).await;
    resolve(&app, &token, ana).await;
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND recipient = 'ana@example.org' AND subject LIKE 'Su aviso % se ha resuelto: no se encontró ningún error' AND body_text LIKE '%Gracias por ayudarnos%' AND body_html LIKE '%<html lang=\"es\">%'"),
        1
    );

    // A tag that is not one is refused, and nothing is written.
    let before = app.counts();
    for bad in [
        "",
        "not a tag",
        "es_MX",
        "x-123456789-123456789-123456789-123456789",
    ] {
        let got = app
            .post("/api/v1/reports", None, body(Some(bad), "dee@example.org"))
            .await;
        assert_error(
            &got,
            Status::UnprocessableEntity,
            "invalid_field",
            Some("lang"),
        );
    }
    let got = app
        .post("/api/v1/reports", None, {
            let mut b = body(None, "dee@example.org");
            b["lang"] = json!(42);
            b
        })
        .await;
    assert_eq!(got.0, Status::UnprocessableEntity, "{}", got.1);
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn every_message_key_exists_in_every_language_and_none_is_shown_raw() {
    use errata::i18n::{keys, mail_words, Lang};
    use errata::mail::{self, Footer, NoteMail, Outcome, Reader, ReportMail, ResolvingNote, Site};
    use errata::workflow::Resolution;

    let sources = [
        include_str!("../../src/mail/mod.rs"),
        include_str!("../../src/web/mailpages.rs"),
        include_str!("../../templates/email/report_received/subject.txt"),
        include_str!("../../templates/email/report_received/body.txt"),
        include_str!("../../templates/email/report_received/body.html"),
        include_str!("../../templates/email/report_resolved/subject.txt"),
        include_str!("../../templates/email/report_resolved/body.txt"),
        include_str!("../../templates/email/report_resolved/body.html"),
        include_str!("../../templates/reader/mail_link.html"),
    ];
    let mut used: Vec<String> = Vec::new();
    for source in sources {
        for literal in source.split('"').skip(1).step_by(2) {
            let key = ["mail-", "confirm-", "unsubscribe-", "status-note-"]
                .iter()
                .any(|p| literal.starts_with(p))
                && !literal.ends_with('-')
                && literal.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            if key {
                used.push(literal.to_owned());
            }
        }
    }
    assert!(used.len() > 25, "keys were found: {used:?}");
    for r in ["corrected", "clarified", "no_error", "duplicate", "closed"] {
        used.push(format!("outcome-{r}"));
        used.push(format!("outcome-{r}-why"));
    }
    for lang in Lang::ALL {
        let have = keys(lang);
        let missing: Vec<&String> = used.iter().filter(|k| !have.contains(k)).collect();
        assert!(missing.is_empty(), "{}: missing {missing:?}", lang.code());
    }

    // Rendered in each language, every message reads as words: a missing key would show as its id.
    let site = Site {
        base_url: "http://errata.test".into(),
        host: "errata.test".into(),
        words: mail_words,
    };
    let m = ReportMail {
        reference: "ERR-2026-000001",
        reporter_name: Some("Ada"),
        article_title: "Bridge bond",
        article_url: ARTICLE_URL,
        quote: PASSAGE,
        status_url: site.status_url("s"),
        footer: Footer {
            name: "Harbor Times".into(),
            address: "corrections@harbor.example".into(),
        },
    };
    let note = NoteMail {
        kind_label: "Correction",
        body_markdown: "It is 12,000.",
        body_html: "<p>It is 12,000.</p>",
        permalink: "http://errata.test/corrections/1".into(),
    };
    for lang in Lang::ALL {
        let reader = Reader {
            lang: lang.code(),
            mail_token: "t",
        };
        let mut all =
            vec![mail::report_received(&site, "a@example.org", 1, &m, reader).expect("renders")];
        for resolution in [
            Resolution::Corrected,
            Resolution::Duplicate,
            Resolution::Spam,
        ] {
            all.push(
                mail::report_resolved(
                    &site,
                    "a@example.org",
                    1,
                    &m,
                    reader,
                    Outcome {
                        resolution,
                        duplicate_of: Some("ERR-2026-000002"),
                    },
                    Some(ResolvingNote {
                        id: 1,
                        kind: "clarification",
                        mail: &note,
                    }),
                )
                .expect("renders"),
            );
        }
        for email in all {
            for part in [&email.subject, &email.text, &email.html] {
                for prefix in ["mail-", "outcome-", "status-note-"] {
                    assert!(!part.contains(prefix), "{}: {part}", lang.code());
                }
            }
        }
    }
}

#[rocket::async_test]
async fn a_name_with_a_line_break_cannot_add_a_header() {
    let app = TestApp::builder().smtp().start().await;
    app.expect_delivery();
    let sink = app.smtp.clone().expect("smtp");
    let token = app.editor();
    app.article(&token).await;
    let (status, filed) = app
        .post(
            "/api/v1/reports",
            None,
            json!({
                "article_url": ARTICLE_URL,
                "passage": { "exact": PASSAGE },
                "category": "factual_error",
                "description": "This figure does not match the source.",
                "reporter": {
                    "name": "Ada <b>Reader</b>\r\nBcc: victim@example.org\r\nSubject: free money",
                    "email": "ada@example.org",
                    "notify": true
                },
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{filed}");
    let received = sink.wait_for(1, 20).await;
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.to, ["ada@example.org"], "no other recipient");
    let head = mail.data.split("\r\n\r\n").next().unwrap_or_default();
    assert!(
        !head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{head}"
    );
    assert_eq!(
        head.lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("subject:"))
            .count(),
        1,
        "{head}"
    );
    let parsed = MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("a MIME message");
    assert!(parsed.header("Bcc").is_none());
    assert!(parsed
        .subject()
        .is_some_and(|s| s.starts_with("We received your report")));
    let html = parsed.body_html(0).expect("an HTML part");
    assert!(html.contains("Ada &#60;b&#62;Reader&#60;/b&#62;"), "{html}");
    assert!(!html.contains("<b>Reader"), "{html}");
}

#[rocket::async_test]
async fn resolving_never_waits_for_a_slow_smtp_server() {
    let app = TestApp::builder().smtp().start().await;
    app.expect_delivery();
    let sink = app.smtp.clone().expect("smtp");
    sink.delay_replies(Duration::from_secs(3));
    let token = app.editor();
    app.article(&token).await;
    let filed = app.report(PASSAGE, Some("ada@example.org")).await;
    // The worker is now talking to the slow server about the receipt.
    rocket::tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sink.messages().is_empty(),
        "the server has not answered yet"
    );
    let started = Instant::now();
    resolve(&app, &token, id_of(&filed)).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "resolving took {took:?}");
    assert!(
        sink.messages().is_empty(),
        "the answer came before any mail went"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND state IN ('queued', 'sending')"),
        1
    );
    let received = sink.wait_for(2, 30).await;
    assert_eq!(received.len(), 2, "both arrive in the end");
}

#[rocket::async_test]
async fn metrics_are_open_from_this_machine_and_to_admins_only() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    app.report_unconfirmed(PASSAGE, "ada@example.org").await;
    // The receipt is written as a file: wait for it to be sent.
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'sent'") < 1 {
        assert!(Instant::now() < deadline, "the receipt is sent");
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let loopback: std::net::SocketAddr = "127.0.0.1:40000".parse().expect("an address");
    let get = |remote: Option<std::net::SocketAddr>, headers: Vec<Header<'static>>| {
        let mut req = app.client.get("/metrics");
        if let Some(r) = remote {
            req = req.remote(r);
        }
        for h in headers {
            req = req.header(h);
        }
        async move {
            let res = req.dispatch().await;
            let status = res.status();
            let ct = res
                .content_type()
                .map(|c| c.to_string())
                .unwrap_or_default();
            (status, ct, res.into_string().await.unwrap_or_default())
        }
    };
    let (status, content_type, text) = get(Some(loopback), vec![]).await;
    assert_eq!(status, Status::Ok, "{text}");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    for line in [
        "errata_outbox_messages{kind=\"email\",state=\"sent\"} 1",
        "errata_outbox_messages{kind=\"email\",state=\"queued\"} 0",
        "errata_outbox_messages{kind=\"email\",state=\"failed\"} 0",
        "errata_outbox_oldest_queued_seconds 0",
        "errata_http_requests_total{method=\"POST\",route=\"/api/v1/reports\",status=\"201\"} 1",
        "errata_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/reports\"} 1",
        "# TYPE errata_http_request_duration_seconds histogram",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
    // The writer's counters: the filing above was at least one write, and no commit holds none.
    let counter = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} in:\n{text}"))
    };
    let (batches, units) = (
        counter("errata_db_write_batches_total"),
        counter("errata_db_write_units_total"),
    );
    assert!(
        units >= 1 && batches >= 1 && batches <= units,
        "{batches} {units}"
    );

    // Through a proxy, or from elsewhere, a token is needed: an admin's.
    let forwarded = Header::new("X-Forwarded-For", "203.0.113.9");
    let (status, _, text) = get(Some(loopback), vec![forwarded]).await;
    assert_eq!(status, Status::Unauthorized, "{text}");
    let (status, _, text) = get(Some("10.1.2.3:5000".parse().expect("an address")), vec![]).await;
    assert_eq!(status, Status::Unauthorized, "{text}");
    assert!(text.contains("admin"), "{text}");
    let bearer = |t: &str| Header::new("Authorization", format!("Bearer {t}"));
    let (status, _, text) = get(None, vec![bearer(&token)]).await;
    assert_eq!(status, Status::Forbidden, "an editor: {text}");
    let (status, _, text) = get(None, vec![bearer("not-a-token")]).await;
    assert_eq!(status, Status::Unauthorized, "{text}");
    let (_, admin) = app.user(Role::Admin, &[]);
    let (status, _, text) = get(None, vec![bearer(&admin)]).await;
    assert_eq!(status, Status::Ok, "{text}");
    assert!(text.contains("errata_outbox_oldest_queued_seconds"));
}

#[rocket::async_test]
async fn the_form_without_javascript_files_in_the_language_it_was_shown_in() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("url", ARTICLE_URL), ("lang", "es")])
        .finish();
    let html = app
        .client
        .get(format!("/report?{query}"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap_or_default();
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    assert!(!csrf.is_empty(), "{html}");
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf_token", csrf.as_str()),
            ("article_url", ARTICLE_URL),
            ("passage", PASSAGE),
            ("category", "factual_error"),
            ("description", "El estudio de 2022 dice 12.000 vehículos."),
            ("reporter_email", "ana@example.org"),
            ("notify", "true"),
            ("lang", "es"),
        ])
        .finish();
    // The browser prefers English: the form's own language wins.
    let res = app
        .client
        .post("/report")
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "en"))
        .body(form)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM reports WHERE lang = 'es'"),
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM outbox WHERE subject LIKE 'Hemos recibido su aviso %'"
        ),
        1
    );
}
