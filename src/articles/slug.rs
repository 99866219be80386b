//! A publication's slug: the short name in its public addresses (`/p/{slug}/corrections`), made
//! from its name unless an admin chooses one. Lower-case ASCII letters, digits and single dashes.

use diesel::prelude::*;

use crate::db::schema::publications;
use crate::db::Conn;
use crate::error::{Error, Result};

pub const SLUG_MAX: usize = 60;

/// The slug a name gives: letters and digits kept (accents dropped to their base letter where it
/// is plain ASCII), every other run of characters one dash.
pub fn from_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.nfd().filter(|c| c.is_ascii() || c.is_alphanumeric()) {
        if c.is_ascii_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '\u{2019}' {
            dash = true;
        }
        if slug.len() >= SLUG_MAX {
            break;
        }
    }
    if slug.is_empty() {
        "publication".to_owned()
    } else {
        slug
    }
}

/// An admin's chosen slug, refused unless it is already in slug form.
pub fn validate(raw: &str) -> Result<String> {
    let s = raw.trim();
    let ok = !s.is_empty()
        && s.len() <= SLUG_MAX
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Error::invalid(
            "slug",
            format!("`{s}` is not a slug: use 1 to {SLUG_MAX} lower-case letters, digits and single dashes"),
        ))
    }
}

pub fn taken(conn: &mut Conn, slug: &str) -> Result<bool> {
    let n: i64 = publications::table
        .filter(publications::slug.eq(slug))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// `base`, or `base-2`, `base-3`, …: the first not taken. For slugs made from a name, so two
/// sites with one name both get an address.
pub fn free(conn: &mut Conn, base: &str) -> Result<String> {
    let mut candidate = base.to_owned();
    let mut n = 1;
    while taken(conn, &candidate)? {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_slugs() {
        assert_eq!(
            from_name("The Harborview Ledger (demo)"),
            "the-harborview-ledger-demo"
        );
        assert_eq!(from_name("  Diario de León  "), "diario-de-leon");
        assert_eq!(from_name("Bob's News & Views"), "bobs-news-views");
        assert_eq!(from_name("新闻"), "publication");
        assert!(from_name(&"a".repeat(200)).len() <= SLUG_MAX);
    }

    #[test]
    fn only_slug_shaped_choices_are_accepted() {
        assert_eq!(validate("ledger-2").ok().as_deref(), Some("ledger-2"));
        for bad in [
            "",
            "Ledger",
            "a b",
            "-a",
            "a-",
            "a--b",
            "a/b",
            &"a".repeat(61),
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }
}
