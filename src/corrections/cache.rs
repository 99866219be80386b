//! The public corrections answer kept in memory: the embed asks for it on every page view.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::for_article;
use crate::articles;
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::mail::Site;
use crate::secrets::sha256_hex;

/// A rendered public answer with its validator.
#[derive(Debug, Clone)]
pub struct Cached {
    pub etag: String,
    pub body: String,
}

impl Cached {
    pub fn new(body: String) -> Cached {
        Cached {
            etag: format!("\"{}\"", &sha256_hex(&body)[..32]),
            body,
        }
    }
}

/// The body of a kept answer, shared with the response rather than copied into it.
pub struct SharedBody(pub Arc<Cached>);

impl AsRef<[u8]> for SharedBody {
    fn as_ref(&self) -> &[u8] {
        self.0.body.as_bytes()
    }
}

/// Addresses as pages send them, remembered with their canonical form; forgotten all at once
/// past this many (tracking parameters make endless variants).
const ALIASES_MAX: usize = 4096;

/// Answers kept in memory by canonical article URL, each with the article's
/// `corrections_version` it was read at.
///
/// Every change to an answer bumps that version in the change's own transaction
/// (`articles::corrections_changed`), so the version read from the database says whether a kept
/// answer is current: a change made by another process (the CLI's `article import`) is seen as
/// soon as one made by this server, and no route has to remember to invalidate anything.
///
/// Reading that version costs a trip to the pool, so each answer also keeps the database's data
/// version (`Db::data_version`, which moves with every commit by anyone) at which its version
/// was last found current: while the data version has not moved, nothing can have changed, and
/// the answer is served straight from memory (`fresh`).
#[derive(Default)]
pub struct CorrectionsCache {
    entries: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    by_url: HashMap<String, Entry>,
    /// The canonical URL of an address as sent (`?url=`), once it named a registered article.
    aliases: HashMap<String, String>,
}

struct Entry {
    version: i64,
    cached: Arc<Cached>,
    /// The data version at which `version` was last read and found current.
    checked_at: Option<i64>,
}

impl CorrectionsCache {
    /// The answer kept for `url`, if it was read at `version`.
    pub fn get(&self, url: &str, version: i64) -> Option<Arc<Cached>> {
        let entries = self.entries.read().ok()?;
        entries
            .by_url
            .get(url)
            .filter(|e| e.version == version)
            .map(|e| e.cached.clone())
    }

    /// The answer for an address as sent, when nothing was committed since it was last found
    /// current (the database's data version is still `data_version`): no database, no parsing.
    pub fn fresh(&self, raw_url: &str, data_version: Option<i64>) -> Option<Arc<Cached>> {
        let data_version = data_version?;
        let entries = self.entries.read().ok()?;
        let canonical = entries.aliases.get(raw_url)?;
        entries
            .by_url
            .get(canonical)
            .filter(|e| e.checked_at == Some(data_version))
            .map(|e| e.cached.clone())
    }

    /// Keeps an answer read at `version`, unless a newer one is kept already (a slow reader
    /// finishing late must not put back an older answer).
    pub fn put(&self, url: &str, version: i64, cached: Cached) -> Arc<Cached> {
        self.keep(url, version, Arc::new(cached), None)
    }

    fn keep(
        &self,
        url: &str,
        version: i64,
        cached: Arc<Cached>,
        checked_at: Option<i64>,
    ) -> Arc<Cached> {
        if let Ok(mut entries) = self.entries.write() {
            match entries.by_url.get_mut(url) {
                Some(kept) if kept.version > version => {}
                Some(kept) if kept.version == version => {
                    // Found current again: at the later of the two data versions.
                    kept.checked_at = kept.checked_at.max(checked_at);
                }
                _ => {
                    entries.by_url.insert(
                        url.to_owned(),
                        Entry {
                            version,
                            cached: cached.clone(),
                            checked_at,
                        },
                    );
                }
            }
        }
        cached
    }

