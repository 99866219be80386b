//! Time as Errata stores and shows it: UTC, stored without an offset, shown as RFC 3339 with `Z`.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Now, in UTC, to the microsecond (SQLite keeps it as text).
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond_truncated()
}

/// Whether a worker's claim, whose lease runs to `held`, still has half of `lease` or more to
/// run: then no other worker can take the message up before one send is done, and the claim needs
/// no renewal first (most claims are sent long before that, so most sends cost no extra write).
pub fn claim_is_fresh(held: NaiveDateTime, lease: chrono::Duration) -> bool {
    now() + lease / 2 <= held
}

trait Truncate {
    fn with_nanosecond_truncated(self) -> Self;
}

impl Truncate for NaiveDateTime {
    fn with_nanosecond_truncated(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(self.nanosecond() / 1000 * 1000)
            .unwrap_or(self)
    }
}

pub fn rfc3339(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn rfc3339_opt(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(rfc3339)
}

/// A time as a reader reads it on a page: `2 December 2026, 22:02 UTC`.
pub fn readable(t: NaiveDateTime) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// An RFC 3339 time (as the public answers carry it) made `readable`; unparsable text as it is.
pub fn readable_rfc3339(s: &str) -> String {
    parse(s).map_or_else(|| s.to_owned(), readable)
}

/// Parses an RFC 3339 date-time, or a bare date (taken as midnight UTC).
pub fn parse(s: &str) -> Option<NaiveDateTime> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Some(t.with_timezone(&Utc).naive_utc());
    }
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_fresh_while_half_its_lease_is_left() {
        let lease = chrono::Duration::seconds(300);
        assert!(claim_is_fresh(now() + lease, lease));
        assert!(claim_is_fresh(
            now() + chrono::Duration::seconds(200),
            lease
        ));
        assert!(!claim_is_fresh(
            now() + chrono::Duration::seconds(100),
            lease
        ));
        assert!(!claim_is_fresh(now() - chrono::Duration::seconds(1), lease));
    }

    #[test]
    fn times_read_as_words_for_readers() {
        let t = parse("2026-12-02T22:02:40Z").unwrap();
        assert_eq!(readable(t), "2 December 2026, 22:02 UTC");
        assert_eq!(
            readable_rfc3339("2026-03-09T07:05:00Z"),
            "9 March 2026, 07:05 UTC"
        );
        assert_eq!(readable_rfc3339("soon"), "soon");
    }
}
