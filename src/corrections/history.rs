//! A published note's later life: amending it (every earlier text kept as a version, with the
//! reason it changed) and retracting it (kept, marked retracted with a reason). Nothing a reader
//! once saw is erased, and each change is an event in the change's own transaction.

use diesel::prelude::*;
use rocket::http::Status;
use serde::{Deserialize, Deserializer, Serialize};

use super::{markdown, trimmed, valid_passage, valid_placement, view, NoteView, BODY_MAX};
use super::{REASON_MAX, WRONG_RIGHT_MAX};
use crate::accounts::permissions::{self, Action};
use crate::accounts::User;
use crate::anchoring::{self, Placement, Subject};
use crate::articles;
use crate::db::schema::correction_notes;
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, NewEvent};
use crate::mail::Site;
use crate::notes::{self, Note, NotePlacement, NoteVersion};
use crate::reports::PassageInput;
use crate::text::AnchorMethod;
use crate::time::{now, rfc3339};
use crate::webhooks::{self, WebhookEvent};

/// `PUT /api/v1/corrections/{id}`: any of the note's texts, and why. An absent field is kept;
/// `null` clears `wrong`, `right` or `passage`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendInput {
    #[serde(default, deserialize_with = "present")]
    pub wrong: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub right: Option<Option<String>>,
    pub body_markdown: Option<String>,
    pub placement: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub passage: Option<Option<PassageInput>>,
    pub reason: Option<String>,
}

/// `POST /api/v1/corrections/{id}/retract`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetractInput {
    pub reason: Option<String>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn reason(raw: &Option<String>) -> Result<String> {
    trimmed(raw, "reason", REASON_MAX)?
        .ok_or_else(|| Error::invalid("reason", "reason is required: say why the note changes"))
}

/// A refusal for a note that is not there.
fn not_found(id: i64) -> Error {
    Error::not_found(
        Code::NoteNotFound,
        format!("there is no correction note {id}"),
    )
}

fn require_live(conn: &mut Conn, id: i64) -> Result<Note> {
    let note = super::find(conn, id)?.ok_or_else(|| not_found(id))?;
    if !note.is_live() {
        return Err(Error::conflict(
            Code::AlreadyRetracted,
            format!("correction note {id} was retracted already"),
        ));
    }
    Ok(note)
}

/// Amends a live note for `actor` (an editor or admin): the new text becomes the note's next
/// version, the one before stays readable in its history.
pub fn amend(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    id: i64,
    input: &AmendInput,
) -> Result<NoteView> {
    permissions::require(actor.role, Action::Amend)?;
    let reason = reason(&input.reason)?;
    let wrong = match &input.wrong {
        None => None,
        Some(w) => Some(trimmed(w, "wrong", WRONG_RIGHT_MAX)?),
    };
    let right = match &input.right {
        None => None,
        Some(r) => Some(trimmed(r, "right", WRONG_RIGHT_MAX)?),
    };
    let body = match &input.body_markdown {
        None => None,
        // Emptied, the note says its standard sentence (checked below, with wrong and right).
        Some(b) => Some(trimmed(&Some(b.clone()), "body_markdown", BODY_MAX)?.unwrap_or_default()),
    };
    let placement = valid_placement(&input.placement)?;
    let passage = match &input.passage {
        None => None,
        Some(None) => Some(None),
        Some(Some(p)) => Some(Some(valid_passage(p)?)),
    };
    if wrong.is_none()
        && right.is_none()
        && body.is_none()
        && placement.is_none()
        && passage.is_none()
    {
        return Err(Error::new(
            Status::UnprocessableEntity,
            Code::InvalidField,
            "an amendment changes at least one of wrong, right, body_markdown, placement, passage",
        ));
    }
    db::write(conn, |conn| {
        let note = require_live(conn, id)?;
        let article = articles::require(conn, note.article_id)?;
        let mut quote = (
            note.quote_exact.clone(),
            note.quote_prefix.clone(),
            note.quote_suffix.clone(),
            note.quote_start,
            note.quote_end,
        );
        let mut new_anchor = None;
        match &passage {
            None => {}
            Some(None) => quote = (None, None, None, None, None),
            Some(Some((exact, prefix, suffix))) => {
                let revision = articles::current_revision(conn, &article)?;
                let l = anchoring::locate(
                    &revision.canonical_text,
                    exact,
                    prefix.as_deref(),
                    suffix.as_deref(),
                    "passage.exact",
                )?;
                quote = (
                    Some(l.quote.exact.clone()),
                    Some(l.quote.prefix.clone()),
                    Some(l.quote.suffix.clone()),
                    Some(l.start as i64),
                    Some(l.end as i64),
                );
                let method = if l.exact_match {
                    AnchorMethod::Intake
                } else {
                    AnchorMethod::Fuzzy
                };
                new_anchor = Some((
                    revision.id,
                    Placement::anchored(method, l.score, l.start, l.end),
                ));
            }
        }
        let (body_markdown, body_html) = match &body {
            Some(b) => (b.clone(), markdown::render(b)),
            None => (note.body_markdown.clone(), note.body_html.clone()),
        };
        let keeps_sentence = wrong.clone().unwrap_or(note.wrong.clone()).is_some()
            || right.clone().unwrap_or(note.right_text.clone()).is_some();
        if body_markdown.is_empty() && !keeps_sentence {
            return Err(Error::invalid(
                "body_markdown",
                "body_markdown may not be empty unless the note keeps a wrong or right",
            ));
        }
        let t = now();
        let amended: Note = diesel::update(correction_notes::table.find(note.id))
            .set((
                correction_notes::wrong.eq(wrong.clone().unwrap_or(note.wrong.clone())),
                correction_notes::right_text.eq(right.clone().unwrap_or(note.right_text.clone())),
                correction_notes::body_markdown.eq(body_markdown),
                correction_notes::body_html.eq(body_html),
                correction_notes::placement.eq(placement.unwrap_or(note.placement)),
                correction_notes::quote_exact.eq(quote.0),
                correction_notes::quote_prefix.eq(quote.1),
                correction_notes::quote_suffix.eq(quote.2),
                correction_notes::quote_start.eq(quote.3),
                correction_notes::quote_end.eq(quote.4),
                correction_notes::version.eq(note.version + 1),
                correction_notes::amended_at.eq(Some(t)),
                correction_notes::updated_at.eq(t),
            ))
            .returning(db::columns_of::<Note>())
            .get_result(conn)?;
        notes::record_version(conn, &amended, Some(&reason))?;
        if let Some((revision_id, placed)) = &new_anchor {
            anchoring::insert(conn, Subject::Note(note.id), *revision_id, placed)?;
        }
        events::record(
            conn,
            NewEvent {
                kind: "amended",
                note_id: Some(note.id),
                article_id: Some(note.article_id),
                actor: Some(actor.id),
                from: Some(format!("version {}", note.version)),
                to: Some(format!("version {}", amended.version)),
                body: Some(reason.clone()),
                ..Default::default()
            },
        )?;
        articles::corrections_changed(conn, note.article_id)?;
        webhooks::note_event(conn, site, WebhookEvent::NoteAmended, note.id)?;
        view(conn, site, &amended)
    })
}

