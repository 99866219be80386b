//! The reader's pages through Rocket's local client: the home page, the demo article, the status
//! page, the embed script's size, and the report form without JavaScript (its CSRF check, its
//! honeypot and its field errors, each refusal writing nothing).

use std::io::Write;

use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::LocalResponse;
use serde_json::json;

use crate::support::{TestApp, ARTICLE_URL};

const DEMO_URL: &str = "http://errata.test/demo/2026/11/pier-9-ferry-terminal-rebuild";

fn csp(r: &LocalResponse<'_>) -> String {
    r.headers()
        .get_one("Content-Security-Policy")
        .unwrap_or_default()
        .to_owned()
}

#[rocket::async_test]
async fn the_home_page_and_the_demo_article_are_served_with_the_security_headers() {
    let app = TestApp::builder().set("demo", json!(true)).start().await;
    let home = app.client.get("/").dispatch().await;
    assert_eq!(home.status(), Status::Ok);
    assert!(csp(&home).contains("default-src 'self'"));
    assert_eq!(
        home.headers().get_one("X-Content-Type-Options"),
        Some("nosniff")
    );
    let html = home.into_string().await.unwrap();
    assert!(
        html.contains("href=\"/signin\""),
        "staff find the sign-in: {html}"
    );
    assert!(html.contains("href=\"/demo/2026/11/pier-9-ferry-terminal-rebuild\""));
    assert!(html.contains("README"));

    let demo = app
        .client
        .get("/demo/2026/11/pier-9-ferry-terminal-rebuild")
        .dispatch()
        .await;
    assert_eq!(demo.status(), Status::Ok);
    assert!(csp(&demo).contains("default-src 'self'"));
    let html = demo.into_string().await.unwrap();
    assert!(html.contains(&format!(
        "<script src=\"/embed.js\" data-errata-article=\"{DEMO_URL}\" async></script>"
    )));
    assert!(html.contains("Pier 9"));
    assert!(html.contains("about 9,200 passengers on an average weekday"));
}

#[rocket::async_test]
async fn without_the_demo_its_page_is_not_found_and_home_says_so() {
    let app = TestApp::new().await;
    let demo = app
        .client
        .get("/demo/2026/11/pier-9-ferry-terminal-rebuild")
        .dispatch()
        .await;
    assert_eq!(demo.status(), Status::NotFound);
    assert!(demo
        .into_string()
        .await
        .unwrap()
        .contains("without the demo"));
    let home = app.client.get("/").dispatch().await;
    assert_eq!(home.status(), Status::Ok);
    assert!(!home.into_string().await.unwrap().contains("/demo/"));
}

#[rocket::async_test]
async fn the_embed_script_is_small_and_served_as_javascript() {
    let app = TestApp::new().await;
    let r = app.client.get("/embed.js").dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.content_type(), Some(ContentType::JavaScript));
    assert!(r
        .headers()
        .get_one("Cache-Control")
        .is_some_and(|c| c.starts_with("public")));
    let body = r.into_bytes().await.unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    gz.write_all(&body).unwrap();
    let size = gz.finish().unwrap().len();
    eprintln!("embed.js, with both languages: {size} bytes gzipped (level 9)");
    assert!(size <= 15_360, "embed.js is {size} bytes gzipped");
    let text = String::from_utf8(body).unwrap();
    // Nothing a strict host CSP would refuse.
    for banned in [
        "eval(",
        "new Function",
        "innerHTML",
        "createElement(\"style\")",
        "setAttribute(\"style\"",
    ] {
        assert!(!text.contains(banned), "embed.js uses {banned}");
    }
}

