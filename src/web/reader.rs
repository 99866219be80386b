//! What a reader reaches without an account: the front door, the demo article as a publisher would
//! serve it, the status page behind every emailed link, the embed script, and the report form
//! that works without JavaScript. Validation and filing are the API's own (`reports::file`).

use askama::Template;
use hmac::{Hmac, Mac};
use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, Cookie, CookieJar, Header, SameSite, Status};
use rocket::response::content::RawHtml;
use rocket::response::{self, Responder};
use rocket::{get, post, routes, Request, Route, State};
use sha2::Sha256;

use super::guards::SenderHash;
use super::App;
use crate::articles;
use crate::demo::ARTICLE_PATH as DEMO_PATH;
use crate::error::{Error, Result};
use crate::i18n::{self, Lang, Messages};
use crate::reports::{self, PassageInput, ReportInput, ReporterInput};
use crate::status::{self, PublicStatus};
use crate::workflow::{Resolution, State as ReportState};

pub fn routes() -> Vec<Route> {
    routes![
        home,
        demo_article,
        status_page,
        embed_script,
        reader_stylesheet,
        report_form,
        send_report
    ]
}

fn render(t: &impl Template) -> Result<String> {
    t.render().map_err(|e| Error::internal_while("template", e))
}

fn page(status: Status, html: String) -> (Status, RawHtml<String>) {
    (status, RawHtml(html))
}

#[derive(Template)]
#[template(path = "reader/message.html")]
struct MessagePage<'a> {
    t: Messages,
    title: &'a str,
    message: &'a str,
}

/// A page that says what went wrong, in English (for pages not yet in the catalogue).
pub(super) fn message(
    status: Status,
    title: &str,
    text: &str,
) -> Result<(Status, RawHtml<String>)> {
    Ok(page(
        status,
        render(&MessagePage {
            t: Messages(Lang::En),
            title,
            message: text,
        })?,
    ))
}

/// A page that says what went wrong, in the reader's language: `key-title` and `key`.
fn message_in(t: Messages, status: Status, key: &str) -> Result<(Status, RawHtml<String>)> {
    Ok(page(
        status,
        render(&MessagePage {
            t,
            title: &t.get(&format!("{key}-title")),
            message: &t.get(key),
        })?,
    ))
}

/// The reader's language for a page: `?lang=`, else `Accept-Language`, else English.
pub struct ReaderLang(pub Lang);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for ReaderLang {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        let named = req.query_value::<&str>("lang").and_then(|v| v.ok());
        let accept = req.headers().get_one("Accept-Language");
        rocket::request::Outcome::Success(ReaderLang(i18n::choose(named, accept)))
    }
}

// ---- front door and demo -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reader/home.html")]
struct HomePage {
    demo_url: Option<String>,
}

#[get("/")]
async fn home(app: &State<App>) -> Result<RawHtml<String>> {
    let url = format!("{}{DEMO_PATH}", app.site.base_url);
    let key = url.clone();
    let demo = app
        .db
        .run(move |conn| articles::find_by_url(conn, &key))
        .await?;
    Ok(RawHtml(render(&HomePage {
        demo_url: demo.map(|_| DEMO_PATH.to_owned()),
    })?))
}

#[derive(Template)]
#[template(path = "reader/article.html")]
struct ArticlePage {
    publication: String,
    title: String,
    url: String,
    published_at: Option<String>,
    paragraphs: Vec<String>,
}

/// The demo article as a newsroom's own site would show it, with the embed on it. (Rocket needs
/// the path written out; a test checks it is `DEMO_PATH`.)
#[get("/demo/2026/11/pier-9-ferry-terminal-rebuild")]
async fn demo_article(app: &State<App>) -> Result<(Status, RawHtml<String>)> {
    let url = format!("{}{DEMO_PATH}", app.site.base_url);
    let key = url.clone();
    let found = app
        .db
        .run(move |conn| {
            let Some(article) = articles::find_by_url(conn, &key)? else {
                return Ok(None);
            };
            let revision = articles::current_revision(conn, &article)?;
            let publication = articles::publication(conn, article.publication_id)?;
            Ok(Some((article, revision, publication)))
        })
        .await?;
    let Some((article, revision, publication)) = found else {
        return message(
            Status::NotFound,
            "No demo here",
            "This server was started without the demo article (set `demo = true` on an empty database to get it).",
        );
    };
    let html = render(&ArticlePage {
        publication: publication.name,
        title: article.title,
        url,
        published_at: article
            .published_at
            .map(|t| t.format("%-d %B %Y").to_string()),
        paragraphs: revision
            .canonical_text
            .split("\n\n")
            .map(str::to_owned)
            .collect(),
    })?;
    Ok(page(Status::Ok, html))
}

