//! The desk's figures at `/dashboard/stats` and in its CSV: reports filed per week, the median time
//! to first triage and to resolution, outcomes, correction notes by kind, and the same per
//! publication, over the last few weeks. The queries only load rows; the figures are made by
//! `aggregate`, which is pure and tested below, so the page and the CSV cannot disagree.
//!
//! Every figure about reports is about the reports *filed* in the period (a cohort): how many came
//! in, how fast they were answered, and how they ended (so far). Notes are counted by when they
//! were published.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{articles, correction_notes, publications, reports};
use crate::db::Conn;
use crate::error::Result;
use crate::notes::NoteKind;
use crate::reports::workflow::{Resolution, State};

/// The periods the page offers, in weeks.
pub const PERIODS: [i64; 3] = [4, 12, 52];
pub const DEFAULT_WEEKS: i64 = 12;

/// What the editor asked the figures for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsFilter {
    pub publication_id: Option<i64>,
    pub weeks: i64,
}

impl StatsFilter {
    /// A filter from the query string's values; a period the page does not offer is the default.
    pub fn new(publication_id: Option<i64>, weeks: Option<i64>) -> StatsFilter {
        StatsFilter {
            publication_id,
            weeks: weeks
                .filter(|w| PERIODS.contains(w))
                .unwrap_or(DEFAULT_WEEKS),
        }
    }
}

/// Whole weeks, Monday to Sunday (UTC), ending with the week of `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub weeks: i64,
    /// Monday 00:00 of the first week.
    pub since: NaiveDateTime,
    pub until: NaiveDateTime,
}

impl Period {
    pub fn ending(until: NaiveDateTime, weeks: i64) -> Period {
        let weeks = weeks.max(1);
        let first = monday_of(until.date()) - Duration::weeks(weeks - 1);
        Period {
            weeks,
            since: first.and_time(chrono::NaiveTime::MIN),
            until,
        }
    }

    /// The Monday of each week, oldest first.
    pub fn mondays(&self) -> Vec<NaiveDate> {
        let first = self.since.date();
        (0..self.weeks)
            .map(|i| first + Duration::weeks(i))
            .collect()
    }
}

/// The Monday of the (ISO) week `day` falls in.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The middle of `values` (the mean of the two middle ones for an even count); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// A report filed in the period, with what the figures need.
#[derive(Debug, Clone, PartialEq)]
pub struct FiledReport {
    pub id: i64,
    pub publication_id: i64,
    pub created_at: NaiveDateTime,
    pub state: String,
    pub resolution: Option<String>,
    /// Its first move out of `new` (a triage, or a straight resolution).
    pub first_answered_at: Option<NaiveDateTime>,
    /// Its first resolution: a reopened report keeps it, as that is when its reader had an answer.
    pub first_resolved_at: Option<NaiveDateTime>,
}

impl FiledReport {
    fn hours_until(&self, at: Option<NaiveDateTime>) -> Option<f64> {
        at.map(|at| (at - self.created_at).num_seconds().max(0) as f64 / 3600.0)
    }
}

/// A correction note published in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedNote {
    pub publication_id: i64,
    pub kind: String,
}

/// A median time in hours, and how many reports it is the middle of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MedianTime {
    pub hours: Option<f64>,
    pub of: usize,
}

impl MedianTime {
    fn of(mut hours: Vec<f64>) -> MedianTime {
        MedianTime {
            of: hours.len(),
            hours: median(&mut hours),
        }
    }

    /// `5.3 h`, or a dash when no report got there.
    pub fn words(&self) -> String {
        self.hours
            .map_or_else(|| "–".to_owned(), |h| format!("{} h", one_decimal(h)))
    }

    /// The hours for the CSV, empty when there are none.
    pub fn figure(&self) -> String {
        self.hours.map(one_decimal).unwrap_or_default()
    }
}

pub fn one_decimal(h: f64) -> String {
    format!("{:.1}", (h * 10.0).round() / 10.0)
}

/// One publication's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicationStats {
    pub id: i64,
    pub name: String,
    pub reports: i64,
    pub resolved: i64,
    pub notes: i64,
    pub to_triage: MedianTime,
    pub to_resolution: MedianTime,
}

