//! Readers' reports: intake (validation, locating the passage, the acknowledgement email), the
//! queries editors run, and the moves of the workflow with their events and emails.

pub mod workflow;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::accounts::{self, random_secret, User};
use crate::anchoring::{self, AnchorView, Placement, Subject};
use crate::articles::{self, Article};
use crate::db::schema::{correction_notes, note_reports, reports, users};
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::events::{self, EventView, NewEvent};
use crate::mail::{self, ReportMail, Site};
use crate::text::{self, input};
use crate::time::{now, rfc3339, rfc3339_opt};
use workflow::{Move, Refusal, Resolution, State};

pub const CATEGORIES: [&str; 6] = [
    "factual_error",
    "misquote",
    "outdated",
    "missing_context",
    "typo",
    "other",
];
pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 5000;
pub const SUGGESTION_MAX: usize = 5000;
pub const QUOTE_MAX: usize = 2000;
pub const CONTEXT_MAX: usize = 500;
pub const EVIDENCE_MAX: usize = 5;
pub const URL_MAX: usize = 2000;
pub const NAME_MAX: usize = 200;
pub const COMMENT_MAX: usize = 10_000;

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
    pub category: String,
    pub description: String,
    pub suggested_correction: Option<String>,
    pub evidence_urls: Vec<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub notify: bool,
}

/// A required text field, by the one input rule (`text::input`).
fn required(value: &Option<String>, field: &str) -> Result<String> {
    Ok(input::required(value.as_deref(), field, 1, usize::MAX)?)
}

fn at_most(value: &str, field: &str, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("{field} must be at most {max} characters (it has {n})"),
        ));
    }
    Ok(())
}