// ---- static files --------------------------------------------------------------------------

#[derive(rocket::Responder)]
struct Asset(&'static str, ContentType, Header<'static>);

/// Where `static/embed.js` takes its messages: the server puts the catalogues' widget strings
/// there, so the embed needs no request of its own for them.
const MESSAGES_SLOT: &str = "/*ERRATA_MESSAGES*/{}";

/// The embed with every language's widget messages inside, made once.
static EMBED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    include_str!("../../static/embed.js").replacen(
        MESSAGES_SLOT,
        &i18n::widget_catalogue().to_string(),
        1,
    )
});

/// The embed, built into the binary. Publishers' pages load it on every view: cached briefly, so
/// a fixed embed reaches readers within minutes.
#[get("/embed.js")]
fn embed_script() -> Asset {
    Asset(
        EMBED.as_str(),
        ContentType::JavaScript,
        Header::new("Cache-Control", "public, max-age=300"),
    )
}

#[get("/static/reader.css")]
fn reader_stylesheet() -> Asset {
    Asset(
        include_str!("../../static/reader.css"),
        ContentType::CSS,
        Header::new("Cache-Control", "public, max-age=3600"),
    )
}

// ---- status page ---------------------------------------------------------------------------

/// One step of the public timeline.
struct Step {
    label: String,
    /// When, as RFC 3339 (for `<time datetime>`) and in words.
    at: Option<(String, String)>,
    /// `done`, `current` or `upcoming`.
    state: &'static str,
}

#[derive(Template)]
#[template(path = "reader/status.html")]
struct StatusPage<'a> {
    t: Messages,
    s: &'a PublicStatus,
    steps: Vec<Step>,
    outcome: Option<String>,
}

/// A resolution in the reader's words: the outcome, and what it means.
fn outcome_words(
    t: Messages,
    resolution: Resolution,
    duplicate_of: Option<&str>,
) -> (String, String) {
    let key = match resolution {
        Resolution::Spam => "closed",
        other => other.as_str(),
    };
    let why = t.with(
        &format!("outcome-{key}-why"),
        "original",
        duplicate_of.unwrap_or("none"),
    );
    (t.get(&format!("outcome-{key}")), why)
}

/// The reader's timeline in plain words: Received, Under review, Resolved (with its outcome).
fn timeline(t: Messages, s: &PublicStatus) -> (Vec<Step>, Option<String>) {
    let when = |rfc3339: &str| (rfc3339.to_owned(), t.date_time_rfc3339(rfc3339));
    let resolved = !s.status.is_open();
    let reviewing = matches!(s.status, ReportState::Triaged | ReportState::Investigating);
    let outcome = s
        .resolution
        .map(|r| outcome_words(t, r, s.duplicate_of.as_deref()));
    let steps = vec![
        Step {
            label: t.get("status-received"),
            at: Some(when(&s.created_at)),
            state: if resolved || reviewing {
                "done"
            } else {
                "current"
            },
        },
        Step {
            label: t.get("status-under-review"),
            at: None,
            state: if resolved {
                "done"
            } else if reviewing {
                "current"
            } else {
                "upcoming"
            },
        },
        Step {
            label: match &outcome {
                Some((word, _)) if resolved => t.with("status-resolved-as", "outcome", word),
                _ => t.get("status-resolved"),
            },
            at: s.resolved_at.as_deref().filter(|_| resolved).map(when),
            state: if resolved { "current" } else { "upcoming" },
        },
    ];
    (steps, outcome.filter(|_| resolved).map(|(_, e)| e))
}

#[get("/status/<token>")]
async fn status_page(
    app: &State<App>,
    lang: ReaderLang,
    token: &str,
) -> Result<(Status, RawHtml<String>)> {
    let t = Messages(lang.0);
    let site = app.site.clone();
    let token = token.to_owned();
    let found = app
        .db
        .run(move |conn| status::public_status(conn, &site, &token))
        .await;
    match found {
        Ok(status) => Ok(page(Status::Ok, status_page_in(t, &status)?)),
        Err(e) if e.status == Status::NotFound => {
            message_in(t, Status::NotFound, "message-unknown-status")
        }
        Err(e) => Err(e),
    }
}

fn status_page_in(t: Messages, status: &PublicStatus) -> Result<String> {
    let (steps, outcome) = timeline(t, status);
    render(&StatusPage {
        t,
        s: status,
        steps,
        outcome,
    })
}

/// The reader's status page for a browser at the API's status link (in English).
pub(super) fn status_html(status: &PublicStatus) -> Result<String> {
    status_page_in(Messages(Lang::En), status)
}

