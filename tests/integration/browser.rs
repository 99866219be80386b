//! The embed and the reader's pages in a real headless Chromium: the `errata` binary serves the
//! embed and the API on 127.0.0.1; a publisher's page on `localhost` (another origin) loads it
//! under a strict CSP and hostile CSS. A reader selects words with the mouse, files a report
//! through the dialog, sees the published notes and follows a marker to its note.

use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::support::binary::{free_port, Errata, Server};
use crate::support::browser::{Browser, HostSite};

/// The article as the CMS registers it. The last paragraph is not on the publisher's page.
const SERVER_TEXT: &str = "HARBORVIEW - The city council voted 6-3 on Tuesday to approve a $48 million bond for repairs to the Kessler Street bridge.\n\n\
Mayor Dana Whitcomb called the vote \"a long-overdue investment\" and said construction could begin next spring.\n\n\
The bridge carries roughly 14,000 vehicles a day, according to a 2022 traffic study.\n\n\
A reader once typed <script>window.__pwned=3</script> into a form; it stayed text.\n\n\
The council will hold a public hearing on the construction schedule on May 7.";

/// The same article as the publisher's page shows it: typographic quotes and dash, inline
/// elements, and without the last paragraph.
const PAGE_HTML: &str = "<p>HARBORVIEW \u{2014} The city council voted 6-3 on Tuesday to approve a $48 million bond for repairs to the Kessler Street bridge.</p>\n\
<p>Mayor Dana Whitcomb called the vote \u{201c}a long-overdue <em>investment</em>\u{201d} and said construction could begin next spring.</p>\n\
<p>The bridge carries <span class=\"figure\">roughly 14,000</span> vehicles a day, according to a 2022 traffic study.</p>\n\
<p>A reader once typed &lt;script&gt;window.__pwned=3&lt;/script&gt; into a form; it stayed text.</p>";

struct Setup {
    _errata: Errata,
    server: Server,
    host: HostSite,
    token: String,
    article_id: i64,
    article_url: String,
    errata_origin: String,
}

/// The binary on a port of its own (so its public URL is right), a publication for the host
/// site's origin, an editor's token and the article registered.
fn setup() -> Setup {
    let host = HostSite::start();
    let port = free_port();
    let errata_origin = format!("http://127.0.0.1:{port}");
    let errata = Errata::new()
        .env("ROCKET_PORT", &port.to_string())
        .env("ROCKET_PUBLIC_URL", &errata_origin);
    errata.ok(&[
        "publication",
        "add",
        "--name",
        "The Kessler Gazette",
        "--url",
        &host.url("/"),
        "--origin",
        &host.origin(),
    ]);
    let token = errata.user_with_token("chief@gazette.test", "editor");
    let server = errata.serve();
    let article_url = host.url("/2026/bridge-bond");
    let (status, body) = server.json(
        "PUT",
        "/api/v1/articles",
        Some(&token),
        Some(json!({ "url": article_url, "title": "Council approves bridge bond", "body_text": SERVER_TEXT })),
    );
    assert_eq!(status, 201, "{body}");
    host.article("/2026/bridge-bond", &errata_origin, &article_url, PAGE_HTML);
    Setup {
        article_id: body["id"].as_i64().expect("id"),
        _errata: errata,
        server,
        host,
        token,
        article_url,
        errata_origin,
    }
}

/// A control in the report dialog's shadow root, for WebDriver to act on.
async fn in_dialog(b: &Browser, css: &str) -> fantoccini::elements::Element {
    let host = b
        .client
        .find(Locator::Css("errata-dialog"))
        .await
        .expect("the dialog's host");
    let root = host.shadow_root().await.expect("an open shadow root");
    root.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} in the dialog: {e}"))
}

async fn type_in_dialog(b: &Browser, css: &str, text: &str) {
    let field = in_dialog(b, css).await;
    field
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing in {css}: {e}"));
}

async fn choose_in_dialog(b: &Browser, css: &str, value: &str) {
    let field = in_dialog(b, css).await;
    field
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choosing {value} in {css}: {e}"));
}

