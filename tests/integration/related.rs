//! Error propagation (a note's corrected claim found in the publication's other articles, and a
//! report opened on a repeat in one click), a note whose standard sentence is its only text, and
//! what a report shows when the note that resolved it is retracted.

use errata::accounts::{Role, Scope};
use rocket::http::Status;
use serde_json::{json, Value};

use crate::dashboard::{get, post_form, report_id, signed_in, state_of};
use crate::support::{api_status_path, assert_error, TestApp};

const CLAIM: &str = "the bridge carries roughly 14,000 vehicles a day";

const VERBATIM: &str = "Work on the Kessler Street bridge began on Monday.\n\nThe bridge carries roughly 14,000 vehicles a day, according to a 2022 traffic study.\n\nDetours are signposted.";
/// Case, a changed word and punctuation.
const EDITED: &str = "Drivers face delays.\n\nTHE BRIDGE carries about 14,000 vehicles a day. Officials expect queues.";
const UNRELATED: &str = "The ferry terminal at Pier 9 reopens in June.\n\nIt serves about 8,200 passengers on an average weekday.";
/// The corrected figure: a story that got it right says something else.
const RIGHT_FIGURE: &str = "The bridge carries roughly 12,000 vehicles a day, the city now says.";

async fn put_article(app: &TestApp, token: &str, url: &str, title: &str, text: &str) -> i64 {
    let (status, body) = app
        .put(
            "/api/v1/articles",
            Some(token),
            json!({ "url": url, "title": title, "body_text": text }),
        )
        .await;
    assert!(
        status == Status::Created || status == Status::Ok,
        "{status} {body}"
    );
    body["id"].as_i64().expect("id")
}

/// The code point offset of `needle` in `text`.
fn cp_offset(text: &str, needle: &str) -> i64 {
    let byte = text.find(needle).expect("the needle is in the text");
    text[..byte].chars().count() as i64
}

struct Newsroom {
    token: String,
    note: i64,
    verbatim: i64,
    edited: i64,
}

