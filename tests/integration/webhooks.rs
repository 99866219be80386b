//! Webhooks end to end: an admin sets a publication's webhook; publishing, amending, retracting a
//! note and resolving a report each POST a signed body to a real receiver on loopback; a receiver
//! that fails is retried with back-off; redelivery sends again; private addresses are refused by
//! default; and the trust indicators (policy link, contact) are set through the API and the CLI.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use errata::accounts::Role;
use hmac::{Hmac, Mac};
use rocket::http::{Header, Status};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::dashboard::{get as get_page, post_form, signed_in};
use crate::support::binary::Errata;
use crate::support::receiver::{Received, Receiver};
use crate::support::{assert_error, read, TestApp, ARTICLE_URL};

const SECRET: &str = "whsec-test-0123456789abcdef";

/// An app whose webhooks may reach loopback, retrying after `base_s` seconds.
async fn app_for_loopback(base_s: u64) -> TestApp {
    TestApp::builder()
        .set("webhook_allow_private", json!(true))
        .set("webhook_retry_base_s", json!(base_s))
        .start()
        .await
}

fn publication_id(app: &TestApp) -> i64 {
    app.count("SELECT MIN(id) AS n FROM publications")
}

async fn set_webhook(app: &TestApp, admin: &str, publication: i64, url: &str) -> (Status, Value) {
    app.put(
        &format!("/api/v1/publications/{publication}/webhook"),
        Some(admin),
        json!({ "url": url, "secret": SECRET }),
    )
    .await
}

/// The HMAC the receiver computes on its own: hex HMAC-SHA256 of `timestamp.body`.
fn expected_signature(timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("a key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a request's headers and signature; returns its parsed body.
fn verified(r: &Received) -> Value {
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), "application/json");
    let ts = r.header("x-errata-timestamp");
    let secs: i64 = ts.parse().expect("a unix timestamp");
    assert!((chrono::Utc::now().timestamp() - secs).abs() < 120, "{ts}");
    assert_eq!(
        r.header("x-errata-signature"),
        expected_signature(ts, &r.body),
        "the signature checks out"
    );
    let body: Value = serde_json::from_str(&r.body).expect("a JSON body");
    assert_eq!(
        r.header("x-errata-event"),
        body["event"].as_str().expect("event")
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(body["occurred_at"].as_str().expect("time")).is_ok(),
        "{body}"
    );
    body
}

async fn publish(app: &TestApp, editor: &str, article: i64, resolves: &[i64]) -> i64 {
    let (status, note) = app
        .post(
            &format!("/api/v1/articles/{article}/corrections"),
            Some(editor),
            json!({
                "kind": "correction",
                "wrong": "roughly 14,000 vehicles a day",
                "right": "roughly 12,000 vehicles a day",
                "body_markdown": "The figure came from an older study.",
                "passage": { "exact": "roughly 14,000 vehicles a day" },
                "resolves": resolves,
            }),
        )
        .await;
    assert_eq!(status, Status::Created, "{note}");
    note["id"].as_i64().expect("id")
}

async fn deliveries(app: &TestApp, admin: &str, publication: i64) -> Vec<Value> {
    let (status, body) = app
        .get(
            &format!("/api/v1/publications/{publication}/webhook/deliveries"),
            Some(admin),
        )
        .await;
    assert_eq!(status, Status::Ok, "{body}");
    body["deliveries"].as_array().expect("a list").clone()
}

