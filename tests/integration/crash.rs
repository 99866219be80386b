//! Intake is crash-safe: the real binary, killed with SIGKILL at a random moment while readers
//! file reports as fast as they can, has every report it acknowledged with 201 in its file.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use rand::Rng;
use serde_json::{json, Value};

use crate::support::binary::{request_on, Errata, Server};
use crate::support::R1;

const ARTICLE: &str = "https://news.example.com/2026/11/kessler-bridge-bond";
const CLIENTS: usize = 12;

/// One `POST /api/v1/reports` over its own connection: the status and body, or `None` when the
/// server went away before answering.
fn file_report(port: u16, body: &str) -> Option<(u16, String)> {
    request_on(port, "POST", "/api/v1/reports", None, body)
}

/// The real binary serving the article every filing here quotes, with no report rate limit.
fn serving_the_article() -> (Errata, Server) {
    let errata = Errata::new().env("ROCKET_REPORT_RATE_LIMIT", "0");
    let token = errata.user_with_token("chief@newsroom.test", "editor");
    let server = errata.serve();
    let (status, body) = server.json(
        "PUT",
        "/api/v1/articles",
        Some(&token),
        Some(json!({ "url": ARTICLE, "title": "Council approves bridge bond", "body_text": R1 })),
    );
    assert_eq!(status, 201, "{body}");
    (errata, server)
}

#[derive(QueryableByName)]
struct Reference {
    #[diesel(sql_type = diesel::sql_types::Text)]
    reference: String,
}

#[test]
fn every_report_acknowledged_before_a_sigkill_is_in_the_database_file() {
    let (errata, server) = serving_the_article();

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let unanswered = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(AtomicBool::new(false));
    let port = server.port;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (acknowledged, unanswered, stop) =
                (acknowledged.clone(), unanswered.clone(), stop.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = json!({
                        "article_url": ARTICLE,
                        "passage": { "exact": "roughly 14,000 vehicles a day" },
                        "category": "factual_error",
                        "description": format!("Reader {c}, report {i}: the study says 12,000."),
                        "reporter": { "name": "Ada Reader", "email": "ada@reader.example", "notify": true },
                    })
                    .to_string();
                    match file_report(port, &body) {
                        Some((201, answer)) => {
                            let answer: Value = serde_json::from_str(&answer).expect("JSON");
                            let reference = answer["reference"].as_str().expect("a reference");
                            acknowledged.lock().unwrap().push(reference.to_owned());
                        }
                        Some((status, answer)) => panic!("{status}: {answer}"),
                        None => {
                            *unanswered.lock().unwrap() += 1;
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    // Under load for a while, then killed at a moment no one chose.
    std::thread::sleep(Duration::from_millis(
        rand::thread_rng().gen_range(800..2500),
    ));
    let log = server.stop();
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().expect("a client thread");
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 20,
        "the server was under load when killed ({} reports acknowledged): {log}",
        acknowledged.len()
    );
    assert!(
        *unanswered.lock().unwrap() > 0,
        "the kill came while reports were in flight"
    );
    let mut conn = errata::db::connect(&errata.database_url()).expect("the database opens");
    let kept: std::collections::HashSet<String> =
        diesel::sql_query("SELECT reference FROM reports")
            .load::<Reference>(&mut conn)
            .expect("the reports")
            .into_iter()
            .map(|r| r.reference)
            .collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|r| !kept.contains(*r)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged reports are not in the file: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    if crate::support::database::is_postgres() {
        return;
    }
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let check: Check = diesel::sql_query("PRAGMA integrity_check")
        .get_result(&mut conn)
        .expect("integrity check");
    assert_eq!(check.integrity_check, "ok");
}

/// The running server adds filed reports to the search index by itself, in the background (its
/// checkpointer's tick), with no search to prompt it.
#[test]
fn the_running_server_indexes_filed_reports_for_search_in_the_background() {
    if crate::support::database::sqlite_only("search index filled in batches") {
        return;
    }
    use errata::db::schema::{reports, search_indexed};
    let (errata, server) = serving_the_article();
    for i in 0..5 {
        let body = json!({
            "article_url": ARTICLE,
            "passage": { "exact": "roughly 14,000 vehicles a day" },
            "category": "factual_error",
            "description": format!("Report {i}: the xylophonecount does not match the study."),
        })
        .to_string();
        let (status, answer) = file_report(server.port, &body).expect("an answer");
        assert_eq!(status, 201, "{answer}");
    }
    let mut conn = errata::db::connect(&errata.database_url()).expect("the database opens");
    let newest: i64 = reports::table
        .select(diesel::dsl::max(reports::id))
        .first::<Option<i64>>(&mut conn)
        .expect("max")
        .expect("reports");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mark: i64 = search_indexed::table
            .select(search_indexed::up_to)
            .first(&mut conn)
            .expect("the mark");
        if mark >= newest {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the index stayed at {mark}, below {newest}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    #[derive(QueryableByName)]
    struct Hit {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rowid: i64,
    }
    let hits =
        diesel::sql_query("SELECT rowid FROM reports_fts WHERE reports_fts MATCH 'xylophonecount'")
            .load::<Hit>(&mut conn)
            .expect("a search");
    assert_eq!(
        hits.len(),
        5,
        "{:?}",
        hits.iter().map(|h| h.rowid).collect::<Vec<_>>()
    );
    diesel::sql_query("INSERT INTO reports_fts (reports_fts, rank) VALUES ('integrity-check', 1)")
        .execute(&mut conn)
        .expect("the search index matches the table");
    server.stop();
}

/// Under a steady stream of filings, with no pause for a truncating checkpoint, the WAL file
/// stays bounded: passive checkpoints alone never let it start over while readers keep coming
/// (it grew past a gigabyte in half a minute), so past 16 MiB the checkpointer restarts it.
#[test]
fn the_wal_stays_bounded_under_a_steady_stream_of_filings() {
    if crate::support::database::sqlite_only("WAL file") {
        return;
    }
    const FILINGS: usize = 1_500;
    const BOUND: u64 = 40 * 1024 * 1024;
    let (errata, server) = serving_the_article();
    let filed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let port = server.port;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let filed = filed.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    if filed.load(Ordering::SeqCst) >= FILINGS {
                        break;
                    }
                    let body = json!({
                        "article_url": ARTICLE,
                        "passage": { "exact": "roughly 14,000 vehicles a day" },
                        "category": "factual_error",
                        "description": format!("Reader {c}, report {i}: the study says 12,000."),
                        "reporter": { "email": "ada@reader.example", "notify": true },
                    })
                    .to_string();
                    let (status, answer) = file_report(port, &body).expect("an answer");
                    assert_eq!(status, 201, "{answer}");
                    filed.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let wal = errata.db_path().with_extension("db-wal");
    let mut largest = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while filed.load(Ordering::SeqCst) < FILINGS {
        assert!(std::time::Instant::now() < deadline, "the filings finish");
        largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    for client in clients {
        client.join().expect("a client thread");
    }
    server.stop();
    assert!(
        largest < BOUND,
        "the WAL reached {:.1} MiB over {FILINGS} filings",
        largest as f64 / 1048576.0
    );
}
