//! One error type for the whole server. What the user is told (a typed `code`, `message`,
//! `field`) is kept apart from the cause, a source error that is logged for every 5xx and never
//! shown; the JSON responder renders `{"error": {"code", "message", "field"?}}`. How a database
//! error maps onto it is the database layer's business (`db::errors`).

use std::io::Cursor;
use std::sync::Arc;

use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde_json::json;

/// What went wrong, as a client program reads it: the `code` of the JSON error. The spellings are
/// part of the API's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    // 4xx: the request's fault.
    InvalidField,
    BadRequest,
    MalformedJson,
    UnreadableBody,
    PayloadTooLarge,
    UnsupportedMediaType,
    HeadersTooLarge,
    MethodNotAllowed,
    Unauthorized,
    Forbidden,
    OriginNotAllowed,
    NotFound,
    ArticleNotFound,
    RevisionNotFound,
    ReportNotFound,
    PassageNotFound,
    UserNotFound,
    TokenNotFound,
    OutboxNotFound,
    InvalidTransition,
    EmailTaken,
    PublicationExists,
    AlreadyRevoked,
    AlreadyRetracted,
    NoteNotFound,
    AlreadyQueued,
    AlreadySent,
    AlreadyDiscarded,
    BeingSent,
    BackupExists,
    RateLimited,
    PublicationNotFound,
    WebhookNotFound,
    DeliveryNotFound,
    LinkNotValid,
    InvalidForm,
    CsrfRefused,
    /// A status with no code of its own.
    Other,
    // 5xx: ours.
    Unavailable,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidField => "invalid_field",
            Code::BadRequest => "bad_request",
            Code::MalformedJson => "malformed_json",
            Code::UnreadableBody => "unreadable_body",
            Code::PayloadTooLarge => "payload_too_large",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::HeadersTooLarge => "headers_too_large",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
            Code::OriginNotAllowed => "origin_not_allowed",
            Code::NotFound => "not_found",
            Code::ArticleNotFound => "article_not_found",
            Code::RevisionNotFound => "revision_not_found",
            Code::ReportNotFound => "report_not_found",
            Code::PassageNotFound => "passage_not_found",
            Code::UserNotFound => "user_not_found",
            Code::TokenNotFound => "token_not_found",
            Code::OutboxNotFound => "outbox_not_found",
            Code::InvalidTransition => "invalid_transition",
            Code::PublicationNotFound => "publication_not_found",
            Code::WebhookNotFound => "webhook_not_found",
            Code::DeliveryNotFound => "delivery_not_found",
            Code::LinkNotValid => "link_not_valid",
            Code::InvalidForm => "invalid_form",
            Code::CsrfRefused => "csrf_refused",
            Code::EmailTaken => "email_taken",
            Code::PublicationExists => "publication_exists",
            Code::AlreadyRevoked => "already_revoked",
            Code::AlreadyRetracted => "already_retracted",
            Code::NoteNotFound => "note_not_found",
            Code::AlreadyQueued => "already_queued",
            Code::AlreadySent => "already_sent",
            Code::AlreadyDiscarded => "already_discarded",
            Code::BeingSent => "being_sent",
            Code::BackupExists => "backup_exists",
            Code::RateLimited => "rate_limited",
            Code::Other => "error",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The cause of an error: kept whole for the log, never shown to the client. Shared, because a
/// guard's error is kept in the request's cache for the catcher as well as returned.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// Boxed so that `Result<T, Error>` stays one pointer wide on the happy path.
#[derive(Debug, Clone)]
pub struct Error(Box<Details>);

#[derive(Debug, Clone)]
pub struct Details {
    pub status: Status,
    pub code: Code,
    pub message: String,
    pub field: Option<String>,
    /// For `invalid_transition`: the transitions that are allowed from here.
    pub allowed: Vec<String>,
    /// For `rate_limited`: seconds until the caller may try again (`Retry-After`).
    pub retry_after: Option<u64>,
    /// Logged, never shown.
    cause: Option<Cause>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(status: Status, code: Code, message: impl Into<String>) -> Self {
        Error(Box::new(Details {
            status,
            code,
            message: message.into(),
            field: None,
            allowed: Vec::new(),
            retry_after: None,
            cause: None,
        }))
    }

