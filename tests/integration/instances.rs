//! Several instances on one PostgreSQL database, as a large newsroom runs Errata behind a load
//! balancer: the real binary twice, on one database, with mail to a real SMTP server on loopback.
//! Reports filed and resolved across both are each written once, each message is mailed once,
//! both answer one ETag and see each other's corrections at once, sign-ins and rate limits hold
//! across both, and a killed instance's claims on mail pass to the other after the lease. A server
//! whose connections the database cuts goes on.
//!
//! These run when the suite runs on PostgreSQL (`ERRATA_TEST_DATABASE=postgres`, as `.ci/run`
//! does); a SQLite file belongs to one server, so on SQLite there is nothing to share. (The test
//! of an unreachable PostgreSQL URL needs no server, and runs on both.)

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use crate::support::binary::{free_port, request_on as request, wait_until, Errata, Server};
use crate::support::database;
use crate::support::smtp::Received;
use crate::support::{SmtpSink, ARTICLE_URL, R1};

const REPORTS: usize = 1_000;
const CONNECTIONS: usize = 16;

/// The passages reports quote (several, so that they spread over the article).
const PASSAGES: [&str; 4] = [
    "roughly 14,000 vehicles a day",
    "18 months",
    "May 7",
    "a $48 million bond",
];

fn runtime() -> rocket::tokio::runtime::Runtime {
    rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn message_id(m: &Received) -> String {
    m.data
        .lines()
        .find_map(|l| {
            l.strip_prefix("Message-ID:")
                .or_else(|| l.strip_prefix("Message-Id:"))
        })
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("a Message-ID in {}", m.data))
}

/// The outbox's Message-IDs of one template, as the messages carry them.
fn queued_ids(errata: &Errata, template: &str) -> BTreeSet<String> {
    use errata::db::schema::outbox;
    let mut conn = errata::db::connect(&errata.database_url()).expect("db");
    outbox::table
        .filter(outbox::template.eq(template))
        .select(outbox::message_id)
        .load::<String>(&mut conn)
        .expect("the outbox")
        .into_iter()
        .map(|id| {
            if id.starts_with('<') {
                id
            } else {
                format!("<{id}>")
            }
        })
        .collect()
}

/// Files `n` reports, spread over `ports` and `CONNECTIONS` threads at once; their ids.
fn file_reports(ports: &[u16], n: usize) -> Vec<i64> {
    let next = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let next = next.clone();
            let ports = ports.to_vec();
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return ids;
                    }
                    let body = json!({
                        "article_url": ARTICLE_URL,
                        "passage": { "exact": PASSAGES[i % PASSAGES.len()] },
                        "category": "factual_error",
                        "description": format!("Report {i}: this does not match the city's figures."),
                        "reporter": { "name": "Reader", "email": format!("reader{i}@example.org"), "notify": true },
                    })
                    .to_string();
                    let port = ports[i % ports.len()];
                    let (status, answer) =
                        request(port, "POST", "/api/v1/reports", None, &body).expect("an answer");
                    assert_eq!(status, 201, "report {i} on port {port}: {answer}");
                    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
                    ids.push(answer["id"].as_i64().expect("an id"));
                }
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().expect("a filing thread"))
        .collect()
}

/// An installation on one PostgreSQL database, mailing through `smtp_port` with claims on mail
/// that hold `lease_s` seconds, and its editor's token.
fn installation(smtp_port: u16, lease_s: u32) -> (Errata, String) {
    let errata = Errata::new()
        .env("ROCKET_REPORT_RATE_LIMIT", "0")
        .env("ROCKET_SMTP_URL", &format!("smtp://127.0.0.1:{smtp_port}"))
        .env("ROCKET_MAIL_RETRY_BASE_S", "1")
        .env("ROCKET_OUTBOX_LEASE_S", &lease_s.to_string());
    let token = errata.user_with_token("chief@newsroom.test", "editor");
    (errata, token)
}

fn put_article(server: &Server, token: &str) -> i64 {
    let (status, body) = server.json(
        "PUT",
        "/api/v1/articles",
        Some(token),
        Some(
            json!({ "url": ARTICLE_URL, "title": "Council approves bridge bond", "body_text": R1 }),
        ),
    );
    assert!(status == 200 || status == 201, "{body}");
    body["id"].as_i64().expect("the article's id")
}