/// Waits until every delivery of the publication is in `state`.
async fn settled(app: &TestApp, admin: &str, publication: i64, state: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = deliveries(app, admin, publication).await;
        if !list.is_empty() && list.iter().all(|d| d["state"] == state) {
            return list;
        }
        assert!(Instant::now() < deadline, "not all {state}: {list:?}");
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[rocket::async_test]
async fn each_event_is_delivered_signed_with_the_right_body() {
    let app = app_for_loopback(1).await;
    let receiver = Receiver::start(0).await;
    let (_, admin) = app.user(Role::Admin, &[]);
    let editor = app.editor();
    let article = app.article(&editor).await;
    let publication = publication_id(&app);
    let (status, hook) =
        set_webhook(&app, &admin, publication, &receiver.url("/hooks/errata")).await;
    assert_eq!(status, Status::Ok, "{hook}");
    assert_eq!(hook["secret_set"], true);
    assert!(
        hook.get("secret").is_none(),
        "the secret is never shown: {hook}"
    );
    let first = app.report("roughly 14,000 vehicles a day", None).await["id"]
        .as_i64()
        .expect("id");
    let second = app.report("$48 million bond", None).await["id"]
        .as_i64()
        .expect("id");

    // Publishing a note that resolves a report: note.published, then report.resolved.
    let note = publish(&app, &editor, article, &[first]).await;
    let got = receiver.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(got[0].path, "/hooks/errata");
    let published = verified(&got[0]);
    assert_eq!(published["event"], "note.published");
    assert_eq!(
        published["article"],
        json!({ "id": article, "url": ARTICLE_URL, "title": "Council approves bridge bond" })
    );
    assert_eq!(published["note"]["id"], note);
    assert_eq!(published["note"]["status"], "live");
    assert_eq!(published["note"]["version"], 1);
    assert!(published.get("report").is_none(), "{published}");
    let resolved = verified(&got[1]);
    assert_eq!(resolved["event"], "report.resolved");
    assert_eq!(resolved["report"]["id"], first);
    assert_eq!(resolved["report"]["resolution"], "corrected");
    assert!(resolved["report"]["reference"]
        .as_str()
        .is_some_and(|r| r.starts_with("ERR-")));
    assert_eq!(resolved["note"]["id"], note);

    // Amending: the body carries the note as the API shows it, with both versions.
    let (status, _) = app
        .put(
            &format!("/api/v1/corrections/{note}"),
            Some(&editor),
            json!({ "right": "roughly 12,500 vehicles a day", "reason": "the study was revised" }),
        )
        .await;
    assert_eq!(status, Status::Ok);
    let got = receiver.wait_for(3, Duration::from_secs(15)).await;
    let amended = verified(&got[2]);
    assert_eq!(amended["event"], "note.amended");
    assert_eq!(amended["note"]["version"], 2);
    assert_eq!(amended["note"]["right"], "roughly 12,500 vehicles a day");
    assert_eq!(
        amended["note"]["versions"].as_array().map(Vec::len),
        Some(2)
    );

    // Retracting: the same JSON as GET /api/v1/corrections/{id}.
    let (status, _) = app
        .post(
            &format!("/api/v1/corrections/{note}/retract"),
            Some(&editor),
            json!({ "reason": "the original figure was right" }),
        )
        .await;
    assert_eq!(status, Status::Ok);
    let got = receiver.wait_for(4, Duration::from_secs(15)).await;
    let retracted = verified(&got[3]);
    assert_eq!(retracted["event"], "note.retracted");
    let (_, public) = app.get(&format!("/api/v1/corrections/{note}"), None).await;
    assert_eq!(
        retracted["note"], public,
        "the note as the public API shows it"
    );
    assert_eq!(retracted["note"]["status"], "retracted");

    // A report resolved without a note: report.resolved with `note: null`.
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{second}/transitions"),
            Some(&editor),
            json!({ "to": "resolved", "resolution": "no_error" }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{body}");
    let got = receiver.wait_for(5, Duration::from_secs(15)).await;
    let no_error = verified(&got[4]);
    assert_eq!(no_error["event"], "report.resolved");
    assert_eq!(no_error["report"]["id"], second);
    assert_eq!(no_error["report"]["resolution"], "no_error");
    assert_eq!(no_error["note"], Value::Null);

    let log = settled(&app, &admin, publication, "delivered").await;
    let events: Vec<&str> = log
        .iter()
        .rev()
        .filter_map(|d| d["event"].as_str())
        .collect();
    assert_eq!(
        events,
        [
            "note.published",
            "report.resolved",
            "note.amended",
            "note.retracted",
            "report.resolved"
        ]
    );
    assert!(log
        .iter()
        .all(|d| d["status_code"] == 200 && d["attempts"] == 1));
}

#[rocket::async_test]
async fn a_failing_receiver_gets_it_on_the_third_attempt_and_redeliver_sends_again() {
    let app = app_for_loopback(1).await;
    let receiver = Receiver::start(2).await;
    let (_, admin) = app.user(Role::Admin, &[]);
    let editor = app.editor();
    let article = app.article(&editor).await;
    let publication = publication_id(&app);
    set_webhook(&app, &admin, publication, &receiver.url("/hook")).await;
    publish(&app, &editor, article, &[]).await;

    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "the same body each time"
    );
    for r in &got {
        verified(r);
    }
    // Back-off from a base of one second: about 1 s, then about 2 s.
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(800), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(1700), "{gaps:?}");
    let log = settled(&app, &admin, publication, "delivered").await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["status_code"], 200);
    assert_eq!(log[0]["last_error"], Value::Null);
    assert!(log[0]["created_at"].is_string());

    // Redelivering sends the same body once more, freshly signed.
    let id = log[0]["id"].as_i64().expect("id");
    let (status, again) = app
        .post(
            &format!("/api/v1/webhook-deliveries/{id}/redeliver"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, Status::Accepted, "{again}");
    let got = receiver.wait_for(4, Duration::from_secs(15)).await;
    assert_eq!(got[3].body, got[0].body);
    verified(&got[3]);
    let log = settled(&app, &admin, publication, "delivered").await;
    assert_eq!(log[0]["attempts"], 1);
    assert_error(
        &app.post(
            "/api/v1/webhook-deliveries/9999/redeliver",
            Some(&admin),
            json!({}),
        )
        .await,
        Status::NotFound,
        "delivery_not_found",
        None,
    );
}

