//! The HTTP surface. Routes parse, call the domain and render; rules live in the domain modules.

pub mod api;
pub mod catchers;
pub mod dashboard;
pub mod guards;
pub mod mailpages;
pub mod metrics;
pub mod public;
pub mod reader;
pub mod request_log;

use std::sync::Arc;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Method};
use rocket::{Request, Response};

use crate::config::Settings;
use crate::corrections::CorrectionsCache;
use crate::db::Db;
use crate::mail::Site;
use guards::CorsOrigin;

/// Everything a request may need, managed by Rocket as one piece of state.
pub struct App {
    pub db: Db,
    pub settings: Settings,
    pub site: Site,
    pub cache: Arc<CorrectionsCache>,
    pub ip_salt: String,
}

pub fn catchers() -> Vec<rocket::Catcher> {
    catchers::all()
}

/// CORS and security headers on every answer: reads of published corrections are open to every
/// origin; report filing only to the origins a publication lists (see `AllowedOrigin`).
pub struct Headers;

#[rocket::async_trait]
impl Fairing for Headers {
    fn info(&self) -> Info {
        Info {
            name: "CORS and security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let path = req.uri().path();
        if path == "/api/v1/corrections" {
            res.set_header(Header::new("Access-Control-Allow-Origin", "*"));
            res.set_header(Header::new("Access-Control-Expose-Headers", "ETag"));
        } else if let Some(origin) = &req.local_cache(|| CorsOrigin(None)).0 {
            res.set_header(Header::new("Access-Control-Allow-Origin", origin.clone()));
            res.set_header(Header::new("Vary", "Origin"));
            if req.method() == Method::Options {
                res.set_header(Header::new("Access-Control-Allow-Methods", "POST, OPTIONS"));
                res.set_header(Header::new("Access-Control-Allow-Headers", "Content-Type"));
                res.set_header(Header::new("Access-Control-Max-Age", "86400"));
            }
        }
        if path.starts_with("/api/v1/reports/status/") {
            // One secret URL answers a page or JSON by `Accept`: no cache may keep or swap them.
            res.set_header(Header::new("Vary", "Accept"));
            res.set_header(Header::new("Cache-Control", "private, no-store"));
        }
        security_headers(res);
        if path.starts_with("/status/")
            || path.starts_with("/api/v1/reports/status/")
            || path.starts_with("/confirm/")
            || path.starts_with("/unsubscribe/")
        {
            // The page's address is the reader's secret: never sent on, never stored.
            res.set_header(Header::new("Referrer-Policy", "no-referrer"));
            res.set_header(Header::new("Cache-Control", "private, no-store"));
        }
    }
}

/// The headers every answer carries, and a CSP on every page.
pub(crate) fn security_headers(res: &mut Response<'_>) {
    res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
    res.set_header(Header::new(
        "Referrer-Policy",
        "strict-origin-when-cross-origin",
    ));
    // The header as written (parsing it into a `ContentType` on every answer cost 2% of the
    // public corrections path).
    let html = res.headers().get_one("Content-Type").is_some_and(|t| {
        t.trim_start()
            .get(..9)
            .is_some_and(|m| m.eq_ignore_ascii_case("text/html"))
    });
    if html {
        res.set_header(Header::new(
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ));
    }
}
