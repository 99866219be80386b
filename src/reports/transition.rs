//! The workflow's moves applied to stored reports: the state machine decides, this writes the
//! move, its event and the emails it causes (the reporter, and the duplicates that follow).

use diesel::prelude::*;
use serde::Deserialize;

use super::workflow::{Move, Refusal, Resolution, State};
use super::*;
use crate::accounts::User;
use crate::articles::{self};
use crate::db::schema::{correction_notes, reports};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, NewEvent};
use crate::mail::{self, Site};
use crate::notes;
use crate::time::now;

/// A move requested through the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: Option<String>,
    pub resolution: Option<String>,
    pub duplicate_of: Option<i64>,
    pub note: Option<String>,
}

/// Turns a refusal of the state machine into the API's answer.
pub fn refusal_error(refusal: Refusal, from: State) -> Error {
    match refusal {
        Refusal::Invalid { allowed } => {
            let names: Vec<String> = allowed.iter().map(|s| s.as_str().to_owned()).collect();
            let mut e = Error::conflict(
                Code::InvalidTransition,
                format!(
                    "a {} report can move only to: {}",
                    from.as_str(),
                    if names.is_empty() {
                        "nothing".into()
                    } else {
                        names.join(", ")
                    }
                ),
            );
            e.allowed = names;
            e
        }
        Refusal::Forbidden { reason } => Error::forbidden(reason),
        Refusal::Incomplete { field, reason } => Error::invalid(field, reason),
    }
}

/// The original a duplicate should point at: follows `duplicate_of` to the root, asking the
/// state machine at every link.
fn duplicate_root(conn: &mut Conn, report: &Report, target_id: i64) -> Result<i64> {
    let mut id = target_id;
    for _ in 0..32 {
        workflow::check_duplicate_target(report.id, id)
            .map_err(|r| refusal_error(r, report.state))?;
        let target = find_referenced(conn, id, "duplicate_of")?;
        match (target.resolution, target.duplicate_of) {
            (Some(Resolution::Duplicate), Some(next)) => id = next,
            _ => return Ok(id),
        }
    }
    Err(Error::invalid(
        "duplicate_of",
        "the duplicate chain is too long",
    ))
}

/// Applies one workflow move for `actor`, with its event and the reporters' emails.
pub fn transition(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    id: i64,
    input: &TransitionInput,
) -> Result<Report> {
    let to_name = required(&input.to, "to")?;
    let to = State::parse(&to_name).ok_or_else(|| {
        Error::invalid(
            "to",
            format!("`{to_name}` is not a state: new, triaged, investigating or resolved"),
        )
    })?;
    let resolution = match optional_text(&input.resolution, "resolution", usize::MAX)? {
        None => None,
        Some(r) => Some(Resolution::parse(&r).ok_or_else(|| {
            Error::invalid(
                "resolution",
                format!(
                    "`{r}` is not a resolution: corrected, clarified, no_error, duplicate or spam"
                ),
            )
        })?),
    };
    let note = optional_text(&input.note, "note", COMMENT_MAX)?;
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        let from = report.state;
        let has_note = notes::has_live_note(conn, report.id)?;
        let mv = Move {
            to,
            resolution,
            duplicate_of: input.duplicate_of,
        };
        workflow::check(from, mv, actor.role, has_note).map_err(|r| refusal_error(r, from))?;
        // The state machine allowed `duplicate_of` only with a duplicate resolution.
        let duplicate_of = match mv.duplicate_of {
            Some(target) => Some(duplicate_root(conn, &report, target)?),
            None => None,
        };
        if let Some(root) = duplicate_of {
            // Reports that followed this one now follow its original, so their readers still
            // hear when the original is resolved; each move is recorded.
            let followers: Vec<(i64, i64)> = reports::table
                .filter(reports::duplicate_of.eq(report.id))
                .select((reports::id, reports::article_id))
                .load(conn)?;
            for (follower, article_id) in followers {
                diesel::update(reports::table.find(follower))
                    .set((
                        reports::duplicate_of.eq(root),
                        reports::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                events::record(
                    conn,
                    NewEvent {
                        kind: "duplicate_of",
                        report_id: Some(follower),
                        article_id: Some(article_id),
                        actor: Some(actor.id),
                        from: Some(report.id.to_string()),
                        to: Some(root.to_string()),
                        body: Some(format!(
                            "{} became a duplicate of report {root}",
                            report.reference
                        )),
                        ..Default::default()
                    },
                )?;
            }
        }
        apply(
            conn,
            site,
            actor,
            &report,
            Move { duplicate_of, ..mv },
            note.clone(),
            None,
        )
    })
}

