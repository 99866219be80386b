//! Editors' mail end to end, over SMTP to the sink on loopback: the new-report, assigned, reopened
//! and past-target messages; digests of exactly their period; the account page's choice. And the
//! outbox's promises under failure: SMTP down when a report is resolved, the server killed with
//! mail queued, a refused recipient shown to admins.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;
use errata::accounts::{Role, User};
use errata::db::schema::{digest_periods, mail_preferences, publications, reports};
use errata::mail::digests::run_due;
use errata::mail::editors::{self, alert_overdue};
use errata::mail::Site;
use mail_parser::{MessageParser, MimeHeaders};
use rocket::http::Status;
use serde_json::{json, Value};

use crate::dashboard::{get, post_form, sign_in_as, signed_in};
use crate::support::binary::{free_port, wait_until, Errata};
use crate::support::smtp::Received;
use crate::support::{SmtpSink, TestApp, ARTICLE_URL};

/// The application's own `Site`, as `TestApp` configures it.
fn site() -> Site {
    Site {
        base_url: "http://errata.test".into(),
        host: "errata.test".into(),
        words: errata::i18n::mail_words,
    }
}

fn publication_of_article(app: &TestApp) -> (i64, String) {
    publications::table
        .select((publications::id, publications::name))
        .first(&mut app.conn())
        .expect("a publication")
}

/// Files a report on `exact` with `description`, no reader address (no reader mail).
async fn file(app: &TestApp, exact: &str, description: &str) -> Value {
    let (status, filed) = app
        .post(
            "/api/v1/reports",
            None,
            json!({
                "article_url": ARTICLE_URL,
                "passage": { "exact": exact },
                "category": "factual_error",
                "description": description,
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{filed}");
    filed
}

fn id_of(filed: &Value) -> i64 {
    filed["id"].as_i64().expect("an id")
}

fn reference_of(filed: &Value) -> String {
    filed["reference"].as_str().expect("a reference").to_owned()
}

/// A received message, parsed: subject, Message-ID, text and HTML bodies; asserts it is one
/// multipart/alternative message with exactly one of each part.
struct Parsed {
    to: Vec<String>,
    subject: String,
    message_id: String,
    text: String,
    html: String,
}

fn parse(m: &Received) -> Parsed {
    let parsed = MessageParser::default()
        .parse(m.data.as_bytes())
        .expect("a MIME message");
    let root = parsed.content_type().expect("a content type");
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative")),
        "{}",
        m.data
    );
    assert_eq!(parsed.text_body.len(), 1, "one text part");
    assert_eq!(parsed.html_body.len(), 1, "one HTML part");
    Parsed {
        to: m.to.clone(),
        subject: parsed.subject().unwrap_or_default().to_owned(),
        message_id: parsed.message_id().expect("a Message-ID").to_owned(),
        text: parsed.body_text(0).expect("text").into_owned(),
        html: parsed.body_html(0).expect("html").into_owned(),
    }
}

async fn api_put(app: &TestApp, path: &str, token: &str, body: Value) -> (Status, Value) {
    app.put(path, Some(token), body).await
}

async fn transition(app: &TestApp, token: &str, id: i64, body: Value) {
    let (status, answer) = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(token),
            body,
        )
        .await;
    assert_eq!(status, Status::Ok, "{answer}");
}

fn choose(app: &TestApp, user: &User, publication: i64, choice: &str) {
    editors::set_choices(&mut app.conn(), user, &[(publication, choice.into())]).expect("chosen");
}

fn outbox_count(app: &TestApp, template: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM outbox WHERE template = '{template}'"
    ))
}

