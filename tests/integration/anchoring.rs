//! Re-anchoring through the server: a new revision moves open reports' and live notes' anchors,
//! orphans honestly, retries orphans later, marks corrected passages, and editors re-attach by hand.

use rocket::http::Status;
use serde_json::{json, Value};

use crate::articles::urlencode;
use crate::support::{assert_error, TestApp, ARTICLE_URL, R1};

async fn anchor_of(app: &TestApp, token: &str, id: i64) -> Value {
    let (status, report) = app.get(&format!("/api/v1/reports/{id}"), Some(token)).await;
    assert_eq!(status, Status::Ok, "{report}");
    report["anchor"].clone()
}

async fn revise(app: &TestApp, token: &str, text: &str) -> Value {
    let (status, body) = app
        .put("/api/v1/articles", Some(token), json!({ "url": ARTICLE_URL, "title": "Council approves bridge bond", "body_text": text }))
        .await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["changed"], true);
    body
}

fn span(anchor: &Value) -> (Option<i64>, Option<i64>) {
    (anchor["start"].as_i64(), anchor["end"].as_i64())
}

#[rocket::async_test]
async fn a_new_paragraph_shifts_an_open_report() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let id = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let inserted = R1.replacen(
        "since March.\n\n",
        "since March.\n\nThe bond will be repaid over 20 years through a property tax levy approved by voters in 2019.\n\n",
        1,
    );
    let revision = revise(&app, &token, &inserted).await;
    let anchor = anchor_of(&app, &token, id).await;
    assert_eq!(anchor["status"], "anchored", "{anchor}");
    assert_eq!(span(&anchor), (Some(592), Some(621)));
    assert_eq!(anchor["revision_id"], revision["revision"]["id"]);
    assert_eq!(anchor["text"], "roughly 14,000 vehicles a day");
}

#[rocket::async_test]
async fn a_changed_name_orphans_the_report_instead_of_jumping_and_is_retried_later() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let mut body = json!({
        "article_url": ARTICLE_URL,
        "passage": { "exact": "Ortega", "prefix": "Council member Luis ", "suffix": ", who voted against" },
        "category": "misquote",
        "description": "The council member's name is misspelled here.",
    });
    let (status, filed) = app.post("/api/v1/reports", None, body.take()).await;
    assert_eq!(status, Status::Created, "{filed}");
    assert_eq!(
        (
            filed["passage"]["start"].as_i64(),
            filed["passage"]["end"].as_i64()
        ),
        (Some(312), Some(318))
    );
    let id = filed["id"].as_i64().unwrap();

    revise(&app, &token, &R1.replacen("Luis Ortega", "Luis Ortiz", 1)).await;
    let anchor = anchor_of(&app, &token, id).await;
    assert_eq!(anchor["status"], "orphaned", "{anchor}");
    assert_eq!(anchor["now_reads"], "Ortiz");
    assert_eq!(anchor["start"], Value::Null);
    let (_, report) = app
        .get(&format!("/api/v1/reports/{id}"), Some(&token))
        .await;
    let event = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "anchor")
        .cloned()
        .unwrap();
    assert_eq!(
        (event["from"].as_str(), event["to"].as_str()),
        (Some("anchored"), Some("orphaned"))
    );

    // The name is restored in a later revision: the orphan is retried from where it last stood.
    revise(&app, &token, R1).await;
    let anchor = anchor_of(&app, &token, id).await;
    assert_eq!(anchor["status"], "anchored", "{anchor}");
    assert_eq!(span(&anchor), (Some(312), Some(318)));
}

