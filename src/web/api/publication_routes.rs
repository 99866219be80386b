//! The API's publications, for admins: the trust indicators and other settings (a partial
//! update), the webhook (set, read without its secret, remove), its delivery log and redelivery.
//! Each route takes `AdminToken`: a valid API token whose owner may manage publications.

use rocket::{delete, get, post, put};

use super::*;
use crate::accounts::permissions::{self, Action};
use crate::accounts::{self, User};
use crate::articles::PublicationPatch;
use crate::events::ActedBy;
use crate::webhooks::{self, deliveries, WebhookInput};

/// The bearer of an API token whose owner may manage publications (an admin), whatever the
/// token's scopes: these settings are the admin's, not a CMS's.
pub(super) struct AdminToken(User);

impl AdminToken {
    fn by(&self) -> ActedBy<'static> {
        ActedBy {
            user_id: Some(self.0.id),
            label: None,
        }
    }
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for AdminToken {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Error> {
        use crate::web::guards::fail;
        use rocket::outcome::Outcome;
        let header = req.headers().get_one("Authorization");
        let Some(secret) = header.and_then(bearer) else {
            return fail(
                req,
                Error::unauthorized(
                    "this needs an admin's API token: `Authorization: Bearer <token>`",
                ),
            );
        };
        let Outcome::Success(app) = req.guard::<&State<App>>().await else {
            return fail(req, Error::internal("application state missing"));
        };
        let secret = secret.to_owned();
        match app
            .db
            .run(move |conn| accounts::authenticate_token(conn, &secret))
            .await
        {
            Err(e) => fail(req, e),
            Ok(None) => fail(
                req,
                Error::unauthorized("the API token is not valid or has been revoked"),
            ),
            Ok(Some((user, _))) => {
                match permissions::require(user.role, Action::ManagePublications) {
                    Ok(()) => Outcome::Success(AdminToken(user)),
                    Err(e) => fail(req, e),
                }
            }
        }
    }
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl JsonInput for PublicationPatch {}
impl JsonInput for WebhookInput {}

#[derive(Serialize)]
pub(super) struct PublicationView {
    id: i64,
    name: String,
    base_url: String,
    slug: Option<String>,
    origins: Vec<String>,
    target_hours: i64,
    contact_email: Option<String>,
    policy_url: Option<String>,
}

#[put("/api/v1/publications/<id>", data = "<body>")]
pub(super) async fn edit_publication(
    app: &State<App>,
    admin: AdminToken,
    id: i64,
    body: JsonBody<PublicationPatch>,
) -> Answer<PublicationView> {
    let by = admin.by();
    let patch = body.0;
    let view = app
        .db
        .run(move |conn| {
            let p = articles::patch_publication(conn, id, &patch, by)?;
            let origins = articles::list_publications(conn)?
                .into_iter()
                .find(|(q, _)| q.id == p.id)
                .map(|(_, o)| o)
                .unwrap_or_default();
            Ok(PublicationView {
                id: p.id,
                name: p.name,
                base_url: p.base_url,
                slug: p.slug,
                origins,
                target_hours: p.target_hours,
                contact_email: p.contact_email,
                policy_url: p.policy_url,
            })
        })
        .await?;
    Ok(Json(view))
}

#[put("/api/v1/publications/<id>/webhook", data = "<body>")]
pub(super) async fn set_webhook(
    app: &State<App>,
    admin: AdminToken,
    id: i64,
    body: JsonBody<WebhookInput>,
) -> Answer<webhooks::WebhookView> {
    let by = admin.by();
    let input = body.0;
    let allow_private = app.settings.webhook_allow_private;
    let view = app
        .db
        .run(move |conn| webhooks::set(conn, id, &input, allow_private, by))
        .await?;
    Ok(Json(view))
}

#[get("/api/v1/publications/<id>/webhook")]
pub(super) async fn get_webhook(
    app: &State<App>,
    _admin: AdminToken,
    id: i64,
) -> Answer<webhooks::WebhookView> {
    let view = app.db.run(move |conn| webhooks::get(conn, id)).await?;
    view.map(Json).ok_or_else(|| {
        Error::not_found(
            Code::WebhookNotFound,
            format!("publication {id} has no webhook"),
        )
    })
}

#[delete("/api/v1/publications/<id>/webhook")]
pub(super) async fn remove_webhook(app: &State<App>, admin: AdminToken, id: i64) -> Result<Status> {
    let by = admin.by();
    app.db
        .run(move |conn| webhooks::remove(conn, id, by))
        .await?;
    Ok(Status::NoContent)
}

#[get("/api/v1/publications/<id>/webhook/deliveries?<limit>")]
pub(super) async fn list_deliveries(
    app: &State<App>,
    _admin: AdminToken,
    id: i64,
    limit: Option<i64>,
) -> Answer<Value> {
    let limit = limit.unwrap_or(100).clamp(1, 500);
    let list = app
        .db
        .run(move |conn| deliveries::list(conn, id, limit))
        .await?;
    Ok(Json(json!({ "publication_id": id, "deliveries": list })))
}

#[post("/api/v1/webhook-deliveries/<id>/redeliver")]
pub(super) async fn redeliver(
    app: &State<App>,
    admin: AdminToken,
    id: i64,
) -> Result<(Status, Json<deliveries::DeliveryView>)> {
    let by = admin.by();
    let view = app
        .db
        .run(move |conn| deliveries::redeliver(conn, id, by))
        .await?;
    Ok((Status::Accepted, Json(view)))
}
