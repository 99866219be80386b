//! A reader's say over the mail about their report. The receipt goes to the address they gave
//! (with their consent); anything later only once they have confirmed it from that receipt, and
//! nothing after they unsubscribed. Both are reached by the secret that only their mail carries
//! (`mail_token`), never by the status link, which the filer sees whether or not the address is
//! theirs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::OutboxState;
use super::Reader;
use crate::db::schema::{outbox, reports};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, NewEvent};
use crate::time::now;

/// What decides whether and how a report's reader is written to.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct Subscription {
    pub id: i64,
    pub reference: String,
    pub article_id: i64,
    pub reporter_email: Option<String>,
    pub notify: bool,
    pub lang: String,
    pub mail_token: Option<String>,
    pub email_confirmed_at: Option<NaiveDateTime>,
    pub unsubscribed_at: Option<NaiveDateTime>,
}

impl Subscription {
    /// The address and the reader's mail settings, when the reader asked for mail and has not
    /// unsubscribed since.
    fn reader(&self) -> Option<(&str, Reader<'_>)> {
        let to = self.reporter_email.as_deref().filter(|_| self.notify)?;
        let mail_token = self.mail_token.as_deref()?;
        if self.unsubscribed_at.is_some() {
            return None;
        }
        Some((
            to,
            Reader {
                lang: &self.lang,
                mail_token,
            },
        ))
    }

    /// Where the receipt goes: the one message an address nobody confirmed is sent.
    pub fn receipt_to(&self) -> Option<(&str, Reader<'_>)> {
        self.reader()
    }

    /// Where any later mail about the report goes: only to a confirmed address.
    pub fn later_mail_to(&self) -> Option<(&str, Reader<'_>)> {
        self.reader().filter(|_| self.email_confirmed_at.is_some())
    }

    pub fn is_confirmed(&self) -> bool {
        self.email_confirmed_at.is_some()
    }

    pub fn is_unsubscribed(&self) -> bool {
        self.unsubscribed_at.is_some()
    }
}

pub fn of_report(conn: &mut Conn, report_id: i64) -> Result<Subscription> {
    reports::table
        .find(report_id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            Error::not_found(
                Code::ReportNotFound,
                format!("there is no report {report_id}"),
            )
        })
}

/// The report a mail link's secret belongs to.
pub fn by_token(conn: &mut Conn, mail_token: &str) -> Result<Subscription> {
    reports::table
        .filter(reports::mail_token.eq(mail_token))
        .select(Subscription::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found(Code::LinkNotValid, "this link does not match any report"))
}

fn record(conn: &mut Conn, s: &Subscription, kind: &str) -> Result<()> {
    events::record(
        conn,
        NewEvent {
            kind,
            report_id: Some(s.id),
            article_id: Some(s.article_id),
            actor_label: Some("reader"),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Confirms the reader's address (the button behind the receipt's link). Confirming again changes
/// nothing.
pub fn confirm(conn: &mut Conn, mail_token: &str) -> Result<Subscription> {
    db::write(conn, |conn| {
        let s = by_token(conn, mail_token)?;
        if s.is_confirmed() {
            return Ok(s);
        }
        let t = now();
        diesel::update(reports::table.find(s.id))
            .set(reports::email_confirmed_at.eq(t))
            .execute(conn)?;
        record(conn, &s, "reader_confirmed")?;
        Ok(Subscription {
            email_confirmed_at: Some(t),
            ..s
        })
    })
}

/// Stops all further mail about the report (RFC 8058's one click): later mail is not queued, and
/// what is queued for the reader is discarded (one being sent right now stays discarded unless
/// that attempt succeeds; see `outbox::record_attempt`). Unsubscribing again
/// changes nothing.
pub fn unsubscribe(conn: &mut Conn, mail_token: &str) -> Result<Subscription> {
    db::write(conn, |conn| {
        let s = by_token(conn, mail_token)?;
        if s.is_unsubscribed() {
            return Ok(s);
        }
        let t = now();
        diesel::update(reports::table.find(s.id))
            .set(reports::unsubscribed_at.eq(t))
            .execute(conn)?;
        if let Some(address) = &s.reporter_email {
            diesel::update(
                outbox::table
                    .filter(outbox::report_id.eq(s.id))
                    .filter(outbox::recipient.eq(address))
                    .filter(outbox::state.eq_any([OutboxState::Queued, OutboxState::Sending])),
            )
            .set(outbox::state.eq(OutboxState::Discarded))
            .execute(conn)?;
        }
        record(conn, &s, "reader_unsubscribed")?;
        Ok(Subscription {
            unsubscribed_at: Some(t),
            ..s
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription() -> Subscription {
        Subscription {
            id: 1,
            reference: "ERR-2026-000001".into(),
            article_id: 1,
            reporter_email: Some("ada@example.org".into()),
            notify: true,
            lang: "es".into(),
            mail_token: Some("secret".into()),
            email_confirmed_at: None,
            unsubscribed_at: None,
        }
    }

    #[test]
    fn an_unconfirmed_address_gets_the_receipt_and_nothing_later() {
        let s = subscription();
        let (to, reader) = s.receipt_to().expect("the receipt goes");
        assert_eq!(
            (to, reader.lang, reader.mail_token),
            ("ada@example.org", "es", "secret")
        );
        assert!(s.later_mail_to().is_none());
    }

    #[test]
    fn a_confirmed_address_gets_later_mail_until_it_unsubscribes() {
        let t = now();
        let confirmed = Subscription {
            email_confirmed_at: Some(t),
            ..subscription()
        };
        assert!(confirmed.later_mail_to().is_some());
        let gone = Subscription {
            unsubscribed_at: Some(t),
            ..confirmed
        };
        assert!(gone.later_mail_to().is_none());
        assert!(gone.receipt_to().is_none());
    }

    #[test]
    fn no_consent_or_no_address_means_no_mail() {
        let t = Some(now());
        let silent = Subscription {
            notify: false,
            email_confirmed_at: t,
            ..subscription()
        };
        assert!(silent.receipt_to().is_none() && silent.later_mail_to().is_none());
        let anonymous = Subscription {
            reporter_email: None,
            email_confirmed_at: t,
            ..subscription()
        };
        assert!(anonymous.receipt_to().is_none() && anonymous.later_mail_to().is_none());
    }
}