async fn click_in_dialog(b: &Browser, css: &str) {
    let control = in_dialog(b, css).await;
    control
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

const DIALOG: &str = "const h = document.querySelector('errata-dialog'); const r = h && h.shadowRoot; if (!r) return null;";

#[rocket::async_test]
async fn a_reader_selects_a_passage_and_files_a_report_through_the_dialog() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup();
    b.client
        .goto(&s.host.url("/2026/bridge-bond"))
        .await
        .expect("the page");
    // The box with its report link shows that the embed ran under the page's CSP.
    b.wait_for(
        "the embed",
        "return document.querySelector('errata-corrections')",
    )
    .await;

    // A real drag across words that cross an inline element.
    b.select_words("#story", "roughly 14,000 vehicles a day")
        .await;
    let gap = b
        .wait_for(
            "the report button",
            "const h = document.querySelector('errata-report-button');
             if (!h || !h.isConnected) return null;
             const btn = h.shadowRoot.querySelector('button');
             const sel = window.getSelection().getRangeAt(0).getBoundingClientRect();
             const r = btn.getBoundingClientRect();
             if (!r.width) return null;
             return [btn.textContent, Math.max(0, r.top - sel.bottom, sel.top - r.bottom), window.getSelection().toString()];",
        )
        .await;
    assert_eq!(gap[0], "Report an inaccuracy", "gap: {gap}");
    assert!(gap[1].as_f64().unwrap() <= 150.0, "button too far: {gap}");
    assert_eq!(gap[2], "roughly 14,000 vehicles a day", "{gap}");
    let button = b
        .client
        .find(Locator::Css("errata-report-button"))
        .await
        .unwrap()
        .shadow_root()
        .await
        .unwrap()
        .find(Locator::Css("button"))
        .await
        .unwrap();
    button.click().await.expect("the button clicks");

    // An accessible modal dialog named "Report an inaccuracy", every field labelled.
    let dialog = b
        .wait_for(
            "the dialog",
            &format!(
                "{DIALOG} if (!r) return null; const d = r.querySelector('dialog'); if (!d.open) return null;
                 const name = r.getElementById(d.getAttribute('aria-labelledby')).textContent;
                 const labels = [...r.querySelectorAll('label')].map(l => [l.textContent.trim(), !!r.getElementById(l.htmlFor)]);
                 const p = r.getElementById('errata-passage');
                 return {{ name, labels, passage: p.value, readonly: p.readOnly, focused: !!r.activeElement,
                          send: [...r.querySelectorAll('button')].map(b => b.textContent) }};"
            ),
        )
        .await;
    assert_eq!(dialog["name"], "Report an inaccuracy");
    let labels: Vec<&str> = dialog["labels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l[1] == true)
        .filter_map(|l| l[0].as_str())
        .collect();
    for want in [
        "Category",
        "What is wrong?",
        "Suggested correction",
        "Evidence links",
        "Your name",
        "Your email",
        "Email me about this report",
    ] {
        assert!(labels.contains(&want), "no label {want}: {labels:?}");
    }
    assert_eq!(dialog["passage"], "roughly 14,000 vehicles a day");
    assert_eq!(dialog["readonly"], true);
    assert_eq!(dialog["focused"], true, "focus moves into the dialog");
    assert!(dialog["send"].to_string().contains("Send report"));
    b.assert_accessible("the open dialog", json!({ "include": [["errata-dialog"]] }))
        .await;

    // Focus stays in the dialog however far one tabs.
    for _ in 0..14 {
        b.client
            .active_element()
            .await
            .unwrap()
            .send_keys(&Key::Tab.to_string())
            .await
            .unwrap();
    }
    let inside = b
        .js(
            "return document.activeElement === document.querySelector('errata-dialog')
                    && !!document.querySelector('errata-dialog').shadowRoot.activeElement;",
            vec![],
        )
        .await;
    assert_eq!(inside, true, "focus left the dialog");

    // Sent without a category: the field says so, the summary is an alert, the text stays.
    let description = "The 2022 study says 12,000. <img src=x onerror=\"window.__pwned=1\">";
    type_in_dialog(&b, "#errata-description", description).await;
    click_in_dialog(&b, "button[type=submit]").await;
    let error = b
        .wait_for(
            "the category error",
            &format!(
                "{DIALOG} const c = r.getElementById('errata-category');
                 if (c.getAttribute('aria-invalid') !== 'true') return null;
                 const ids = c.getAttribute('aria-describedby').split(' ');
                 return {{ message: r.getElementById(ids[0]).textContent, alert: r.querySelector('[role=alert]').textContent,
                          kept: r.getElementById('errata-description').value }};"
            ),
        )
        .await;
    assert!(
        error["message"].as_str().unwrap().contains("category"),
        "{error}"
    );
    assert!(
        error["alert"].as_str().unwrap().contains("not sent"),
        "{error}"
    );
    assert_eq!(error["kept"], description);
    b.screenshot("dialog-error").await;
    b.assert_accessible(
        "the dialog showing an error",
        json!({ "include": [["errata-dialog"]] }),
    )
    .await;

    choose_in_dialog(&b, "#errata-category", "factual_error").await;
    type_in_dialog(&b, "#errata-name", "Ada Reader").await;
    type_in_dialog(&b, "#errata-email", "ada@reader.test").await;
    click_in_dialog(&b, "#errata-notify").await;
    click_in_dialog(&b, "button[type=submit]").await;
    let done = b
        .wait_for(
            "the reference",
            &format!(
                "{DIALOG} const ref = r.querySelector('.ref'); if (!ref || !ref.textContent) return null;
                 const a = [...r.querySelectorAll('a')].find(a => a.textContent === 'Follow this report');
                 return {{ reference: ref.textContent, status: a && a.href, invalid: r.querySelectorAll('[aria-invalid]').length }};"
            ),
        )
        .await;
    b.screenshot("dialog-sent").await;
    let reference = done["reference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("ERR-"), "{done}");
    let status_url = done["status"].as_str().unwrap().to_owned();
    assert!(
        status_url.starts_with(&format!("{}/status/", s.errata_origin)),
        "{done}"
    );
    assert_eq!(done["invalid"], 0);
    assert_eq!(
        b.js("return window.__pwned === undefined", vec![]).await,
        true
    );

    // Escape closes the dialog and focus goes back to the button that opened it.
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    let back = b
        .wait_for(
            "the dialog to close",
            &format!(
                // The dialog's `close` event (which returns focus) comes a task after `open`
                // turns false: wait for focus to land somewhere, then say where.
                "{DIALOG} if (r.querySelector('dialog').open) return null;
                 const a = document.activeElement;
                 return a && a !== document.body && a.tagName;"
            ),
        )
        .await;
    assert_eq!(back, "ERRATA-REPORT-BUTTON");

    // The report is in the API with the passage the reader selected.
    let (status, list) = s.server.json(
        "GET",
        &format!("/api/v1/reports?article_id={}", s.article_id),
        Some(&s.token),
        None,
    );
    assert_eq!(status, 200, "{list}");
    let report = &list["reports"][0];
    assert_eq!(report["reference"], reference.as_str());
    assert_eq!(report["passage"]["exact"], "roughly 14,000 vehicles a day");
    assert!(report["passage"]["prefix"]
        .as_str()
        .unwrap()
        .ends_with("The bridge carries "));
    assert_eq!(report["description"], description);
    assert_eq!(report["category"], "factual_error");
    assert_eq!(report["reporter"]["email"], "ada@reader.test");
    assert_eq!(report["anchor"]["status"], "anchored");

    // The link leads to the reader's status page.
    b.client.goto(&status_url).await.unwrap();
    let page = b
        .wait_for(
            "the status page",
            "return document.body && document.body.innerText",
        )
        .await;
    let page = page.as_str().unwrap();
    assert!(
        page.contains(&reference) && page.contains("Received"),
        "{page}"
    );
    assert!(!page.contains("ada@reader.test") && !page.contains("Ada Reader"));
    b.screenshot("status-page").await;
    b.assert_accessible("the status page", json!("html")).await;

    // The no-JS form, empty and then with every error shown (axe needs JavaScript, so this
    // browser opens it; the page itself has no script).
    let form = format!(
        "{}/report?url={}&exact={}",
        s.errata_origin,
        urlencode(&s.article_url),
        urlencode("roughly 14,000 vehicles a day")
    );
    b.client.goto(&form).await.unwrap();
    b.assert_accessible("the no-JS form", json!("html")).await;
    b.client
        .find(Locator::Id("reporter_email"))
        .await
        .unwrap()
        .send_keys("not-an-address")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("#reporter_email[aria-invalid=true]"))
        .await
        .expect("the form's errors");
    b.assert_accessible("the no-JS form with errors", json!("html"))
        .await;
    b.quit().await;
}

#[rocket::async_test]
async fn a_published_note_shows_in_the_box_and_its_marker_opens_it() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup();
    let publish = |body: Value| {
        let (status, note) = s.server.json(
            "POST",
            &format!("/api/v1/articles/{}/corrections", s.article_id),
            Some(&s.token),
            Some(body),
        );
        assert_eq!(status, 201, "{note}");
        note["id"].as_i64().unwrap()
    };
    let marked = publish(json!({
        "kind": "correction",
        "wrong": "<img src=x onerror=\"window.__pwned=1\">",
        "right": "a long-delayed investment",
        "body_markdown": "An earlier version misquoted the mayor.\n\n<script>window.__pwned=2</script><img src=x onerror=\"window.__pwned=4\"> Fixed.",
        "passage": { "exact": "vote \"a long-overdue investment\" and" },
        "placement": "bottom",
    }));
    let unmarked = publish(json!({
        "kind": "editors_note",
        "body_markdown": "The hearing date was added.",
        "passage": { "exact": "on the construction schedule on May 7" },
        "placement": "top",
    }));
    b.client
        .goto(&s.host.url("/2026/bridge-bond"))
        .await
        .unwrap();
    let seen = b
        .wait_for(
            "the boxes and the marker",
            &format!(
                "const marks = [...document.querySelectorAll('mark[data-errata-note=\"{marked}\"]')];
                 if (!marks.length) return null;
                 const boxes = [...document.querySelectorAll('errata-corrections')].map(h => {{
                   const region = h.shadowRoot.querySelector('[role=region]');
                   return region && {{ label: region.getAttribute('aria-label'), text: region.textContent,
                     times: [...region.querySelectorAll('time')].map(t => t.getAttribute('datetime')),
                     imgs: region.querySelectorAll('img, script').length,
                     border: getComputedStyle(region).borderLeftColor,
                     color: getComputedStyle(region.querySelector('.note')).color,
                     first: h === document.querySelector('#story').firstElementChild }};
                 }});
                 return {{ boxes, marks: marks.map(m => m.textContent).join(''), focusable: marks[0].tabIndex,
                          other: document.querySelectorAll('mark[data-errata-note=\"{unmarked}\"]').length,
                          styled: document.querySelectorAll('[style]').length,
                          styles: document.querySelectorAll('style').length,
                          pwned: window.__pwned === undefined }};"
            ),
        )
        .await;
    b.screenshot("note-box-and-marker").await;
    assert_eq!(
        seen["marks"], "vote \u{201c}a long-overdue investment\u{201d} and",
        "the marker wraps the page's own words, across <em>: {seen}"
    );
    assert_eq!(seen["focusable"], 0);
    assert_eq!(seen["other"], 0, "a passage not on the page gets no marker");
    assert_eq!(seen["pwned"], true, "nothing from a note ran");
    assert_eq!(
        (seen["styled"].clone(), seen["styles"].clone()),
        (json!(0), json!(0))
    );
    let boxes = seen["boxes"].as_array().unwrap();
    assert_eq!(boxes.len(), 2, "{seen}");
    let top = &boxes[0];
    assert_eq!(top["label"], "Corrections");
    assert_eq!(top["first"], true, "the top note's box opens the article");
    assert!(
        top["text"].as_str().unwrap().contains("Editor's note"),
        "{top}"
    );
    assert!(top["text"]
        .as_str()
        .unwrap()
        .contains("The hearing date was added."));
    let bottom = &boxes[1];
    let text = bottom["text"].as_str().unwrap();
    assert!(
        text.contains("Correction") && text.contains("Permalink"),
        "{text}"
    );
    assert!(
        text.contains("<img src=x onerror=\"window.__pwned=1\">"),
        "the note's `wrong` shows as text: {text}"
    );
    assert!(text.contains("Report an inaccuracy"));
    assert_eq!(bottom["imgs"], 0);
    assert!(bottom["times"][0].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        bottom["border"], "rgb(138, 28, 28)",
        "styled despite the page's CSS and CSP"
    );
    assert_ne!(
        bottom["color"], "rgb(255, 0, 0)",
        "the page's hostile colour stays out"
    );

    // Clicking the marker brings its note into view, with focus.
    let mark = b
        .client
        .find(Locator::Css(&format!(
            "mark[data-errata-note=\"{marked}\"]"
        )))
        .await
        .unwrap();
    mark.click().await.expect("the marker clicks");
    let focused = "const h = document.activeElement; return h && h.shadowRoot && h.shadowRoot.activeElement && h.shadowRoot.activeElement.id;";
    let id = b.wait_for("the note to take focus", focused).await;
    assert_eq!(id, format!("errata-note-{marked}"));
    // And Enter on a focused marker does the same.
    b.js(
        "document.activeElement.blur(); window.scrollTo(0, 0); document.querySelector('mark[data-errata-note]').focus();",
        vec![],
    )
    .await;
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    let id = b.wait_for("the note to take focus again", focused).await;
    assert_eq!(id, format!("errata-note-{marked}"));
    b.screenshot("note-focused").await;

    // One page view asked Errata for one thing besides the script: the corrections.
    let log = s.server.log();
    let corrections_reads = log
        .lines()
        .filter(|l| l.contains("request: GET /api/v1/corrections"))
        .count();
    let other_api = log
        .lines()
        .filter(|l| {
            l.contains("request: ")
                && l.contains(" /api/")
                && !l.contains("/api/v1/corrections")
                && !l.contains("/api/v1/articles")
        })
        .count();
    assert_eq!((corrections_reads, other_api), (1, 0), "{log}");
    b.quit().await;
}

