//! Errata's own request log line, in place of Rocket's: method, the route's pattern (or, for a
//! path no route matched, the path with anything that could be a secret taken out), status and
//! duration. Never a query string, a header or a body.

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};

pub struct RequestLog;

/// When the request arrived, kept in the request's cache.
struct Started(Instant);

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "request log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Started(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let started = req.local_cache(|| Started(Instant::now())).0;
        let what = match req.route() {
            Some(route) => route.uri.origin.path().to_string(),
            None => redacted_path(req.uri().path().as_str()),
        };
        log::info!(
            target: "errata::request",
            "{} {what} {} {:.1}ms",
            req.method(),
            res.status().code,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// A path no route matched, with each segment that is not a plain word (letters, digits and
/// hyphens, at most 80 characters, with no run of mixed case and digits that a token would have)
/// shown as `*`: a mistyped status link must not put its token in the log.
pub fn redacted_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .iter()
        .map(|s| if plain_word(s) { *s } else { "*" })
        .collect::<Vec<_>>()
        .join("/")
}

fn plain_word(segment: &str) -> bool {
    segment.len() <= 80
        && segment
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && segment.chars().filter(|c| c.is_ascii_digit()).count() <= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmatched_paths_lose_what_could_be_a_secret() {
        assert_eq!(
            redacted_path("/api/v1/reports/status/J06_9m2TxYz"),
            "/api/v1/reports/status/*"
        );
        assert_eq!(redacted_path("/no/such/page"), "/no/such/page");
        assert_eq!(
            redacted_path("/demo/2026/11/pier-9-ferry"),
            "/demo/2026/11/pier-9-ferry"
        );
        assert_eq!(redacted_path("/"), "/");
    }
}
