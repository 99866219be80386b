//! Email through the outbox: queued in the transaction of the change, delivered by the worker over
//! SMTP to a real server on loopback (or as .eml files without SMTP), retried on failure.

use diesel::prelude::*;
use mail_parser::MessageParser;
use rocket::http::Status;
use serde_json::json;

use crate::support::TestApp;

/// An app whose SMTP server is a loopback port nothing listens on.
async fn with_unreachable_smtp() -> TestApp {
    // Bind and drop a listener to find such a port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    TestApp::builder()
        .set("smtp_url", json!(format!("smtp://127.0.0.1:{port}")))
        .start()
        .await
}

#[rocket::async_test]
async fn a_resolving_note_reaches_the_reporter_over_smtp_with_text_and_html() {
    let app = TestApp::builder().smtp().start().await;
    app.expect_delivery();
    let sink = app.smtp.clone().unwrap();
    let token = app.editor();
    let article = app.article(&token).await;
    let filed = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let id = filed["id"].as_i64().unwrap();
    let received = sink.wait_for(1, 20).await;
    assert_eq!(received.len(), 1, "the acknowledgement arrives");

    let (status, published) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({
                "kind": "correction",
                "body_markdown": "The bridge carries **roughly 12,000** vehicles a day, not 14,000.",
                "passage": { "exact": "roughly 14,000 vehicles a day" },
                "resolves": [id],
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{published}");
    // Queued in the same transaction as the note: the row exists as soon as the answer does.
    assert_eq!(app.count(&format!("SELECT COUNT(*) AS n FROM outbox WHERE report_id = {id} AND template = 'report_resolved'")), 1);

    let received = sink.wait_for(2, 20).await;
    assert_eq!(received.len(), 2, "the resolution arrives");
    let mail = &received[1];
    assert_eq!(mail.to, vec!["ada@example.org".to_owned()]);
    assert_eq!(mail.from, "errata@errata.test");
    let parsed = MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("a MIME message");
    let subject = parsed.subject().unwrap_or_default();
    assert!(
        subject.contains(filed["reference"].as_str().unwrap()) && subject.contains("corrected"),
        "{subject}"
    );
    assert!(parsed
        .message_id()
        .is_some_and(|m| m.ends_with("@errata.test")));
    let text = parsed.body_text(0).expect("a text part");
    let html = parsed.body_html(0).expect("an HTML part");
    assert!(
        text.contains("roughly 12,000") && text.contains(filed["status_url"].as_str().unwrap()),
        "{text}"
    );
    assert!(html.contains("<strong>roughly 12,000</strong>"), "{html}");
    assert_eq!(parsed.text_body.len(), 1);
    assert_eq!(parsed.html_body.len(), 1);

    // The worker records the send just after the server's answer: give it that moment.
    let sent_query = format!("SELECT COUNT(*) AS n FROM outbox WHERE report_id = {id} AND state = 'sent' AND sent_at IS NOT NULL");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.count(&sent_query) < 2 && std::time::Instant::now() < deadline {
        rocket::tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(app.count(&sent_query), 2);
}

#[rocket::async_test]
async fn an_unreachable_smtp_server_leaves_the_message_queued_for_a_later_attempt() {
    let app = with_unreachable_smtp().await;
    let token = app.editor();
    app.article(&token).await;
    app.report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let mut conn = app.conn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        use errata::db::schema::outbox as o;
        let row: (
            String,
            i64,
            Option<String>,
            chrono::NaiveDateTime,
            chrono::NaiveDateTime,
        ) = o::table
            .select((
                o::state,
                o::attempts,
                o::last_error,
                o::next_attempt_at,
                o::created_at,
            ))
            .first(&mut conn)
            .unwrap();
        if row.1 > 0 {
            assert_eq!(row.0, "queued");
            assert!(row.2.is_some_and(|e| !e.is_empty()));
            assert!(
                row.3 - row.4 >= chrono::Duration::seconds(25),
                "backs off before retrying"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the worker tried");
        rocket::tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[rocket::async_test]
async fn without_smtp_mail_is_written_as_eml_files() {
    let app = TestApp::new().await;
    app.expect_delivery();
    let token = app.editor();
    app.article(&token).await;
    app.report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let dir = app.dir.join("mail");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // The worker may still be writing the file when it appears: wait until it reads whole.
    let raw = loop {
        let found = std::fs::read_dir(&dir).ok().and_then(|mut d| {
            d.find_map(|e| {
                e.ok()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            })
        });
        if let Some(raw) = found.and_then(|f| std::fs::read(f).ok()) {
            if MessageParser::default()
                .parse(&raw)
                .is_some_and(|m| m.subject().is_some())
            {
                break raw;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a whole .eml file appears in {}",
            dir.display()
        );
        rocket::tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let parsed = MessageParser::default()
        .parse(&raw)
        .expect("a MIME message");
    assert!(parsed
        .subject()
        .unwrap_or_default()
        .contains("We received your report"));
    assert_eq!(
        parsed
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("ada@example.org")
    );
}

#[rocket::async_test]
async fn a_permanent_smtp_refusal_is_not_retried() {
    let app = TestApp::builder().smtp().start().await;
    let sink = app.smtp.clone().unwrap();
    let token = app.editor();
    app.article(&token).await;
    app.report("roughly 14,000 vehicles a day", Some("bounce@example.org"))
        .await;
    app.report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    // The good message arrives; the refused one is marked failed after one attempt.
    assert_eq!(sink.wait_for(1, 20).await.len(), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed'") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the refusal is recorded"
        );
        rocket::tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed' AND attempts = 1 AND recipient = 'bounce@example.org' AND last_error LIKE '%550%'"),
        1
    );
    assert_eq!(sink.messages()[0].to, vec!["ada@example.org".to_owned()]);
}

#[rocket::async_test]
async fn a_configuration_refusal_is_retried_not_dropped() {
    let app = TestApp::builder().smtp().start().await;
    let token = app.editor();
    app.article(&token).await;
    app.report("roughly 14,000 vehicles a day", Some("norelay@example.org"))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.count("SELECT COUNT(*) AS n FROM outbox WHERE attempts > 0") == 0 {
        assert!(std::time::Instant::now() < deadline, "the worker tried");
        rocket::tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'queued' AND attempts = 1 AND last_error LIKE '%554%'"),
        1,
        "kept for a later attempt"
    );
}

/// The check at drop can fail: mail that cannot be delivered fails a test that expected delivery.
#[rocket::async_test]
#[should_panic(expected = "outbox rows were left unsent")]
async fn a_test_expecting_delivery_fails_when_mail_is_left_unsent() {
    let app = with_unreachable_smtp().await;
    app.expect_delivery_within(std::time::Duration::from_secs(1));
    let token = app.editor();
    app.article(&token).await;
    app.report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
}
