//! The editors' dashboard through HTTP: sign-in and its throttle, the redirect for signed-out
//! users, CSRF refusals that change nothing, the role matrix, the queue (tabs, filters, search,
//! pages, groups), the workspace and every action on it, bulk actions and publishing from a report.

use errata::accounts::Role;
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

use crate::support::{TestApp, ARTICLE_URL};

/// The password `TestApp::user` gives everyone.
pub const PASSWORD: &str = "a long test password";

/// A page's HTML and status.
pub struct Html {
    pub status: Status,
    pub body: String,
    pub location: Option<String>,
}

impl Html {
    pub fn has(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }

    /// The value of the first `<input name="csrf_token" value="…">` or the meta tag.
    pub fn csrf(&self) -> String {
        for marker in [
            "name=\"csrf_token\" value=\"",
            "name=\"csrf-token\" content=\"",
        ] {
            if let Some(i) = self.body.find(marker) {
                let rest = &self.body[i + marker.len()..];
                return rest[..rest.find('"').expect("closing quote")].to_owned();
            }
        }
        panic!("no CSRF token on the page:\n{}", self.body);
    }
}

pub async fn get(app: &TestApp, path: &str) -> Html {
    let res = app.client.get(path.to_owned()).dispatch().await;
    let status = res.status();
    let location = res.headers().get_one("Location").map(str::to_owned);
    Html {
        status,
        location,
        body: res.into_string().await.unwrap_or_default(),
    }
}

pub async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Html {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let res = app
        .client
        .post(path.to_owned())
        .header(ContentType::Form)
        .body(body)
        .dispatch()
        .await;
    let status = res.status();
    let location = res.headers().get_one("Location").map(str::to_owned);
    Html {
        status,
        location,
        body: res.into_string().await.unwrap_or_default(),
    }
}

/// Signs in as `email` through the form; returns the session's CSRF token.
pub async fn sign_in_as(app: &TestApp, email: &str) -> String {
    let form = get(app, "/signin").await;
    assert_eq!(form.status, Status::Ok);
    let done = post_form(
        app,
        "/signin",
        &[
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &form.csrf()),
            ("next", "/dashboard"),
        ],
    )
    .await;
    assert_eq!(done.status, Status::SeeOther, "{}", done.body);
    get(app, "/dashboard").await.csrf()
}

/// A user of `role`, signed in; returns their email and CSRF token.
pub async fn signed_in(app: &TestApp, role: Role) -> (errata::accounts::User, String) {
    let (user, _) = app.user(role, &[]);
    let csrf = sign_in_as(app, &user.email).await;
    (user, csrf)
}

/// An article and reports on it, filed by readers through the API; returns their ids.
pub async fn article_with_reports(app: &TestApp, quotes: &[&str]) -> Vec<i64> {
    let (_, token) = app.user(Role::Editor, &[]);
    app.article(&token).await;
    let mut ids = Vec::new();
    for q in quotes {
        let filed = app.report(q, None).await;
        ids.push(report_id(app, &filed));
    }
    ids
}

pub(crate) fn report_id(app: &TestApp, filed: &Value) -> i64 {
    let reference = filed["reference"].as_str().expect("reference");
    app.count(&format!(
        "SELECT id AS n FROM reports WHERE reference = '{reference}'"
    ))
}

pub(crate) fn state_of(app: &TestApp, id: i64) -> String {
    use diesel::prelude::*;
    use errata::db::schema::reports;
    let mut conn = app.conn();
    let (state, resolution): (String, Option<String>) = reports::table
        .find(id)
        .select((reports::state, reports::resolution))
        .first(&mut conn)
        .expect("report");
    match resolution {
        Some(r) => format!("{state}:{r}"),
        None => state,
    }
}

