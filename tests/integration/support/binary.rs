//! The `errata` binary as an operator runs it: admin commands and the server itself, on one
//! database file in a temporary folder, configured only through `ROCKET_*` variables. The server's
//! whole output (standard output and error) is kept, and it is spoken to over real HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// A free port on loopback (nothing listens on it once this returns).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One installation: a folder, its database and the settings every command gets.
pub struct Errata {
    pub dir: TempDir,
    env: Vec<(String, String)>,
}

impl Drop for Errata {
    fn drop(&mut self) {
        super::database::drop_for(self.dir.path());
    }
}

impl Errata {
    pub fn new() -> Errata {
        let dir = TempDir::new().expect("temp dir");
        let mut errata = Errata {
            env: Vec::new(),
            dir,
        };
        let db = super::database::url_for(errata.dir.path());
        let mail = errata
            .dir
            .path()
            .join("mail")
            .to_string_lossy()
            .into_owned();
        errata = errata
            .env("ROCKET_DATABASE_URL", &db)
            .env("ROCKET_DEMO", "false")
            .env("ROCKET_MAIL_DIR", &mail)
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_MAIL_POLL_MS", "200")
            .env("ROCKET_CLI_COLORS", "false");
        errata
    }

    pub fn env(mut self, key: &str, value: &str) -> Errata {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The database file (on SQLite): `ROCKET_DATABASE_URL` when set, else `errata.db` in the
    /// folder.
    pub fn db_path(&self) -> PathBuf {
        PathBuf::from(self.database_url())
    }

    /// A number the SQL `sql` answers (as a column `n`) on the installation's database.
    pub fn count(&self, sql: &str) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = errata::db::connect(&self.database_url()).expect("the database");
        diesel::sql_query(sql)
            .get_result::<N>(&mut conn)
            .expect(sql)
            .n
    }

    /// `ROCKET_DATABASE_URL`: the database every command and server of this installation uses.
    pub fn database_url(&self) -> String {
        self.env
            .iter()
            .find(|(k, _)| k == "ROCKET_DATABASE_URL")
            .map(|(_, v)| v.clone())
            .expect("ROCKET_DATABASE_URL is always set")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_errata"));
        cmd.args(args).current_dir(self.dir.path());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs an admin command to its end, with `stdin` as its input.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the errata binary runs");
        if let Some(input) = stdin {
            if let Some(mut pipe) = child.stdin.take() {
                pipe.write_all(input.as_bytes()).expect("stdin");
            }
        }
        drop(child.stdin.take());
        child.wait_with_output().expect("the command ends")
    }

    /// Runs an admin command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(
            out.status.success(),
            "errata {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs an admin command that must fail; returns its standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(
            !out.status.success(),
            "errata {args:?} should fail: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// A user of `role` and an API token for them, made through the CLI; returns the token.
    pub fn user_with_token(&self, email: &str, role: &str) -> String {
        self.ok(&[
            "user",
            "add",
            "--email",
            email,
            "--name",
            "Test User",
            "--role",
            role,
        ]);
        let out = self.ok(&["token", "add", "--user", email, "--name", "test"]);
        out.lines()
            .find(|l| l.starts_with("errata_"))
            .expect("a printed token")
            .to_owned()
    }

    /// Starts `errata serve` on a free port and waits until it answers `/healthz`.
    pub fn serve(&self) -> Server {
        // A port set beforehand (so that `ROCKET_PUBLIC_URL` can name it) is kept.
        let preset: Option<u16> = self
            .env
            .iter()
            .find(|(k, _)| k == "ROCKET_PORT")
            .and_then(|(_, v)| v.parse().ok());
        let mut tries = 0;
        loop {
            tries += 1;
            match self.serve_on(preset.unwrap_or_else(free_port)) {
                Ok(server) => return server,
                // A port found free may be taken before the server binds it (by another test's
                // server, or a client's outgoing connection): another port, a few times.
                Err(log) if preset.is_none() && tries < 5 && log.contains("in use") => {}
                Err(log) => panic!("the server exited: {log}"),
            }
        }
    }

    /// Starts `errata serve` on `port` and waits for it to answer; its log if it exits first.
    fn serve_on(&self, port: u16) -> Result<Server, String> {
        let mut child = self
            .command(&["serve"])
            .env("ROCKET_PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let log = Arc::new(Mutex::new(String::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut log = log.lock().expect("log");
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let mut server = Server { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait().expect("child") {
                // (The log's readers may still be reading what it wrote last.)
                std::thread::sleep(Duration::from_millis(100));
                return Err(format!("({status}) {}", server.log()));
            }
            if let Ok((200, _)) = server.try_request("GET", "/healthz", &[], None) {
                return Ok(server);
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer: {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A running `errata serve`; stopped when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Everything the server printed so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Stops the server (SIGKILL) and returns its whole output.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader threads finish once the pipes close.
        std::thread::sleep(Duration::from_millis(200));
        self.log()
    }

    fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        let body = body.unwrap_or_default();
        if !body.is_empty() || method == "POST" || method == "PUT" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let chunked = head.lines().any(|l| {
            l.to_ascii_lowercase()
                .starts_with("transfer-encoding: chunked")
        });
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        };
        Ok((status, body))
    }

    /// One HTTP request; returns the status and the body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, String) {
        self.try_request(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.log()))
    }

    /// A JSON request, with a bearer token when given; the answer parsed as JSON.
    pub fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        let body = body.map(|b| b.to_string());
        let (status, text) = self.request(method, path, &headers, body.as_deref());
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// One HTTP request to the server on `port` over a connection of its own, with a JSON body and a
/// bearer token when given: its status and body, or `None` when the server went away first (a
/// test that kills servers under load counts on that).
pub fn request_on(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, rest.to_owned()))
}

/// Waits (at most `secs`) until `done` holds, checking every 100 ms.
pub fn wait_until(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if done() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
