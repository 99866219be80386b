//! Outgoing mail that is waiting or failed, with retry and discard.

use askama::Template;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::{by, done};
use crate::error::{Code, Error};
use crate::mail::outbox::{self, OutboxState};
use crate::time::readable;
use crate::web::dashboard::session::{AdminDesk, Checked};
use crate::web::dashboard::{ok, Frame, Page, PageError};
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![mail_page, mail_action]
}

struct MailRow {
    id: i64,
    template: String,
    recipient: String,
    state: String,
    attempts: i64,
    next_attempt: String,
    last_error: Option<String>,
    created: String,
    can_retry: bool,
    can_discard: bool,
}

#[derive(Template)]
#[template(path = "dashboard/admin/mail.html")]
struct MailPage {
    frame: Frame,
    messages: Vec<MailRow>,
}

#[get("/dashboard/admin/mail")]
async fn mail_page(app: &State<App>, desk: AdminDesk, flash: Option<FlashMessage<'_>>) -> Page {
    let rows = app
        .db
        .run(|conn| {
            let mut rows = outbox::list(conn, Some(OutboxState::Failed), 200)?;
            rows.extend(outbox::list(conn, Some(OutboxState::Queued), 200)?);
            rows.extend(outbox::list(conn, Some(OutboxState::Sending), 50)?);
            Ok(rows)
        })
        .await?;
    ok(&MailPage {
        frame: Frame::new(&desk.0, flash),
        messages: rows
            .into_iter()
            .map(|m| MailRow {
                id: m.id,
                can_retry: matches!(m.state, OutboxState::Failed | OutboxState::Discarded),
                can_discard: matches!(m.state, OutboxState::Failed | OutboxState::Queued),
                template: m.template.replace('_', " "),
                recipient: m.recipient,
                state: m.state.as_str().to_owned(),
                attempts: m.attempts,
                next_attempt: readable(m.next_attempt_at),
                last_error: m.last_error,
                created: readable(m.created_at),
            })
            .collect(),
    })
}

/// Retry or discard one message: the outbox decides which states allow which.
#[post("/dashboard/admin/mail/<id>/<action>", data = "<_form>")]
async fn mail_action(
    app: &State<App>,
    desk: AdminDesk,
    id: i64,
    action: &str,
    _form: Checked<crate::web::dashboard::signin::TokenOnly>,
) -> std::result::Result<Flash<Redirect>, PageError> {
    let by = by(&desk);
    let retry = match action {
        "retry" => true,
        "discard" => false,
        _ => return Err(Error::not_found(Code::NotFound, "no such action on a message").into()),
    };
    let outcome = app
        .db
        .run(move |conn| {
            if retry {
                outbox::retry(conn, id, by)?;
                Ok(format!("Message {id} is queued again."))
            } else {
                outbox::discard(conn, id, by)?;
                Ok(format!("Message {id} is discarded; it will not be sent."))
            }
        })
        .await;
    done("/dashboard/admin/mail", outcome)
}
