//! The dashboard in a real headless Chromium, on the binary as a newcomer starts it (demo on): an
//! editor signs in with the password the start-up log printed, opens the first new report with the
//! keyboard, marks a second reader's report on the same words as its duplicate, publishes a
//! correction from the workspace, and both reports are resolved with the note public. Payloads in
//! reports stay text in every view.

use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::support::binary::{free_port, Errata, Server};
use crate::support::browser::Browser;

/// The demo server, with its printed password and API token.
struct Demo {
    _errata: Errata,
    server: Server,
    base: String,
    password: String,
    token: String,
}

fn after<'a>(log: &'a str, label: &str) -> &'a str {
    let i = log
        .find(label)
        .unwrap_or_else(|| panic!("`{label}` is not in the log:\n{log}"));
    log[i + label.len()..]
        .split_whitespace()
        .next()
        .expect("a value")
}

fn demo() -> Demo {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let errata = Errata::new()
        .env("ROCKET_PORT", &port.to_string())
        .env("ROCKET_PUBLIC_URL", &base)
        .env("ROCKET_DEMO", "true")
        .env("ROCKET_LOG_LEVEL", "normal");
    let server = errata.serve();
    let log = server.log();
    let password = after(&log, "with password:").to_owned();
    let token = after(&log, "API token (all scopes):").to_owned();
    assert!(
        log.contains(&format!("Sign in at {base}/signin")),
        "the log says where to sign in:\n{log}"
    );
    Demo {
        _errata: errata,
        server,
        base,
        password,
        token,
    }
}

async fn sign_in(browser: &Browser, d: &Demo) {
    let c = &browser.client;
    c.goto(&format!("{}/dashboard", d.base))
        .await
        .expect("goto");
    // Signed out: the sign-in page, which then brings the editor back to the queue.
    browser
        .wait_for("the sign-in page", "return location.pathname === '/signin'")
        .await;
    browser
        .assert_accessible("the sign-in page", json!("html"))
        .await;
    c.find(Locator::Css("#email"))
        .await
        .expect("Email")
        .send_keys("editor@example.org")
        .await
        .expect("typed");
    c.find(Locator::Css("#password"))
        .await
        .expect("Password")
        .send_keys(&d.password)
        .await
        .expect("typed");
    c.find(Locator::XPath("//button[normalize-space()='Sign in']"))
        .await
        .expect("the Sign in button")
        .click()
        .await
        .expect("clicked");
    browser
        .wait_for(
            "the queue",
            "return location.pathname === '/dashboard' && document.querySelector('.queue')",
        )
        .await;
}

fn report_state(d: &Demo, id: i64) -> (String, Value) {
    let (status, report) = d.server.json(
        "GET",
        &format!("/api/v1/reports/{id}"),
        Some(&d.token),
        None,
    );
    assert_eq!(status, 200, "{report}");
    (
        report["state"].as_str().unwrap_or_default().to_owned(),
        report["resolution"].clone(),
    )
}

