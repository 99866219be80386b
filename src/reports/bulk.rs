//! One action on many reports from the queue, in one transaction with an event per report: all
//! of them move, or none does.

use super::workflow::{Resolution, State};
use super::*;
use crate::accounts::User;
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::mail::Site;

/// What the desk does to every ticked report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Assign(Option<i64>),
    Triage,
    Spam,
    /// Each becomes a duplicate of this report (which itself is left as it is).
    DuplicatesOf(i64),
}

pub const BULK_MAX: usize = 200;

/// Applies `action` to every report in `ids`; returns how many were changed.
pub fn bulk(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    ids: &[i64],
    action: BulkAction,
) -> Result<usize> {
    if ids.len() > BULK_MAX {
        return Err(Error::invalid(
            "ids",
            format!("at most {BULK_MAX} reports at once"),
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    db::write(conn, |conn| {
        let mut changed = 0;
        for &id in &ids {
            let outcome = match action {
                BulkAction::Assign(user) => assign(conn, site, actor, id, user).map(|_| ()),
                BulkAction::Triage => move_to(conn, site, actor, id, State::Triaged, None, None),
                BulkAction::Spam => move_to(
                    conn,
                    site,
                    actor,
                    id,
                    State::Resolved,
                    Some(Resolution::Spam),
                    None,
                ),
                BulkAction::DuplicatesOf(original) if original == id => continue,
                BulkAction::DuplicatesOf(original) => move_to(
                    conn,
                    site,
                    actor,
                    id,
                    State::Resolved,
                    Some(Resolution::Duplicate),
                    Some(original),
                ),
            };
            outcome.map_err(|mut e| {
                let reference = find(conn, id)
                    .map(|r| r.reference)
                    .unwrap_or(id.to_string());
                e.message = format!("{reference}: {}", e.message);
                e
            })?;
            changed += 1;
        }
        Ok(changed)
    })
}

fn move_to(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    id: i64,
    to: State,
    resolution: Option<Resolution>,
    duplicate_of: Option<i64>,
) -> Result<()> {
    transition(
        conn,
        site,
        actor,
        id,
        &TransitionInput {
            to: Some(to.as_str().to_owned()),
            resolution: resolution.map(|r| r.as_str().to_owned()),
            duplicate_of,
            note: None,
        },
    )
    .map(|_| ())
}