#[rocket::async_test]
async fn the_status_page_shows_a_plain_timeline_and_keeps_the_link_private() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let filed = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let link = filed["status_url"].as_str().unwrap();
    assert!(link.starts_with("http://errata.test/status/"), "{filed}");
    let path = crate::support::local_path(&filed["status_url"]);
    let page = app.client.get(path.clone()).dispatch().await;
    assert_eq!(page.status(), Status::Ok);
    assert_eq!(
        page.headers().get_one("Referrer-Policy"),
        Some("no-referrer")
    );
    assert_eq!(
        page.headers().get_one("Cache-Control"),
        Some("private, no-store")
    );
    assert!(csp(&page).contains("default-src 'self'"));
    let html = page.into_string().await.unwrap();
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(html.contains(filed["reference"].as_str().unwrap()));
    for step in ["Received", "Under review", "Resolved"] {
        assert!(html.contains(step), "{step}: {html}");
    }
    assert!(html.contains("aria-current=\"step\""));
    assert!(
        html.contains(" UTC</time>") && !html.contains("Z</time>"),
        "times in words, not RFC 3339: {html}"
    );
    assert!(!html.contains("ada@example.org") && !html.contains("Ada Reader"));

    // Resolved by a note: the outcome in words, and the note.
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({ "kind": "correction", "wrong": "14,000", "right": "12,000",
                    "body_markdown": "The study counted **12,000** vehicles.",
                    "resolves": [filed["id"]] }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    let html = app
        .client
        .get(path)
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(html.contains("Resolved: Corrected"), "{html}");
    assert!(html.contains("The study counted <strong>12,000</strong> vehicles."));
    assert!(html.contains(note["permalink"].as_str().unwrap()));

    // The API route keeps working.
    let (status, json) = app
        .get(&crate::support::api_status_path(&filed), None)
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(json["resolution"], "corrected");
}

#[rocket::async_test]
async fn an_unknown_status_token_is_a_not_found_page_with_no_referrer() {
    let app = TestApp::new().await;
    let before = app.counts();
    let page = app.client.get("/status/not-a-real-token").dispatch().await;
    assert_eq!(page.status(), Status::NotFound);
    assert_eq!(
        page.headers().get_one("Referrer-Policy"),
        Some("no-referrer")
    );
    assert_eq!(page.content_type(), Some(ContentType::HTML));
    assert!(page
        .into_string()
        .await
        .unwrap()
        .contains("does not match any report"));
    assert_eq!(app.counts(), before);
}

/// The form page's CSRF token (the client keeps the cookie).
async fn open_form(app: &TestApp, query: &str) -> (Status, String, String) {
    let r = app.client.get(format!("/report?{query}")).dispatch().await;
    let status = r.status();
    let html = r.into_string().await.unwrap();
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    (status, html, token)
}

fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

async fn post_form(app: &TestApp, fields: &[(&str, &str)]) -> (Status, String) {
    let r = app
        .client
        .post("/report")
        .header(ContentType::Form)
        .body(form_body(fields))
        .dispatch()
        .await;
    (r.status(), r.into_string().await.unwrap())
}

