//! Many readers at once against one SQLite file.

use std::sync::Arc;

use rocket::http::{ContentType, Status};
use serde_json::json;

use crate::support::{TestApp, ARTICLE_URL};

#[rocket::async_test]
async fn eight_tasks_file_fifty_reports_each_without_a_lock_error() {
    let app = TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for t in 0..8 {
        let app = app.clone();
        tasks.push(rocket::tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..50 {
                let body = json!({
                    "article_url": ARTICLE_URL,
                    "passage": { "exact": "roughly 14,000 vehicles a day" },
                    "category": "factual_error",
                    "description": format!("Task {t} report {i}: the count is off."),
                    "reporter": { "email": format!("r{t}-{i}@example.org"), "notify": true },
                });
                let response = app
                    .client
                    .post("/api/v1/reports")
                    .header(ContentType::JSON)
                    .body(body.to_string())
                    .dispatch()
                    .await;
                let status = response.status();
                let text = response.into_string().await.unwrap_or_default();
                statuses.push((status, text));
            }
            statuses
        }));
    }
    let mut created = 0;
    for task in tasks {
        for (status, text) in task.await.expect("task") {
            assert_eq!(status, Status::Created, "{text}");
            assert!(!text.contains("locked"), "{text}");
            created += 1;
        }
    }
    assert_eq!(created, 400);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM reports"), 400);
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT reference) AS n FROM reports"),
        400
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE template = 'report_received'"),
        400
    );
}
