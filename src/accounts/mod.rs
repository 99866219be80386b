//! People and machines that act in Errata: users with a role, their argon2id passwords, and API
//! tokens with scopes. What each role may do is the table in `permissions`; which scope a token
//! of a role may hold follows from it.

pub mod permissions;

pub mod sessions;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

pub use permissions::Action;

use crate::db::schema::{api_tokens, users};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, ActedBy, NewEvent};
use crate::secrets::{random_secret, sha256_hex};
use crate::time::now;

/// A user's role; stored as its name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reviewer,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Reviewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether a token of a user with this role may carry `scope`: when the role may take some
    /// action the scope is for.
    pub fn may_hold(self, scope: Scope) -> bool {
        scope
            .actions()
            .iter()
            .any(|&action| permissions::allows(self, action))
    }

    /// The scopes a token of a user with this role may carry.
    pub fn allowed_scopes(self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|&s| self.may_hold(s))
            .collect()
    }
}

crate::stored_as_text!(Role, "role");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scope {
    #[serde(rename = "articles:write")]
    ArticlesWrite,
    #[serde(rename = "reports:read")]
    ReportsRead,
    #[serde(rename = "reports:write")]
    ReportsWrite,
    #[serde(rename = "corrections:write")]
    CorrectionsWrite,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::ArticlesWrite,
        Scope::ReportsRead,
        Scope::ReportsWrite,
        Scope::CorrectionsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ArticlesWrite => "articles:write",
            Scope::ReportsRead => "reports:read",
            Scope::ReportsWrite => "reports:write",
            Scope::CorrectionsWrite => "corrections:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What a token with this scope is used for.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Scope::ArticlesWrite => &[Action::RegisterArticles],
            Scope::ReportsRead => &[Action::ReadReports],
            Scope::ReportsWrite => &[
                Action::Triage,
                Action::Investigate,
                Action::Comment,
                Action::Assign,
                Action::Reattach,
                Action::MarkDuplicate,
                Action::Resolve,
                Action::Reopen,
            ],
            Scope::CorrectionsWrite => &[Action::Publish, Action::Amend, Action::Retract],
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn normalise_email(email: &str) -> Result<String> {
    let email = email.trim();
    email
        .parse::<lettre::Address>()
        .map_err(|_| Error::invalid("email", format!("`{email}` is not an email address")))?;
    Ok(email.to_lowercase())
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

pub fn check_password(password: &str) -> Result<()> {
    if password.chars().filter(|c| !c.is_whitespace()).count() < 12 {
        return Err(Error::invalid(
            "password",
            "a password needs at least 12 characters",
        ));
    }
    Ok(())
}

pub fn create_user(conn: &mut Conn, new: NewUser<'_>) -> Result<User> {
    let email = normalise_email(new.email)?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid(
            "name",
            "a name of 1 to 200 characters is required",
        ));
    }
    check_password(new.password)?;
    let hash = hash_password(new.password)?;
    db::write(conn, |conn| {
        let taken: i64 = users::table
            .filter(users::email.eq(&email))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(Error::conflict(
                Code::EmailTaken,
                format!("a user with {email} exists"),
            ));
        }
        Ok(diesel::insert_into(users::table)
            .values((
                users::email.eq(&email),
                users::name.eq(name),
                users::role.eq(new.role),
                users::password_hash.eq(&hash),
                users::active.eq(true),
                users::created_at.eq(now()),
            ))
            .returning(db::columns_of::<User>())
            .get_result(conn)?)
    })
}

pub fn list_users(conn: &mut Conn) -> Result<Vec<User>> {
    Ok(users::table
        .order(users::id.asc())
        .select(User::as_select())
        .load(conn)?)
}

pub fn find_user(conn: &mut Conn, id: i64) -> Result<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// `find_user` for an id named in a request: 404 when there is no such user.
pub fn require_user(conn: &mut Conn, id: i64) -> Result<User> {
    find_user(conn, id)?
        .ok_or_else(|| Error::not_found(Code::UserNotFound, format!("there is no user {id}")))
}

