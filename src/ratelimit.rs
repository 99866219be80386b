//! The limit on public report filing: at most `report_rate_limit` reports an hour per sender
//! (a salted hash of the address) and publication. Filings are counted in the database in
//! one-minute buckets, so the hour slides, a restart does not reset it, and several server
//! processes share one count. `decide` is the rule; `take` applies it inside the filing's write
//! transaction, so concurrent filings cannot count past the limit.

use chrono::{Duration, DurationRound, NaiveDateTime};
use diesel::prelude::*;
use rocket::http::Status;

use crate::db::schema::report_counters as rc;
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};

/// How far back filings count.
pub fn window() -> Duration {
    Duration::hours(1)
}

/// What the limit says about one more filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Refused; the sender may file again after this many seconds (at least 1).
    Refuse {
        retry_after_s: u64,
    },
}

/// The rule. `buckets` are the sender's filings as (minute, count); those whose minute began an
/// hour or more before `now` no longer count. A `limit` of 0 means no limit.
pub fn decide(limit: u32, now: NaiveDateTime, buckets: &[(NaiveDateTime, i64)]) -> Decision {
    if limit == 0 {
        return Decision::Allow;
    }
    let limit = i64::from(limit);
    let mut counted: Vec<(NaiveDateTime, i64)> = buckets
        .iter()
        .copied()
        .filter(|(minute, n)| *minute + window() > now && *n > 0)
        .collect();
    let total: i64 = counted.iter().map(|(_, n)| n).sum();
    if total < limit {
        return Decision::Allow;
    }
    // The sender may file again once enough of the oldest buckets have slid out of the hour.
    counted.sort();
    let mut left = total;
    for (minute, n) in counted {
        left -= n;
        if left < limit {
            let wait = (minute + window() - now).num_milliseconds();
            let retry_after_s = u64::try_from((wait + 999) / 1000).unwrap_or(1).max(1);
            return Decision::Refuse { retry_after_s };
        }
    }
    // Unreachable: once every bucket has slid out nothing is left.
    Decision::Refuse { retry_after_s: 1 }
}

/// Whole minutes to wait, rounded up, for telling a reader "about N minutes".
pub fn minutes(retry_after_s: u64) -> u64 {
    retry_after_s.div_ceil(60).max(1)
}

/// The sender's buckets that still count at `now`.
fn buckets(
    conn: &mut Conn,
    sender: &str,
    publication_id: i64,
    now: NaiveDateTime,
) -> Result<Vec<(NaiveDateTime, i64)>> {
    Ok(rc::table
        .filter(rc::sender_hash.eq(sender))
        .filter(rc::publication_id.eq(publication_id))
        .filter(rc::minute.gt(now - window()))
        .select((rc::minute, rc::filings))
        .load(conn)?)
}

/// Refuses a sender already over the limit, counting nothing: a cheap look before costly work.
/// Only `take` decides for good, under the write lock.
pub fn check(
    conn: &mut Conn,
    sender: Option<&str>,
    publication_id: i64,
    limit: u32,
    now: NaiveDateTime,
) -> Result<()> {
    let Some(sender) = sender.filter(|_| limit > 0) else {
        return Ok(());
    };
    match decide(limit, now, &buckets(conn, sender, publication_id, now)?) {
        Decision::Refuse { retry_after_s } => Err(refused(retry_after_s)),
        Decision::Allow => Ok(()),
    }
}

