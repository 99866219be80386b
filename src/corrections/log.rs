//! The public corrections log: every note of every publication (or of one), newest first, by
//! kind and month, a page at a time; and the history entries the feeds are made of (a note's
//! publication, each amendment, its retraction).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::articles::{Article, Publication};
use crate::db::schema::{articles, correction_notes, publications};
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::notes::{self, Note, NoteKind, NoteVersion};

/// Notes on one page of the log.
pub const PAGE_SIZE: i64 = 25;
/// Notes whose history a feed carries (each gives one to a few entries).
pub const FEED_NOTES: i64 = 50;

/// A calendar month, as `?month=YYYY-MM` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub first: NaiveDate,
}

impl Month {
    pub fn parse(raw: &str) -> Result<Month> {
        let refused = || Error::invalid("month", format!("`{raw}` is not a month: use YYYY-MM"));
        let (y, m) = raw.split_once('-').ok_or_else(refused)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(refused());
        }
        let year: i32 = y.parse().map_err(|_| refused())?;
        let month: u32 = m.parse().map_err(|_| refused())?;
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(refused)?;
        Ok(Month { first })
    }

    fn bounds(self) -> (NaiveDateTime, NaiveDateTime) {
        let next = self
            .first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
        (
            self.first.and_time(chrono::NaiveTime::MIN),
            next.and_time(chrono::NaiveTime::MIN),
        )
    }

    pub fn label(self) -> String {
        self.first.format("%Y-%m").to_string()
    }
}

/// Which notes the log shows.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub publication_id: Option<i64>,
    pub kind: Option<NoteKind>,
    pub month: Option<Month>,
    /// The last note of the page before: the page starts after it.
    pub cursor: Option<i64>,
}

impl LogFilter {
    /// The query-string values as sent; each refusal names its parameter.
    pub fn parse(kind: Option<&str>, month: Option<&str>, cursor: Option<&str>) -> Result<Self> {
        let kind = match kind.filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(NoteKind::parse(k).ok_or_else(|| {
                let kinds: Vec<&str> = NoteKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::invalid("kind", format!("`{k}` is not a kind: {}", kinds.join(", ")))
            })?),
        };
        let month = month
            .filter(|m| !m.is_empty())
            .map(Month::parse)
            .transpose()?;
        let cursor =
            match cursor.filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    Error::invalid("cursor", "the cursor is not one this log gave")
                })?),
            };
        Ok(LogFilter {
            publication_id: None,
            kind,
            month,
            cursor,
        })
    }
}

/// A note in the log, with where it was published.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub note: Note,
    pub article: Article,
    pub publication: Publication,
}

#[derive(Debug, Clone)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// The cursor of the next page, when there is one.
    pub next: Option<i64>,
}

fn load(conn: &mut Conn, filter: &LogFilter, limit: i64) -> Result<Vec<LogEntry>> {
    let mut q = correction_notes::table
        .inner_join(articles::table.inner_join(publications::table))
        .select((
            Note::as_select(),
            Article::as_select(),
            Publication::as_select(),
        ))
        .into_boxed::<db::Backend>();
    if let Some(p) = filter.publication_id {
        q = q.filter(articles::publication_id.eq(p));
    }
    if let Some(k) = filter.kind {
        q = q.filter(correction_notes::kind.eq(k));
    }
    if let Some(m) = filter.month {
        let (from, to) = m.bounds();
        q = q
            .filter(correction_notes::published_at.ge(from))
            .filter(correction_notes::published_at.lt(to));
    }
    if let Some(c) = filter.cursor {
        let after: Option<NaiveDateTime> = correction_notes::table
            .find(c)
            .select(correction_notes::published_at)
            .first(conn)
            .optional()?;
        let after =
            after.ok_or_else(|| Error::invalid("cursor", "the cursor is not one this log gave"))?;
        q = q.filter(
            correction_notes::published_at
                .lt(after)
                .or(correction_notes::published_at
                    .eq(after)
                    .and(correction_notes::id.lt(c))),
        );
    }
    let rows: Vec<(Note, Article, Publication)> = q
        .order((
            correction_notes::published_at.desc(),
            correction_notes::id.desc(),
        ))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(note, article, publication)| LogEntry {
            note,
            article,
            publication,
        })
        .collect())
}

