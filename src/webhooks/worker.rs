//! The webhook worker: claims due deliveries, signs and POSTs each, records the outcome, and
//! sleeps until the next one is due or it is woken by a new delivery.

use std::sync::Arc;
use std::time::Duration;

use rocket::tokio::sync::Notify;

use super::deliveries::{self, Attempt, DeliveryState, Due};
use super::{client, signature};
use crate::db::Db;
use crate::error::Result;
use crate::time::now;

/// The settings the worker runs with (from `webhook_*` in the configuration).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub allow_private: bool,
    pub retry_base_s: u64,
    pub max_attempts: u32,
    pub timeout: Duration,
    /// The longest sleep between looks at the queue (deliveries queued by another process).
    pub poll: Duration,
    /// How long a claim on a delivery holds (`outbox_lease_s`).
    pub lease: chrono::Duration,
}

/// Wakes the worker when a delivery was queued.
#[derive(Clone, Default)]
pub struct Wakeup(pub Arc<Notify>);

impl Wakeup {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// The hook for `Db::after_each_run`: wakes the worker after work that queued a delivery.
pub fn wake_when_queued(wakeup: Wakeup) -> impl Fn() + Send + Sync + 'static {
    move || {
        if super::take_queued() {
            wakeup.wake();
        }
    }
}

async fn attempt(row: &Due, policy: Policy) -> Attempt {
    let Some((url, secret)) = &row.target else {
        return Attempt::failed(None, "the publication has no webhook any more", true);
    };
    let timestamp = chrono::Utc::now().timestamp();
    let headers = [
        ("X-Errata-Event", row.event.as_str().to_owned()),
        ("X-Errata-Timestamp", timestamp.to_string()),
        (
            "X-Errata-Signature",
            signature(secret, timestamp, &row.body),
        ),
        ("X-Errata-Delivery", row.id.to_string()),
    ];
    match client::post(
        url,
        &headers,
        row.body.clone(),
        policy.allow_private,
        policy.timeout,
    )
    .await
    {
        Ok(status) => Attempt::delivered(status),
        Err(f) => Attempt::failed(f.status, f.message, f.permanent),
    }
}

/// Claims and sends every due delivery; returns how many were delivered.
pub async fn deliver_due(db: &Db, policy: Policy) -> Result<usize> {
    let due = db
        .run(move |conn| deliveries::claim_due(conn, deliveries::CLAIM, policy.lease))
        .await?;
    let mut delivered = 0;
    for row in due {
        // Still this worker's (the claim's lease is still on it), for long enough to send it.
        let (id, held) = (row.id, row.held);
        if !crate::time::claim_is_fresh(held, policy.lease)
            && !db
                .run(move |conn| deliveries::renew_claim(conn, id, held, policy.lease))
                .await?
        {
            log::info!("webhook delivery {id}: its claim ran out and another worker took it up");
            continue;
        }
        let outcome = attempt(&row, policy).await;
        if let Some(error) = &outcome.error {
            log::warn!(
                "webhook delivery {} ({}) failed (attempt {}): {error}",
                row.id,
                row.event.as_str(),
                row.attempts + 1
            );
        }
        let (id, attempts) = (row.id, row.attempts);
        let state = db
            .run(move |conn| {
                deliveries::record_attempt(
                    conn,
                    id,
                    attempts,
                    outcome,
                    policy.retry_base_s,
                    policy.max_attempts,
                )
            })
            .await?;
        match state {
            DeliveryState::Delivered => {
                delivered += 1;
                log::info!("webhook delivery {id} delivered");
            }
            DeliveryState::Failed => {
                log::warn!("webhook delivery {id} failed for good; an admin can redeliver it")
            }
            _ => {}
        }
    }
    Ok(delivered)
}

/// How long to sleep: until the next delivery is due, at most `poll`.
async fn sleep_for(db: &Db, poll: Duration) -> Duration {
    match db.run(deliveries::next_due).await {
        Ok(Some(at)) => (at - now()).to_std().unwrap_or(Duration::ZERO).min(poll),
        _ => poll,
    }
}

/// Runs until `shutdown` resolves.
pub async fn run(db: Db, policy: Policy, wakeup: Wakeup, shutdown: rocket::Shutdown) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        if let Err(e) = deliver_due(&db, policy).await {
            log::error!("webhook worker: {e}");
        }
        // Never spin: a due delivery whose claim failed waits a moment.
        let wait = sleep_for(&db, policy.poll)
            .await
            .max(Duration::from_millis(20));
        rocket::tokio::select! {
            _ = wakeup.0.notified() => {}
            _ = rocket::tokio::time::sleep(wait) => {}
            _ = &mut shutdown => break,
        }
    }
}
