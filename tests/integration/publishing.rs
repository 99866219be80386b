//! A note's life after publishing: amendments that keep every earlier version, retractions that
//! keep the note, and the public answers (API, pages, feeds) that show that history.

use errata::accounts::{Role, Scope};
use rocket::http::Status;
use serde_json::{json, Value};

use crate::articles::urlencode;
use crate::support::{assert_error, TestApp, ARTICLE_URL};

/// Publishes a correction on the test article; returns (editor token, article id, note id).
async fn published(app: &TestApp) -> (String, i64, i64) {
    let token = app.editor();
    let article = app.article(&token).await;
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({
                "kind": "correction",
                "wrong": "roughly 14,000 vehicles a day",
                "right": "roughly 12,000 vehicles a day",
                "body_markdown": "The figure came from an older study.",
                "passage": { "exact": "roughly 14,000 vehicles a day" },
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    (token, article, note["id"].as_i64().expect("id"))
}

fn versions_on_disk(app: &TestApp, note: i64) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM note_versions WHERE note_id = {note}"
    ))
}

#[rocket::async_test]
async fn a_note_says_what_was_wrong_and_what_is_right_in_the_standard_sentence() {
    let app = TestApp::new().await;
    let (_, _, id) = published(&app).await;
    let (status, note) = app.get(&format!("/api/v1/corrections/{id}"), None).await;
    assert_eq!(status, Status::Ok, "{note}");
    assert_eq!(
        note["sentence"],
        "An earlier version of this article misstated roughly 14,000 vehicles a day. It is roughly 12,000 vehicles a day."
    );
    assert_eq!(note["status"], "live");
    assert_eq!(note["retracted_at"], Value::Null);
    assert_eq!(note["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(note["versions"][0]["version"], 1);
    assert_eq!(note["versions"][0]["amended_at"], Value::Null);
    assert_eq!(note["versions"][0]["reason"], Value::Null);
}

#[rocket::async_test]
async fn amending_keeps_every_earlier_version_with_its_reason() {
    let app = TestApp::new().await;
    let (token, _, id) = published(&app).await;
    let path = format!("/api/v1/corrections/{id}");
    let (status, amended) = app
        .put(
            &path,
            Some(&token),
            json!({ "right": "roughly 11,500 vehicles a day", "body_markdown": "The 2024 count is **lower**.", "reason": "The city published a newer count." }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{amended}");
    assert_eq!(amended["right"], "roughly 11,500 vehicles a day");
    assert_eq!(amended["wrong"], "roughly 14,000 vehicles a day", "kept");
    assert_eq!(amended["version"], 2);
    assert!(amended["amended_at"].is_string(), "{amended}");
    assert!(amended["body_html"]
        .as_str()
        .is_some_and(|h| h.contains("<strong>lower</strong>")));

    // `null` clears a field; the passage moves to other words.
    let (status, again) = app
        .put(
            &path,
            Some(&token),
            json!({ "wrong": null, "passage": { "exact": "a 2022 traffic study" }, "placement": "top", "reason": "Point at the study instead." }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{again}");
    assert_eq!(again["wrong"], Value::Null);
    assert_eq!(again["placement"], "top");
    assert_eq!(again["passage"]["exact"], "a 2022 traffic study");

    let (_, detail) = app.get(&path, None).await;
    let versions = detail["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 3, "{detail}");
    let numbers: Vec<_> = versions.iter().map(|v| v["version"].as_i64()).collect();
    assert_eq!(numbers, vec![Some(1), Some(2), Some(3)], "oldest first");
    assert_eq!(versions[0]["right"], "roughly 12,000 vehicles a day");
    assert_eq!(versions[0]["passage"], "roughly 14,000 vehicles a day");
    assert_eq!(versions[1]["right"], "roughly 11,500 vehicles a day");
    assert_eq!(versions[1]["reason"], "The city published a newer count.");
    assert!(versions[1]["amended_at"].is_string());
    assert_eq!(versions[2]["wrong"], Value::Null);
    assert_eq!(versions[2]["placement"], "top");
    assert_eq!(versions[2]["reason"], "Point at the study instead.");
    assert_eq!(versions_on_disk(&app, id), 3);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'amended' AND note_id = {id} AND body IS NOT NULL"
        )),
        2
    );
}

/// Who asks, with what, and the status, code and field of the refusal (an empty code: any 4xx).
type Refusal<'a> = (Option<&'a str>, Value, Status, &'a str, Option<&'a str>);

#[rocket::async_test]
async fn bad_amendments_are_refused_with_nothing_written() {
    let app = TestApp::new().await;
    let (token, _, id) = published(&app).await;
    let (_, reviewer) = app.user(Role::Reviewer, &[]);
    let (_, narrow) = app.user(Role::Editor, &[Scope::ReportsWrite]);
    let path = format!("/api/v1/corrections/{id}");
    let before = (app.counts(), versions_on_disk(&app, id));
    let cases: Vec<Refusal> = vec![
        (
            Some(&token),
            json!({ "right": "12,500" }),
            Status::UnprocessableEntity,
            "invalid_field",
            Some("reason"),
        ),
        (
            Some(&token),
            json!({ "right": "12,500", "reason": "  " }),
            Status::UnprocessableEntity,
            "invalid_field",
            Some("reason"),
        ),
        (
            Some(&token),
            json!({ "reason": "Nothing else" }),
            Status::UnprocessableEntity,
            "invalid_field",
            None,
        ),
        (
            Some(&token),
            json!({ "placement": "middle", "reason": "r" }),
            Status::UnprocessableEntity,
            "invalid_field",
            Some("placement"),
        ),
        (
            Some(&token),
            json!({ "body_markdown": " ", "reason": "r" }),
            Status::UnprocessableEntity,
            "invalid_field",
            Some("body_markdown"),
        ),
        (
            Some(&token),
            json!({ "passage": { "exact": "words that are not there at all" }, "reason": "r" }),
            Status::UnprocessableEntity,
            "passage_not_found",
            Some("passage.exact"),
        ),
        // The kind is not amended: an unknown field is refused (its code is the JSON reader's).
        (
            Some(&token),
            json!({ "kind": "update", "reason": "r" }),
            Status::UnprocessableEntity,
            "",
            None,
        ),
        (
            Some(&reviewer),
            json!({ "right": "12,500", "reason": "r" }),
            Status::Forbidden,
            "forbidden",
            None,
        ),
        (
            Some(&narrow),
            json!({ "right": "12,500", "reason": "r" }),
            Status::Forbidden,
            "forbidden",
            None,
        ),
        (
            None,
            json!({ "right": "12,500", "reason": "r" }),
            Status::Unauthorized,
            "unauthorized",
            None,
        ),
    ];
    for (who, body, status, code, field) in cases {
        let got = app.put(&path, who, body.clone()).await;
        if code.is_empty() {
            assert!(got.0.code >= 400 && got.0.code < 500, "{body}: {}", got.1);
        } else {
            assert_error(&got, status, code, field);
        }
    }
    assert_error(
        &app.put(
            "/api/v1/corrections/9999",
            Some(&token),
            json!({ "right": "x", "reason": "r" }),
        )
        .await,
        Status::NotFound,
        "note_not_found",
        None,
    );
    assert_eq!((app.counts(), versions_on_disk(&app, id)), before);
}

#[rocket::async_test]
async fn a_retracted_note_is_kept_and_shown_as_retracted_with_its_reason() {
    let app = TestApp::new().await;
    let (token, _, id) = published(&app).await;
    let (_, reviewer) = app.user(Role::Reviewer, &[]);
    let retract = format!("/api/v1/corrections/{id}/retract");
    let before = app.counts();
    assert_error(
        &app.post(&retract, Some(&token), json!({})).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("reason"),
    );
    assert_error(
        &app.post(&retract, Some(&reviewer), json!({ "reason": "wrong" }))
            .await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    assert_eq!(app.counts(), before);

    let list = format!("/api/v1/corrections?url={}", urlencode(ARTICLE_URL));
    let etag_before = app
        .client
        .get(list.clone())
        .dispatch()
        .await
        .headers()
        .get_one("ETag")
        .map(str::to_owned);

    let (status, note) = app
        .post(
            &retract,
            Some(&token),
            json!({ "reason": "The original figure was right after all." }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{note}");
    assert_eq!(note["status"], "retracted");
    assert!(note["retracted_at"].is_string());

    assert_error(
        &app.post(&retract, Some(&token), json!({ "reason": "again" }))
            .await,
        Status::Conflict,
        "already_retracted",
        None,
    );
    assert_error(
        &app.put(
            &format!("/api/v1/corrections/{id}"),
            Some(&token),
            json!({ "right": "x", "reason": "r" }),
        )
        .await,
        Status::Conflict,
        "already_retracted",
        None,
    );

    // The embed's list keeps it, marked, with no passage to mark; the cache saw the change.
    let response = app.client.get(list.clone()).dispatch().await;
    let etag_after = response.headers().get_one("ETag").map(str::to_owned);
    assert_ne!(etag_before, etag_after);
    let (_, body) = crate::support::read(response).await;
    let notes = body["corrections"].as_array().expect("corrections");
    assert_eq!(notes.len(), 1, "{body}");
    assert_eq!(notes[0]["status"], "retracted");
    assert_eq!(
        notes[0]["retraction_reason"],
        "The original figure was right after all."
    );
    assert_eq!(notes[0]["passage"], Value::Null);

    let (_, detail) = app.get(&format!("/api/v1/corrections/{id}"), None).await;
    assert_eq!(detail["status"], "retracted");
    assert_eq!(detail["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'retracted' AND note_id = {id}"
        )),
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM correction_notes"), 1);
}

#[rocket::async_test]
async fn an_amended_body_is_sanitised_like_a_published_one() {
    let app = TestApp::new().await;
    let (token, _, id) = published(&app).await;
    let (status, note) = app
        .put(
            &format!("/api/v1/corrections/{id}"),
            Some(&token),
            json!({
                "body_markdown": "Fixed. <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> <iframe src=\"https://evil.example\"></iframe> [source](https://example.org)",
                "reason": "Add the source.",
            }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{note}");
    let html = note["body_html"].as_str().expect("html");
    for bad in ["<script", "javascript:", "onerror", "<iframe"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(
        html.contains("rel=\"noopener noreferrer nofollow\""),
        "{html}"
    );
}

#[rocket::async_test]
async fn an_unknown_note_is_a_404() {
    let app = TestApp::new().await;
    assert_error(
        &app.get("/api/v1/corrections/4242", None).await,
        Status::NotFound,
        "note_not_found",
        None,
    );
}
