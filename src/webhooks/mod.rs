//! Webhooks: a publication's CMS is told, by a signed HTTP POST, when one of its notes is
//! published, amended or retracted and when a report on its articles is resolved. The domain
//! change queues the delivery in its own transaction (`note_event`, `report_resolved`); a worker
//! sends it later with retries (`worker`), so nothing is lost and no request waits on a CMS.

pub mod address;
pub mod client;
pub mod deliveries;
pub mod worker;

use std::cell::Cell;
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::articles;
use crate::db::schema::{correction_notes, note_reports, reports, webhook_deliveries, webhooks};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, ActedBy, NewEvent};
use crate::mail::Site;
use crate::time::{now, rfc3339};
use crate::workflow::Resolution;

pub use deliveries::DeliveryState;

/// What a delivery tells the CMS of; sent as `event` and `X-Errata-Event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum WebhookEvent {
    #[serde(rename = "note.published")]
    NotePublished,
    #[serde(rename = "note.amended")]
    NoteAmended,
    #[serde(rename = "note.retracted")]
    NoteRetracted,
    #[serde(rename = "report.resolved")]
    ReportResolved,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 4] = [
        WebhookEvent::NotePublished,
        WebhookEvent::NoteAmended,
        WebhookEvent::NoteRetracted,
        WebhookEvent::ReportResolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::NotePublished => "note.published",
            WebhookEvent::NoteAmended => "note.amended",
            WebhookEvent::NoteRetracted => "note.retracted",
            WebhookEvent::ReportResolved => "report.resolved",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookEvent> {
        WebhookEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

crate::stored_as_text!(WebhookEvent, "webhook event");

/// A secret shorter than this would be guessable; longer than the max is a paste gone wrong.
pub const SECRET_MIN: usize = 16;
pub const SECRET_MAX: usize = 256;

/// `PUT /api/v1/publications/{id}/webhook`: where to send, and the secret that signs. A webhook
/// that exists keeps its secret when none is sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub secret: Option<String>,
}

/// A publication's webhook as an admin sees it: never the secret, only whether one is set.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookView {
    pub publication_id: i64,
    pub url: String,
    pub secret_set: bool,
    pub updated_at: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct WebhookRow {
    publication_id: i64,
    url: String,
    secret: String,
    updated_at: NaiveDateTime,
}

impl WebhookRow {
    fn view(&self) -> WebhookView {
        WebhookView {
            publication_id: self.publication_id,
            url: self.url.clone(),
            secret_set: !self.secret.is_empty(),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// A refusal for a publication that is not there, checked before anything else.
pub fn require_publication(conn: &mut Conn, id: i64) -> Result<()> {
    use crate::db::schema::publications;
    let found: Option<i64> = publications::table
        .find(id)
        .select(publications::id)
        .first(conn)
        .optional()?;
    found.map(|_| ()).ok_or_else(|| {
        Error::not_found(
            Code::PublicationNotFound,
            format!("there is no publication {id}"),
        )
    })
}

fn row(conn: &mut Conn, publication_id: i64) -> Result<Option<WebhookRow>> {
    Ok(webhooks::table
        .find(publication_id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?)
}

/// The publication's webhook, if it has one.
pub fn get(conn: &mut Conn, publication_id: i64) -> Result<Option<WebhookView>> {
    db::read(conn, |conn| {
        require_publication(conn, publication_id)?;
        Ok(row(conn, publication_id)?.map(|r| r.view()))
    })
}

fn valid_secret(raw: Option<&str>) -> Result<Option<String>> {
    let Some(secret) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let n = secret.chars().count();
    if !(SECRET_MIN..=SECRET_MAX).contains(&n) {
        return Err(Error::invalid(
            "secret",
            format!("the secret is {SECRET_MIN} to {SECRET_MAX} characters"),
        ));
    }
    Ok(Some(secret.to_owned()))
}

/// Sets (or replaces) publication `publication_id`'s webhook. The URL is checked here, a host
/// name resolved too, so that a private address is refused before anything is saved.
pub fn set(
    conn: &mut Conn,
    publication_id: i64,
    input: &WebhookInput,
    allow_private: bool,
    by: ActedBy<'_>,
) -> Result<WebhookView> {
    let target = address::parse(input.url.as_deref().unwrap_or(""), allow_private)?;
    let secret = valid_secret(input.secret.as_deref())?;
    if let address::Host::Name(name) = &target.host {
        // A name that does not resolve now may later: delivery checks again every time.
        let resolved = client::resolve_blocking(name, target.port);
        address::check_resolved(name, &resolved, allow_private)?;
    }
    let url = target.url.to_string();
    db::write(conn, |conn| {
        require_publication(conn, publication_id)?;
        let existing = row(conn, publication_id)?;
        let secret = match (secret, &existing) {
            (Some(s), _) => s,
            (None, Some(e)) => e.secret.clone(),
            (None, None) => {
                return Err(Error::invalid(
                    "secret",
                    "secret is required: the receiver checks each delivery's signature with it",
                ))
            }
        };
        let t = now();
        db::on_engine!(conn, |c| diesel::insert_into(webhooks::table)
            .values((
                webhooks::publication_id.eq(publication_id),
                webhooks::url.eq(&url),
                webhooks::secret.eq(&secret),
                webhooks::created_at.eq(t),
                webhooks::updated_at.eq(t),
            ))
            .on_conflict(webhooks::publication_id)
            .do_update()
            .set((
                webhooks::url.eq(&url),
                webhooks::secret.eq(&secret),
                webhooks::updated_at.eq(t),
            ))
            .execute(c))?;
        // The event names the URL, never the secret.
        events::record(
            conn,
            NewEvent {
                kind: "webhook_set",
                actor: by.user_id,
                actor_label: by.label,
                from: existing.map(|e| e.url),
                to: Some(url.clone()),
                body: Some(format!("publication {publication_id}")),
                ..Default::default()
            },
        )?;
        row(conn, publication_id)?
            .map(|r| r.view())
            .ok_or_else(|| Error::internal("the webhook just saved is missing"))
    })
}

/// Removes the publication's webhook. Deliveries already queued then fail, said so in their log.
pub fn remove(conn: &mut Conn, publication_id: i64, by: ActedBy<'_>) -> Result<()> {
    db::write(conn, |conn| {
        require_publication(conn, publication_id)?;
        let existing = row(conn, publication_id)?.ok_or_else(|| {
            Error::not_found(
                Code::WebhookNotFound,
                format!("publication {publication_id} has no webhook"),
            )
        })?;
        diesel::delete(webhooks::table.find(publication_id)).execute(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "webhook_removed",
                actor: by.user_id,
                actor_label: by.label,
                from: Some(existing.url),
                body: Some(format!("publication {publication_id}")),
                ..Default::default()
            },
        )?;
        Ok(())
    })
}

/// `X-Errata-Signature`: `sha256=` and the hex HMAC-SHA256 of `timestamp.body` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes a key of any length; this arm is never taken.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Builds the public JSON of a note (`GET /api/v1/corrections/{id}`) for a delivery's body.
pub type NoteJson = fn(&mut Conn, &Site, i64) -> Result<Value>;

static NOTE_JSON: OnceLock<NoteJson> = OnceLock::new();

/// Installs the note builder. The note's public JSON is made by `corrections`, which sits above
/// `reports`; both queue deliveries here, so this module is given the builder at start-up instead
/// of importing it (which would make the modules import each other).
pub fn install_note_json(f: NoteJson) {
    let _ = NOTE_JSON.set(f);
}

fn note_json(conn: &mut Conn, site: &Site, note_id: i64) -> Result<Value> {
    let f = NOTE_JSON
        .get()
        .ok_or_else(|| Error::internal("webhooks: the note builder was not installed"))?;
    f(conn, site, note_id)
}

thread_local! {
    /// Whether this thread queued a delivery since it last asked (`take_queued`).
    static QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a delivery was queued on this thread since the last call; clears the mark. The
/// application's `Db::run` hook asks after each unit of work and wakes the worker.
pub fn take_queued() -> bool {
    QUEUED.with(|q| q.replace(false))
}

fn enqueue(
    conn: &mut Conn,
    site: &Site,
    event: WebhookEvent,
    article_id: i64,
    note_id: Option<i64>,
    report: Option<Value>,
    report_id: Option<i64>,
) -> Result<()> {
    let article = articles::require(conn, article_id)?;
    if row(conn, article.publication_id)?.is_none() {
        return Ok(());
    }
    let t = now();
    let mut body = json!({
        "event": event.as_str(),
        "occurred_at": rfc3339(t),
        "article": { "id": article.id, "url": article.url, "title": article.title },
        "note": match note_id {
            Some(id) => note_json(conn, site, id)?,
            None => Value::Null,
        },
    });
    if let Some(report) = report {
        body["report"] = report;
    }
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::publication_id.eq(article.publication_id),
            webhook_deliveries::event.eq(event),
            webhook_deliveries::note_id.eq(note_id),
            webhook_deliveries::report_id.eq(report_id),
            webhook_deliveries::body.eq(body.to_string()),
            webhook_deliveries::state.eq(DeliveryState::Queued),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(t),
            webhook_deliveries::created_at.eq(t),
        ))
        .execute(conn)?;
    QUEUED.with(|q| q.set(true));
    Ok(())
}

/// Queues `event` about note `note_id` for its publication's webhook, if it has one. Call inside
/// the transaction of the change, after the change: the body shows the note as it now is.
pub fn note_event(conn: &mut Conn, site: &Site, event: WebhookEvent, note_id: i64) -> Result<()> {
    let article_id: i64 = correction_notes::table
        .find(note_id)
        .select(correction_notes::article_id)
        .first(conn)?;
    enqueue(conn, site, event, article_id, Some(note_id), None, None)
}

/// Queues `report.resolved` for report `report_id` (just resolved, in this transaction), with the
/// note that resolved it: `published`, or else the live note linked to it, if any.
pub fn report_resolved(
    conn: &mut Conn,
    site: &Site,
    report_id: i64,
    published: Option<i64>,
) -> Result<()> {
    let (article_id, reference, resolution): (i64, String, Option<Resolution>) = reports::table
        .find(report_id)
        .select((reports::article_id, reports::reference, reports::resolution))
        .first(conn)?;
    let note_id = match published {
        Some(id) => Some(id),
        None => correction_notes::table
            .inner_join(note_reports::table)
            .filter(note_reports::report_id.eq(report_id))
            .filter(crate::notes::live())
            .order(correction_notes::id.desc())
            .select(correction_notes::id)
            .first(conn)
            .optional()?,
    };
    let report = json!({
        "id": report_id,
        "reference": reference,
        "resolution": resolution.map(|r| r.as_str()),
    });
    enqueue(
        conn,
        site,
        WebhookEvent::ReportResolved,
        article_id,
        note_id,
        Some(report),
        Some(report_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip() {
        for e in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).ok(), Some(json!(e.as_str())));
        }
        assert_eq!(WebhookEvent::parse("note.deleted"), None);
    }

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // RFC 4231 test case 2 shape: key "Jefe", message as we build it.
        let sig = signature("Jefe", 1_700_000_000, "{\"a\":1}");
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), "sha256=".len() + 64);
        assert_eq!(sig, signature("Jefe", 1_700_000_000, "{\"a\":1}"));
        assert_ne!(sig, signature("Jefe", 1_700_000_001, "{\"a\":1}"));
        assert_ne!(sig, signature("jefe", 1_700_000_000, "{\"a\":1}"));
        // The same HMAC over the joined string.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"1700000000.{\"a\":1}");
        assert_eq!(
            sig,
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
    }

    #[test]
    fn secrets_have_a_length_range() {
        assert!(valid_secret(Some("short")).is_err());
        assert_eq!(valid_secret(Some("  ")).ok(), Some(None));
        assert!(valid_secret(Some(&"x".repeat(SECRET_MAX + 1))).is_err());
        assert_eq!(
            valid_secret(Some(" a-long-enough-secret ")).ok().flatten(),
            Some("a-long-enough-secret".to_owned())
        );
    }
}
