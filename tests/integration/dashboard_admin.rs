//! The admin pages through HTTP: only admins reach them (403 for everyone else, before the form
//! is read); inviting a colleague who then chooses a password through the emailed link; roles and
//! access; API tokens shown once and revoked; publication settings; failed mail retried.

use errata::accounts::Role;
use rocket::http::Status;

use crate::dashboard::{get, post_form, sign_in_as, signed_in, PASSWORD};
use crate::support::TestApp;

const ADMIN_GETS: [&str; 4] = [
    "/dashboard/admin/users",
    "/dashboard/admin/tokens",
    "/dashboard/admin/publications",
    "/dashboard/admin/mail",
];

#[rocket::async_test]
async fn only_admins_reach_the_admin_pages() {
    let app = TestApp::new().await;
    for role in [Role::Reviewer, Role::Editor] {
        let (_, csrf) = signed_in(&app, role).await;
        for path in ADMIN_GETS {
            let page = get(&app, path).await;
            assert_eq!(page.status, Status::Forbidden, "{role:?} {path}");
            assert!(page.has("may not manage"), "{}", page.body);
        }
        let before = app.counts();
        for path in [
            "/dashboard/admin/users",
            "/dashboard/admin/users/1/role",
            "/dashboard/admin/users/1/active",
            "/dashboard/admin/tokens",
            "/dashboard/admin/tokens/1/revoke",
            "/dashboard/admin/publications",
            "/dashboard/admin/mail/1/retry",
        ] {
            // With or without the session's token: refused for the role.
            for fields in [
                vec![("role", "admin")],
                vec![("role", "admin"), ("csrf_token", &csrf)],
            ] {
                let res = post_form(&app, path, &fields).await;
                assert_eq!(res.status, Status::Forbidden, "{role:?} {path}");
            }
        }
        assert_eq!(app.counts(), before, "nothing was written");
        assert!(!get(&app, "/dashboard").await.has(">Admin</a>"));
        post_form(&app, "/signout", &[("csrf_token", &csrf)]).await;
    }
    signed_in(&app, Role::Admin).await;
    assert!(get(&app, "/dashboard").await.has(">Admin</a>"));
    for path in ADMIN_GETS {
        assert_eq!(get(&app, path).await.status, Status::Ok, "{path}");
    }
}

/// The set-password link in the newest outbox message.
fn emailed_link(app: &TestApp) -> String {
    use diesel::prelude::*;
    use errata::db::schema::outbox;
    let body: String = outbox::table
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .expect("an email");
    let start = body.find("http://errata.test/password/").expect("a link");
    body[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .trim_start_matches("http://errata.test")
        .to_owned()
}

#[rocket::async_test]
async fn an_invited_colleague_chooses_a_password_once_and_signs_in() {
    let app = TestApp::new().await;
    let (_, csrf) = signed_in(&app, Role::Admin).await;
    let res = post_form(
        &app,
        "/dashboard/admin/users",
        &[
            ("email", "Nia@Newsroom.test"),
            ("name", "Nia Reviewer"),
            ("role", "reviewer"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther, "{}", res.body);
    assert!(get(&app, "/dashboard/admin/users")
        .await
        .has("nia@newsroom.test"));
    // The same address again is refused, by its message.
    let again = post_form(
        &app,
        "/dashboard/admin/users",
        &[
            ("email", "nia@newsroom.test"),
            ("name", "Nia"),
            ("role", "reviewer"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(again.status, Status::SeeOther);
    assert!(get(&app, "/dashboard/admin/users")
        .await
        .has("Nothing was changed"));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM users WHERE email = 'nia@newsroom.test'"),
        1
    );

    let link = emailed_link(&app);
    post_form(&app, "/signout", &[("csrf_token", &csrf)]).await;
    let page = get(&app, &link).await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("Welcome to Errata, Nia Reviewer"));
    // Too short: the page again, with why.
    let short = post_form(
        &app,
        &link,
        &[("password", "short"), ("csrf_token", &page.csrf())],
    )
    .await;
    assert_eq!(short.status, Status::UnprocessableEntity);
    assert!(short.has("at least 12 characters"));
    let set = post_form(
        &app,
        &link,
        &[("password", PASSWORD), ("csrf_token", &short.csrf())],
    )
    .await;
    assert_eq!(set.status, Status::SeeOther, "{}", set.body);
    assert!(get(&app, "/signin").await.has("Your password is set"));
    // Used once: gone.
    assert_eq!(get(&app, &link).await.status, Status::NotFound);
    sign_in_as(&app, "nia@newsroom.test").await;
    assert!(get(&app, "/dashboard").await.has("Nia Reviewer"));
}

#[rocket::async_test]
async fn admins_change_roles_and_access_but_never_their_own() {
    let app = TestApp::new().await;
    let (admin, csrf) = signed_in(&app, Role::Admin).await;
    let (editor, _) = app.user(Role::Editor, &[]);
    let path = format!("/dashboard/admin/users/{}/role", editor.id);
    let res = post_form(&app, &path, &[("role", "reviewer"), ("csrf_token", &csrf)]).await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE id = {} AND role = 'reviewer'",
            editor.id
        )),
        1
    );
    let res = post_form(
        &app,
        &format!("/dashboard/admin/users/{}/active", editor.id),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE id = {} AND active = FALSE",
            editor.id
        )),
        1
    );
    // Not oneself.
    let before = app.counts();
    post_form(
        &app,
        &format!("/dashboard/admin/users/{}/role", admin.id),
        &[("role", "reviewer"), ("csrf_token", &csrf)],
    )
    .await;
    assert!(get(&app, "/dashboard/admin/users")
        .await
        .has("cannot change your own role"));
    assert_eq!(app.counts(), before);
}