#[test]
fn two_instances_file_and_resolve_each_report_once_and_mail_each_resolution_once() {
    if database::postgres_only("sharing one database between instances") {
        return;
    }
    let rt = runtime();
    let sink = rt.block_on(SmtpSink::start());
    // (A lease far longer than any send here, even on a loaded machine: each message is sent by
    // the instance that claimed it.)
    let (errata, token) = installation(sink.port(), 120);
    let a = errata.serve();
    let b = errata.serve();
    put_article(&a, &token);

    let started = Instant::now();
    let ids = file_reports(&[a.port, b.port], REPORTS);
    let filing = started.elapsed();
    let unique: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), REPORTS, "every filing has an id of its own");
    assert_eq!(
        errata.count("SELECT COUNT(*) AS n FROM reports"),
        REPORTS as i64
    );
    assert_eq!(
        errata.count("SELECT COUNT(DISTINCT reference) AS n FROM reports"),
        REPORTS as i64,
        "every reference once"
    );
    assert_eq!(
        errata.count("SELECT n FROM report_counts WHERE state = 'new'"),
        REPORTS as i64,
        "the tab counter saw every filing once"
    );
    // The readers confirm their addresses (the link in their receipt), so resolutions reach them.
    errata.count(
        "WITH c AS (UPDATE reports SET email_confirmed_at = created_at RETURNING 1) \
         SELECT COUNT(*) AS n FROM c",
    );

    // Resolved across both, at the same concurrency.
    let next = Arc::new(AtomicUsize::new(0));
    let ids = Arc::new(ids);
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (next, ids, token) = (next.clone(), ids.clone(), token.clone());
            let ports = [a.port, b.port];
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i) else { return };
                let body = json!({ "to": "resolved", "resolution": "no_error" }).to_string();
                let path = format!("/api/v1/reports/{id}/transitions");
                let (status, answer) =
                    request(ports[i % 2], "POST", &path, Some(&token), &body).expect("an answer");
                assert_eq!(status, 200, "resolving {id}: {answer}");
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a resolving thread");
    }
    assert_eq!(
        errata.count("SELECT COUNT(*) AS n FROM reports WHERE state = 'resolved'"),
        REPORTS as i64
    );

    // Every message queued reaches the SMTP server once, whichever instance sent it.
    let resolved = queued_ids(&errata, "report_resolved");
    assert_eq!(resolved.len(), REPORTS, "one resolution message per report");
    let total = errata.count("SELECT COUNT(*) AS n FROM outbox") as usize;
    let got = rt.block_on(sink.wait_for(total, 180));
    assert_eq!(got.len(), total, "{}\n{}", a.log(), b.log());
    // A little longer: nothing arrives twice.
    std::thread::sleep(Duration::from_secs(3));
    let got = sink.messages();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for m in &got {
        *seen.entry(message_id(m)).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(got.len(), total);
    let delivered: BTreeSet<String> = seen.into_keys().collect();
    assert!(
        resolved.is_subset(&delivered),
        "every resolution delivered ({} missing)",
        resolved.difference(&delivered).count()
    );
    assert_eq!(
        errata.count("SELECT COUNT(*) AS n FROM outbox WHERE state <> 'sent'"),
        0
    );

    // Both answer the same corrections with the same validator.
    assert_eq!(
        corrections_etag(a.port),
        corrections_etag(b.port),
        "one ETag for the same article from both"
    );
    eprintln!(
        "{REPORTS} reports filed across two instances at {CONNECTIONS} connections in {:.1} s; \
         {total} messages delivered once each",
        filing.as_secs_f64()
    );
}

/// A port that takes connections and never answers: an SMTP server that hangs, so the instance
/// sending to it holds its claims until it is killed.
fn black_hole() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
            if held.len() > 64 {
                return;
            }
        }
    });
    (port, handle)
}

#[test]
fn a_killed_instances_claims_on_mail_pass_to_the_other_after_the_lease() {
    if database::postgres_only("sharing one database between instances") {
        return;
    }
    let rt = runtime();
    let (hole, _hole) = black_hole();
    let (errata, token) = installation(hole, 5);
    let a = errata.serve();
    put_article(&a, &token);
    let ids = file_reports(&[a.port], 5);
    assert_eq!(ids.len(), 5);
    // Instance A has claimed the receipts and hangs on its SMTP server.
    assert!(
        wait_until(20, || errata.count(
            "SELECT COUNT(*) AS n FROM outbox WHERE state = 'sending' AND lease_until IS NOT NULL"
        ) == 5),
        "A holds the claims: {}",
        a.log()
    );
    let killed_at = Instant::now();
    a.stop();

    // Instance B, with a working SMTP server, takes them up once the lease (5 s) is over.
    let sink = rt.block_on(SmtpSink::start_on(free_port()));
    let b_install = errata_on(&errata, sink.port());
    let b = b_install.serve();
    let got = rt.block_on(sink.wait_for(5, 60));
    assert_eq!(got.len(), 5, "{}", b.log());
    assert!(
        killed_at.elapsed() >= Duration::from_secs(3),
        "taken up only once the lease ran out"
    );
    std::thread::sleep(Duration::from_secs(6));
    let got = sink.messages();
    let distinct: BTreeSet<String> = got.iter().map(message_id).collect();
    assert_eq!((got.len(), distinct.len()), (5, 5), "each exactly once");
    assert_eq!(distinct, queued_ids(&errata, "report_received"));
    assert_eq!(
        errata.count("SELECT COUNT(*) AS n FROM outbox WHERE state <> 'sent'"),
        0
    );
    drop(b);
}

