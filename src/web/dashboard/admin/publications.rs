//! Publications: name, allowed origins, target time, contact address and corrections policy;
//! the webhook (its secret write-only: the page says only whether one is set) and its recent
//! deliveries, each of which may be redelivered.

use askama::Template;
use rocket::form::FromForm;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::{by, done};
use crate::articles::{self, PublicationSettings};
use crate::error::{Error, Result};
use crate::time::readable_rfc3339;
use crate::web::dashboard::session::{AdminDesk, Checked, CsrfForm};
use crate::web::dashboard::signin::TokenOnly;
use crate::web::dashboard::{ok, Frame, Page, PageError};
use crate::web::App;
use crate::webhooks::{self, deliveries, DeliveryState, WebhookInput};

pub fn routes() -> Vec<Route> {
    routes![
        publications_page,
        create_publication,
        update_publication,
        save_webhook,
        remove_webhook,
        redeliver
    ]
}

struct PublicationRow {
    id: i64,
    name: String,
    base_url: String,
    origins: String,
    target_hours: i64,
    contact_email: String,
    policy_url: String,
    webhook_url: String,
    secret_set: bool,
    deliveries: Vec<DeliveryRow>,
}

struct DeliveryRow {
    id: i64,
    event: &'static str,
    state: &'static str,
    status_code: String,
    attempts: i64,
    last_error: Option<String>,
    next_attempt: String,
    created: String,
    can_redeliver: bool,
}

/// The deliveries shown under each publication, newest first.
const DELIVERIES_SHOWN: i64 = 20;

#[derive(Template)]
#[template(path = "dashboard/admin/publications.html")]
struct PublicationsPage {
    frame: Frame,
    publications: Vec<PublicationRow>,
}

#[get("/dashboard/admin/publications")]
async fn publications_page(
    app: &State<App>,
    desk: AdminDesk,
    flash: Option<FlashMessage<'_>>,
) -> Page {
    let list = app
        .db
        .run(|conn| {
            let mut out = Vec::new();
            for (p, origins) in articles::list_publications(conn)? {
                let hook = webhooks::get(conn, p.id)?;
                let sent = deliveries::list(conn, p.id, DELIVERIES_SHOWN)?;
                out.push((p, origins, hook, sent));
            }
            Ok(out)
        })
        .await?;
    ok(&PublicationsPage {
        frame: Frame::new(&desk.0, flash),
        publications: list
            .into_iter()
            .map(|(p, origins, hook, sent)| {
                let own = articles::origin_of(&p.base_url).unwrap_or_default();
                PublicationRow {
                    webhook_url: hook.as_ref().map(|h| h.url.clone()).unwrap_or_default(),
                    secret_set: hook.is_some_and(|h| h.secret_set),
                    deliveries: sent
                        .into_iter()
                        .map(|d| DeliveryRow {
                            id: d.id,
                            event: d.event.as_str(),
                            state: d.state.as_str(),
                            status_code: d.status_code.map(|c| c.to_string()).unwrap_or_default(),
                            attempts: d.attempts,
                            last_error: d.last_error,
                            next_attempt: d
                                .next_attempt_at
                                .map(|t| readable_rfc3339(&t))
                                .unwrap_or_default(),
                            created: readable_rfc3339(&d.created_at),
                            can_redeliver: d.state != DeliveryState::Sending,
                        })
                        .collect(),
                    id: p.id,
                    origins: origins
                        .into_iter()
                        .filter(|o| *o != own)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    name: p.name,
                    base_url: p.base_url,
                    target_hours: p.target_hours,
                    contact_email: p.contact_email.unwrap_or_default(),
                    policy_url: p.policy_url.unwrap_or_default(),
                }
            })
            .collect(),
    })
}

#[derive(Debug, Default, FromForm)]
pub struct PublicationForm {
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    url: String,
    #[field(default = String::new())]
    origins: String,
    #[field(default = String::new())]
    target_hours: String,
    #[field(default = String::new())]
    contact_email: String,
    #[field(default = String::new())]
    policy_url: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for PublicationForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl PublicationForm {
    fn settings(&self) -> Result<PublicationSettings> {
        let target_hours = match self.target_hours.trim() {
            "" => 48,
            h => h.parse().map_err(|_| {
                Error::invalid("target_hours", "the target time is a whole number of hours")
            })?,
        };
        Ok(PublicationSettings {
            name: self.name.clone(),
            origins: self.origins.split_whitespace().map(str::to_owned).collect(),
            target_hours,
            contact_email: Some(self.contact_email.clone()),
            policy_url: Some(self.policy_url.clone()),
        })
    }
}

#[post("/dashboard/admin/publications", data = "<form>")]
async fn create_publication(
    app: &State<App>,
    desk: AdminDesk,
    form: Checked<PublicationForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let f = form.0;
    let outcome = app
        .db
        .run(move |conn| {
            let settings = f.settings()?;
            crate::db::write(conn, |conn| {
                let p = articles::create_publication(conn, &f.name, &f.url, &[])?;
                let p = articles::update_publication(conn, p.id, &settings, by)?;
                Ok(format!("{} is registered.", p.name))
            })
        })
        .await;
    done("/dashboard/admin/publications", outcome)
}

#[post("/dashboard/admin/publications/<id>", data = "<form>")]
async fn update_publication(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    form: Checked<PublicationForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let f = form.0;
    let outcome = app
        .db
        .run(move |conn| {
            let p = articles::update_publication(conn, id, &f.settings()?, by)?;
            Ok(format!("{} is saved.", p.name))
        })
        .await;
    done("/dashboard/admin/publications", outcome)
}

#[derive(Debug, Default, FromForm)]
pub struct WebhookForm {
    #[field(default = String::new())]
    url: String,
    #[field(default = String::new())]
    secret: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for WebhookForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Sets the webhook; an empty secret keeps the one set (it is never shown back).
#[post("/dashboard/admin/publications/<id>/webhook", data = "<form>")]
async fn save_webhook(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    form: Checked<WebhookForm>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let f = form.0;
    let allow_private = app.settings.webhook_allow_private;
    let input = WebhookInput {
        url: Some(f.url),
        secret: Some(f.secret),
    };
    let outcome = app
        .db
        .run(move |conn| {
            let w = webhooks::set(conn, id, &input, allow_private, by)?;
            Ok(format!("Webhooks now go to {}.", w.url))
        })
        .await;
    done("/dashboard/admin/publications", outcome)
}

#[post("/dashboard/admin/publications/<id>/webhook/remove", data = "<_form>")]
async fn remove_webhook(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    _form: Checked<TokenOnly>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let outcome = app
        .db
        .run(move |conn| {
            webhooks::remove(conn, id, by)?;
            Ok("The webhook is removed.".to_owned())
        })
        .await;
    done("/dashboard/admin/publications", outcome)
}

#[post("/dashboard/admin/webhook-deliveries/<id>/redeliver", data = "<_form>")]
async fn redeliver(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    _form: Checked<TokenOnly>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let outcome = app
        .db
        .run(move |conn| {
            deliveries::redeliver(conn, id, by)?;
            Ok(format!("Delivery {id} is queued again."))
        })
        .await;
    done("/dashboard/admin/publications", outcome)
}
