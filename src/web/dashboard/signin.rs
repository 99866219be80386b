//! Signing in and out, and one's own account: the password, and how one hears of new reports.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Header, Status};
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Responder, Route, State};

use super::session::{self, Checked, CsrfForm, Staff, SESSION_COOKIE};
use super::{ok, render, safe_next, Frame, Page};
use crate::accounts::sessions::{self as domain, SignInRefusal};
use crate::mail::editors::{self, Choice, NewReportMail};
use crate::web::guards::SenderHash;
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![
        signin_page,
        signin_signed_in,
        sign_in,
        sign_out,
        account_page,
        change_password,
        change_mail
    ]
}

#[derive(Template)]
#[template(path = "dashboard/signin.html")]
struct SignInPage<'a> {
    notice: Option<String>,
    email: &'a str,
    next: &'a str,
    csrf: String,
    error: Option<String>,
}

/// A signed-in user at the sign-in page goes on to where they were headed.
#[get("/signin?<next>")]
fn signin_signed_in(_staff: Staff, next: Option<&str>) -> Redirect {
    Redirect::to(next.and_then(safe_next).unwrap_or("/dashboard").to_owned())
}

#[get("/signin?<next>", rank = 2)]
fn signin_page(
    app: &State<App>,
    jar: &CookieJar<'_>,
    next: Option<&str>,
    flash: Option<FlashMessage<'_>>,
) -> Page {
    ok(&SignInPage {
        notice: flash.map(|f| f.message().to_owned()),
        email: "",
        next: next.and_then(safe_next).unwrap_or("/dashboard"),
        csrf: session::signin_token(app, jar),
        error: None,
    })
}

#[derive(Debug, Default, FromForm)]
pub struct SignInForm {
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    password: String,
    #[field(default = String::new())]
    next: String,
    #[field(default = String::new())]
    csrf_token: String,
}