#[rocket::async_test]
async fn each_editor_message_arrives_with_its_recipient_subject_both_parts_and_message_id() {
    let app = TestApp::builder().smtp().start().await;
    app.expect_delivery();
    let sink = app.smtp.clone().expect("a sink");
    let (chief, token) = app.user(Role::Editor, &[]);
    let (bo, _) = app.user(Role::Reviewer, &[]);
    app.article(&token).await;
    let (publication, publication_name) = publication_of_article(&app);
    choose(&app, &chief, publication, "immediately");
    choose(&app, &bo, publication, "none");

    // A new report: the editor who chose "at once" hears of it; the one who chose none does not.
    let first = file(
        &app,
        "roughly 14,000 vehicles a day",
        "The study says <script>alert(1)</script> 12,000 & not 14,000.",
    )
    .await;
    let id = id_of(&first);
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    let new_report = parse(&got[0]);
    assert_eq!(new_report.to, vec![chief.email.clone()]);
    assert!(
        new_report.subject.contains("New report")
            && new_report.subject.contains(&reference_of(&first))
            && new_report.subject.contains(&publication_name),
        "{}",
        new_report.subject
    );
    let link = format!("http://errata.test/dashboard/reports/{id}");
    assert!(new_report.text.contains(&link), "{}", new_report.text);
    assert!(new_report
        .text
        .contains("<script>alert(1)</script> 12,000 & not 14,000"));
    assert!(new_report.text.contains(&publication_name), "the footer");
    assert!(
        new_report
            .html
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            && !new_report.html.contains("<script>"),
        "the reader's words are escaped in HTML: {}",
        new_report.html
    );

    // Assigning oneself is no news; being assigned by someone else is, whatever one chose.
    let assignee = format!("/api/v1/reports/{id}/assignee");
    let (status, answer) = api_put(&app, &assignee, &token, json!({ "user_id": chief.id })).await;
    assert_eq!(status, Status::Ok, "{answer}");
    assert_eq!(outbox_count(&app, "assigned"), 0);
    let (status, answer) = api_put(&app, &assignee, &token, json!({ "user_id": bo.id })).await;
    assert_eq!(status, Status::Ok, "{answer}");
    assert_eq!(outbox_count(&app, "assigned"), 1, "queued with the change");

    // Resolved, then reopened by the chief: the reviewer who handles it is told.
    transition(
        &app,
        &token,
        id,
        json!({ "to": "resolved", "resolution": "no_error" }),
    )
    .await;
    assert_eq!(
        outbox_count(&app, "reopened"),
        0,
        "resolving is not reopening"
    );
    transition(&app, &token, id, json!({ "to": "investigating" })).await;
    assert_eq!(outbox_count(&app, "reopened"), 1);

    // A second report waits past the publication's target time without triage: one alert, once.
    let second = file(
        &app,
        "18 months",
        "Repairs take 24 months per the city's own plan.",
    )
    .await;
    let target: i64 = publications::table
        .find(publication)
        .select(publications::target_hours)
        .first(&mut app.conn())
        .expect("a target");
    let filed_at: NaiveDateTime = reports::table
        .find(id_of(&second))
        .select(reports::created_at)
        .first(&mut app.conn())
        .expect("a time");
    let site = site();
    let early = filed_at + chrono::Duration::hours(target) - chrono::Duration::minutes(1);
    assert_eq!(
        alert_overdue(&mut app.conn(), &site, early).expect("checked"),
        0
    );
    let late = filed_at + chrono::Duration::hours(target) + chrono::Duration::minutes(1);
    assert_eq!(
        alert_overdue(&mut app.conn(), &site, late).expect("checked"),
        1
    );
    assert_eq!(
        alert_overdue(&mut app.conn(), &site, late).expect("checked"),
        0,
        "once"
    );

    let got = sink.wait_for(5, 20).await;
    assert_eq!(got.len(), 5, "{:?}", app.outbox_rows());
    let all: Vec<Parsed> = got.iter().map(parse).collect();
    let ids: BTreeSet<&str> = all.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 5, "a Message-ID of its own each");
    assert!(all.iter().all(|m| m.message_id.ends_with("@errata.test")));
    let find = |needle: &str| -> &Parsed {
        all.iter()
            .find(|m| m.subject.contains(needle))
            .unwrap_or_else(|| panic!("a message about {needle}"))
    };
    let assigned = find("assigned");
    assert_eq!(assigned.to, vec![bo.email.clone()]);
    assert!(
        assigned.subject.contains(&chief.name) && assigned.subject.contains(&reference_of(&first))
    );
    assert!(assigned.text.contains(&link) && assigned.html.contains(&link));
    let reopened = find("reopened");
    assert_eq!(reopened.to, vec![bo.email.clone()]);
    assert!(
        reopened.subject.contains(&reference_of(&first)),
        "{}",
        reopened.subject
    );
    let overdue = find("without triage");
    assert_eq!(
        overdue.to,
        vec![chief.email.clone()],
        "not to the one who chose none"
    );
    assert!(
        overdue.subject.contains(&reference_of(&second))
            && overdue.subject.contains(&target.to_string())
    );
    let new_second = all
        .iter()
        .filter(|m| m.subject.contains("New report"))
        .count();
    assert_eq!(new_second, 2);
}