    /// Remembers that `raw_url` names the article at `canonical_url`.
    pub fn alias(&self, raw_url: &str, canonical_url: &str) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.aliases.len() >= ALIASES_MAX {
                entries.aliases.clear();
            }
            entries
                .aliases
                .insert(raw_url.to_owned(), canonical_url.to_owned());
        }
    }

    /// The public answer for the article at a canonical URL: from memory when its version is
    /// current, else read (answer and version from one snapshot) and kept. `data_version` is
    /// the database's data version read before this call, which the answer is marked with.
    pub fn answer(
        &self,
        conn: &mut Conn,
        site: &Site,
        canonical_url: &str,
        data_version: Option<i64>,
    ) -> Result<Arc<Cached>> {
        let Some((_, version)) = articles::corrections_version(conn, canonical_url)? else {
            return Err(articles::not_registered(canonical_url));
        };
        if let Some(hit) = self.get(canonical_url, version) {
            return Ok(self.keep(canonical_url, version, hit, data_version));
        }
        let (version, body) = db::read(conn, |conn| {
            let article = articles::require_by_url(conn, canonical_url)?;
            let (_, version) = articles::corrections_version(conn, canonical_url)?
                .ok_or_else(|| articles::not_registered(canonical_url))?;
            let answer = for_article(conn, site, &article)?;
            let body = serde_json::to_string(&answer).map_err(Error::internal)?;
            Ok((version, body))
        })?;
        Ok(self.keep(
            canonical_url,
            version,
            Arc::new(Cached::new(body)),
            data_version,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_served_only_at_its_version_and_never_replaced_by_an_older_one() {
        let cache = CorrectionsCache::default();
        let url = "https://a.example/x";
        cache.put(url, 1, Cached::new("one".into()));
        assert_eq!(
            cache.get(url, 1).map(|c| c.body.clone()).as_deref(),
            Some("one")
        );
        // A note was published (version 2): the answer at 1 is not served any more.
        assert!(cache.get(url, 2).is_none());
        cache.put(url, 2, Cached::new("two".into()));
        // A slow reader that read version 1 finishes late.
        cache.put(url, 1, Cached::new("one".into()));
        assert_eq!(
            cache.get(url, 2).map(|c| c.body.clone()).as_deref(),
            Some("two")
        );
        assert!(cache.get(url, 1).is_none());
    }

    #[test]
    fn an_answer_is_fresh_only_by_an_address_seen_and_at_the_data_version_it_was_checked_at() {
        let cache = CorrectionsCache::default();
        let url = "https://a.example/x";
        let sent = "https://a.example/x/?utm_source=feed";
        cache.keep(url, 1, Arc::new(Cached::new("one".into())), Some(7));
        assert!(
            cache.fresh(sent, Some(7)).is_none(),
            "an address never seen"
        );
        cache.alias(sent, url);
        assert_eq!(
            cache
                .fresh(sent, Some(7))
                .map(|c| c.body.clone())
                .as_deref(),
            Some("one")
        );
        assert!(
            cache.fresh(sent, Some(8)).is_none(),
            "something was committed"
        );
        assert!(
            cache.fresh(sent, None).is_none(),
            "the data version is unknown"
        );
        // Checked again at 8 and found current.
        cache.keep(url, 1, Arc::new(Cached::new("one".into())), Some(8));
        assert!(cache.fresh(sent, Some(8)).is_some());
        // A newer answer replaces it, marked with its own check.
        cache.keep(url, 2, Arc::new(Cached::new("two".into())), Some(9));
        assert!(cache.fresh(sent, Some(8)).is_none());
        assert_eq!(
            cache
                .fresh(sent, Some(9))
                .map(|c| c.body.clone())
                .as_deref(),
            Some("two")
        );
    }

    #[test]
    fn etags_follow_the_body() {
        assert_eq!(Cached::new("a".into()).etag, Cached::new("a".into()).etag);
        assert_ne!(Cached::new("a".into()).etag, Cached::new("b".into()).etag);
        assert!(Cached::new("a".into()).etag.starts_with('"'));
    }
}
