//! Bringing a colleague in (above accounts and mail, which it joins in one transaction): an admin invites them by email with a role, and a link lets them
//! choose their own password once before it expires. No admin ever knows (or types) their password.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::accounts::{
    check_password, create_user, hash_password, require_user_by_email, NewUser, Role, User,
};
use crate::db::schema::{password_tokens, sessions, users};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, ActedBy, NewEvent};
use crate::mail::{self, InviteMail, ResetMail, Site};
use crate::secrets::{random_secret, sha256_hex};
use crate::time::{now, readable};

/// How long a set-password link works.
pub const LINK_VALID: Duration = Duration::hours(72);

/// The page where an invited user chooses a password.
pub fn link(site: &Site, secret: &str) -> String {
    format!("{}/password/{secret}", site.base_url)
}

/// Invites `email` as `role`: the account (which cannot sign in until a password is chosen), a
/// set-password link and the email carrying it, in one transaction.
pub fn invite(
    conn: &mut Conn,
    site: &Site,
    inviter: &User,
    email: &str,
    name: &str,
    role: Role,
) -> Result<User> {
    db::write(conn, |conn| {
        // A password no one is told: the account exists but cannot sign in until its owner
        // chooses one through the link.
        let user = create_user(
            conn,
            NewUser {
                email,
                name,
                role,
                password: &random_secret(32),
            },
        )?;
        let (secret, expires) = new_link(conn, &user)?;
        let message = mail::invite(
            site,
            &InviteMail {
                name: &user.name,
                email: &user.email,
                role: role.as_str(),
                inviter: &inviter.name,
                link: link(site, &secret),
                signin: format!("{}/signin", site.base_url),
                expires: readable(expires),
            },
        )?;
        mail::enqueue(conn, site, message)?;
        events::record(
            conn,
            NewEvent {
                kind: "user_invited",
                actor: Some(inviter.id),
                user_id: Some(user.id),
                to: Some(role.as_str().to_owned()),
                ..Default::default()
            },
        )?;
        Ok(user)
    })
}

/// Emails an active user a link to choose a new password (for one who forgot theirs): it works
/// once, until it expires, and their current password keeps working until it is used.
pub fn send_reset_link(conn: &mut Conn, site: &Site, email: &str, by: ActedBy<'_>) -> Result<User> {
    db::write(conn, |conn| {
        let user = require_user_by_email(conn, email)?;
        if !user.active {
            return Err(Error::invalid(
                "email",
                format!("{} is deactivated; activate the account first", user.email),
            ));
        }
        let (secret, expires) = new_link(conn, &user)?;
        let message = mail::password_reset(
            site,
            &ResetMail {
                name: &user.name,
                email: &user.email,
                link: link(site, &secret),
                signin: format!("{}/signin", site.base_url),
                expires: readable(expires),
            },
        )?;
        mail::enqueue(conn, site, message)?;
        events::record(
            conn,
            NewEvent {
                kind: "password_link_sent",
                actor: by.user_id,
                actor_label: by.label,
                user_id: Some(user.id),
                ..Default::default()
            },
        )?;
        Ok(user)
    })
}

fn new_link(conn: &mut Conn, user: &User) -> Result<(String, NaiveDateTime)> {
    let secret = random_secret(32);
    let t = now();
    let expires = t + LINK_VALID;
    diesel::insert_into(password_tokens::table)
        .values((
            password_tokens::token_hash.eq(sha256_hex(&secret)),
            password_tokens::user_id.eq(user.id),
            password_tokens::created_at.eq(t),
            password_tokens::expires_at.eq(expires),
        ))
        .execute(conn)?;
    Ok((secret, expires))
}

/// The user a set-password link is for, while it is unused and unexpired.
pub fn user_for_link(conn: &mut Conn, secret: &str) -> Result<Option<User>> {
    Ok(password_tokens::table
        .inner_join(users::table)
        .filter(password_tokens::token_hash.eq(sha256_hex(secret)))
        .filter(password_tokens::used_at.is_null())
        .filter(password_tokens::expires_at.gt(now()))
        .filter(users::active.eq(true))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Sets the password through a link, which is then used up; any session the user had ends.
pub fn set_password_by_link(conn: &mut Conn, secret: &str, password: &str) -> Result<User> {
    check_password(password).map_err(|e| e.with_field("password"))?;
    let hash = hash_password(password)?;
    db::write(conn, |conn| {
        let user = user_for_link(conn, secret)?.ok_or_else(|| {
            Error::not_found(
                Code::LinkNotValid,
                "this link has expired or was already used; ask an admin for a new invitation",
            )
        })?;
        diesel::update(users::table.find(user.id))
            .set(users::password_hash.eq(&hash))
            .execute(conn)?;
        diesel::update(
            password_tokens::table.filter(password_tokens::token_hash.eq(sha256_hex(secret))),
        )
        .set(password_tokens::used_at.eq(now()))
        .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user.id))).execute(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "password_set",
                actor: Some(user.id),
                user_id: Some(user.id),
                ..Default::default()
            },
        )?;
        Ok(user)
    })
}
