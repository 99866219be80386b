//! Admin pages under `/dashboard/admin/`: users (invite, role, deactivate), API tokens (create,
//! shown once; revoke), publications (origins, target time, contact, policy) and outgoing mail
//! (retry, discard). Every route takes `AdminDesk`, so other roles get 403 before anything else.
//! Also the public page where an invited user chooses a password.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect, Responder};
use rocket::{get, post, routes, Route, State};

use super::session::{self, AdminDesk, Checked, CsrfForm};
use super::{ok, render, Frame, Page, PageError};
use crate::accounts::{self, Role, Scope};
use crate::articles::{self, PublicationSettings};
use crate::error::{Code, Error, Result};
use crate::events::ActedBy;
use crate::invites;
use crate::mail::outbox::{self, OutboxState};
use crate::time::readable;
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![
        admin_home,
        users_page,
        invite_user,
        change_role,
        change_active,
        tokens_page,
        create_token,
        revoke_token,
        publications_page,
        create_publication,
        update_publication,
        mail_page,
        mail_action,
        password_page,
        set_password
    ]
}

fn by(desk: &AdminDesk) -> ActedBy<'static> {
    ActedBy {
        user_id: Some(desk.0.user.id),
        label: None,
    }
}

/// After an admin action: back to the page with what happened, or the refusal as its own page.
fn done(path: &str, outcome: Result<String>) -> std::result::Result<Flash<Redirect>, PageError> {
    match outcome {
        Ok(message) => Ok(Flash::success(Redirect::to(path.to_owned()), message)),
        Err(e) if e.status.code < 500 => Ok(Flash::error(
            Redirect::to(path.to_owned()),
            format!("Nothing was changed: {}", e.describe()),
        )),
        Err(e) => Err(e.into()),
    }
}

#[get("/dashboard/admin")]
fn admin_home(_desk: AdminDesk) -> Redirect {
    Redirect::to("/dashboard/admin/users")
}

// ---- users ---------------------------------------------------------------------------------

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

// ---- API tokens ----------------------------------------------------------------------------

struct TokenRow {
    id: i64,
    owner: String,
    name: String,
    scopes: String,
    created: String,
    last_used: String,
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/admin/tokens.html")]
struct TokensPage {
    frame: Frame,
    tokens: Vec<TokenRow>,
    users: Vec<(i64, String)>,
    scopes: Vec<&'static str>,
    /// A token just made: shown this once.
    created: Option<(String, String)>,
}

async fn tokens_html(
    app: &App,
    desk: &AdminDesk,
    flash: Option<FlashMessage<'_>>,
    created: Option<(String, String)>,
) -> Result<String> {
    let (tokens, users) = app
        .db
        .run(|conn| {
            Ok((
                accounts::list_tokens(conn, None)?,
                accounts::list_users(conn)?,
            ))
        })
        .await?;
    render(&TokensPage {
        frame: Frame::new(&desk.0, flash),
        tokens: tokens
            .into_iter()
            .map(|(t, owner)| TokenRow {
                id: t.id,
                owner,
                scopes: t
                    .scopes()
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                name: t.name,
                created: readable(t.created_at),
                last_used: t
                    .last_used_at
                    .map(readable)
                    .unwrap_or_else(|| "never".into()),
                revoked: t.revoked_at.map(readable),
            })
            .collect(),
        users: users
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.id, format!("{} <{}>", u.name, u.email)))
            .collect(),
        scopes: Scope::ALL.iter().map(|s| s.as_str()).collect(),
        created,
    })
}

#[get("/dashboard/admin/tokens")]
async fn tokens_page(app: &State<App>, desk: AdminDesk, flash: Option<FlashMessage<'_>>) -> Page {
    Ok((
        Status::Ok,
        RawHtml(tokens_html(app, &desk, flash, None).await?),
    ))
}

