//! Filing reports (`POST /api/v1/reports`), the public status, listing and reading, comments and
//! assignees.

use errata::accounts::{Role, Scope};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::LocalRequest;
use serde_json::{json, Value};

use crate::support::{assert_error, read, TestApp, ARTICLE_URL};

/// `POST /api/v1/reports` with a raw JSON body, as a browser sends it; add headers and dispatch.
fn report_request(app: &TestApp, body: impl Into<String>) -> LocalRequest<'_> {
    app.client
        .post("/api/v1/reports")
        .header(ContentType::JSON)
        .body(body.into())
}

fn report_body(exact: &str) -> Value {
    json!({
        "article_url": ARTICLE_URL,
        "passage": { "exact": exact },
        "category": "factual_error",
        "description": "The traffic study counted 12,000 vehicles, not 14,000.",
    })
}

#[rocket::async_test]
async fn a_report_is_filed_on_the_passage_and_on_disk_before_201() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article_id = app.article(&token).await;
    let mut body = report_body("roughly 14,000 vehicles a day");
    body["suggested_correction"] = json!("roughly 12,000 vehicles a day");
    body["evidence_urls"] = json!(["https://city.example.gov/traffic-2022.pdf"]);
    body["reporter"] = json!({ "name": "Ada", "email": "Ada@Example.org", "notify": true });
    // Fields a newer embed may send are ignored, not refused.
    body["embed_version"] = json!("2.1");
    body["passage"]["type"] = json!("TextQuoteSelector");
    let (status, filed) = app.post("/api/v1/reports", None, body).await;
    assert_eq!(status, Status::Created, "{filed}");
    assert_eq!(filed["status"], "new");
    let reference = filed["reference"].as_str().unwrap();
    assert!(
        reference.starts_with("ERR-20") && reference.len() == "ERR-2026-000001".len(),
        "{reference}"
    );
    assert!(
        filed["status_url"]
            .as_str()
            .unwrap()
            .starts_with("http://errata.test/"),
        "{filed}"
    );
    let passage = &filed["passage"];
    assert_eq!(passage["exact"], "roughly 14,000 vehicles a day");
    assert_eq!(
        (passage["start"].as_i64(), passage["end"].as_i64()),
        (Some(497), Some(526))
    );
    let text: Vec<char> = errata::text::canonical_from_text(crate::support::R1)
        .chars()
        .collect();
    assert_eq!(
        passage["prefix"],
        text[497 - 32..497].iter().collect::<String>()
    );
    assert_eq!(
        passage["suffix"],
        text[526..526 + 32].iter().collect::<String>()
    );
    assert!(passage["revision_id"].as_i64().is_some());

    let id = filed["id"].as_i64().unwrap();
    assert_eq!(app.count(&format!("SELECT COUNT(*) AS n FROM reports WHERE id = {id} AND article_id = {article_id} AND reporter_email = 'ada@example.org'")), 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_received' AND recipient = 'ada@example.org'"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'created'"),
        1
    );
}

#[rocket::async_test]
async fn a_repeated_passage_is_anchored_where_its_context_says() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    // "closed to trucks" occurs in P1 ("... closed to trucks since March") and in P5.
    let mut first = report_body("closed to trucks");
    first["passage"]["suffix"] = json!(" since March.");
    let (status, a) = app.post("/api/v1/reports", None, first).await;
    assert_eq!(status, Status::Created, "{a}");
    let mut second = report_body("closed to trucks");
    second["passage"]["prefix"] = json!("open to passanger cars but ");
    let (status, b) = app.post("/api/v1/reports", None, second).await;
    assert_eq!(status, Status::Created, "{b}");
    let text = errata::text::canonical_from_text(crate::support::R1);
    let first_at = text
        .find("closed to trucks since")
        .map(|b| text[..b].chars().count())
        .unwrap() as i64;
    let second_at = text
        .rfind("closed to trucks")
        .map(|b| text[..b].chars().count())
        .unwrap() as i64;
    assert_ne!(first_at, second_at);
    assert_eq!(a["passage"]["start"], first_at);
    assert_eq!(b["passage"]["start"], second_at);
    assert_eq!(b["passage"]["end"], second_at + 16);
}