#[rocket::async_test]
async fn signed_out_visitors_are_sent_to_sign_in_and_brought_back() {
    let app = TestApp::new().await;
    let ids = article_with_reports(&app, &["$48 million bond"]).await;
    let page = format!("/dashboard/reports/{}", ids[0]);
    for path in ["/dashboard", page.as_str(), "/dashboard/account"] {
        let res = get(&app, path).await;
        assert_eq!(res.status, Status::SeeOther, "{path}");
        let to = res.location.expect("a redirect");
        assert!(to.starts_with("/signin?next="), "{to}");
    }
    // A form sent without a session changes nothing and goes to sign-in too.
    let before = state_of(&app, ids[0]);
    let res = post_form(&app, &format!("{page}/move"), &[("to", "triaged")]).await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(state_of(&app, ids[0]), before);

    // Signing in from the redirect lands on the page asked for.
    let (user, _) = app.user(Role::Reviewer, &[]);
    let form = get(&app, &format!("/signin?next={}", page.replace('/', "%2F"))).await;
    assert!(form.has(&format!("value=\"{page}\"")), "{}", form.body);
    let done = post_form(
        &app,
        "/signin",
        &[
            ("email", &user.email),
            ("password", PASSWORD),
            ("csrf_token", &form.csrf()),
            ("next", &page),
        ],
    )
    .await;
    assert_eq!(done.status, Status::SeeOther);
    assert_eq!(done.location.as_deref(), Some(page.as_str()));
    assert_eq!(get(&app, &page).await.status, Status::Ok);

    // Never to another site.
    let evil = post_form(
        &app,
        "/signin",
        &[("next", "https://evil.example/"), ("csrf_token", "x")],
    )
    .await;
    assert!(!evil.has("evil.example"), "{}", evil.body);
}

