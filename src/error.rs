//! One error type for the whole server. What the user is told (`code`, `message`, `field`) is kept
//! apart from the logged cause, and the JSON responder renders
//! `{"error": {"code", "message", "field"?}}`.

use std::borrow::Cow;
use std::io::Cursor;

use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde_json::json;

/// Boxed so that `Result<T, Error>` stays one pointer wide on the happy path.
#[derive(Debug, Clone)]
pub struct Error(Box<Details>);

#[derive(Debug, Clone)]
pub struct Details {
    pub status: Status,
    pub code: Cow<'static, str>,
    pub message: String,
    pub field: Option<String>,
    /// For `invalid_transition`: the transitions that are allowed from here.
    pub allowed: Vec<String>,
    /// For `rate_limited`: seconds until the caller may try again (`Retry-After`).
    pub retry_after: Option<u64>,
    /// Logged, never shown.
    cause: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(
        status: Status,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Error(Box::new(Details {
            status,
            code: code.into(),
            message: message.into(),
            field: None,
            allowed: Vec::new(),
            retry_after: None,
            cause: None,
        }))
    }

    /// 422 for one field of the input.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Error::new(Status::UnprocessableEntity, "invalid_field", message);
        e.field = Some(field.into());
        e
    }

    /// The same error under a more specific code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code.into();
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(Status::NotFound, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::new(Status::Forbidden, "forbidden", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Error::new(Status::Unauthorized, "unauthorized", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(Status::Conflict, code, message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(Status::BadRequest, code, message)
    }

    pub fn unavailable(cause: impl Into<String>) -> Self {
        let mut e = Error::new(
            Status::ServiceUnavailable,
            "unavailable",
            "the server is busy; try again shortly",
        );
        e.cause = Some(cause.into());
        e
    }

    /// A failure that is ours, not the caller's: the cause is logged, the caller sees a generic
    /// message.
    pub fn internal(cause: impl Into<String>) -> Self {
        let mut e = Error::new(
            Status::InternalServerError,
            "internal",
            "something went wrong on our side; it has been logged",
        );
        e.cause = Some(cause.into());
        e
    }

    /// `field: message`, for a terminal.
    pub fn describe(&self) -> String {
        match &self.field {
            Some(field) => format!("{field}: {}", self.message),
            None => self.message.clone(),
        }
    }

    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut inner = json!({ "code": self.code, "message": self.message });
        if let Some(field) = &self.field {
            inner["field"] = json!(field);
        }
        if !self.allowed.is_empty() {
            inner["allowed"] = json!(self.allowed);
        }
        if let Some(seconds) = self.retry_after {
            inner["retry_after"] = json!(seconds);
        }
        json!({ "error": inner })
    }
}

impl std::ops::Deref for Error {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(cause) = &self.cause {
            write!(f, " ({cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as D};
        match &e {
            D::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("locked") || info.message().contains("busy") =>
            {
                Error::unavailable(e.to_string())
            }
            _ => Error::internal(e.to_string()),
        }
    }
}

/// A text field that breaks the input rule is a 422 naming it.
impl From<crate::text::input::Refused> for Error {
    fn from(r: crate::text::input::Refused) -> Self {
        Error::invalid(r.field.clone(), r.to_string())
    }
}

impl<'r> Responder<'r, 'static> for Error {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        if self.status.code >= 500 {
            log::error!("{self}");
        }
        let body = self.to_json().to_string();
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body));
        if let Some(seconds) = self.retry_after {
            response.raw_header("Retry-After", seconds.to_string());
        }
        response.ok()
    }
}
