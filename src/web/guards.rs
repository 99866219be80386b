//! Request and data guards: bearer-token authentication with typed scopes, JSON bodies with size
//! limits and field-level errors, the sender's hashed address, and the CORS origin check. A guard
//! that fails leaves its `Error` in the request's cache for the JSON catcher to show.

use std::marker::PhantomData;

use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::State;
use serde::de::DeserializeOwned;

use crate::accounts::{self, Scope, User};
use crate::error::{Code, Error};
use crate::web::App;

/// The error a guard failed with, read back by the catchers.
pub struct GuardFailure(pub Option<Error>);

pub(crate) fn fail<T, F>(req: &Request<'_>, error: Error) -> Outcome<T, (Status, Error), F> {
    // The catcher shows this error but is not its responder: log ours (a 5xx) here, with its cause.
    error.log_if_ours();
    let status = error.status;
    let stored = error.clone();
    req.local_cache(move || GuardFailure(Some(stored)));
    Outcome::Error((status, error))
}

/// A scope a route needs, as a type.
pub trait NeedsScope: Send + Sync + 'static {
    const SCOPE: Scope;
}

macro_rules! scope_marker {
    ($name:ident, $scope:expr) => {
        pub struct $name;
        impl NeedsScope for $name {
            const SCOPE: Scope = $scope;
        }
    };
}

scope_marker!(ArticlesWrite, Scope::ArticlesWrite);
scope_marker!(ReportsRead, Scope::ReportsRead);
scope_marker!(ReportsWrite, Scope::ReportsWrite);
scope_marker!(CorrectionsWrite, Scope::CorrectionsWrite);

/// A caller with a valid bearer token that carries the scope `S`.
pub struct Authorized<S: NeedsScope> {
    pub user: User,
    _scope: PhantomData<S>,
}

#[rocket::async_trait]
impl<'r, S: NeedsScope> FromRequest<'r> for Authorized<S> {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Error> {
        let header = req.headers().get_one("Authorization");
        let Some(secret) = header.and_then(bearer_token) else {
            let msg = if header.is_some() {
                "the Authorization header must be `Bearer <token>`"
            } else {
                "this needs an API token: send `Authorization: Bearer <token>`"
            };
            return fail(req, Error::unauthorized(msg));
        };
        let Outcome::Success(app) = req.guard::<&State<App>>().await else {
            return fail(req, Error::internal("application state missing"));
        };
        let secret = secret.to_owned();
        let found = app
            .db
            .run(move |conn| accounts::authenticate_token(conn, &secret))
            .await;
        match found {
            Err(e) => fail(req, e),
            Ok(None) => fail(
                req,
                Error::unauthorized("the API token is not valid or has been revoked"),
            ),
            Ok(Some((user, token))) => {
                if token.use_is_stale() {
                    // Recording use is best effort and must not hold up (or fail) the request.
                    let db = app.db.clone();
                    let id = token.id;
                    rocket::tokio::spawn(async move {
                        let _ = db.run(move |conn| accounts::touch_token(conn, id)).await;
                    });
                }
                // A token never outranks its owner: a demoted user's old tokens lose the scopes
                // the new role does not allow.
                if !token.scopes().contains(&S::SCOPE) {
                    fail(
                        req,
                        Error::forbidden(format!(
                            "this token lacks the scope {}",
                            S::SCOPE.as_str()
                        )),
                    )
                } else if !user.role.may_hold(S::SCOPE) {
                    fail(
                        req,
                        Error::forbidden(format!(
                            "the token's owner is now a {} and may not use {}",
                            user.role.as_str(),
                            S::SCOPE.as_str()
                        )),
                    )
                } else {
                    Outcome::Success(Authorized {
                        user,
                        _scope: PhantomData,
                    })
                }
            }
        }
    }
}

/// The token of a `Bearer <token>` credential. The scheme is case-insensitive (RFC 7235) and any
/// run of spaces or tabs may separate it from the token.
fn bearer_token(header: &str) -> Option<&str> {
    let header = header.trim();
    let (scheme, token) = header.split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A JSON body type and the most bytes it may take.
pub trait JsonInput: DeserializeOwned + Send + 'static {
    const LIMIT_BYTES: u64 = 64 * 1024;
}

/// A JSON body: 415 for a form, 413 beyond its limit, 400 when it is not JSON, 422 naming the
/// field when a value has the wrong type or an unknown field is sent.
pub struct JsonBody<T>(pub T);

