//! Bad text never gets in: control characters in any field of a JSON body are refused with 422
//! naming the field, minimum lengths count only visible characters, and an article body is
//! canonicalised without its controls. A refused request writes nothing.

use rocket::http::Status;
use serde_json::{json, Value};

use crate::support::{assert_error, TestApp, ARTICLE_URL};

fn report(description: &str) -> Value {
    json!({
        "article_url": ARTICLE_URL,
        "passage": { "exact": "roughly 14,000 vehicles a day" },
        "category": "factual_error",
        "description": description,
    })
}

/// Sends `body` to `path` and asserts a 422 naming `field` whose message says `says`, with nothing
/// written.
async fn refused(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
    field: &str,
    says: &str,
) {
    let before = app.counts();
    let got = app.send(method, path, token, Some(body)).await;
    assert_error(
        &got,
        Status::UnprocessableEntity,
        "invalid_field",
        Some(field),
    );
    let message = got.1["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{message}");
    assert_eq!(app.counts(), before, "a refused request wrote something");
}

#[rocket::async_test]
async fn descriptions_of_nothing_visible_are_refused() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let cases = [
        ("\u{0}".repeat(20), "U+0000 (NUL)"),
        ("\u{200B}".repeat(20), "at least 10 visible characters"),
        (
            "\u{200B}\u{200D}\u{2060}\u{FEFF}\u{AD}".repeat(4),
            "visible",
        ),
        (" ".repeat(20), "must not be empty"),
        ("\u{A0}".repeat(20), "must not be empty"),
        ("e\u{301}\u{301}\u{301} \u{200B} x x x".into(), "(it has 4"),
    ];
    for (description, says) in cases {
        refused(
            &app,
            "POST",
            "/api/v1/reports",
            None,
            report(&description),
            "description",
            says,
        )
        .await;
    }
}

#[rocket::async_test]
async fn a_nul_in_any_report_field_is_refused_by_name() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let mut suggestion = report("The study counted 12,000 vehicles a day.");
    suggestion["suggested_correction"] = json!("roughly 12,000\u{0} vehicles");
    let mut name = report("The study counted 12,000 vehicles a day.");
    name["reporter"] = json!({ "name": "Ada\u{0}", "email": "ada@example.org" });
    let mut email = report("The study counted 12,000 vehicles a day.");
    email["reporter"] = json!({ "email": "ada@example.org\u{0}" });
    let mut exact = report("The study counted 12,000 vehicles a day.");
    exact["passage"]["exact"] = json!("roughly 14,000\u{0} vehicles a day");
    let mut prefix = report("The study counted 12,000 vehicles a day.");
    prefix["passage"]["prefix"] = json!("carries \u{1B}[31m");
    let mut evidence = report("The study counted 12,000 vehicles a day.");
    evidence["evidence_urls"] = json!(["https://a.example/ok", "https://a.example/\u{0}"]);
    let mut url = report("The study counted 12,000 vehicles a day.");
    url["article_url"] = json!(format!("{ARTICLE_URL}\u{0}"));
    let cases = [
        (
            suggestion,
            "suggested_correction",
            "U+0000 (NUL) at character 15",
        ),
        (name, "reporter.name", "U+0000"),
        (email, "reporter.email", "U+0000"),
        (exact, "passage.exact", "U+0000"),
        (prefix, "passage.prefix", "U+001B (ESC)"),
        (evidence, "evidence_urls[1]", "U+0000"),
        (url, "article_url", "U+0000"),
    ];
    for (body, field, says) in cases {
        refused(&app, "POST", "/api/v1/reports", None, body, field, says).await;
    }
}

#[rocket::async_test]
async fn line_breaks_and_tabs_are_kept_and_windows_line_ends_become_line_feeds() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let filed = app
        .post(
            "/api/v1/reports",
            None,
            report("The study says:\n\t12,000 vehicles.\r\nNot 14,000."),
        )
        .await;
    assert_eq!(filed.0, Status::Created, "{}", filed.1);
    let id = filed.1["id"].as_i64().unwrap();
    let (status, stored) = app
        .get(&format!("/api/v1/reports/{id}"), Some(&token))
        .await;
    assert_eq!(status, Status::Ok, "{stored}");
    assert_eq!(
        stored["description"],
        "The study says:\n\t12,000 vehicles.\nNot 14,000."
    );
}

#[rocket::async_test]
async fn control_characters_in_comments_and_transition_notes_are_refused() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let id = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    refused(
        &app,
        "POST",
        &format!("/api/v1/reports/{id}/comments"),
        Some(&token),
        json!({ "body": "Checked with the desk\u{7}" }),
        "body",
        "U+0007 (BEL)",
    )
    .await;
    refused(
        &app,
        "POST",
        &format!("/api/v1/reports/{id}/comments"),
        Some(&token),
        json!({ "body": "\u{200B}\u{200B}" }),
        "body",
        "visible",
    )
    .await;
    refused(
        &app,
        "POST",
        &format!("/api/v1/reports/{id}/transitions"),
        Some(&token),
        json!({ "to": "triaged", "note": "looks real \u{1B}[2J" }),
        "note",
        "U+001B (ESC)",
    )
    .await;
    // The same note without the escape goes through.
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(&token),
            json!({ "to": "triaged", "note": "looks real" }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{body}");
}

#[rocket::async_test]
async fn articles_with_control_characters_get_no_revision() {
    let app = TestApp::new().await;
    let token = app.editor();
    let id = app.article(&token).await;
    let put =
        |title: &str, body: &str| json!({ "url": ARTICLE_URL, "title": title, "body_text": body });
    refused(
        &app,
        "PUT",
        "/api/v1/articles",
        Some(&token),
        put("Council approves\u{0} bridge bond", "A new body."),
        "title",
        "U+0000 (NUL)",
    )
    .await;
    for body in ["\u{0}", "\u{0}\u{7}\n\n\u{1B}", "\u{200B}\u{FEFF}"] {
        refused(
            &app,
            "PUT",
            "/api/v1/articles",
            Some(&token),
            put("Council approves bridge bond", body),
            "body_text",
            "no text",
        )
        .await;
    }
    refused(
        &app,
        "PUT",
        "/api/v1/articles",
        Some(&token),
        json!({ "url": "https://news.example.com/other", "title": "T", "body_html": "<p>\u{0}</p>" }),
        "body_html",
        "no text",
    )
    .await;
    // Controls inside real text are dropped from the revision, which never holds one.
    let (status, body) = app
        .put(
            "/api/v1/articles",
            Some(&token),
            put(
                "Council approves bridge bond",
                "New\u{0} text\u{7}.\r\n\r\nSecond.",
            ),
        )
        .await;
    assert_eq!(status, Status::Ok, "{body}");
    let (_, article) = app
        .get(&format!("/api/v1/articles/{id}"), Some(&token))
        .await;
    assert_eq!(article["revision"]["text"], "New text.\n\nSecond.");
    assert_eq!(article["revision"]["number"], 2);
}

#[rocket::async_test]
async fn a_correction_note_with_a_nul_is_refused() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let path = format!("/api/v1/articles/{article}/corrections");
    for (key, field) in [
        ("body_markdown", "body_markdown"),
        ("wrong", "wrong"),
        ("right", "right"),
    ] {
        let mut note = json!({
            "kind": "correction",
            "wrong": "14,000",
            "right": "12,000",
            "body_markdown": "The study counted **12,000** vehicles.",
        });
        note[key] = json!("12,000\u{0}");
        refused(&app, "POST", &path, Some(&token), note, field, "U+0000").await;
    }
}
