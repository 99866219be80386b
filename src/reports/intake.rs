//! Intake: a reader's report checked field by field, its passage located on the article's current
//! revision, and the report, its anchor, its event and the acknowledgement email written at once.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::workflow::State;
use super::*;
use crate::accounts;
use crate::anchoring::{self, Placement, Subject};
use crate::articles::{self, Article};
use crate::db::schema::reports;
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, NewEvent};
use crate::mail::{self, Site};
use crate::secrets::random_secret;
use crate::text::{self, input, AnchorMethod};
use crate::time::now;

/// A report as a reader's browser sends it. Every field is optional here so that a missing one
/// gets a 422 naming it rather than a parse error. Unknown fields are ignored (unlike the
/// editors' API): embeds of different versions run on publishers' pages at once.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportInput {
    pub article_url: Option<String>,
    pub passage: Option<PassageInput>,
    pub category: Option<String>,
    pub description: Option<String>,
    pub suggested_correction: Option<String>,
    pub evidence_urls: Option<Vec<String>>,
    pub reporter: Option<ReporterInput>,
    /// The language the reader filed in (a BCP 47 tag): their mail is written in it.
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PassageInput {
    pub exact: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReporterInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub notify: Option<bool>,
}

/// A report whose every field has been checked.
#[derive(Debug, Clone)]
pub struct ValidReport {
    pub article_url: String,
    pub exact: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub category: Category,
    pub description: String,
    pub suggested_correction: Option<String>,
    pub evidence_urls: Vec<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub notify: bool,
    /// The reader's language, a well-formed BCP 47 tag. The web layer settles it (with
    /// `Accept-Language`) to one the catalogues have before filing; stored as given.
    pub lang: Option<String>,
}

/// A required text field, by the one input rule (`text::input`).
pub(super) fn required(value: &Option<String>, field: &str) -> Result<String> {
    Ok(input::required(value.as_deref(), field, 1, usize::MAX)?)
}

pub(super) fn at_most(value: &str, field: &str, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("{field} must be at most {max} characters (it has {n})"),
        ));
    }
    Ok(())
}

