//! The editors' dashboard: server-rendered pages (askama) with a small script for keyboard and
//! preview. Every action is a plain form that works without JavaScript. Routes parse, call the
//! domain (`reports`, `corrections`, `accounts`) and render; no rule is decided here.

pub mod admin;
pub mod charts;
pub mod invite;
pub mod queue;
pub mod session;
pub mod signin;
pub mod stats;
pub mod workspace;

use askama::Template;
use rocket::http::uri::Origin;
use rocket::http::{ContentType, Header, Status};
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{self, Redirect, Responder};
use rocket::{get, post, routes, Request, Route};

use crate::error::Error;
pub use session::{AdminDesk, Checked, CsrfForm, EditorDesk, Staff};

pub fn routes() -> Vec<Route> {
    let mut all = routes![stylesheet, script, to_signin_get, to_signin_post];
    all.extend(signin::routes());
    all.extend(admin::routes());
    all.extend(invite::routes());
    all.extend(queue::routes());
    all.extend(workspace::routes());
    all.extend(stats::routes());
    all
}

/// A dashboard page, or the error page in the dashboard's words (never JSON).
pub type Page = Result<(Status, RawHtml<String>), PageError>;

pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl<'r> Responder<'r, 'static> for PageError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        if self.0.status.code >= 500 {
            log::error!("{} {}: {}", req.method(), req.uri().path(), self.0);
        }
        let status = self.0.status;
        let message = (status.code < 500).then(|| self.0.message.clone());
        let html = super::catchers::error_page(status, message);
        (status, RawHtml(html)).respond_to(req)
    }
}

pub(crate) fn render(t: &impl Template) -> Result<String, Error> {
    t.render()
        .map_err(|e| Error::internal(format!("template: {e}")))
}

pub(crate) fn ok(t: &impl Template) -> Page {
    Ok((Status::Ok, RawHtml(render(t)?)))
}

/// What the dashboard's frame shows on every page: who is signed in, their CSRF token (for the
/// sign-out form and the script), and a one-time message from the last action.
pub struct Frame {
    pub name: String,
    pub role: &'static str,
    pub is_admin: bool,
    pub csrf: String,
    pub flash: Option<(String, String)>,
}

impl Frame {
    pub fn new(staff: &Staff, flash: Option<FlashMessage<'_>>) -> Frame {
        Frame {
            name: staff.user.name.clone(),
            role: staff.role().as_str(),
            is_admin: staff.may(crate::accounts::permissions::Action::ManageUsers),
            csrf: staff.csrf().to_owned(),
            flash: flash.map(|f| (f.kind().to_owned(), f.message().to_owned())),
        }
    }
}

/// The dashboard's stylesheet and script, built into the binary.
#[derive(rocket::Responder)]
struct Asset(&'static str, ContentType, Header<'static>);

#[get("/static/dashboard.css")]
fn stylesheet() -> Asset {
    Asset(
        include_str!("../../../static/dashboard.css"),
        ContentType::CSS,
        Header::new("Cache-Control", "public, max-age=300"),
    )
}

#[get("/static/dashboard.js")]
fn script() -> Asset {
    Asset(
        include_str!("../../../static/dashboard.js"),
        ContentType::JavaScript,
        Header::new("Cache-Control", "public, max-age=300"),
    )
}

/// Where to come back to after signing in: a dashboard path of this site, never another site.
pub fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with("/dashboard")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control))
    .then_some(next)
}

fn signin_for(uri: &Origin<'_>) -> Redirect {
    let next = uri.to_string();
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(format!("/signin?next={encoded}"))
}

/// A page reached without a live session lands here (the guards forward): to the sign-in page,
/// then back. (`<_..>` matches `/dashboard` itself too.)
#[get("/dashboard/<_..>", rank = 100)]
fn to_signin_get(uri: &Origin<'_>) -> Redirect {
    signin_for(uri)
}

/// A form sent after the session ended: nothing is done; sign in and return to the dashboard.
#[post("/dashboard/<_..>", rank = 100)]
fn to_signin_post() -> Redirect {
    Redirect::to("/signin?next=%2Fdashboard")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dashboard_paths_of_this_site_are_returned_to() {
        assert_eq!(
            safe_next("/dashboard/reports/3"),
            Some("/dashboard/reports/3")
        );
        assert_eq!(
            safe_next("/dashboard?state=new"),
            Some("/dashboard?state=new")
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/dashboard",
            "/dashboard\\..\\x",
            "/signin",
            "",
            "/dashboard\n",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
