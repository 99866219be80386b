//! Signed-in sessions for the dashboard, and the throttle on failed sign-ins. The browser holds a
//! random secret (in a private cookie); only its sha256 is stored, with the session's CSRF token,
//! so a session can be ended from the server (sign-out, deactivation, a password change).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{find_user, find_user_by_email, verify_password, User};
use crate::db::schema::{sessions, signin_failures, users};
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::events::{self, NewEvent};
use crate::secrets::{random_secret, same_secret, sha256_hex};
use crate::time::now;

/// A session ends after this long without a request…
pub const IDLE: Duration = Duration::hours(8);
/// …and this long after sign-in, however busy.
pub const ABSOLUTE: Duration = Duration::days(7);
/// `last_seen_at` is written at most this often, so reading a page is not a write each time.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Failed sign-ins counted over this window…
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// …refuse further tries for one account past this many…
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// …and from one address past this many (it may try several accounts).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Session {
    /// Whether the session has lapsed at `t`, idle or old.
    pub fn lapsed(&self, t: NaiveDateTime) -> bool {
        t >= self.expires_at || t - self.last_seen_at >= IDLE
    }

    /// Compares a form's or header's CSRF token with the session's, in constant time.
    pub fn csrf_matches(&self, given: &str) -> bool {
        same_secret(&self.csrf_token, given)
    }
}

/// Why a sign-in was refused. Wrong email and wrong password are one answer, so the form does not
/// tell which addresses have accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInRefusal {
    Wrong,
    Throttled { retry_after_s: i64 },
}

/// A failed-sign-in counter key for an account.
fn account_key(email: &str) -> String {
    format!("account:{}", sha256_hex(&email.trim().to_lowercase()))
}

/// A failed-sign-in counter key for a sender's hashed address.
fn address_key(ip_hash: &str) -> String {
    format!("address:{ip_hash}")
}

/// Seconds until the oldest counted failure of `key` leaves the window, when `key` is over `max`.
fn throttled(conn: &mut Conn, key: &str, max: i64, t: NaiveDateTime) -> Result<Option<i64>> {
    let since = t - THROTTLE_WINDOW;
    let recent: Vec<NaiveDateTime> = signin_failures::table
        .filter(signin_failures::key.eq(key))
        .filter(signin_failures::created_at.gt(since))
        .order(signin_failures::created_at.desc())
        .select(signin_failures::created_at)
        .limit(max)
        .load(conn)?;
    if (recent.len() as i64) < max {
        return Ok(None);
    }
    let oldest_counted = recent.last().copied().unwrap_or(t);
    Ok(Some(
        (oldest_counted + THROTTLE_WINDOW - t).num_seconds().max(1),
    ))
}

