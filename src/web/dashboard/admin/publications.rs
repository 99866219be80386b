//! Publications: name, allowed origins, target time, contact address and corrections policy.

use askama::Template;
use rocket::form::FromForm;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::{by, done};
use crate::articles::{self, PublicationSettings};
use crate::error::{Error, Result};
use crate::web::dashboard::session::{AdminDesk, Checked, CsrfForm};
use crate::web::dashboard::{ok, Frame, Page, PageError};
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![publications_page, create_publication, update_publication]
}

struct PublicationRow {
    id: i64,
    name: String,
    base_url: String,
    origins: String,
    target_hours: i64,
    contact_email: String,
    policy_url: String,
}

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
    let list = app.db.run(articles::list_publications).await?;
    ok(&PublicationsPage {
        frame: Frame::new(&desk.0, flash),
        publications: list
            .into_iter()
            .map(|(p, origins)| {
                let own = articles::origin_of(&p.base_url).unwrap_or_default();
                PublicationRow {
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
