//! Answers for the errors Rocket raises itself: no route, a path part that does not parse, a
//! failed guard, a request it could not read, a panic. Under `/api/` and `/healthz` they are the
//! API's JSON error; anywhere else, a small page in the site's style. A guard that failed left its
//! own error in the request's cache, and that is shown when its status is the one being caught.
//!
//! Not everything reaches here: hyper answers a request it cannot parse at all (a malformed
//! request line or header, headers over its buffer, a URI too long) by itself, with an empty body,
//! before Rocket sees it.

use std::io::Cursor;

use askama::Template;
use rocket::http::{ContentType, Header, Method, Status};
use rocket::response::{self, Responder, Response};
use rocket::{catch, catchers, Catcher, Request};

use super::guards::GuardFailure;
use super::security_headers;
use crate::error::{Code, Error};

pub fn all() -> Vec<Catcher> {
    catchers![any_error]
}

/// Whether `path` belongs to the JSON API rather than to the pages.
fn is_api(path: &str) -> bool {
    path == "/healthz" || path == "/api" || path.starts_with("/api/")
}

#[catch(default)]
fn any_error(status: Status, req: &Request<'_>) -> Caught {
    let path = req.uri().path();
    let stored = req
        .local_cache(|| GuardFailure(None))
        .0
        .as_ref()
        .filter(|e| e.status == status)
        .cloned();
    // Rocket answers 404 when no route has the method; say so when one has the path.
    let allowed = match (&stored, status) {
        (None, Status::NotFound) => methods_for(req),
        _ => Vec::new(),
    };
    let status = if allowed.is_empty() {
        status
    } else {
        Status::MethodNotAllowed
    };
    if status.code >= 500 {
        log::error!("{status} for {} {}", req.method(), req.uri());
    }
    let allow = (!allowed.is_empty()).then(|| {
        allowed
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    });
    if is_api(path.as_str()) {
        let error = stored.unwrap_or_else(|| api_error(status, req, allow.as_deref()));
        return Caught {
            status: error.status,
            body: Body::Json(error.to_json().to_string()),
            allow,
        };
    }
    // A path part that does not parse (`/corrections/abc`) names no page: for a reader that is
    // simply not found.
    let status = match (&stored, status) {
        (None, Status::UnprocessableEntity) => Status::NotFound,
        _ => status,
    };
    let message = stored.map(|e| e.message.clone());
    Caught {
        status,
        body: Body::Html(error_page(status, message)),
        allow,
    }
}

/// The API's error for a status Rocket raised with no guard's error to show.
fn api_error(status: Status, req: &Request<'_>, allow: Option<&str>) -> Error {
    let path = req.uri().path();
    match status.code {
        400 => Error::bad_request(Code::BadRequest, "the request could not be understood"),
        401 => Error::unauthorized("authentication is required"),
        403 => Error::forbidden("this is not allowed"),
        404 => Error::not_found(Code::NotFound, format!("nothing is at {path}")),
        405 => Error::new(
            status,
            Code::MethodNotAllowed,
            format!(
                "{} is not allowed on {path}; allowed: {}",
                req.method(),
                allow.unwrap_or("none")
            ),
        ),
        413 => Error::new(
            status,
            Code::PayloadTooLarge,
            "the request body is too large",
        ),
        415 => Error::new(status, Code::UnsupportedMediaType, "send the body as JSON"),
        422 => match bad_segment(req) {
            Some((name, value)) => Error::invalid(
                name.clone(),
                format!("{name} in the path must be a whole number, not `{value}`"),
            ),
            None => Error::new(
                status,
                Code::InvalidField,
                "the request has an invalid value",
            ),
        },
        431 => Error::new(
            status,
            Code::HeadersTooLarge,
            "the request's headers are too large",
        ),
        _ if status.code >= 500 => Error::internal(format!("status {status} for {}", req.uri())),
        _ => Error::new(
            status,
            Code::Other,
            status.reason().unwrap_or("error").to_owned(),
        ),
    }
}

/// The methods of the routes whose path matches the request's, when the request's own method is
/// not among them.
fn methods_for(req: &Request<'_>) -> Vec<Method> {
    let segments: Vec<&str> = req.uri().path().segments().collect();
    let mut methods: Vec<Method> = req
        .rocket()
        .routes()
        .filter(|r| path_matches(r.uri.path(), &segments))
        .map(|r| r.method)
        .collect();
    if methods.contains(&Method::Get) {
        // Rocket answers HEAD with the GET route.
        methods.push(Method::Head);
    }
    methods.sort_by_key(|m| m.as_str());
    methods.dedup();
    if methods.contains(&req.method()) {
        return Vec::new();
    }
    methods
}