/// The start of the UTC hour `t` is in.
fn hour_of(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_minute(0))
        .expect("an hour")
}

fn backdate(app: &TestApp, id: i64, t: NaiveDateTime) {
    diesel::update(reports::table.find(id))
        .set(reports::created_at.eq(t))
        .execute(&mut app.conn())
        .expect("moved");
}

/// The references listed in a digest's text, each the start of a line `- ERR-…`.
fn listed(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[rocket::async_test]
async fn digests_collect_exactly_the_reports_of_their_period() {
    let app = TestApp::builder().smtp().start().await;
    app.expect_delivery();
    let sink = app.smtp.clone().expect("a sink");
    let (hourly, token) = app.user(Role::Editor, &[]);
    // Without a choice: the daily digest.
    let (daily, _) = app.user(Role::Reviewer, &[]);
    app.article(&token).await;
    let (publication, _) = publication_of_article(&app);
    choose(&app, &hourly, publication, "hourly");
    let site = site();
    let now = errata::time::now();
    // Whatever the worker did already, both editors' digests now start at the current period.
    run_due(&mut app.conn(), &site, now).expect("run");

    let passages = [
        "roughly 14,000 vehicles a day",
        "18 months",
        "$48 million bond",
        "May 7",
    ];
    let mut filed = Vec::new();
    for p in passages {
        filed.push(file(&app, p, "This does not match the source we have.").await);
    }
    // Reports at the edges of the hour that starts three hours from now (periods are [start, end)).
    let t0 = hour_of(now) + chrono::Duration::hours(3);
    let h = chrono::Duration::hours(1);
    let micro = chrono::Duration::microseconds(1);
    let at = [t0 - micro, t0, t0 + h - micro, t0 + h];
    for (f, t) in filed.iter().zip(at) {
        backdate(&app, id_of(f), t);
    }
    let refs: Vec<String> = filed.iter().map(reference_of).collect();

    // Just after the hour ends: the hour before it (one report) and the hour itself (two); the
    // empty hours in between send nothing.
    let sent = |user: &User, frequency: &str| {
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM digest_periods WHERE user_id = {} AND frequency = '{frequency}' AND outbox_id IS NOT NULL",
            user.id
        )) as usize
    };
    run_due(
        &mut app.conn(),
        &site,
        t0 + h + chrono::Duration::minutes(5),
    )
    .expect("run");
    assert_eq!(sent(&hourly, "hourly"), 2);
    run_due(
        &mut app.conn(),
        &site,
        t0 + h + chrono::Duration::minutes(30),
    )
    .expect("run");
    assert_eq!(sent(&hourly, "hourly"), 2, "a period is sent once");
    run_due(&mut app.conn(), &site, t0 + h * 2).expect("run");
    assert_eq!(sent(&hourly, "hourly"), 3);
    // The daily digests of the days those hours fall in: every report once.
    run_due(
        &mut app.conn(),
        &site,
        t0 + h * 2 + chrono::Duration::days(1),
    )
    .expect("run");
    let daily_count = sent(&daily, "daily");
    assert!((1..=2).contains(&daily_count), "{daily_count}");
    assert_eq!(sent(&hourly, "daily") + sent(&daily, "hourly"), 0);

    let expected = 3 + daily_count;
    let got = sink.wait_for(expected, 20).await;
    assert_eq!(got.len(), expected, "{:?}", app.outbox_rows());
    let mut hourly_lists: Vec<Vec<String>> = Vec::new();
    let mut daily_seen: BTreeMap<String, usize> = BTreeMap::new();
    for m in got.iter().map(parse) {
        if m.to == vec![hourly.email.clone()] {
            assert!(m.subject.contains("hourly"), "{}", m.subject);
            hourly_lists.push(listed(&m.text));
        } else {
            assert_eq!(m.to, vec![daily.email.clone()]);
            assert!(m.subject.contains("daily"), "{}", m.subject);
            for r in listed(&m.text) {
                *daily_seen.entry(r).or_default() += 1;
            }
        }
        for r in listed(&m.text) {
            let id = filed[refs.iter().position(|x| *x == r).expect("one of ours")]["id"]
                .as_i64()
                .expect("id");
            assert!(m.html.contains(&format!("/dashboard/reports/{id}")));
        }
    }
    hourly_lists.sort();
    let mut want = vec![
        vec![refs[0].clone()],
        vec![refs[1].clone(), refs[2].clone()],
        vec![refs[3].clone()],
    ];
    want.sort();
    assert_eq!(
        hourly_lists, want,
        "each report in the hour it was filed in"
    );
    assert_eq!(
        daily_seen,
        refs.iter()
            .map(|r| (r.clone(), 1))
            .collect::<BTreeMap<_, _>>()
    );
    let recorded: i64 = digest_periods::table
        .filter(digest_periods::user_id.eq(daily.id))
        .select(diesel::dsl::count_star())
        .first(&mut app.conn())
        .expect("count");
    assert!(recorded >= 2, "the daily periods are recorded");
}