#[rocket::async_test]
async fn a_retracted_note_shows_as_retracted_and_marks_no_words() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup();
    let (status, note) = s.server.json(
        "POST",
        &format!("/api/v1/articles/{}/corrections", s.article_id),
        Some(&s.token),
        Some(json!({
            "kind": "correction",
            "wrong": "a long-overdue investment",
            "right": "a long-delayed investment",
            "body_markdown": "An earlier version misquoted the mayor.",
            "passage": { "exact": "vote \"a long-overdue investment\" and" },
        })),
    );
    assert_eq!(status, 201, "{note}");
    let id = note["id"].as_i64().unwrap();
    let (status, retracted) = s.server.json(
        "POST",
        &format!("/api/v1/corrections/{id}/retract"),
        Some(&s.token),
        Some(json!({ "reason": "The mayor's office confirmed the quote." })),
    );
    assert_eq!(status, 200, "{retracted}");
    b.client
        .goto(&s.host.url("/2026/bridge-bond"))
        .await
        .unwrap();
    let seen = b
        .wait_for(
            "the retracted note in the box",
            &format!(
                "const h = document.querySelector('errata-corrections');
                 const note = h && h.shadowRoot.querySelector('#errata-note-{id}');
                 if (!note) return null;
                 const struck = note.querySelector('.struck');
                 return {{ text: note.textContent, className: note.className,
                          line: struck && getComputedStyle(struck).textDecorationLine,
                          marks: document.querySelectorAll('mark[data-errata-note]').length }};"
            ),
        )
        .await;
    b.screenshot("retracted-note").await;
    let text = seen["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Retracted:") && text.contains("The mayor's office confirmed the quote."),
        "{seen}"
    );
    assert!(
        seen["className"]
            .as_str()
            .is_some_and(|c| c.contains("gone")),
        "{seen}"
    );
    assert_eq!(seen["line"], "line-through", "{seen}");
    assert_eq!(seen["marks"], 0, "a retracted note marks no words: {seen}");
    b.assert_accessible("the box with a retracted note", json!("errata-corrections"))
        .await;

    // The public pages that show the note pass axe too.
    for (what, path) in [
        ("the note's permalink", format!("/corrections/{id}")),
        (
            "the article's corrections",
            format!("/articles/{}/corrections", s.article_id),
        ),
        (
            "the corrections log",
            "/corrections?kind=correction".to_owned(),
        ),
    ] {
        b.client
            .goto(&format!("{}{path}", s.errata_origin))
            .await
            .unwrap();
        b.client
            .wait()
            .for_element(Locator::Css("main h1"))
            .await
            .expect("the page");
        b.assert_accessible(what, json!("html")).await;
    }
    b.quit().await;
}