/// R1 with a note correcting its traffic figure, and four other articles of its publication
/// (one repeating the claim word for word, one with small edits, one unrelated, one with the
/// right figure) plus a verbatim repeat in another publication.
async fn newsroom(app: &TestApp) -> Newsroom {
    let token = app.editor();
    let article = app.article(&token).await;
    let verbatim = put_article(
        app,
        &token,
        "https://news.example.com/2026/12/bridge-work-begins",
        "Bridge work begins",
        VERBATIM,
    )
    .await;
    let edited = put_article(
        app,
        &token,
        "https://news.example.com/2026/12/bridge-delays",
        "Delays on the bridge",
        EDITED,
    )
    .await;
    put_article(
        app,
        &token,
        "https://news.example.com/2026/12/ferry",
        "Ferry terminal reopens",
        UNRELATED,
    )
    .await;
    put_article(
        app,
        &token,
        "https://news.example.com/2026/12/bridge-figure",
        "The bridge's traffic",
        RIGHT_FIGURE,
    )
    .await;
    put_article(
        app,
        &token,
        "https://other-paper.example.org/bridge",
        "Elsewhere",
        VERBATIM,
    )
    .await;
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({
                "kind": "correction",
                "wrong": CLAIM,
                "right": "the bridge carries roughly 12,000 vehicles a day",
                "body_markdown": "The traffic study counted 12,000 vehicles.",
                "passage": { "exact": "The bridge carries roughly 14,000 vehicles a day" },
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    Newsroom {
        token,
        note: note["id"].as_i64().expect("id"),
        verbatim,
        edited,
    }
}

fn related_of(answer: &Value) -> &Vec<Value> {
    answer["related"].as_array().expect("a related list")
}

#[rocket::async_test]
async fn repeats_in_the_publications_other_articles_are_listed_best_first() {
    let app = TestApp::new().await;
    let n = newsroom(&app).await;
    let (status, answer) = app
        .get(
            &format!("/api/v1/corrections/{}/related", n.note),
            Some(&n.token),
        )
        .await;
    assert_eq!(status, Status::Ok, "{answer}");
    let related = related_of(&answer);
    // The verbatim and the edited repeats; not the unrelated story, not the one with the right
    // figure, not the other publication's copy, not the note's own article.
    let ids: Vec<i64> = related
        .iter()
        .map(|r| r["article"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![n.verbatim, n.edited], "{answer}");

    let first = &related[0];
    let exact = "The bridge carries roughly 14,000 vehicles a day";
    assert_eq!(
        first,
        &json!({
            "article": {
                "id": n.verbatim,
                "url": "https://news.example.com/2026/12/bridge-work-begins",
                "title": "Bridge work begins",
            },
            "passage": {
                "exact": exact,
                "start": cp_offset(VERBATIM, exact),
                "end": cp_offset(VERBATIM, exact) + exact.chars().count() as i64,
            },
            "score": 1.0,
        })
    );
    let second = &related[1];
    let edited_exact = "THE BRIDGE carries about 14,000 vehicles a day";
    assert_eq!(second["passage"]["exact"], edited_exact, "{answer}");
    assert_eq!(
        second["passage"]["start"].as_i64(),
        Some(cp_offset(EDITED, edited_exact))
    );
    let score = second["score"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&score), "{score}");

    // The offsets are code points of the article's current text, as the API's passages are.
    let (_, article) = app
        .get(&format!("/api/v1/articles/{}", n.verbatim), Some(&n.token))
        .await;
    let text = article["revision"]["text"].as_str().expect("the text");
    let (s, e) = (
        first["passage"]["start"].as_i64().unwrap() as usize,
        first["passage"]["end"].as_i64().unwrap() as usize,
    );
    let slice: String = text.chars().skip(s).take(e - s).collect();
    assert_eq!(slice, exact);

    // The list follows the articles as they read now: the follow-up put right drops out.
    put_article(
        &app,
        &n.token,
        "https://news.example.com/2026/12/bridge-work-begins",
        "Bridge work begins",
        &VERBATIM.replace("14,000", "12,000"),
    )
    .await;
    let path = format!("/api/v1/corrections/{}/related", n.note);
    let (_, answer) = app.get(&path, Some(&n.token)).await;
    let ids: Vec<i64> = related_of(&answer)
        .iter()
        .map(|r| r["article"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![n.edited], "{answer}");

    // And the note as amended: a claim no article repeats leaves nothing to list.
    let (status, _) = app
        .put(
            &format!("/api/v1/corrections/{}", n.note),
            Some(&n.token),
            json!({ "wrong": "the span opened in 1931", "passage": null, "reason": "Wrong claim named." }),
        )
        .await;
    assert_eq!(status, Status::Ok);
    let (_, answer) = app.get(&path, Some(&n.token)).await;
    assert_eq!(answer, json!({ "related": [] }));
}

#[rocket::async_test]
async fn the_related_list_needs_a_token_with_reports_read() {
    let app = TestApp::new().await;
    let n = newsroom(&app).await;
    let path = format!("/api/v1/corrections/{}/related", n.note);
    assert_error(
        &app.get(&path, None).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    let (_, writer) = app.user(Role::Editor, &[Scope::CorrectionsWrite]);
    assert_error(
        &app.get(&path, Some(&writer)).await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    let (_, reviewer) = app.user(Role::Reviewer, &[Scope::ReportsRead]);
    let (status, answer) = app.get(&path, Some(&reviewer)).await;
    assert_eq!(status, Status::Ok, "{answer}");
    assert_eq!(related_of(&answer).len(), 2);
    assert_error(
        &app.get("/api/v1/corrections/4242/related", Some(&n.token))
            .await,
        Status::NotFound,
        "note_not_found",
        None,
    );
}

#[rocket::async_test]
async fn a_retracted_notes_claim_is_not_looked_for() {
    let app = TestApp::new().await;
    let n = newsroom(&app).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/corrections/{}/retract", n.note),
            Some(&n.token),
            json!({ "reason": "The study was misread; 14,000 was right." }),
        )
        .await;
    assert_eq!(status, Status::Ok);
    let (status, answer) = app
        .get(
            &format!("/api/v1/corrections/{}/related", n.note),
            Some(&n.token),
        )
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(answer, json!({ "related": [] }));
}

#[rocket::async_test]
async fn an_editor_opens_a_report_on_a_repeat_in_one_click() {
    let app = TestApp::new().await;
    let n = newsroom(&app).await;
    let (editor, csrf) = signed_in(&app, Role::Editor).await;
    let page = get(&app, &format!("/dashboard/notes/{}", n.note)).await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    assert!(page.has("Bridge work begins") && page.has("Delays on the bridge"));
    assert!(!page.has("Ferry terminal reopens") && !page.has("Elsewhere"));
    assert_eq!(page.body.matches(">Open a report</button>").count(), 2);

    let exact = "The bridge carries roughly 14,000 vehicles a day";
    let start = cp_offset(VERBATIM, exact);
    let end = start + exact.chars().count() as i64;
    let action = format!("/dashboard/notes/{}/related", n.note);

    // A place that is not a repeat: refused, nothing written.
    let before = app.counts();
    let refused = post_form(
        &app,
        &action,
        &[
            ("article_id", &n.verbatim.to_string()),
            ("start", "0"),
            ("end", &end.to_string()),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(refused.status, Status::Conflict, "{}", refused.body);
    assert!(refused.has("no longer repeats the claim"));
    assert_eq!(app.counts(), before);

    let done = post_form(
        &app,
        &action,
        &[
            ("article_id", &n.verbatim.to_string()),
            ("start", &start.to_string()),
            ("end", &end.to_string()),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    let to = done.location.expect("to the new report");
    let id: i64 = to
        .strip_prefix("/dashboard/reports/")
        .and_then(|i| i.parse().ok())
        .expect("a report's workspace");

    let (_, report) = app
        .get(&format!("/api/v1/reports/{id}"), Some(&n.token))
        .await;
    assert_eq!(
        report["article"]["id"].as_i64(),
        Some(n.verbatim),
        "{report}"
    );
    assert_eq!(report["passage"]["exact"], exact);
    assert_eq!(
        (
            report["passage"]["start"].as_i64(),
            report["passage"]["end"].as_i64()
        ),
        (Some(start), Some(end))
    );
    assert_eq!(report["category"], "factual_error");
    assert_eq!(report["state"], "new");
    let description = report["description"].as_str().unwrap_or_default();
    assert!(
        description.contains(&format!("correction note {}", n.note)),
        "{description}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM reports WHERE id = {id} AND reporter_name = '{}' AND reporter_email IS NULL AND notify = FALSE",
            editor.name
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'opened_from_note' AND report_id = {id} AND note_id = {} AND actor_id = {}",
            n.note, editor.id
        )),
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox"), 0);

    // The editor lands on the new report with its passage marked.
    let workspace = get(&app, &to).await;
    assert!(
        workspace.has(&format!("<mark id=\"passage\">{exact}</mark>")),
        "{}",
        workspace.body
    );
}

#[rocket::async_test]
async fn only_the_editor_desk_opens_reports_from_repeats() {
    let app = TestApp::new().await;
    let n = newsroom(&app).await;
    let (_, csrf) = signed_in(&app, Role::Reviewer).await;
    let page = get(&app, &format!("/dashboard/notes/{}", n.note)).await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("Bridge work begins"));
    assert!(!page.has(">Open a report</button>"));
    let before = app.counts();
    let refused = post_form(
        &app,
        &format!("/dashboard/notes/{}/related", n.note),
        &[
            ("article_id", &n.verbatim.to_string()),
            ("start", "0"),
            ("end", "10"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(refused.status, Status::Forbidden);
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn a_note_may_be_its_standard_sentence_alone() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({
                "kind": "correction",
                "wrong": "the vote was on Tusday",
                "right": "the vote was on Tuesday",
                "body_markdown": "  ",
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    assert_eq!(note["body_html"], "");
    assert_eq!(
        note["sentence"],
        "An earlier version of this article misstated the vote was on Tusday. It is the vote was on Tuesday."
    );
    // Its public page says the sentence.
    let page = get(&app, &format!("/corrections/{}", note["id"])).await;
    assert!(page.has("It is the vote was on Tuesday."), "{}", page.body);
    // Amended, it may keep no body as long as it keeps wrong or right.
    let amend = format!("/api/v1/corrections/{}", note["id"]);
    let (status, amended) = app
        .put(
            &amend,
            Some(&token),
            json!({ "wrong": null, "reason": "Only the right day matters." }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{amended}");
    assert_eq!(amended["sentence"], "It is the vote was on Tuesday.");
    let before = app.counts();
    assert_error(
        &app.put(
            &amend,
            Some(&token),
            json!({ "right": null, "reason": "Nothing left." }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("body_markdown"),
    );
    assert_eq!(app.counts(), before);

    // From the dashboard too, and the reader hears the sentence.
    let filed = app
        .report("a $48 million bond", Some("ada@readers.test"))
        .await;
    let report = report_id(&app, &filed);
    let (_, csrf) = signed_in(&app, Role::Editor).await;
    let done = post_form(
        &app,
        &format!("/dashboard/reports/{report}/publish"),
        &[
            ("kind", "correction"),
            ("wrong", "a $48 million bond"),
            ("right", "a $46 million bond"),
            ("body_markdown", ""),
            ("placement", "bottom"),
            ("passage", "a $48 million bond"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    assert_eq!(state_of(&app, report), "resolved:corrected");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND body_text LIKE '%It is a $46 million bond.%'"),
        1
    );

    // Neither body nor wrong nor right: nothing to say, nothing written.
    let before = app.counts();
    assert_error(
        &app.post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({ "kind": "update", "body_markdown": "" }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("body_markdown"),
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn a_report_whose_note_is_retracted_stays_resolved_and_says_so() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let filed = app
        .report("roughly 14,000 vehicles a day", Some("ada@readers.test"))
        .await;
    let report = report_id(&app, &filed);
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({
                "kind": "correction",
                "wrong": "roughly 14,000 vehicles a day",
                "right": "roughly 12,000 vehicles a day",
                "passage": { "exact": "roughly 14,000 vehicles a day" },
                "resolves": [report],
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    let note_id = note["id"].as_i64().unwrap();
    let reason = "The 2022 study does say 14,000.";
    let (status, _) = app
        .post(
            &format!("/api/v1/corrections/{note_id}/retract"),
            Some(&token),
            json!({ "reason": reason }),
        )
        .await;
    assert_eq!(status, Status::Ok);

    // The report stays resolved, and its timeline says why the note went.
    assert_eq!(state_of(&app, report), "resolved:corrected");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'note_retracted' AND report_id = {report} AND note_id = {note_id} AND body = '{reason}'"
        )),
        1
    );
    signed_in(&app, Role::Editor).await;
    let workspace = get(&app, &format!("/dashboard/reports/{report}")).await;
    assert!(
        workspace.has("The note was retracted on") && workspace.has(reason),
        "{}",
        workspace.body
    );
    assert!(workspace.has(&format!("retracted note {note_id}, which resolved it")));

    // The reader's status page and its JSON show the note, marked retracted with the reason.
    let status_url = filed["status_url"].as_str().unwrap();
    let path = status_url.trim_start_matches("http://errata.test");
    let page = get(&app, path).await;
    assert!(page.has("id=\"note-retracted\""), "{}", page.body);
    assert!(
        page.has("was retracted on") && page.has(reason),
        "{}",
        page.body
    );
    let (_, json_status) = app.get(&api_status_path(&filed), None).await;
    assert_eq!(json_status["note"]["status"], "retracted", "{json_status}");
    assert_eq!(json_status["note"]["retraction_reason"], reason);
    assert_eq!(json_status["resolution"], "corrected");
    // The dashboard's note page says so too, and looks for no repeats.
    let note_page = get(&app, &format!("/dashboard/notes/{note_id}")).await;
    assert!(note_page.has("Retracted on") && note_page.has("is not looked for"));
}
