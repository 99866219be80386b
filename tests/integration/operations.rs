//! Running Errata for real: the shipped binary starts with SMTP configured and delivers mail
//! through it, keeps secrets out of its log, and gives admins the account, mail and backup
//! commands. Everything here goes through the `errata` binary, never an app built in the test.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::support::binary::{free_port, wait_until, Errata, Server};
use crate::support::{SmtpSink, R1};

const ARTICLE: &str = "https://news.example.com/2026/11/kessler-bridge-bond";

/// A runtime of its own for the SMTP sink, so the test thread may block on the server.
fn runtime() -> rocket::tokio::runtime::Runtime {
    rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn article(server: &Server, token: &str) -> i64 {
    let (status, body) = server.json(
        "PUT",
        "/api/v1/articles",
        Some(token),
        Some(json!({ "url": ARTICLE, "title": "Council approves bridge bond", "body_text": R1 })),
    );
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("id")
}

fn report(server: &Server, exact: &str, name: &str, email: &str) -> Value {
    report_saying(
        server,
        exact,
        "The study says 12,000 vehicles, not 14,000.",
        name,
        email,
    )
}

/// A report in words of its own: the same sender's same words within minutes are one report.
fn report_saying(
    server: &Server,
    exact: &str,
    description: &str,
    name: &str,
    email: &str,
) -> Value {
    let (status, body) = server.json(
        "POST",
        "/api/v1/reports",
        None,
        Some(json!({
            "article_url": ARTICLE,
            "passage": { "exact": exact },
            "category": "factual_error",
            "description": description,
            "reporter": { "name": name, "email": email, "notify": true },
        })),
    );
    assert_eq!(status, 201, "{body}");
    body
}

fn subjects(sink: &SmtpSink) -> Vec<String> {
    sink.messages()
        .iter()
        .map(|m| {
            m.data
                .lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The release blocker: with `smtp_url` set the binary used to abort at start. Now it serves, and
/// a reader who reported an error is emailed through SMTP when a correction resolves it.
#[test]
fn the_binary_with_smtp_emails_the_reader_when_a_correction_resolves_their_report() {
    let rt = runtime();
    let sink = rt.block_on(SmtpSink::start());
    let errata = Errata::new().env(
        "ROCKET_SMTP_URL",
        &format!("smtp://mailer:sink-password@127.0.0.1:{}", sink.port()),
    );
    let token = errata.user_with_token("chief@newsroom.test", "editor");
    let server = errata.serve();
    assert!(
        server
            .log()
            .contains(&format!("SMTP at 127.0.0.1:{}", sink.port())),
        "{}",
        server.log()
    );
    let id = article(&server, &token);
    let filed = report(
        &server,
        "roughly 14,000 vehicles a day",
        "Ada Reader",
        "ada@reader.example",
    );
    // The reader confirms the address from the receipt's link: only then is there more mail.
    let receipt = rt.block_on(sink.wait_for(1, 30));
    assert_eq!(receipt.len(), 1, "the receipt: {}", server.log());
    let unfolded = receipt[0].data.replace("=\r\n", "");
    let confirm = unfolded
        .split("http://")
        .find_map(|s| s.split_once("/confirm/").map(|(_, rest)| rest))
        .and_then(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .next()
        })
        .expect("a confirm link in the receipt");
    let (status, page) = server.request("POST", &format!("/confirm/{confirm}"), &[], None);
    assert_eq!(status, 200, "{page}");
    let (status, note) = server.json(
        "POST",
        &format!("/api/v1/articles/{id}/corrections"),
        Some(&token),
        Some(json!({
            "kind": "correction",
            "wrong": "roughly 14,000 vehicles a day",
            "right": "roughly 12,000 vehicles a day",
            "body_markdown": "An earlier version misstated the bridge's traffic.",
            "resolves": [filed["id"]],
        })),
    );
    assert_eq!(status, 201, "{note}");
    let got = rt.block_on(sink.wait_for(2, 30));
    assert_eq!(got.len(), 2, "receipt and resolution: {}", server.log());
    assert!(got.iter().all(|m| m.to == ["ada@reader.example"]));
    let subjects = subjects(&sink);
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("was resolved: corrected")),
        "{subjects:?}"
    );
    assert!(sink.logins().iter().all(|l| l == "mailer:sink-password"));
    assert!(
        !sink.logins().is_empty(),
        "lettre logged in with the URL's credentials"
    );
    // The worker records a send just after the server's answer: give it that moment.
    assert!(wait_until(10, || errata
        .count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'sent'")
        == 2));
}

/// The SMTP server is down when Errata starts: it still starts, queues, retries, and once the
/// SMTP server is up the mail arrives, exactly once.
#[test]
fn mail_queued_while_smtp_is_down_arrives_once_when_it_comes_up() {
    let rt = runtime();
    let port = free_port();
    let errata = Errata::new()
        .env("ROCKET_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))
        .env("ROCKET_MAIL_RETRY_BASE_S", "1");
    errata.user_with_token("chief@newsroom.test", "editor");
    let token = errata.user_with_token("cms@newsroom.test", "editor");
    let server = errata.serve();
    article(&server, &token);
    report(
        &server,
        "roughly 14,000 vehicles a day",
        "Ada Reader",
        "ada@reader.example",
    );
    assert!(
        wait_until(20, || errata.count(
            "SELECT COUNT(*) AS n FROM outbox WHERE state = 'queued' AND attempts >= 1"
        ) == 1),
        "the first attempt failed and the message waits: {}",
        server.log()
    );
    let sink = rt.block_on(SmtpSink::start_on(port));
    let got = rt.block_on(sink.wait_for(1, 30));
    assert_eq!(got.len(), 1, "{}", server.log());
    // Longer than several back-offs: nothing comes twice.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(
        errata.count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'sent'"),
        1
    );
}

#[test]
fn an_invalid_smtp_url_stops_start_up_without_echoing_its_password() {
    let errata = Errata::new().env(
        "ROCKET_SMTP_URL",
        "smtp://mailer:hunter2-very-secret@mail.example.org:587?tls=sometimes",
    );
    let err = errata.fails(&["serve"]);
    assert!(err.contains("smtp_url"), "{err}");
    assert!(!err.contains("hunter2-very-secret"), "{err}");
}

/// A whole flow at the most verbose level; then the log is searched for every secret and every
/// piece of a reader's personal data the flow made.
#[test]
fn the_log_holds_no_secret_and_no_readers_data() {
    let rt = runtime();
    let sink = rt.block_on(SmtpSink::start());
    let smtp_password = "smtp-pass-Quokka-7741";
    let errata = Errata::new()
        .env("ROCKET_LOG_LEVEL", "debug")
        .env("ROCKET_MAIL_MAX_ATTEMPTS", "1")
        .env(
            "ROCKET_SMTP_URL",
            &format!("smtp://mailer:{smtp_password}@127.0.0.1:{}", sink.port()),
        );
    let added = errata.ok(&[
        "user",
        "add",
        "--email",
        "chief@newsroom.test",
        "--name",
        "Chief",
        "--role",
        "editor",
    ]);
    let password = added
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .expect("a password")
        .to_owned();
    let token_out = errata.ok(&[
        "token",
        "add",
        "--user",
        "chief@newsroom.test",
        "--name",
        "cms",
    ]);
    let token = token_out
        .lines()
        .find(|l| l.starts_with("errata_"))
        .expect("a token")
        .to_owned();

    let server = errata.serve();
    article(&server, &token);
    let name = "Zebedee Quillfeather";
    let email = "zebedee.quillfeather@reader.example";
    let filed = report(&server, "roughly 14,000 vehicles a day", name, email);
    let status_token = filed["status_url"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .expect("a status link")
        .to_owned();
    let bounced = "bounce.quillfeather@reader.example";
    report(&server, "18 months", "Bounce Reader", bounced);
    // The reader opens their status link, as a browser and as JSON; someone mistypes one; a
    // revoked-looking token and a lower-case scheme are tried.
    let status_path = format!("/api/v1/reports/status/{status_token}");
    assert_eq!(
        server
            .request("GET", &status_path, &[("Accept", "text/html")], None)
            .0,
        200
    );
    assert_eq!(server.json("GET", &status_path, None, None).0, 200);
    let mistyped = format!("/api/v1/reports/statos/{status_token}");
    assert_eq!(server.request("GET", &mistyped, &[], None).0, 404);
    let wrong = format!("{token}x");
    assert_eq!(
        server.json("GET", "/api/v1/reports", Some(&wrong), None).0,
        401
    );
    let (status, _) = server.json(
        "GET",
        &format!("/api/v1/articles?url={ARTICLE}"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200);
    assert!(
        wait_until(30, || sink.messages().len() == 1
            && errata.count(
                "SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed'"
            ) == 1),
        "one receipt delivered, one refused: {}",
        server.log()
    );
    let log = server.stop();

    // The log is really there and names requests by their route.
    assert!(
        log.contains("GET /api/v1/reports/status/<token> 200"),
        "{log}"
    );
    assert!(log.contains("POST /api/v1/reports 201"), "{log}");
    assert!(log.contains("failed"), "the refused mail is logged: {log}");
    for (what, secret) in [
        ("the status token", status_token.as_str()),
        ("the API token", token.as_str()),
        ("the API token's secret part", &token["errata_".len()..]),
        ("the user's password", password.as_str()),
        ("the SMTP password", smtp_password),
        ("the reader's name", name),
        ("the reader's surname", "Quillfeather"),
        ("the reader's email", email),
        ("a refused reader's email", bounced),
    ] {
        assert!(!log.contains(secret), "the log holds {what}:\n{log}");
    }
    assert!(
        !log.to_lowercase().contains("quillfeather"),
        "no trace of the readers: {log}"
    );
}

/// `user deactivate|activate|role|password` and `token list|revoke` through the binary, against
/// a running server: each takes effect on the very next request, and each is an event by the CLI.
#[test]
fn account_lifecycle_from_the_command_line() {
    let errata = Errata::new();
    let first = errata.user_with_token("chief@newsroom.test", "editor");
    let out = errata.ok(&[
        "token",
        "add",
        "--user",
        "chief@newsroom.test",
        "--name",
        "laptop",
    ]);
    let second = out
        .lines()
        .find(|l| l.starts_with("errata_"))
        .expect("a token")
        .to_owned();
    let server = errata.serve();
    let reports = |t: &str| server.json("GET", "/api/v1/reports", Some(t), None).0;
    assert_eq!(reports(&first), 200);
    assert_eq!(reports(&second), 200);

    let listed = errata.ok(&["token", "list"]);
    assert!(
        listed.contains("chief@newsroom.test") && listed.contains("laptop"),
        "{listed}"
    );
    assert!(
        !listed.contains(&first[7..]) && !listed.contains(&second[7..]),
        "never the secret: {listed}"
    );
    assert!(listed.contains("LAST USED"), "{listed}");
    let mine = errata.ok(&["token", "list", "--user", "chief@newsroom.test"]);
    assert_eq!(mine.lines().count(), 3, "a heading and two tokens: {mine}");
    assert!(errata
        .fails(&["token", "list", "--user", "nobody@newsroom.test"])
        .contains("no user"));

    // Revoke the first token by its id: 401 at once; the other still works.
    let id = listed
        .lines()
        .find(|l| l.contains(" test "))
        .and_then(|l| l.split_whitespace().next())
        .expect("the first token's row")
        .to_owned();
    assert!(errata.ok(&["token", "revoke", &id]).contains("Revoked"));
    assert_eq!(reports(&first), 401);
    assert_eq!(reports(&second), 200);
    assert!(errata
        .fails(&["token", "revoke", &id])
        .contains("already revoked"));
    assert!(errata
        .fails(&["token", "revoke", "9999"])
        .contains("no token"));
    assert!(errata.ok(&["token", "list"]).contains("revoked"));

    // Deactivate: every token of the user stops; activate brings them back.
    errata.ok(&["user", "deactivate", "--email", "chief@newsroom.test"]);
    assert_eq!(reports(&second), 401);
    assert!(errata.ok(&["user", "list"]).contains(" no "));
    errata.ok(&["user", "activate", "--email", "chief@newsroom.test"]);
    assert_eq!(reports(&second), 200);
    assert!(errata
        .fails(&["user", "deactivate", "--email", "nobody@newsroom.test"])
        .contains("no user"));

    // A new role: the editor's token may no longer publish (it never outranks the role).
    assert!(errata
        .ok(&[
            "user",
            "role",
            "--email",
            "chief@newsroom.test",
            "--role",
            "reviewer"
        ])
        .contains("now reviewer"));
    let (status, body) = server.json(
        "PUT",
        "/api/v1/articles",
        Some(&second),
        Some(json!({ "url": ARTICLE, "title": "T", "body_text": R1 })),
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(reports(&second), 200, "reviewers still read reports");
    let bad = errata.run(
        &[
            "user",
            "role",
            "--email",
            "chief@newsroom.test",
            "--role",
            "owner",
        ],
        None,
    );
    assert!(!bad.status.success());

    // Passwords: generated and shown once, or read from standard input, and checked.
    let reset = errata.ok(&["user", "password", "--email", "chief@newsroom.test"]);
    let generated = reset
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .expect("a generated password");
    assert!(generated.len() >= 16);
    let piped = errata.run(
        &[
            "user",
            "password",
            "--email",
            "chief@newsroom.test",
            "--password-stdin",
        ],
        Some("a brand new long passphrase\n"),
    );
    assert!(piped.status.success());
    assert!(!String::from_utf8_lossy(&piped.stdout).contains("passphrase"));
    let short = errata.run(
        &[
            "user",
            "password",
            "--email",
            "chief@newsroom.test",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 characters"));
    let mut conn = errata::db::connect(&errata.database_url()).expect("db");
    let hash: String = errata::db::schema::users::table
        .select(errata::db::schema::users::password_hash)
        .first(&mut conn)
        .expect("a user");
    assert!(errata::accounts::verify_password(
        "a brand new long passphrase",
        &hash
    ));

    // Every change is an event, with the CLI as its actor.
    use errata::db::schema::events::dsl as e;
    let kinds: Vec<(String, Option<String>, Option<i64>)> = e::events
        .filter(e::actor_label.eq("cli"))
        .order(e::id.asc())
        .select((e::kind, e::actor_label, e::actor_id))
        .load(&mut conn)
        .expect("events");
    let names: Vec<&str> = kinds.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "token_revoked",
            "user_deactivated",
            "user_activated",
            "role_changed",
            "password_reset",
            "password_reset"
        ]
    );
    assert!(kinds.iter().all(|k| k.2.is_none()));
}

/// `mail list|retry|discard` on a real outbox: failed mail is listed with its error, a retry is
/// sent once, a discarded message is kept and never sent.
#[test]
fn failed_mail_is_listed_retried_once_or_discarded_from_the_command_line() {
    let rt = runtime();
    let port = free_port();
    let errata = Errata::new()
        .env("ROCKET_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))
        .env("ROCKET_MAIL_MAX_ATTEMPTS", "1");
    let token = errata.user_with_token("chief@newsroom.test", "editor");
    let server = errata.serve();
    article(&server, &token);
    report(
        &server,
        "roughly 14,000 vehicles a day",
        "Ada",
        "ada@reader.example",
    );
    report(&server, "18 months", "Bo", "bo@reader.example");
    assert!(
        wait_until(20, || errata
            .count("SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed'")
            == 2),
        "{}",
        server.log()
    );
    let failed = errata.ok(&["mail", "list", "--state", "failed"]);
    assert!(
        failed.contains("ada@reader.example") && failed.contains("bo@reader.example"),
        "{failed}"
    );
    assert!(failed.contains("report_received"), "{failed}");
    assert!(
        failed.to_lowercase().contains("connect"),
        "the last error: {failed}"
    );
    assert_eq!(
        errata
            .ok(&["mail", "list", "--state", "sent"])
            .lines()
            .count(),
        1
    );
    let id_of = |address: &str| -> String {
        failed
            .lines()
            .find(|l| l.contains(address))
            .and_then(|l| l.split_whitespace().next())
            .expect("a row")
            .to_owned()
    };
    let (ada, bo) = (id_of("ada@reader.example"), id_of("bo@reader.example"));

    errata.ok(&["mail", "discard", &bo]);
    assert!(errata
        .fails(&["mail", "discard", &bo])
        .contains("already discarded"));
    let sink = rt.block_on(SmtpSink::start_on(port));
    errata.ok(&["mail", "retry", &ada]);
    let got = rt.block_on(sink.wait_for(1, 30));
    assert_eq!(got.len(), 1, "{}", server.log());
    assert_eq!(got[0].to, ["ada@reader.example"]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        sink.messages().len(),
        1,
        "sent once; the discarded one never"
    );
    assert!(errata
        .fails(&["mail", "retry", &ada])
        .contains("not sent twice"));
    assert!(errata
        .fails(&["mail", "retry", "424242"])
        .contains("no message"));
    assert!(errata
        .ok(&["mail", "list", "--state", "discarded"])
        .contains("bo@reader.example"));

    // A discarded message can be retried on purpose, with --failed only failed ones are.
    assert!(errata
        .ok(&["mail", "retry", "--failed"])
        .contains("Queued 0 failed"));
    errata.ok(&["mail", "retry", &bo]);
    let got = rt.block_on(sink.wait_for(2, 30));
    assert_eq!(got.len(), 2);
    assert_eq!(
        errata.count(
            "SELECT COUNT(*) AS n FROM events WHERE actor_label = 'cli' AND outbox_id IS NOT NULL"
        ),
        3
    );
    assert!(!errata
        .run(&["mail", "list", "--state", "lost"], None)
        .status
        .success());
}

/// `errata backup` copies the database while the server is writing to it; the copy, served on
/// its own, has every row.
#[test]
fn a_backup_taken_while_the_server_writes_restores_every_row() {
    if crate::support::database::sqlite_only("errata backup (VACUUM INTO)") {
        return;
    }
    let errata = Errata::new();
    let token = errata.user_with_token("chief@newsroom.test", "editor");
    let server = errata.serve();
    article(&server, &token);
    for i in 0..5 {
        report_saying(
            &server,
            "18 months",
            &format!("The study says 12,000 vehicles, not 14,000 (report {i})."),
            &format!("Reader {i}"),
            "r@reader.example",
        );
    }
    let backup = errata.dir.path().join("copy.db");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writing = {
        let stop = stop.clone();
        let port = server.port;
        std::thread::spawn(move || {
            let mut filed = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && filed < 200 {
                let body = json!({
                    "article_url": ARTICLE,
                    "passage": { "exact": "public hearing" },
                    "category": "other",
                    "description": format!("Filed while a backup runs ({filed})."),
                })
                .to_string();
                let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
                use std::io::{Read, Write};
                let req = format!("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                s.write_all(req.as_bytes()).expect("write");
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                filed += 1;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let out = errata.ok(&["backup", backup.to_str().expect("utf-8")]);
    assert!(out.contains("Wrote a copy"), "{out}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writing.join().expect("the writer");
    assert!(errata
        .fails(&["backup", backup.to_str().expect("utf-8")])
        .contains("exists"));

    // The copy is a whole database: every report in it is also in the original, unchanged,
    // with its anchor and its events.
    let copy = Errata::new().env("ROCKET_DATABASE_URL", backup.to_str().expect("utf-8"));
    let in_copy = |sql: &str| copy.count(sql);
    let reports = in_copy("SELECT COUNT(*) AS n FROM reports");
    assert!(reports >= 5, "{reports}");
    assert_eq!(
        in_copy("SELECT COUNT(*) AS n FROM reports r WHERE EXISTS (SELECT 1 FROM anchors a WHERE a.report_id = r.id)"),
        reports
    );
    assert_eq!(in_copy("SELECT COUNT(*) AS n FROM users"), 1);
    assert_eq!(in_copy("SELECT COUNT(*) AS n FROM api_tokens"), 1);
    drop(server);
    let restored = copy.serve();
    let (status, listed) = restored.json("GET", "/api/v1/reports?limit=100", Some(&token), None);
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed["reports"].as_array().map(Vec::len),
        Some(reports as usize).map(|n| n.min(100)),
        "{listed}"
    );
    let first = &listed["reports"][0];
    assert_eq!(
        restored
            .json(
                "GET",
                &format!("/api/v1/reports/{}", first["id"]),
                Some(&token),
                None
            )
            .0,
        200
    );
}

/// Building the app outside an async runtime with SMTP set is refused with a message, never a
/// panic (it used to abort the process).
#[test]
fn building_outside_a_runtime_with_smtp_is_an_error_not_an_abort() {
    let dir = tempfile::TempDir::new().expect("dir");
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge((
            "database_url",
            dir.path().join("e.db").to_string_lossy().to_string(),
        ))
        .merge(("smtp_url", "smtp://127.0.0.1:2525"));
    let Err(err) = errata::build(figment) else {
        panic!("built an SMTP transport with no runtime to run it");
    };
    assert!(err.to_string().contains("runtime"), "{err}");
}

/// A guard that fails on our side (here the origin check, whose table is gone) answers a plain
/// 500, and its cause is in the log: a guard's error is shown by a catcher, not by its responder,
/// and used to reach nobody.
#[test]
fn a_guards_server_error_is_logged_with_its_cause() {
    let errata = Errata::new();
    let server = errata.serve();
    let mut conn = errata::db::connect(&errata.database_url()).unwrap();
    diesel::sql_query("DROP TABLE publication_origins")
        .execute(&mut conn)
        .unwrap();
    let (status, body) = server.request(
        "POST",
        "/api/v1/reports",
        &[
            ("Origin", "https://elsewhere.example"),
            ("Content-Type", "application/json"),
        ],
        Some("{}"),
    );
    assert_eq!(status, 500, "{body}");
    assert!(body.contains(r#""code":"internal""#), "{body}");
    assert!(!body.contains("publication_origins"), "never shown: {body}");
    assert!(
        wait_until(10, || server.log().contains(
            if crate::support::database::is_postgres() {
                "relation \"publication_origins\" does not exist"
            } else {
                "no such table: publication_origins"
            }
        )),
        "the cause is logged: {}",
        server.log()
    );
}
