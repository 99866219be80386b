//! The demo: on an empty database, a publication, an article written for Errata (no outlet's text),
//! an editor whose password is printed once, an API token, and two reports to triage.

use diesel::prelude::*;

use crate::accounts::{self, NewUser, Role};
use crate::articles::{self, ArticleInput, Body};
use crate::db::schema::{articles as articles_table, users};
use crate::db::Conn;
use crate::error::Result;
use crate::mail::Site;
use crate::reports::{self, Category, ValidReport};

/// Where the demo article lives under `public_url`; `web::reader` serves it there.
pub const ARTICLE_PATH: &str = "/demo/2026/11/pier-9-ferry-terminal-rebuild";

pub const ARTICLE_TEXT: &str = include_str!("demo_article.txt");
pub const EDITOR_EMAIL: &str = "editor@example.org";

/// Seeds the demo when the database has no users and no articles; returns what to print.
pub fn seed_if_empty(conn: &mut Conn, site: &Site) -> Result<Option<String>> {
    // One transaction: a failure leaves the database empty (and seeded next time), and two
    // servers starting at once cannot both seed.
    crate::db::write(conn, |conn| seed(conn, site))
}

fn seed(conn: &mut Conn, site: &Site) -> Result<Option<String>> {
    let users_n: i64 = users::table.count().get_result(conn)?;
    let articles_n: i64 = articles_table::table.count().get_result(conn)?;
    if users_n > 0 || articles_n > 0 {
        return Ok(None);
    }
    let base = format!("{}/demo/", site.base_url);
    articles::create_publication(conn, "The Harborview Ledger (demo)", &base, &[])?;
    let article_url = format!("{}{ARTICLE_PATH}", site.base_url);
    crate::anchoring::upsert_article(
        conn,
        &ArticleInput {
            url: article_url.clone(),
            title: "Port authority approves $31 million rebuild of Pier 9 ferry terminal".into(),
            body: Body::Text(ARTICLE_TEXT.into()),
            published_at: crate::time::parse("2026-11-12T09:30:00Z"),
        },
    )?;
    let password = crate::secrets::random_secret(12);
    let editor = accounts::create_user(
        conn,
        NewUser {
            email: EDITOR_EMAIL,
            name: "Demo Editor",
            role: Role::Editor,
            password: &password,
        },
    )?;
    let (_, token) = accounts::create_token(conn, &editor, "demo", &[])?;
    let samples = [
        (
            "about 9,200 passengers on an average weekday",
            Category::FactualError,
            "The ridership report published in March gives 8,200 weekday passengers for Pier 9, not 9,200.",
            Some("about 8,200 passengers on an average weekday"),
        ),
        (
            "The two dissenting board members, Peter Lindqvist and Alma Reyes",
            Category::Typo,
            "The board member's name is spelled Lindquist on the authority's website.",
            None,
        ),
    ];
    for (quote, category, description, suggestion) in samples {
        reports::file(
            conn,
            site,
            &ValidReport {
                article_url: article_url.clone(),
                exact: quote.into(),
                prefix: None,
                suffix: None,
                category,
                description: description.into(),
                suggested_correction: suggestion.map(str::to_owned),
                evidence_urls: vec![],
                reporter_name: Some("Demo Reader".into()),
                reporter_email: None,
                notify: false,
            },
            reports::Sender::default(),
        )?;
    }
    Ok(Some(format!(
        "\n  Demo data created.\n  Sign in at {}/signin as {EDITOR_EMAIL} with password: {password}\n  \
         API token (all scopes): {token}\n  Demo article: {article_url}\n  \
         These are shown once; set `demo = false` to start empty.\n",
        site.base_url
    )))
}