#[rocket::async_test]
async fn a_token_is_shown_once_works_and_can_be_revoked() {
    let app = TestApp::new().await;
    let (admin, csrf) = signed_in(&app, Role::Admin).await;
    let owner = admin.id.to_string();
    let res = post_form(
        &app,
        "/dashboard/admin/tokens",
        &[
            ("user_id", &owner),
            ("name", "CMS hook"),
            ("scopes", "articles:write"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::Created, "{}", res.body);
    let start = res.body.find("id=\"new-token\">").expect("the secret") + "id=\"new-token\">".len();
    let secret = res.body[start..res.body.find("</code>").expect("end")].to_owned();
    assert!(
        !get(&app, "/dashboard/admin/tokens").await.has(&secret),
        "shown once"
    );
    let (status, _) = app.get("/api/v1/reports", Some(&secret)).await;
    assert_eq!(status, Status::Forbidden, "only the scope given");
    let (status, _) = app
        .put(
            "/api/v1/articles",
            Some(&secret),
            serde_json::json!({ "url": crate::support::ARTICLE_URL, "title": "T", "body_text": crate::support::R1 }),
        )
        .await;
    assert_eq!(status, Status::Created);
    let id = app.count("SELECT MAX(id) AS n FROM api_tokens");
    let res = post_form(
        &app,
        &format!("/dashboard/admin/tokens/{id}/revoke"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    let (status, _) = app.get("/api/v1/articles/1", Some(&secret)).await;
    assert_eq!(status, Status::Unauthorized);
    // An unknown scope is refused by name.
    let res = post_form(
        &app,
        "/dashboard/admin/tokens",
        &[
            ("user_id", &owner),
            ("name", "x"),
            ("scopes", "everything"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert!(get(&app, "/dashboard/admin/tokens")
        .await
        .has("`everything` is not a scope"));
}

#[rocket::async_test]
async fn publication_settings_are_checked_and_drive_the_age_badge() {
    let app = TestApp::new().await;
    let (_, token) = app.user(Role::Editor, &[]);
    app.article(&token).await;
    app.report("$48 million bond", None).await;
    let (_, csrf) = signed_in(&app, Role::Admin).await;
    let id = app.count("SELECT MIN(id) AS n FROM publications");
    let path = format!("/dashboard/admin/publications/{id}");
    let before = app.counts();
    for (field, value, message) in [
        ("target_hours", "0", "from 1 to 720"),
        ("origins", "not an origin", "is not an origin"),
        ("contact_email", "nobody", "is not an email address"),
        ("policy_url", "ftp://x", "not an http or https link"),
    ] {
        let mut fields = vec![
            ("name", "The Test Times"),
            ("target_hours", "24"),
            ("csrf_token", csrf.as_str()),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let res = post_form(&app, &path, &fields).await;
        assert_eq!(res.status, Status::SeeOther);
        let page = get(&app, "/dashboard/admin/publications").await;
        assert!(page.has(message), "{field}: {}", page.body);
    }
    assert_eq!(app.counts(), before, "nothing was written");
    // Zero hours is not allowed, but the smallest target makes the report overdue at once.
    let res = post_form(
        &app,
        &path,
        &[
            ("name", "The Test Times"),
            ("target_hours", "1"),
            ("origins", "https://amp.news.example.com"),
            ("contact_email", "corrections@news.example.com"),
            ("policy_url", "https://news.example.com/corrections-policy"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    let page = get(&app, "/dashboard/admin/publications").await;
    assert!(page.has("https://amp.news.example.com") && page.has("The Test Times"));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM publication_origins WHERE origin = 'https://amp.news.example.com'"),
        1
    );
    // Backdate the report past the hour: the queue says it is overdue.
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE reports SET created_at = {}",
            crate::support::database::shifted(None, -120)
        )),
        &mut app.conn(),
    )
    .expect("backdated");
    assert!(get(&app, "/dashboard").await.has("overdue"));
}

#[rocket::async_test]
async fn failed_mail_can_be_retried_or_discarded_from_the_page() {
    let app = TestApp::new().await;
    let (_, token) = app.user(Role::Editor, &[]);
    app.article(&token).await;
    app.report("$48 million bond", Some("ada@readers.test"))
        .await;
    let (_, csrf) = signed_in(&app, Role::Admin).await;
    diesel::RunQueryDsl::execute(
        diesel::sql_query("UPDATE outbox SET state = 'failed', last_error = '550 no such user'"),
        &mut app.conn(),
    )
    .expect("failed");
    let id = app.count("SELECT MIN(id) AS n FROM outbox");
    let page = get(&app, "/dashboard/admin/mail").await;
    assert!(page.has("550 no such user") && page.has(">Retry<"));
    let res = post_form(
        &app,
        &format!("/dashboard/admin/mail/{id}/discard"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM outbox WHERE id = {id} AND state = 'discarded'"
        )),
        1
    );
    let res = post_form(
        &app,
        &format!("/dashboard/admin/mail/{id}/retry"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status, Status::SeeOther);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM outbox WHERE id = {id} AND state IN ('queued', 'sending', 'sent')")),
        1
    );
}