#[rocket::async_test]
async fn the_report_form_works_without_javascript() {
    let Some(b) = Browser::without_javascript().await else {
        return;
    };
    let s = setup();
    let form = format!(
        "{}/report?url={}&exact={}",
        s.errata_origin,
        urlencode(&s.article_url),
        urlencode("roughly 14,000 vehicles a day")
    );
    b.client.goto(&form).await.unwrap();
    let passage = b
        .client
        .find(Locator::Id("passage"))
        .await
        .expect("a passage field");
    assert_eq!(
        passage.prop("value").await.unwrap().as_deref(),
        Some("roughly 14,000 vehicles a day")
    );
    b.client
        .find(Locator::Id("description"))
        .await
        .unwrap()
        .send_keys("short")
        .await
        .unwrap();
    b.client
        .find(Locator::Id("reporter_email"))
        .await
        .unwrap()
        .send_keys("not-an-address")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let description = b
        .client
        .wait()
        .for_element(Locator::Css("#description[aria-invalid=true]"))
        .await
        .expect("the description marked invalid");
    let describedby = description.attr("aria-describedby").await.unwrap().unwrap();
    let message = b
        .client
        .find(Locator::Id(&describedby))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        message.contains("Say what is wrong, in 10 to 5000 characters"),
        "{message}"
    );
    assert_eq!(
        description.prop("value").await.unwrap().as_deref(),
        Some("short")
    );
    let alert = b
        .client
        .find(Locator::Css("[role=alert]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        alert.contains("category") && alert.contains("email"),
        "{alert}"
    );
    b.screenshot("form-errors").await;

    description.clear().await.unwrap();
    description
        .send_keys("The traffic study says 12,000 vehicles.")
        .await
        .unwrap();
    b.client
        .find(Locator::Id("category"))
        .await
        .unwrap()
        .select_by_value("factual_error")
        .await
        .unwrap();
    let email = b.client.find(Locator::Id("reporter_email")).await.unwrap();
    email.clear().await.unwrap();
    email.send_keys("ada@reader.test").await.unwrap();
    b.client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = b
        .client
        .wait()
        .for_element(Locator::LinkText("Follow this report"))
        .await
        .expect("the status link");
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/status/"), "{href}");
    let page = b
        .client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("ERR-"), "{page}");
    let (_, list) = s.server.json(
        "GET",
        &format!("/api/v1/reports?article_id={}", s.article_id),
        Some(&s.token),
        None,
    );
    assert_eq!(list["reports"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(
        list["reports"][0]["passage"]["exact"],
        "roughly 14,000 vehicles a day"
    );
    b.quit().await;
}

/// The embed in Spanish: chosen by `data-errata-lang` over the page's own `lang`, and by the
/// page's `lang` when the script names none. The box, the button, the dialog, its field errors
/// and its answer all speak Spanish, and the open dialog passes axe.
#[rocket::async_test]
async fn the_embed_speaks_spanish_when_asked() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup();
    let (status, note) = s.server.json(
        "POST",
        &format!("/api/v1/articles/{}/corrections", s.article_id),
        Some(&s.token),
        Some(
            json!({ "kind": "clarification", "body_markdown": "The bond is for repairs only.",
                     "passage": { "exact": "a $48 million bond" }, "placement": "bottom" }),
        ),
    );
    assert_eq!(status, 201, "{note}");
    s.host.article_in(
        "/es/bridge-bond",
        &s.errata_origin,
        &s.article_url,
        PAGE_HTML,
        "en",
        " data-errata-lang=\"es\"",
    );
    s.host.article_in(
        "/es-page/bridge-bond",
        &s.errata_origin,
        &s.article_url,
        PAGE_HTML,
        "es-ES",
        "",
    );
    let box_text = "const h = document.querySelector('errata-corrections');
                    const r = h && h.shadowRoot.querySelector('[role=region]');
                    return r && [r.getAttribute('aria-label'), r.textContent, h.getAttribute('lang'),
                                 document.querySelector('mark[data-errata-note]') && document.querySelector('mark[data-errata-note]').title];";
    for page in ["/es/bridge-bond", "/es-page/bridge-bond"] {
        b.client.goto(&s.host.url(page)).await.unwrap();
        let seen = b.wait_for("the Spanish box", box_text).await;
        assert_eq!(seen[0], "Correcciones", "{page}: {seen}");
        let text = seen[1].as_str().unwrap();
        for words in ["Aclaración", "Enlace permanente", "Avisar de un error"] {
            assert!(text.contains(words), "{page}: {words} in {text}");
        }
        assert!(
            !text.contains("Permalink") && !text.contains("Report an"),
            "{text}"
        );
        assert_eq!(seen[2], "es");
        assert_eq!(seen[3], "Aclaración: ver la nota", "{page}: {seen}");
    }

    // The button and the dialog, on a selection.
    b.select_words("#story", "roughly 14,000 vehicles a day")
        .await;
    let label = b
        .wait_for(
            "the Spanish button",
            "const h = document.querySelector('errata-report-button');
             return h && h.isConnected && h.shadowRoot.querySelector('button').textContent;",
        )
        .await;
    assert_eq!(label, "Avisar de un error");
    b.client
        .find(Locator::Css("errata-report-button"))
        .await
        .unwrap()
        .shadow_root()
        .await
        .unwrap()
        .find(Locator::Css("button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let dialog = b
        .wait_for(
            "the Spanish dialog",
            &format!(
                "{DIALOG} const d = r.querySelector('dialog'); if (!d.open) return null;
                 return {{ name: r.getElementById(d.getAttribute('aria-labelledby')).textContent,
                          labels: [...r.querySelectorAll('label')].map(l => l.textContent.trim()),
                          options: [...r.querySelectorAll('option')].map(o => o.textContent),
                          buttons: [...r.querySelectorAll('button')].map(b => b.textContent),
                          lang: h.getAttribute('lang') }};"
            ),
        )
        .await;
    assert_eq!(dialog["name"], "Avisar de un error");
    assert_eq!(dialog["lang"], "es");
    assert_eq!(
        dialog["labels"],
        json!([
            "Pasaje",
            "Categoría",
            "¿Qué está mal?",
            "Corrección propuesta",
            "Enlaces a pruebas",
            "Su nombre",
            "Su correo electrónico",
            "Escríbanme sobre este aviso"
        ])
    );
    assert_eq!(
        dialog["options"],
        json!([
            "Elija una",
            "Error factual",
            "Cita errónea",
            "Desactualizado",
            "Falta contexto",
            "Errata tipográfica",
            "Otro"
        ])
    );
    assert_eq!(dialog["buttons"], json!(["Cancelar", "Enviar aviso"]));

    // A refused field, in Spanish.
    type_in_dialog(&b, "#errata-description", "corto").await;
    click_in_dialog(&b, "button[type=submit]").await;
    let error = b
        .wait_for(
            "the Spanish errors",
            &format!(
                "{DIALOG} const c = r.getElementById('errata-category');
                 if (c.getAttribute('aria-invalid') !== 'true') return null;
                 return [r.getElementById('errata-category-error').textContent, r.querySelector('[role=alert]').textContent];"
            ),
        )
        .await;
    assert_eq!(error[0], "Elija una categoría.");
    assert_eq!(error[1], "El aviso no se ha enviado: Elija una categoría.");
    let shot = b.screenshot("dialog-spanish").await;
    assert!(std::fs::metadata(shot).is_ok_and(|m| m.len() > 1000));
    b.assert_accessible(
        "the Spanish dialog",
        json!({ "include": [["errata-dialog"]] }),
    )
    .await;

    // Sent: the answer in Spanish, and the status link keeps the language.
    choose_in_dialog(&b, "#errata-category", "factual_error").await;
    type_in_dialog(
        &b,
        "#errata-description",
        " El estudio de 2022 dice 12.000.",
    )
    .await;
    click_in_dialog(&b, "button[type=submit]").await;
    let done = b
        .wait_for(
            "the Spanish answer",
            &format!(
                "{DIALOG} const ref = r.querySelector('.ref'); if (!ref || !ref.textContent) return null;
                 const a = [...r.querySelectorAll('a')].find(a => a.textContent === 'Seguir este aviso');
                 return {{ text: r.querySelector('[role=status]').textContent, status: a && a.href }};"
            ),
        )
        .await;
    assert!(
        done["text"]
            .as_str()
            .unwrap()
            .contains("Gracias. Hemos recibido su aviso."),
        "{done}"
    );
    let status_url = done["status"].as_str().unwrap().to_owned();
    assert!(status_url.ends_with("?lang=es"), "{status_url}");
    b.client.goto(&status_url).await.unwrap();
    let page = b
        .wait_for(
            "the Spanish status page",
            "return document.documentElement.lang === 'es' && document.body.innerText",
        )
        .await;
    let page = page.as_str().unwrap();
    assert!(
        page.contains("Estado del aviso")
            && page.contains("Recibido")
            && page.contains("En revisión"),
        "{page}"
    );
    b.quit().await;
}

/// The demo, as a newcomer meets it: the home page links to the demo article, whose embed (same
/// origin) offers "Report an inaccuracy" and files a report.
#[rocket::async_test]
async fn the_demo_article_takes_a_report_from_its_own_embed() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let errata = Errata::new()
        .env("ROCKET_PORT", &port.to_string())
        .env("ROCKET_PUBLIC_URL", &origin)
        .env("ROCKET_DEMO", "true");
    let _server = errata.serve();
    b.client.goto(&format!("{origin}/")).await.unwrap();
    b.client
        .find(Locator::LinkText("Read the demo article"))
        .await
        .expect("a link to the demo")
        .click()
        .await
        .unwrap();
    b.wait_for(
        "the embed on the demo",
        "const h = document.querySelector('errata-corrections'); return h && h.shadowRoot.textContent.includes('Report an inaccuracy');",
    )
    .await;
    b.screenshot("demo-article").await;
    b.select_words("article", "about 9,200 passengers on an average weekday")
        .await;
    b.wait_for(
        "the report button",
        "const h = document.querySelector('errata-report-button'); return h && h.isConnected;",
    )
    .await;
    b.client
        .find(Locator::Css("errata-report-button"))
        .await
        .unwrap()
        .shadow_root()
        .await
        .unwrap()
        .find(Locator::Css("button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    choose_in_dialog(&b, "#errata-category", "factual_error").await;
    type_in_dialog(
        &b,
        "#errata-description",
        "The March ridership report says 8,200.",
    )
    .await;
    click_in_dialog(&b, "button[type=submit]").await;
    let reference = b
        .wait_for(
            "the reference",
            &format!(
                "{DIALOG} const ref = r.querySelector('.ref'); return ref && ref.textContent;"
            ),
        )
        .await;
    assert!(
        reference.as_str().unwrap().starts_with("ERR-"),
        "{reference}"
    );
    b.quit().await;
}

#[rocket::async_test]
async fn the_embed_puts_the_json_ld_in_the_head_only_when_asked_and_once() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup();
    let (status, note) = s.server.json(
        "POST",
        &format!("/api/v1/articles/{}/corrections", s.article_id),
        Some(&s.token),
        Some(json!({
            "kind": "correction",
            "wrong": "roughly 14,000 vehicles a day",
            "right": "roughly 12,000 vehicles a day",
            "body_markdown": "The study counted 12,000 </script> vehicles.",
        })),
    );
    assert_eq!(status, 201, "{note}");
    let (status, expected) = s.server.json(
        "GET",
        &format!("/api/v1/articles/{}/jsonld", s.article_id),
        None,
        None,
    );
    assert_eq!(status, 200, "{expected}");
    // Every JSON-LD element of the page: where it is, whether Errata's embed marked it, what it says.
    let found = "[...document.querySelectorAll('script[type=\"application/ld+json\"]')]
         .map(s => ({ inHead: s.parentNode === document.head, marked: s.hasAttribute('data-errata-jsonld'),
                      json: JSON.parse(s.textContent) }))";
    let ld_scripts = &format!("return {found};");
    let box_drawn = "return document.querySelector('errata-corrections') && document.querySelector('errata-corrections').shadowRoot.querySelector('[role=region]') !== null;";

    // Opted in: one element in the head, holding what the API serves.
    s.host.article_in(
        "/2026/bridge-bond-ld",
        &s.errata_origin,
        &s.article_url,
        PAGE_HTML,
        "en",
        " data-errata-jsonld=\"true\"",
    );
    b.client
        .goto(&s.host.url("/2026/bridge-bond-ld"))
        .await
        .unwrap();
    let seen = b
        .wait_for(
            "the JSON-LD in the head",
            &format!("const found = {found}; return found.length ? found : null;"),
        )
        .await;
    assert_eq!(
        seen,
        json!([{ "inHead": true, "marked": true, "json": expected }]),
        "{seen}"
    );
    assert_eq!(expected["correction"][0]["@type"], "CorrectionComment");
    assert!(expected["correction"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("It is roughly 12,000 vehicles a day.")));
    // Once: the corrections box is drawn and there is still one.
    b.wait_for("the corrections box", box_drawn).await;
    assert_eq!(
        b.js(ld_scripts, vec![]).await.as_array().map(Vec::len),
        Some(1)
    );

    // Not asked: none.
    b.client
        .goto(&s.host.url("/2026/bridge-bond"))
        .await
        .unwrap();
    b.wait_for("the corrections box", box_drawn).await;
    rocket::tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(b.js(ld_scripts, vec![]).await, json!([]));

    // Asked, on a page that has Errata's JSON-LD already (put there at build time): left alone.
    let csp = format!(
        "default-src 'none'; script-src {0}; connect-src {0}; style-src 'self'",
        s.errata_origin
    );
    let own = json!({ "@context": "https://schema.org", "@type": "NewsArticle", "url": s.article_url,
        "correction": [{ "@type": "CorrectionComment", "text": "Kept.",
                         "url": format!("{}/corrections/{}", s.errata_origin, note["id"]) }] });
    s.host.put(
        "/2026/bridge-bond-built",
        "text/html; charset=utf-8",
        &format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Built</title>\
             <script type=\"application/ld+json\">{own}</script></head><body>\
             <article id=\"story\">{PAGE_HTML}</article>\
             <script src=\"{0}/embed.js\" data-errata-article=\"{1}\" data-errata-container=\"#story\" data-errata-jsonld=\"true\" async></script>\
             </body></html>",
            s.errata_origin, s.article_url
        ),
        &[("Content-Security-Policy", &csp)],
    );
    b.client
        .goto(&s.host.url("/2026/bridge-bond-built"))
        .await
        .unwrap();
    b.wait_for("the corrections box", box_drawn).await;
    rocket::tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let kept = b.js(ld_scripts, vec![]).await;
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");
    assert_eq!(kept[0]["json"], own);
    b.quit().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