/// A second installation on the same database as `errata`, mailing through `smtp_port`.
fn errata_on(errata: &Errata, smtp_port: u16) -> Errata {
    Errata::new()
        .env("ROCKET_DATABASE_URL", &errata.database_url())
        .env("ROCKET_REPORT_RATE_LIMIT", "0")
        .env("ROCKET_SMTP_URL", &format!("smtp://127.0.0.1:{smtp_port}"))
        .env("ROCKET_MAIL_RETRY_BASE_S", "1")
        .env("ROCKET_OUTBOX_LEASE_S", "5")
}

/// A PostgreSQL URL that cannot be reached stops `errata migrate` and the server with a message
/// that names it (without its password), and is never taken for a SQLite file of that name. Needs
/// no server: nothing listens on port 1.
#[test]
fn an_unreachable_postgres_url_is_named_and_never_becomes_a_file() {
    let errata = Errata::new().env(
        "ROCKET_DATABASE_URL",
        "postgres://errata:hunter22@127.0.0.1:1/newsroom",
    );
    for args in [&["migrate"][..], &["serve"][..]] {
        let err = errata.fails(args);
        assert!(
            err.contains("cannot open database postgres://errata:***@127.0.0.1:1/newsroom"),
            "errata {args:?}: {err}"
        );
        assert!(
            !err.contains("hunter22"),
            "the password is never shown: {err}"
        );
    }
    let files: Vec<_> = std::fs::read_dir(errata.dir.path())
        .expect("the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "pg-database")
        .collect();
    assert!(files.is_empty(), "nothing was created: {files:?}");
}

/// One request with its own headers; the status, the `Set-Cookie` values (name=value) and body.
fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<String>, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .expect("sent");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("an answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let cookies = head
        .lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
        })
        .collect();
    (status, cookies, body.to_owned())
}

/// What holds one user's session and one sender's rate limit lives in the database: a sign-in form
/// from one instance is accepted by the other, the session it opens works on both, and a sender's
/// filings count against one limit across both.
#[test]
fn sessions_and_rate_limits_hold_across_instances() {
    if database::postgres_only("sharing one database between instances") {
        return;
    }
    let errata = Errata::new().env("ROCKET_REPORT_RATE_LIMIT", "2");
    let added = errata.run(
        &[
            "user",
            "add",
            "--email",
            "chief@newsroom.test",
            "--name",
            "Chief",
            "--role",
            "editor",
            "--password-stdin",
        ],
        Some("a long test password\n"),
    );
    assert!(added.status.success(), "{added:?}");
    let a = errata.serve();
    let b = errata.serve();

    // The form from A (its token in a private cookie A encrypted), sent to B.
    let (status, cookies, form) = exchange(a.port, "GET", "/signin", &[], "");
    assert_eq!(status, 200);
    let csrf = form
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's token");
    let body = format!(
        "email=chief%40newsroom.test&password=a+long+test+password&csrf_token={csrf}&next=%2Fdashboard"
    );
    let cookie = cookies.join("; ");
    let (status, session, answer) = exchange(
        b.port,
        "POST",
        "/signin",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
        ],
        &body,
    );
    assert_eq!(status, 303, "B accepts A's form: {answer}");
    let session = session.join("; ");
    for server in [&a, &b] {
        let (status, _, page) = exchange(
            server.port,
            "GET",
            "/dashboard",
            &[("Cookie", &session)],
            "",
        );
        assert_eq!(status, 200, "signed in on port {}: {page}", server.port);
    }

    // Two filings on A, then the same sender on B: over the limit of 2.
    put_article(&a, &errata.user_with_token("desk@newsroom.test", "editor"));
    let file = |port: u16, i: usize| {
        let body = json!({
            "article_url": ARTICLE_URL,
            "passage": { "exact": PASSAGES[i] },
            "category": "factual_error",
            "description": format!("Report {i}: this does not match the city's figures."),
        })
        .to_string();
        request(port, "POST", "/api/v1/reports", None, &body).expect("an answer")
    };
    assert_eq!(file(a.port, 0).0, 201);
    assert_eq!(file(a.port, 1).0, 201);
    let (status, answer) = file(b.port, 2);
    assert_eq!(
        status, 429,
        "the limit counts both instances' filings: {answer}"
    );
}