/// The page for a status link that matches no report (in English, for the API's link).
pub(super) fn unknown_status_link() -> Result<(Status, RawHtml<String>)> {
    message_in(
        Messages(Lang::En),
        Status::NotFound,
        "message-unknown-status",
    )
}

// ---- the report form without JavaScript ----------------------------------------------------

const CSRF_COOKIE: &str = "errata_csrf";

/// The form's hidden token: the cookie's random value signed with the server's secret, so a
/// cookie planted by a neighbouring site cannot be paired with a token of its own making.
fn csrf_mac(key: &[u8], cookie: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(b"report-form|");
    mac.update(cookie.as_bytes());
    mac
}

fn csrf_field(key: &[u8], cookie: &str) -> String {
    hex::encode(csrf_mac(key, cookie).finalize().into_bytes())
}

fn csrf_matches(key: &[u8], cookie: Option<&str>, field: &str) -> bool {
    let Some(cookie) = cookie.filter(|c| c.len() >= 16) else {
        return false;
    };
    let Ok(given) = hex::decode(field) else {
        return false;
    };
    // `verify_slice` compares in constant time.
    csrf_mac(key, cookie).verify_slice(&given).is_ok()
}

/// The CSRF cookie (made if missing) and the matching hidden-field token.
fn csrf_token(app: &App, jar: &CookieJar<'_>) -> String {
    let value = match jar.get(CSRF_COOKIE) {
        Some(c) if c.value().len() >= 16 => c.value().to_owned(),
        _ => {
            let value = crate::secrets::random_secret(24);
            let secure = app.site.base_url.starts_with("https://");
            jar.add(
                Cookie::build((CSRF_COOKIE, value.clone()))
                    .path("/report")
                    .http_only(true)
                    .secure(secure)
                    .same_site(SameSite::Strict),
            );
            value
        }
    };
    csrf_field(app.ip_salt.as_bytes(), &value)
}

/// What the reader typed, kept to fill the form again. A field left out is empty, so that
/// the API's validation (not the form parser) says what is missing.
#[derive(Debug, Default, Clone, FromForm)]
pub struct ReportForm {
    #[field(default = String::new())]
    article_url: String,
    #[field(default = String::new())]
    passage: String,
    prefix: Option<String>,
    suffix: Option<String>,
    #[field(default = String::new())]
    category: String,
    #[field(default = String::new())]
    description: String,
    #[field(default = String::new())]
    suggested_correction: String,
    #[field(default = String::new())]
    evidence_urls: String,
    #[field(default = String::new())]
    reporter_name: String,
    #[field(default = String::new())]
    reporter_email: String,
    notify: bool,
    #[field(default = String::new())]
    csrf_token: String,
    /// The honeypot: hidden from people, filled by bots.
    #[field(default = String::new())]
    website: String,
    /// The language the form was shown in, so that its answer stays in it.
    lang: Option<String>,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

impl ReportForm {
    fn to_input(&self) -> ReportInput {
        ReportInput {
            article_url: Some(self.article_url.clone()),
            passage: Some(PassageInput {
                exact: Some(self.passage.clone()),
                prefix: self.prefix.clone().filter(|p| !p.is_empty()),
                suffix: self.suffix.clone().filter(|s| !s.is_empty()),
            }),
            category: Some(self.category.clone()),
            description: Some(self.description.clone()),
            suggested_correction: non_empty(&self.suggested_correction),
            evidence_urls: Some(
                self.evidence_urls
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            ),
            reporter: Some(ReporterInput {
                name: non_empty(&self.reporter_name),
                email: non_empty(&self.reporter_email),
                notify: Some(self.notify),
            }),
        }
    }
}

/// The form's own field for a field the API names (`reporter.email`, `evidence_urls[2]`).
fn form_field(api_field: &str) -> Option<&'static str> {
    let field = match api_field {
        f if f.starts_with("passage") => "passage",
        f if f.starts_with("evidence_urls") => "evidence_urls",
        "category" => "category",
        "description" => "description",
        "suggested_correction" => "suggested_correction",
        "reporter.name" => "reporter_name",
        "reporter.email" | "reporter.notify" => "reporter_email",
        _ => return None,
    };
    Some(field)
}

/// What the reader is told about a refused field: the catalogue's words for the form's field,
/// or the server's own message for anything else.
fn fault_words(t: Messages, e: &Error) -> (String, String) {
    match e.field.as_deref().and_then(form_field) {
        Some(field) => (field.to_owned(), t.get(&format!("invalid-{field}"))),
        None => (String::new(), e.message.clone()),
    }
}