#[rocket::async_test]
async fn the_report_form_files_a_report_without_javascript() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let (status, html, csrf) = open_form(
        &app,
        &form_body(&[
            ("url", ARTICLE_URL),
            ("exact", "roughly 14,000 vehicles a day"),
        ]),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert!(!csrf.is_empty(), "{html}");
    for label in [
        "Passage",
        "Category",
        "What is wrong?",
        "Suggested correction",
        "Evidence links",
        "Your name",
        "Your email",
        "Email me about this report",
        "Send report",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains(">roughly 14,000 vehicles a day</textarea>"));
    let (status, html) = post_form(
        &app,
        &[
            ("csrf_token", &csrf),
            ("article_url", ARTICLE_URL),
            ("passage", "roughly 14,000 vehicles a day"),
            ("category", "factual_error"),
            ("description", "The 2022 study says 12,000 vehicles."),
            ("suggested_correction", ""),
            ("evidence_urls", "https://city.example/traffic-2022.pdf"),
            ("reporter_name", "Ada Reader"),
            ("reporter_email", "ada@example.org"),
            ("notify", "true"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(status, Status::Created, "{html}");
    assert!(html.contains("ERR-20"), "{html}");
    assert!(html.contains("href=\"/status/"), "{html}");
    assert!(html.contains("Follow this report"));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM reports WHERE quote_exact = 'roughly 14,000 vehicles a day' AND notify = TRUE AND reporter_email = 'ada@example.org'"),
        1
    );
}

#[rocket::async_test]
async fn form_errors_are_shown_by_their_fields_with_the_text_kept_and_nothing_written() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let (_, _, csrf) = open_form(&app, &form_body(&[("url", ARTICLE_URL)])).await;
    let before = app.counts();
    let typed = "short <b>";
    let (status, html) = post_form(
        &app,
        &[
            ("csrf_token", &csrf),
            ("article_url", ARTICLE_URL),
            ("passage", "words that are not in the article at all"),
            ("category", ""),
            ("description", typed),
            ("evidence_urls", "not-a-link"),
            ("reporter_email", "nobody"),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{html}");
    assert!(html.contains("role=\"alert\""));
    for field in ["category", "description", "evidence_urls", "reporter_email"] {
        assert!(
            html.contains(&format!(
                "id=\"{field}\" name=\"{field}\" aria-invalid=\"true\" aria-describedby=\"{field}-error\""
            )),
            "{field}: {html}"
        );
        assert!(html.contains(&format!("<p class=\"err\" id=\"{field}-error\">")));
    }
    assert!(
        html.contains(">short &#60;b&#62;</textarea>")
            || html.contains(">short &lt;b&gt;</textarea>"),
        "typed text kept, escaped: {html}"
    );
    assert!(html.contains("value=\"nobody\""));
    assert_eq!(app.counts(), before);

    // Every field right but the passage, which the article does not hold.
    let (status, html) = post_form(
        &app,
        &[
            ("csrf_token", &csrf),
            ("article_url", ARTICLE_URL),
            ("passage", "words that are not in the article at all"),
            ("category", "typo"),
            ("description", "This is not what the article says."),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{html}");
    assert!(
        html.contains("id=\"passage\" name=\"passage\" aria-invalid=\"true\""),
        "{html}"
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn a_form_without_its_csrf_token_is_refused_and_writes_nothing() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let fields = |csrf: &str| {
        form_body(&[
            ("csrf_token", csrf),
            ("article_url", ARTICLE_URL),
            ("passage", "roughly 14,000 vehicles a day"),
            ("category", "typo"),
            ("description", "This is not what the article says."),
        ])
    };
    let before = app.counts();
    // No cookie and no token: a cross-site post.
    let r = app
        .client
        .post("/report")
        .header(ContentType::Form)
        .body(fields(""))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    assert!(r.into_string().await.unwrap().contains("send it again"));
    // The cookie, but a token of the sender's own making.
    let (_, _, csrf) = open_form(&app, &form_body(&[("url", ARTICLE_URL)])).await;
    let forged = "0".repeat(csrf.len());
    let r = app
        .client
        .post("/report")
        .header(ContentType::Form)
        .body(fields(&forged))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn the_honeypot_answers_like_success_and_writes_nothing() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let (_, _, csrf) = open_form(&app, &form_body(&[("url", ARTICLE_URL)])).await;
    let before = app.counts();
    let (status, html) = post_form(
        &app,
        &[
            ("csrf_token", &csrf),
            ("article_url", ARTICLE_URL),
            ("passage", "roughly 14,000 vehicles a day"),
            ("category", "typo"),
            ("description", "Buy cheap watches at our shop today."),
            ("website", "https://spam.example"),
        ],
    )
    .await;
    assert_eq!(status, Status::Created);
    assert!(html.contains("ERR-") && html.contains("Follow this report"));
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn the_form_needs_a_known_article() {
    let app = TestApp::new().await;
    let before = app.counts();
    let (status, html, _) = open_form(&app, "").await;
    assert_eq!(status, Status::BadRequest);
    assert!(html.contains("/report?url="), "{html}");
    let (status, html, _) = open_form(
        &app,
        &form_body(&[("url", "https://elsewhere.example/story")]),
    )
    .await;
    assert_eq!(status, Status::NotFound);
    assert!(html.contains("not one of them"), "{html}");
    // A post naming an unknown article (with a valid token) is refused the same way.
    let token = app.editor();
    app.article(&token).await;
    let before_post = app.counts();
    let (_, _, csrf) = open_form(&app, &form_body(&[("url", ARTICLE_URL)])).await;
    let (status, _) = post_form(
        &app,
        &[
            ("csrf_token", &csrf),
            ("article_url", "https://elsewhere.example/story"),
            ("passage", "roughly"),
            ("category", "typo"),
            ("description", "This is not what the article says."),
        ],
    )
    .await;
    assert_eq!(status, Status::NotFound);
    assert_eq!(app.counts(), before_post);
    assert_ne!(before, before_post, "the editor and article were added");
}

/// The form counts against the same hourly limit as the API, per sender, and says so; nothing is
/// written past the limit.
#[rocket::async_test]
async fn the_form_shares_the_apis_rate_limit() {
    let app = TestApp::builder()
        .set("report_rate_limit", serde_json::json!(1))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    let (_, _, csrf) = open_form(&app, &form_body(&[("url", ARTICLE_URL)])).await;
    let send = |description: &'static str| {
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("article_url", ARTICLE_URL),
            ("passage", "roughly 14,000 vehicles a day"),
            ("category", "factual_error"),
            ("description", description),
        ];
        let body = form_body(&fields);
        async {
            let r = app
                .client
                .post("/report")
                .header(ContentType::Form)
                .remote("203.0.113.7:5000".parse().unwrap())
                .body(body)
                .dispatch()
                .await;
            let retry = r.headers().get_one("Retry-After").map(str::to_owned);
            (r.status(), retry, r.into_string().await.unwrap_or_default())
        }
    };
    let (first, _, html) = send("The 2022 study counted 12,000 vehicles.").await;
    assert_eq!(first, Status::Created, "{html}");
    let before = app.counts();
    let (second, retry, html) = send("And the 2023 study counted 11,000.").await;
    assert_eq!(second, Status::TooManyRequests, "{html}");
    let seconds: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((3540..=3600).contains(&seconds), "{seconds}");
    assert!(
        html.contains("Please try again in about 60 minutes"),
        "{html}"
    );
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("And the 2023 study counted 11,000."),
        "the reader's text is kept: {html}"
    );
    assert_eq!(app.counts(), before);
}

/// Files a report through the API from `remote`, as a reader's browser would.
async fn file_api(
    app: &TestApp,
    remote: &str,
    exact: &str,
    description: &str,
) -> (Status, Option<String>, serde_json::Value) {
    file_api_on(app, remote, ARTICLE_URL, exact, description).await
}

async fn file_api_on(
    app: &TestApp,
    remote: &str,
    url: &str,
    exact: &str,
    description: &str,
) -> (Status, Option<String>, serde_json::Value) {
    let body = json!({
        "article_url": url,
        "passage": { "exact": exact },
        "category": "factual_error",
        "description": description,
    });
    let r = app
        .client
        .post("/api/v1/reports")
        .header(ContentType::JSON)
        .remote(remote.parse().unwrap())
        .body(body.to_string())
        .dispatch()
        .await;
    let status = r.status();
    let retry = r.headers().get_one("Retry-After").map(str::to_owned);
    let text = r.into_string().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, retry, json)
}

fn counters(app: &TestApp) -> i64 {
    app.count("SELECT CAST(COALESCE(SUM(filings), 0) AS BIGINT) AS n FROM report_counters")
}

/// Past the hourly limit the API answers 429 with `Retry-After` and writes nothing; the count is
/// in the database, so a restarted server still refuses; another publication has its own count.
#[rocket::async_test]
async fn the_rate_limit_answers_429_with_retry_after_and_survives_a_restart() {
    let dir = tempfile::TempDir::new().unwrap();
    let sender = "198.51.100.20:4000";
    {
        let app = TestApp::builder()
            .in_dir(dir.path())
            .set("report_rate_limit", json!(2))
            .start()
            .await;
        let token = app.editor();
        app.article(&token).await;
        for n in 1..=2 {
            let (status, _, body) = file_api(
                &app,
                sender,
                "roughly 14,000 vehicles a day",
                &format!("Report number {n}: the count is off."),
            )
            .await;
            assert_eq!(status, Status::Created, "{body}");
        }
        assert_eq!(counters(&app), 2);
        let before = app.counts();
        let (status, retry, body) = file_api(
            &app,
            sender,
            "roughly 14,000 vehicles a day",
            "Report number 3: the count is off.",
        )
        .await;
        assert_eq!(status, Status::TooManyRequests, "{body}");
        assert_eq!(body["error"]["code"], "rate_limited");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("please try again in about 60 minutes"),
            "{body}"
        );
        let seconds: u64 = retry.expect("Retry-After").parse().expect("seconds");
        assert!((3540..=3600).contains(&seconds), "{seconds}");
        assert_eq!(
            body["error"]["retry_after"], seconds,
            "the embed reads it here"
        );
        assert_eq!(app.counts(), before);
        assert_eq!(counters(&app), 2, "a refusal is not counted");
        // Refused before the passage is searched for: a passage the article does not hold gets
        // the 429, not the search's 422.
        let (status, _, body) = file_api(
            &app,
            sender,
            "words that are nowhere in the article at all",
            "Report number 3b: the count is off.",
        )
        .await;
        assert_eq!(status, Status::TooManyRequests, "{body}");
        assert_eq!(app.counts(), before);
    }
    let app = TestApp::builder()
        .in_dir(dir.path())
        .set("report_rate_limit", json!(2))
        .start()
        .await;
    let before = app.counts();
    let (status, retry, body) = file_api(
        &app,
        sender,
        "roughly 14,000 vehicles a day",
        "Report number 4: the count is off.",
    )
    .await;
    assert_eq!(status, Status::TooManyRequests, "after a restart: {body}");
    assert!(retry.is_some());
    assert_eq!(app.counts(), before);

    // The limit is per publication: the same sender may still report on another paper.
    errata::articles::create_publication(
        &mut app.conn(),
        "Other Paper",
        "https://other.example/",
        &[],
    )
    .unwrap();
    let token = app.editor();
    app.article_with(&token, "https://other.example/story", crate::support::R1)
        .await;
    let (status, _, body) = file_api_on(
        &app,
        sender,
        "https://other.example/story",
        "roughly 14,000 vehicles a day",
        "The count is off here too.",
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    // And an hour later the first publication takes reports again: its buckets slid out.
    app.conn();
    {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!(
            "UPDATE report_counters SET minute = {} WHERE publication_id = 1",
            crate::support::database::shifted(Some("minute"), -61)
        ))
        .execute(&mut app.conn())
        .unwrap();
    }
    let (status, _, body) = file_api(
        &app,
        sender,
        "roughly 14,000 vehicles a day",
        "Report number 5: the count is off.",
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM report_counters WHERE minute < {}",
            crate::support::database::shifted(None, -60)
        )),
        0,
        "old buckets are pruned"
    );
}