fn webhook_rows(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) AS n FROM webhooks")
}

#[rocket::async_test]
async fn private_addresses_are_refused_by_default() {
    let app = TestApp::new().await;
    let (_, admin) = app.user(Role::Admin, &[]);
    let editor = app.editor();
    app.article(&editor).await;
    let publication = publication_id(&app);
    let before = (app.counts(), webhook_rows(&app));
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://localhost:9000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0/hook",
        "http://[::1]:9000/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
    ] {
        let got = set_webhook(&app, &admin, publication, url).await;
        assert_error(
            &got,
            Status::UnprocessableEntity,
            "invalid_field",
            Some("url"),
        );
        assert!(
            got.1["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("private network")),
            "{url}: {}",
            got.1
        );
    }
    assert_eq!(
        (app.counts(), webhook_rows(&app)),
        before,
        "nothing was written"
    );
    // A public address is accepted.
    let (status, hook) = set_webhook(&app, &admin, publication, "https://93.184.216.34/hook").await;
    assert_eq!(status, Status::Ok, "{hook}");
    assert_eq!(hook["url"], "https://93.184.216.34/hook");
}

#[rocket::async_test]
async fn a_name_that_points_at_this_machine_is_refused_at_delivery_too() {
    let app = TestApp::new().await;
    let receiver = Receiver::start(0).await;
    let (_, admin) = app.user(Role::Admin, &[]);
    let editor = app.editor();
    let article = app.article(&editor).await;
    let publication = publication_id(&app);
    set_webhook(&app, &admin, publication, "https://93.184.216.34/hook").await;
    // The address was public when saved; later it names this machine.
    let url = format!("http://localhost:{}/hook", receiver.addr.port());
    diesel::update(errata::db::schema::webhooks::table)
        .set(errata::db::schema::webhooks::url.eq(&url))
        .execute(&mut app.conn())
        .expect("updated");
    publish(&app, &editor, article, &[]).await;
    let log = settled(&app, &admin, publication, "failed").await;
    assert!(
        log[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("private network")),
        "{log:?}"
    );
    assert_eq!(log[0]["attempts"], 1, "refused for good, not retried");
    rocket::tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.requests().is_empty(), "nothing reached it");
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (Status, Value) {
    let res = app
        .client
        .delete(path.to_owned())
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    read(res).await
}