/// One page of the log, newest first.
pub fn page(conn: &mut Conn, filter: &LogFilter) -> Result<LogPage> {
    db::read(conn, |conn| {
        let mut entries = load(conn, filter, PAGE_SIZE + 1)?;
        let next = if entries.len() as i64 > PAGE_SIZE {
            entries.truncate(PAGE_SIZE as usize);
            entries.last().map(|e| e.note.id)
        } else {
            None
        };
        Ok(LogPage { entries, next })
    })
}

/// What happened to a note, as a feed entry tells it.
#[derive(Debug, Clone)]
pub enum Happening {
    Published(NoteVersion),
    Amended(NoteVersion),
    Retracted,
}

#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub at: NaiveDateTime,
    pub happening: Happening,
    pub entry: LogEntry,
}

impl FeedEntry {
    /// A stable identifier per entry, for Atom's `id` and JSON Feed's `id`.
    pub fn tag(&self) -> String {
        match &self.happening {
            Happening::Published(_) => format!("note-{}", self.entry.note.id),
            Happening::Amended(v) => format!("note-{}-version-{}", self.entry.note.id, v.version),
            Happening::Retracted => format!("note-{}-retracted", self.entry.note.id),
        }
    }
}

/// The history of the most recently changed notes (of one publication, or all), newest first:
/// one entry for each publication, amendment and retraction.
pub fn feed(conn: &mut Conn, publication_id: Option<i64>) -> Result<Vec<FeedEntry>> {
    db::read(conn, |conn| {
        let mut q = correction_notes::table
            .inner_join(articles::table.inner_join(publications::table))
            .select((
                Note::as_select(),
                Article::as_select(),
                Publication::as_select(),
            ))
            .into_boxed::<db::Backend>();
        if let Some(p) = publication_id {
            q = q.filter(articles::publication_id.eq(p));
        }
        let rows: Vec<(Note, Article, Publication)> = q
            .order((
                correction_notes::updated_at.desc(),
                correction_notes::id.desc(),
            ))
            .limit(FEED_NOTES)
            .load(conn)?;
        let mut out = Vec::new();
        for (note, article, publication) in rows {
            let entry = LogEntry {
                note,
                article,
                publication,
            };
            for v in notes::versions(conn, entry.note.id)? {
                let at = v.created_at;
                let happening = if v.version == 1 {
                    Happening::Published(v)
                } else {
                    Happening::Amended(v)
                };
                out.push(FeedEntry {
                    at,
                    happening,
                    entry: entry.clone(),
                });
            }
            if let Some(at) = entry.note.retracted_at {
                out.push(FeedEntry {
                    at,
                    happening: Happening::Retracted,
                    entry,
                });
            }
        }
        out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.tag().cmp(&a.tag())));
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly() {
        let m = Month::parse("2026-12").expect("a month");
        assert_eq!(m.label(), "2026-12");
        let (from, to) = m.bounds();
        assert_eq!(from.to_string(), "2026-12-01 00:00:00");
        assert_eq!(to.to_string(), "2027-01-01 00:00:00");
        for bad in ["2026-13", "2026-1", "26-12", "2026/12", "december", ""] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_name_the_parameter_they_refuse() {
        let f = LogFilter::parse(Some("update"), Some("2026-11"), Some("40")).expect("valid");
        assert_eq!(f.kind, Some(NoteKind::Update));
        assert_eq!(f.cursor, Some(40));
        for (k, m, c, field) in [
            (Some("erratum"), None, None, "kind"),
            (None, Some("2026-00"), None, "month"),
            (None, None, Some("x"), "cursor"),
            (None, None, Some("-3"), "cursor"),
        ] {
            let e = LogFilter::parse(k, m, c).expect_err(field);
            assert_eq!(e.field.as_deref(), Some(field));
        }
    }
}
