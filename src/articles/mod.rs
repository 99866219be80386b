//! Publications, articles and their revisions. An article is known by its canonical URL; a new
//! revision is stored only when the canonical text changes, and then every open anchor on the
//! article is moved to it.

pub mod settings;
pub mod sites;
pub mod slug;

pub use settings::{patch_publication, update_publication, PublicationPatch, PublicationSettings};
use sites::publication_for;
pub use sites::*;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{articles, publication_origins, publications, revisions};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::secrets::sha256_hex;
use crate::text::{self, input};
use crate::time::now;

/// Query parameters that only track a click; they never name a different article.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "cmpid",
];

/// The one spelling of an article URL: http(s) only, lower-case scheme and host, no default port,
/// no fragment, no tracking parameters, no trailing slash on a non-root path.
pub fn canonical_url(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("a URL is required".into());
    }
    let mut url = url::Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{raw}` is not an http(s) URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("utm_") && !TRACKING_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = url.path().to_owned();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url.to_string())
}

/// `scheme://host[:port]` of a URL, as browsers send it in `Origin`.
pub fn origin_of(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    match url.origin() {
        url::Origin::Tuple(..) => Some(url.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: i64,
    pub publication_id: i64,
    pub url: String,
    pub title: String,
    pub published_at: Option<NaiveDateTime>,
    pub current_revision_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = revisions)]
pub struct Revision {
    pub id: i64,
    pub article_id: i64,
    pub number: i64,
    pub title: String,
    pub canonical_text: String,
    pub sha256: String,
    pub seen_at: NaiveDateTime,
}

/// A revision without its text, for listings.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = revisions)]
pub struct RevisionSummary {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub sha256: String,
    pub seen_at: NaiveDateTime,
}

/// The body of an article as the CMS sends it.
#[derive(Debug, Clone)]
pub enum Body {
    Text(String),
    Html(String),
}

impl Body {
    pub fn canonical(&self) -> String {
        match self {
            Body::Text(t) => text::canonical_from_text(t),
            Body::Html(h) => text::canonical_from_html(h),
        }
    }
}

/// An article as a CMS sends it (API or import file); every field optional here so a missing one
/// is reported by name.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRequest {
    pub url: Option<String>,
    pub title: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub published_at: Option<String>,
}