/// Writes a move that the state machine has allowed: the row, the event, and the emails. Also used
/// by publishing, which resolves reports with the note it creates.
pub(crate) fn apply(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    report: &Report,
    mv: Move,
    note_text: Option<String>,
    published: Option<(i64, &mail::NoteMail<'_>)>,
) -> Result<Report> {
    let Move {
        to,
        resolution,
        duplicate_of,
    } = mv;
    let t = now();
    let resolved = !to.is_open();
    let updated: Report = diesel::update(reports::table.find(report.id))
        .set((
            reports::state.eq(to),
            reports::resolution.eq(resolution),
            reports::duplicate_of.eq(duplicate_of),
            reports::resolved_at.eq(if resolved { Some(t) } else { None }),
            reports::updated_at.eq(t),
        ))
        .returning(db::columns_of::<Report>())
        .get_result(conn)?;
    let to_value = match resolution {
        Some(r) => format!("{}:{}", to.as_str(), r.as_str()),
        None => to.as_str().to_owned(),
    };
    events::record(
        conn,
        NewEvent {
            kind: "transition",
            report_id: Some(report.id),
            note_id: published.map(|p| p.0),
            article_id: Some(report.article_id),
            actor: Some(actor.id),
            from: Some(report.state.as_str().into()),
            to: Some(to_value),
            body: note_text,
            ..Default::default()
        },
    )?;
    if resolved {
        crate::webhooks::report_resolved(conn, site, report.id, published.map(|p| p.0))?;
    }
    mail::editors::report_moved(conn, site, actor, report.id, report.state, to)?;
    if let Some(resolution) = resolution.filter(|r| r.notifies_reporter()) {
        notify_resolution(conn, site, &updated, resolution, published)?;
    }
    Ok(updated)
}

/// Emails the reporter of a resolved report and, unless it was itself a duplicate, the reporters
/// who follow it as duplicates.
fn notify_resolution(
    conn: &mut Conn,
    site: &Site,
    report: &Report,
    resolution: Resolution,
    published: Option<(i64, &mail::NoteMail<'_>)>,
) -> Result<()> {
    let article = articles::find(conn, report.article_id)?
        .ok_or_else(|| Error::internal(format!("article {} missing", report.article_id)))?;
    let original_ref = match report.duplicate_of {
        Some(id) => Some(find(conn, id)?.reference),
        None => None,
    };
    let mut recipients = vec![report.clone()];
    if resolution != Resolution::Duplicate {
        let followers: Vec<Report> = reports::table
            .filter(reports::duplicate_of.eq(report.id))
            .filter(reports::resolution.eq(Resolution::Duplicate))
            .select(Report::as_select())
            .load(conn)?;
        recipients.extend(followers);
    }
    // The note's kind names it in the reader's words ("the published clarification").
    let note_kind: Option<String> = match published {
        Some((note_id, _)) => Some(
            correction_notes::table
                .find(note_id)
                .select(correction_notes::kind)
                .first(conn)?,
        ),
        None => None,
    };
    let note = published
        .zip(note_kind.as_deref())
        .map(|((id, mail), kind)| mail::ResolvingNote { id, kind, mail });
    let outcome = mail::Outcome {
        resolution,
        duplicate_of: original_ref.as_deref(),
    };
    for r in &recipients {
        // Only a confirmed address that has not unsubscribed hears more than the receipt.
        let subscription = mail::readers::of_report(conn, r.id)?;
        let Some((to, reader)) = subscription.later_mail_to() else {
            continue;
        };
        let email = mail::report_resolved(
            site,
            to,
            r.id,
            &mail_view(conn, r, &article, site)?,
            reader,
            outcome,
            note,
        )?;
        mail::enqueue(conn, site, email)?;
    }
    Ok(())
}
