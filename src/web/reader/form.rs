//! The report form for readers without JavaScript: `GET /report?url=…` and `POST /report`,
//! validated exactly as the API is (`ReportInput::validate_all`), CSRF-protected, with a honeypot.

use super::*;

pub(super) fn routes() -> Vec<Route> {
    routes![report_form, send_report]
}

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
            lang: self.lang.clone().filter(|l| !l.trim().is_empty()),
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
    let mut valid = match input.validate() {
        Ok(v) => v,
        Err(e) => return again(vec![fault_words(t, &e)], e.status),
    };
    // The reader's mail is written in the language the form was shown in.
    valid.lang = Some(t.lang().to_owned());
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
