//! The `errata` binary's admin commands, run as an operator would, on their own database file.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

pub(crate) fn errata(dir: &TempDir, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_errata"))
        .args(args)
        .current_dir(dir.path())
        .env("ROCKET_DATABASE_URL", dir.path().join("cli.db"))
        .env("ROCKET_DEMO", "false")
        .env("ROCKET_MAIL_DIR", dir.path().join("mail"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the errata binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn migrate_then_users_and_tokens() {
    let dir = TempDir::new().unwrap();
    let first = errata(&dir, &["migrate"], None);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("Applied migration"));
    let again = errata(&dir, &["migrate"], None);
    assert!(stdout(&again).contains("up to date"), "{}", stdout(&again));

    let add = errata(
        &dir,
        &[
            "user",
            "add",
            "--email",
            "Chief@Newsroom.test",
            "--name",
            "Chief Editor",
            "--role",
            "editor",
        ],
        None,
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let out = stdout(&add);
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .expect("a printed password");
    assert!(password.len() >= 16);

    let piped = errata(
        &dir,
        &[
            "user",
            "add",
            "--email",
            "rev@newsroom.test",
            "--name",
            "Rev",
            "--role",
            "reviewer",
            "--password-stdin",
        ],
        Some("a reviewer's long password\n"),
    );
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert!(!stdout(&piped).contains("Password"));

    let dup = errata(
        &dir,
        &[
            "user",
            "add",
            "--email",
            "chief@newsroom.test",
            "--name",
            "Again",
            "--role",
            "admin",
        ],
        None,
    );
    assert!(!dup.status.success());
    assert!(stderr(&dup).contains("exists"), "{}", stderr(&dup));

    let list = errata(&dir, &["user", "list"], None);
    let listed = stdout(&list);
    assert!(
        listed.contains("chief@newsroom.test") && listed.contains("rev@newsroom.test"),
        "{listed}"
    );

    let token = errata(
        &dir,
        &[
            "token",
            "add",
            "--user",
            "chief@newsroom.test",
            "--name",
            "cms",
            "--scope",
            "articles:write",
        ],
        None,
    );
    assert!(token.status.success(), "{}", stderr(&token));
    assert!(stdout(&token).lines().any(|l| l.starts_with("errata_")));
    assert!(stdout(&token).contains("articles:write") && !stdout(&token).contains("reports:read"));

    let forbidden = errata(
        &dir,
        &[
            "token",
            "add",
            "--user",
            "rev@newsroom.test",
            "--name",
            "x",
            "--scope",
            "corrections:write",
        ],
        None,
    );
    assert!(!forbidden.status.success());
    assert!(
        stderr(&forbidden).contains("corrections:write"),
        "{}",
        stderr(&forbidden)
    );
    let unknown = errata(
        &dir,
        &[
            "token",
            "add",
            "--user",
            "rev@newsroom.test",
            "--name",
            "x",
            "--scope",
            "everything",
        ],
        None,
    );
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("not a scope"));
}

#[test]
fn publications_and_article_import() {
    let dir = TempDir::new().unwrap();
    let publication = errata(
        &dir,
        &[
            "publication",
            "add",
            "--name",
            "The Ledger",
            "--url",
            "https://ledger.example/",
            "--origin",
            "https://www.ledger.example",
        ],
        None,
    );
    assert!(publication.status.success(), "{}", stderr(&publication));
    let listed = stdout(&errata(&dir, &["publication", "list"], None));
    assert!(
        listed.contains("https://www.ledger.example") && listed.contains("https://ledger.example"),
        "{listed}"
    );

    let file = dir.path().join("articles.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"url": "https://ledger.example/a", "title": "A", "body_text": "First article.\n\nSecond paragraph."}"#,
            r#"{"url": "https://ledger.example/b", "title": "B", "body_html": "<p>Hello</p>", "published_at": "2026-11-01T10:00:00Z"}"#,
            r#"{"url": "not a url", "title": "C", "body_text": "x"}"#,
            r#"this is not json"#,
            "",
            r#"{"url": "https://ledger.example/a", "title": "A", "body_text": "First article, revised.\n\nSecond paragraph."}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let import = errata(&dir, &["article", "import", file.to_str().unwrap()], None);
    let out = stdout(&import);
    assert!(
        !import.status.success(),
        "failed lines make a non-zero exit"
    );
    assert!(
        out.contains("2 created, 1 updated, 0 unchanged, 2 failed"),
        "{out}"
    );
    assert!(
        out.contains("line 3: url") && out.contains("line 4:"),
        "{out}"
    );
}

#[test]
fn an_invalid_setting_stops_start_up_naming_the_key() {
    let dir = TempDir::new().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_errata"));
    let out = cmd
        .arg("serve")
        .current_dir(dir.path())
        .env("ROCKET_DATABASE_URL", dir.path().join("x.db"))
        .env("ROCKET_PUBLIC_URL", "nonsense")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("public_url"), "{}", stderr(&out));
    let out = Command::new(env!("CARGO_BIN_EXE_errata"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("ROCKET_DATABASE_URL", dir.path().join("x.db"))
        .env("ROCKET_DEMO", "sometimes")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("demo"), "{}", stderr(&out));
}

#[test]
fn every_command_has_help() {
    let dir = TempDir::new().unwrap();
    for args in [
        vec!["--help"],
        vec!["user", "add", "--help"],
        vec!["token", "add", "--help"],
        vec!["article", "import", "--help"],
        vec!["publication", "add", "--help"],
        vec!["user", "deactivate", "--help"],
        vec!["user", "activate", "--help"],
        vec!["user", "role", "--help"],
        vec!["user", "password", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["mail", "list", "--help"],
        vec!["mail", "retry", "--help"],
        vec!["mail", "discard", "--help"],
        vec!["backup", "--help"],
        vec!["migrate-data", "--help"],
    ] {
        let out = errata(&dir, &args, None);
        assert!(
            out.status.success() && stdout(&out).contains("Usage"),
            "{args:?}"
        );
    }
}

/// `errata` with no subcommand serves HTTP on the configured port, on a fresh database seeded
/// with the demo, and says how to sign in.
#[test]
fn the_server_starts_on_an_empty_database_with_the_demo() {
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpStream;
    let dir = TempDir::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_errata"))
        .current_dir(dir.path())
        .env("ROCKET_DATABASE_URL", dir.path().join("serve.db"))
        .env("ROCKET_DEMO", "true")
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_MAIL_DIR", dir.path().join("mail"))
        .env("ROCKET_LOG_LEVEL", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    // Lines are read on a thread so that a server that stalls fails the test instead of
    // hanging it.
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut child = Kill(child);
    let (lines, banner_lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = String::new();
    while !banner.contains("Demo article:") {
        match banner_lines.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) => {
                banner.push_str(&line);
                banner.push('\n');
            }
            Err(e) => panic!("no demo banner ({e}): {banner} {:?}", child.0.try_wait()),
        }
    }
    assert!(
        banner.contains("/signin as editor@example.org with password: "),
        "{banner}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let answer = loop {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            break answer;
        }
        assert!(std::time::Instant::now() < deadline, "the server listens");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"status":"ok"}"#), "{answer}");
    assert!(dir.path().join("serve.db").exists());
}

/// The server keeps each article's corrections answer in memory; a revision imported by another
/// process (the CLI) must show at once, not when that memory happens to be dropped.
#[test]
fn an_article_imported_through_the_cli_is_fresh_in_a_running_servers_corrections() {
    use crate::articles::urlencode;
    use crate::support::binary::Errata;

    let errata = Errata::new();
    errata.ok(&[
        "publication",
        "add",
        "--name",
        "The Ledger",
        "--url",
        "https://ledger.example/",
    ]);
    let file = errata.dir.path().join("article.jsonl");
    let import = |title: &str, body: &str| {
        let line = serde_json::json!({
            "url": "https://ledger.example/a",
            "title": title,
            "body_text": body,
        });
        std::fs::write(&file, line.to_string()).unwrap();
        errata.ok(&["article", "import", file.to_str().unwrap()]);
    };
    import("The first title", "The bridge is closed to trucks.");
    let server = errata.serve();
    let path = format!(
        "/api/v1/corrections?url={}",
        urlencode("https://ledger.example/a")
    );
    for _ in 0..2 {
        // The second read is served from memory.
        let (status, body) = server.json("GET", &path, None, None);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["article"]["title"], "The first title");
    }
    import("The second title", "The bridge is closed to lorries.");
    // Another process's commit is seen within `OTHERS_SEEN_WITHIN` (the server asks SQLite for
    // them at most that often): the first read after that is fresh.
    std::thread::sleep(errata::db::OTHERS_SEEN_WITHIN + std::time::Duration::from_millis(10));
    let (status, body) = server.json("GET", &path, None, None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["article"]["title"], "The second title", "{body}");
}