#[rocket::async_trait]
impl<'r, T: JsonInput> FromData<'r> for JsonBody<T> {
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        // A form is surely not JSON. Other types are read as JSON all the same: an embed may send
        // `text/plain` to spare the reader's browser a CORS preflight.
        if req
            .content_type()
            .is_some_and(|t| t.is_form() || t.is_form_data())
        {
            return fail(
                req,
                Error::new(
                    Status::UnsupportedMediaType,
                    Code::UnsupportedMediaType,
                    "send the body as JSON (Content-Type: application/json), not as a form",
                ),
            );
        }
        let limit = T::LIMIT_BYTES;
        let read = match data.open(limit.bytes()).into_string().await {
            Ok(read) => read,
            Err(e) => {
                return fail(
                    req,
                    Error::bad_request(
                        Code::UnreadableBody,
                        format!("the request body could not be read: {e}"),
                    ),
                )
            }
        };
        if !read.is_complete() {
            return fail(
                req,
                Error::new(
                    Status::PayloadTooLarge,
                    Code::PayloadTooLarge,
                    format!("the request body is larger than {} KiB", limit / 1024),
                ),
            );
        }
        let value: serde_json::Value = match serde_json::from_str(&read.into_inner()) {
            Ok(v) => v,
            Err(e) => {
                return fail(
                    req,
                    Error::bad_request(
                        Code::MalformedJson,
                        format!("the body is not valid JSON: {e}"),
                    ),
                )
            }
        };
        if !value.is_object() {
            return fail(
                req,
                Error::bad_request(Code::MalformedJson, "the body must be a JSON object"),
            );
        }
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(t) => Outcome::Success(JsonBody(t)),
            Err(e) => {
                let path = e.path().to_string();
                let field = if path == "." { None } else { Some(path) };
                let mut error = Error::new(
                    Status::UnprocessableEntity,
                    Code::InvalidField,
                    e.inner().to_string(),
                );
                error.field = field;
                fail(req, error)
            }
        }
    }
}

/// The sender's address, salted and hashed: enough to rate-limit, never the address itself.
pub struct SenderHash(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SenderHash {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Error> {
        let Outcome::Success(app) = req.guard::<&State<App>>().await else {
            return fail(req, Error::internal("application state missing"));
        };
        // Behind a reverse proxy the peer is the proxy; only then may its header be believed.
        let ip = if app.settings.trust_ip_header {
            req.client_ip()
        } else {
            req.remote().map(|r| r.ip())
        };
        let hash = ip.map(|ip| {
            crate::secrets::sha256_hex(&format!("{}|{ip}", app.ip_salt))[..32].to_owned()
        });
        Outcome::Success(SenderHash(hash))
    }
}

/// The browser origin of a cross-site write, when the publication allows it. A request from an
/// origin no publication lists is refused before anything is written.
pub struct AllowedOrigin(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AllowedOrigin {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Error> {
        let Some(origin) = req.headers().get_one("Origin").map(str::to_owned) else {
            return Outcome::Success(AllowedOrigin(None));
        };
        let Outcome::Success(app) = req.guard::<&State<App>>().await else {
            return fail(req, Error::internal("application state missing"));
        };
        if crate::articles::origin_of(&app.site.base_url).as_deref() == Some(origin.as_str()) {
            return Outcome::Success(AllowedOrigin(None));
        }
        let check = origin.clone();
        match app
            .db
            .run(move |conn| crate::articles::origin_allowed(conn, &check))
            .await
        {
            Ok(true) => {
                req.local_cache(|| CorsOrigin(Some(origin.clone())));
                Outcome::Success(AllowedOrigin(Some(origin)))
            }
            Ok(false) => fail(
                req,
                Error::forbidden(format!(
                    "reports from {origin} are not accepted: no publication lists this origin"
                ))
                .with_code(Code::OriginNotAllowed),
            ),
            Err(e) => fail(req, e),
        }
    }
}

/// The origin the CORS fairing echoes in `Access-Control-Allow-Origin`.
pub struct CorsOrigin(pub Option<String>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_spacing_is_lenient() {
        for header in [
            "Bearer abc",
            "bearer abc",
            "BEARER abc",
            "bEaReR   abc  ",
            " Bearer\tabc",
        ] {
            assert_eq!(bearer_token(header), Some("abc"), "{header:?}");
        }
        for header in ["Basic abc", "Bearerabc", "Bearer", "Bearer   ", "abc", ""] {
            assert_eq!(bearer_token(header), None, "{header:?}");
        }
    }
}
