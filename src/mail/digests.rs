//! Hourly and daily digests of new reports. Periods are whole UTC hours and UTC days, half-open
//! (`[start, end)`): a report filed at 14:00:00 is in the 14:00 hour, not the 13:00 one. Every
//! period dealt with is a row of `digest_periods` (with or without reports, with the message it
//! queued), written in the transaction that queues the message: a restart goes on from the last
//! row, so no period is skipped or sent twice, and the row's uniqueness stops two workers from
//! both sending one.
//!
//! An editor's first period is the one that just ended; periods more than `CATCH_UP` old (a server
//! that was off for longer) are passed over without mail.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;

use super::editor_mail::{self, Digest, DigestGroup, DigestLine};
use super::editors::{self, Choice, NewReportMail};
use super::{enqueue, Footer, Site};
use crate::accounts::permissions::{self, Action};
use crate::accounts::Role;
use crate::db::schema::{articles, digest_periods, mail_preferences, publications, reports, users};
use crate::db::{self, Conn};
use crate::error::Result;
use crate::time::readable;
use crate::workflow::State;

/// How far back a digest is still worth sending.
pub const CATCH_UP: Duration = Duration::days(7);

/// How often an editor is sent a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Hourly,
    Daily,
}

impl Frequency {
    pub const ALL: [Frequency; 2] = [Frequency::Hourly, Frequency::Daily];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Hourly => "hourly",
            Frequency::Daily => "daily",
        }
    }

    pub fn length(self) -> Duration {
        match self {
            Frequency::Hourly => Duration::hours(1),
            Frequency::Daily => Duration::days(1),
        }
    }

    /// The start of the period `t` falls in.
    pub fn floor(self, t: NaiveDateTime) -> NaiveDateTime {
        let hour = t
            .with_nanosecond(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_minute(0))
            .unwrap_or(t);
        match self {
            Frequency::Hourly => hour,
            Frequency::Daily => hour.with_hour(0).unwrap_or(hour),
        }
    }

    /// The editors' choice that asks for this digest.
    pub fn choice(self) -> NewReportMail {
        match self {
            Frequency::Hourly => NewReportMail::Hourly,
            Frequency::Daily => NewReportMail::Daily,
        }
    }

    /// The period in words: `6 December 2026, 14:00–15:00 UTC`, `on 6 December 2026 (UTC)`.
    fn words(self, start: NaiveDateTime, end: NaiveDateTime) -> String {
        match self {
            Frequency::Hourly => format!(
                "{}, {}–{} UTC",
                start.format("%-d %B %Y"),
                start.format("%H:%M"),
                end.format("%H:%M")
            ),
            Frequency::Daily => format!("on {} (UTC)", start.format("%-d %B %Y")),
        }
    }
}

/// The periods due at `now` after the last one dealt with (`last_end`), oldest first, as
/// `(start, end)`: every whole period that has ended, from the one just ended when there was none.
pub fn due_periods(
    f: Frequency,
    last_end: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let limit = f.floor(now);
    let oldest = f.floor(now - CATCH_UP);
    let mut start = match last_end {
        Some(end) => end.max(oldest),
        None => limit - f.length(),
    };
    let mut due = Vec::new();
    while start + f.length() <= limit {
        due.push((start, start + f.length()));
        start += f.length();
    }
    due
}

fn last_end(conn: &mut Conn, user_id: i64, f: Frequency) -> Result<Option<NaiveDateTime>> {
    Ok(digest_periods::table
        .filter(digest_periods::user_id.eq(user_id))
        .filter(digest_periods::frequency.eq(f.as_str()))
        .select(diesel::dsl::max(digest_periods::period_end))
        .first(conn)?)
}