#[rocket::async_test]
async fn an_editor_reattaches_an_orphan_by_hand() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let id = app.report("Council member Luis Ortega", None).await["id"]
        .as_i64()
        .unwrap();
    revise(
        &app,
        &token,
        &R1.replacen(
            "Council member Luis Ortega, who voted against the measure, said",
            "Ortega, a council member who opposed the bond, argued",
            1,
        ),
    )
    .await;
    let path = format!("/api/v1/reports/{id}/anchor");

    let before = app.counts();
    let cases: Vec<(Value, Status, &str)> = vec![
        (
            json!({ "start": 10, "end": 5 }),
            Status::UnprocessableEntity,
            "invalid_field",
        ),
        (
            json!({ "start": 0, "end": 100000 }),
            Status::UnprocessableEntity,
            "invalid_field",
        ),
        (json!({}), Status::UnprocessableEntity, "invalid_field"),
        (
            json!({ "start": 1, "end": 4, "exact": "x" }),
            Status::UnprocessableEntity,
            "invalid_field",
        ),
        (
            json!({ "exact": "not in the article at all" }),
            Status::UnprocessableEntity,
            "passage_not_found",
        ),
    ];
    for (body, status, code) in cases {
        assert_error(
            &app.put(&path, Some(&token), body).await,
            status,
            code,
            None,
        );
    }
    assert_error(
        &app.put(&path, None, json!({ "start": 0, "end": 5 })).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_eq!(app.counts(), before);

    let (status, report) = app
        .put(
            &path,
            Some(&token),
            json!({ "exact": "Ortega, a council member", "suffix": " who opposed" }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(report["anchor"]["status"], "anchored");
    assert_eq!(report["anchor"]["method"], "manual");
    assert_eq!(report["anchor"]["text"], "Ortega, a council member");
    let (status, report) = app
        .put(&path, Some(&token), json!({ "start": 0, "end": 10 }))
        .await;
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(span(&report["anchor"]), (Some(0), Some(10)));
    let manual = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "anchor" && e["actor"].is_object())
        .count();
    assert_eq!(manual, 2);
}

#[rocket::async_test]
async fn words_a_published_note_put_right_are_corrected_not_lost() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let first = app
        .report("on Tusday to approve", Some("one@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let second = app.report("on Tusday to approve", None).await["id"]
        .as_i64()
        .unwrap();
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({
                "kind": "correction", "wrong": "Tusday", "right": "Tuesday",
                "body_markdown": "The vote was on Tuesday.",
                "passage": { "exact": "Tusday", "prefix": "voted 6-3 on " },
                "resolves": [first],
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    revise(&app, &token, &R1.replacen("Tusday", "Tuesday", 1)).await;

    // The open report on the same words now points at the corrected words.
    let anchor = anchor_of(&app, &token, second).await;
    assert_eq!(anchor["status"], "corrected", "{anchor}");
    assert_eq!(anchor["text"], "on Tuesday to approve", "{anchor}");
    assert_eq!(span(&anchor), (Some(40), Some(61)));
    assert!(
        anchor["text"].as_str().unwrap().contains("Tuesday"),
        "{anchor}"
    );

    // The resolved report keeps its old anchor; the note follows the text.
    let resolved = anchor_of(&app, &token, first).await;
    assert_eq!(resolved["text"], "on Tusday to approve");
    let (_, public) = app
        .get(
            &format!("/api/v1/corrections?url={}", urlencode(ARTICLE_URL)),
            None,
        )
        .await;
    assert_eq!(
        public["corrections"][0]["passage"]["exact"], "Tuesday",
        "{public}"
    );
}

#[rocket::async_test]
async fn a_note_passage_moves_with_the_text() {
    let app = TestApp::new().await;
    let token = app.editor();
    let article = app.article(&token).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(&token),
            json!({ "kind": "update", "body_markdown": "The study was published in 2023.", "passage": { "exact": "a 2022 traffic study" } }),
        )
        .await;
    assert_eq!(status, Status::Created);
    let moved = R1.replacen("HARBORVIEW — ", "HARBORVIEW — (Updated) ", 1);
    revise(&app, &token, &moved).await;
    let (_, public) = app
        .get(
            &format!("/api/v1/corrections?url={}", urlencode(ARTICLE_URL)),
            None,
        )
        .await;
    let passage = &public["corrections"][0]["passage"];
    assert_eq!(passage["exact"], "a 2022 traffic study");
    let text = errata::text::canonical_from_text(&moved);
    let at = text
        .find("a 2022 traffic study")
        .map(|b| text[..b].chars().count())
        .unwrap() as i64;
    assert_eq!(passage["start"], at);
}

#[rocket::async_test]
async fn two_equal_new_homes_make_the_anchor_ambiguous_with_both_candidates() {
    let app = TestApp::new().await;
    let token = app.editor();
    let filler = "Unrelated opening paragraph about the weather and the tides.";
    let closing = "Closing paragraph with other news.";
    let old = format!(
        "{filler}\n\nThe council approved the budget on Monday after a long debate.\n\n{closing}"
    );
    app.article_with(&token, ARTICLE_URL, &old).await;
    let id = app.report("approved the budget on Monday", None).await["id"]
        .as_i64()
        .unwrap();
    let twice = "The council approved the budget on Tuesday after a long debate.";
    revise(
        &app,
        &token,
        &format!("{filler}\n\n{twice}\n\n{twice}\n\n{closing}"),
    )
    .await;
    let anchor = anchor_of(&app, &token, id).await;
    assert_eq!(anchor["status"], "ambiguous", "{anchor}");
    assert_eq!(
        span(&anchor),
        (None, None),
        "no guess is published: {anchor}"
    );
    let candidates = anchor["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 2, "{anchor}");
    for c in candidates {
        assert_eq!(c["text"], "approved the budget on Tuesday");
    }
    assert!(candidates[0]["start"].as_i64() < candidates[1]["start"].as_i64());
    // An editor settles it by hand.
    let pick = json!({ "start": candidates[1]["start"], "end": candidates[1]["end"] });
    let (status, report) = app
        .put(&format!("/api/v1/reports/{id}/anchor"), Some(&token), pick)
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(report["anchor"]["status"], "anchored");
}

#[rocket::async_test]
async fn revision_routes_answer_404_and_401_clearly() {
    let app = TestApp::new().await;
    let token = app.editor();
    let id = app.article(&token).await;
    assert_error(
        &app.get("/api/v1/articles/999/revisions", Some(&token))
            .await,
        Status::NotFound,
        "article_not_found",
        None,
    );
    assert_error(
        &app.get("/api/v1/articles/999/revisions/1/diff", Some(&token))
            .await,
        Status::NotFound,
        "article_not_found",
        None,
    );
    assert_error(
        &app.get(&format!("/api/v1/articles/{id}/revisions"), None)
            .await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_error(
        &app.get(&format!("/api/v1/articles/{id}/revisions/1/diff"), None)
            .await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    let (status, first) = app
        .get(
            &format!("/api/v1/articles/{id}/revisions/1/diff"),
            Some(&token),
        )
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(first["previous"], Value::Null);
    assert!(first["spans"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["op"] == "insert"));
}

#[rocket::async_test]
async fn a_browsers_utf16_offsets_are_converted_at_the_edge() {
    let app = TestApp::new().await;
    let token = app.editor();
    // Two astral characters (two UTF-16 units each) before the words.
    let text = "Fans 🎉🎉 cheered the 6-3 vote.\n\nThe bridge reopens in May.";
    app.article_with(&token, ARTICLE_URL, text).await;
    let id = app.report("the 6-3 vote", None).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/reports/{id}/anchor");
    let utf16_start = "Fans 🎉🎉 cheered ".encode_utf16().count() as i64;
    let utf16_end = utf16_start + "the 6-3 vote".encode_utf16().count() as i64;
    let (status, report) = app
        .put(
            &path,
            Some(&token),
            json!({ "start": utf16_start, "end": utf16_end, "offsets": "utf16" }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(report["anchor"]["text"], "the 6-3 vote");
    let cp_start = "Fans 🎉🎉 cheered ".chars().count() as i64;
    assert_eq!(
        span(&report["anchor"]),
        (Some(cp_start), Some(cp_start + 12))
    );

    let before = app.counts();
    // Offset 6 falls between the two halves of the first emoji.
    assert_error(
        &app.put(
            &path,
            Some(&token),
            json!({ "start": 6, "end": 10, "offsets": "utf16" }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("start"),
    );
    assert_error(
        &app.put(
            &path,
            Some(&token),
            json!({ "start": 0, "end": 4, "offsets": "bytes" }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("offsets"),
    );
    assert_error(
        &app.put(
            &path,
            Some(&token),
            json!({ "exact": "the 6-3 vote", "offsets": "utf16" }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("offsets"),
    );
    assert_eq!(app.counts(), before);
}

/// Re-anchoring is worked out before the write lock; a report filed in between must not be left
/// behind on the old revision, and the reports the plan knew must still be moved.
#[rocket::async_test]
async fn a_report_filed_while_a_revision_is_planned_is_moved_too() {
    use errata::anchoring::{commit_revision, plan_revision};
    use errata::articles::{ArticleInput, Body};

    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let early = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let input = ArticleInput {
        url: ARTICLE_URL.into(),
        title: "Council approves bridge bond".into(),
        body: Body::Text(R1.replacen("Tusday", "Tuesday", 1)),
        published_at: None,
    };
    let mut conn = app.conn();
    let plan = plan_revision(&mut conn, &input).unwrap();
    assert!(
        plan.is_some(),
        "the text changed, so there is something to plan"
    );
    // Filed after the plan was made, before it is committed.
    let late = app.report("a public hearing", None).await["id"]
        .as_i64()
        .unwrap();
    let done = commit_revision(&mut conn, &input, plan).unwrap();
    assert!(done.changed);
    for (id, words) in [
        (early, "roughly 14,000 vehicles a day"),
        (late, "a public hearing"),
    ] {
        let anchor = anchor_of(&app, &token, id).await;
        assert_eq!(anchor["status"], "anchored", "{anchor}");
        assert_eq!(anchor["revision_id"], done.revision.id, "{anchor}");
        assert_eq!(anchor["text"], words);
    }
}
