//! Publishing correction notes and the public `GET /api/v1/corrections`.

use errata::accounts::{Role, Scope};
use rocket::http::{Header, Status};
use serde_json::{json, Value};

use crate::articles::urlencode;
use crate::support::{assert_error, read, TestApp, ARTICLE_URL};

fn note(resolves: &[i64]) -> Value {
    json!({
        "kind": "correction",
        "wrong": "roughly 14,000 vehicles a day",
        "right": "roughly 12,000 vehicles a day",
        "body_markdown": "An earlier version of this article misstated the bridge's traffic. It carries **roughly 12,000** vehicles a day.",
        "placement": "bottom",
        "passage": { "exact": "roughly 14,000 vehicles a day" },
        "resolves": resolves,
    })
}

#[rocket::async_test]
async fn publishing_a_note_resolves_its_reports_and_queues_their_emails_together() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let filed = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let a = filed["id"].as_i64().unwrap();
    let b = app.report("a 2022 traffic study", None).await["id"]
        .as_i64()
        .unwrap();
    let (status, published) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            note(&[a, b]),
        )
        .await;
    assert_eq!(status, Status::Created, "{published}");
    assert_eq!(published["kind"], "correction");
    assert_eq!(
        published["passage"]["exact"],
        "roughly 14,000 vehicles a day"
    );
    assert_eq!(
        (
            published["passage"]["start"].as_i64(),
            published["passage"]["end"].as_i64()
        ),
        (Some(497), Some(526))
    );
    assert!(published["body_html"]
        .as_str()
        .unwrap()
        .contains("<strong>roughly 12,000</strong>"));
    assert!(published["permalink"]
        .as_str()
        .unwrap()
        .starts_with("http://errata.test/"));

    for id in [a, b] {
        let (_, r) = app
            .get(&format!("/api/v1/reports/{id}"), Some(&token))
            .await;
        assert_eq!(
            (r["state"].as_str(), r["resolution"].as_str()),
            (Some("resolved"), Some("corrected")),
            "{r}"
        );
        assert_eq!(r["notes"], json!([published["id"]]));
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM note_reports"), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND recipient = 'ada@example.org' AND note_id IS NOT NULL"),
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'published'"),
        1
    );

    // The reader's status link now shows the outcome and the note.
    let status_path = crate::support::api_status_path(&filed);
    let (_, public) = app.get(&status_path, None).await;
    assert_eq!(
        (public["status"].as_str(), public["resolution"].as_str()),
        (Some("resolved"), Some("corrected"))
    );
    assert_eq!(public["note"]["id"], published["id"]);
}

#[rocket::async_test]
async fn a_clarification_resolves_as_clarified() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let id = app.report("a 2022 traffic study", None).await["id"]
        .as_i64()
        .unwrap();
    let mut body = note(&[id]);
    body["kind"] = json!("clarification");
    body["placement"] = json!("top");
    let (status, published) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            body,
        )
        .await;
    assert_eq!(status, Status::Created, "{published}");
    assert_eq!(published["placement"], "top");
    let (_, r) = app
        .get(&format!("/api/v1/reports/{id}"), Some(&token))
        .await;
    assert_eq!(r["resolution"], "clarified");
}