/// Whether `actor` may change `target`'s role or access from the dashboard: never their own, so
/// an admin cannot lock the newsroom (or themselves) out by a slip; the CLI remains for that.
pub fn may_change(actor: &User, target: &User) -> Result<()> {
    if actor.id == target.id {
        return Err(Error::forbidden(
            "you cannot change your own role or access; ask another admin",
        ));
    }
    Ok(())
}

pub fn find_user_by_email(conn: &mut Conn, email: &str) -> Result<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// An API token as stored: the secret itself is shown once and only its sha256 is kept.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl ApiToken {
    pub fn scopes(&self) -> Vec<Scope> {
        self.scopes
            .split_whitespace()
            .filter_map(Scope::parse)
            .collect()
    }
}

/// Creates a token for `user`; an empty `scopes` means every scope the role allows. Returns the
/// secret, which is not stored.
pub fn create_token(
    conn: &mut Conn,
    user: &User,
    name: &str,
    scopes: &[Scope],
) -> Result<(ApiToken, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "a token name of 1 to 100 characters is required",
        ));
    }
    let allowed = user.role.allowed_scopes();
    let scopes: Vec<Scope> = if scopes.is_empty() {
        allowed.to_vec()
    } else {
        scopes.to_vec()
    };
    if let Some(s) = scopes.iter().find(|s| !allowed.contains(s)) {
        return Err(Error::invalid(
            "scope",
            format!(
                "a {} may not hold the scope {}",
                user.role.as_str(),
                s.as_str()
            ),
        ));
    }
    let secret = format!("errata_{}", random_secret(32));
    let scope_text = scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let token = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user.id),
            api_tokens::name.eq(name),
            api_tokens::scopes.eq(scope_text),
            api_tokens::token_hash.eq(sha256_hex(&secret)),
            api_tokens::created_at.eq(now()),
        ))
        .returning(db::columns_of::<ApiToken>())
        .get_result(conn)?;
    Ok((token, secret))
}