    /// 422 for one field of the input.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Error::new(Status::UnprocessableEntity, Code::InvalidField, message);
        e.field = Some(field.into());
        e
    }

    /// The same error under a more specific code.
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = code;
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

    /// Keeps `cause` for the log.
    pub fn with_cause(
        mut self,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.cause = Some(Arc::from(cause.into()));
        self
    }

    pub fn not_found(code: Code, message: impl Into<String>) -> Self {
        Error::new(Status::NotFound, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::new(Status::Forbidden, Code::Forbidden, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Error::new(Status::Unauthorized, Code::Unauthorized, message)
    }

    pub fn conflict(code: Code, message: impl Into<String>) -> Self {
        Error::new(Status::Conflict, code, message)
    }

    pub fn bad_request(code: Code, message: impl Into<String>) -> Self {
        Error::new(Status::BadRequest, code, message)
    }

    /// 503: we could not serve now, and trying again later may work. `cause` is logged.
    pub fn unavailable(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::new(
            Status::ServiceUnavailable,
            Code::Unavailable,
            "the server is busy; try again shortly",
        )
        .with_cause(cause)
    }

    /// A failure that is ours, not the caller's: the cause is logged, the caller sees a generic
    /// message.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::new(
            Status::InternalServerError,
            Code::Internal,
            "something went wrong on our side; it has been logged",
        )
        .with_cause(cause)
    }

    /// `internal`, saying what we were doing when `cause` happened (kept as the cause's source).
    pub fn internal_while(
        doing: impl Into<String>,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::internal(While {
            doing: doing.into(),
            cause: cause.into(),
        })
    }

    /// `field: message`, for a terminal.
    pub fn describe(&self) -> String {
        match &self.field {
            Some(field) => format!("{field}: {}", self.message),
            None => self.message.clone(),
        }
    }

    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    pub fn is_server_error(&self) -> bool {
        self.status.code >= 500
    }

    /// Logs a 5xx with its cause (a 4xx is the client's and is not logged). Every place an error
    /// becomes an answer calls this: the responder, and the guards whose error a catcher shows.
    pub fn log_if_ours(&self) {
        if self.is_server_error() {
            log::error!("{self}");
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut inner = json!({ "code": self.code.as_str(), "message": self.message });
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

/// A cause with what was being done when it happened: "cannot open database x: <cause>".
#[derive(Debug)]
struct While {
    doing: String,
    cause: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for While {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.doing, self.cause)
    }
}

impl std::error::Error for While {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.cause)
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
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
        self.log_if_ours();
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn the_cause_is_kept_as_a_source_and_never_shown() {
        let io = std::io::Error::other("disk on fire at /var/lib/errata");
        let e = Error::internal(io);
        assert_eq!(e.code, Code::Internal);
        let source = e.source().expect("the cause is the source");
        assert_eq!(source.to_string(), "disk on fire at /var/lib/errata");
        assert!(e.to_string().contains("disk on fire"), "logged: {e}");
        let shown = e.to_json().to_string();
        assert!(!shown.contains("disk on fire"), "{shown}");
        assert!(shown.contains(r#""code":"internal""#), "{shown}");
    }

    #[test]
    fn a_client_error_has_no_cause_and_keeps_its_code() {
        let e = Error::invalid("url", "bad").with_code(Code::PassageNotFound);
        assert!(e.source().is_none());
        assert!(!e.is_server_error());
        assert_eq!(
            e.to_json(),
            json!({ "error": { "code": "passage_not_found", "message": "bad", "field": "url" } })
        );
    }

    #[test]
    fn what_we_were_doing_is_said_and_the_cause_stays_reachable() {
        let io = std::io::Error::other("permission denied");
        let e = Error::internal_while("cannot open database /x.db", io);
        let source = e.source().expect("a source");
        assert_eq!(
            source.to_string(),
            "cannot open database /x.db: permission denied"
        );
        let root = source.source().expect("the original cause");
        assert_eq!(root.to_string(), "permission denied");
    }
}
