//! Publications (the sites whose articles Errata tracks): registering one, its allowed origins
//! for cross-site report filing, and which publication an article URL belongs to.

use super::*;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = publications)]
pub struct Publication {
    pub id: i64,
    pub name: String,
    pub base_url: String,
    pub host: String,
    pub contact_email: Option<String>,
    pub policy_url: Option<String>,
    pub created_at: NaiveDateTime,
    /// How many hours a report may wait before the dashboard shows it as overdue.
    pub target_hours: i64,
    /// The short name in its public addresses; every publication has one (the column is
    /// nullable only so that a row written by older code cannot collide on an empty slug).
    pub slug: Option<String>,
}

/// Registers a site; its own origin is always allowed to file reports, plus any in `origins`.
/// Its slug is made from the name.
pub fn create_publication(
    conn: &mut Conn,
    name: &str,
    base_url: &str,
    origins: &[String],
) -> Result<Publication> {
    create_publication_with_slug(conn, name, None, base_url, origins)
}

/// `create_publication`, with the slug an admin chose (refused when taken) or, for `None`, one
/// made from the name (numbered when taken).
pub fn create_publication_with_slug(
    conn: &mut Conn,
    name: &str,
    chosen_slug: Option<&str>,
    base_url: &str,
    origins: &[String],
) -> Result<Publication> {
    let chosen_slug = chosen_slug.map(slug::validate).transpose()?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid(
            "name",
            "a publication name of 1 to 200 characters is required",
        ));
    }
    let base = canonical_url(base_url).map_err(|m| Error::invalid("url", m))?;
    let host = url::Url::parse(&base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_lowercase))
        .unwrap_or_default();
    let mut all_origins = vec![origin_of(&base).unwrap_or_default()];
    for o in origins {
        let origin = origin_of(o)
            .ok_or_else(|| Error::invalid("origin", format!("`{o}` is not an origin")))?;
        if !all_origins.contains(&origin) {
            all_origins.push(origin);
        }
    }
    db::write(conn, |conn| {
        let exists: i64 = publications::table
            .filter(publications::base_url.eq(&base))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(Error::conflict(
                Code::PublicationExists,
                format!("{base} is already registered"),
            ));
        }
        let slug = match &chosen_slug {
            Some(s) if slug::taken(conn, s)? => {
                return Err(Error::conflict(
                    Code::PublicationExists,
                    format!("the slug `{s}` is another publication's"),
                )
                .with_field("slug"))
            }
            Some(s) => s.clone(),
            None => slug::free(conn, &slug::from_name(name))?,
        };
        let publication: Publication = diesel::insert_into(publications::table)
            .values((
                publications::slug.eq(&slug),
                publications::name.eq(name),
                publications::base_url.eq(&base),
                publications::host.eq(&host),
                publications::created_at.eq(now()),
            ))
            .returning(db::columns_of::<Publication>())
            .get_result(conn)?;
        for origin in &all_origins {
            diesel::insert_into(publication_origins::table)
                .values((
                    publication_origins::publication_id.eq(publication.id),
                    publication_origins::origin.eq(origin),
                ))
                .execute(conn)?;
        }
        Ok(publication)
    })
}

pub fn publication_by_slug(conn: &mut Conn, slug: &str) -> Result<Option<Publication>> {
    Ok(publications::table
        .filter(publications::slug.eq(slug))
        .select(Publication::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_publications(conn: &mut Conn) -> Result<Vec<(Publication, Vec<String>)>> {
    let pubs = publications::table
        .order(publications::id.asc())
        .select(Publication::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(pubs.len());
    for p in pubs {
        let origins = publication_origins::table
            .filter(publication_origins::publication_id.eq(p.id))
            .select(publication_origins::origin)
            .load(conn)?;
        out.push((p, origins));
    }
    Ok(out)
}

/// Whether any publication allows writes from this browser origin (for CORS).
pub fn origin_allowed(conn: &mut Conn, origin: &str) -> Result<bool> {
    let n: i64 = publication_origins::table
        .filter(publication_origins::origin.eq(origin))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether this publication lets pages on `origin` file reports about its articles.
pub fn publication_allows(conn: &mut Conn, publication_id: i64, origin: &str) -> Result<bool> {
    let n: i64 = publication_origins::table
        .filter(publication_origins::publication_id.eq(publication_id))
        .filter(publication_origins::origin.eq(origin))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether `url` lies under `base`, comparing whole path segments (`/news` is not under `/new`).
pub(super) fn under(url: &str, base: &str) -> bool {
    let base = base.trim_end_matches('/');
    url.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
}

/// The publication an article URL belongs to: the longest base URL that prefixes it, else one on
/// the same host; failing both, a publication is registered for the URL's site so a CMS can push
/// articles before an admin has named the site.
pub(super) fn publication_for(conn: &mut Conn, article_url: &str) -> Result<i64> {
    let parsed = url::Url::parse(article_url).map_err(|e| Error::invalid("url", e.to_string()))?;
    let host = parsed.host_str().unwrap_or_default().to_lowercase();
    let same_host: Vec<Publication> = publications::table
        .filter(publications::host.eq(&host))
        .select(Publication::as_select())
        .load(conn)?;
    let best = same_host
        .iter()
        .filter(|p| under(article_url, &p.base_url))
        .max_by_key(|p| p.base_url.len())
        .or_else(|| same_host.first());
    if let Some(p) = best {
        return Ok(p.id);
    }
    let origin = parsed.origin().ascii_serialization();
    let slug = slug::free(conn, &slug::from_name(&host))?;
    let id = diesel::insert_into(publications::table)
        .values((
            publications::slug.eq(&slug),
            publications::name.eq(&host),
            publications::base_url.eq(format!("{origin}/")),
            publications::host.eq(&host),
            publications::created_at.eq(now()),
        ))
        .returning(publications::id)
        .get_result(conn)?;
    diesel::insert_into(publication_origins::table)
        .values((
            publication_origins::publication_id.eq(id),
            publication_origins::origin.eq(origin),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn publication(conn: &mut Conn, id: i64) -> Result<Publication> {
    Ok(publications::table
        .find(id)
        .select(Publication::as_select())
        .first(conn)?)
}