#[rocket::async_test]
async fn the_session_cookie_is_private_http_only_and_lax() {
    let app = TestApp::new().await;
    let (user, _) = app.user(Role::Editor, &[]);
    let form = get(&app, "/signin").await;
    let body = format!(
        "email={}&password=a+long+test+password&csrf_token={}&next=%2Fdashboard",
        user.email.replace('@', "%40"),
        form.csrf()
    );
    let res = app
        .client
        .post("/signin")
        .header(ContentType::Form)
        .body(body)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    let cookie = res
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("errata_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // The value is encrypted: the stored hash is of a secret that does not appear in the cookie.
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions"), 1);
    assert!(!cookie.contains(&user.email));
}

#[rocket::async_test]
async fn a_wrong_password_is_refused_and_repeated_failures_are_throttled() {
    let app = TestApp::new().await;
    let (user, _) = app.user(Role::Editor, &[]);
    for _ in 0..5 {
        let form = get(&app, "/signin").await;
        let res = post_form(
            &app,
            "/signin",
            &[
                ("email", &user.email),
                ("password", "not the password"),
                ("csrf_token", &form.csrf()),
            ],
        )
        .await;
        assert_eq!(res.status, Status::Unauthorized);
        assert!(res.has("The email or the password is not right."));
        assert!(
            res.has(&format!("value=\"{}\"", user.email)),
            "the email is kept"
        );
    }
    // Now even the right password waits.
    let form = get(&app, "/signin").await;
    let res = app
        .client
        .post("/signin")
        .header(ContentType::Form)
        .body(format!(
            "email={}&password=a+long+test+password&csrf_token={}",
            user.email.replace('@', "%40"),
            form.csrf()
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::TooManyRequests);
    let retry: i64 = res
        .headers()
        .get_one("Retry-After")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    let body = res.into_string().await.unwrap_or_default();
    assert!(body.contains("Please try again in"), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions"), 0);
}

#[rocket::async_test]
async fn the_sign_in_form_needs_its_own_token() {
    let app = TestApp::new().await;
    let (user, _) = app.user(Role::Editor, &[]);
    let res = post_form(
        &app,
        "/signin",
        &[
            ("email", &user.email),
            ("password", PASSWORD),
            ("csrf_token", "forged"),
        ],
    )
    .await;
    assert_eq!(res.status, Status::Forbidden);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions"), 0);
}

#[rocket::async_test]
async fn a_deactivated_user_cannot_sign_in_and_loses_their_session() {
    let app = TestApp::new().await;
    let (user, _) = signed_in(&app, Role::Editor).await;
    assert_eq!(get(&app, "/dashboard").await.status, Status::Ok);
    errata::accounts::set_active(
        &mut app.conn(),
        &user.email,
        false,
        errata::events::ActedBy::CLI,
    )
    .expect("deactivate");
    assert_eq!(get(&app, "/dashboard").await.status, Status::SeeOther);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions"), 0);
}

#[rocket::async_test]
async fn the_queue_has_tabs_with_counts_filters_search_and_pages() {
    let app = TestApp::new().await;
    let ids = article_with_reports(
        &app,
        &[
            "$48 million bond",
            "voted 6-3 on Tusday",
            "roughly 14,000 vehicles a day",
        ],
    )
    .await;
    let (_, _csrf) = signed_in(&app, Role::Editor).await;
    let q = get(&app, "/dashboard").await;
    assert_eq!(q.status, Status::Ok);
    for tab in [
        "New (3)",
        "Triaged (0)",
        "Investigating (0)",
        "Resolved (0)",
    ] {
        assert!(q.has(&format!(">{tab}</a>")), "{tab}:\n{}", q.body);
    }
    assert!(q.has("Council approves bridge bond"));

    // Search over the passage text; a word in no report finds none.
    let found = get(&app, "/dashboard?state=new&q=vehicles").await;
    assert!(found.has(&format!("data-id=\"{}\"", ids[2])));
    assert!(!found.has(&format!("data-id=\"{}\"", ids[0])));
    let none = get(&app, "/dashboard?state=new&q=zeppelin").await;
    assert!(none.has("No reports here."));

    // Filters: category, assignee, age.
    assert!(get(&app, "/dashboard?category=typo")
        .await
        .has("No reports here."));
    assert!(get(&app, "/dashboard?category=factual_error")
        .await
        .has(&format!("data-id=\"{}\"", ids[1])));
    assert!(get(&app, "/dashboard?assignee=me")
        .await
        .has("No reports here."));
    assert!(get(&app, "/dashboard?age=24").await.has("No reports here."));

    // Newest first puts the last report first.
    let newest = get(&app, "/dashboard?sort=newest").await;
    let first = newest.body.find("data-id=").expect("a row");
    assert!(newest.body[first..].starts_with(&format!("data-id=\"{}\"", ids[2])));
}

#[rocket::async_test]
async fn the_queue_pages_by_keyset_and_counts_come_from_counters() {
    let app = TestApp::new().await;
    let quotes: Vec<String> = (0..55).map(|_| "$48 million bond".to_owned()).collect();
    let refs: Vec<&str> = quotes.iter().map(String::as_str).collect();
    let ids = article_with_reports(&app, &refs).await;
    signed_in(&app, Role::Editor).await;
    let first = get(&app, "/dashboard").await;
    assert!(first.has("New (55)"));
    let next = first
        .body
        .split("href=\"")
        .find_map(|s| {
            let link = &s[..s.find('"')?];
            link.contains("after=").then(|| link.replace("&amp;", "&"))
        })
        .expect("a next-page link");
    let second = get(&app, &next).await;
    assert_eq!(second.status, Status::Ok, "{next}");
    // (All on one passage: each page is one row of its readers.)
    assert!(first.has("50 readers"), "{}", first.body);
    assert!(!first.has(&format!("value=\"{}\"", ids[54])));
    assert!(second.has("5 readers"), "{}", second.body);
    assert!(
        second.has(&format!("value=\"{}\"", ids[54])),
        "{}",
        second.body
    );
    assert!(!second.has("rel=\"next\""), "two pages in all");
    // The counters follow every move.
    assert_eq!(
        app.count("SELECT n FROM report_counts WHERE state = 'new'"),
        55
    );
}

#[rocket::async_test]
async fn reports_on_one_passage_are_one_row_with_their_readers() {
    let app = TestApp::new().await;
    article_with_reports(
        &app,
        &[
            "$48 million bond",
            "a $48 million bond for repairs",
            "voted 6-3 on Tusday",
        ],
    )
    .await;
    signed_in(&app, Role::Editor).await;
    let q = get(&app, "/dashboard").await;
    assert!(q.has("2 readers"), "{}", q.body);
    assert_eq!(q.body.matches("class=\"row\"").count(), 2);
}

#[rocket::async_test]
async fn the_workspace_shows_the_claim_beside_the_marked_words() {
    let app = TestApp::new().await;
    let ids = article_with_reports(
        &app,
        &["$48 million bond", "a $48 million bond for repairs"],
    )
    .await;
    signed_in(&app, Role::Editor).await;
    let w = get(&app, &format!("/dashboard/reports/{}", ids[0])).await;
    assert_eq!(w.status, Status::Ok);
    assert!(
        w.has("<mark id=\"passage\">$48 million bond</mark>"),
        "{}",
        w.body
    );
    assert!(w.has("This figure does not match the source."));
    assert!(w.has("Passage: <strong>anchored</strong>"));
    // The other reader on the same words, ticked, and the buttons this role has.
    assert!(w.has(&format!("name=\"ids\" value=\"{}\"", ids[1])));
    assert!(w.has("checked"));
    for button in [
        ">Triage<",
        ">Resolve</button>",
        ">Publish correction</button>",
        ">Mark as duplicates of this<",
    ] {
        assert!(w.has(button), "{button}");
    }
    assert!(!w.has(">Reopen<"));
    // No such report: a page, not JSON.
    let missing = get(&app, "/dashboard/reports/999").await;
    assert_eq!(missing.status, Status::NotFound);
    assert!(missing.has("<html"));
}

#[rocket::async_test]
async fn a_reviewer_works_reports_but_cannot_resolve_publish_or_reopen() {
    let app = TestApp::new().await;
    let ids = article_with_reports(&app, &["$48 million bond", "voted 6-3 on Tusday"]).await;
    let (_, csrf) = signed_in(&app, Role::Reviewer).await;
    let page = format!("/dashboard/reports/{}", ids[0]);
    let w = get(&app, &page).await;
    assert!(w.has(">Triage<"));
    assert!(!w.has(">Resolve</button>") && !w.has(">Publish correction</button>"));

    let before = app.counts();
    for (path, fields) in [
        (
            format!("{page}/resolve"),
            vec![("to", "resolved"), ("resolution", "no_error")],
        ),
        (
            format!("{page}/publish"),
            vec![
                ("kind", "correction"),
                ("body_markdown", "It was $46 million."),
            ],
        ),
    ] {
        // Refused for the role, even without a token and before the form is read.
        let res = post_form(&app, &path, &fields).await;
        assert_eq!(res.status, Status::Forbidden, "{path}");
        let mut with_token = fields.clone();
        with_token.push(("csrf_token", &csrf));
        let res = post_form(&app, &path, &with_token).await;
        assert_eq!(res.status, Status::Forbidden, "{path}");
        assert!(res.has("may not"), "{}", res.body);
    }
    // Bulk spam is resolving too.
    let ids_s = ids[1].to_string();
    let res = post_form(
        &app,
        "/dashboard/bulk",
        &[("ids", &ids_s), ("action", "spam"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::Forbidden);
    assert_eq!(app.counts(), before, "nothing was written");

    // What a reviewer may do, they can.
    let res = post_form(
        &app,
        &format!("{page}/move"),
        &[("to", "triaged"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther, "{}", res.body);
    assert_eq!(state_of(&app, ids[0]), "triaged");
    let res = post_form(
        &app,
        &format!("{page}/move"),
        &[("to", "investigating"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(state_of(&app, ids[0]), "investigating");
    // A reviewer cannot sneak a resolution through the move route.
    let res = post_form(
        &app,
        &format!("{page}/move"),
        &[
            ("to", "resolved"),
            ("resolution", "no_error"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::UnprocessableEntity);
    assert_eq!(state_of(&app, ids[0]), "investigating");
}

#[rocket::async_test]
async fn a_missing_or_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let ids = article_with_reports(&app, &["$48 million bond"]).await;
    let (_, csrf) = signed_in(&app, Role::Editor).await;
    let page = format!("/dashboard/reports/{}", ids[0]);
    let before = app.counts();
    let id_s = ids[0].to_string();
    let attempts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("{page}/move"), vec![("to", "triaged")]),
        (format!("{page}/assign"), vec![("user_id", "me")]),
        (format!("{page}/comments"), vec![("body", "looks right")]),
        (
            format!("{page}/resolve"),
            vec![("to", "resolved"), ("resolution", "no_error")],
        ),
        (
            format!("{page}/publish"),
            vec![
                ("kind", "correction"),
                ("body_markdown", "It was $46 million."),
            ],
        ),
        (
            "/dashboard/bulk".into(),
            vec![("ids", &id_s), ("action", "triage")],
        ),
        ("/signout".into(), vec![]),
    ];
    for (path, fields) in &attempts {
        let res = post_form(&app, path, fields).await;
        assert_eq!(res.status, Status::Forbidden, "{path} without a token");
        let mut wrong = fields.clone();
        wrong.push(("csrf_token", "0123456789abcdef0123456789abcdef"));
        let res = post_form(&app, path, &wrong).await;
        assert_eq!(res.status, Status::Forbidden, "{path} with a wrong token");
        assert!(res.has("reload the page"), "{}", res.body);
    }
    assert_eq!(app.counts(), before);
    assert_eq!(state_of(&app, ids[0]), "new");
    // The header works for script.
    let res = app
        .client
        .post("/dashboard/preview")
        .header(ContentType::Form)
        .header(Header::new("X-CSRF-Token", csrf.clone()))
        .body("body_markdown=**bold** <script>alert(1)</script>")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let html = res.into_string().await.unwrap_or_default();
    assert!(
        html.contains("<strong>bold</strong>") && !html.contains("<script"),
        "{html}"
    );
}

#[rocket::async_test]
async fn an_editor_triages_assigns_comments_resolves_and_reopens() {
    let app = TestApp::new().await;
    let ids = article_with_reports(&app, &["$48 million bond"]).await;
    let (user, csrf) = signed_in(&app, Role::Editor).await;
    let page = format!("/dashboard/reports/{}", ids[0]);
    let ok = |res: Html| {
        assert_eq!(res.status, Status::SeeOther, "{}", res.body);
        assert_eq!(res.location.as_deref(), Some(page.as_str()));
    };
    ok(post_form(
        &app,
        &format!("{page}/move"),
        &[("to", "triaged"), ("csrf_token", &csrf)],
    )
    .await);
    ok(post_form(
        &app,
        &format!("{page}/assign"),
        &[("user_id", "me"), ("csrf_token", &csrf)],
    )
    .await);
    ok(post_form(
        &app,
        &format!("{page}/comments"),
        &[
            ("body", "Checking the budget table."),
            ("csrf_token", &csrf),
        ],
    )
    .await);
    let w = get(&app, &page).await;
    assert!(w.has("Checking the budget table."));
    assert!(
        w.has(&format!("Assignee: <strong>{}</strong>", user.name)),
        "{}",
        w.body
    );
    assert!(
        w.has("is assigned.") || w.has("Comment added."),
        "a flash message"
    );

    // An empty comment is a 422 with the message, on the workspace, and nothing is written.
    let before = app.counts();
    let res = post_form(
        &app,
        &format!("{page}/comments"),
        &[("body", "  "), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::UnprocessableEntity);
    assert!(res.has("Nothing was changed."));
    assert_eq!(app.counts(), before);

    ok(post_form(
        &app,
        &format!("{page}/resolve"),
        &[
            ("to", "resolved"),
            ("resolution", "no_error"),
            ("csrf_token", &csrf),
        ],
    )
    .await);
    assert_eq!(state_of(&app, ids[0]), "resolved:no_error");
    // Corrected needs a note: refused with the reason.
    let other = article_with_reports_more(&app, "voted 6-3 on Tusday").await;
    let res = post_form(
        &app,
        &format!("/dashboard/reports/{other}/resolve"),
        &[
            ("to", "resolved"),
            ("resolution", "corrected"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::UnprocessableEntity);
    assert!(res.has("needs a published correction note"), "{}", res.body);

    assert!(get(&app, &page).await.has(">Reopen<"));
    ok(post_form(
        &app,
        &format!("{page}/resolve"),
        &[("to", "investigating"), ("csrf_token", &csrf)],
    )
    .await);
    assert_eq!(state_of(&app, ids[0]), "investigating");
}

/// One more report on the test article (already registered).
async fn article_with_reports_more(app: &TestApp, quote: &str) -> i64 {
    let filed = app.report(quote, None).await;
    report_id(app, &filed)
}

#[rocket::async_test]
async fn duplicates_follow_the_report_and_publishing_resolves_them_together() {
    let app = TestApp::builder().smtp().start().await;
    let (_, token) = app.user(Role::Editor, &[]);
    app.article(&token).await;
    let first = report_id(
        &app,
        &app.report("$48 million bond", Some("ada@readers.test"))
            .await,
    );
    let second = report_id(
        &app,
        &app.report("a $48 million bond for repairs", Some("bo@readers.test"))
            .await,
    );
    let (_, csrf) = signed_in(&app, Role::Editor).await;
    let page = format!("/dashboard/reports/{first}");
    let second_s = second.to_string();
    let res = post_form(
        &app,
        &format!("{page}/duplicates"),
        &[("ids", &second_s), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther, "{}", res.body);
    assert_eq!(state_of(&app, second), "resolved:duplicate");

    // The publish form is prefilled from the report.
    let w = get(&app, &page).await;
    assert!(w.has("follows this"));
    assert!(w.has("An earlier version of this article misstated"));

    // A note with no body and no wrong or right says nothing: a 422 by its field, with what
    // was typed kept. (With wrong or right, the standard sentence is its text.)
    let res = post_form(
        &app,
        &format!("{page}/publish"),
        &[
            ("kind", "correction"),
            ("wrong", ""),
            ("right", ""),
            ("body_markdown", ""),
            ("placement", "top"),
            ("passage", "$48 million bond"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::UnprocessableEntity);
    assert!(res.has("id=\"note-error\""), "{}", res.body);
    assert!(res.has(">$48 million bond</textarea>"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM correction_notes"), 0);

    let res = post_form(
        &app,
        &format!("{page}/publish"),
        &[
            ("kind", "correction"),
            ("wrong", "$48 million"),
            ("right", "$46 million"),
            (
                "body_markdown",
                "An earlier version misstated the bond: it is **$46 million**.",
            ),
            ("placement", "top"),
            ("passage", "$48 million bond"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther, "{}", res.body);
    assert_eq!(state_of(&app, first), "resolved:corrected");
    let (status, list) = app
        .get(&format!("/api/v1/corrections?url={ARTICLE_URL}"), None)
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        list["corrections"].as_array().map(Vec::len),
        Some(1),
        "{list}"
    );
    assert_eq!(list["corrections"][0]["placement"], json!("top"));
    // Both readers hear of the correction: the one who reported it and the duplicate's.
    // (each got a receipt when they reported; the duplicate's reader heard of that too).
    let sink = app.smtp.as_ref().expect("smtp");
    let mail = sink.wait_for(5, 20).await;
    let to: Vec<&str> = mail
        .iter()
        .filter(|m| m.data.contains("corrected"))
        .flat_map(|m| m.to.iter().map(String::as_str))
        .collect();
    assert!(
        to.contains(&"ada@readers.test") && to.contains(&"bo@readers.test"),
        "{to:?}"
    );
}

#[rocket::async_test]
async fn bulk_actions_are_all_or_nothing_with_an_event_each() {
    let app = TestApp::new().await;
    let ids = article_with_reports(
        &app,
        &[
            "$48 million bond",
            "voted 6-3 on Tusday",
            "roughly 14,000 vehicles a day",
        ],
    )
    .await;
    let (user, csrf) = signed_in(&app, Role::Editor).await;
    let (a, b, c) = (ids[0].to_string(), ids[1].to_string(), ids[2].to_string());
    let events_before = app.count("SELECT COUNT(*) AS n FROM events");
    let res = post_form(
        &app,
        "/dashboard/bulk",
        &[
            ("ids", &a),
            ("ids", &b),
            ("action", "triage"),
            ("csrf_token", &csrf),
            ("back", "/dashboard"),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(state_of(&app, ids[0]), "triaged");
    assert_eq!(state_of(&app, ids[1]), "triaged");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM events") - events_before,
        2
    );
    assert!(get(&app, "/dashboard").await.has("Triaged (2)"));

    let res = post_form(
        &app,
        "/dashboard/bulk",
        &[
            ("ids", &a),
            ("ids", &c),
            ("action", "assign_me"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM reports WHERE assignee_id = {}",
            user.id
        )),
        2
    );

    // Triaging a triaged report fails, so the new one beside it is not triaged either.
    let before = app.counts();
    let res = post_form(
        &app,
        "/dashboard/bulk",
        &[
            ("ids", &a),
            ("ids", &c),
            ("action", "triage"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::Conflict, "{}", res.body);
    assert!(res.has("ERR-"), "the refusal names the report");
    assert_eq!(state_of(&app, ids[2]), "new");
    assert_eq!(app.counts(), before);

    let res = post_form(
        &app,
        "/dashboard/bulk",
        &[
            ("ids", &b),
            ("ids", &c),
            ("action", "duplicates"),
            ("original", &a),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(state_of(&app, ids[2]), "resolved:duplicate");
}

#[rocket::async_test]
async fn script_and_html_in_reports_show_as_text_in_every_view() {
    let app = TestApp::new().await;
    let (_, token) = app.user(Role::Editor, &[]);
    app.article(&token).await;
    let payload = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    let (status, filed) = app
        .post(
            "/api/v1/reports",
            None,
            json!({
                "article_url": ARTICLE_URL,
                "passage": { "exact": "$48 million bond" },
                "category": "other",
                "description": format!("Claim {payload}"),
                "suggested_correction": payload,
                "reporter": { "name": payload },
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{filed}");
    let id = report_id(&app, &filed);
    signed_in(&app, Role::Editor).await;
    for path in [
        "/dashboard".to_owned(),
        format!("/dashboard/reports/{id}"),
        "/dashboard?q=alert".to_owned(),
    ] {
        let page = get(&app, &path).await;
        assert_eq!(page.status, Status::Ok, "{path}");
        assert!(
            !page.has("<script>alert") && !page.has("<img src=x"),
            "{path}:\n{}",
            page.body
        );
        assert!(
            page.has("&lt;script&gt;") || page.has("&#60;script&#62;"),
            "{path} shows the text"
        );
    }
}

#[rocket::async_test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::new().await;
    let (user, csrf) = signed_in(&app, Role::Reviewer).await;
    // A second session, as from another browser.
    errata::accounts::sessions::start(&mut app.conn(), &user).expect("session");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions"), 2);
    let res = post_form(
        &app,
        "/dashboard/account/password",
        &[
            ("current_password", "wrong one"),
            ("new_password", "a brand new password"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::UnprocessableEntity);
    assert!(res.has("the current password is not right"));
    let res = post_form(
        &app,
        "/dashboard/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a brand new password"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther, "{}", res.body);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions"), 1);
    assert_eq!(
        get(&app, "/dashboard").await.status,
        Status::Ok,
        "this session stays"
    );

    // Sign out ends it.
    let res = post_form(&app, "/signout", &[("csrf_token", &csrf)]).await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions"), 0);
    assert_eq!(get(&app, "/dashboard").await.status, Status::SeeOther);
}

/// Rocket refuses to start outside debug without a secret key for private cookies: the binary
/// makes one on first start and keeps it in the database, so a release server starts as is and
/// sessions outlive a restart.
#[test]
fn a_release_server_starts_without_a_configured_secret_key_and_keeps_it() {
    use crate::support::binary::Errata;
    let errata = Errata::new()
        .env("ROCKET_PROFILE", "release")
        .env("ROCKET_DEMO", "true");
    let key = || {
        let mut conn = errata::db::connect(&errata.database_url()).expect("db");
        use diesel::prelude::*;
        errata::db::schema::settings::table
            .filter(errata::db::schema::settings::key.eq("cookie_secret_key"))
            .select(errata::db::schema::settings::value)
            .first::<String>(&mut conn)
            .expect("a kept key")
    };
    let server = errata.serve();
    assert_eq!(server.request("GET", "/signin", &[], None).0, 200);
    let first = key();
    drop(server);
    let server = errata.serve();
    assert_eq!(server.request("GET", "/signin", &[], None).0, 200);
    assert_eq!(key(), first, "the same key after a restart");
}

#[rocket::async_test]
async fn readers_of_an_earlier_revision_count_where_their_words_now_are() {
    let app = TestApp::new().await;
    let ids =
        article_with_reports(&app, &["roughly 14,000 vehicles a day", "$48 million bond"]).await;
    // A new revision moves every passage along; the earlier reports are re-anchored onto it.
    let editor = app.editor();
    let text = format!(
        "Updated with the council's response.\n\n{}",
        crate::support::R1
    );
    app.article_with(&editor, crate::support::ARTICLE_URL, &text)
        .await;
    let later = report_id(&app, &app.report("14,000 vehicles", None).await);
    let elsewhere = report_id(&app, &app.report("public hearing", None).await);
    let readers = |id: i64| {
        app.count(&format!(
            "SELECT passage_readers AS n FROM reports WHERE id = {id}"
        ))
    };
    assert_eq!(
        [ids[0], ids[1], later, elsewhere].map(readers),
        [1, 1, 2, 1],
        "the later vehicles reader counts the earlier one across revisions; the hearing is alone"
    );
}

#[rocket::async_test]
async fn a_filing_counts_at_most_a_bounded_number_of_earlier_readers() {
    use diesel::prelude::*;
    let app = TestApp::new().await;
    let first = article_with_reports(&app, &["roughly 14,000 vehicles a day"]).await[0];
    // A viral passage: 1,100 more readers of the same words, copied in SQL.
    let copied = diesel::sql_query(format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100) \
         INSERT INTO reports (reference, status_token, article_id, revision_id, quote_exact, \
             quote_prefix, quote_suffix, quote_start, quote_end, category, description, \
             evidence_urls, notify, state, ip_hash, created_at, updated_at, lang) \
         SELECT 'COPY-' || i, 'copy-token-' || i, article_id, revision_id, quote_exact, \
             quote_prefix, quote_suffix, quote_start, quote_end, category, description, \
             evidence_urls, notify, state, ip_hash, created_at, updated_at, lang \
         FROM reports, n WHERE reports.id = {first}"
    ))
    .execute(&mut app.conn())
    .expect("copies");
    assert_eq!(copied, 1100);
    let next = report_id(&app, &app.report("14,000 vehicles", None).await);
    let readers = app.count(&format!(
        "SELECT passage_readers AS n FROM reports WHERE id = {next}"
    ));
    assert_eq!(
        readers,
        errata::reports::queue::READERS_COUNTED + 1,
        "itself and the bounded count of those before it"
    );
}

#[rocket::async_test]
async fn the_most_reported_passage_comes_first_and_pages_by_keyset() {
    let app = TestApp::new().await;
    // One reader on the bond, three on the vehicles (each later one overlapping the earlier
    // ones), one on the hearing date. Each counts itself and the readers before it on its words,
    // so the newest vehicles report carries the passage's three.
    let ids = article_with_reports(
        &app,
        &[
            "$48 million bond",
            "roughly 14,000 vehicles a day",
            "public hearing on the construction schedule",
            "14,000 vehicles",
            "vehicles a day, according to a 2022 traffic study",
        ],
    )
    .await;
    let readers = |id: i64| {
        app.count(&format!(
            "SELECT passage_readers AS n FROM reports WHERE id = {id}"
        ))
    };
    assert_eq!(
        [ids[0], ids[1], ids[2], ids[3], ids[4]].map(readers),
        [1, 1, 1, 2, 3]
    );
    signed_in(&app, Role::Editor).await;
    let page = get(&app, "/dashboard?sort=most").await;
    assert!(page.has("Most-reported passage</option>"));
    let first = page.body.find("data-id=").expect("a row");
    assert!(
        page.body[first..].starts_with(&format!("data-id=\"{}\"", ids[4])),
        "{}",
        page.body
    );
    assert!(page.has("3 readers"));

    // Keyset pages of one report each walk every report once, most-reported first.
    use errata::reports::queue::{page as queue_page, QueueFilter, QueueOrder};
    let mut conn = app.conn();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let filter = QueueFilter {
            order: QueueOrder::MostReported,
            after,
            limit: 1,
            ..Default::default()
        };
        let p = queue_page(&mut conn, &filter).expect("a page");
        seen.extend(
            p.groups
                .iter()
                .flat_map(|g| g.items.iter().map(|i| i.report.id)),
        );
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, vec![ids[4], ids[3], ids[0], ids[1], ids[2]]);
}