#[rocket::async_test]
async fn only_admins_manage_webhooks_and_bad_input_writes_nothing() {
    let app = app_for_loopback(1).await;
    let (_, admin) = app.user(Role::Admin, &[]);
    let editor = app.editor();
    app.article(&editor).await;
    let publication = publication_id(&app);
    let hook_path = format!("/api/v1/publications/{publication}/webhook");
    let reviewer = app.user(Role::Reviewer, &[]).1;
    let before = (app.counts(), webhook_rows(&app));
    let body = json!({ "url": "http://127.0.0.1:9/hook", "secret": SECRET });
    let deliveries_path = format!("{hook_path}/deliveries");
    for token in [editor.as_str(), reviewer.as_str()] {
        let put = app.put(&hook_path, Some(token), body.clone()).await;
        assert_error(&put, Status::Forbidden, "forbidden", None);
        let list = app.get(&deliveries_path, Some(token)).await;
        assert_error(&list, Status::Forbidden, "forbidden", None);
        let again = app
            .post(
                "/api/v1/webhook-deliveries/1/redeliver",
                Some(token),
                json!({}),
            )
            .await;
        assert_error(&again, Status::Forbidden, "forbidden", None);
        let edit = app
            .put(
                &format!("/api/v1/publications/{publication}"),
                Some(token),
                json!({ "policy_url": "https://x.example/policy" }),
            )
            .await;
        assert_error(&edit, Status::Forbidden, "forbidden", None);
    }
    assert_error(
        &app.put(&hook_path, None, body.clone()).await,
        Status::Unauthorized,
        "unauthorized",
        None,
    );
    for (input, field) in [
        (json!({ "url": "http://127.0.0.1:9/hook" }), Some("secret")),
        (
            json!({ "url": "http://127.0.0.1:9/hook", "secret": "short" }),
            Some("secret"),
        ),
        (json!({ "secret": SECRET }), Some("url")),
        (
            json!({ "url": "ftp://127.0.0.1/hook", "secret": SECRET }),
            Some("url"),
        ),
        (
            json!({ "url": "http://u:p@127.0.0.1/", "secret": SECRET }),
            Some("url"),
        ),
        (json!({ "url": "not a url", "secret": SECRET }), Some("url")),
        (
            json!({ "url": "http://127.0.0.1/", "secret": SECRET, "events": [] }),
            None,
        ),
    ] {
        let got = app.put(&hook_path, Some(&admin), input.clone()).await;
        assert_error(&got, Status::UnprocessableEntity, "invalid_field", field);
    }
    assert_error(
        &app.put(
            "/api/v1/publications/999/webhook",
            Some(&admin),
            body.clone(),
        )
        .await,
        Status::NotFound,
        "publication_not_found",
        None,
    );
    assert_error(
        &app.get("/api/v1/publications/999/webhook/deliveries", Some(&admin))
            .await,
        Status::NotFound,
        "publication_not_found",
        None,
    );
    assert_eq!(
        (app.counts(), webhook_rows(&app)),
        before,
        "nothing was written"
    );

    // Set, read back without the secret, keep the secret when only the URL changes, remove.
    assert_eq!(app.put(&hook_path, Some(&admin), body).await.0, Status::Ok);
    let (status, new_url) = app
        .put(
            &hook_path,
            Some(&admin),
            json!({ "url": "http://127.0.0.1:10/hook" }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{new_url}");
    let (status, read_back) = app.get(&hook_path, Some(&admin)).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(read_back["url"], "http://127.0.0.1:10/hook");
    assert_eq!(read_back["secret_set"], true);
    assert!(!read_back.to_string().contains(SECRET));
    let secret: String = errata::db::schema::webhooks::table
        .select(errata::db::schema::webhooks::secret)
        .first(&mut app.conn())
        .expect("a row");
    assert_eq!(secret, SECRET, "kept, so it can sign");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'webhook_set' AND body LIKE '%whsec%'"
        ),
        0
    );
    assert_eq!(delete(&app, &hook_path, &editor).await.0, Status::Forbidden);
    assert_eq!(delete(&app, &hook_path, &admin).await.0, Status::NoContent);
    assert_error(
        &app.get(&hook_path, Some(&admin)).await,
        Status::NotFound,
        "webhook_not_found",
        None,
    );
    assert_eq!(delete(&app, &hook_path, &admin).await.0, Status::NotFound);
    assert_eq!(webhook_rows(&app), 0);
}

