//! Errata's own request log line, in place of Rocket's: method, the route's pattern (or, for a
//! path no route matched, the path with anything that could be a secret taken out), status and
//! duration. Never a query string, a header or a body. The same observations are counted by route
//! for `/metrics` (`RequestMetrics`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Data, Request, Response, Rocket};

pub struct RequestLog;

/// The upper bounds (seconds) of the request duration histogram's buckets.
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// What a path no route matched is counted as: its path could be anything (and hold a secret).
pub const UNMATCHED: &str = "unmatched";

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// How many took at most each of `BUCKETS` (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request counts (by method, route and status) and durations (by method and route), kept by the
/// request log for `/metrics`. One per application, managed by Rocket, so tests do not share them.
#[derive(Default)]
pub struct RequestMetrics {
    /// By method, then route.
    routes: Mutex<BTreeMap<String, BTreeMap<String, RouteStats>>>,
}

impl RequestMetrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        // A poisoned lock only means a panic elsewhere mid-update: the counts are still usable.
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        // Nothing allocated once the route has been seen: every request but its first.
        let by_route = match routes.get_mut(method) {
            Some(by_route) => by_route,
            None => routes.entry(method.to_owned()).or_default(),
        };
        let stats = match by_route.get_mut(route) {
            Some(stats) => stats,
            None => by_route.entry(route.to_owned()).or_default(),
        };
        *stats.by_status.entry(status).or_default() += 1;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            stats.buckets[i] += 1;
        }
        stats.count += 1;
        stats.sum += seconds;
    }

    /// The counts in Prometheus' text format.
    pub fn write_to(&self, out: &mut String) {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP errata_http_requests_total HTTP requests answered, by route.\n");
        out.push_str("# TYPE errata_http_requests_total counter\n");
        let each = || {
            routes
                .iter()
                .flat_map(|(method, by_route)| by_route.iter().map(move |(r, s)| (method, r, s)))
        };
        for (method, route, stats) in each() {
            for (status, n) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "errata_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    label(method),
                    label(route)
                );
            }
        }
        out.push_str(
            "# HELP errata_http_request_duration_seconds Time to answer HTTP requests, by route.\n",
        );
        out.push_str("# TYPE errata_http_request_duration_seconds histogram\n");
        for (method, route, stats) in each() {
            let labels = format!("method=\"{}\",route=\"{}\"", label(method), label(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "errata_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "errata_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "errata_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.sum
            );
            let _ = writeln!(
                out,
                "errata_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
    }
}

/// A label value as the text format writes it: backslash, double quote and line feed escaped.
pub fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// When the request arrived, kept in the request's cache.
struct Started(Instant);

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "request log",
            kind: Kind::Ignite | Kind::Request | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        Ok(rocket.manage(RequestMetrics::default()))
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Started(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let started = req.local_cache(|| Started(Instant::now())).0;
        let seconds = started.elapsed().as_secs_f64();
        // On every answer: nothing is allocated unless the line is written.
        let route = req.route().map(|r| r.uri.origin.path().as_str());
        if log::log_enabled!(target: "errata::request", log::Level::Info) {
            let what = match route {
                Some(route) => route.to_owned(),
                None => redacted_path(req.uri().path().as_str()),
            };
            log::info!(
                target: "errata::request",
                "{} {what} {} {:.1}ms",
                req.method(),
                res.status().code,
                seconds * 1000.0
            );
        }
        if let Some(metrics) = req.rocket().state::<RequestMetrics>() {
            metrics.observe(
                req.method().as_str(),
                route.unwrap_or(UNMATCHED),
                res.status().code,
                seconds,
            );
        }
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
    fn requests_are_counted_by_route_with_a_cumulative_histogram() {
        let m = RequestMetrics::default();
        m.observe("GET", "/status/<token>", 200, 0.003);
        m.observe("GET", "/status/<token>", 404, 0.2);
        m.observe("POST", "/api/v1/reports", 201, 30.0);
        let mut out = String::new();
        m.write_to(&mut out);
        assert!(out.contains(
            "errata_http_requests_total{method=\"GET\",route=\"/status/<token>\",status=\"404\"} 1\n"
        ));
        assert!(out.contains(
            "errata_http_request_duration_seconds_bucket{method=\"GET\",route=\"/status/<token>\",le=\"0.005\"} 1\n"
        ));
        assert!(out.contains(
            "errata_http_request_duration_seconds_bucket{method=\"GET\",route=\"/status/<token>\",le=\"0.25\"} 2\n"
        ));
        // Slower than the last bucket: counted only in +Inf.
        assert!(out.contains(
            "errata_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/reports\",le=\"10\"} 0\n"
        ));
        assert!(out.contains(
            "errata_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/reports\",le=\"+Inf\"} 1\n"
        ));
        assert!(out.contains(
            "errata_http_request_duration_seconds_count{method=\"GET\",route=\"/status/<token>\"} 2\n"
        ));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

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