/// Many filings from one sender at once: the check and the count share the write lock, so no
/// more than the limit get through.
#[rocket::async_test]
async fn concurrent_filings_cannot_burst_past_the_limit() {
    let app = TestApp::builder()
        .set("report_rate_limit", json!(3))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app = app.clone();
        tasks.push(rocket::tokio::spawn(async move {
            file_api(
                &app,
                "198.51.100.30:4000",
                "roughly 14,000 vehicles a day",
                &format!("Concurrent report {n}: the count is off."),
            )
            .await
            .0
        }));
    }
    let mut created = 0;
    let mut limited = 0;
    for task in tasks {
        match task.await.unwrap() {
            Status::Created => created += 1,
            Status::TooManyRequests => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, limited), (3, 9));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM reports"), 3);
    assert_eq!(counters(&app), 3);
}

/// The same sender sending the same passage and description again within ten minutes gets the
/// first report back (200, same reference and link), and no second row; it does not count
/// against the limit. Another description, another sender or a later time is a new report.
#[rocket::async_test]
async fn a_repeated_report_gives_the_first_one_back() {
    let app = TestApp::builder()
        .set("report_rate_limit", json!(2))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    let exact = "roughly 14,000 vehicles a day";
    let words = "The 2022 study counted 12,000 vehicles.";
    let (status, _, first) = file_api(&app, "198.51.100.40:4000", exact, words).await;
    assert_eq!(status, Status::Created, "{first}");
    let before = app.counts();
    let (status, _, again) = file_api(&app, "198.51.100.40:4001", exact, words).await;
    assert_eq!(status, Status::Ok, "{again}");
    assert_eq!(again["reference"], first["reference"]);
    assert_eq!(again["status_url"], first["status_url"]);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.counts(), before, "no second row, event or email");
    assert_eq!(counters(&app), 1);

    // Through the form, the same rule: the first report's reference and link.
    let (_, _, csrf) = open_form(&app, &form_body(&[("url", ARTICLE_URL)])).await;
    let r = app
        .client
        .post("/report")
        .header(ContentType::Form)
        .remote("198.51.100.40:4002".parse().unwrap())
        .body(form_body(&[
            ("csrf_token", &csrf),
            ("article_url", ARTICLE_URL),
            ("passage", exact),
            ("category", "factual_error"),
            ("description", words),
        ]))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    let html = r.into_string().await.unwrap();
    assert!(
        html.contains(first["reference"].as_str().unwrap()),
        "{html}"
    );
    assert!(html.contains(&crate::support::local_path(&first["status_url"])));
    assert_eq!(app.counts(), before);

    // Not a repeat: another sender, or other words.
    let (status, _, other) = file_api(&app, "198.51.100.41:4000", exact, words).await;
    assert_eq!(status, Status::Created, "{other}");
    assert_ne!(other["reference"], first["reference"]);
    let (status, _, other) = file_api(
        &app,
        "198.51.100.40:4000",
        exact,
        "Also, the study is from 2022, not 2021.",
    )
    .await;
    assert_eq!(status, Status::Created, "{other}");

    // Ten minutes on, the same words are a new report (the limit of 2 is now reached, so make
    // room for it by ageing the counters too).
    {
        use diesel::RunQueryDsl;
        let mut conn = app.conn();
        diesel::sql_query(format!(
            "UPDATE reports SET created_at = {}",
            crate::support::database::shifted(Some("created_at"), -11)
        ))
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(format!(
            "UPDATE report_counters SET minute = {}",
            crate::support::database::shifted(Some("minute"), -61)
        ))
        .execute(&mut conn)
        .unwrap();
    }
    let (status, _, later) = file_api(&app, "198.51.100.40:4000", exact, words).await;
    assert_eq!(status, Status::Created, "{later}");
    assert_ne!(later["reference"], first["reference"]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM reports"), 4);
}

