//! `POST /api/v1/reports/{id}/transitions`: the state machine through HTTP, roles and scopes.

use errata::accounts::{Role, Scope};
use rocket::http::Status;
use serde_json::json;

use crate::support::{assert_error, TestApp};

fn path(id: i64) -> String {
    format!("/api/v1/reports/{id}/transitions")
}

#[rocket::async_test]
async fn a_report_moves_through_the_workflow_and_each_move_is_an_event() {
    let app = TestApp::new().await;
    let (editor, token) = app.user(Role::Editor, &[]);
    let (_, reviewer) = app.user(Role::Reviewer, &[]);
    app.article(&token).await;
    let id = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();

    let (status, r) = app
        .post(&path(id), Some(&reviewer), json!({ "to": "triaged" }))
        .await;
    assert_eq!(status, Status::Ok, "{r}");
    assert_eq!(r["state"], "triaged");
    let (_, r) = app
        .post(
            &path(id),
            Some(&reviewer),
            json!({ "to": "investigating", "note": "Asked the city for the study." }),
        )
        .await;
    assert_eq!(r["state"], "investigating");
    let (status, r) = app
        .post(
            &path(id),
            Some(&token),
            json!({ "to": "resolved", "resolution": "no_error" }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{r}");
    assert_eq!(
        (r["state"].as_str(), r["resolution"].as_str()),
        (Some("resolved"), Some("no_error"))
    );
    assert!(r["resolved_at"].as_str().is_some());
    // The reporter asked to hear back: the outcome is queued for them.
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND recipient = 'ada@example.org'"), 1);

    // Reopening takes no resolution, and a refused reopen changes nothing and mails no one.
    let before = app.counts();
    let got = app
        .post(
            &path(id),
            Some(&token),
            json!({ "to": "investigating", "resolution": "no_error" }),
        )
        .await;
    assert_error(
        &got,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("resolution"),
    );
    assert_eq!(app.counts(), before);
    let (status, r) = app
        .post(&path(id), Some(&token), json!({ "to": "investigating" }))
        .await;
    assert_eq!(status, Status::Ok, "reopen: {r}");
    assert_eq!(r["resolution"], serde_json::Value::Null);
    let transitions: Vec<(String, String)> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "transition")
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_owned(),
                e["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        transitions,
        vec![
            ("new".into(), "triaged".into()),
            ("triaged".into(), "investigating".into()),
            ("investigating".into(), "resolved:no_error".into()),
            ("resolved".into(), "investigating".into()),
        ]
    );
    assert_eq!(
        r["events"].as_array().unwrap().last().unwrap()["actor"]["id"],
        editor.id
    );
}

#[rocket::async_test]
async fn moves_outside_the_workflow_are_409_with_the_allowed_ones() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let id = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let got = app
        .post(&path(id), Some(&token), json!({ "to": "investigating" }))
        .await;
    assert_error(&got, Status::Conflict, "invalid_transition", None);
    assert_eq!(got.1["error"]["allowed"], json!(["triaged", "resolved"]));
    app.post(&path(id), Some(&token), json!({ "to": "triaged" }))
        .await;
    app.post(&path(id), Some(&token), json!({ "to": "investigating" }))
        .await;
    let before = app.counts();
    let got = app
        .post(&path(id), Some(&token), json!({ "to": "triaged" }))
        .await;
    assert_error(&got, Status::Conflict, "invalid_transition", None);
    assert_eq!(got.1["error"]["allowed"], json!(["resolved"]));
    assert_error(
        &app.post(&path(id), Some(&token), json!({ "to": "closed" }))
            .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("to"),
    );
    assert_error(
        &app.post(&path(id), Some(&token), json!({})).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("to"),
    );
    assert_error(
        &app.post(&path(id), Some(&token), json!({ "to": "resolved" }))
            .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("resolution"),
    );
    assert_error(
        &app.post(
            &path(id),
            Some(&token),
            json!({ "to": "resolved", "resolution": "fixed" }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("resolution"),
    );
    // `corrected` stands only on a published note.
    assert_error(
        &app.post(
            &path(id),
            Some(&token),
            json!({ "to": "resolved", "resolution": "corrected" }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("resolution"),
    );
    assert_error(
        &app.post(
            &path(id),
            Some(&token),
            json!({ "to": "resolved", "resolution": "duplicate" }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("duplicate_of"),
    );
    assert_error(
        &app.post(
            &path(id),
            Some(&token),
            json!({ "to": "resolved", "resolution": "duplicate", "duplicate_of": id }),
        )
        .await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("duplicate_of"),
    );
    assert_error(
        &app.post(
            "/api/v1/reports/777/transitions",
            Some(&token),
            json!({ "to": "triaged" }),
        )
        .await,
        Status::NotFound,
        "report_not_found",
        None,
    );
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn reviewers_cannot_resolve_or_reopen_but_may_mark_duplicates() {
    let app = TestApp::new().await;
    let token = app.editor();
    let (_, reviewer) = app.user(Role::Reviewer, &[]);
    app.article(&token).await;
    let original = app
        .report("roughly 14,000 vehicles a day", Some("first@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let copy = app
        .report("roughly 14,000 vehicles a day", Some("second@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let before = app.counts();
    for resolution in ["no_error", "spam"] {
        let got = app
            .post(
                &path(original),
                Some(&reviewer),
                json!({ "to": "resolved", "resolution": resolution }),
            )
            .await;
        assert_error(&got, Status::Forbidden, "forbidden", None);
    }
    assert_eq!(app.counts(), before);

    let (status, dup) = app
        .post(
            &path(copy),
            Some(&reviewer),
            json!({ "to": "resolved", "resolution": "duplicate", "duplicate_of": original }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{dup}");
    assert_eq!(dup["duplicate_of"], original);
    assert_error(
        &app.post(
            &path(copy),
            Some(&reviewer),
            json!({ "to": "investigating" }),
        )
        .await,
        Status::Forbidden,
        "forbidden",
        None,
    );

    // When the original is resolved, the duplicate's reporter hears too.
    let (status, _) = app
        .post(
            &path(original),
            Some(&token),
            json!({ "to": "resolved", "resolution": "no_error" }),
        )
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND recipient = 'first@example.org'"), 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND recipient = 'second@example.org'"), 2);
}

#[rocket::async_test]
async fn spam_is_resolved_silently() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let id = app
        .report("roughly 14,000 vehicles a day", Some("troll@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .post(
            &path(id),
            Some(&token),
            json!({ "to": "resolved", "resolution": "spam" }),
        )
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved'"),
        0
    );
}

#[rocket::async_test]
async fn transitions_need_a_token_with_reports_write() {
    let app = TestApp::new().await;
    let token = app.editor();
    let (_, read_only) = app.user(Role::Editor, &[Scope::ReportsRead]);
    app.article(&token).await;
    let id = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    assert_error(
        &app.post(&path(id), None, json!({ "to": "triaged" })).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    assert_error(
        &app.post(&path(id), Some(&read_only), json!({ "to": "triaged" }))
            .await,
        Status::Forbidden,
        "forbidden",
        None,
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM reports WHERE state = 'new'"),
        1
    );
}

#[rocket::async_test]
async fn followers_of_a_report_follow_its_original_when_it_becomes_a_duplicate() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let y = app
        .report("roughly 14,000 vehicles a day", Some("y@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let x = app
        .report("roughly 14,000 vehicles a day", Some("x@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let z = app
        .report("roughly 14,000 vehicles a day", Some("z@example.org"))
        .await["id"]
        .as_i64()
        .unwrap();
    let dup = |of: i64| json!({ "to": "resolved", "resolution": "duplicate", "duplicate_of": of });
    assert_eq!(app.post(&path(z), Some(&token), dup(x)).await.0, Status::Ok);
    assert_eq!(app.post(&path(x), Some(&token), dup(y)).await.0, Status::Ok);
    let (_, zr) = app.get(&format!("/api/v1/reports/{z}"), Some(&token)).await;
    assert_eq!(zr["duplicate_of"], y, "z now follows the original");
    let moved = zr["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "duplicate_of")
        .cloned()
        .unwrap();
    assert_eq!(
        (moved["from"].as_str(), moved["to"].as_str()),
        (Some(x.to_string().as_str()), Some(y.to_string().as_str()))
    );
    app.post(
        &path(y),
        Some(&token),
        json!({ "to": "resolved", "resolution": "no_error" }),
    )
    .await;
    for reader in ["x@example.org", "y@example.org", "z@example.org"] {
        let n = app.count(&format!(
            "SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND recipient = '{reader}' AND body_text LIKE '%No error found%'"
        ));
        assert_eq!(n, 1, "{reader} hears the outcome");
    }
}

#[rocket::async_test]
async fn a_duplicate_of_a_duplicate_points_at_the_original() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let a = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let b = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let c = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .unwrap();
    let dup = |of: i64| json!({ "to": "resolved", "resolution": "duplicate", "duplicate_of": of });
    app.post(&path(b), Some(&token), dup(a)).await;
    let (status, cr) = app.post(&path(c), Some(&token), dup(b)).await;
    assert_eq!(status, Status::Ok, "{cr}");
    assert_eq!(cr["duplicate_of"], a);
    assert_error(
        &app.post(&path(a), Some(&token), dup(9999)).await,
        Status::UnprocessableEntity,
        "invalid_field",
        Some("duplicate_of"),
    );
}
