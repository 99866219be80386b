//! API tokens: create with scopes (the secret shown once), revoke, and when each was last used.

use askama::Template;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect, Responder};
use rocket::{get, post, routes, Route, State};

use super::{by, done};
use crate::accounts::{self, Scope};
use crate::error::{Error, Result};
use crate::time::readable;
use crate::web::dashboard::session::{AdminDesk, Checked, CsrfForm};
use crate::web::dashboard::{render, Frame, Page, PageError};
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![tokens_page, create_token, revoke_token]
}

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
    _form: Checked<crate::web::dashboard::signin::TokenOnly>,
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