/// The active user and live token behind a bearer secret: a revoked token, or any token of a
/// deactivated user, authenticates nobody.
pub fn authenticate_token(conn: &mut Conn, secret: &str) -> Result<Option<(User, ApiToken)>> {
    let found: Option<(ApiToken, User)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(sha256_hex(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .select((ApiToken::as_select(), User::as_select()))
        .first(conn)
        .optional()?;
    let Some((token, user)) = found else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    Ok(Some((user, token)))
}

impl ApiToken {
    /// Whether `last_used_at` is worth refreshing (at most once a minute per token).
    pub fn use_is_stale(&self) -> bool {
        self.last_used_at
            .is_none_or(|t| now() - t > chrono::Duration::minutes(1))
    }
}

/// Records that a token was used.
pub fn touch_token(conn: &mut Conn, token_id: i64) -> Result<()> {
    diesel::update(api_tokens::table.find(token_id))
        .set(api_tokens::last_used_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// The user with `email`, or a 404 naming it.
pub fn require_user_by_email(conn: &mut Conn, email: &str) -> Result<User> {
    find_user_by_email(conn, email)?.ok_or_else(|| {
        Error::not_found(
            Code::UserNotFound,
            format!("there is no user {}", email.trim()),
        )
    })
}

fn audit_user(
    conn: &mut Conn,
    by: ActedBy<'_>,
    user: &User,
    kind: &str,
    from: Option<String>,
    to: Option<String>,
) -> Result<()> {
    events::record(
        conn,
        NewEvent {
            kind,
            user_id: Some(user.id),
            actor: by.user_id,
            actor_label: by.label,
            from,
            to,
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Turns a user's access on or off. A deactivated user's tokens (and sessions) stop working on
/// the next request, since every authentication checks the flag. Returns whether it changed.
pub fn set_active(conn: &mut Conn, email: &str, active: bool, by: ActedBy<'_>) -> Result<bool> {
    db::write(conn, |conn| {
        let user = require_user_by_email(conn, email)?;
        if user.active == active {
            return Ok(false);
        }
        diesel::update(users::table.find(user.id))
            .set(users::active.eq(active))
            .execute(conn)?;
        let kind = if active {
            "user_activated"
        } else {
            "user_deactivated"
        };
        audit_user(conn, by, &user, kind, None, None)?;
        Ok(true)
    })
}

/// Gives a user another role. Their tokens keep their scopes on disk, but a token never outranks
/// its owner's current role (`Role::allowed_scopes` is checked on every request).
pub fn set_role(conn: &mut Conn, email: &str, role: Role, by: ActedBy<'_>) -> Result<User> {
    db::write(conn, |conn| {
        let user = require_user_by_email(conn, email)?;
        if user.role == role {
            return Ok(user);
        }
        diesel::update(users::table.find(user.id))
            .set(users::role.eq(role))
            .execute(conn)?;
        audit_user(
            conn,
            by,
            &user,
            "role_changed",
            Some(user.role.as_str().into()),
            Some(role.as_str().into()),
        )?;
        Ok(User { role, ..user })
    })
}

/// Sets a new password (the old one stops working at once).
pub fn set_password(conn: &mut Conn, email: &str, password: &str, by: ActedBy<'_>) -> Result<()> {
    check_password(password)?;
    let hash = hash_password(password)?;
    db::write(conn, |conn| {
        let user = require_user_by_email(conn, email)?;
        diesel::update(users::table.find(user.id))
            .set(users::password_hash.eq(&hash))
            .execute(conn)?;
        audit_user(conn, by, &user, "password_reset", None, None)
    })
}

/// Tokens with their owner's email, oldest first; optionally only one user's.
pub fn list_tokens(conn: &mut Conn, owner: Option<&str>) -> Result<Vec<(ApiToken, String)>> {
    let mut query = api_tokens::table
        .inner_join(users::table)
        .order(api_tokens::id.asc())
        .select((ApiToken::as_select(), users::email))
        .into_boxed();
    if let Some(email) = owner {
        let user = require_user_by_email(conn, email)?;
        query = query.filter(api_tokens::user_id.eq(user.id));
    }
    Ok(query.load(conn)?)
}

/// Revokes a token for good: the next request with it gets 401.
pub fn revoke_token(conn: &mut Conn, id: i64, by: ActedBy<'_>) -> Result<ApiToken> {
    db::write(conn, |conn| {
        let token: ApiToken = api_tokens::table
            .find(id)
            .select(ApiToken::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                Error::not_found(Code::TokenNotFound, format!("there is no token {id}"))
            })?;
        if token.revoked_at.is_some() {
            return Err(Error::conflict(
                Code::AlreadyRevoked,
                format!("token {id} is already revoked"),
            ));
        }
        let t = now();
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::revoked_at.eq(t))
            .execute(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "token_revoked",
                user_id: Some(token.user_id),
                token_id: Some(id),
                actor: by.user_id,
                actor_label: by.label,
                ..Default::default()
            },
        )?;
        Ok(ApiToken {
            revoked_at: Some(t),
            ..token
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewers_cannot_hold_publishing_scopes() {
        assert!(!Role::Reviewer
            .allowed_scopes()
            .contains(&Scope::CorrectionsWrite));
        assert!(!Role::Reviewer
            .allowed_scopes()
            .contains(&Scope::ArticlesWrite));
        assert!(Role::Editor
            .allowed_scopes()
            .contains(&Scope::CorrectionsWrite));
        assert_eq!(
            Role::Reviewer.allowed_scopes(),
            vec![Scope::ReportsRead, Scope::ReportsWrite]
        );
        assert_eq!(Role::Admin.allowed_scopes(), Scope::ALL.to_vec());
    }

    #[test]
    fn passwords_round_trip() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn scopes_parse_their_names() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("reports:delete"), None);
    }
}