#[rocket::async_test]
async fn an_editor_clears_a_report_and_its_duplicate_with_the_keyboard_and_one_form() {
    let d = demo();
    let article = format!("{}/demo/2026/11/pier-9-ferry-terminal-rebuild", d.base);
    // A second reader flags the same words as the first demo report.
    let (status, filed) = d.server.json(
        "POST",
        "/api/v1/reports",
        None,
        Some(json!({
            "article_url": article,
            "passage": { "exact": "9,200 passengers" },
            "category": "factual_error",
            "description": "Ridership was 8,200, per the March report.",
        })),
    );
    assert_eq!(status, 201, "{filed}");
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.client;
    sign_in(&browser, &d).await;
    let tabs = browser
        .js(
            "return [...document.querySelectorAll('.tabs a')].map(a => a.textContent)",
            vec![],
        )
        .await;
    assert_eq!(
        tabs,
        json!([
            "New (3)",
            "Triaged (0)",
            "Investigating (0)",
            "Resolved (0)"
        ])
    );
    // The first row is selected; the two reports on one passage are one row.
    let first = browser
        .wait_for(
            "the first row selected",
            "const r = document.querySelector('.row.selected'); return r && r.dataset.id",
        )
        .await;
    assert_eq!(first, json!("1"));
    assert!(browser
        .js(
            "return document.querySelector('.row.selected .readers').textContent",
            vec![]
        )
        .await
        .as_str()
        .is_some_and(|t| t.contains("2 readers")));
    browser.screenshot("dashboard-queue").await;
    browser.assert_accessible("the queue", json!("html")).await;

    // `o` opens it.
    c.active_element()
        .await
        .expect("focus")
        .send_keys("o")
        .await
        .expect("typed");
    browser
        .wait_for(
            "the workspace",
            "return location.pathname === '/dashboard/reports/1' && document.querySelector('mark#passage')",
        )
        .await;
    let marked = browser
        .js(
            "return document.querySelector('mark#passage').textContent",
            vec![],
        )
        .await;
    assert_eq!(
        marked,
        json!("about 9,200 passengers on an average weekday")
    );
    browser.screenshot("dashboard-workspace").await;
    browser
        .assert_accessible("the workspace", json!("html"))
        .await;

    // The other reader's report is ticked: mark it as a duplicate of this one.
    let ticked = browser
        .js(
            "return [...document.querySelectorAll('.others input[name=ids]')].filter(i => i.checked).map(i => i.value)",
            vec![],
        )
        .await;
    assert_eq!(ticked, json!(["3"]));
    c.find(Locator::XPath(
        "//button[normalize-space()='Mark as duplicates of this']",
    ))
    .await
    .expect("the duplicates button")
    .click()
    .await
    .expect("clicked");
    browser
        .wait_for(
            "the duplicate marked",
            "return document.querySelector('.flash') && document.querySelector('.following')",
        )
        .await;
    assert_eq!(
        report_state(&d, 3),
        ("resolved".to_owned(), json!("duplicate"))
    );

    // Publish the correction from the prefilled form, after a look at the preview.
    let right = c.find(Locator::Css("#right")).await.expect("What is right");
    right.clear().await.expect("cleared");
    right
        .send_keys("about 8,200 passengers on an average weekday")
        .await
        .expect("typed");
    let note = c.find(Locator::Css("#body_markdown")).await.expect("Note");
    note.clear().await.expect("cleared");
    note.send_keys(
        "An earlier version of this article gave weekday ridership as 9,200. It is **8,200**.",
    )
    .await
    .expect("typed");
    c.find(Locator::Css("#preview-button"))
        .await
        .expect("Preview")
        .click()
        .await
        .expect("clicked");
    browser
        .wait_for(
            "the preview",
            "const p = document.getElementById('preview'); return !p.hidden && p.querySelector('strong')",
        )
        .await;
    c.find(Locator::XPath(
        "//button[normalize-space()='Publish correction']",
    ))
    .await
    .expect("the publish button")
    .click()
    .await
    .expect("clicked");
    browser
        .wait_for(
            "the note published",
            "return document.querySelector('.flash') && document.querySelector('a[href^=\"/corrections/\"]')",
        )
        .await;
    browser.screenshot("dashboard-published").await;
    // At a phone's width nothing needs sideways scrolling.
    c.set_window_size(390, 844).await.expect("resized");
    let wide = browser
        .js(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await;
    assert!(wide.as_f64().is_some_and(|w| w <= 1.0), "overflow {wide}");
    browser.screenshot("dashboard-workspace-phone").await;
    c.set_window_size(1280, 1000).await.expect("resized");
    assert_eq!(
        report_state(&d, 1),
        ("resolved".to_owned(), json!("corrected"))
    );
    assert_eq!(
        report_state(&d, 3),
        ("resolved".to_owned(), json!("duplicate"))
    );
    let (status, list) = d.server.json(
        "GET",
        &format!("/api/v1/corrections?url={article}"),
        None,
        None,
    );
    assert_eq!(status, 200);
    let notes = list["corrections"].as_array().expect("corrections");
    assert_eq!(notes.len(), 1, "{list}");
    assert!(notes[0]["body_html"]
        .as_str()
        .is_some_and(|h| h.contains("<strong>8,200</strong>")));

    // The queue's tabs follow.
    c.goto(&format!("{}/dashboard", d.base))
        .await
        .expect("goto");
    let resolved = browser
        .js(
            "return [...document.querySelectorAll('.tabs a')].map(a => a.textContent)[3]",
            vec![],
        )
        .await;
    assert_eq!(resolved, json!("Resolved (2)"));
    // `?` shows the shortcuts; Escape closes them.
    c.active_element()
        .await
        .expect("focus")
        .send_keys("?")
        .await
        .expect("typed");
    browser
        .wait_for(
            "the shortcuts",
            "return !document.getElementById('shortcuts').hidden",
        )
        .await;
    c.active_element()
        .await
        .expect("focus")
        .send_keys(&Key::Escape.to_string())
        .await
        .expect("typed");
    browser
        .wait_for(
            "the shortcuts closed",
            "return document.getElementById('shortcuts').hidden",
        )
        .await;
    browser.quit().await;
}

#[rocket::async_test]
async fn payloads_in_reports_stay_text_in_the_dashboard() {
    let d = demo();
    let article = format!("{}/demo/2026/11/pier-9-ferry-terminal-rebuild", d.base);
    let payload = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
    let (status, filed) = d.server.json(
        "POST",
        "/api/v1/reports",
        None,
        Some(json!({
            "article_url": article,
            "passage": { "exact": "9,200 passengers" },
            "category": "other",
            "description": format!("Look {payload}"),
            "suggested_correction": payload,
            "reporter": { "name": payload },
        })),
    );
    assert_eq!(status, 201, "{filed}");
    let Some(browser) = Browser::start().await else {
        return;
    };
    sign_in(&browser, &d).await;
    // (On the queue's first page the report is grouped under the first on its passage.)
    for (path, shown) in [
        ("/dashboard", false),
        ("/dashboard/reports/3", true),
        ("/dashboard?q=pwned", true),
    ] {
        browser
            .client
            .goto(&format!("{}{path}", d.base))
            .await
            .expect("goto");
        let seen = browser
            .js(
                "return [window.__pwned || 0, document.querySelectorAll('main img, main script').length, document.body.innerText.includes('<script>window.__pwned=2</script>')]",
                vec![],
            )
            .await;
        assert_eq!(seen, json!([0, 0, shown]), "{path}");
    }
    browser.quit().await;
}

/// The pages this session's work added to the dashboard, in a real browser: the account page with
/// each publication's new-report mail choice, and a note's page with its related claims. Both
/// pass axe and are looked at in screenshots.
#[rocket::async_test]
async fn the_account_and_note_pages_pass_axe_in_a_real_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let d = demo();
    let (status, note) = d.server.json(
        "POST",
        "/api/v1/articles/1/corrections",
        Some(&d.token),
        Some(json!({
            "kind": "correction",
            "wrong": "the cost of the rebuild as $13 million",
            "right": "$31 million",
            "placement": "bottom",
        })),
    );
    assert_eq!(status, 201, "{note}");
    let id = note["id"].as_i64().expect("a note id");
    sign_in(&browser, &d).await;
    let c = &browser.client;

    c.goto(&format!("{}/dashboard/account", d.base))
        .await
        .expect("goto");
    browser
        .wait_for(
            "the mail choices",
            "return document.querySelector('select[name^=\"new_reports\"]')",
        )
        .await;
    browser.screenshot("dashboard-account").await;
    browser
        .assert_accessible("the account page", json!("html"))
        .await;

    c.goto(&format!("{}/dashboard/notes/{id}", d.base))
        .await
        .expect("goto");
    browser
        .wait_for(
            "the note page",
            "return document.body.textContent.includes('misstated the cost of the rebuild')",
        )
        .await;
    browser.screenshot("dashboard-note").await;
    browser
        .assert_accessible("the note page", json!("html"))
        .await;
}
