//! `/metrics` in Prometheus' text format: the outbox by kind and state, the age of its oldest
//! queued message, and request counts and durations by route (kept by `request_log`). Open to a
//! scraper on the same machine; from anywhere else it needs an admin's API token.

use std::fmt::Write as _;
use std::net::IpAddr;

use rocket::http::{ContentType, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest};
use rocket::{get, Request, State};

use super::request_log::{label, RequestMetrics};
use super::App;
use crate::accounts::{self, permissions::Action};
use crate::error::{Error, Result};
use crate::mail::outbox::{self, OutboxState};
use crate::time::now;
use crate::webhooks::{deliveries, DeliveryState};

/// Whoever may read the metrics: a connection from this machine that no proxy forwarded, or the
/// bearer of an admin's API token.
pub struct MetricsReader;

/// Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever the peer.
const FORWARDED: [&str; 3] = ["Forwarded", "X-Forwarded-For", "X-Real-IP"];

fn is_loopback(ip: Option<IpAddr>) -> bool {
    ip.is_some_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        // `::ffff:127.0.0.1` is loopback too.
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    })
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn refuse(req: &Request<'_>, e: Error) -> request::Outcome<MetricsReader, Error> {
    super::guards::fail(req, e)
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MetricsReader {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Error> {
        let forwarded = FORWARDED.iter().any(|h| req.headers().contains(*h));
        let header = req.headers().get_one("Authorization");
        if header.is_none() && !forwarded && is_loopback(req.remote().map(|r| r.ip())) {
            return Outcome::Success(MetricsReader);
        }
        let Some(secret) = header.and_then(bearer) else {
            return refuse(
                req,
                Error::unauthorized(
                    "metrics are open only from this machine; from elsewhere send an admin's API token as `Authorization: Bearer <token>`",
                ),
            );
        };
        let Outcome::Success(app) = req.guard::<&State<App>>().await else {
            return refuse(req, Error::internal("application state missing"));
        };
        let secret = secret.to_owned();
        match app
            .db
            .run(move |conn| accounts::authenticate_token(conn, &secret))
            .await
        {
            Err(e) => refuse(req, e),
            Ok(None) => refuse(
                req,
                Error::unauthorized("the API token is not valid or has been revoked"),
            ),
            // Metrics show the state of the mail: who may manage the mail (admins) may read them.
            Ok(Some((user, _))) => {
                match accounts::permissions::require(user.role, Action::ManageMail) {
                    Ok(()) => Outcome::Success(MetricsReader),
                    Err(_) => refuse(req, Error::forbidden("metrics are for admins")),
                }
            }
        }
    }
}

#[get("/metrics")]
pub async fn metrics(
    _reader: MetricsReader,
    app: &State<App>,
    requests: &State<RequestMetrics>,
) -> Result<(Status, (ContentType, String))> {
    let (counts, oldest, hooks) = app
        .db
        .run(|conn| {
            Ok((
                outbox::counts(conn)?,
                outbox::oldest_queued(conn)?,
                deliveries::counts(conn)?,
            ))
        })
        .await?;
    let mut out = String::new();
    out.push_str("# HELP errata_outbox_messages Outbox messages, by kind and state.\n");
    out.push_str("# TYPE errata_outbox_messages gauge\n");
    // Every state of every kind seen (and of email, always), so a state at zero is a 0, not absent.
    let mut kinds: Vec<&str> = counts.iter().map(|(k, _, _)| k.as_str()).collect();
    kinds.push("email");
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        for state in OutboxState::ALL {
            let n = counts
                .iter()
                .find(|(k, s, _)| k == kind && *s == state)
                .map_or(0, |(_, _, n)| *n);
            let _ = writeln!(
                out,
                "errata_outbox_messages{{kind=\"{}\",state=\"{}\"}} {n}",
                label(kind),
                state.as_str()
            );
        }
    }
    let age = oldest.map_or(0, |t| (now() - t).num_seconds().max(0));
    out.push_str(
        "# HELP errata_outbox_oldest_queued_seconds Age of the oldest queued message; 0 when none is.\n",
    );
    out.push_str("# TYPE errata_outbox_oldest_queued_seconds gauge\n");
    let _ = writeln!(out, "errata_outbox_oldest_queued_seconds {age}");
    out.push_str("# HELP errata_webhook_deliveries Webhook deliveries, by state.\n");
    out.push_str("# TYPE errata_webhook_deliveries gauge\n");
    for state in DeliveryState::ALL {
        let n = hooks
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n);
        let _ = writeln!(
            out,
            "errata_webhook_deliveries{{state=\"{}\"}} {n}",
            state.as_str()
        );
    }
    let (batches, units) = app.db.write_counts();
    out.push_str(
        "# HELP errata_db_write_batches_total Transactions the server's writer has ended.\n",
    );
    out.push_str("# TYPE errata_db_write_batches_total counter\n");
    let _ = writeln!(out, "errata_db_write_batches_total {batches}");
    out.push_str(
        "# HELP errata_db_write_units_total Writes the server has run, several to a transaction \
         when they arrive together (group commit).\n",
    );
    out.push_str("# TYPE errata_db_write_units_total counter\n");
    let _ = writeln!(out, "errata_db_write_units_total {units}");
    requests.write_to(&mut out);
    let text =
        ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")]);
    Ok((Status::Ok, (text, out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_count_as_this_machine() {
        assert!(is_loopback("127.0.0.1".parse().ok()));
        assert!(is_loopback("::1".parse().ok()));
        assert!(is_loopback("::ffff:127.0.0.1".parse().ok()));
        assert!(!is_loopback("10.0.0.1".parse().ok()));
        assert!(!is_loopback(None));
    }

    #[test]
    fn a_bearer_token_is_read_in_any_case() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer   abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