/// Whether a route path (`/api/v1/articles/<id>`, `/static/<path..>`) matches these segments.
fn path_matches(route: &str, segments: &[&str]) -> bool {
    let mut parts = route.split('/').filter(|s| !s.is_empty());
    let mut given = segments.iter();
    loop {
        match (parts.next(), given.next()) {
            (None, None) => return true,
            (Some(p), _) if p.starts_with('<') && p.ends_with("..>") => return true,
            (Some(p), Some(s)) if p.starts_with('<') || p == *s => continue,
            _ => return false,
        }
    }
}

/// The dynamic path segment that failed to parse, with the value sent: every dynamic segment of
/// the API that can fail is an integer id.
fn bad_segment(req: &Request<'_>) -> Option<(String, String)> {
    let route = req.route()?;
    route
        .uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .zip(req.uri().path().segments())
        .find_map(|(part, value)| {
            let name = part.strip_prefix('<')?.strip_suffix('>')?;
            value
                .parse::<i64>()
                .is_err()
                .then(|| (name.to_owned(), value.to_owned()))
        })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    code: u16,
    title: &'a str,
    message: &'a str,
}

/// What a reader is told, in words, for each status.
fn page_words(status: Status) -> (&'static str, &'static str) {
    match status.code {
        400 => (
            "Bad request",
            "Your browser sent a request this site could not understand.",
        ),
        401 => ("Sign-in needed", "You need to sign in to see this page."),
        403 => ("Not allowed", "You are not allowed to see this page."),
        404 => (
            "Not found",
            "There is nothing at this address. The link may be mistyped, or the page may have moved.",
        ),
        405 => ("Not allowed here", "This page cannot be used that way."),
        413 => ("Too large", "What was sent is larger than this site accepts."),
        415 | 422 => ("Not accepted", "What was sent could not be accepted."),
        431 => (
            "Request too large",
            "Your browser sent more header data than this site accepts.",
        ),
        429 => ("Too many requests", "Please wait a little and try again."),
        c if c >= 500 => (
            "Something went wrong",
            "Something went wrong on our side. It has been logged; please try again shortly.",
        ),
        _ => ("Error", "This request could not be answered."),
    }
}

pub(crate) fn error_page(status: Status, message: Option<String>) -> String {
    let (title, sentence) = page_words(status);
    let page = ErrorPage {
        code: status.code,
        title,
        message: message.as_deref().unwrap_or(sentence),
    };
    page.render().unwrap_or_else(|e| {
        log::error!("error page template: {e}");
        format!("<!doctype html><title>{title}</title><p>{sentence}</p>")
    })
}

enum Body {
    Json(String),
    Html(String),
}

/// A caught error, ready to send.
struct Caught {
    status: Status,
    body: Body,
    /// For a 405: the methods the path does take.
    allow: Option<String>,
}

impl<'r> Responder<'r, 'static> for Caught {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let (content_type, body) = match self.body {
            Body::Json(b) => (ContentType::JSON, b),
            Body::Html(b) => (ContentType::HTML, b),
        };
        let mut response = Response::build()
            .status(self.status)
            .header(content_type)
            .sized_body(body.len(), Cursor::new(body))
            .finalize();
        if let Some(allow) = self.allow {
            response.set_header(Header::new("Allow", allow));
        }
        if self.status == Status::Unauthorized {
            response.set_header(Header::new("WWW-Authenticate", "Bearer"));
        }
        // A request Rocket could not read is answered without the response fairings: the
        // security headers are set here as well.
        security_headers(&mut response);
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_paths_match_whole_segments() {
        assert!(path_matches(
            "/api/v1/articles/<id>",
            &["api", "v1", "articles", "7"]
        ));
        assert!(path_matches("/api/v1/articles", &["api", "v1", "articles"]));
        assert!(!path_matches(
            "/api/v1/articles",
            &["api", "v1", "articles", "7"]
        ));
        assert!(!path_matches(
            "/api/v1/articles/<id>",
            &["api", "v1", "articles"]
        ));
        assert!(!path_matches("/api/v1/reports", &["api", "v1", "report"]));
        assert!(path_matches("/static/<path..>", &["static", "a", "b.css"]));
        assert!(path_matches("/", &[]));
    }

    #[test]
    fn the_api_is_under_api_and_healthz() {
        assert!(is_api("/api/v1/reports"));
        assert!(is_api("/healthz"));
        assert!(!is_api("/apis"));
        assert!(!is_api("/corrections/1"));
    }
}
