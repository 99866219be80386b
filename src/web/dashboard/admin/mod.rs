//! Admin pages under `/dashboard/admin/`: users (invite, role, deactivate), API tokens (create,
//! shown once; revoke), publications (origins, target time, contact, policy) and outgoing mail
//! (retry, discard), one module each. Every route takes `AdminDesk`, so other roles get 403
//! before anything else.

mod mail;
mod publications;
mod tokens;
mod users;

use rocket::response::{Flash, Redirect};
use rocket::{get, routes, Route};

use super::session::AdminDesk;
use super::PageError;
use crate::error::Result;
use crate::events::ActedBy;

pub fn routes() -> Vec<Route> {
    let mut all = routes![admin_home];
    all.extend(users::routes());
    all.extend(tokens::routes());
    all.extend(publications::routes());
    all.extend(mail::routes());
    all
}

pub(super) fn by(desk: &AdminDesk) -> ActedBy<'static> {
    ActedBy {
        user_id: Some(desk.0.user.id),
        label: None,
    }
}

/// After an admin action: back to the page with what happened, or the refusal as its own page.
pub(super) fn done(
    path: &str,
    outcome: Result<String>,
) -> std::result::Result<Flash<Redirect>, PageError> {
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