#[rocket::async_test]
async fn the_account_page_sets_how_one_hears_of_new_reports() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let (publication, name) = publication_of_article(&app);
    let (user, csrf) = signed_in(&app, Role::Reviewer).await;
    let page = get(&app, "/dashboard/account").await;
    assert_eq!(page.status, Status::Ok);
    let field = format!("new_reports[{publication}]");
    assert!(page.has(&name) && page.has(&field), "{}", page.body);
    assert!(
        page.has(r#"<option value="daily" selected>"#),
        "the default is the daily digest: {}",
        page.body
    );

    // Refused without the session's token, and a choice that is not one: nothing written.
    let before = app.counts();
    let res = post_form(&app, "/dashboard/account/mail", &[(&field, "hourly")]).await;
    assert_eq!(res.status, Status::Forbidden);
    let res = post_form(
        &app,
        "/dashboard/account/mail",
        &[(&field, "weekly"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::UnprocessableEntity);
    assert!(res.has("is not a choice"), "{}", res.body);
    let res = post_form(
        &app,
        "/dashboard/account/mail",
        &[("new_reports[424242]", "hourly"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::UnprocessableEntity);
    assert!(res.has("there is no publication 424242"), "{}", res.body);
    assert_eq!(app.counts(), before, "nothing was written");

    let res = post_form(
        &app,
        "/dashboard/account/mail",
        &[(&field, "immediately"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    let stored: String = mail_preferences::table
        .filter(mail_preferences::user_id.eq(user.id))
        .filter(mail_preferences::publication_id.eq(publication))
        .select(mail_preferences::new_reports)
        .first(&mut app.conn())
        .expect("a choice");
    assert_eq!(stored, "immediately");
    assert!(get(&app, "/dashboard/account")
        .await
        .has(r#"<option value="immediately" selected>"#));
    // The choice takes effect: this user now hears of a new report at once.
    file(
        &app,
        "May 7",
        "The hearing is on May 8 per the council agenda.",
    )
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM outbox WHERE template = 'new_report' AND recipient = '{}'",
            user.email
        )),
        1
    );
}

/// SMTP is down when a report is resolved: the resolution stays queued with its attempts counted,
/// and once the server is up it arrives, exactly once.
#[rocket::async_test]
async fn a_resolution_queued_while_smtp_is_down_arrives_once_when_it_comes_up() {
    let port = free_port();
    let app = TestApp::builder()
        .set("smtp_url", json!(format!("smtp://127.0.0.1:{port}")))
        .set("mail_retry_base_s", json!(1))
        .start()
        .await;
    let token = app.editor();
    app.article(&token).await;
    let filed = app
        .report("roughly 14,000 vehicles a day", Some("ada@example.org"))
        .await;
    let id = id_of(&filed);
    transition(
        &app,
        &token,
        id,
        json!({ "to": "resolved", "resolution": "no_error" }),
    )
    .await;
    let resolved = "SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_resolved' AND state = 'queued' AND attempts >= 2 AND last_error IS NOT NULL";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.count(resolved) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "retried and kept: {:?}",
            app.outbox_rows()
        );
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sink = SmtpSink::start_on(port).await;
    let got = sink.wait_for(2, 40).await;
    assert_eq!(got.len(), 2, "{:?}", app.outbox_rows());
    // Longer than a few back-offs: nothing comes twice.
    rocket::tokio::time::sleep(Duration::from_secs(3)).await;
    let got = sink.messages();
    assert_eq!(got.len(), 2);
    let subjects: Vec<String> = got.iter().map(|m| parse(m).subject).collect();
    assert!(
        subjects.iter().any(|s| s.contains("was resolved")),
        "{subjects:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'sent'"),
        2
    );
}

/// The server is SIGKILLed with mail queued (SMTP down); restarted with SMTP up, it sends each
/// message exactly once: no Message-ID twice at the server.
#[test]
fn mail_queued_when_the_server_is_killed_arrives_once_after_a_restart() {
    let rt = rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let port = free_port();
    let errata = Errata::new()
        .env("ROCKET_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))
        .env("ROCKET_MAIL_RETRY_BASE_S", "1");
    let token = errata.user_with_token("chief@newsroom.test", "editor");
    let server = errata.serve();
    let (status, _) = server.json(
        "PUT",
        "/api/v1/articles",
        Some(&token),
        Some(
            json!({ "url": ARTICLE_URL, "title": "Bridge bond", "body_text": crate::support::R1 }),
        ),
    );
    assert!(status == 200 || status == 201, "{status}");
    for (i, exact) in ["roughly 14,000 vehicles a day", "18 months", "May 7"]
        .iter()
        .enumerate()
    {
        let (status, filed) = server.json(
            "POST",
            "/api/v1/reports",
            None,
            Some(json!({
                "article_url": ARTICLE_URL,
                "passage": { "exact": exact },
                "category": "factual_error",
                "description": "This does not match the source.",
                "reporter": { "name": "Reader", "email": format!("reader{i}@example.org"), "notify": true },
            })),
        );
        assert_eq!(status, 201, "{filed}");
    }
    let db = errata.database_url();
    let count = |sql: &str| -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = errata::db::connect(&db).expect("db");
        diesel::sql_query(sql)
            .get_result::<N>(&mut conn)
            .map(|r| r.n)
            .unwrap_or(-1)
    };
    assert!(
        wait_until(20, || count(
            "SELECT COUNT(*) AS n FROM outbox WHERE state = 'queued' AND attempts >= 1"
        ) == 3),
        "tried and queued: {}",
        server.log()
    );
    server.stop();

    let sink = rt.block_on(SmtpSink::start_on(port));
    let server = errata.serve();
    let got = rt.block_on(sink.wait_for(3, 40));
    assert_eq!(got.len(), 3, "{}", server.log());
    std::thread::sleep(Duration::from_secs(3));
    let got = sink.messages();
    let ids: BTreeSet<String> = got.iter().map(|m| parse(m).message_id).collect();
    assert_eq!((got.len(), ids.len()), (3, 3), "each once");
    let to: BTreeSet<String> = got.iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(to.len(), 3);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'sent'"),
        3
    );
    drop(server);
}

/// A 550 from the SMTP server fails the message at once, and admins see it with the server's
/// answer: on the dashboard's mail page and in `errata mail list`.
#[rocket::async_test]
async fn a_refused_recipient_fails_at_once_and_admins_see_it() {
    let app = TestApp::builder().smtp().start().await;
    let sink = app.smtp.clone().expect("a sink");
    let token = app.editor();
    app.article(&token).await;
    app.report_unconfirmed("roughly 14,000 vehicles a day", "bounce@example.org")
        .await;
    let failed = "SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed' AND attempts = 1 AND last_error LIKE '%550%'";
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.count(failed) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            app.outbox_rows()
        );
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sink.messages().is_empty());

    let (admin, _) = app.user(Role::Admin, &[]);
    sign_in_as(&app, &admin.email).await;
    let page = get(&app, "/dashboard/admin/mail").await;
    assert_eq!(page.status, Status::Ok);
    assert!(
        page.has("bounce@example.org") && page.has("550") && page.has("no such mailbox"),
        "{}",
        page.body
    );
    assert!(page.has("failed"), "{}", page.body);

    let cli = Errata::new().env("ROCKET_DATABASE_URL", &app.database_url);
    let listed = cli.ok(&["mail", "list", "--state", "failed"]);
    assert!(
        listed.contains("bounce@example.org") && listed.contains("550"),
        "{listed}"
    );
}

/// `errata user reset-link` emails an active user a link that works once: they choose a new
/// password with it and sign in; a deactivated user is refused and nothing is queued.
#[rocket::async_test]
async fn a_reset_link_from_the_command_line_arrives_and_sets_a_new_password() {
    let app = TestApp::builder().smtp().start().await;
    let sink = app.smtp.clone().expect("a sink");
    let (user, _) = app.user(Role::Editor, &[]);
    let cli = Errata::new()
        .env("ROCKET_DATABASE_URL", &app.database_url)
        .env("ROCKET_PUBLIC_URL", "http://errata.test");
    let said = cli.ok(&["user", "reset-link", "--email", &user.email]);
    assert!(
        said.contains(&user.email) && said.contains("72 hours"),
        "{said}"
    );
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1, "{:?}", app.outbox_rows());
    let m = parse(&got[0]);
    assert_eq!(m.to, vec![user.email.clone()]);
    assert!(m.subject.contains("new password"), "{}", m.subject);
    let start = m
        .text
        .find("http://errata.test/password/")
        .expect("a link in the text");
    let link = m.text[start..]
        .split_whitespace()
        .next()
        .expect("a link")
        .trim_start_matches("http://errata.test")
        .to_owned();
    assert!(m.html.contains(&link), "the same link in HTML");

    let page = get(&app, &link).await;
    assert_eq!(page.status, Status::Ok);
    let set = post_form(
        &app,
        &link,
        &[
            ("password", crate::dashboard::PASSWORD),
            ("csrf_token", &page.csrf()),
        ],
    )
    .await;
    assert_eq!(set.status, Status::SeeOther, "{}", set.body);
    assert_eq!(get(&app, &link).await.status, Status::NotFound, "used once");
    sign_in_as(&app, &user.email).await;
    assert_eq!(get(&app, "/dashboard").await.status, Status::Ok);

    cli.ok(&["user", "deactivate", "--email", &user.email]);
    let before = app.count("SELECT COUNT(*) AS n FROM outbox");
    let refused = cli.fails(&["user", "reset-link", "--email", &user.email]);
    assert!(refused.contains("deactivated"), "{refused}");
    assert!(cli
        .fails(&["user", "reset-link", "--email", "nobody@newsroom.test"])
        .contains("nobody@newsroom.test"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox"), before);
}

/// An admin sends the link from the users page; a reviewer may not.
#[rocket::async_test]
async fn an_admin_emails_a_password_link_from_the_users_page() {
    let app = TestApp::new().await;
    let (nia, _) = app.user(Role::Reviewer, &[]);
    let (_, reviewer_csrf) = signed_in(&app, Role::Reviewer).await;
    let path = format!("/dashboard/admin/users/{}/reset-link", nia.id);
    let before = app.count("SELECT COUNT(*) AS n FROM outbox");
    let refused = post_form(&app, &path, &[("csrf_token", &reviewer_csrf)]).await;
    assert_eq!(refused.status, Status::Forbidden);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox"), before);
    post_form(&app, "/signout", &[("csrf_token", &reviewer_csrf)]).await;

    let (_, csrf) = signed_in(&app, Role::Admin).await;
    let page = get(&app, "/dashboard/admin/users").await;
    assert!(
        page.has(&path) && page.has("Email a password link"),
        "{}",
        page.body
    );
    let without = post_form(&app, &path, &[]).await;
    assert_eq!(
        without.status,
        Status::Forbidden,
        "the form's token is checked"
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox"), before);
    let sent = post_form(&app, &path, &[("csrf_token", &csrf)]).await;
    assert_eq!(sent.status, Status::SeeOther);
    assert!(get(&app, "/dashboard/admin/users")
        .await
        .has("will get an email with a link"));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM outbox WHERE template = 'password_reset' AND recipient = '{}' AND body_text LIKE '%http://errata.test/password/%'",
            nia.email
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'password_link_sent' AND user_id = {}",
            nia.id
        )),
        1
    );
}