fn optional_text(value: &Option<String>, field: &str, max: usize) -> Result<Option<String>> {
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
    pub fn validate(&self) -> Result<ValidReport> {
        let article_url = required(&self.article_url, "article_url")?;
        check_http_url(&article_url, "article_url")?;
        let passage = self
            .passage
            .as_ref()
            .ok_or_else(|| Error::invalid("passage", "passage is required"))?;
        let exact = input::required(passage.exact.as_deref(), "passage.exact", 1, QUOTE_MAX)?;
        let prefix = input::verbatim(passage.prefix.as_deref(), "passage.prefix", CONTEXT_MAX)?;
        let suffix = input::verbatim(passage.suffix.as_deref(), "passage.suffix", CONTEXT_MAX)?;
        let category = required(&self.category, "category")?;
        if !CATEGORIES.contains(&category.as_str()) {
            return Err(Error::invalid(
                "category",
                format!("category must be one of {}", CATEGORIES.join(", ")),
            ));
        }
        // At least DESCRIPTION_MIN characters a reader can see: say what is wrong.
        let description = input::required(
            self.description.as_deref(),
            "description",
            DESCRIPTION_MIN,
            DESCRIPTION_MAX,
        )?;
        let suggested_correction = optional_text(
            &self.suggested_correction,
            "suggested_correction",
            SUGGESTION_MAX,
        )?;
        let evidence = self.evidence_urls.clone().unwrap_or_default();
        if evidence.len() > EVIDENCE_MAX {
            return Err(Error::invalid(
                "evidence_urls",
                format!(
                    "at most {EVIDENCE_MAX} evidence links (got {})",
                    evidence.len()
                ),
            ));
        }
        let evidence_urls = evidence
            .iter()
            .enumerate()
            .map(|(i, u)| check_http_url(u, &format!("evidence_urls[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        let reporter = self.reporter.clone().unwrap_or_default();
        let reporter_name = optional_text(&reporter.name, "reporter.name", NAME_MAX)?;
        let reporter_email = match optional_text(&reporter.email, "reporter.email", 254)? {
            Some(e) => Some(accounts::normalise_email(&e).map_err(|_| {
                Error::invalid("reporter.email", format!("`{e}` is not an email address"))
            })?),
            None => None,
        };
        // Email is sent only with the reader's explicit consent.
        let notify = reporter.notify.unwrap_or(false);
        if notify && reporter_email.is_none() {
            return Err(Error::invalid(
                "reporter.email",
                "an email address is needed to be notified",
            ));
        }
        Ok(ValidReport {
            article_url,
            exact,
            prefix,
            suffix,
            category,
            description,
            suggested_correction,
            evidence_urls,
            reporter_name,
            reporter_email,
            notify,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub reference: String,
    pub status_token: String,
    pub article_id: i64,
    pub revision_id: i64,
    pub quote_exact: String,
    pub quote_prefix: String,
    pub quote_suffix: String,
    pub quote_start: i64,
    pub quote_end: i64,
    pub category: String,
    pub description: String,
    pub suggested_correction: Option<String>,
    pub evidence_urls: String,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub notify: bool,
    pub state: String,
    pub resolution: Option<String>,
    pub assignee_id: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub ip_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

impl Report {
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::New)
    }

    pub fn evidence(&self) -> Vec<String> {
        serde_json::from_str(&self.evidence_urls).unwrap_or_default()
    }

    fn wants_mail(&self) -> Option<&str> {
        self.reporter_email.as_deref().filter(|_| self.notify)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PassageView {
    pub exact: String,
    pub prefix: String,
    pub suffix: String,
    pub start: i64,
    pub end: i64,
    pub revision_id: i64,
}

impl PassageView {
    fn of(r: &Report) -> PassageView {
        PassageView {
            exact: r.quote_exact.clone(),
            prefix: r.quote_prefix.clone(),
            suffix: r.quote_suffix.clone(),
            start: r.quote_start,
            end: r.quote_end,
            revision_id: r.revision_id,
        }
    }
}

/// The 201 answer to a filed report.
#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    pub id: i64,
    pub reference: String,
    pub status: String,
    pub status_url: String,
    pub passage: PassageView,
}

fn reference_for(id: i64, at: NaiveDateTime) -> String {
    use chrono::Datelike;
    format!("ERR-{}-{id:06}", at.year())
}

fn mail_view<'a>(r: &'a Report, article: &'a Article, site: &Site) -> ReportMail<'a> {
    ReportMail {
        reference: &r.reference,
        reporter_name: r.reporter_name.as_deref(),
        article_title: &article.title,
        article_url: &article.url,
        quote: &r.quote_exact,
        status_url: site.status_url(&r.status_token),
    }
}

/// Files a report: finds the article and the passage, then writes the report, its anchor, its
/// event and (if asked) the acknowledgement email in one transaction.
/// Who sent a report: the hashed address, and the browser origin of a cross-site request.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub ip_hash: Option<String>,
    pub origin: Option<String>,
}

pub fn file(conn: &mut Conn, site: &Site, input: &ValidReport, sender: Sender) -> Result<Filed> {
    // Locating can take a fuzzy search: do it before taking the write lock, and inside the
    // transaction only check that the article has not moved on to a newer revision meanwhile.
    let place = |conn: &mut Conn| -> Result<(Article, articles::Revision, text::Located)> {
        let article = articles::require_by_url(conn, &input.article_url).map_err(|e| {
            if e.code == "article_not_found" {
                e.with_field("article_url")
            } else {
                e
            }
        })?;
        if let Some(origin) = &sender.origin {
            // A page may report only on its own publication's articles.
            if !articles::publication_allows(conn, article.publication_id, origin)? {
                return Err(Error::forbidden(format!(
                    "pages on {origin} may not report on articles of another publication"
                ))
                .with_code("origin_not_allowed"));
            }
        }
        let revision = articles::current_revision(conn, &article)?;
        let located = anchoring::locate(
            &revision.canonical_text,
            &input.exact,
            input.prefix.as_deref(),
            input.suffix.as_deref(),
            "passage.exact",
        )?;
        Ok((article, revision, located))
    };
    let first = place(conn)?;
    db::write(conn, |conn| {
        let still_current = articles::find(conn, first.0.id)?
            .is_some_and(|a| a.current_revision_id == Some(first.1.id));
        let (article, revision, located) = if still_current {
            first.clone()
        } else {
            place(conn)?
        };
        let t = now();
        let token = random_secret(24);
        let report: Report =
            diesel::insert_into(reports::table)
                .values((
                    reports::reference.eq(format!("pending-{token}")),
                    reports::status_token.eq(&token),
                    reports::article_id.eq(article.id),
                    reports::revision_id.eq(revision.id),
                    reports::quote_exact.eq(&located.quote.exact),
                    reports::quote_prefix.eq(&located.quote.prefix),
                    reports::quote_suffix.eq(&located.quote.suffix),
                    reports::quote_start.eq(located.start as i64),
                    reports::quote_end.eq(located.end as i64),
                    reports::category.eq(&input.category),
                    reports::description.eq(&input.description),
                    reports::suggested_correction.eq(&input.suggested_correction),
                    reports::evidence_urls
                        .eq(serde_json::to_string(&input.evidence_urls)
                            .unwrap_or_else(|_| "[]".into())),
                    reports::reporter_name.eq(&input.reporter_name),
                    reports::reporter_email.eq(&input.reporter_email),
                    reports::notify.eq(input.notify),
                    reports::state.eq(State::New.as_str()),
                    reports::ip_hash.eq(&sender.ip_hash),
                    reports::created_at.eq(t),
                    reports::updated_at.eq(t),
                ))
                .returning(Report::as_returning())
                .get_result(conn)?;
        let reference = reference_for(report.id, t);
        diesel::update(reports::table.find(report.id))
            .set(reports::reference.eq(&reference))
            .execute(conn)?;
        let report = Report {
            reference,
            ..report
        };
        let method = if located.exact_match {
            "intake"
        } else {
            "fuzzy"
        };
        anchoring::insert(
            conn,
            Subject::Report(report.id),
            revision.id,
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
        if let Some(to) = report.wants_mail() {
            let email = mail::report_received(to, report.id, &mail_view(&report, &article, site))?;
            mail::enqueue(conn, site, email)?;
        }
        Ok(Filed {
            id: report.id,
            reference: report.reference.clone(),
            status: report.state.clone(),
            status_url: site.status_url(&report.status_token),
            passage: PassageView::of(&report),
        })
    })
}

pub fn find(conn: &mut Conn, id: i64) -> Result<Report> {
    reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("report_not_found", format!("there is no report {id}")))
}

/// `find` for an id named in a request body: a missing report is that field's fault (422); any
/// other failure stays what it is.
pub fn find_referenced(conn: &mut Conn, id: i64, field: &str) -> Result<Report> {
    find(conn, id).map_err(|e| {
        if e.code == "report_not_found" {
            Error::invalid(field, format!("there is no report {id}"))
        } else {
            e
        }
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleRef {
    pub id: i64,
    pub url: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReporterView {
    pub name: Option<String>,
    pub email: Option<String>,
    pub notify: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// A report as editors see it through the API.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub id: i64,
    pub reference: String,
    pub article: ArticleRef,
    pub state: String,
    /// The same as `state`; the name the reader-facing answers use.
    pub status: String,
    pub resolution: Option<String>,
    pub category: String,
    pub description: String,
    pub suggested_correction: Option<String>,
    pub evidence_urls: Vec<String>,
    pub reporter: ReporterView,
    pub assignee: Option<UserRef>,
    pub duplicate_of: Option<i64>,
    pub passage: PassageView,
    pub anchor: Option<AnchorView>,
    pub notes: Vec<i64>,
    /// The states this caller may move the report to.
    pub allowed_transitions: Vec<State>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

/// What report views share, loaded once per request: revision texts, articles, users, and (for
/// listings) every report's current anchor in one query.
#[derive(Default)]
pub struct Lookups {
    texts: anchoring::Texts,
    articles: HashMap<i64, ArticleRef>,
    users: HashMap<i64, Option<UserRef>>,
    anchors: Option<HashMap<i64, anchoring::AnchorRow>>,
}

impl Lookups {
    fn article(&mut self, conn: &mut Conn, id: i64) -> Result<ArticleRef> {
        if let Some(a) = self.articles.get(&id) {
            return Ok(a.clone());
        }
        let a = articles::find(conn, id)?
            .ok_or_else(|| Error::internal(format!("article {id} missing")))?;
        let r = ArticleRef {
            id: a.id,
            url: a.url,
            title: a.title,
        };
        self.articles.insert(id, r.clone());
        Ok(r)
    }

    fn user(&mut self, conn: &mut Conn, id: Option<i64>) -> Result<Option<UserRef>> {
        let Some(id) = id else { return Ok(None) };
        if let Some(u) = self.users.get(&id) {
            return Ok(u.clone());
        }
        let u = accounts::find_user(conn, id)?.map(|u| UserRef {
            id: u.id,
            name: u.name,
            email: u.email,
        });
        self.users.insert(id, u.clone());
        Ok(u)
    }

    fn anchor(&mut self, conn: &mut Conn, report_id: i64) -> Result<Option<anchoring::AnchorRow>> {
        match &mut self.anchors {
            Some(batch) => Ok(batch.remove(&report_id)),
            None => anchoring::current(conn, Subject::Report(report_id)),
        }
    }
}

fn note_ids(conn: &mut Conn, report_id: i64) -> Result<Vec<i64>> {
    Ok(note_reports::table
        .filter(note_reports::report_id.eq(report_id))
        .order(note_reports::note_id.asc())
        .select(note_reports::note_id)
        .load(conn)?)
}

pub fn view(conn: &mut Conn, r: &Report, viewer: &User, with_events: bool) -> Result<ReportView> {
    view_with(conn, r, viewer, with_events, &mut Lookups::default())
}

fn view_with(
    conn: &mut Conn,
    r: &Report,
    viewer: &User,
    with_events: bool,
    lookups: &mut Lookups,
) -> Result<ReportView> {
    let anchor = match lookups.anchor(conn, r.id)? {
        Some(row) => Some(anchoring::view(conn, &row, &mut lookups.texts)?),
        None => None,
    };
    Ok(ReportView {
        id: r.id,
        reference: r.reference.clone(),
        article: lookups.article(conn, r.article_id)?,
        state: r.state.clone(),
        status: r.state.clone(),
        resolution: r.resolution.clone(),
        category: r.category.clone(),
        description: r.description.clone(),
        suggested_correction: r.suggested_correction.clone(),
        evidence_urls: r.evidence(),
        reporter: ReporterView {
            name: r.reporter_name.clone(),
            email: r.reporter_email.clone(),
            notify: r.notify,
        },
        assignee: lookups.user(conn, r.assignee_id)?,
        duplicate_of: r.duplicate_of,
        passage: PassageView::of(r),
        anchor,
        notes: note_ids(conn, r.id)?,
        allowed_transitions: workflow::allowed_for(r.state(), viewer.role()),
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
        resolved_at: rfc3339_opt(r.resolved_at),
        events: if with_events {
            Some(events::for_report(conn, r.id)?)
        } else {
            None
        },
    })
}

/// Filters and page of `GET /api/v1/reports`.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub state: Option<State>,
    pub article_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub oldest_first: bool,
    pub limit: i64,
    /// The id after which (in the chosen order) the page starts.
    pub after: Option<i64>,
}

pub const LIST_DEFAULT: i64 = 50;
pub const LIST_MAX: i64 = 200;

/// One page of reports in id order (ids grow with filing time), and the cursor of the next page.
pub fn list(
    conn: &mut Conn,
    q: &ListQuery,
    viewer: &User,
) -> Result<(Vec<ReportView>, Option<i64>)> {
    let mut query = reports::table.select(Report::as_select()).into_boxed();
    if let Some(state) = q.state {
        query = query.filter(reports::state.eq(state.as_str()));
    }
    if let Some(article) = q.article_id {
        query = query.filter(reports::article_id.eq(article));
    }
    if let Some(assignee) = q.assignee_id {
        query = query.filter(reports::assignee_id.eq(assignee));
    }
    query = match (q.oldest_first, q.after) {
        (true, Some(after)) => query.filter(reports::id.gt(after)).order(reports::id.asc()),
        (true, None) => query.order(reports::id.asc()),
        (false, Some(after)) => query
            .filter(reports::id.lt(after))
            .order(reports::id.desc()),
        (false, None) => query.order(reports::id.desc()),
    };
    let limit = q.limit.clamp(1, LIST_MAX);
    let mut rows: Vec<Report> = query.limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lookups = Lookups {
        anchors: Some(anchoring::current_for_reports(conn, &ids)?),
        ..Default::default()
    };
    let views = rows
        .iter()
        .map(|r| view_with(conn, r, viewer, false, &mut lookups))
        .collect::<Result<Vec<_>>>()?;
    Ok((views, next))
}

/// A move requested through the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: Option<String>,
    pub resolution: Option<String>,
    pub duplicate_of: Option<i64>,
    pub note: Option<String>,
}

fn has_live_note(conn: &mut Conn, report_id: i64) -> Result<bool> {
    let n: i64 = note_reports::table
        .inner_join(correction_notes::table)
        .filter(note_reports::report_id.eq(report_id))
        .filter(correction_notes::retracted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Turns a refusal of the state machine into the API's answer.
pub fn refusal_error(refusal: Refusal, from: State) -> Error {
    match refusal {
        Refusal::Invalid { allowed } => {
            let names: Vec<String> = allowed.iter().map(|s| s.as_str().to_owned()).collect();
            let mut e = Error::conflict(
                "invalid_transition",
                format!(
                    "a {} report can move only to: {}",
                    from.as_str(),
                    if names.is_empty() {
                        "nothing".into()
                    } else {
                        names.join(", ")
                    }
                ),
            );
            e.allowed = names;
            e
        }
        Refusal::Forbidden { reason } => Error::forbidden(reason),
        Refusal::Incomplete { field, reason } => Error::invalid(field, reason),
    }
}

/// The original a duplicate should point at: follows `duplicate_of` to the root.
fn duplicate_root(conn: &mut Conn, report: &Report, target_id: i64) -> Result<i64> {
    let mut id = target_id;
    for _ in 0..32 {
        if id == report.id {
            return Err(Error::invalid(
                "duplicate_of",
                "a report cannot be a duplicate of itself",
            ));
        }
        let target = find_referenced(conn, id, "duplicate_of")?;
        match (target.resolution.as_deref(), target.duplicate_of) {
            (Some("duplicate"), Some(next)) => id = next,
            _ => return Ok(id),
        }
    }
    Err(Error::invalid(
        "duplicate_of",
        "the duplicate chain is too long",
    ))
}

/// Applies one workflow move for `actor`, with its event and the reporters' emails.
pub fn transition(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    id: i64,
    input: &TransitionInput,
) -> Result<Report> {
    let to_name = required(&input.to, "to")?;
    let to = State::parse(&to_name).ok_or_else(|| {
        Error::invalid(
            "to",
            format!("`{to_name}` is not a state: new, triaged, investigating or resolved"),
        )
    })?;
    let resolution = match optional_text(&input.resolution, "resolution", usize::MAX)? {
        None => None,
        Some(r) => Some(Resolution::parse(&r).ok_or_else(|| {
            Error::invalid(
                "resolution",
                format!(
                    "`{r}` is not a resolution: corrected, clarified, no_error, duplicate or spam"
                ),
            )
        })?),
    };
    let note = optional_text(&input.note, "note", COMMENT_MAX)?;
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        let from = report.state();
        let has_note = has_live_note(conn, report.id)?;
        workflow::check(from, Move { to, resolution }, actor.role(), has_note)
            .map_err(|r| refusal_error(r, from))?;
        let duplicate_of = match (resolution, input.duplicate_of) {
            (Some(Resolution::Duplicate), Some(target)) => {
                Some(duplicate_root(conn, &report, target)?)
            }
            (Some(Resolution::Duplicate), None) => {
                return Err(Error::invalid(
                    "duplicate_of",
                    "marking a duplicate needs duplicate_of: the original report's id",
                ))
            }
            (_, Some(_)) => {
                return Err(Error::invalid(
                    "duplicate_of",
                    "duplicate_of is only given with the resolution duplicate",
                ))
            }
            (_, None) => None,
        };
        if let Some(root) = duplicate_of {
            // Reports that followed this one now follow its original, so their readers still
            // hear when the original is resolved; each move is recorded.
            let followers: Vec<(i64, i64)> = reports::table
                .filter(reports::duplicate_of.eq(report.id))
                .select((reports::id, reports::article_id))
                .load(conn)?;
            for (follower, article_id) in followers {
                diesel::update(reports::table.find(follower))
                    .set((
                        reports::duplicate_of.eq(root),
                        reports::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                events::record(
                    conn,
                    NewEvent {
                        kind: "duplicate_of",
                        report_id: Some(follower),
                        article_id: Some(article_id),
                        actor: Some(actor.id),
                        from: Some(report.id.to_string()),
                        to: Some(root.to_string()),
                        body: Some(format!(
                            "{} became a duplicate of report {root}",
                            report.reference
                        )),
                        ..Default::default()
                    },
                )?;
            }
        }
        apply(
            conn,
            site,
            actor,
            &report,
            to,
            resolution,
            duplicate_of,
            note.clone(),
            None,
        )
    })
}

/// Writes a move that the state machine has allowed: the row, the event, and the emails. Also used
/// by publishing, which resolves reports with the note it creates.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    report: &Report,
    to: State,
    resolution: Option<Resolution>,
    duplicate_of: Option<i64>,
    note_text: Option<String>,
    published: Option<(i64, &mail::NoteMail<'_>)>,
) -> Result<Report> {
    let t = now();
    let resolved = to == State::Resolved;
    let updated: Report = diesel::update(reports::table.find(report.id))
        .set((
            reports::state.eq(to.as_str()),
            reports::resolution.eq(resolution.map(Resolution::as_str)),
            reports::duplicate_of.eq(duplicate_of),
            reports::resolved_at.eq(if resolved { Some(t) } else { None }),
            reports::updated_at.eq(t),
        ))
        .returning(Report::as_returning())
        .get_result(conn)?;
    let to_value = match resolution {
        Some(r) => format!("{}:{}", to.as_str(), r.as_str()),
        None => to.as_str().to_owned(),
    };
    events::record(
        conn,
        NewEvent {
            kind: "transition",
            report_id: Some(report.id),
            note_id: published.map(|p| p.0),
            article_id: Some(report.article_id),
            actor: Some(actor.id),
            from: Some(report.state.clone()),
            to: Some(to_value),
            body: note_text,
            ..Default::default()
        },
    )?;
    if let Some(resolution) = resolution.filter(|r| r.notifies_reporter()) {
        notify_resolution(conn, site, &updated, resolution, published)?;
    }
    Ok(updated)
}

/// Emails the reporter of a resolved report and, unless it was itself a duplicate, the reporters
/// who follow it as duplicates.
fn notify_resolution(
    conn: &mut Conn,
    site: &Site,
    report: &Report,
    resolution: Resolution,
    published: Option<(i64, &mail::NoteMail<'_>)>,
) -> Result<()> {
    let article = articles::find(conn, report.article_id)?
        .ok_or_else(|| Error::internal(format!("article {} missing", report.article_id)))?;
    let original_ref = match report.duplicate_of {
        Some(id) => Some(find(conn, id)?.reference),
        None => None,
    };
    let mut recipients = vec![report.clone()];
    if resolution != Resolution::Duplicate {
        let followers: Vec<Report> = reports::table
            .filter(reports::duplicate_of.eq(report.id))
            .filter(reports::resolution.eq(Resolution::Duplicate.as_str()))
            .select(Report::as_select())
            .load(conn)?;
        recipients.extend(followers);
    }
    for r in &recipients {
        let Some(to) = r.wants_mail() else { continue };
        let email = mail::report_resolved(
            to,
            r.id,
            &mail_view(r, &article, site),
            resolution.as_str(),
            original_ref.as_deref(),
            published,
        )?;
        mail::enqueue(conn, site, email)?;
    }
    Ok(())
}

/// A comment on a report, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub id: i64,
    pub report_id: i64,
    pub author: UserRef,
    pub body: String,
    pub created_at: String,
}

pub fn comment(
    conn: &mut Conn,
    actor: &User,
    id: i64,
    body: &Option<String>,
) -> Result<CommentView> {
    let body = input::required(body.as_deref(), "body", 1, COMMENT_MAX)?;
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        let event_id = events::record(
            conn,
            NewEvent {
                kind: "comment",
                report_id: Some(report.id),
                article_id: Some(report.article_id),
                actor: Some(actor.id),
                body: Some(body.clone()),
                ..Default::default()
            },
        )?;
        diesel::update(reports::table.find(report.id))
            .set(reports::updated_at.eq(now()))
            .execute(conn)?;
        Ok(CommentView {
            id: event_id,
            report_id: report.id,
            author: UserRef {
                id: actor.id,
                name: actor.name.clone(),
                email: actor.email.clone(),
            },
            body,
            created_at: rfc3339(now()),
        })
    })
}

/// Assigns a report to an active user, or clears the assignee with `None`.
pub fn assign(conn: &mut Conn, actor: &User, id: i64, user_id: Option<i64>) -> Result<Report> {
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        if let Some(uid) = user_id {
            let active: Option<bool> = users::table
                .find(uid)
                .select(users::active)
                .first(conn)
                .optional()?;
            match active {
                Some(true) => {}
                Some(false) => {
                    return Err(Error::invalid(
                        "user_id",
                        format!("user {uid} is deactivated"),
                    ))
                }
                None => return Err(Error::invalid("user_id", format!("there is no user {uid}"))),
            }
        }
        if report.assignee_id == user_id {
            return Ok(report);
        }
        let updated: Report = diesel::update(reports::table.find(report.id))
            .set((
                reports::assignee_id.eq(user_id),
                reports::updated_at.eq(now()),
            ))
            .returning(Report::as_returning())
            .get_result(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "assigned",
                report_id: Some(report.id),
                article_id: Some(report.article_id),
                actor: Some(actor.id),
                from: report.assignee_id.map(|v| v.to_string()),
                to: user_id.map(|v| v.to_string()),
                ..Default::default()
            },
        )?;
        Ok(updated)
    })
}

/// An editor's hand placement of a report's passage on the current revision.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorInput {
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// The unit of `start` and `end`: `code_points` (the default, as everywhere in Errata) or
    /// `utf16`, as a browser's `Selection` and JavaScript strings count.
    pub offsets: Option<String>,
    pub exact: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

pub fn attach(conn: &mut Conn, actor: &User, id: i64, input: &AnchorInput) -> Result<Report> {
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        let article = articles::find(conn, report.article_id)?
            .ok_or_else(|| Error::internal("report without article"))?;
        let revision = articles::current_revision(conn, &article)?;
        let len = text::cp_len(&revision.canonical_text) as i64;
        let utf16 = match input.offsets.as_deref() {
            _ if input.offsets.is_some() && input.exact.is_some() => {
                return Err(Error::invalid(
                    "offsets",
                    "offsets go with {start, end}, not with exact",
                ))
            }
            None | Some("code_points") => false,
            Some("utf16") => true,
            Some(other) => {
                return Err(Error::invalid(
                    "offsets",
                    format!("`{other}` is not an offset unit: code_points or utf16"),
                ))
            }
        };
        let (start, end) = match (input.start, input.end, &input.exact) {
            (Some(s), Some(e), None) => {
                let (s, e) = if utf16 {
                    // Converted at the edge: inside, offsets are code points.
                    let convert = |o: i64, field: &str| {
                        usize::try_from(o)
                                .ok()
                                .and_then(|o| text::utf16_to_cp(&revision.canonical_text, o))
                                .map(|o| o as i64)
                                .ok_or_else(|| {
                                    Error::invalid(field, format!("{field} {o} is not a UTF-16 offset of a character boundary in the text"))
                                })
                    };
                    (convert(s, "start")?, convert(e, "end")?)
                } else {
                    (s, e)
                };
                if s < 0 || e > len || s >= e {
                    return Err(Error::invalid(
                        "start",
                        format!("start and end must satisfy 0 <= start < end <= {len}"),
                    ));
                }
                (s as usize, e as usize)
            }
            (None, None, Some(_)) => {
                let exact = text::input::required(input.exact.as_deref(), "exact", 1, QUOTE_MAX)?;
                let prefix = text::input::verbatim(input.prefix.as_deref(), "prefix", CONTEXT_MAX)?;
                let suffix = text::input::verbatim(input.suffix.as_deref(), "suffix", CONTEXT_MAX)?;
                let found = anchoring::locate(
                    &revision.canonical_text,
                    &exact,
                    prefix.as_deref(),
                    suffix.as_deref(),
                    "exact",
                )?;
                (found.start, found.end)
            }
            _ => {
                return Err(Error::invalid(
                    "start",
                    "give either {start, end} or {exact, prefix?, suffix?}",
                ))
            }
        };
        let before = anchoring::current(conn, Subject::Report(report.id))?;
        let row = anchoring::insert(
            conn,
            Subject::Report(report.id),
            revision.id,
            &Placement::anchored("manual", 1.0, start, end),
        )?;
        events::record(
            conn,
            NewEvent {
                kind: "anchor",
                report_id: Some(report.id),
                article_id: Some(article.id),
                actor: Some(actor.id),
                from: before.map(|b| b.status),
                to: Some(row.status),
                body: Some(format!(
                    "placed by hand on [{start}, {end}) of revision {}",
                    revision.number
                )),
                ..Default::default()
            },
        )?;
        find(conn, report.id)
    })
}

/// What anyone holding the status link may see: never the reporter's name or email.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStatus {
    pub reference: String,
    pub status: String,
    pub resolution: Option<String>,
    pub category: String,
    pub article: PublicArticle,
    pub passage: String,
    pub duplicate_of: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub note: Option<crate::corrections::NoteView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicArticle {
    pub url: String,
    pub title: String,
}

pub fn public_status(conn: &mut Conn, site: &Site, token: &str) -> Result<PublicStatus> {
    let report: Report = reports::table
        .filter(reports::status_token.eq(token))
        .select(Report::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("report_not_found", "no report has this status link"))?;
    let article = articles::find(conn, report.article_id)?
        .ok_or_else(|| Error::internal("report without article"))?;
    // A duplicate's reader follows the original, including the note that resolved it.
    let note_source = report.duplicate_of.unwrap_or(report.id);
    let note = crate::corrections::live_note_for_report(conn, site, note_source)?;
    let duplicate_of = match report.duplicate_of {
        Some(id) => Some(find(conn, id)?.reference),
        None => None,
    };
    Ok(PublicStatus {
        reference: report.reference,
        status: report.state,
        resolution: report.resolution,
        category: report.category,
        article: PublicArticle {
            url: article.url,
            title: article.title,
        },
        passage: report.quote_exact,
        duplicate_of,
        created_at: rfc3339(report.created_at),
        updated_at: rfc3339(report.updated_at),
        resolved_at: rfc3339_opt(report.resolved_at),
        note,
    })
}