#[rocket::async_test]
async fn reports_about_unknown_articles_or_passages_are_refused() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let before = app.counts();
    let mut unknown = report_body("roughly 14,000 vehicles a day");
    unknown["article_url"] = json!("https://news.example.com/not-an-article");
    assert_error(
        &app.post("/api/v1/reports", None, unknown).await,
        Status::NotFound,
        "article_not_found",
        None,
    );
    assert_error(
        &app.post(
            "/api/v1/reports",
            None,
            report_body("a sentence the article never had"),
        )
        .await,
        Status::UnprocessableEntity,
        "passage_not_found",
        None,
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn every_bad_field_gets_a_422_naming_it_and_nothing_is_written() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let before = app.counts();
    let base = report_body("roughly 14,000 vehicles a day");
    let with = |path: &[&str], value: Value| {
        let mut b = base.clone();
        let mut target = &mut b;
        for key in &path[..path.len() - 1] {
            target = &mut target[*key];
        }
        target[path[path.len() - 1]] = value;
        b
    };
    let without = |key: &str| {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(key);
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (without("article_url"), "article_url"),
        (with(&["article_url"], json!("not a url")), "article_url"),
        (without("passage"), "passage"),
        (with(&["passage", "exact"], json!("")), "passage.exact"),
        (
            with(&["passage", "exact"], json!("x".repeat(2001))),
            "passage.exact",
        ),
        (without("category"), "category"),
        (with(&["category"], json!("rumour")), "category"),
        (without("description"), "description"),
        (with(&["description"], json!("   ")), "description"),
        (with(&["description"], json!("too short")), "description"),
        (
            with(&["description"], json!("x".repeat(5001))),
            "description",
        ),
        (
            with(&["suggested_correction"], json!("y".repeat(5001))),
            "suggested_correction",
        ),
        (
            with(
                &["evidence_urls"],
                json!([
                    "https://a.example/1",
                    "https://a.example/2",
                    "https://a.example/3",
                    "https://a.example/4",
                    "https://a.example/5",
                    "https://a.example/6"
                ]),
            ),
            "evidence_urls",
        ),
        (
            with(&["evidence_urls"], json!(["javascript:alert(1)"])),
            "evidence_urls[0]",
        ),
        (
            with(
                &["evidence_urls"],
                json!(["https://ok.example/", "ftp://files.example/x"]),
            ),
            "evidence_urls[1]",
        ),
        (
            with(&["reporter"], json!({ "email": "not-an-address" })),
            "reporter.email",
        ),
        (
            with(&["reporter"], json!({ "name": "Ada", "notify": true })),
            "reporter.email",
        ),
        (
            with(&["reporter"], json!({ "name": "n".repeat(201) })),
            "reporter.name",
        ),
        (with(&["category"], json!(3)), "category"),
        (
            with(&["evidence_urls"], json!("https://a.example/")),
            "evidence_urls",
        ),
    ];
    for (body, field) in cases {
        let got = app.post("/api/v1/reports", None, body.clone()).await;
        assert_error(
            &got,
            Status::UnprocessableEntity,
            "invalid_field",
            Some(field),
        );
    }
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn malformed_and_oversized_bodies_are_refused() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let before = app.counts();
    let response = report_request(&app, "{\"article_url\": \"x\",")
        .dispatch()
        .await;
    assert_error(
        &read(response).await,
        Status::BadRequest,
        "malformed_json",
        None,
    );
    let response = report_request(&app, "[1, 2]").dispatch().await;
    assert_error(
        &read(response).await,
        Status::BadRequest,
        "malformed_json",
        None,
    );
    let mut huge = report_body("roughly 14,000 vehicles a day");
    huge["description"] = json!("x".repeat(70 * 1024));
    let response = report_request(&app, huge.to_string()).dispatch().await;
    assert_error(
        &read(response).await,
        Status::PayloadTooLarge,
        "payload_too_large",
        None,
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn the_status_link_shows_progress_but_never_the_reporter() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let filed = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let url = crate::support::api_status_path(&filed);
    let (status, public) = app.get(&url, None).await;
    assert_eq!(status, Status::Ok, "{public}");
    assert_eq!(public["reference"], filed["reference"]);
    assert_eq!(public["status"], "new");
    assert_eq!(public["note"], Value::Null);
    assert!(public["created_at"].as_str().unwrap().ends_with('Z'));
    let text = public.to_string();
    assert!(
        !text.contains("ada@example.org") && !text.contains("Ada Reader"),
        "{text}"
    );
    assert_error(
        &app.get("/api/v1/reports/status/not-a-token", None).await,
        Status::NotFound,
        "report_not_found",
        None,
    );
}

#[rocket::async_test]
async fn listing_pages_with_a_cursor_and_filters() {
    let app = TestApp::new().await;
    let (editor, token) = app.user(Role::Editor, &[]);
    app.article(&token).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            app.report("roughly 14,000 vehicles a day", None).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let (status, page1) = app.get("/api/v1/reports?limit=2", Some(&token)).await;
    assert_eq!(status, Status::Ok, "{page1}");
    let got: Vec<i64> = page1["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[4], ids[3]]);
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    let (_, page2) = app
        .get(
            &format!("/api/v1/reports?limit=2&cursor={cursor}"),
            Some(&token),
        )
        .await;
    let got: Vec<i64> = page2["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[2], ids[1]]);
    let cursor = page2["next_cursor"].as_str().unwrap().to_owned();
    let (_, page3) = app
        .get(
            &format!("/api/v1/reports?limit=2&cursor={cursor}"),
            Some(&token),
        )
        .await;
    assert_eq!(page3["reports"].as_array().unwrap().len(), 1);
    assert_eq!(page3["next_cursor"], Value::Null);

    let (_, oldest) = app
        .get("/api/v1/reports?order=oldest&limit=3", Some(&token))
        .await;
    let got: Vec<i64> = oldest["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[0], ids[1], ids[2]]);

    let (status, _) = app
        .put(
            &format!("/api/v1/reports/{}/assignee", ids[1]),
            Some(&token),
            json!({ "user_id": editor.id }),
        )
        .await;
    assert_eq!(status, Status::Ok);
    app.post(
        &format!("/api/v1/reports/{}/transitions", ids[2]),
        Some(&token),
        json!({ "to": "triaged" }),
    )
    .await;
    let (_, mine) = app
        .get(
            &format!("/api/v1/reports?assignee_id={}", editor.id),
            Some(&token),
        )
        .await;
    assert_eq!(mine["reports"].as_array().unwrap().len(), 1);
    assert_eq!(mine["reports"][0]["assignee"]["id"], editor.id);
    let (_, triaged) = app.get("/api/v1/reports?state=triaged", Some(&token)).await;
    assert_eq!(triaged["reports"].as_array().unwrap().len(), 1);
    assert_eq!(triaged["reports"][0]["id"], ids[2]);
    let (_, other) = app
        .get("/api/v1/reports?article_id=999", Some(&token))
        .await;
    assert_eq!(other["reports"].as_array().unwrap().len(), 0);

    assert_error(
        &app.get("/api/v1/reports?state=closed", Some(&token)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("state"),
    );
    assert_error(
        &app.get("/api/v1/reports?limit=0", Some(&token)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("limit"),
    );
    assert_error(
        &app.get("/api/v1/reports?limit=1000", Some(&token)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("limit"),
    );
    assert_error(
        &app.get("/api/v1/reports?cursor=abc", Some(&token)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("cursor"),
    );
    assert_error(
        &app.get("/api/v1/reports?order=random", Some(&token)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("order"),
    );
    assert_error(
        &app.get("/api/v1/reports", None).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    let (_, writer) = app.user(Role::Editor, &[Scope::ArticlesWrite]);
    assert_error(
        &app.get("/api/v1/reports", Some(&writer)).await,
        Status::Forbidden,
        "forbidden",
        None,
    );
}

#[rocket::async_test]
async fn a_report_reads_whole_with_anchor_and_events() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let id = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let (status, report) = app
        .get(&format!("/api/v1/reports/{id}"), Some(&token))
        .await;
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(report["state"], "new");
    assert_eq!(report["reporter"]["email"], "ada@example.org");
    assert_eq!(report["anchor"]["status"], "anchored");
    assert_eq!(report["anchor"]["text"], "roughly 14,000 vehicles a day");
    assert_eq!(
        (
            report["anchor"]["start"].as_i64(),
            report["anchor"]["end"].as_i64()
        ),
        (Some(497), Some(526))
    );
    assert_eq!(report["events"][0]["kind"], "created");
    assert_error(
        &app.get("/api/v1/reports/9999", Some(&token)).await,
        Status::NotFound,
        "report_not_found",
        None,
    );
}

#[rocket::async_test]
async fn comments_and_assignees_are_recorded() {
    let app = TestApp::new().await;
    let (editor, token) = app.user(Role::Editor, &[]);
    let (reviewer, reviewer_token) = app.user(Role::Reviewer, &[]);
    app.article(&token).await;
    let id = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let (status, comment) = app
        .post(
            &format!("/api/v1/reports/{id}/comments"),
            Some(&reviewer_token),
            json!({ "body": "Checking the 2022 study." }),
        )
        .await;
    assert_eq!(status, Status::Created, "{comment}");
    assert_eq!(comment["author"]["id"], reviewer.id);
    let (status, assigned) = app
        .put(
            &format!("/api/v1/reports/{id}/assignee"),
            Some(&token),
            json!({ "user_id": reviewer.id }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{assigned}");
    assert_eq!(assigned["assignee"]["id"], reviewer.id);
    let (_, cleared) = app
        .put(
            &format!("/api/v1/reports/{id}/assignee"),
            Some(&token),
            json!({ "user_id": null }),
        )
        .await;
    assert_eq!(cleared["assignee"], Value::Null);
    let kinds: Vec<&str> = cleared["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["created", "comment", "assigned", "assigned"]);
    assert_eq!(cleared["events"][2]["actor"]["id"], editor.id);

    let before = app.counts();
    let cases = [
        (
            app.post(
                &format!("/api/v1/reports/{id}/comments"),
                Some(&token),
                json!({ "body": "  " }),
            )
            .await,
            Status::UnprocessableEntity,
            "invalid_field",
        ),
        (
            app.post(
                &format!("/api/v1/reports/{id}/comments"),
                Some(&token),
                json!({}),
            )
            .await,
            Status::UnprocessableEntity,
            "invalid_field",
        ),
        (
            app.post(
                "/api/v1/reports/9999/comments",
                Some(&token),
                json!({ "body": "hello" }),
            )
            .await,
            Status::NotFound,
            "report_not_found",
        ),
        (
            app.put(
                &format!("/api/v1/reports/{id}/assignee"),
                Some(&token),
                json!({ "user_id": 4242 }),
            )
            .await,
            Status::UnprocessableEntity,
            "invalid_field",
        ),
        (
            app.put(
                &format!("/api/v1/reports/{id}/assignee"),
                Some(&token),
                json!({}),
            )
            .await,
            Status::UnprocessableEntity,
            "invalid_field",
        ),
        (
            app.post(
                &format!("/api/v1/reports/{id}/comments"),
                None,
                json!({ "body": "hello" }),
            )
            .await,
            Status::Unauthorized,
            "unauthorized",
        ),
    ];
    for (got, status, code) in cases {
        assert_error(&got, status, code, None);
    }
    assert_eq!(app.counts(), before);
}

async fn file_from(app: &TestApp, remote: &str, forwarded: &str) -> (Status, Value) {
    // A description of its own each time: a repeat of the same report is not a new filing.
    static SENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut body = report_body("roughly 14,000 vehicles a day");
    body["description"] = json!(format!("The count is off (report {n})."));
    let response = report_request(app, body.to_string())
        .remote(remote.parse().unwrap())
        .header(Header::new("X-Real-IP", forwarded.to_owned()))
        .dispatch()
        .await;
    read(response).await
}

#[rocket::async_test]
async fn one_sender_is_rate_limited_whatever_headers_it_sends() {
    let app = TestApp::builder()
        .set("report_rate_limit", json!(2))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    assert_eq!(
        file_from(&app, "203.0.113.9:4000", "198.51.100.1").await.0,
        Status::Created
    );
    assert_eq!(
        file_from(&app, "203.0.113.9:4001", "198.51.100.2").await.0,
        Status::Created
    );
    let before = app.counts();
    let got = file_from(&app, "203.0.113.9:4002", "198.51.100.3").await;
    assert_error(&got, Status::TooManyRequests, "rate_limited", None);
    assert_eq!(app.counts(), before);
    assert_eq!(
        file_from(&app, "203.0.113.10:4000", "198.51.100.3").await.0,
        Status::Created,
        "another sender is not limited"
    );

    // Only a salted hash of the peer address is kept.
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    use diesel::RunQueryDsl;
    let salt = diesel::sql_query("SELECT value FROM settings WHERE key = 'ip_hash_salt'")
        .get_result::<Row>(&mut app.conn())
        .unwrap()
        .value;
    let expected = errata::secrets::sha256_hex(&format!("{salt}|203.0.113.9"))[..32].to_owned();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM reports WHERE ip_hash = '{expected}'"
        )),
        2
    );
    if crate::support::database::is_postgres() {
        // In no row of any table is the address itself.
        for table in errata_tables(&app) {
            let n = app.count(&format!(
                "SELECT COUNT(*) AS n FROM {table} x WHERE x::text LIKE '%203.0.113%'"
            ));
            assert_eq!(n, 0, "{table} holds the sender's address");
        }
        return;
    }
    // Nowhere on disk, in any table or in the write-ahead log, is the address itself.
    for file in [app.db_path.clone(), app.db_path.with_extension("db-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let found = bytes.windows(9).any(|w| w == b"203.0.113");
        assert!(!found, "{} holds the sender's address", file.display());
    }
    assert!(std::fs::metadata(&app.db_path).unwrap().len() > 0);
}

#[rocket::async_test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let app = TestApp::builder()
        .set("report_rate_limit", json!(1))
        .set("trust_ip_header", json!(true))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    assert_eq!(
        file_from(&app, "127.0.0.1:4000", "198.51.100.1").await.0,
        Status::Created
    );
    assert_eq!(
        file_from(&app, "127.0.0.1:4000", "198.51.100.2").await.0,
        Status::Created
    );
    assert_eq!(
        file_from(&app, "127.0.0.1:4000", "198.51.100.1").await.0,
        Status::TooManyRequests
    );
}

#[rocket::async_test]
async fn cross_site_filing_only_from_a_publications_origins() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let allowed = "https://news.example.com";
    let preflight = app
        .client
        .options("/api/v1/reports")
        .header(Header::new("Origin", allowed))
        .dispatch()
        .await;
    assert_eq!(preflight.status(), Status::NoContent);
    assert_eq!(
        preflight.headers().get_one("Access-Control-Allow-Origin"),
        Some(allowed)
    );
    assert!(preflight
        .headers()
        .get_one("Access-Control-Allow-Methods")
        .unwrap()
        .contains("POST"));
    let ok = report_request(
        &app,
        report_body("roughly 14,000 vehicles a day").to_string(),
    )
    .header(Header::new("Origin", allowed))
    .dispatch()
    .await;
    assert_eq!(ok.status(), Status::Created);
    assert_eq!(
        ok.headers().get_one("Access-Control-Allow-Origin"),
        Some(allowed)
    );

    let before = app.counts();
    let evil = report_request(
        &app,
        report_body("roughly 14,000 vehicles a day").to_string(),
    )
    .header(Header::new("Origin", "https://evil.example"))
    .dispatch()
    .await;
    assert_eq!(evil.headers().get_one("Access-Control-Allow-Origin"), None);
    assert_error(
        &read(evil).await,
        Status::Forbidden,
        "origin_not_allowed",
        None,
    );
    assert_eq!(app.counts(), before);

    // Another publication's page may not report on this publication's articles.
    errata::articles::create_publication(
        &mut app.conn(),
        "Other Paper",
        "https://other.example/",
        &[],
    )
    .unwrap();
    let before = app.counts();
    let other = report_request(
        &app,
        report_body("roughly 14,000 vehicles a day").to_string(),
    )
    .header(Header::new("Origin", "https://other.example"))
    .dispatch()
    .await;
    assert_error(
        &read(other).await,
        Status::Forbidden,
        "origin_not_allowed",
        None,
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn a_browser_opening_the_status_link_gets_a_page() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let filed = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let path = crate::support::api_status_path(&filed);
    let page = app
        .client
        .get(path.clone())
        .header(rocket::http::Accept::HTML)
        .dispatch()
        .await;
    assert_eq!(page.status(), Status::Ok);
    assert_eq!(page.content_type(), Some(ContentType::HTML));
    assert_eq!(page.headers().get_one("Vary"), Some("Accept"));
    assert_eq!(
        page.headers().get_one("Referrer-Policy"),
        Some("no-referrer"),
        "the secret link is never sent on"
    );
    assert_eq!(
        page.headers().get_one("Cache-Control"),
        Some("private, no-store")
    );
    assert!(page
        .headers()
        .get_one("Content-Security-Policy")
        .is_some_and(|c| c.contains("default-src 'self'")));
    let html = page.into_string().await.unwrap();
    assert!(
        html.contains(filed["reference"].as_str().unwrap()) && html.contains("Received"),
        "{html}"
    );
    assert!(html.contains("roughly 14,000 vehicles a day"));
    assert!(!html.contains("ada@example.org") && !html.contains("Ada Reader"));
    let missing = app
        .client
        .get("/api/v1/reports/status/nope")
        .header(rocket::http::Accept::HTML)
        .dispatch()
        .await;
    assert_eq!(missing.status(), Status::NotFound);
    assert_eq!(missing.content_type(), Some(ContentType::HTML));
}

#[rocket::async_test]
async fn a_quote_from_a_slightly_different_page_is_found_at_intake() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    // Curly quotes, a no-break space and a line break, as a browser's selection may carry them.
    let (status, curly) = app
        .post(
            "/api/v1/reports",
            None,
            report_body("vote \u{201c}a long-overdue\u{a0}investment\u{201d}\n and"),
        )
        .await;
    assert_eq!(status, Status::Created, "{curly}");
    assert_eq!(
        curly["passage"]["exact"],
        "vote \"a long-overdue investment\" and"
    );
    // The reader's page already has the typo fixed.
    let (status, fixed) = app
        .post(
            "/api/v1/reports",
            None,
            report_body("voted 6-3 on Tuesday to approve"),
        )
        .await;
    assert_eq!(status, Status::Created, "{fixed}");
    assert_eq!(fixed["passage"]["exact"], "voted 6-3 on Tusday to approve");
    let (_, report) = app
        .get(&format!("/api/v1/reports/{}", fixed["id"]), Some(&token))
        .await;
    assert_eq!(report["anchor"]["status"], "anchored");
    assert_eq!(report["anchor"]["method"], "fuzzy");
}

/// The tables of the PostgreSQL database `app` runs on.
fn errata_tables(app: &TestApp) -> Vec<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        tablename: String,
    }
    let tables: Vec<Table> =
        diesel::sql_query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            .load(&mut app.conn())
            .expect("the tables");
    assert!(tables.len() > 20, "every table is looked at");
    tables.into_iter().map(|t| t.tablename).collect()
}