/// Checks `email` and `password`, counting failures per account and per sender address. On
/// success, starts a session and returns its secret (for the cookie) with the session.
pub fn sign_in(
    conn: &mut Conn,
    email: &str,
    password: &str,
    ip_hash: Option<&str>,
) -> Result<std::result::Result<(String, Session, User), SignInRefusal>> {
    let t = now();
    let keys: Vec<(String, i64)> = std::iter::once((account_key(email), MAX_FAILURES_PER_ACCOUNT))
        .chain(ip_hash.map(|h| (address_key(h), MAX_FAILURES_PER_ADDRESS)))
        .collect();
    for (key, max) in &keys {
        if let Some(retry_after_s) = throttled(conn, key, *max, t)? {
            return Ok(Err(SignInRefusal::Throttled { retry_after_s }));
        }
    }
    let user = find_user_by_email(conn, email)?;
    // Verify even without a user, against a fixed hash, so timing does not tell accounts apart.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| UNKNOWN_USER_HASH.to_owned());
    let ok = verify_password(password, &hash);
    match user.filter(|u| ok && u.active) {
        Some(user) => {
            let (secret, session) = start(conn, &user)?;
            Ok(Ok((secret, session, user)))
        }
        None => {
            db::write(conn, |conn| {
                diesel::delete(
                    signin_failures::table
                        .filter(signin_failures::created_at.lt(t - THROTTLE_WINDOW)),
                )
                .execute(conn)?;
                for (key, _) in &keys {
                    diesel::insert_into(signin_failures::table)
                        .values((
                            signin_failures::key.eq(key),
                            signin_failures::created_at.eq(t),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            })?;
            Ok(Err(SignInRefusal::Wrong))
        }
    }
}

/// An argon2id hash of a random password no one knows, for timing-equal refusals.
const UNKNOWN_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5Zx0V3DZl8wP6a7Qx9a0qXgqUH1j1YQwV1aJ3sT8m2Q";

/// Starts a session for `user` and records the sign-in.
pub fn start(conn: &mut Conn, user: &User) -> Result<(String, Session)> {
    let secret = random_secret(32);
    let t = now();
    db::write(conn, |conn| {
        // Only the failures of this account are forgiven: the address's stay counted.
        diesel::delete(
            signin_failures::table.filter(signin_failures::key.eq(account_key(&user.email))),
        )
        .execute(conn)?;
        let session: Session = diesel::insert_into(sessions::table)
            .values((
                sessions::token_hash.eq(sha256_hex(&secret)),
                sessions::user_id.eq(user.id),
                sessions::csrf_token.eq(random_secret(24)),
                sessions::created_at.eq(t),
                sessions::last_seen_at.eq(t),
                sessions::expires_at.eq(t + ABSOLUTE),
            ))
            .returning(db::columns_of::<Session>())
            .get_result(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "signed_in",
                actor: Some(user.id),
                user_id: Some(user.id),
                ..Default::default()
            },
        )?;
        Ok((secret, session))
    })
}

/// The live session and its active user for a cookie's secret; `None` when unknown, lapsed or the
/// user is deactivated. Marks the session as seen.
pub fn resume(conn: &mut Conn, secret: &str) -> Result<Option<(Session, User)>> {
    let found: Option<(Session, bool)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(sha256_hex(secret)))
        .select((Session::as_select(), users::active))
        .first(conn)
        .optional()?;
    let Some((mut session, active)) = found else {
        return Ok(None);
    };
    let t = now();
    if !active || session.lapsed(t) {
        diesel::delete(sessions::table.find(session.id)).execute(conn)?;
        return Ok(None);
    }
    if t - session.last_seen_at >= TOUCH_EVERY {
        diesel::update(sessions::table.find(session.id))
            .set(sessions::last_seen_at.eq(t))
            .execute(conn)?;
        session.last_seen_at = t;
    }
    let user = find_user(conn, session.user_id)?
        .ok_or_else(|| Error::internal(format!("session {} without user", session.id)))?;
    Ok(Some((session, user)))
}

/// Ends one session (sign-out).
pub fn end(conn: &mut Conn, session: &Session) -> Result<()> {
    diesel::delete(sessions::table.find(session.id)).execute(conn)?;
    Ok(())
}

/// Changes a signed-in user's own password: the current one is asked again, and every other
/// session of the user ends.
pub fn change_password(
    conn: &mut Conn,
    user: &User,
    keep: &Session,
    current: &str,
    new: &str,
) -> Result<()> {
    if !verify_password(current, &user.password_hash) {
        return Err(Error::invalid(
            "current_password",
            "the current password is not right",
        ));
    }
    if current == new {
        return Err(Error::invalid(
            "new_password",
            "the new password must differ from the current one",
        ));
    }
    db::write(conn, |conn| {
        super::set_password(
            conn,
            &user.email,
            new,
            events::ActedBy {
                user_id: Some(user.id),
                label: None,
            },
        )?;
        diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(user.id))
                .filter(sessions::id.ne(keep.id)),
        )
        .execute(conn)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(created: NaiveDateTime, seen: NaiveDateTime) -> Session {
        Session {
            id: 1,
            token_hash: String::new(),
            user_id: 1,
            csrf_token: "abcdef".into(),
            created_at: created,
            last_seen_at: seen,
            expires_at: created + ABSOLUTE,
        }
    }

    #[test]
    fn a_session_lapses_when_idle_or_old() {
        let t0 = now();
        let s = session(t0, t0);
        assert!(!s.lapsed(t0 + Duration::hours(1)));
        assert!(s.lapsed(t0 + IDLE));
        let busy = session(t0, t0 + ABSOLUTE - Duration::minutes(1));
        assert!(!busy.lapsed(t0 + ABSOLUTE - Duration::seconds(30)));
        assert!(busy.lapsed(t0 + ABSOLUTE));
    }

    #[test]
    fn the_csrf_token_must_match_whole() {
        let s = session(now(), now());
        assert!(s.csrf_matches("abcdef"));
        assert!(!s.csrf_matches("abcdeg"));
        assert!(!s.csrf_matches("abcde"));
        assert!(!s.csrf_matches(""));
    }

    #[test]
    fn the_unknown_user_hash_parses_and_matches_nothing_easy() {
        assert!(argon2::PasswordHash::new(UNKNOWN_USER_HASH).is_ok());
        assert!(!verify_password("", UNKNOWN_USER_HASH));
        assert!(!verify_password("password1234", UNKNOWN_USER_HASH));
    }
}