#[rocket::async_test]
async fn trust_indicators_are_set_through_the_api_partially_and_checked() {
    let app = TestApp::new().await;
    let (_, admin) = app.user(Role::Admin, &[]);
    let editor = app.editor();
    let article = app.article(&editor).await;
    let publication = publication_id(&app);
    let path = format!("/api/v1/publications/{publication}");
    let before = app.counts();
    for (input, field) in [
        (
            json!({ "policy_url": "ftp://news.example.com/policy" }),
            Some("policy_url"),
        ),
        (json!({ "contact_email": "nobody" }), Some("contact_email")),
        (json!({ "name": "" }), Some("name")),
        (json!({ "target_hours": 0 }), Some("target_hours")),
        (json!({ "policy": "https://news.example.com/p" }), None),
        (json!({ "contact_email": 7 }), Some("contact_email")),
    ] {
        let got = app.put(&path, Some(&admin), input.clone()).await;
        assert_error(&got, Status::UnprocessableEntity, "invalid_field", field);
    }
    assert_error(
        &app.put(
            "/api/v1/publications/999",
            Some(&admin),
            json!({ "name": "X" }),
        )
        .await,
        Status::NotFound,
        "publication_not_found",
        None,
    );
    assert_eq!(app.counts(), before, "nothing was written");

    let (status, saved) = app
        .put(
            &path,
            Some(&admin),
            json!({
                "policy_url": "https://news.example.com/corrections-policy",
                "contact_email": "Corrections@News.example.com",
            }),
        )
        .await;
    assert_eq!(status, Status::Ok, "{saved}");
    assert_eq!(
        saved["policy_url"],
        "https://news.example.com/corrections-policy"
    );
    assert_eq!(saved["contact_email"], "corrections@news.example.com");
    // A partial update keeps the rest.
    let (_, renamed) = app
        .put(&path, Some(&admin), json!({ "name": "The Test Times" }))
        .await;
    assert_eq!(renamed["name"], "The Test Times");
    assert_eq!(renamed["policy_url"], saved["policy_url"]);
    assert_eq!(renamed["contact_email"], saved["contact_email"]);
    // The JSON-LD names the policy.
    let (_, doc) = app
        .get(&format!("/api/v1/articles/{article}/jsonld"), None)
        .await;
    assert_eq!(
        doc["publisher"]["publishingPrinciples"],
        "https://news.example.com/corrections-policy"
    );
    // `null` clears.
    let (_, cleared) = app
        .put(&path, Some(&admin), json!({ "contact_email": null }))
        .await;
    assert_eq!(cleared["contact_email"], Value::Null);
    assert_eq!(cleared["policy_url"], saved["policy_url"]);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'publication_changed' AND actor_id IS NOT NULL"),
        3
    );
}

fn cli_publication(errata: &Errata) -> i64 {
    let out = errata.ok(&[
        "publication",
        "add",
        "--name",
        "Daily",
        "--url",
        "https://daily.example.com/",
    ]);
    assert!(out.contains("(id 1"), "{out}");
    1
}