/// Counts one filing by `sender` on `publication_id` at `now`, or refuses it with 429 and
/// `Retry-After`, writing nothing. Run it inside the filing's write transaction (`db::write`):
/// the check and the count then happen under one lock. Old buckets of every sender are pruned
/// here too. A request without a sender address (a local client) is not limited.
pub fn take(
    conn: &mut Conn,
    sender: Option<&str>,
    publication_id: i64,
    limit: u32,
    now: NaiveDateTime,
) -> Result<()> {
    let Some(sender) = sender else {
        return Ok(());
    };
    if limit == 0 {
        return Ok(());
    }
    let since = now - window();
    let counted = buckets(conn, sender, publication_id, now)?;
    if let Decision::Refuse { retry_after_s } = decide(limit, now, &counted) {
        return Err(refused(retry_after_s));
    }
    diesel::delete(rc::table.filter(rc::minute.le(since))).execute(conn)?;
    let minute = now
        .duration_trunc(Duration::minutes(1))
        .map_err(|e| Error::internal(format!("rate-limit minute: {e}")))?;
    db::on_engine!(conn, |c| diesel::insert_into(rc::table)
        .values((
            rc::sender_hash.eq(sender),
            rc::publication_id.eq(publication_id),
            rc::minute.eq(minute),
            rc::filings.eq(1),
        ))
        .on_conflict((rc::sender_hash, rc::publication_id, rc::minute))
        .do_update()
        .set(rc::filings.eq(rc::filings + 1))
        .execute(c))?;
    Ok(())
}

/// The 429 a refused filing gets: the API shows the message, the form its own words.
pub fn refused(retry_after_s: u64) -> Error {
    let n = minutes(retry_after_s);
    let unit = if n == 1 { "minute" } else { "minutes" };
    Error::new(
        Status::TooManyRequests,
        Code::RateLimited,
        format!(
            "too many reports were sent from this address in the last hour; please try again in about {n} {unit}"
        ),
    )
    .with_retry_after(retry_after_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hh: u32, mm: u32, ss: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .and_then(|d| d.and_hms_opt(hh, mm, ss))
            .expect("a valid time")
    }

    #[test]
    fn under_the_limit_is_allowed() {
        let now = at(12, 0, 0);
        assert_eq!(decide(3, now, &[]), Decision::Allow);
        assert_eq!(
            decide(3, now, &[(at(11, 30, 0), 1), (at(11, 59, 0), 1)]),
            Decision::Allow
        );
    }

    #[test]
    fn no_limit_allows_everything() {
        assert_eq!(
            decide(0, at(12, 0, 0), &[(at(11, 59, 0), 1_000)]),
            Decision::Allow
        );
    }

    #[test]
    fn at_the_limit_the_wait_is_until_the_oldest_filing_leaves_the_hour() {
        let now = at(12, 0, 30);
        let buckets = [(at(11, 20, 0), 1), (at(11, 40, 0), 1), (at(11, 59, 0), 1)];
        // 11:20 leaves the hour at 12:20: 19 minutes 30 seconds from now.
        assert_eq!(
            decide(3, now, &buckets),
            Decision::Refuse {
                retry_after_s: 19 * 60 + 30
            }
        );
        // With a limit of 2, two buckets must leave: the second at 12:40.
        assert_eq!(
            decide(2, now, &buckets),
            Decision::Refuse {
                retry_after_s: 39 * 60 + 30
            }
        );
    }

    #[test]
    fn filings_older_than_an_hour_do_not_count() {
        let now = at(12, 0, 0);
        // 11:00 began exactly an hour ago: it no longer counts.
        let buckets = [(at(11, 0, 0), 5), (at(11, 30, 0), 1)];
        assert_eq!(decide(2, now, &buckets), Decision::Allow);
        assert_eq!(
            decide(1, now, &buckets),
            Decision::Refuse {
                retry_after_s: 30 * 60
            }
        );
    }

    #[test]
    fn a_full_bucket_this_minute_waits_about_an_hour_and_never_zero() {
        let now = at(12, 0, 0);
        assert_eq!(
            decide(4, now, &[(at(12, 0, 0), 4)]),
            Decision::Refuse {
                retry_after_s: 3600
            }
        );
        // A bucket a hair from sliding out still asks for one second, not zero.
        let now = at(12, 59, 59) + Duration::milliseconds(999);
        assert_eq!(
            decide(1, now, &[(at(12, 0, 0), 1)]),
            Decision::Refuse { retry_after_s: 1 }
        );
    }

    #[test]
    fn minutes_round_up() {
        assert_eq!(minutes(1), 1);
        assert_eq!(minutes(60), 1);
        assert_eq!(minutes(61), 2);
        assert_eq!(minutes(3600), 60);
    }
}