/// The database server cuts every connection (a PostgreSQL restart or failover does): the server
/// opens new ones and goes on filing reports, without a restart of its own.
#[rocket::async_test]
async fn connections_cut_by_the_database_server_are_opened_again() {
    if database::postgres_only("cutting connections from the database server") {
        return;
    }
    let app = crate::support::TestApp::new().await;
    let token = app.editor();
    app.article(&token).await;
    app.report("roughly 14,000 vehicles a day", None).await;
    let cut = app.count(
        "SELECT COUNT(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) AS cut",
    );
    assert!(
        cut >= 2,
        "the pool's and the writer's connections were cut ({cut})"
    );
    // The first request after the cut may meet a dead pooled connection; none may fail for good.
    let mut answers = Vec::new();
    for _ in 0..3 {
        let (status, answer) = app
            .post(
                "/api/v1/reports",
                None,
                json!({
                    "article_url": ARTICLE_URL,
                    "passage": { "exact": "18 months" },
                    "category": "factual_error",
                    "description": "Repairs take 24 months per the city's own plan.",
                }),
            )
            .await;
        answers.push((status.code, answer));
        if status.code == 201 {
            break;
        }
    }
    assert_eq!(answers.last().map(|a| a.0), Some(201), "{answers:?}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM reports"), 2);
}

/// The ETag of the public corrections answer for the test article on `port`.
fn corrections_etag(port: u16) -> String {
    let path = format!("/api/v1/corrections?url={ARTICLE_URL}");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).expect("sent");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    raw.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("etag")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("an ETag in {raw}"))
}

/// A correction published through one instance shows in the other's public answer at once (each
/// instance keeps the answer in memory, and asks the database whether anything was committed at
/// most every 50 ms), with the same ETag on both.
#[test]
fn a_correction_published_on_one_instance_shows_on_the_other_at_once() {
    if database::postgres_only("sharing one database between instances") {
        return;
    }
    let (errata, token) = installation(free_port(), 120);
    let a = errata.serve();
    let b = errata.serve();
    let article = put_article(&a, &token);
    let before = corrections_etag(b.port);
    assert_eq!(corrections_etag(a.port), before);
    let (status, note) = a.json(
        "POST",
        &format!("/api/v1/articles/{article}/corrections"),
        Some(&token),
        Some(json!({
            "kind": "correction",
            "wrong": "roughly 14,000 vehicles a day",
            "right": "roughly 12,000 vehicles a day",
            "body_markdown": "An earlier version misstated the bridge's traffic.",
            "passage": { "exact": "roughly 14,000 vehicles a day" },
        })),
    );
    assert_eq!(status, 201, "{note}");
    let published = Instant::now();
    assert!(
        wait_until(2, || corrections_etag(b.port) != before),
        "B still answers the answer from before the note"
    );
    let seen_after = published.elapsed();
    assert_eq!(corrections_etag(a.port), corrections_etag(b.port));
    eprintln!(
        "B answered the new note {} ms after A published it",
        seen_after.as_millis()
    );
}

/// One instance claims more mail than it can send within the lease (the SMTP server is slow): the
/// other takes up what the lease left, and the first sends only what is still its own. Every
/// message arrives once.
#[test]
fn a_claim_slower_than_its_lease_is_shared_and_nothing_is_sent_twice() {
    if database::postgres_only("sharing one database between instances") {
        return;
    }
    const MESSAGES: usize = 24;
    let rt = runtime();
    // The receipts are queued and fail at once (nothing listens on the port, one attempt only).
    let (errata, token) = installation(free_port(), 4);
    let errata = errata.env("ROCKET_MAIL_MAX_ATTEMPTS", "1");
    let first = errata.serve();
    put_article(&first, &token);
    let ids = file_reports(&[first.port], MESSAGES);
    assert_eq!(ids.len(), MESSAGES);
    assert!(
        wait_until(30, || errata
            .count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed'")
            == MESSAGES as i64),
        "{}",
        first.log()
    );
    first.stop();

    // Two instances on a slow SMTP server (a quarter second a message): the one that claims all
    // of them needs six seconds, past its lease of four.
    let sink = rt.block_on(SmtpSink::start());
    sink.delay_replies(Duration::from_millis(250));
    let errata = errata.env(
        "ROCKET_SMTP_URL",
        &format!("smtp://127.0.0.1:{}", sink.port()),
    );
    let a = errata.serve();
    let b = errata.serve();
    errata.ok(&["mail", "retry", "--failed"]);
    let got = rt.block_on(sink.wait_for(MESSAGES, 60));
    assert_eq!(got.len(), MESSAGES, "{}\n{}", a.log(), b.log());
    std::thread::sleep(Duration::from_secs(5));
    let got = sink.messages();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for m in &got {
        *seen.entry(message_id(m)).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(seen.len(), MESSAGES);
    let (log_a, log_b) = (a.log(), b.log());
    assert!(
        (log_a + &log_b).contains("its claim ran out and another worker took it up"),
        "the lease ran out during a claim (else this shows nothing)"
    );
}