pub(super) fn optional_text(
    value: &Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<String>> {
    Ok(input::optional(value.as_deref(), field, max)?)
}

/// An evidence or article link: absolute http(s) only.
pub fn check_http_url(raw: &str, field: &str) -> Result<String> {
    let cleaned = input::clean(raw, field)?;
    let raw = cleaned.trim();
    at_most(raw, field, URL_MAX)?;
    let url =
        url::Url::parse(raw).map_err(|_| Error::invalid(field, format!("`{raw}` is not a URL")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::invalid(
            field,
            format!("`{raw}` must be an http(s) link"),
        ));
    }
    Ok(url.to_string())
}

impl ReportInput {
    /// Checks every field; the first fault is the API's answer.
    pub fn validate(&self) -> Result<ValidReport> {
        self.validate_all().map_err(|mut faults| faults.remove(0))
    }

    /// Checks every field on its own and gives every fault at once, in the order of the form,
    /// so that a page can show each message by its field.
    pub fn validate_all(&self) -> std::result::Result<ValidReport, Vec<Error>> {
        let mut faults = Vec::new();
        let article_url = keep(
            &mut faults,
            required(&self.article_url, "article_url").and_then(|url| {
                check_http_url(&url, "article_url")?;
                Ok(url)
            }),
        );
        let (exact, prefix, suffix) = match &self.passage {
            None => {
                faults.push(Error::invalid("passage", "passage is required"));
                (None, None, None)
            }
            Some(passage) => (
                keep(
                    &mut faults,
                    input::required(passage.exact.as_deref(), "passage.exact", 1, QUOTE_MAX)
                        .map_err(Error::from),
                ),
                keep(
                    &mut faults,
                    input::verbatim(passage.prefix.as_deref(), "passage.prefix", CONTEXT_MAX)
                        .map_err(Error::from),
                ),
                keep(
                    &mut faults,
                    input::verbatim(passage.suffix.as_deref(), "passage.suffix", CONTEXT_MAX)
                        .map_err(Error::from),
                ),
            ),
        };
        let category = keep(
            &mut faults,
            required(&self.category, "category").and_then(|category| {
                Category::parse(&category).ok_or_else(|| {
                    let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                    Error::invalid(
                        "category",
                        format!("category must be one of {}", names.join(", ")),
                    )
                })
            }),
        );
        // At least DESCRIPTION_MIN characters a reader can see: say what is wrong.
        let description = keep(
            &mut faults,
            input::required(
                self.description.as_deref(),
                "description",
                DESCRIPTION_MIN,
                DESCRIPTION_MAX,
            )
            .map_err(Error::from),
        );
        let suggested_correction = keep(
            &mut faults,
            optional_text(
                &self.suggested_correction,
                "suggested_correction",
                SUGGESTION_MAX,
            ),
        );
        let evidence = self.evidence_urls.clone().unwrap_or_default();
        let evidence_urls = if evidence.len() > EVIDENCE_MAX {
            faults.push(Error::invalid(
                "evidence_urls",
                format!(
                    "at most {EVIDENCE_MAX} evidence links (got {})",
                    evidence.len()
                ),
            ));
            None
        } else {
            keep(
                &mut faults,
                evidence
                    .iter()
                    .enumerate()
                    .map(|(i, u)| check_http_url(u, &format!("evidence_urls[{i}]")))
                    .collect::<Result<Vec<_>>>(),
            )
        };
        let reporter = self.reporter.clone().unwrap_or_default();
        let reporter_name = keep(
            &mut faults,
            optional_text(&reporter.name, "reporter.name", NAME_MAX),
        );
        let reporter_email = keep(
            &mut faults,
            optional_text(&reporter.email, "reporter.email", 254).and_then(|email| {
                email
                    .map(|e| {
                        accounts::normalise_email(&e).map_err(|_| {
                            Error::invalid(
                                "reporter.email",
                                format!("`{e}` is not an email address"),
                            )
                        })
                    })
                    .transpose()
            }),
        );
        // Email is sent only with the reader's explicit consent.
        let notify = reporter.notify.unwrap_or(false);
        if notify && matches!(reporter_email, Some(None)) {
            faults.push(Error::invalid(
                "reporter.email",
                "an email address is needed to be notified",
            ));
        }
        let lang = keep(
            &mut faults,
            self.lang.as_deref().map(check_lang).transpose(),
        );
        if !faults.is_empty() {
            return Err(faults);
        }
        // No fault: every field above was kept.
        Ok(ValidReport {
            article_url: article_url.unwrap_or_default(),
            exact: exact.unwrap_or_default(),
            prefix: prefix.flatten(),
            suffix: suffix.flatten(),
            category: category.unwrap_or(Category::Other),
            description: description.unwrap_or_default(),
            suggested_correction: suggested_correction.flatten(),
            evidence_urls: evidence_urls.unwrap_or_default(),
            reporter_name: reporter_name.flatten(),
            reporter_email: reporter_email.flatten(),
            notify,
            lang: lang.flatten(),
        })
    }
}

/// The longest language tag taken: longer than any the catalogues could have (RFC 5646 asks
/// for at least 35 characters of room).
pub const LANG_MAX: usize = 35;

/// A language tag as BCP 47 writes it (`es`, `es-MX`, `zh-Hant-TW`), in its canonical case.
pub fn check_lang(raw: &str) -> Result<String> {
    let tag = raw.trim();
    let refused = || {
        Error::invalid(
            "lang",
            format!("`{raw}` is not a language tag (BCP 47) such as `en` or `es-MX`"),
        )
    };
    if tag.is_empty() || tag.chars().count() > LANG_MAX {
        return Err(refused());
    }
    // unic-langid reads `_` as `-`; BCP 47 has only `-`.
    if tag.contains('_') {
        return Err(refused());
    }
    tag.parse::<unic_langid::LanguageIdentifier>()
        .map(|id| id.to_string())
        .map_err(|_| refused())
}

/// The value of a check that passed; a fault is kept in `faults` instead.
fn keep<T>(faults: &mut Vec<Error>, checked: Result<T>) -> Option<T> {
    match checked {
        Ok(value) => Some(value),
        Err(fault) => {
            faults.push(fault);
            None
        }
    }
}

/// The answer to a filed report: 201, or 200 when it is the sender's repeat of a report filed
/// moments ago (`repeated`), which is answered with the first report.
#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    pub id: i64,
    pub reference: String,
    pub status: State,
    pub status_url: String,
    pub passage: PassageView,
    #[serde(skip)]
    pub repeated: bool,
}

/// How long a sender's repeat of the same passage and description is taken for the same report
/// (a double click, a resent form, a reload) rather than a new one.
pub const REPEAT_WINDOW_MINUTES: i64 = 10;