#[rocket::async_test]
async fn reviewers_and_narrow_tokens_cannot_publish() {
    let app = TestApp::new().await;
    let token = app.editor();
    let (_, reviewer) = app.user(Role::Reviewer, &[]);
    let (_, narrow) = app.user(Role::Editor, &[Scope::ReportsWrite]);
    let article = app.article(&token).await;
    let id = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let before = app.counts();
    let url = format!("/api/v1/articles/{article}/corrections");
    assert_error(
        &app.post(&url, Some(&reviewer), note(&[id])).await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    assert_error(
        &app.post(&url, Some(&narrow), note(&[id])).await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    assert_error(
        &app.post(&url, None, note(&[id])).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn bad_notes_are_refused_whole() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    app.article_with(
        &token,
        "https://news.example.com/other",
        "Another article entirely, about ferries.",
    )
    .await;
    let open = app
        .report("roughly 14,000 vehicles a day", Some("open@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let elsewhere = {
        let (status, r) = app
            .post(
                "/api/v1/reports",
                None,
                json!({ "article_url": "https://news.example.com/other", "passage": { "exact": "about ferries" }, "category": "other", "description": "Needs more context here." }),
            )
            .await;
        assert_eq!(status, Status::Created, "{r}");
        r["id"].as_i64().unwrap()
    };
    let done = app.report("a 2022 traffic study", None).await["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/reports/{done}/transitions"),
        Some(&token),
        json!({ "to": "resolved", "resolution": "no_error" }),
    )
    .await;
    let url = format!("/api/v1/articles/{article}/corrections");
    let before = app.counts();
    let with = |key: &str, value: Value| {
        let mut b = note(&[open]);
        b[key] = value;
        b
    };
    let cases: Vec<(Value, Status, &str, &str)> = vec![
        (
            with("kind", Value::Null),
            Status::UnprocessableEntity,
            "invalid_field",
            "kind",
        ),
        (
            with("kind", json!("retraction")),
            Status::UnprocessableEntity,
            "invalid_field",
            "kind",
        ),
        (
            // No body and no wrong or right: nothing to say.
            {
                let mut b = with("body_markdown", json!("  "));
                b["wrong"] = Value::Null;
                b["right"] = Value::Null;
                b
            },
            Status::UnprocessableEntity,
            "invalid_field",
            "body_markdown",
        ),
        (
            with("placement", json!("middle")),
            Status::UnprocessableEntity,
            "invalid_field",
            "placement",
        ),
        (
            with("wrong", json!("w".repeat(2001))),
            Status::UnprocessableEntity,
            "invalid_field",
            "wrong",
        ),
        (
            with("passage", json!({ "exact": "words that are not there" })),
            Status::UnprocessableEntity,
            "passage_not_found",
            "passage.exact",
        ),
        (
            with("resolves", json!([open, 4242])),
            Status::UnprocessableEntity,
            "invalid_field",
            "resolves",
        ),
        (
            with("resolves", json!([open, elsewhere])),
            Status::UnprocessableEntity,
            "invalid_field",
            "resolves",
        ),
        (
            with("resolves", json!([open, done])),
            Status::Conflict,
            "invalid_transition",
            "resolves",
        ),
    ];
    for (body, status, code, field) in cases {
        let got = app.post(&url, Some(&token), body).await;
        assert_error(&got, status, code, Some(field));
    }
    assert_error(
        &app.post("/api/v1/articles/999/corrections", Some(&token), note(&[]))
            .await,
        Status::NotFound,
        "article_not_found",
        None,
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn the_public_list_is_cached_with_an_etag_that_changes_with_a_new_note() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let path = format!("/api/v1/corrections?url={}", urlencode(ARTICLE_URL));
    let first = app.client.get(path.clone()).dispatch().await;
    assert_eq!(first.status(), Status::Ok);
    assert_eq!(
        first.headers().get_one("Access-Control-Allow-Origin"),
        Some("*")
    );
    assert!(first
        .headers()
        .get_one("Cache-Control")
        .unwrap()
        .contains("max-age"));
    let etag = first.headers().get_one("ETag").unwrap().to_owned();
    let (_, body) = read(first).await;
    assert_eq!(body["article"]["url"], ARTICLE_URL);
    assert_eq!(body["corrections"], json!([]));

    let again = app
        .client
        .get(path.clone())
        .header(Header::new("If-None-Match", etag.clone()))
        .dispatch()
        .await;
    assert_eq!(again.status(), Status::NotModified);
    assert_eq!(again.headers().get_one("ETag"), Some(etag.as_str()));
    assert!(again.into_string().await.unwrap_or_default().is_empty());

    let (status, published) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            note(&[]),
        )
        .await;
    assert_eq!(status, Status::Created, "{published}");
    let after = app
        .client
        .get(path.clone())
        .header(Header::new("If-None-Match", etag.clone()))
        .dispatch()
        .await;
    assert_eq!(after.status(), Status::Ok);
    let new_etag = after.headers().get_one("ETag").unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let (_, body) = read(after).await;
    let c = &body["corrections"][0];
    for key in [
        "id",
        "kind",
        "wrong",
        "right",
        "body_html",
        "placement",
        "published_at",
        "updated_at",
        "passage",
        "permalink",
    ] {
        assert!(c.get(key).is_some(), "missing {key} in {c}");
    }
    assert_eq!(c["passage"]["exact"], "roughly 14,000 vehicles a day");

    assert_error(
        &app.get(
            "/api/v1/corrections?url=https%3A%2F%2Fnews.example.com%2Fnone",
            None,
        )
        .await,
        Status::NotFound,
        "article_not_found",
        None,
    );
    assert_error(
        &app.get("/api/v1/corrections", None).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("url"),
    );
}

/// `cache_max_age` is what browsers and caches are told they may keep the public list.
#[rocket::async_test]
async fn the_public_list_may_be_kept_for_cache_max_age() {
    for (setting, expected) in [
        (None, "public, max-age=60, stale-while-revalidate=300"),
        (Some(5), "public, max-age=5, stale-while-revalidate=300"),
    ] {
        let mut builder = TestApp::builder();
        if let Some(seconds) = setting {
            builder = builder.set("cache_max_age", json!(seconds));
        }
        let app = builder.start().await;
        let token = app.editor();
        app.article(&token).await;
        let path = format!("/api/v1/corrections?url={}", urlencode(ARTICLE_URL));
        let answer = app.client.get(path).dispatch().await;
        assert_eq!(answer.status(), Status::Ok);
        assert_eq!(answer.headers().get_one("Cache-Control"), Some(expected));
    }
}

#[rocket::async_test]
async fn note_bodies_are_sanitised() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let mut body = note(&[]);
    body["body_markdown"] =
        json!("Fixed. <script>alert('x')</script><a href=\"javascript:alert(1)\">x</a>");
    let (status, published) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            body,
        )
        .await;
    assert_eq!(status, Status::Created);
    let html = published["body_html"].as_str().unwrap();
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
}

#[rocket::async_test]
async fn a_note_has_a_public_permalink_page() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let mut body = note(&[]);
    body["body_markdown"] = json!("It carries <em>12,000</em> vehicles. <script>alert(1)</script>");
    body["wrong"] = json!("<b>14,000</b>");
    let (_, published) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            body,
        )
        .await;
    let path = crate::support::local_path(&published["permalink"]);
    let response = app.client.get(path).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.content_type(),
        Some(rocket::http::ContentType::HTML)
    );
    assert!(response
        .headers()
        .get_one("Content-Security-Policy")
        .unwrap()
        .contains("frame-ancestors"));
    let html = response.into_string().await.unwrap();
    assert!(
        html.contains("Council approves bridge bond") && html.contains(ARTICLE_URL),
        "{html}"
    );
    assert!(html.contains("<em>12,000</em>"), "{html}");
    let published_at = published["published_at"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            "<time datetime=\"{published_at}\">{}</time>",
            errata::time::readable_rfc3339(published_at)
        )) && html.contains(" UTC</time>"),
        "the date in words for readers: {html}"
    );
    assert!(
        html.contains("14,000") && !html.contains("<b>14,000"),
        "the wrong text is escaped: {html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("/static/pages.css"));
    let css = app.client.get("/static/pages.css").dispatch().await;
    assert_eq!(css.status(), Status::Ok);
    assert_eq!(css.content_type(), Some(rocket::http::ContentType::CSS));
    let missing = app.client.get("/corrections/999").dispatch().await;
    assert_eq!(missing.status(), Status::NotFound);
    assert!(missing
        .into_string()
        .await
        .unwrap()
        .contains("no correction note"));
}
