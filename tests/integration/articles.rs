//! `PUT/GET /api/v1/articles`, revisions and their diffs.

use errata::accounts::{Role, Scope};
use rocket::http::Status;
use serde_json::json;

use crate::support::{assert_error, TestApp, ARTICLE_URL, R1};

#[rocket::async_test]
async fn upsert_creates_then_recognises_then_revises() {
    let app = TestApp::new().await;
    let token = app.editor();
    let body = json!({ "url": ARTICLE_URL, "title": "Bridge bond", "body_text": R1, "published_at": "2026-11-03T08:00:00Z" });
    let (status, first) = app
        .put("/api/v1/articles", Some(&token), body.clone())
        .await;
    assert_eq!(status, Status::Created, "{first}");
    assert_eq!(first["url"], ARTICLE_URL);
    assert_eq!(first["revision"]["number"], 1);
    assert_eq!(first["changed"], true);
    assert_eq!(first["revision"]["sha256"].as_str().map(str::len), Some(64));

    // The same text with different white space is the same canonical text: no new revision.
    let spaced = R1.replace("Kessler Street", "Kessler\u{a0} Street\n");
    let (status, again) = app
        .put("/api/v1/articles", Some(&token), json!({ "url": format!("{ARTICLE_URL}?utm_source=x#top"), "title": "Bridge bond", "body_text": spaced }))
        .await;
    assert_eq!(status, Status::Ok, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["changed"], false);
    assert_eq!(again["revision"], first["revision"]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM revisions"), 1);

    let (status, revised) = app
        .put("/api/v1/articles", Some(&token), json!({ "url": ARTICLE_URL, "title": "Bridge bond", "body_text": R1.replace("Tusday", "Tuesday") }))
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(revised["changed"], true);
    assert_eq!(revised["revision"]["number"], 2);
    assert_ne!(revised["revision"]["sha256"], first["revision"]["sha256"]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM revisions"), 2);
}

#[rocket::async_test]
async fn html_bodies_become_canonical_text() {
    let app = TestApp::new().await;
    let token = app.editor();
    let html = "<article><h1>Bridge</h1><p>The council voted <b>6-3</b>.</p><script>x()</script><p>Next&nbsp;paragraph.</p></article>";
    let (status, created) = app
        .put(
            "/api/v1/articles",
            Some(&token),
            json!({ "url": ARTICLE_URL, "title": "Bridge", "body_html": html }),
        )
        .await;
    assert_eq!(status, Status::Created, "{created}");
    let (status, article) = app
        .get(&format!("/api/v1/articles/{}", created["id"]), Some(&token))
        .await;
    assert_eq!(status, Status::Ok);
    let text = article["revision"]["text"].as_str().unwrap();
    assert!(text.contains("The council voted 6-3."), "{text}");
    assert!(!text.contains("x()"), "{text}");
}

#[rocket::async_test]
async fn bad_article_input_is_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let token = app.editor();
    let before = app.counts();
    let cases = [
        (json!({ "title": "t", "body_text": "x" }), "url"),
        (
            json!({ "url": "ftp://x.example/a", "title": "t", "body_text": "x" }),
            "url",
        ),
        (json!({ "url": ARTICLE_URL, "body_text": "x" }), "title"),
        (
            json!({ "url": ARTICLE_URL, "title": "   ", "body_text": "x" }),
            "title",
        ),
        (
            json!({ "url": ARTICLE_URL, "title": "t".repeat(501), "body_text": "x" }),
            "title",
        ),
        (json!({ "url": ARTICLE_URL, "title": "t" }), "body_text"),
        (
            json!({ "url": ARTICLE_URL, "title": "t", "body_text": "x", "body_html": "<p>x</p>" }),
            "body_text",
        ),
        (
            json!({ "url": ARTICLE_URL, "title": "t", "body_text": " \n\n " }),
            "body_text",
        ),
        (
            json!({ "url": ARTICLE_URL, "title": "t", "body_text": "x", "published_at": "last Tuesday" }),
            "published_at",
        ),
        (
            json!({ "url": ARTICLE_URL, "title": 7, "body_text": "x" }),
            "title",
        ),
        (
            json!({ "url": ARTICLE_URL, "title": "t", "body_text": "x", "author": "me" }),
            ".",
        ),
    ];
    for (body, field) in cases {
        let got = app
            .put("/api/v1/articles", Some(&token), body.clone())
            .await;
        assert_eq!(got.0, Status::UnprocessableEntity, "{body} -> {}", got.1);
        assert_eq!(got.1["error"]["code"], "invalid_field", "{}", got.1);
        if field == "." {
            // An unknown field has no path of its own: the message names it.
            let message = got.1["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("`author`"), "{body} -> {}", got.1);
        } else {
            assert_eq!(got.1["error"]["field"], field, "{body} -> {}", got.1);
        }
    }
    let response = app
        .client
        .put("/api/v1/articles")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .body("{\"url\": ")
        .dispatch()
        .await;
    let got = crate::support::read(response).await;
    assert_error(&got, Status::BadRequest, "malformed_json", None);
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn article_routes_need_the_right_token() {
    let app = TestApp::new().await;
    let (_, reviewer) = app.user(Role::Reviewer, &[]);
    let (_, reader_only) = app.user(Role::Editor, &[Scope::ReportsRead]);
    let body = json!({ "url": ARTICLE_URL, "title": "t", "body_text": "x" });
    assert_error(
        &app.put("/api/v1/articles", None, body.clone()).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_error(
        &app.put("/api/v1/articles", Some("errata_nonsense"), body.clone())
            .await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_error(
        &app.put("/api/v1/articles", Some(&reviewer), body.clone())
            .await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    assert_error(
        &app.put("/api/v1/articles", Some(&reader_only), body).await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM articles"), 0);
    assert_error(
        &app.get("/api/v1/articles/1", None).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
}

#[rocket::async_test]
async fn articles_are_read_by_id_and_by_url() {
    let app = TestApp::new().await;
    let token = app.editor();
    let id = app.article(&token).await;
    let (status, by_id) = app
        .get(&format!("/api/v1/articles/{id}"), Some(&token))
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        by_id["revision"]["text"]
            .as_str()
            .map(|t| t.chars().count()),
        Some(793)
    );
    assert_eq!(by_id["revision"]["length"], 793);
    assert_eq!(by_id["publication"]["name"], "news.example.com");
    let encoded = format!(
        "/api/v1/articles?url={}",
        urlencode(&format!("{ARTICLE_URL}/?utm_campaign=a"))
    );
    let (status, by_url) = app.get(&encoded, Some(&token)).await;
    assert_eq!(status, Status::Ok, "{by_url}");
    assert_eq!(by_url["id"], id);
    assert_error(
        &app.get("/api/v1/articles/999", Some(&token)).await,
        Status::NotFound,
        "article_not_found",
        None,
    );
    assert_error(
        &app.get(
            "/api/v1/articles?url=https%3A%2F%2Fnews.example.com%2Fnope",
            Some(&token),
        )
        .await,
        Status::NotFound,
        "article_not_found",
        None,
    );
    assert_error(
        &app.get("/api/v1/articles?url=", Some(&token)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("url"),
    );
}

#[rocket::async_test]
async fn revisions_are_listed_and_diffed_word_by_word() {
    let app = TestApp::new().await;
    let token = app.editor();
    let id = app.article(&token).await;
    app.article_with(&token, ARTICLE_URL, &R1.replace("Tusday", "Tuesday"))
        .await;
    let (status, list) = app
        .get(&format!("/api/v1/articles/{id}/revisions"), Some(&token))
        .await;
    assert_eq!(status, Status::Ok);
    let numbers: Vec<i64> = list["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    let (status, diff) = app
        .get(
            &format!("/api/v1/articles/{id}/revisions/2/diff"),
            Some(&token),
        )
        .await;
    assert_eq!(status, Status::Ok, "{diff}");
    let spans = diff["spans"].as_array().unwrap();
    assert!(
        spans
            .iter()
            .any(|s| s["op"] == "delete" && s["text"].as_str().unwrap().contains("Tusday")),
        "{diff}"
    );
    assert!(
        spans
            .iter()
            .any(|s| s["op"] == "insert" && s["text"].as_str().unwrap().contains("Tuesday")),
        "{diff}"
    );
    let rebuilt: String = spans
        .iter()
        .filter(|s| s["op"] != "delete")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        rebuilt,
        errata::text::canonical_from_text(&R1.replace("Tusday", "Tuesday"))
    );
    assert_error(
        &app.get(
            &format!("/api/v1/articles/{id}/revisions/3/diff"),
            Some(&token),
        )
        .await,
        Status::NotFound,
        "revision_not_found",
        None,
    );
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[rocket::async_test]
async fn a_demoted_users_tokens_lose_what_the_new_role_lacks() {
    let app = TestApp::new().await;
    let (user, token) = app.user(Role::Editor, &[]);
    let body = json!({ "url": ARTICLE_URL, "title": "t", "body_text": "x" });
    let mut conn = app.conn();
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "UPDATE users SET role = 'reviewer' WHERE id = {}",
        user.id
    ))
    .execute(&mut conn)
    .unwrap();
    assert_error(
        &app.put("/api/v1/articles", Some(&token), body).await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    let (status, _) = app.get("/api/v1/reports", Some(&token)).await;
    assert_eq!(
        status,
        Status::Ok,
        "reading stays within a reviewer's scopes"
    );
    diesel::sql_query(format!(
        "UPDATE users SET active = FALSE WHERE id = {}",
        user.id
    ))
    .execute(&mut conn)
    .unwrap();
    assert_error(
        &app.get("/api/v1/reports", Some(&token)).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
}

#[rocket::async_test]
async fn healthz_answers_after_a_database_round_trip() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/healthz", None).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body, json!({ "status": "ok" }));
}