#[derive(Debug, Default, FromForm)]
pub struct TokenForm {
    user_id: Option<i64>,
    #[field(default = String::new())]
    name: String,
    #[field(default = Vec::new())]
    scopes: Vec<String>,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for TokenForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[derive(Responder)]
pub enum TokenAnswer {
    Shown((Status, RawHtml<String>)),
    Refused(Box<Flash<Redirect>>),
}

/// Creates a token and shows its secret on this one page; it is never shown again.
#[post("/dashboard/admin/tokens", data = "<form>")]
async fn create_token(
    app: &State<App>,
    desk: AdminDesk,
    form: Checked<TokenForm>,
) -> std::result::Result<TokenAnswer, PageError> {
    let f = form.0;
    let outcome = app
        .db
        .run(move |conn| {
            let id = f
                .user_id
                .ok_or_else(|| Error::invalid("user_id", "choose whose token it is"))?;
            let owner = accounts::require_user(conn, id)?;
            let scopes = f
                .scopes
                .iter()
                .map(|s| {
                    Scope::parse(s)
                        .ok_or_else(|| Error::invalid("scopes", format!("`{s}` is not a scope")))
                })
                .collect::<Result<Vec<_>>>()?;
            let (token, secret) = accounts::create_token(conn, &owner, &f.name, &scopes)?;
            Ok((token.name, secret))
        })
        .await;
    match outcome {
        Ok(created) => {
            let html = tokens_html(app, &desk, None, Some(created)).await?;
            Ok(TokenAnswer::Shown((Status::Created, RawHtml(html))))
        }
        Err(e) => {
            done("/dashboard/admin/tokens", Err(e)).map(|f| TokenAnswer::Refused(Box::new(f)))
        }
    }
}

#[post("/dashboard/admin/tokens/<id>/revoke", data = "<_form>")]
async fn revoke_token(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    _form: Checked<super::signin::TokenOnly>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let outcome = app
        .db
        .run(move |conn| {
            let t = accounts::revoke_token(conn, id, by)?;
            Ok(format!("The token “{}” is revoked.", t.name))
        })
        .await;
    done("/dashboard/admin/tokens", outcome)
}

// ---- publications --------------------------------------------------------------------------

struct PublicationRow {
    id: i64,
    name: String,
    base_url: String,
    origins: String,
    target_hours: i64,
    contact_email: String,
    policy_url: String,
}

#[derive(Template)]
#[template(path = "dashboard/admin/publications.html")]
struct PublicationsPage {
    frame: Frame,
    publications: Vec<PublicationRow>,
}

#[get("/dashboard/admin/publications")]
async fn publications_page(
    app: &State<App>,
    desk: AdminDesk,
    flash: Option<FlashMessage<'_>>,
) -> Page {
    let list = app.db.run(articles::list_publications).await?;
    ok(&PublicationsPage {
        frame: Frame::new(&desk.0, flash),
        publications: list
            .into_iter()
            .map(|(p, origins)| {
                let own = articles::origin_of(&p.base_url).unwrap_or_default();
                PublicationRow {
                    id: p.id,
                    origins: origins
                        .into_iter()
                        .filter(|o| *o != own)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    name: p.name,
                    base_url: p.base_url,
                    target_hours: p.target_hours,
                    contact_email: p.contact_email.unwrap_or_default(),
                    policy_url: p.policy_url.unwrap_or_default(),
                }
            })
            .collect(),
    })
}

#[derive(Debug, Default, FromForm)]
pub struct PublicationForm {
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    url: String,
    #[field(default = String::new())]
    origins: String,
    #[field(default = String::new())]
    target_hours: String,
    #[field(default = String::new())]
    contact_email: String,
    #[field(default = String::new())]
    policy_url: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for PublicationForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl PublicationForm {
    fn settings(&self) -> Result<PublicationSettings> {
        let target_hours = match self.target_hours.trim() {
            "" => 48,
            h => h.parse().map_err(|_| {
                Error::invalid("target_hours", "the target time is a whole number of hours")
            })?,
        };
        Ok(PublicationSettings {
            name: self.name.clone(),
            origins: self.origins.split_whitespace().map(str::to_owned).collect(),
            target_hours,
            contact_email: Some(self.contact_email.clone()),
            policy_url: Some(self.policy_url.clone()),
        })
    }
}

#[post("/dashboard/admin/publications", data = "<form>")]
async fn create_publication(
    app: &State<App>,
    desk: AdminDesk,
    form: Checked<PublicationForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let f = form.0;
    let outcome = app
        .db
        .run(move |conn| {
            let settings = f.settings()?;
            crate::db::write(conn, |conn| {
                let p = articles::create_publication(conn, &f.name, &f.url, &[])?;
                let p = articles::update_publication(conn, p.id, &settings, by)?;
                Ok(format!("{} is registered.", p.name))
            })
        })
        .await;
    done("/dashboard/admin/publications", outcome)
}

#[post("/dashboard/admin/publications/<id>", data = "<form>")]
async fn update_publication(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    form: Checked<PublicationForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let f = form.0;
    let outcome = app
        .db
        .run(move |conn| {
            let p = articles::update_publication(conn, id, &f.settings()?, by)?;
            Ok(format!("{} is saved.", p.name))
        })
        .await;
    done("/dashboard/admin/publications", outcome)
}

// ---- outgoing mail -------------------------------------------------------------------------

struct MailRow {
    id: i64,
    template: String,
    recipient: String,
    state: String,
    attempts: i64,
    next_attempt: String,
    last_error: Option<String>,
    created: String,
    can_retry: bool,
    can_discard: bool,
}

#[derive(Template)]
#[template(path = "dashboard/admin/mail.html")]
struct MailPage {
    frame: Frame,
    messages: Vec<MailRow>,
}

#[get("/dashboard/admin/mail")]
async fn mail_page(app: &State<App>, desk: AdminDesk, flash: Option<FlashMessage<'_>>) -> Page {
    let rows = app
        .db
        .run(|conn| {
            let mut rows = outbox::list(conn, Some(OutboxState::Failed), 200)?;
            rows.extend(outbox::list(conn, Some(OutboxState::Queued), 200)?);
            rows.extend(outbox::list(conn, Some(OutboxState::Sending), 50)?);
            Ok(rows)
        })
        .await?;
    ok(&MailPage {
        frame: Frame::new(&desk.0, flash),
        messages: rows
            .into_iter()
            .map(|m| MailRow {
                id: m.id,
                can_retry: matches!(m.state, OutboxState::Failed | OutboxState::Discarded),
                can_discard: matches!(m.state, OutboxState::Failed | OutboxState::Queued),
                template: m.template.replace('_', " "),
                recipient: m.recipient,
                state: m.state.as_str().to_owned(),
                attempts: m.attempts,
                next_attempt: readable(m.next_attempt_at),
                last_error: m.last_error,
                created: readable(m.created_at),
            })
            .collect(),
    })
}

/// Retry or discard one message: the outbox decides which states allow which.
#[post("/dashboard/admin/mail/<id>/<action>", data = "<_form>")]
async fn mail_action(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    action: &str,
    _form: Checked<super::signin::TokenOnly>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let retry = match action {
        "retry" => true,
        "discard" => false,
        _ => return Err(Error::not_found(Code::NotFound, "no such action on a message").into()),
    };
    let outcome = app
        .db
        .run(move |conn| {
            if retry {
                outbox::retry(conn, id, by)?;
                Ok(format!("Message {id} is queued again."))
            } else {
                outbox::discard(conn, id, by)?;
                Ok(format!("Message {id} is discarded; it will not be sent."))
            }
        })
        .await;
    done("/dashboard/admin/mail", outcome)
}

// ---- choosing a password from an invitation ------------------------------------------------

#[derive(Template)]
#[template(path = "dashboard/password.html")]
struct PasswordPage<'a> {
    name: &'a str,
    email: &'a str,
    csrf: String,
    error: Option<String>,
}

fn link_gone() -> Page {
    Err(PageError(Error::not_found(
        Code::LinkNotValid,
        "This link has expired or was already used. Ask an admin for a new invitation.",
    )))
}

#[get("/password/<secret>")]
async fn password_page(app: &State<App>, jar: &CookieJar<'_>, secret: &str) -> Page {
    let key = secret.to_owned();
    let Some(user) = app
        .db
        .run(move |conn| invites::user_for_link(conn, &key))
        .await?
    else {
        return link_gone();
    };
    ok(&PasswordPage {
        name: &user.name,
        email: &user.email,
        csrf: session::signin_token(app, jar),
        error: None,
    })
}

#[derive(Debug, Default, FromForm)]
pub struct SetPasswordForm {
    #[field(default = String::new())]
    password: String,
    #[field(default = String::new())]
    csrf_token: String,
}

#[derive(Responder)]
pub enum PasswordSet {
    Done(Box<Flash<Redirect>>),
    Again((Status, RawHtml<String>)),
}

#[post("/password/<secret>", data = "<form>")]
async fn set_password(
    app: &State<App>,
    jar: &CookieJar<'_>,
    secret: &str,
    form: Form<SetPasswordForm>,
) -> std::result::Result<PasswordSet, PageError> {
    let key = secret.to_owned();
    let Some(user) = app
        .db
        .run(move |conn| invites::user_for_link(conn, &key))
        .await?
    else {
        return link_gone().map(PasswordSet::Again);
    };
    let again = |status: Status, error: String| -> std::result::Result<PasswordSet, PageError> {
        let html = render(&PasswordPage {
            name: &user.name,
            email: &user.email,
            csrf: session::signin_token(app, jar),
            error: Some(error),
        })?;
        Ok(PasswordSet::Again((status, RawHtml(html))))
    };
    if !session::signin_token_matches(jar, &form.csrf_token) {
        return again(
            Status::Forbidden,
            "This form has expired. Please enter your password again.".into(),
        );
    }
    let (key, password) = (secret.to_owned(), form.password.clone());
    match app
        .db
        .run(move |conn| invites::set_password_by_link(conn, &key, &password))
        .await
    {
        Ok(_) => Ok(PasswordSet::Done(Box::new(Flash::success(
            Redirect::to("/signin"),
            "Your password is set. Sign in with it now.",
        )))),
        Err(e) if e.status.code < 500 => again(e.status, e.message.clone()),
        Err(e) => Err(e.into()),
    }
}