/// The form and the status page in Spanish, by `?lang=` or by `Accept-Language`; the form keeps
/// its language when sent, for its errors and its answer, and for the rate limit's words.
#[rocket::async_test]
async fn the_form_and_the_status_page_speak_spanish_when_asked() {
    let app = TestApp::builder()
        .set("report_rate_limit", json!(1))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;

    let by_header = app
        .client
        .get(format!("/report?{}", form_body(&[("url", ARTICLE_URL)])))
        .header(rocket::http::Header::new(
            "Accept-Language",
            "de-DE, es;q=0.9, en;q=0.5",
        ))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    let (status, by_query, csrf) =
        open_form(&app, &form_body(&[("url", ARTICLE_URL), ("lang", "es")])).await;
    assert_eq!(status, Status::Ok);
    for html in [&by_header, &by_query] {
        assert!(html.contains("<html lang=\"es\">"), "{html}");
        for words in [
            "Avisar de un error",
            "Pasaje",
            "¿Qué está mal?",
            "Enlaces a pruebas",
            "Escríbanme sobre este aviso",
            "Error factual",
            "Enviar aviso",
        ] {
            assert!(html.contains(words), "{words}: {html}");
        }
        assert!(!html.contains("Send report") && !html.contains("What is wrong?"));
        assert!(html.contains("name=\"lang\" value=\"es\""));
    }
    // English stays the default, and is chosen by ?lang= over the header.
    let english = app
        .client
        .get(format!(
            "/report?{}",
            form_body(&[("url", ARTICLE_URL), ("lang", "en")])
        ))
        .header(rocket::http::Header::new("Accept-Language", "es"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">") && english.contains("Send report"));

    // Sent with errors: Spanish messages by the fields.
    let before = app.counts();
    let (status, html) = post_form(
        &app,
        &[
            ("csrf_token", &csrf),
            ("lang", "es"),
            ("article_url", ARTICLE_URL),
            ("passage", "roughly 14,000 vehicles a day"),
            ("category", ""),
            ("description", "corto"),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("El aviso no se ha enviado."), "{html}");
    assert!(html.contains("Elija una categoría."), "{html}");
    assert!(
        html.contains("Explique qué está mal, con entre 10 y 5000 caracteres."),
        "{html}"
    );
    assert_eq!(app.counts(), before);

    // Filed, then over the limit: both answers in Spanish.
    let send = |description: &'static str| {
        let body = form_body(&[
            ("csrf_token", &csrf),
            ("lang", "es"),
            ("article_url", ARTICLE_URL),
            ("passage", "roughly 14,000 vehicles a day"),
            ("category", "factual_error"),
            ("description", description),
        ]);
        async {
            let r = app
                .client
                .post("/report")
                .header(ContentType::Form)
                .remote("198.51.100.50:4000".parse().unwrap())
                .body(body)
                .dispatch()
                .await;
            (r.status(), r.into_string().await.unwrap_or_default())
        }
    };
    let (status, sent) = send("El estudio de 2022 dice 12.000 vehículos.").await;
    assert_eq!(status, Status::Created, "{sent}");
    assert!(sent.contains("Gracias: hemos recibido su aviso"), "{sent}");
    assert!(sent.contains("Seguir este aviso"));
    let (status, limited) = send("Y el estudio de 2023 dice 11.000.").await;
    assert_eq!(status, Status::TooManyRequests);
    assert!(
        limited.contains("Vuelva a intentarlo dentro de unos 60 minutos."),
        "{limited}"
    );

    // The status page, by ?lang= and by Accept-Language.
    let path = sent
        .split("href=\"/status/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|token| format!("/status/{token}"))
        .expect("the status link");
    let spanish = app
        .client
        .get(format!("{path}?lang=es"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    let by_header = app
        .client
        .get(path.clone())
        .header(rocket::http::Header::new("Accept-Language", "es-MX"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    for html in [&spanish, &by_header] {
        assert!(html.contains("<html lang=\"es\">"), "{html}");
        for words in [
            "Estado del aviso",
            "Progreso",
            "Recibido",
            "En revisión",
            "Resuelto",
            "(todavía no)",
            "No comparta este enlace",
            "Correcciones gestionadas con Errata.",
        ] {
            assert!(html.contains(words), "{words}: {html}");
        }
        assert!(
            html.contains(" UTC</time>") && html.contains(" de 20"),
            "{html}"
        );
        assert!(!html.contains("Received") && !html.contains("Under review"));
    }
    let unknown = app
        .client
        .get("/status/no-such-token?lang=es")
        .dispatch()
        .await;
    assert_eq!(unknown.status(), Status::NotFound);
    assert!(unknown
        .into_string()
        .await
        .unwrap()
        .contains("no corresponde a ningún aviso"));
}

/// The embed carries both languages' words, taken from the catalogues when it is served.
#[rocket::async_test]
async fn the_embed_carries_both_languages() {
    let app = TestApp::new().await;
    let js = app
        .client
        .get("/embed.js")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(!js.contains("/*ERRATA_MESSAGES*/{}"), "the slot was filled");
    let messages = js
        .split("var MESSAGES = ")
        .nth(1)
        .and_then(|rest| rest.split(";\n").next())
        .expect("the messages");
    let messages: serde_json::Value = serde_json::from_str(messages).expect("JSON");
    assert_eq!(messages["en"]["report-title"], "Report an inaccuracy");
    assert_eq!(messages["es"]["report-title"], "Avisar de un error");
    assert_eq!(messages["es"]["kind-editors_note"], "Nota del editor");
    let en = messages["en"].as_object().unwrap();
    let es = messages["es"].as_object().unwrap();
    assert!(en.len() > 30);
    assert!(en.keys().all(|k| es.contains_key(k)) && en.len() == es.len());
}

/// A page on an origin no publication lists cannot file: 403 before anything is written, and it
/// costs the sender nothing of their hourly allowance.
#[rocket::async_test]
async fn a_wrong_origin_is_refused_and_writes_nothing() {
    let app = TestApp::builder()
        .set("report_rate_limit", json!(1))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    let before = app.counts();
    let body = json!({
        "article_url": ARTICLE_URL,
        "passage": { "exact": "roughly 14,000 vehicles a day" },
        "category": "factual_error",
        "description": "The 2022 study counted 12,000 vehicles.",
    });
    let r = app
        .client
        .post("/api/v1/reports")
        .header(ContentType::JSON)
        .header(rocket::http::Header::new("Origin", "https://evil.example"))
        .remote("198.51.100.60:4000".parse().unwrap())
        .body(body.to_string())
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    assert_eq!(r.headers().get_one("Access-Control-Allow-Origin"), None);
    let answer: serde_json::Value = serde_json::from_str(&r.into_string().await.unwrap()).unwrap();
    assert_eq!(answer["error"]["code"], "origin_not_allowed", "{answer}");
    assert_eq!(app.counts(), before);
    assert_eq!(counters(&app), 0);
    // The same sender from the publication's own origin still has its one report this hour.
    let r = app
        .client
        .post("/api/v1/reports")
        .header(ContentType::JSON)
        .header(rocket::http::Header::new(
            "Origin",
            "https://news.example.com",
        ))
        .remote("198.51.100.60:4000".parse().unwrap())
        .body(body.to_string())
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Created);
}
