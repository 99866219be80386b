//! Users: invite a colleague by email, change roles, deactivate (never oneself).

use askama::Template;
use rocket::form::FromForm;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::{by, done};
use crate::accounts::{self, Role};
use crate::error::Error;
use crate::invites;
use crate::web::dashboard::session::{AdminDesk, Checked, CsrfForm};
use crate::web::dashboard::{ok, Frame, Page, PageError};
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![
        users_page,
        invite_user,
        change_role,
        change_active,
        send_reset_link
    ]
}

struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    active: bool,
    me: bool,
}

#[derive(Template)]
#[template(path = "dashboard/admin/users.html")]
struct UsersPage {
    frame: Frame,
    users: Vec<UserRow>,
    roles: Vec<&'static str>,
}

#[get("/dashboard/admin/users")]
async fn users_page(app: &State<App>, desk: AdminDesk, flash: Option<FlashMessage<'_>>) -> Page {
    let users = app.db.run(accounts::list_users).await?;
    let me = desk.0.user.id;
    ok(&UsersPage {
        frame: Frame::new(&desk.0, flash),
        users: users
            .into_iter()
            .map(|u| UserRow {
                id: u.id,
                role: u.role.as_str(),
                active: u.active,
                me: u.id == me,
                email: u.email,
                name: u.name,
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
    })
}

#[derive(Debug, Default, FromForm)]
pub struct InviteForm {
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    role: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for InviteForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[post("/dashboard/admin/users", data = "<form>")]
async fn invite_user(
    app: &State<App>,
    desk: AdminDesk,
    form: Checked<InviteForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let f = form.0;
    let (site, inviter) = (app.site.clone(), desk.0.user.clone());
    let outcome = app
        .db
        .run(move |conn| {
            let role = Role::parse(&f.role).ok_or_else(|| {
                Error::invalid("role", "choose a role: admin, editor or reviewer")
            })?;
            let user = invites::invite(conn, &site, &inviter, &f.email, &f.name, role)?;
            Ok(format!(
                "{} is invited; the set-password link is on its way to {}.",
                user.name, user.email
            ))
        })
        .await;
    done("/dashboard/admin/users", outcome)
}

#[derive(Debug, Default, FromForm)]
pub struct UserChangeForm {
    #[field(default = String::new())]
    role: String,
    #[field(default = false)]
    active: bool,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for UserChangeForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[post("/dashboard/admin/users/<id>/role", data = "<form>")]
async fn change_role(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    form: Checked<UserChangeForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let (actor, by) = (desk.0.user.clone(), by(&desk));
    let role = form.0.role;
    let outcome = app
        .db
        .run(move |conn| {
            let role = Role::parse(&role).ok_or_else(|| {
                Error::invalid("role", "choose a role: admin, editor or reviewer")
            })?;
            let target = accounts::require_user(conn, id)?;
            accounts::may_change(&actor, &target)?;
            let user = accounts::set_role(conn, &target.email, role, by)?;
            Ok(format!("{} is now {}.", user.name, role.as_str()))
        })
        .await;
    done("/dashboard/admin/users", outcome)
}

#[post("/dashboard/admin/users/<id>/active", data = "<form>")]
async fn change_active(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    form: Checked<UserChangeForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let (actor, by) = (desk.0.user.clone(), by(&desk));
    let active = form.0.active;
    let outcome = app
        .db
        .run(move |conn| {
            let target = accounts::require_user(conn, id)?;
            accounts::may_change(&actor, &target)?;
            accounts::set_active(conn, &target.email, active, by)?;
            Ok(if active {
                format!("{} can sign in again.", target.name)
            } else {
                format!(
                    "{} is deactivated: their sessions and tokens stop working now.",
                    target.name
                )
            })
        })
        .await;
    done("/dashboard/admin/users", outcome)
}

/// Emails the user a link to choose a new password (for one who forgot theirs).
#[post("/dashboard/admin/users/<id>/reset-link", data = "<_form>")]
async fn send_reset_link(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    _form: Checked<UserChangeForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let (site, by) = (app.site.clone(), by(&desk));
    let outcome = app
        .db
        .run(move |conn| {
            let target = accounts::require_user(conn, id)?;
            let user = invites::send_reset_link(conn, &site, &target.email, by)?;
            Ok(format!(
                "{} will get an email with a link to choose a new password (it works once, for {} hours).",
                user.name,
                invites::LINK_VALID.num_hours()
            ))
        })
        .await;
    done("/dashboard/admin/users", outcome)
}