#[derive(Responder)]
pub enum SignInAnswer {
    Done(Redirect),
    Again((Status, RawHtml<String>)),
    Throttled((Status, RawHtml<String>), Header<'static>),
}

#[post("/signin", data = "<form>")]
async fn sign_in(
    app: &State<App>,
    jar: &CookieJar<'_>,
    sender: SenderHash,
    form: Form<SignInForm>,
) -> Result<SignInAnswer, super::PageError> {
    let form = form.into_inner();
    let next = safe_next(&form.next).unwrap_or("/dashboard").to_owned();
    let again =
        |status: Status, error: String| -> Result<(Status, RawHtml<String>), super::PageError> {
            let html = render(&SignInPage {
                notice: None,
                email: &form.email,
                next: &next,
                csrf: session::signin_token(app, jar),
                error: Some(error),
            })?;
            Ok((status, RawHtml(html)))
        };
    if !session::signin_token_matches(jar, &form.csrf_token) {
        return Ok(SignInAnswer::Again(again(
            Status::Forbidden,
            "This form has expired. Please sign in again.".into(),
        )?));
    }
    let (email, password) = (form.email.clone(), form.password.clone());
    let outcome = app
        .db
        .run(move |conn| domain::sign_in(conn, &email, &password, sender.0.as_deref()))
        .await?;
    match outcome {
        Ok((secret, _, _)) => {
            session::set_cookie(app, jar, secret);
            jar.remove_private(session::SIGNIN_COOKIE);
            Ok(SignInAnswer::Done(Redirect::to(next)))
        }
        Err(SignInRefusal::Wrong) => Ok(SignInAnswer::Again(again(
            Status::Unauthorized,
            "The email or the password is not right.".into(),
        )?)),
        Err(SignInRefusal::Throttled { retry_after_s }) => {
            let minutes = (retry_after_s + 59) / 60;
            Ok(SignInAnswer::Throttled(
                again(
                    Status::TooManyRequests,
                    format!(
                        "Too many failed sign-ins. Please try again in {minutes} minute{}.",
                        if minutes == 1 { "" } else { "s" }
                    ),
                )?,
                Header::new("Retry-After", retry_after_s.to_string()),
            ))
        }
    }
}

#[derive(Debug, Default, FromForm)]
pub struct TokenOnly {
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for TokenOnly {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[post("/signout", data = "<_form>")]
async fn sign_out(
    app: &State<App>,
    jar: &CookieJar<'_>,
    staff: Staff,
    _form: Checked<TokenOnly>,
) -> Result<Flash<Redirect>, super::PageError> {
    let session = staff.session.clone();
    app.db.run(move |conn| domain::end(conn, &session)).await?;
    jar.remove_private(SESSION_COOKIE);
    Ok(Flash::success(Redirect::to("/signin"), "Signed out."))
}

#[derive(Template)]
#[template(path = "dashboard/account.html")]
struct AccountPage<'a> {
    frame: Frame,
    email: &'a str,
    error: Option<(String, String)>,
    choices: Vec<Choice>,
    options: [NewReportMail; 4],
    mail_error: Option<(String, String)>,
}

impl AccountPage<'_> {
    fn field_error(&self, field: &str) -> Option<&str> {
        self.mail_error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn field_of(&self, c: &Choice) -> String {
        editors::field(c.publication_id)
    }
}

/// The account page, with an error by the password or the mail form.
async fn account(
    app: &App,
    staff: &Staff,
    flash: Option<FlashMessage<'_>>,
    error: Option<(String, String)>,
    mail_error: Option<(String, String)>,
) -> Result<String, super::PageError> {
    let user_id = staff.user.id;
    let choices = app
        .db
        .run(move |conn| editors::choices(conn, user_id))
        .await?;
    Ok(render(&AccountPage {
        email: &staff.user.email,
        frame: Frame::new(staff, flash),
        error,
        choices,
        options: NewReportMail::ALL,
        mail_error,
    })?)
}

#[get("/dashboard/account")]
async fn account_page(
    app: &State<App>,
    staff: Staff,
    flash: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, super::PageError> {
    Ok(RawHtml(account(app, &staff, flash, None, None).await?))
}

/// The mail form: one choice per publication, `new_reports[<publication id>]`.
#[derive(Debug, Default, FromForm)]
pub struct MailForm {
    new_reports: BTreeMap<i64, String>,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for MailForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[post("/dashboard/account/mail", data = "<form>")]
async fn change_mail(
    app: &State<App>,
    staff: Staff,
    form: Checked<MailForm>,
) -> Result<PasswordAnswer, super::PageError> {
    let wanted: Vec<(i64, String)> = form.0.new_reports.into_iter().collect();
    let user = staff.user.clone();
    let done = app
        .db
        .run(move |conn| editors::set_choices(conn, &user, &wanted))
        .await;
    match done {
        Ok(()) => Ok(PasswordAnswer::Done(Box::new(Flash::success(
            Redirect::to("/dashboard/account"),
            "Your email choices are saved.",
        )))),
        Err(e) if e.status.code < 500 => {
            let error = (e.field.clone().unwrap_or_default(), e.message.clone());
            let html = account(app, &staff, None, None, Some(error)).await?;
            Ok(PasswordAnswer::Again((e.status, RawHtml(html))))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, FromForm)]
pub struct PasswordForm {
    #[field(default = String::new())]
    current_password: String,
    #[field(default = String::new())]
    new_password: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for PasswordForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[derive(Responder)]
pub enum PasswordAnswer {
    Done(Box<Flash<Redirect>>),
    Again((Status, RawHtml<String>)),
}

#[post("/dashboard/account/password", data = "<form>")]
async fn change_password(
    app: &State<App>,
    staff: Staff,
    form: Checked<PasswordForm>,
) -> Result<PasswordAnswer, super::PageError> {
    let form = form.0;
    let (user, keep) = (staff.user.clone(), staff.session.clone());
    let done = app
        .db
        .run(move |conn| {
            domain::change_password(
                conn,
                &user,
                &keep,
                &form.current_password,
                &form.new_password,
            )
        })
        .await;
    match done {
        Ok(()) => Ok(PasswordAnswer::Done(Box::new(Flash::success(
            Redirect::to("/dashboard/account"),
            "Your password is changed. Your other sessions have been signed out.",
        )))),
        Err(e) if e.status.code < 500 => {
            let error = (e.field.clone().unwrap_or_default(), e.message.clone());
            let html = account(app, &staff, None, Some(error), None).await?;
            Ok(PasswordAnswer::Again((e.status, RawHtml(html))))
        }
        Err(e) => Err(e.into()),
    }
}
