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
            // Emptied with wrong and right cleared too: the note would say nothing.
            json!({ "body_markdown": " ", "wrong": null, "right": null, "reason": "r" }),
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
async fn bad_retractions_are_refused_with_nothing_written() {
    let app = TestApp::new().await;
    let (token, _, id) = published(&app).await;
    let retract = format!("/api/v1/corrections/{id}/retract");
    let (_, narrow) = app.user(Role::Editor, &[Scope::ReportsWrite]);
    let before = app.counts();
    assert_error(
        &app.post(&retract, None, json!({ "reason": "r" })).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_error(
        &app.post(&retract, Some(&narrow), json!({ "reason": "r" }))
            .await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    assert_error(
        &app.post(&retract, Some(&token), json!({ "reason": " \u{200b} " }))
            .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("reason"),
    );
    assert_error(
        &app.post(
            "/api/v1/corrections/777/retract",
            Some(&token),
            json!({ "reason": "r" }),
        )
        .await,
        Status::NotFound,
        "note_not_found",
        None,
    );
    let unknown = app
        .post(&retract, Some(&token), json!({ "reason": "r", "why": "x" }))
        .await;
    assert!(
        unknown.0.code >= 400 && unknown.0.code < 500,
        "{}",
        unknown.1
    );
    let (_, note) = app.get(&format!("/api/v1/corrections/{id}"), None).await;
    assert_eq!(note["status"], "live");
    assert_eq!(app.counts(), before);
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

// ---- public pages ------------------------------------------------------------------------------

/// A page's status, headers of interest and body.
async fn page(app: &TestApp, path: &str) -> (Status, Option<String>, Option<String>, String) {
    let r = app.client.get(path.to_owned()).dispatch().await;
    let status = r.status();
    let etag = r.headers().get_one("ETag").map(str::to_owned);
    let cache = r.headers().get_one("Cache-Control").map(str::to_owned);
    (
        status,
        etag,
        cache,
        r.into_string().await.unwrap_or_default(),
    )
}

#[rocket::async_test]
async fn the_permalink_shows_the_article_the_passage_in_context_and_the_history() {
    let app = TestApp::new().await;
    let (token, article, id) = published(&app).await;
    let path = format!("/corrections/{id}");
    let (status, etag, cache, first) = page(&app, &path).await;
    assert_eq!(status, Status::Ok);
    assert!(cache.is_some_and(|c| c.contains("max-age")));
    let permalink = format!("http://errata.test/corrections/{id}");
    for want in [
        format!("<link rel=\"canonical\" href=\"{permalink}\">"),
        format!("<meta property=\"og:url\" content=\"{permalink}\">"),
        "<meta property=\"og:type\" content=\"article\">".to_owned(),
        "<meta property=\"og:title\" content=\"Correction: Council approves bridge bond\">"
            .to_owned(),
        "property=\"og:description\" content=\"An earlier version of this article misstated"
            .to_owned(),
        format!("href=\"{ARTICLE_URL}\""),
        format!("href=\"/articles/{article}/corrections\""),
        // The passage with its context on each side.
        "The bridge carries <mark>roughly 14,000 vehicles a day</mark>, according to".to_owned(),
    ] {
        assert!(first.contains(&want), "{want} in {first}");
    }
    assert!(!first.contains("Earlier versions"), "{first}");

    // The same page again: 304 on its ETag.
    let again = app
        .client
        .get(path.clone())
        .header(rocket::http::Header::new(
            "If-None-Match",
            etag.clone().unwrap_or_default(),
        ))
        .dispatch()
        .await;
    assert_eq!(again.status(), Status::NotModified);

    app.put(
        &format!("/api/v1/corrections/{id}"),
        Some(&token),
        json!({ "right": "roughly 11,500 vehicles a day", "reason": "A newer count." }),
    )
    .await;
    app.post(
        &format!("/api/v1/corrections/{id}/retract"),
        Some(&token),
        json!({ "reason": "The count was disputed." }),
    )
    .await;
    let (_, etag_after, _, html) = page(&app, &path).await;
    assert_ne!(etag, etag_after, "a change changes the page's ETag");
    for want in [
        "This note was retracted",
        "Reason: The count was disputed.",
        "amended on <time",
        "(A newer count.)",
        "Earlier versions of this note",
        "It is roughly 12,000 vehicles a day.",
        "It is roughly 11,500 vehicles a day.",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
}

#[rocket::async_test]
async fn the_article_page_lists_notes_and_versions_and_each_version_is_a_word_diff() {
    let app = TestApp::new().await;
    let (token, article, id) = published(&app).await;
    let r1 = crate::support::R1;
    let r2 = r1.replace("roughly 14,000 vehicles", "roughly 12,000 vehicles");
    let r3 = r2.replace("on May 7.", "on May 9 at City Hall.");
    for text in [&r2, &r3] {
        app.article_with(&token, ARTICLE_URL, text).await;
    }
    let (status, _, _, html) = page(&app, &format!("/articles/{article}/corrections")).await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains(&format!("href=\"/corrections/{id}\"")),
        "{html}"
    );
    assert!(
        html.contains("It is roughly 12,000 vehicles a day."),
        "{html}"
    );
    for n in [2, 3] {
        assert!(
            html.contains(&format!("href=\"/articles/{article}/revisions/{n}\"")),
            "{html}"
        );
    }
    // The diff itself, after the page's legend.
    let diff = |html: String| {
        html.split("class=\"diff\">")
            .nth(1)
            .unwrap_or("")
            .to_owned()
    };
    let (status, _, _, two) = page(&app, &format!("/articles/{article}/revisions/2")).await;
    let two = diff(two);
    assert_eq!(status, Status::Ok);
    // Punctuation is a token of its own: only the digits before the comma changed.
    // The deleted words were the note's passage: they link to it.
    assert!(
        two.contains(&format!(
            "roughly <a class=\"corrected\" href=\"/corrections/{id}\" title=\"Corrected by a note\"><del>14</del></a><ins>12</ins>,000 vehicles"
        )),
        "{two}"
    );
    assert_eq!(two.matches("<ins>").count(), 1, "{two}");
    assert_eq!(two.matches("<del>").count(), 1, "{two}");
    let (_, _, _, three) = page(&app, &format!("/articles/{article}/revisions/3")).await;
    let three = diff(three);
    assert!(
        three.contains("on May <del>7</del><ins>9 at City Hall</ins>."),
        "no note was about the date: {three}"
    );
    assert_eq!(
        three.matches("<ins>").count(),
        1,
        "only what changed from version 2: {three}"
    );
    assert_eq!(three.matches("<del>").count(), 1, "{three}");
    assert!(three.contains("roughly 12,000 vehicles"), "{three}");
    let (status, _, _, _) = page(&app, &format!("/articles/{article}/revisions/4")).await;
    assert_eq!(status, Status::NotFound);
    let (status, _, _, _) = page(&app, "/articles/999/corrections").await;
    assert_eq!(status, Status::NotFound);
}

/// Publishes `kind` on a fresh article at `url`; returns the note id.
async fn note_on(app: &TestApp, token: &str, url: &str, kind: &str) -> i64 {
    let article = app
        .article_with(token, url, "The ferry sails at nine. It has 40 cars.")
        .await;
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(token),
            json!({ "kind": kind, "wrong": "40 cars", "right": "44 cars", "body_markdown": "Counted again." }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    note["id"].as_i64().expect("id")
}

#[rocket::async_test]
async fn the_log_is_newest_first_filters_by_kind_and_month_and_pages_by_cursor() {
    let app = TestApp::new().await;
    let token = app.editor();
    let mut ids = Vec::new();
    for n in 0..27 {
        let kind = if n % 3 == 0 { "update" } else { "correction" };
        ids.push(
            note_on(
                &app,
                &token,
                &format!("https://news.example.com/f/{n}"),
                kind,
            )
            .await,
        );
    }
    let (status, _, _, first) = page(&app, "/corrections").await;
    assert_eq!(status, Status::Ok);
    let positions: Vec<usize> = ids
        .iter()
        .rev()
        .take(3)
        .map(|id| {
            first
                .find(&format!("href=\"/corrections/{id}\""))
                .expect("listed")
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "newest first");
    assert!(
        !first.contains(&format!("href=\"/corrections/{}\"", ids[0])),
        "25 a page"
    );
    let next = format!("/corrections?cursor={}", ids[2]);
    assert!(first.contains(&format!("href=\"{next}\"")), "{first}");
    let (_, _, _, second) = page(&app, &next).await;
    for id in &ids[..2] {
        assert!(
            second.contains(&format!("href=\"/corrections/{id}\"")),
            "{second}"
        );
    }
    assert!(!second.contains("rel=\"next\""));

    let (_, _, _, updates) = page(&app, "/corrections?kind=update").await;
    assert_eq!(updates.matches("<li class=\"entry").count(), 9, "{updates}");
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    let (_, _, _, month) = page(&app, &format!("/corrections?month={this_month}")).await;
    assert_eq!(month.matches("<li class=\"entry").count(), 25);
    let (_, _, _, none) = page(&app, "/corrections?month=2001-01").await;
    assert!(none.contains("No notes match."));
    for bad in [
        "/corrections?kind=erratum",
        "/corrections?month=2026-13",
        "/corrections?cursor=x",
        "/corrections?cursor=99999",
    ] {
        let (status, _, _, html) = page(&app, bad).await;
        assert_eq!(status, Status::UnprocessableEntity, "{bad}: {html}");
    }
}

#[rocket::async_test]
async fn each_publication_has_its_own_log_under_its_slug() {
    let app = TestApp::new().await;
    let token = app.editor();
    {
        let mut conn = app.conn();
        let p = errata::articles::create_publication_with_slug(
            &mut conn,
            "The Ferry Gazette",
            Some("gazette"),
            "https://gazette.example.org/",
            &[],
        )
        .expect("publication");
        assert_eq!(p.slug.as_deref(), Some("gazette"));
        let clash = errata::articles::create_publication_with_slug(
            &mut conn,
            "Another",
            Some("gazette"),
            "https://another.example.org/",
            &[],
        );
        assert!(clash.is_err_and(|e| e.field.as_deref() == Some("slug")));
        let defaulted = errata::articles::create_publication(
            &mut conn,
            "The Ferry Gazette",
            "https://gazette2.example.org/",
            &[],
        )
        .expect("publication");
        assert_eq!(defaulted.slug.as_deref(), Some("the-ferry-gazette"));
    }
    let ours = note_on(&app, &token, "https://gazette.example.org/a", "correction").await;
    let theirs = note_on(&app, &token, "https://news.example.com/b", "correction").await;
    let (status, _, _, html) = page(&app, "/p/gazette/corrections").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(&format!("href=\"/corrections/{ours}\"")));
    assert!(!html.contains(&format!("href=\"/corrections/{theirs}\"")));
    assert!(html.contains("Corrections log of The Ferry Gazette"));
    let (status, _, _, _) = page(&app, "/p/nobody/corrections").await;
    assert_eq!(status, Status::NotFound);
}

// ---- feeds ------------------------------------------------------------------------------------

/// Runs a Python check on `input` (a file's text): the script gets the file's path as `argv[1]`
/// and fails by exiting non-zero. Without the module the check is skipped with a message, except
/// on CI (`CI=true`), where that is a failure.
fn python_check(module: &str, script: &str, input: &str) -> Option<String> {
    let have = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        let how = "python3 -m pip install feedparser pyld jsonschema";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("Python module `{module}` is missing on CI: {how}");
        }
        eprintln!("skipping the {module} check: the Python module is missing ({how})");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("input");
    std::fs::write(&file, input).expect("write");
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{module} check failed:\n{stdout}\n{}\ninput:\n{input}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(stdout)
}

const FEEDPARSER: &str = r#"
import sys, json, feedparser
d = feedparser.parse(open(sys.argv[1], 'rb').read())
if d.bozo:
    print("bozo:", d.bozo_exception); sys.exit(1)
if d.version != 'atom10':
    print("not Atom 1.0:", d.version); sys.exit(1)
print(json.dumps([{"id": e.id, "title": e.title, "updated": e.updated, "link": e.link,
                   "term": e.tags[0].term, "content": e.content[0].value} for e in d.entries]))
"#;

#[rocket::async_test]
async fn the_atom_feed_is_valid_and_tells_the_history() {
    let app = TestApp::new().await;
    let (token, _, id) = published(&app).await;
    let (status, _, _, empty_ok) = page(&app, "/p/nobody/corrections.atom").await;
    assert_eq!(status, Status::NotFound, "{empty_ok}");
    app.put(
        &format!("/api/v1/corrections/{id}"),
        Some(&token),
        json!({ "right": "roughly 11,500 vehicles a day", "reason": "A newer <count> & more." }),
    )
    .await;
    app.post(
        &format!("/api/v1/corrections/{id}/retract"),
        Some(&token),
        json!({ "reason": "The count was disputed." }),
    )
    .await;
    let r = app.client.get("/corrections.atom").dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(
        r.content_type().map(|c| c.to_string()).as_deref(),
        Some("application/atom+xml; charset=utf-8")
    );
    assert!(r.headers().get_one("ETag").is_some());
    let xml = r.into_string().await.unwrap_or_default();
    assert_eq!(
        xml.matches("<entry>").count(),
        3,
        "published, amended, retracted: {xml}"
    );
    let Some(out) = python_check("feedparser", FEEDPARSER, &xml) else {
        return;
    };
    let entries: Value = serde_json::from_str(out.trim()).expect("json");
    let permalink = format!("http://errata.test/corrections/{id}");
    assert_eq!(entries.as_array().map(Vec::len), Some(3), "{entries}");
    let ids: Vec<&str> = entries
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_str())
        .collect();
    for want in [
        permalink.clone(),
        format!("{permalink}#version-2"),
        format!("{permalink}#retracted"),
    ] {
        assert!(ids.contains(&want.as_str()), "{want} in {ids:?}");
    }
    for e in entries.as_array().into_iter().flatten() {
        assert_eq!(e["term"], "correction");
        assert_eq!(e["link"], permalink.as_str());
    }
    let all = entries.to_string();
    // The reason is text inside the entry's HTML: escaped once, read back as the words sent.
    assert!(all.contains("A newer &#60;count&#62; &#38; more."), "{all}");
    assert!(all.contains("The count was disputed."));

    // The publication's own feed parses too.
    let slug: String = {
        use diesel::prelude::*;
        errata::db::schema::publications::table
            .select(errata::db::schema::publications::slug)
            .first::<Option<String>>(&mut app.conn())
            .ok()
            .flatten()
            .expect("slug")
    };
    let (status, _, _, own) = page(&app, &format!("/p/{slug}/corrections.atom")).await;
    assert_eq!(status, Status::Ok);
    python_check("feedparser", FEEDPARSER, &own);
}

#[rocket::async_test]
async fn the_json_feed_follows_json_feed_1_1() {
    let app = TestApp::new().await;
    let (_, _, id) = published(&app).await;
    let r = app.client.get("/corrections.json").dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(
        r.content_type().map(|c| c.to_string()).as_deref(),
        Some("application/feed+json; charset=utf-8")
    );
    let feed: Value =
        serde_json::from_str(&r.into_string().await.unwrap_or_default()).expect("json");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert!(feed["title"].is_string());
    let items = feed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["id"],
        format!("http://errata.test/corrections/{id}")
    );
    assert_eq!(items[0]["external_url"], ARTICLE_URL);
    assert!(items[0]["content_html"]
        .as_str()
        .is_some_and(|h| h.contains("It is roughly 12,000")));
    assert!(items[0]["date_published"]
        .as_str()
        .is_some_and(|d| d.ends_with('Z')));
}

// ---- schema.org --------------------------------------------------------------------------------

/// Expands the JSON-LD with pyld and prints each `CorrectionComment` node's text and date. The
/// tests have no network: the loader answers for `https://schema.org` with the one thing the
/// real context does for these terms, mapping them into the `http://schema.org/` vocabulary;
/// any other remote document is refused.
const PYLD: &str = r#"
import sys, json
from pyld import jsonld
def loader(url, options=None):
    if url.rstrip('/') in ('https://schema.org', 'http://schema.org'):
        return {'contentType': 'application/ld+json', 'contextUrl': None, 'documentUrl': url,
                'document': {'@context': {'@vocab': 'http://schema.org/'}}}
    raise Exception('no network in tests: ' + url)
jsonld.set_document_loader(loader)
doc = json.load(open(sys.argv[1]))
expanded = jsonld.expand(doc)
S = 'http://schema.org/'
out = []
def walk(node):
    if isinstance(node, list):
        for n in node: walk(n)
    elif isinstance(node, dict):
        if S + 'CorrectionComment' in node.get('@type', []):
            out.append({'text': node[S + 'text'][0]['@value'],
                        'date': node[S + 'datePublished'][0]['@value']})
        for v in node.values(): walk(v)
walk(expanded)
if not any(S + 'NewsArticle' in n.get('@type', []) for n in expanded):
    print('no NewsArticle'); sys.exit(1)
print(json.dumps(out))
"#;

#[rocket::async_test]
async fn the_json_ld_lists_live_notes_as_correction_comments() {
    let app = TestApp::new().await;
    let (token, article, id) = published(&app).await;
    let second = {
        let (status, n) = app
            .post(
                &format!("/api/v1/articles/{article}/corrections"),
                Some(&token),
                json!({ "kind": "clarification", "body_markdown": "The study was paid for by the city </script>." }),
            )
            .await;
        assert_eq!(status, Status::Created, "{n}");
        n["id"].as_i64().expect("id")
    };
    app.post(
        &format!("/api/v1/corrections/{second}/retract"),
        Some(&token),
        json!({ "reason": "Not so." }),
    )
    .await;
    let r = app
        .client
        .get(format!("/api/v1/articles/{article}/jsonld"))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(
        r.headers().get_one("Access-Control-Allow-Origin"),
        Some("*")
    );
    assert!(r.headers().get_one("ETag").is_some());
    let text = r.into_string().await.unwrap_or_default();
    let doc: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(doc["@type"], "NewsArticle");
    assert_eq!(doc["url"], ARTICLE_URL);
    assert_eq!(doc["headline"], "Council approves bridge bond");
    let corrections = doc["correction"].as_array().expect("correction");
    assert_eq!(
        corrections.len(),
        1,
        "the retracted note is left out: {doc}"
    );
    let (_, note) = app.get(&format!("/api/v1/corrections/{id}"), None).await;
    assert_eq!(doc["dateModified"], note["published_at"]);
    assert_error(
        &app.get("/api/v1/articles/999/jsonld", None).await,
        Status::NotFound,
        "article_not_found",
        None,
    );

    // The article's public page carries the same document.
    let (_, _, _, html) = page(&app, &format!("/articles/{article}/corrections")).await;
    assert!(
        html.contains(&format!(
            "<script type=\"application/ld+json\">{text}</script>"
        )),
        "{html}"
    );

    let Some(out) = python_check("pyld", PYLD, &text) else {
        return;
    };
    let nodes: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(nodes.as_array().map(Vec::len), Some(1), "{nodes}");
    assert!(nodes[0]["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("An earlier version of this article misstated")));
    assert_eq!(nodes[0]["date"], note["published_at"]);
}

#[test]
fn the_cli_sets_a_slug_or_makes_one_from_the_name_and_lists_it() {
    use crate::cli::{errata, stderr, stdout};
    let dir = tempfile::TempDir::new().expect("dir");
    let add = |args: &[&str]| {
        let mut all = vec!["publication", "add"];
        all.extend_from_slice(args);
        errata(&dir, &all, None)
    };
    let chosen = add(&[
        "--name",
        "The Ledger",
        "--url",
        "https://ledger.example/",
        "--slug",
        "ledger",
    ]);
    assert!(chosen.status.success(), "{}", stderr(&chosen));
    let made = add(&[
        "--name",
        "Diario de León",
        "--url",
        "https://diario.example/",
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(
        stdout(&made).contains("slug diario-de-leon"),
        "{}",
        stdout(&made)
    );
    let taken = add(&[
        "--name",
        "Other",
        "--url",
        "https://other.example/",
        "--slug",
        "ledger",
    ]);
    assert!(!taken.status.success());
    assert!(stderr(&taken).contains("slug"), "{}", stderr(&taken));
    let bad = add(&[
        "--name",
        "Bad",
        "--url",
        "https://bad.example/",
        "--slug",
        "Not A Slug",
    ]);
    assert!(!bad.status.success());
    let listed = stdout(&errata(&dir, &["publication", "list"], None));
    assert!(listed.contains("slug: ledger"), "{listed}");
    assert!(listed.contains("slug: diario-de-leon"), "{listed}");
    assert!(
        !listed.contains("other.example"),
        "nothing written for a refusal: {listed}"
    );
}

// ---- W3C Web Annotation -----------------------------------------------------------------------

/// Checks every annotation in the file (one, or a collection's first page) against all MUST
/// assertions of the W3C Web Annotation test suite (`annotations/annotationMusts.test`, draft-04
/// JSON Schemas whose `$ref`s name the suite's `definitions/`). argv[2] is the suite's folder.
const W3C_MUSTS: &str = r#"
import sys, json, os, jsonschema
doc = json.load(open(sys.argv[1]))
suite = sys.argv[2]
items = doc['first']['items'] if doc.get('type') == 'AnnotationCollection' else [doc]
store = {}
for name in sorted(n for n in os.listdir(os.path.join(suite, 'definitions')) if n.endswith('.json')):
    d = json.load(open(os.path.join(suite, 'definitions', name)))
    store[d.get('id', name)] = d
musts = json.load(open(os.path.join(suite, 'annotations', 'annotationMusts.test')))['assertions']
failures = []
for path in musts:
    schema = json.load(open(os.path.join(suite, path)))
    resolver = jsonschema.RefResolver(base_uri=schema.get('id', ''), referrer=schema, store=store)
    validator = jsonschema.Draft4Validator(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
    for a in items:
        errors = list(validator.iter_errors(a))
        if errors:
            failures.append((path, a.get('id'), errors[0].message[:300]))
for f in failures: print(f)
print(json.dumps({'assertions': len(musts), 'annotations': len(items)}))
sys.exit(1 if failures else 0)
"#;

fn w3c_suite() -> String {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/w3c-web-annotation-tests");
    dir.to_str().expect("utf-8 path").to_owned()
}

/// `python_check` with the suite's folder as the second argument.
fn w3c_check(json_text: &str) -> Option<Value> {
    let script = format!(
        "import sys\nsys.argv.append({:?})\n{W3C_MUSTS}",
        w3c_suite()
    );
    python_check("jsonschema", &script, json_text)
        .map(|out| serde_json::from_str(out.trim().lines().last().unwrap_or("{}")).expect("json"))
}

#[rocket::async_test]
async fn reports_and_notes_export_as_web_annotations_that_pass_the_w3c_musts() {
    let app = TestApp::new().await;
    let (token, article, id) = published(&app).await;
    app.report("a 2022 traffic study", Some("ada@example.org"))
        .await;
    // A note without a passage targets the article alone.
    app.post(
        &format!("/api/v1/articles/{article}/corrections"),
        Some(&token),
        json!({ "kind": "editors_note", "body_markdown": "This article was updated." }),
    )
    .await;
    let (_, reviewer) = app.user(Role::Reviewer, &[Scope::ReportsRead]);
    let path = format!("/api/v1/annotations?article_id={article}");
    assert_error(
        &app.get(&path, None).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_error(
        &app.get("/api/v1/annotations", Some(&reviewer)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("article_id"),
    );
    let r = app
        .client
        .get(path.clone())
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {reviewer}"),
        ))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(
        r.headers().get_one("Content-Type"),
        Some("application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\"")
    );
    let text = r.into_string().await.unwrap_or_default();
    let doc: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(doc["type"], "AnnotationCollection");
    let items = doc["first"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "{doc}");
    let motivations: Vec<&str> = items
        .iter()
        .filter_map(|a| a["motivation"].as_str())
        .collect();
    assert_eq!(motivations, vec!["questioning", "editing", "editing"]);
    let report = &items[0];
    assert_eq!(report["body"]["type"], "TextualBody");
    assert_eq!(report["target"]["source"], ARTICLE_URL);
    assert_eq!(report["target"]["state"]["type"], "TimeState");
    assert_eq!(report["target"]["selector"][0]["type"], "TextQuoteSelector");
    assert_eq!(
        report["target"]["selector"][0]["exact"],
        "a 2022 traffic study"
    );
    assert_eq!(
        report["target"]["selector"][1]["type"],
        "TextPositionSelector"
    );
    assert_eq!(
        items[1]["id"],
        format!("http://errata.test/corrections/{id}")
    );

    if let Some(summary) = w3c_check(&text) {
        assert_eq!(summary["annotations"], 3);
        assert!(
            summary["assertions"].as_i64().is_some_and(|n| n >= 50),
            "{summary}"
        );
    }

    // One note, without a token.
    let (status, one) = app
        .get(&format!("/api/v1/corrections/{id}/annotation"), None)
        .await;
    assert_eq!(status, Status::Ok, "{one}");
    assert_eq!(one["motivation"], "editing");
    w3c_check(&one.to_string());
    // The check can fail: an annotation without its target is refused by the suite.
    let mut broken = one.clone();
    broken.as_object_mut().map(|o| o.remove("target"));
    let script = format!(
        "import sys\nsys.argv.append({:?})\n{W3C_MUSTS}",
        w3c_suite()
    );
    let have = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if have {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("broken.json");
        std::fs::write(&file, broken.to_string()).expect("write");
        let out = std::process::Command::new("python3")
            .args(["-c", &script])
            .arg(&file)
            .output()
            .expect("python3");
        assert!(
            !out.status.success(),
            "a target-less annotation must fail the musts"
        );
    }
}
