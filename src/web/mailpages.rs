//! The pages behind the links in a reader's mail: confirming the address (from the receipt) and
//! unsubscribing (from every message, and RFC 8058's one-click POST that mail providers send).
//! A GET only shows a page with a button, since mail scanners open links; only the POST acts. The
//! secret in the path is the credential, and there is no session, so no CSRF token is needed.

use askama::Template;
use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::{get, post, routes, Route, State};

use super::reader::ReaderLang;
use super::App;
use crate::error::{Error, Result};
use crate::i18n::{Lang, Messages};
use crate::mail::readers::{self, Subscription};

pub fn routes() -> Vec<Route> {
    routes![confirm_page, confirm, unsubscribe_page, unsubscribe]
}

#[derive(Template)]
#[template(path = "reader/mail_link.html")]
struct LinkPage<'a> {
    t: Messages,
    title: &'a str,
    paragraphs: Vec<String>,
    button: Option<String>,
}

type Page = (Status, RawHtml<String>);

fn page(t: Messages, status: Status, title: &str, paragraphs: Vec<String>) -> Result<Page> {
    page_with(t, status, title, paragraphs, None)
}

fn page_with(
    t: Messages,
    status: Status,
    title: &str,
    paragraphs: Vec<String>,
    button: Option<String>,
) -> Result<Page> {
    let html = LinkPage {
        t,
        title,
        paragraphs,
        button,
    }
    .render()
    .map_err(|e| Error::internal_while("template", e))?;
    Ok((status, RawHtml(html)))
}

/// The page in the language the report was filed in.
fn words(s: &Subscription) -> Messages {
    Messages(Lang::from_tag(&s.lang).unwrap_or(Lang::En))
}

/// Runs `f` on the report behind a link; a link that matches none gets a 404 page in the
/// browser's language.
async fn with_link(
    app: &App,
    lang: ReaderLang,
    token: &str,
    f: fn(&mut crate::db::Conn, &str) -> Result<Subscription>,
    then: impl FnOnce(Messages, Subscription) -> Result<Page>,
) -> Result<Page> {
    let token = token.to_owned();
    match app.db.run(move |conn| f(conn, &token)).await {
        Ok(s) => then(words(&s), s),
        Err(e) if e.status == Status::NotFound => {
            let t = Messages(lang.0);
            page(
                t,
                Status::NotFound,
                &t.get("unsubscribe-unknown-title"),
                vec![t.get("unsubscribe-unknown")],
            )
        }
        Err(e) => Err(e),
    }
}

#[get("/confirm/<token>")]
async fn confirm_page(app: &State<App>, lang: ReaderLang, token: &str) -> Result<Page> {
    with_link(app, lang, token, readers::by_token, |t, s| {
        page_with(
            t,
            Status::Ok,
            &t.get("confirm-title"),
            vec![t.with("confirm-explain", "reference", &s.reference)],
            Some(t.get("confirm-button")),
        )
    })
    .await
}

#[post("/confirm/<token>")]
async fn confirm(app: &State<App>, lang: ReaderLang, token: &str) -> Result<Page> {
    with_link(app, lang, token, readers::confirm, |t, s| {
        let mut said = vec![t.with("confirm-done", "reference", &s.reference)];
        if s.is_unsubscribed() {
            said = vec![t.with("confirm-unsubscribed", "reference", &s.reference)];
        }
        page(t, Status::Ok, &t.get("confirm-done-title"), said)
    })
    .await
}

#[get("/unsubscribe/<token>")]
async fn unsubscribe_page(app: &State<App>, lang: ReaderLang, token: &str) -> Result<Page> {
    with_link(app, lang, token, readers::by_token, |t, s| {
        page_with(
            t,
            Status::Ok,
            &t.get("unsubscribe-title"),
            vec![t.with("unsubscribe-explain", "reference", &s.reference)],
            Some(t.get("unsubscribe-button")),
        )
    })
    .await
}

/// The one-click unsubscribe: a mail provider posts `List-Unsubscribe=One-Click` here, a reader
/// the page's button. Either way the body is not needed.
#[post("/unsubscribe/<token>")]
async fn unsubscribe(app: &State<App>, lang: ReaderLang, token: &str) -> Result<Page> {
    with_link(app, lang, token, readers::unsubscribe, |t, s| {
        page(
            t,
            Status::Ok,
            &t.get("unsubscribe-done-title"),
            vec![t.with("unsubscribe-done", "reference", &s.reference)],
        )
    })
    .await
}