/// Every field's error at once, by the API's own validation, each under the form's field.
fn field_errors(
    t: Messages,
    input: &ReportInput,
) -> std::result::Result<(), Vec<(String, String)>> {
    input.validate_all().map(|_| ()).map_err(|faults| {
        let mut errors: Vec<(String, String)> = Vec::new();
        for e in &faults {
            let fault = fault_words(t, e);
            // Several faults in one field (two bad links) are one message by it.
            if !errors.contains(&fault) {
                errors.push(fault);
            }
        }
        errors
    })
}

struct Field {
    name: &'static str,
    label: String,
    error: Option<String>,
}

impl Field {
    fn describedby(&self) -> String {
        format!("{}-error", self.name)
    }
}

#[derive(Template)]
#[template(path = "reader/report.html")]
struct FormPage<'a> {
    t: Messages,
    f: &'a ReportForm,
    article_title: &'a str,
    csrf: String,
    categories: Vec<(&'static str, String)>,
    summary: Vec<String>,
    fields: Vec<Field>,
}

impl FormPage<'_> {
    fn field(&self, name: &str) -> &Field {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or(&self.fields[0])
    }
}

/// The form's fields and the catalogue keys of their labels.
const FIELD_LABELS: [(&str, &str); 8] = [
    ("passage", "report-passage"),
    ("category", "report-category"),
    ("description", "report-description"),
    ("suggested_correction", "report-suggestion"),
    ("evidence_urls", "report-evidence"),
    ("reporter_name", "report-name"),
    ("reporter_email", "report-email"),
    ("notify", "report-notify"),
];

fn form_page(
    t: Messages,
    f: &ReportForm,
    article_title: &str,
    csrf: String,
    errors: Vec<(String, String)>,
) -> Result<String> {
    let fields = FIELD_LABELS
        .iter()
        .map(|(name, label)| Field {
            name,
            label: t.get(label),
            error: errors
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, m)| m.clone()),
        })
        .collect();
    render(&FormPage {
        t,
        f,
        article_title,
        csrf,
        categories: reports::Category::ALL
            .iter()
            .map(|c| (c.as_str(), t.get(&format!("category-{}", c.as_str()))))
            .collect(),
        summary: errors.into_iter().map(|(_, m)| m).collect(),
        fields,
    })
}

#[derive(Template)]
#[template(path = "reader/sent.html")]
struct SentPage<'a> {
    t: Messages,
    reference: &'a str,
    status_path: &'a str,
    article_url: &'a str,
}

async fn article_title(app: &App, url: &str) -> Result<Option<String>> {
    let url = url.to_owned();
    app.db
        .run(move |conn| Ok(articles::find_by_url(conn, &url)?.map(|a| a.title)))
        .await
}

#[get("/report?<url>&<exact>&<prefix>&<suffix>")]
async fn report_form(
    app: &State<App>,
    jar: &CookieJar<'_>,
    lang: ReaderLang,
    url: Option<String>,
    exact: Option<String>,
    prefix: Option<String>,
    suffix: Option<String>,
) -> Result<(Status, RawHtml<String>)> {
    let t = Messages(lang.0);
    let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
        return message_in(t, Status::BadRequest, "message-which-article");
    };
    let Some(title) = article_title(app, &url).await? else {
        return message_in(t, Status::NotFound, "message-unknown-article");
    };
    let form = ReportForm {
        article_url: url,
        passage: exact.unwrap_or_default(),
        prefix,
        suffix,
        ..Default::default()
    };
    let csrf = csrf_token(app, jar);
    Ok(page(Status::Ok, form_page(t, &form, &title, csrf, vec![])?))
}

/// The form's answer: a page, and `Retry-After` when the sender is over the hourly limit.
pub struct FormAnswer {
    status: Status,
    html: String,
    retry_after: Option<u64>,
}

impl From<(Status, RawHtml<String>)> for FormAnswer {
    fn from((status, RawHtml(html)): (Status, RawHtml<String>)) -> Self {
        FormAnswer {
            status,
            html,
            retry_after: None,
        }
    }
}

impl<'r> Responder<'r, 'static> for FormAnswer {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut res = RawHtml(self.html).respond_to(req)?;
        res.set_status(self.status);
        if let Some(seconds) = self.retry_after {
            res.set_raw_header("Retry-After", seconds.to_string());
        }
        Ok(res)
    }
}