/// Retracts a live note for `actor` (an editor or admin): it stays, marked retracted with the
/// reason, and stops marking the article's words.
pub fn retract(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    id: i64,
    input: &RetractInput,
) -> Result<NoteView> {
    permissions::require(actor.role, Action::Retract)?;
    let reason = reason(&input.reason)?;
    db::write(conn, |conn| {
        let note = require_live(conn, id)?;
        let t = now();
        let retracted: Note = diesel::update(correction_notes::table.find(note.id))
            .set((
                correction_notes::retracted_at.eq(Some(t)),
                correction_notes::retraction_reason.eq(Some(&reason)),
                correction_notes::updated_at.eq(t),
            ))
            .returning(db::columns_of::<Note>())
            .get_result(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "retracted",
                note_id: Some(note.id),
                article_id: Some(note.article_id),
                actor: Some(actor.id),
                from: Some("live".into()),
                to: Some("retracted".into()),
                body: Some(reason.clone()),
                ..Default::default()
            },
        )?;
        on_resolved_reports(conn, &retracted, actor, &reason)?;
        articles::corrections_changed(conn, note.article_id)?;
        webhooks::note_event(conn, site, WebhookEvent::NoteRetracted, note.id)?;
        view(conn, site, &retracted)
    })
}

/// A report the retracted note resolved stays resolved (what the newsroom decided then stands;
/// an editor may reopen it), and its timeline says the note was retracted and why.
fn on_resolved_reports(conn: &mut Conn, note: &Note, actor: &User, reason: &str) -> Result<()> {
    use crate::db::schema::note_reports;
    let report_ids: Vec<i64> = note_reports::table
        .filter(note_reports::note_id.eq(note.id))
        .select(note_reports::report_id)
        .load(conn)?;
    for report_id in report_ids {
        events::record(
            conn,
            NewEvent {
                kind: "note_retracted",
                report_id: Some(report_id),
                note_id: Some(note.id),
                article_id: Some(note.article_id),
                actor: Some(actor.id),
                to: Some(format!("note {}", note.id)),
                body: Some(reason.to_owned()),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

/// One version of a note, as `GET /api/v1/corrections/{id}` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: i64,
    pub wrong: Option<String>,
    pub right: Option<String>,
    pub sentence: Option<String>,
    pub body_html: String,
    pub placement: NotePlacement,
    pub passage: Option<String>,
    /// When the amendment that made this version was made; `null` for the first.
    pub amended_at: Option<String>,
    pub reason: Option<String>,
}

impl From<&NoteVersion> for VersionView {
    fn from(v: &NoteVersion) -> VersionView {
        VersionView {
            version: v.version,
            wrong: v.wrong.clone(),
            right: v.right_text.clone(),
            sentence: notes::sentence(v.kind, v.wrong.as_deref(), v.right_text.as_deref()),
            body_html: v.body_html.clone(),
            placement: v.placement,
            passage: v.quote_exact.clone(),
            amended_at: v.reason.as_ref().map(|_| rfc3339(v.created_at)),
            reason: v.reason.clone(),
        }
    }
}

/// A note with its whole history: the public `GET /api/v1/corrections/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct NoteDetail {
    #[serde(flatten)]
    pub note: NoteView,
    pub versions: Vec<VersionView>,
}

pub fn detail(conn: &mut Conn, site: &Site, id: i64) -> Result<NoteDetail> {
    db::read(conn, |conn| {
        let note = super::find(conn, id)?.ok_or_else(|| not_found(id))?;
        let versions = notes::versions(conn, id)?;
        Ok(NoteDetail {
            note: view(conn, site, &note)?,
            versions: versions.iter().map(VersionView::from).collect(),
        })
    })
}
