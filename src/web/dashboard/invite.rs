//! The public page where an invited colleague chooses a password, through the emailed link.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect, Responder};
use rocket::{get, post, routes, Route, State};

use super::session;
use super::{ok, render, Page, PageError};
use crate::error::{Code, Error};
use crate::invites;
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![password_page, set_password]
}

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