fn record(
    conn: &mut Conn,
    user_id: i64,
    f: Frequency,
    (start, end): (NaiveDateTime, NaiveDateTime),
    reports: i64,
    outbox_id: Option<i64>,
    at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(digest_periods::table)
        .values((
            digest_periods::user_id.eq(user_id),
            digest_periods::frequency.eq(f.as_str()),
            digest_periods::period_start.eq(start),
            digest_periods::period_end.eq(end),
            digest_periods::reports.eq(reports),
            digest_periods::outbox_id.eq(outbox_id),
            digest_periods::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// When an editor takes up a digest they did not have (`before` → `after`), the period that just
/// ended counts as dealt with: their digests start with the current one, and a digest dropped long
/// ago does not come back with every period since.
pub(crate) fn started_choosing(
    conn: &mut Conn,
    user_id: i64,
    before: &[Choice],
    after: &[(i64, NewReportMail)],
    at: NaiveDateTime,
) -> Result<()> {
    for f in Frequency::ALL {
        let had = before.iter().any(|c| c.new_reports == f.choice());
        let has = after.iter().any(|(_, c)| *c == f.choice());
        if had || !has {
            continue;
        }
        let current = f.floor(at);
        if last_end(conn, user_id, f)?.is_some_and(|end| end >= current) {
            continue;
        }
        record(
            conn,
            user_id,
            f,
            (current - f.length(), current),
            0,
            None,
            at,
        )?;
    }
    Ok(())
}

/// Each active editor and the publications they chose the digest `f` for.
fn subscribers(conn: &mut Conn, f: Frequency) -> Result<Vec<(i64, String, Vec<i64>)>> {
    let staff: Vec<(i64, String, Role)> = users::table
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select((users::id, users::email, users::role))
        .load(conn)?;
    let all_publications: Vec<i64> = publications::table
        .order(publications::id.asc())
        .select(publications::id)
        .load(conn)?;
    let chosen: Vec<(i64, i64, NewReportMail)> = mail_preferences::table
        .select((
            mail_preferences::user_id,
            mail_preferences::publication_id,
            mail_preferences::new_reports,
        ))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, email, role) in staff {
        if !permissions::allows(role, Action::ReadReports) {
            continue;
        }
        let publications: Vec<i64> = all_publications
            .iter()
            .copied()
            .filter(|&p| {
                chosen
                    .iter()
                    .find(|(u, q, _)| *u == id && *q == p)
                    .map_or(NewReportMail::DEFAULT, |c| c.2)
                    == f.choice()
            })
            .collect();
        if !publications.is_empty() {
            out.push((id, email, publications));
        }
    }
    Ok(out)
}

/// The reports filed in `[start, end)` in `publications`, grouped by publication.
fn collect(
    conn: &mut Conn,
    site: &Site,
    publications: &[i64],
    (start, end): (NaiveDateTime, NaiveDateTime),
) -> Result<(usize, Vec<DigestGroup>)> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        i64,
        String,
        String,
        State,
        String,
        NaiveDateTime,
        String,
        String,
    )> = reports::table
        .inner_join(articles::table.inner_join(publications::table))
        .filter(articles::publication_id.eq_any(publications))
        .filter(reports::created_at.ge(start))
        .filter(reports::created_at.lt(end))
        .order((
            publications::name.asc(),
            reports::created_at.asc(),
            reports::id.asc(),
        ))
        .select((
            reports::id,
            reports::reference,
            reports::category,
            reports::state,
            reports::quote_exact,
            reports::created_at,
            articles::title,
            publications::name,
        ))
        .load(conn)?;
    let count = rows.len();
    let mut groups: BTreeMap<String, Vec<DigestLine>> = BTreeMap::new();
    for (id, reference, category, state, quote, created_at, title, publication) in rows {
        groups.entry(publication).or_default().push(DigestLine {
            reference,
            category: category.replace('_', " "),
            state: state.as_str().to_owned(),
            quote,
            article_title: title,
            filed: readable(created_at),
            link: editor_mail::report_link(site, id),
        });
    }
    Ok((
        count,
        groups
            .into_iter()
            .map(|(publication, lines)| DigestGroup { publication, lines })
            .collect(),
    ))
}

/// Queues every digest due at `now` and records each period dealt with; returns how many
/// messages were queued. The worker calls it with the clock; tests call it with the time they
/// choose, so that no test waits an hour.
pub fn run_due(conn: &mut Conn, site: &Site, now: NaiveDateTime) -> Result<usize> {
    db::write(conn, |conn| {
        let mut queued = 0;
        for f in Frequency::ALL {
            for (user_id, email, publications) in subscribers(conn, f)? {
                let last = last_end(conn, user_id, f)?;
                for period in due_periods(f, last, now) {
                    let (count, groups) = collect(conn, site, &publications, period)?;
                    let outbox_id = if count == 0 {
                        None
                    } else {
                        let digest = Digest {
                            frequency: f.as_str(),
                            period: f.words(period.0, period.1),
                            count,
                            groups,
                            account_url: editor_mail::account_link(site),
                            footer: Footer::of_site(site),
                        };
                        queued += 1;
                        Some(enqueue(conn, site, editor_mail::digest(&email, &digest)?)?)
                    };
                    record(conn, user_id, f, period, count as i64, outbox_id, now)?;
                }
            }
        }
        Ok(queued)
    })
}

/// The editors' periodic work, for the worker: digests due and reports past their target time.
pub fn tick(conn: &mut Conn, site: &Site, now: NaiveDateTime) -> Result<(usize, usize)> {
    let digests = run_due(conn, site, now)?;
    let overdue = editors::alert_overdue(conn, site, now)?;
    Ok((digests, overdue))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        crate::time::parse(s).unwrap()
    }

    #[test]
    fn periods_are_whole_utc_hours_and_days() {
        let at = t("2026-12-06T14:37:12Z") + Duration::microseconds(5);
        assert_eq!(Frequency::Hourly.floor(at), t("2026-12-06T14:00:00Z"));
        assert_eq!(Frequency::Daily.floor(at), t("2026-12-06T00:00:00Z"));
        let edge = t("2026-12-06T14:00:00Z");
        assert_eq!(Frequency::Hourly.floor(edge), edge);
    }

    #[test]
    fn the_first_digest_is_the_period_just_ended_and_later_ones_follow_on() {
        let now = t("2026-12-06T14:37:00Z");
        assert_eq!(
            due_periods(Frequency::Hourly, None, now),
            vec![(t("2026-12-06T13:00:00Z"), t("2026-12-06T14:00:00Z"))]
        );
        // After a restart three hours later, each missed hour once, in order.
        let later = t("2026-12-06T17:00:00Z");
        let due = due_periods(Frequency::Hourly, Some(t("2026-12-06T14:00:00Z")), later);
        assert_eq!(
            due,
            vec![
                (t("2026-12-06T14:00:00Z"), t("2026-12-06T15:00:00Z")),
                (t("2026-12-06T15:00:00Z"), t("2026-12-06T16:00:00Z")),
                (t("2026-12-06T16:00:00Z"), t("2026-12-06T17:00:00Z")),
            ]
        );
        assert!(due_periods(Frequency::Hourly, Some(later), later).is_empty());
        assert!(due_periods(Frequency::Daily, Some(t("2026-12-06T00:00:00Z")), later).is_empty());
    }

    #[test]
    fn a_server_off_for_weeks_catches_up_one_week_only() {
        let now = t("2026-12-31T09:00:00Z");
        let due = due_periods(Frequency::Daily, Some(t("2026-12-01T00:00:00Z")), now);
        assert_eq!(due.len(), 7);
        assert_eq!(due[0].0, t("2026-12-24T00:00:00Z"));
        assert_eq!(due[6].1, t("2026-12-31T00:00:00Z"));
    }
}