/// Who sent a report: the hashed address, and the browser origin of a cross-site request.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub ip_hash: Option<String>,
    pub origin: Option<String>,
    /// Reports this sender may file per publication and hour (`ratelimit`); 0 for no limit, as
    /// for the demo's own reports.
    pub hourly_limit: u32,
}

/// The sender's own report on the same passage with the same description, filed within the
/// last `REPEAT_WINDOW_MINUTES`, if there is one. A sender without an address is never matched.
fn repeated_filing(
    conn: &mut Conn,
    sender: &Sender,
    article_id: i64,
    exact: &str,
    description: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<Report>> {
    let Some(ip_hash) = &sender.ip_hash else {
        return Ok(None);
    };
    let since = now - chrono::Duration::minutes(REPEAT_WINDOW_MINUTES);
    Ok(reports::table
        .filter(reports::ip_hash.eq(ip_hash))
        .filter(reports::article_id.eq(article_id))
        .filter(reports::quote_exact.eq(exact))
        .filter(reports::description.eq(description))
        .filter(reports::created_at.ge(since))
        .order(reports::id.asc())
        .select(Report::as_select())
        .first(conn)
        .optional()?)
}

/// A sender already over the hourly limit is refused before the passage search, which can be
/// costly, unless the filing may be a repeat of their recent report (answered with that report).
fn refuse_early_over_the_limit(
    conn: &mut Conn,
    input: &ValidReport,
    sender: &Sender,
) -> Result<()> {
    let (Some(ip_hash), limit @ 1..) = (&sender.ip_hash, sender.hourly_limit) else {
        return Ok(());
    };
    let Some(article) = articles::find_by_url(conn, &input.article_url)? else {
        return Ok(());
    };
    let t = now();
    let since = t - chrono::Duration::minutes(REPEAT_WINDOW_MINUTES);
    let maybe_repeat: i64 = reports::table
        .filter(reports::ip_hash.eq(ip_hash))
        .filter(reports::article_id.eq(article.id))
        .filter(reports::description.eq(&input.description))
        .filter(reports::created_at.ge(since))
        .count()
        .get_result(conn)?;
    if maybe_repeat > 0 {
        return Ok(());
    }
    crate::ratelimit::check(conn, Some(ip_hash), article.publication_id, limit, t)
}

/// Files a report: finds the article and the passage, then writes the report, its anchor, its
/// event and (if asked) the acknowledgement email in one transaction. A repeat of the sender's
/// report of moments ago gives that report back; past the sender's hourly limit nothing is
/// written and the answer is 429 (both checked under the write lock, so concurrent filings
/// cannot slip past either).
pub fn file(conn: &mut Conn, site: &Site, input: &ValidReport, sender: Sender) -> Result<Filed> {
    // Locating can take a fuzzy search: do it before taking the write lock, and inside the
    // transaction only check that the article has not moved on to a newer revision meanwhile.
    // What locating needs, read in one snapshot (each read transaction after a commit starts
    // with an empty page cache: one is cheaper than three).
    type Place = (Article, i64, std::sync::Arc<text::Prepared>);
    let look = |conn: &mut Conn| -> Result<Place> {
        let article = articles::find_by_url(conn, &input.article_url)?.ok_or_else(|| {
            articles::not_registered(&input.article_url).with_field("article_url")
        })?;
        if let Some(origin) = &sender.origin {
            // A page may report only on its own publication's articles.
            if !articles::publication_allows(conn, article.publication_id, origin)? {
                return Err(Error::forbidden(format!(
                    "pages on {origin} may not report on articles of another publication"
                ))
                .with_code(Code::OriginNotAllowed));
            }
        }
        let revision = article
            .current_revision_id
            .ok_or_else(|| Error::internal(format!("article {} has no revision", article.id)))?;
        let prepared = anchoring::prepared(conn, revision)?;
        Ok((article, revision, prepared))
    };
    let place = |(article, revision, prepared): Place| -> Result<(Article, i64, text::Located)> {
        let located = anchoring::locate_prepared(
            &prepared,
            &input.exact,
            input.prefix.as_deref(),
            input.suffix.as_deref(),
            "passage.exact",
        )?;
        Ok((article, revision, located))
    };
    let first = place(db::read(conn, |conn| {
        refuse_early_over_the_limit(conn, input, &sender)?;
        look(conn)
    })?)?;
    db::write(conn, |conn| {
        let still_current = articles::find(conn, first.0.id)?
            .is_some_and(|a| a.current_revision_id == Some(first.1));
        let (article, revision, located) = if still_current {
            first.clone()
        } else {
            place(look(conn)?)?
        };
        let t = now();
        if let Some(first) = repeated_filing(
            conn,
            &sender,
            article.id,
            &located.quote.exact,
            &input.description,
            t,
        )? {
            return Ok(Filed {
                id: first.id,
                reference: first.reference.clone(),
                status: first.state,
                status_url: site.status_url(&first.status_token),
                passage: PassageView::of(&first),
                repeated: true,
            });
        }
        crate::ratelimit::take(
            conn,
            sender.ip_hash.as_deref(),
            article.publication_id,
            sender.hourly_limit,
            t,
        )?;
        let token = random_secret(24);
        // The secret of the links only the reader's mail carries (confirm, unsubscribe).
        let mail_token =
            (input.notify && input.reporter_email.is_some()).then(|| random_secret(24));
        let lang = input.lang.as_deref().unwrap_or("en");
        // The report is written once, whole: its id is chosen here (the one SQLite would give it:
        // one past the largest, under the write lock; on PostgreSQL the sequence's next) so that
        // its reference goes in with it, and its readers are counted before it is there.
        let id = match db::next_id_from_sequence(conn, "reports")? {
            Some(id) => id,
            None => {
                reports::table
                    .select(diesel::dsl::max(reports::id))
                    .first::<Option<i64>>(conn)?
                    .unwrap_or(0)
                    + 1
            }
        };
        let passage_readers = super::queue::readers_of_new_report(
            conn,
            article.id,
            revision,
            (located.start as i64, located.end as i64),
        )?;
        let report: Report =
            diesel::insert_into(reports::table)
                .values((
                    reports::id.eq(id),
                    reports::reference.eq(reference_for(id, t)),
                    reports::status_token.eq(&token),
                    reports::article_id.eq(article.id),
                    reports::revision_id.eq(revision),
                    reports::quote_exact.eq(&located.quote.exact),
                    reports::quote_prefix.eq(&located.quote.prefix),
                    reports::quote_suffix.eq(&located.quote.suffix),
                    reports::quote_start.eq(located.start as i64),
                    reports::quote_end.eq(located.end as i64),
                    reports::category.eq(input.category),
                    reports::description.eq(&input.description),
                    reports::suggested_correction.eq(&input.suggested_correction),
                    reports::evidence_urls
                        .eq(serde_json::to_string(&input.evidence_urls)
                            .unwrap_or_else(|_| "[]".into())),
                    reports::reporter_name.eq(&input.reporter_name),
                    reports::reporter_email.eq(&input.reporter_email),
                    reports::notify.eq(input.notify),
                    reports::lang.eq(lang),
                    reports::mail_token.eq(&mail_token),
                    reports::state.eq(State::New),
                    reports::ip_hash.eq(&sender.ip_hash),
                    reports::passage_readers.eq(passage_readers),
                    reports::created_at.eq(t),
                    reports::updated_at.eq(t),
                ))
                .returning(db::columns_of::<Report>())
                .get_result(conn)?;
        let method = if located.exact_match {
            AnchorMethod::Intake
        } else {
            AnchorMethod::Fuzzy
        };
        anchoring::insert(
            conn,
            Subject::Report(report.id),
            revision,
            &Placement::anchored(method, located.score, located.start, located.end),
        )?;
        events::record(
            conn,
            NewEvent {
                kind: "created",
                report_id: Some(report.id),
                article_id: Some(article.id),
                to: Some(State::New.as_str().into()),
                ..Default::default()
            },
        )?;
        if let (Some(to), Some(mail_token)) = (report.wants_mail(), mail_token.as_deref()) {
            let reader = mail::Reader { lang, mail_token };
            let email = mail::report_received(
                site,
                to,
                report.id,
                &mail_view(conn, &report, &article, site)?,
                reader,
            )?;
            mail::enqueue(conn, site, email)?;
        }
        mail::editors::report_filed(conn, site, report.id)?;
        Ok(Filed {
            id: report.id,
            reference: report.reference.clone(),
            status: report.state,
            status_url: site.status_url(&report.status_token),
            passage: PassageView::of(&report),
            repeated: false,
        })
    })
}
