//! A publication's settings as an admin edits them: name, the origins whose pages may file
//! reports, the target time for answering a report, the contact address and the corrections
//! policy. The publication's own origin always stays allowed.

use diesel::prelude::*;
use serde::{Deserialize, Deserializer};

use super::{origin_of, Publication};
use crate::db::schema::{publication_origins, publications};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, ActedBy, NewEvent};

/// The longest target time an admin may set: thirty days.
pub const TARGET_HOURS_MAX: i64 = 720;

#[derive(Debug, Clone, Default)]
pub struct PublicationSettings {
    pub name: String,
    /// Extra origins, one per entry; the publication's own is added whatever is given.
    pub origins: Vec<String>,
    pub target_hours: i64,
    pub contact_email: Option<String>,
    pub policy_url: Option<String>,
}

struct Checked {
    name: String,
    origins: Vec<String>,
    target_hours: i64,
    contact_email: Option<String>,
    policy_url: Option<String>,
}

fn check(s: &PublicationSettings, base_url: &str) -> Result<Checked> {
    let name = s.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid(
            "name",
            "a publication name of 1 to 200 characters is required",
        ));
    }
    if !(1..=TARGET_HOURS_MAX).contains(&s.target_hours) {
        return Err(Error::invalid(
            "target_hours",
            format!("the target time is a whole number of hours from 1 to {TARGET_HOURS_MAX}"),
        ));
    }
    let mut origins = vec![origin_of(base_url).unwrap_or_default()];
    for o in s.origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        let origin = origin_of(o).ok_or_else(|| {
            Error::invalid(
                "origins",
                format!("`{o}` is not an origin such as https://www.example.com"),
            )
        })?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    let contact_email = match s.contact_email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => {
            Some(crate::accounts::normalise_email(e).map_err(|e| e.with_field("contact_email"))?)
        }
    };
    let policy_url = match s.policy_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => match url::Url::parse(u) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && u.len() <= 2000 => {
                Some(parsed.to_string())
            }
            _ => {
                return Err(Error::invalid(
                    "policy_url",
                    format!("`{u}` is not an http or https link"),
                ))
            }
        },
    };
    Ok(Checked {
        name: name.to_owned(),
        origins,
        target_hours: s.target_hours,
        contact_email,
        policy_url,
    })
}

/// A partial change (`PUT /api/v1/publications/{id}`, `errata publication edit`): a field not
/// sent is kept; `null` or `""` clears the contact address or the policy link.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationPatch {
    pub name: Option<String>,
    pub origins: Option<Vec<String>>,
    pub target_hours: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub policy_url: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Applies `patch` over publication `id`'s current settings and saves them through
/// `update_publication`, so the same rules and the same event apply as in the dashboard.
pub fn patch_publication(
    conn: &mut Conn,
    id: i64,
    patch: &PublicationPatch,
    by: ActedBy<'_>,
) -> Result<Publication> {
    db::write(conn, |conn| {
        let current = require_publication(conn, id)?;
        let origins = match &patch.origins {
            Some(o) => o.clone(),
            None => publication_origins::table
                .filter(publication_origins::publication_id.eq(id))
                .select(publication_origins::origin)
                .load(conn)?,
        };
        let settings = PublicationSettings {
            name: patch.name.clone().unwrap_or(current.name),
            origins,
            target_hours: patch.target_hours.unwrap_or(current.target_hours),
            contact_email: patch.contact_email.clone().unwrap_or(current.contact_email),
            policy_url: patch.policy_url.clone().unwrap_or(current.policy_url),
        };
        update_publication(conn, id, &settings, by)
    })
}

fn require_publication(conn: &mut Conn, id: i64) -> Result<Publication> {
    publications::table
        .find(id)
        .select(Publication::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            Error::not_found(
                Code::PublicationNotFound,
                format!("there is no publication {id}"),
            )
        })
}

/// Saves `settings` for publication `id`, with an event saying who changed it.
pub fn update_publication(
    conn: &mut Conn,
    id: i64,
    settings: &PublicationSettings,
    by: ActedBy<'_>,
) -> Result<Publication> {
    db::write(conn, |conn| {
        let current = require_publication(conn, id)?;
        let c = check(settings, &current.base_url)?;
        let saved: Publication = diesel::update(publications::table.find(id))
            .set((
                publications::name.eq(&c.name),
                publications::target_hours.eq(c.target_hours),
                publications::contact_email.eq(&c.contact_email),
                publications::policy_url.eq(&c.policy_url),
            ))
            .returning(db::columns_of::<Publication>())
            .get_result(conn)?;
        diesel::delete(
            publication_origins::table.filter(publication_origins::publication_id.eq(id)),
        )
        .execute(conn)?;
        for origin in &c.origins {
            diesel::insert_into(publication_origins::table)
                .values((
                    publication_origins::publication_id.eq(id),
                    publication_origins::origin.eq(origin),
                ))
                .execute(conn)?;
        }
        events::record(
            conn,
            NewEvent {
                kind: "publication_changed",
                actor: by.user_id,
                actor_label: by.label,
                body: Some(format!("{} ({} h target)", c.name, c.target_hours)),
                ..Default::default()
            },
        )?;
        Ok(saved)
    })
}