impl ArticleRequest {
    pub fn into_input(self) -> Result<ArticleInput> {
        let url = input::required(self.url.as_deref(), "url", 1, usize::MAX)?;
        let title = input::required(self.title.as_deref(), "title", 1, MAX_TITLE)?;
        let body = match (self.body_text, self.body_html) {
            (Some(t), None) => Body::Text(t),
            (None, Some(h)) => Body::Html(h),
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "body_text",
                    "send body_text or body_html, not both",
                ))
            }
            (None, None) => {
                return Err(Error::invalid(
                    "body_text",
                    "body_text or body_html is required",
                ))
            }
        };
        let published_at = match input::optional(self.published_at.as_deref(), "published_at", 100)?
        {
            None => None,
            Some(s) => Some(crate::time::parse(&s).ok_or_else(|| {
                Error::invalid(
                    "published_at",
                    format!("`{s}` is not an RFC 3339 date-time"),
                )
            })?),
        };
        Ok(ArticleInput {
            url,
            title,
            body,
            published_at,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ArticleInput {
    pub url: String,
    pub title: String,
    pub body: Body,
    pub published_at: Option<NaiveDateTime>,
}

pub const MAX_TITLE: usize = 500;

impl ArticleInput {
    /// Checks every field; returns the canonical URL, the title and the canonical text.
    pub fn validate(&self) -> Result<(String, String, String)> {
        let url = input::required(Some(&self.url), "url", 1, usize::MAX)?;
        let url = canonical_url(&url).map_err(|m| Error::invalid("url", m))?;
        let title = input::required(Some(&self.title), "title", 1, MAX_TITLE)?;
        let field = match self.body {
            Body::Text(_) => "body_text",
            Body::Html(_) => "body_html",
        };
        // Canonical text has already dropped control characters; a body of nothing else, or of
        // nothing a reader can see, is no article.
        let canonical = self.body.canonical();
        if input::visible_len(&canonical) == 0 {
            return Err(Error::invalid(field, "the article body has no text"));
        }
        Ok((url, title, canonical))
    }
}

/// An article as the public may see it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicArticle {
    pub url: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct Upserted {
    pub article: Article,
    pub revision: Revision,
    pub created: bool,
    pub changed: bool,
    /// The revision this one replaced, when the text changed on a known article.
    pub previous: Option<Revision>,
}

/// Creates or updates an article by canonical URL. A new revision is stored only when the
/// canonical text changed; `Upserted::previous` then names the revision it replaced. Passages are
/// not moved here: callers go through `anchoring::upsert_article`, which re-anchors them onto the
/// new revision in the same transaction.
pub fn upsert(conn: &mut Conn, input: &ArticleInput) -> Result<Upserted> {
    let (url, title, canonical) = input.validate()?;
    let sha = sha256_hex(&canonical);
    db::write(conn, |conn| {
        let t = now();
        // The article's row stays locked to the end of the write, which re-anchors its passages
        // onto the new revision (`anchoring::commit_revision`): two revisions of one article,
        // even sent to two instances at once, are taken one after the other.
        let existing: Option<Article> = db::first_locked!(
            conn,
            articles::table
                .filter(articles::url.eq(&url))
                .select(Article::as_select())
        )?;
        let Some(article) = existing else {
            let publication_id = publication_for(conn, &url)?;
            let article: Article = diesel::insert_into(articles::table)
                .values((
                    articles::publication_id.eq(publication_id),
                    articles::url.eq(&url),
                    articles::title.eq(&title),
                    articles::published_at.eq(input.published_at),
                    articles::created_at.eq(t),
                    articles::updated_at.eq(t),
                ))
                .returning(db::columns_of::<Article>())
                .get_result(conn)?;
            let revision = insert_revision(conn, article.id, 1, &title, &canonical, &sha)?;
            let article = set_current(conn, article.id, revision.id, &title, input.published_at)?;
            return Ok(Upserted {
                article,
                revision,
                created: true,
                changed: true,
                previous: None,
            });
        };
        let current = current_revision(conn, &article)?;
        if current.sha256 == sha {
            let article = if article.title != title
                || (input.published_at.is_some() && input.published_at != article.published_at)
            {
                diesel::update(articles::table.find(article.id))
                    .set((
                        articles::title.eq(&title),
                        articles::published_at.eq(input.published_at.or(article.published_at)),
                        articles::updated_at.eq(t),
                        // The public answer shows the title.
                        articles::corrections_version.eq(articles::corrections_version + 1),
                    ))
                    .returning(db::columns_of::<Article>())
                    .get_result(conn)?
            } else {
                article
            };
            return Ok(Upserted {
                article,
                revision: current,
                created: false,
                changed: false,
                previous: None,
            });
        }
        let revision = insert_revision(
            conn,
            article.id,
            current.number + 1,
            &title,
            &canonical,
            &sha,
        )?;
        let article = set_current(
            conn,
            article.id,
            revision.id,
            &title,
            input.published_at.or(article.published_at),
        )?;
        Ok(Upserted {
            article,
            revision,
            created: false,
            changed: true,
            previous: Some(current),
        })
    })
}

fn insert_revision(
    conn: &mut Conn,
    article_id: i64,
    number: i64,
    title: &str,
    text: &str,
    sha: &str,
) -> Result<Revision> {
    Ok(diesel::insert_into(revisions::table)
        .values((
            revisions::article_id.eq(article_id),
            revisions::number.eq(number),
            revisions::title.eq(title),
            revisions::canonical_text.eq(text),
            revisions::sha256.eq(sha),
            revisions::seen_at.eq(now()),
        ))
        .returning(db::columns_of::<Revision>())
        .get_result(conn)?)
}

fn set_current(
    conn: &mut Conn,
    article_id: i64,
    revision_id: i64,
    title: &str,
    published_at: Option<NaiveDateTime>,
) -> Result<Article> {
    Ok(diesel::update(articles::table.find(article_id))
        .set((
            articles::current_revision_id.eq(revision_id),
            articles::title.eq(title),
            articles::published_at.eq(published_at),
            articles::updated_at.eq(now()),
            // A new revision moves the notes' passages (re-anchored in this same transaction).
            articles::corrections_version.eq(articles::corrections_version + 1),
        ))
        .returning(db::columns_of::<Article>())
        .get_result(conn)?)
}

pub fn find(conn: &mut Conn, id: i64) -> Result<Option<Article>> {
    Ok(articles::table
        .find(id)
        .select(Article::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_url(conn: &mut Conn, raw_url: &str) -> Result<Option<Article>> {
    let Ok(url) = canonical_url(raw_url) else {
        return Ok(None);
    };
    Ok(articles::table
        .filter(articles::url.eq(url))
        .select(Article::as_select())
        .first(conn)
        .optional()?)
}

/// `find`, with the API's 404 when there is no such article.
pub fn require(conn: &mut Conn, id: i64) -> Result<Article> {
    find(conn, id)?
        .ok_or_else(|| Error::not_found(Code::ArticleNotFound, format!("there is no article {id}")))
}

/// `find_by_url`, with the API's 404 when no article is registered at the URL.
pub fn require_by_url(conn: &mut Conn, raw_url: &str) -> Result<Article> {
    find_by_url(conn, raw_url)?.ok_or_else(|| not_registered(raw_url))
}

/// The API's 404 for a URL no article is registered at.
pub fn not_registered(raw_url: &str) -> Error {
    Error::not_found(
        Code::ArticleNotFound,
        format!("no article is registered at {raw_url}"),
    )
}

/// Records that what `GET /api/v1/corrections` shows for the article changed. Called in the
/// transaction of the change (a note published, amended or retracted; see also `upsert`), so that
/// every server's in-memory answer is checked against it, whichever process made the change.
pub fn corrections_changed(conn: &mut Conn, article_id: i64) -> Result<()> {
    diesel::update(articles::table.find(article_id))
        .set(articles::corrections_version.eq(articles::corrections_version + 1))
        .execute(conn)?;
    Ok(())
}

/// The article at a canonical URL and the version of its public corrections answer.
pub fn corrections_version(conn: &mut Conn, canonical_url: &str) -> Result<Option<(i64, i64)>> {
    Ok(articles::table
        .filter(articles::url.eq(canonical_url))
        .select((articles::id, articles::corrections_version))
        .first(conn)
        .optional()?)
}

pub fn current_revision(conn: &mut Conn, article: &Article) -> Result<Revision> {
    let id = article
        .current_revision_id
        .ok_or_else(|| Error::internal(format!("article {} has no revision", article.id)))?;
    revision_by_id(conn, id)
}

pub fn revision_by_id(conn: &mut Conn, id: i64) -> Result<Revision> {
    Ok(revisions::table
        .find(id)
        .select(Revision::as_select())
        .first(conn)?)
}

pub fn revision_by_number(
    conn: &mut Conn,
    article_id: i64,
    number: i64,
) -> Result<Option<Revision>> {
    Ok(revisions::table
        .filter(revisions::article_id.eq(article_id))
        .filter(revisions::number.eq(number))
        .select(Revision::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_revisions(conn: &mut Conn, article_id: i64) -> Result<Vec<RevisionSummary>> {
    Ok(revisions::table
        .filter(revisions::article_id.eq(article_id))
        .order(revisions::number.asc())
        .select(RevisionSummary::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::sites::under;
    use super::*;

    #[test]
    fn canonical_urls_drop_what_does_not_name_the_article() {
        assert_eq!(
            canonical_url("HTTPS://News.Example.COM:443/a/b/?utm_source=x&id=3#top").unwrap(),
            "https://news.example.com/a/b?id=3"
        );
        assert_eq!(
            canonical_url("http://example.com").unwrap(),
            "http://example.com/"
        );
        assert!(canonical_url("ftp://example.com/x").is_err());
        assert!(canonical_url("not a url").is_err());
        assert!(canonical_url("").is_err());
    }

    #[test]
    fn articles_belong_under_whole_path_segments() {
        assert!(under("https://a.example/news/x", "https://a.example/news"));
        assert!(under("https://a.example/news", "https://a.example/news/"));
        assert!(under("https://a.example/x", "https://a.example/"));
        assert!(!under(
            "https://a.example/newsroom/x",
            "https://a.example/news"
        ));
    }

    #[test]
    fn origins_are_scheme_host_port() {
        assert_eq!(
            origin_of("https://a.example/x?y").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            origin_of("http://a.example:8080/").as_deref(),
            Some("http://a.example:8080")
        );
        assert_eq!(origin_of("data:text/plain,hi"), None);
    }
}