#[test]
fn the_cli_edits_trust_indicators_and_sets_the_webhook() {
    let errata = Errata::new();
    let id = cli_publication(&errata).to_string();
    let out = errata.ok(&[
        "publication",
        "edit",
        &id,
        "--policy-url",
        "https://daily.example.com/policy",
        "--contact",
        "desk@daily.example.com",
    ]);
    assert!(out.contains("https://daily.example.com/policy"), "{out}");
    assert_eq!(
        errata.count("SELECT COUNT(*) AS n FROM publications WHERE policy_url = 'https://daily.example.com/policy' AND contact_email = 'desk@daily.example.com'"),
        1
    );
    assert_eq!(
        errata.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'publication_changed' AND actor_label = 'cli'"),
        1
    );
    let events = errata.count("SELECT COUNT(*) AS n FROM events");
    let err = errata.fails(&["publication", "edit", &id, "--policy-url", "ftp://x"]);
    assert!(err.contains("policy_url"), "{err}");
    let err = errata.fails(&["publication", "edit", "99", "--contact", "a@b.example"]);
    assert!(err.contains("no publication 99"), "{err}");
    assert_eq!(errata.count("SELECT COUNT(*) AS n FROM events"), events);

    // The webhook: a private address is refused by default; the secret comes from stdin.
    let out = errata.run(
        &[
            "publication",
            "webhook",
            &id,
            "--url",
            "http://127.0.0.1:9/hook",
            "--secret-stdin",
        ],
        Some(&format!("{SECRET}\n")),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("private network"));
    let out = errata.run(
        &[
            "publication",
            "webhook",
            &id,
            "--url",
            "https://93.184.216.34/hook",
            "--secret-stdin",
        ],
        Some(&format!("{SECRET}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
    assert_eq!(
        errata.count(&format!(
            "SELECT COUNT(*) AS n FROM webhooks WHERE secret = '{SECRET}'"
        )),
        1
    );
    assert_eq!(
        errata.count(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'webhook_set' AND actor_label = 'cli'"
        ),
        1
    );
    errata.ok(&["publication", "webhook", &id, "--remove"]);
    assert_eq!(errata.count("SELECT COUNT(*) AS n FROM webhooks"), 0);
}

#[rocket::async_test]
async fn the_dashboard_sets_the_webhook_shows_deliveries_and_redelivers() {
    let app = app_for_loopback(1).await;
    let receiver = Receiver::start(0).await;
    let editor = app.editor();
    let article = app.article(&editor).await;
    let publication = publication_id(&app);
    let (_, csrf) = signed_in(&app, Role::Admin).await;
    let page = get_page(&app, "/dashboard/admin/publications").await;
    assert!(page.has("No secret is set."), "{}", page.body);
    let res = post_form(
        &app,
        &format!("/dashboard/admin/publications/{publication}/webhook"),
        &[
            ("url", &receiver.url("/dash")),
            ("secret", SECRET),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    publish(&app, &editor, article, &[]).await;
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    verified(&got[0]);
    // Wait for the log to say delivered, then look at the page.
    let deadline = Instant::now() + Duration::from_secs(10);
    let page = loop {
        let page = get_page(&app, "/dashboard/admin/publications").await;
        if page.has(">delivered<") || Instant::now() > deadline {
            break page;
        }
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(page.has("A secret is set"), "{}", page.body);
    assert!(!page.has(SECRET), "the secret is never shown");
    assert!(
        page.has("note.published") && page.has(">delivered<"),
        "{}",
        page.body
    );
    let id = app.count("SELECT MAX(id) AS n FROM webhook_deliveries");
    let res = post_form(
        &app,
        &format!("/dashboard/admin/webhook-deliveries/{id}/redeliver"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    let got = receiver.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(got[1].body, got[0].body);
    // Without the CSRF token nothing is queued.
    let res = post_form(
        &app,
        &format!("/dashboard/admin/webhook-deliveries/{id}/redeliver"),
        &[],
    )
    .await;
    assert_ne!(res.status, Status::SeeOther);
}

#[rocket::async_test]
async fn a_redirect_is_not_followed_and_counts_as_a_failure() {
    let app = TestApp::builder()
        .set("webhook_allow_private", json!(true))
        .set("webhook_max_attempts", json!(1))
        .start()
        .await;
    let elsewhere = Receiver::start(0).await;
    let answer: &'static str = Box::leak(
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            elsewhere.url("/stolen")
        )
        .into_boxed_str(),
    );
    let redirecting = Receiver::failing_with(usize::MAX, answer).await;
    let (_, admin) = app.user(Role::Admin, &[]);
    let editor = app.editor();
    let article = app.article(&editor).await;
    let publication = publication_id(&app);
    set_webhook(&app, &admin, publication, &redirecting.url("/hook")).await;
    publish(&app, &editor, article, &[]).await;
    let log = settled(&app, &admin, publication, "failed").await;
    assert_eq!(log[0]["status_code"], 302);
    assert!(
        log[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("redirects are not followed")),
        "{log:?}"
    );
    assert_eq!(redirecting.requests().len(), 1);
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect was not followed"
    );
}
