//! Who is signed in to the dashboard, as request guards: `Staff` (anyone signed in), `EditorDesk`
//! and `AdminDesk` (refused with 403 before anything else about the request is looked at). A
//! request without a live session is forwarded to the sign-in redirect. `Checked<T>` is the form
//! of every unsafe dashboard request: it refuses a missing or wrong CSRF token before any change.

use rocket::data::{self, Data, FromData};
use rocket::form::{Form, FromForm};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::State;

use crate::accounts::permissions::{self, Action};
use crate::accounts::sessions::{self, Session};
use crate::accounts::{Role, User};
use crate::error::{Code, Error};
use crate::web::guards::fail;
use crate::web::App;

/// The private cookie holding the session's secret.
pub const SESSION_COOKIE: &str = "errata_session";

/// A signed-in staff member: their user and session.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub session: Session,
}

impl Staff {
    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Whether this user's role may take `action` (the permission table decides).
    pub fn may(&self, action: Action) -> bool {
        permissions::allows(self.user.role, action)
    }
}

/// The session found for this request, cached so the CSRF check reads the same one.
struct SignedIn(Option<Staff>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Staff {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Error> {
        let Some(secret) = req
            .cookies()
            .get_private(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
        else {
            return Outcome::Forward(Status::Unauthorized);
        };
        let Outcome::Success(app) = req.guard::<&State<App>>().await else {
            return fail(req, Error::internal("application state missing"));
        };
        match app
            .db
            .run(move |conn| sessions::resume(conn, &secret))
            .await
        {
            Ok(Some((session, user))) => {
                let staff = Staff { user, session };
                req.local_cache(|| SignedIn(Some(staff.clone())));
                Outcome::Success(staff)
            }
            Ok(None) => {
                req.cookies().remove_private(SESSION_COOKIE);
                Outcome::Forward(Status::Unauthorized)
            }
            Err(e) => fail(req, e),
        }
    }
}

macro_rules! desk_for {
    ($name:ident, $action:expr) => {
        /// A signed-in user whose role is at least the one this desk needs.
        pub struct $name(pub Staff);

        #[rocket::async_trait]
        impl<'r> FromRequest<'r> for $name {
            type Error = Error;

            async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Error> {
                match Staff::from_request(req).await {
                    Outcome::Success(staff) if staff.may($action) => Outcome::Success($name(staff)),
                    Outcome::Success(staff) => fail(
                        req,
                        Error::forbidden(format!(
                            "{} ({}) may not {}",
                            staff.user.name,
                            staff.role().as_str(),
                            $action.phrase()
                        )),
                    ),
                    Outcome::Forward(s) => Outcome::Forward(s),
                    Outcome::Error(e) => Outcome::Error(e),
                }
            }
        }
    };
}

// Resolving, reopening and publishing are one desk; the table gives them to the same roles.
desk_for!(EditorDesk, Action::Publish);
desk_for!(AdminDesk, Action::ManageUsers);

/// A form field every dashboard form carries.
pub trait CsrfForm {
    fn csrf_token(&self) -> &str;
}

/// A dashboard form whose CSRF token (the hidden field `csrf_token`, or the `X-CSRF-Token` header
/// for script) matched the session's. Its route must take `Staff` (or a desk) before it.
pub struct Checked<T>(pub T);

#[rocket::async_trait]
impl<'r, T> FromData<'r> for Checked<T>
where
    T: FromForm<'r> + CsrfForm + Send + 'r,
{
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let Some(staff) = req.local_cache(|| SignedIn(None)).0.clone() else {
            return fail(req, Error::forbidden("sign in again to send this form"));
        };
        let form = match Form::<T>::from_data(req, data).await {
            Outcome::Success(form) => form.into_inner(),
            Outcome::Forward(f) => return Outcome::Forward(f),
            Outcome::Error((status, errors)) => {
                let mut message = String::from("the form could not be read");
                if let Some(e) = errors.iter().next() {
                    message = format!("{message}: {e}");
                }
                return fail(req, Error::new(status, Code::InvalidForm, message));
            }
        };
        let token = req
            .headers()
            .get_one("X-CSRF-Token")
            .unwrap_or(form.csrf_token());
        if !staff.session.csrf_matches(token) {
            return fail(
                req,
                Error::forbidden(
                    "this form has expired or did not come from the dashboard; reload the page and try again",
                )
                .with_code(Code::CsrfRefused),
            );
        }
        Outcome::Success(Checked(form))
    }
}

/// Sets the session cookie: private (encrypted and signed), `HttpOnly`, `SameSite=Lax`, and
/// `Secure` when the site is served over https. Its lifetime is the server's to decide.
pub fn set_cookie(app: &App, jar: &CookieJar<'_>, secret: String) {
    let secure = app.site.base_url.starts_with("https://");
    jar.add_private(
        Cookie::build((SESSION_COOKIE, secret))
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax),
    );
}

/// The sign-in form's own CSRF pair, before there is a session: a random value in a private
/// cookie (which no other site can plant, since it must decrypt) repeated in the hidden field.
pub const SIGNIN_COOKIE: &str = "errata_signin";

pub fn signin_token(app: &App, jar: &CookieJar<'_>) -> String {
    if let Some(c) = jar.get_private(SIGNIN_COOKIE) {
        return c.value().to_owned();
    }
    let value = crate::secrets::random_secret(24);
    let secure = app.site.base_url.starts_with("https://");
    jar.add_private(
        Cookie::build((SIGNIN_COOKIE, value.clone()))
            .path("/signin")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Strict),
    );
    value
}

pub fn signin_token_matches(jar: &CookieJar<'_>, given: &str) -> bool {
    jar.get_private(SIGNIN_COOKIE)
        .is_some_and(|c| crate::secrets::same_secret(c.value(), given))
}
