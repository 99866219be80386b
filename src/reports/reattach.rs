//! An editor placing a report's passage by hand, when re-anchoring orphaned it or found two places.

use serde::Deserialize;

use super::*;
use crate::accounts::permissions::{self, Action};
use crate::accounts::User;
use crate::anchoring::{self, Placement, Subject};
use crate::articles::{self};
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::events::{self, NewEvent};
use crate::text::{self, AnchorMethod};

/// An editor's hand placement of a report's passage on the current revision.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorInput {
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// The unit of `start` and `end`: `code_points` (the default, as everywhere in Errata) or
    /// `utf16`, as a browser's `Selection` and JavaScript strings count.
    pub offsets: Option<String>,
    pub exact: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

pub fn attach(conn: &mut Conn, actor: &User, id: i64, input: &AnchorInput) -> Result<Report> {
    permissions::require(actor.role, Action::Reattach)?;
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        let article = articles::find(conn, report.article_id)?
            .ok_or_else(|| Error::internal("report without article"))?;
        let revision = articles::current_revision(conn, &article)?;
        let len = text::cp_len(&revision.canonical_text) as i64;
        let utf16 = match input.offsets.as_deref() {
            _ if input.offsets.is_some() && input.exact.is_some() => {
                return Err(Error::invalid(
                    "offsets",
                    "offsets go with {start, end}, not with exact",
                ))
            }
            None | Some("code_points") => false,
            Some("utf16") => true,
            Some(other) => {
                return Err(Error::invalid(
                    "offsets",
                    format!("`{other}` is not an offset unit: code_points or utf16"),
                ))
            }
        };
        let (start, end) = match (input.start, input.end, &input.exact) {
            (Some(s), Some(e), None) => {
                let (s, e) = if utf16 {
                    // Converted at the edge: inside, offsets are code points.
                    let convert = |o: i64, field: &str| {
                        usize::try_from(o)
                                .ok()
                                .and_then(|o| text::utf16_to_cp(&revision.canonical_text, o))
                                .map(|o| o as i64)
                                .ok_or_else(|| {
                                    Error::invalid(field, format!("{field} {o} is not a UTF-16 offset of a character boundary in the text"))
                                })
                    };
                    (convert(s, "start")?, convert(e, "end")?)
                } else {
                    (s, e)
                };
                if s < 0 || e > len || s >= e {
                    return Err(Error::invalid(
                        "start",
                        format!("start and end must satisfy 0 <= start < end <= {len}"),
                    ));
                }
                (s as usize, e as usize)
            }
            (None, None, Some(_)) => {
                let exact = text::input::required(input.exact.as_deref(), "exact", 1, QUOTE_MAX)?;
                let prefix = text::input::verbatim(input.prefix.as_deref(), "prefix", CONTEXT_MAX)?;
                let suffix = text::input::verbatim(input.suffix.as_deref(), "suffix", CONTEXT_MAX)?;
                let found = anchoring::locate(
                    &revision.canonical_text,
                    &exact,
                    prefix.as_deref(),
                    suffix.as_deref(),
                    "exact",
                )?;
                (found.start, found.end)
            }
            _ => {
                return Err(Error::invalid(
                    "start",
                    "give either {start, end} or {exact, prefix?, suffix?}",
                ))
            }
        };
        let before = anchoring::current(conn, Subject::Report(report.id))?;
        let row = anchoring::insert(
            conn,
            Subject::Report(report.id),
            revision.id,
            &Placement::anchored(AnchorMethod::Manual, 1.0, start, end),
        )?;
        events::record(
            conn,
            NewEvent {
                kind: "anchor",
                report_id: Some(report.id),
                article_id: Some(article.id),
                actor: Some(actor.id),
                from: before.map(|b| b.status.as_str().into()),
                to: Some(row.status.as_str().into()),
                body: Some(format!(
                    "placed by hand on [{start}, {end}) of revision {}",
                    revision.number
                )),
                ..Default::default()
            },
        )?;
        find(conn, report.id)
    })
}