#[post("/report", data = "<form>")]
async fn send_report(
    app: &State<App>,
    jar: &CookieJar<'_>,
    sender: SenderHash,
    lang: ReaderLang,
    form: Form<ReportForm>,
) -> Result<FormAnswer> {
    let form = form.into_inner();
    let t = Messages(
        form.lang
            .as_deref()
            .and_then(Lang::from_tag)
            .unwrap_or(lang.0),
    );
    let cookie = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    if !csrf_matches(app.ip_salt.as_bytes(), cookie.as_deref(), &form.csrf_token) {
        return message_in(t, Status::Forbidden, "message-csrf").map(FormAnswer::from);
    }
    if !form.website.is_empty() {
        // A bot filled the field people never see: answer as if filed, write nothing.
        let reference = format!(
            "ERR-{}-{:06}",
            chrono::Utc::now().format("%Y"),
            rand::random::<u32>() % 1_000_000
        );
        let status_path = format!("/status/{}", crate::secrets::random_secret(24));
        let html = render(&SentPage {
            t,
            reference: &reference,
            status_path: &status_path,
            article_url: &form.article_url,
        })?;
        return Ok(page(Status::Created, html).into());
    }
    let Some(title) = article_title(app, &form.article_url).await? else {
        return message_in(t, Status::NotFound, "message-unknown-article").map(FormAnswer::from);
    };
    let input = form.to_input();
    let again = |errors: Vec<(String, String)>, status: Status| -> Result<FormAnswer> {
        let csrf = csrf_token(app, jar);
        Ok(page(status, form_page(t, &form, &title, csrf, errors)?).into())
    };
    if let Err(errors) = field_errors(t, &input) {
        return again(errors, Status::UnprocessableEntity);
    }
    let valid = match input.validate() {
        Ok(v) => v,
        Err(e) => return again(vec![fault_words(t, &e)], e.status),
    };
    let site = app.site.clone();
    let sender = reports::Sender {
        ip_hash: sender.0,
        origin: None,
        hourly_limit: app.settings.report_rate_limit,
    };
    let filed = app
        .db
        .run(move |conn| reports::file(conn, &site, &valid, sender))
        .await;
    let filed = match filed {
        Ok(f) => f,
        Err(e) if e.retry_after.is_some() => {
            let seconds = e.retry_after.unwrap_or(3600);
            let minutes = crate::ratelimit::minutes(seconds);
            let text = t.args("form-try-again", &[("minutes", minutes.into())]);
            let mut answer = again(vec![(String::new(), text)], e.status)?;
            answer.retry_after = Some(seconds);
            return Ok(answer);
        }
        Err(e) if e.status.code < 500 => return again(vec![fault_words(t, &e)], e.status),
        Err(e) => return Err(e),
    };
    let status_path = filed
        .status_url
        .strip_prefix(&app.site.base_url)
        .unwrap_or(&filed.status_url)
        .to_owned();
    let html = render(&SentPage {
        t,
        reference: &filed.reference,
        status_path: &status_path,
        article_url: &form.article_url,
    })?;
    // A repeat of the reader's report of moments ago is that report, not a new one.
    let status = if filed.repeated {
        Status::Ok
    } else {
        Status::Created
    };
    Ok(page(status, html).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_article_is_served_where_the_demo_puts_it() {
        assert!(routes()
            .iter()
            .any(|r| r.name.as_deref() == Some("demo_article") && r.uri.path() == DEMO_PATH));
    }

    #[test]
    fn the_csrf_token_matches_only_its_own_cookie_and_key() {
        let cookie = "a-random-cookie-value";
        let token = csrf_field(b"server secret", cookie);
        assert_eq!(token.len(), 64);
        assert!(csrf_matches(b"server secret", Some(cookie), &token));
        assert!(!csrf_matches(
            b"server secret",
            Some("another-cookie-value"),
            &token
        ));
        assert!(!csrf_matches(b"another secret", Some(cookie), &token));
        assert!(!csrf_matches(b"server secret", Some(cookie), &token[..62]));
        assert!(!csrf_matches(b"server secret", Some(cookie), "not hex"));
        assert!(!csrf_matches(b"server secret", None, &token));
        assert!(!csrf_matches(
            b"server secret",
            Some("short"),
            &csrf_field(b"server secret", "short")
        ));
    }

    #[test]
    fn every_field_error_is_found_in_one_pass() {
        let form = ReportForm {
            article_url: "https://paper.example/a".into(),
            passage: " ".into(),
            category: "".into(),
            description: "short".into(),
            evidence_urls: "not-a-link".into(),
            reporter_email: "nobody".into(),
            ..Default::default()
        };
        let errors = field_errors(Messages(Lang::En), &form.to_input()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "passage",
                "category",
                "description",
                "evidence_urls",
                "reporter_email"
            ]
        );
    }
}