/// Everything the page and the CSV show.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub period: Period,
    /// Reports filed each week (by its Monday), oldest first.
    pub per_week: Vec<(NaiveDate, i64)>,
    pub filed: i64,
    pub to_triage: MedianTime,
    pub to_resolution: MedianTime,
    /// Each resolution with its count of reports, then `open` for those not resolved yet.
    pub outcomes: Vec<(&'static str, i64)>,
    /// Each kind of note with its count.
    pub notes_by_kind: Vec<(&'static str, i64)>,
    pub publications: Vec<PublicationStats>,
}

/// The figures for `filed` reports and the `notes`, over `period`, for the publications named (in
/// the order given).
pub fn aggregate(
    period: Period,
    filed: &[FiledReport],
    notes: &[PublishedNote],
    publications: &[(i64, String)],
) -> Stats {
    let in_period: Vec<&FiledReport> = filed
        .iter()
        .filter(|r| r.created_at >= period.since && r.created_at <= period.until)
        .collect();
    let mut weeks: Vec<(NaiveDate, i64)> = period.mondays().into_iter().map(|m| (m, 0)).collect();
    for r in &in_period {
        let monday = monday_of(r.created_at.date());
        if let Some(week) = weeks.iter_mut().find(|(m, _)| *m == monday) {
            week.1 += 1;
        }
    }
    let medians = |pick: &dyn Fn(&FiledReport) -> bool| {
        let (mut triage, mut resolution) = (Vec::new(), Vec::new());
        for r in in_period.iter().filter(|r| pick(r)) {
            triage.extend(r.hours_until(r.first_answered_at));
            resolution.extend(r.hours_until(r.first_resolved_at));
        }
        (MedianTime::of(triage), MedianTime::of(resolution))
    };
    let (to_triage, to_resolution) = medians(&|_| true);
    let resolved = |r: &FiledReport| r.state == State::Resolved.as_str();
    let mut outcomes: Vec<(&'static str, i64)> = Resolution::ALL
        .into_iter()
        .map(|res| {
            let n = in_period
                .iter()
                .filter(|r| resolved(r) && r.resolution.as_deref() == Some(res.as_str()))
                .count();
            (res.as_str(), n as i64)
        })
        .collect();
    outcomes.push((
        "open",
        in_period.iter().filter(|r| !resolved(r)).count() as i64,
    ));
    let notes_by_kind = NoteKind::ALL
        .into_iter()
        .map(|k| {
            let n = notes.iter().filter(|n| n.kind == k.as_str()).count();
            (k.as_str(), n as i64)
        })
        .collect();
    let publications = publications
        .iter()
        .map(|(id, name)| {
            let mine = |r: &FiledReport| r.publication_id == *id;
            let (to_triage, to_resolution) = medians(&mine);
            PublicationStats {
                id: *id,
                name: name.clone(),
                reports: in_period.iter().filter(|r| mine(r)).count() as i64,
                resolved: in_period.iter().filter(|r| mine(r) && resolved(r)).count() as i64,
                notes: notes.iter().filter(|n| n.publication_id == *id).count() as i64,
                to_triage,
                to_resolution,
            }
        })
        .collect();
    Stats {
        period,
        per_week: weeks,
        filed: in_period.len() as i64,
        to_triage,
        to_resolution,
        outcomes,
        notes_by_kind,
        publications,
    }
}

/// The figures as rows of `section, item, measure, value`: what the CSV holds, in the page's order.
pub fn rows(s: &Stats) -> Vec<[String; 4]> {
    let mut out: Vec<[String; 4]> = Vec::new();
    let mut push = |section: &str, item: &str, measure: &str, value: String| {
        out.push([section.into(), item.into(), measure.into(), value]);
    };
    for (monday, n) in &s.per_week {
        push(
            "reports_per_week",
            &monday.to_string(),
            "reports",
            n.to_string(),
        );
    }
    push("time_to_answer", "all", "reports", s.filed.to_string());
    for (measure, m) in [
        ("median_hours_to_first_triage", s.to_triage),
        ("median_hours_to_resolution", s.to_resolution),
    ] {
        push("time_to_answer", "all", measure, m.figure());
    }
    for (outcome, n) in &s.outcomes {
        push("outcomes", outcome, "reports", n.to_string());
    }
    for (kind, n) in &s.notes_by_kind {
        push("corrections_by_kind", kind, "notes", n.to_string());
    }
    for p in &s.publications {
        push("per_publication", &p.name, "reports", p.reports.to_string());
        push(
            "per_publication",
            &p.name,
            "resolved",
            p.resolved.to_string(),
        );
        push("per_publication", &p.name, "notes", p.notes.to_string());
        push(
            "per_publication",
            &p.name,
            "median_hours_to_first_triage",
            p.to_triage.figure(),
        );
        push(
            "per_publication",
            &p.name,
            "median_hours_to_resolution",
            p.to_resolution.figure(),
        );
    }
    out
}

/// Loads the rows for `f` over the weeks ending `at` and makes the figures.
pub fn load(conn: &mut Conn, f: &StatsFilter, at: NaiveDateTime) -> Result<Stats> {
    let period = Period::ending(at, f.weeks);
    let mut filed_q = reports::table
        .inner_join(articles::table)
        .filter(reports::created_at.ge(period.since))
        .filter(reports::created_at.le(period.until))
        .select((
            reports::id,
            articles::publication_id,
            reports::created_at,
            reports::state,
            reports::resolution,
            reports::first_answered_at,
            reports::first_resolved_at,
        ))
        .into_boxed();
    if let Some(p) = f.publication_id {
        filed_q = filed_q.filter(articles::publication_id.eq(p));
    }
    type Row = (
        i64,
        i64,
        NaiveDateTime,
        String,
        Option<String>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let filed: Vec<FiledReport> = filed_q
        .load::<Row>(conn)?
        .into_iter()
        .map(
            |(id, publication_id, created_at, state, resolution, answered, resolved)| FiledReport {
                id,
                publication_id,
                created_at,
                state,
                resolution,
                first_answered_at: answered,
                first_resolved_at: resolved,
            },
        )
        .collect();
    let mut notes_q = correction_notes::table
        .inner_join(articles::table)
        .filter(correction_notes::published_at.ge(period.since))
        .filter(correction_notes::published_at.le(period.until))
        .filter(correction_notes::retracted_at.is_null())
        .select((articles::publication_id, correction_notes::kind))
        .into_boxed();
    if let Some(p) = f.publication_id {
        notes_q = notes_q.filter(articles::publication_id.eq(p));
    }
    let notes: Vec<PublishedNote> = notes_q
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(publication_id, kind)| PublishedNote {
            publication_id,
            kind,
        })
        .collect();
    let mut pubs_q = publications::table
        .order(publications::name.asc())
        .select((publications::id, publications::name))
        .into_boxed();
    if let Some(p) = f.publication_id {
        pubs_q = pubs_q.filter(publications::id.eq(p));
    }
    let pubs: Vec<(i64, String)> = pubs_q.load(conn)?;
    Ok(aggregate(period, &filed, &notes, &pubs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        crate::time::parse(s).expect("a time")
    }

    /// A report filed `at`, first answered and first resolved at the times given.
    fn report(
        id: i64,
        publication: i64,
        at: &str,
        (state, res): (&str, Option<&str>),
        (answered, resolved): (Option<&str>, Option<&str>),
    ) -> FiledReport {
        FiledReport {
            id,
            publication_id: publication,
            created_at: t(at),
            state: state.into(),
            resolution: res.map(str::to_owned),
            first_answered_at: answered.map(t),
            first_resolved_at: resolved.map(t),
        }
    }

    #[test]
    fn periods_are_whole_weeks_from_a_monday() {
        // Thursday 10 December 2026.
        let p = Period::ending(t("2026-12-10T15:00:00Z"), 4);
        assert_eq!(p.since, t("2026-11-16T00:00:00Z"));
        let mondays: Vec<String> = p.mondays().iter().map(|d| d.to_string()).collect();
        assert_eq!(
            mondays,
            ["2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"]
        );
        assert_eq!(
            monday_of(NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date")).to_string(),
            "2026-12-07"
        );
        assert_eq!(StatsFilter::new(None, Some(5)).weeks, DEFAULT_WEEKS);
        assert_eq!(StatsFilter::new(None, Some(52)).weeks, 52);
    }

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7.0]), Some(7.0));
        assert_eq!(median(&mut [9.0, 1.0, 4.0]), Some(4.0));
        assert_eq!(median(&mut [10.0, 1.0, 4.0, 2.0]), Some(3.0));
    }

    #[test]
    fn figures_count_the_reports_filed_in_the_period_and_time_their_first_answers() {
        let period = Period::ending(t("2026-12-10T15:00:00Z"), 4);
        let filed = vec![
            // Triaged after 2 h, resolved as no error after 6 h (reopened and resolved again
            // later, which leaves its first resolution as it was).
            report(
                1,
                1,
                "2026-12-08T08:00:00Z",
                ("resolved", Some("no_error")),
                (Some("2026-12-08T10:00:00Z"), Some("2026-12-08T14:00:00Z")),
            ),
            // Resolved straight from new as spam after 1 h: that is its triage too.
            report(
                2,
                1,
                "2026-12-01T09:00:00Z",
                ("resolved", Some("spam")),
                (Some("2026-12-01T10:00:00Z"), Some("2026-12-01T10:00:00Z")),
            ),
            // Triaged after 4 h, still open.
            report(
                3,
                2,
                "2026-11-17T00:00:00Z",
                ("triaged", None),
                (Some("2026-11-17T04:00:00Z"), None),
            ),
            // Before the period: left out.
            report(
                4,
                2,
                "2026-11-15T23:59:59Z",
                ("resolved", Some("corrected")),
                (Some("2026-11-16T00:30:00Z"), Some("2026-11-16T00:30:00Z")),
            ),
        ];
        let notes = vec![
            PublishedNote {
                publication_id: 2,
                kind: "correction".into(),
            },
            PublishedNote {
                publication_id: 1,
                kind: "clarification".into(),
            },
            PublishedNote {
                publication_id: 2,
                kind: "correction".into(),
            },
        ];
        let pubs = vec![(1, "Gazette".to_owned()), (2, "Herald".to_owned())];
        let s = aggregate(period, &filed, &notes, &pubs);

        let weeks: Vec<i64> = s.per_week.iter().map(|(_, n)| *n).collect();
        assert_eq!(weeks, [1, 0, 1, 1]);
        assert_eq!(s.filed, 3);
        // First triage: 2 h, 1 h, 4 h; first resolution: 6 h and 1 h.
        assert_eq!(
            s.to_triage,
            MedianTime {
                hours: Some(2.0),
                of: 3
            }
        );
        assert_eq!(
            s.to_resolution,
            MedianTime {
                hours: Some(3.5),
                of: 2
            }
        );
        let outcome = |k: &str| s.outcomes.iter().find(|(o, _)| *o == k).map(|(_, n)| *n);
        assert_eq!(outcome("no_error"), Some(1));
        assert_eq!(outcome("spam"), Some(1));
        assert_eq!(outcome("corrected"), Some(0));
        assert_eq!(outcome("open"), Some(1));
        assert_eq!(
            s.notes_by_kind,
            vec![
                ("correction", 2),
                ("clarification", 1),
                ("update", 0),
                ("editors_note", 0)
            ]
        );
        let herald = &s.publications[1];
        assert_eq!((herald.reports, herald.resolved, herald.notes), (1, 0, 2));
        assert_eq!(herald.to_triage.hours, Some(4.0));
        assert_eq!(herald.to_resolution.hours, None);
        assert_eq!(herald.to_resolution.words(), "–");
        assert_eq!(s.publications[0].to_resolution.words(), "3.5 h");

        // The CSV's rows carry the same numbers.
        let rows = rows(&s);
        assert!(rows.contains(&[
            "reports_per_week".into(),
            "2026-12-07".into(),
            "reports".into(),
            "1".into()
        ]));
        assert!(rows.contains(&[
            "time_to_answer".into(),
            "all".into(),
            "median_hours_to_resolution".into(),
            "3.5".into()
        ]));
        assert!(rows.contains(&[
            "per_publication".into(),
            "Herald".into(),
            "median_hours_to_resolution".into(),
            String::new()
        ]));
    }
}
