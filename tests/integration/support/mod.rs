//! The test harness: `TestApp` builds the real application on its own SQLite file (and, when asked,
//! its own SMTP server on loopback), plus helpers to act as editors, CMSs and readers.

pub mod binary;
pub mod browser;
pub mod database;
pub mod receiver;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use errata::accounts::{self, NewUser, Role, Scope};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::{json, Value};
use tempfile::TempDir;

pub use smtp::SmtpSink;

/// R1 from the anchoring issue: six paragraphs, 793 code points once canonical.
pub const R1: &str = "HARBORVIEW — The city council voted 6-3 on Tusday to approve a $48 million bond for repairs to the Kessler Street bridge, which has been closed to trucks since March.\n\nMayor Dana Whitcomb called the vote \"a long-overdue investment\" and said construction could begin as early as next spring.\n\nCouncil member Luis Ortega, who voted against the measure, said the city had not secured matching funds from the state. \"We are borrowing money we may not need to borrow,\" Ortega said.\n\nThe bridge carries roughly 14,000 vehicles a day, according to a 2022 traffic study commissioned by the city.\n\nRepairs are expected to take 18 months. During that time, the bridge will remain open to passanger cars but closed to trucks.\n\nThe council will hold a public hearing on the construction schedule on May 7.";

pub const ARTICLE_URL: &str = "https://news.example.com/2026/11/kessler-bridge-bond";

pub struct Builder {
    smtp: bool,
    dir: Option<PathBuf>,
    extra: Vec<(&'static str, Value)>,
}

impl Builder {
    /// Send mail over SMTP to a sink on loopback instead of writing files.
    pub fn smtp(mut self) -> Self {
        self.smtp = true;
        self
    }

    /// Reuse a folder (and so its database file), as a restarted server would.
    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_owned());
        self
    }

    pub fn set(mut self, key: &'static str, value: Value) -> Self {
        self.extra.push((key, value));
        self
    }

    pub async fn start(self) -> TestApp {
        let tmp = TempDir::new().expect("temp dir");
        let dir = self.dir.clone().unwrap_or_else(|| tmp.path().to_owned());
        let smtp = if self.smtp {
            Some(SmtpSink::start().await)
        } else {
            None
        };
        let db_path = dir.join("errata.db");
        let database_url = database::url_for(&dir);
        let mut figment = Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "off"))
            .merge(("database_url", database_url.clone()))
            .merge(("public_url", "http://errata.test"))
            .merge(("mail_dir", dir.join("mail").to_string_lossy().to_string()))
            .merge(("mail_from", "Errata <errata@errata.test>"))
            .merge(("mail_poll_ms", 200))
            .merge(("demo", false));
        if let Some(sink) = &smtp {
            figment = figment.merge(("smtp_url", sink.url()));
        }
        for (key, value) in self.extra {
            figment = figment.merge((key, value));
        }
        let rocket = errata::build(figment).expect("the app builds");
        let client = Client::tracked(rocket).await.expect("a client");
        TestApp {
            client,
            own_dir: self.dir.is_none(),
            _tmp: tmp,
            dir,
            db_path,
            database_url,
            smtp,
            delivery: Mutex::new(None),
        }
    }
}

pub struct TestApp {
    pub client: Client,
    /// Whether `dir` is this app's own (its database goes with it) or the test's (`in_dir`).
    own_dir: bool,
    _tmp: TempDir,
    pub dir: PathBuf,
    /// The SQLite file (on SQLite; see `database_url`).
    pub db_path: PathBuf,
    /// The database the app runs on, on the engine `ERRATA_TEST_DATABASE` chose.
    pub database_url: String,
    pub smtp: Option<SmtpSink>,
    /// Set by `expect_delivery`: how long the check at drop waits for the worker.
    delivery: Mutex<Option<Duration>>,
}

/// The check a test asks for with `expect_delivery`, as crates.io's harness does for its job
/// queue: at the end of the test every outbox row has been sent, so a message queued and then
/// forgotten (or stuck) fails the test that caused it.
impl Drop for TestApp {
    fn drop(&mut self) {
        self.check_delivery();
        if self.own_dir {
            database::drop_for(&self.dir);
        }
    }
}

impl TestApp {
    fn check_delivery(&self) {
        let expected = self.delivery.lock().ok().and_then(|d| *d);
        let Some(patience) = expected else { return };
        if std::thread::panicking() {
            return;
        }
        // The test's future runs on this thread; the worker runs on the runtime's own threads,
        // so waiting here does not hold it up.
        let deadline = Instant::now() + patience;
        loop {
            let total = self.count("SELECT COUNT(*) AS n FROM outbox");
            let unsent = self.count("SELECT COUNT(*) AS n FROM outbox WHERE state <> 'sent'");
            if total > 0 && unsent == 0 {
                return;
            }
            if Instant::now() > deadline {
                let rows = self.outbox_rows();
                panic!(
                    "the test expected delivery, but {unsent} of {total} outbox rows were left unsent: {rows:?}"
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Row counts of every table, to show that a refused request wrote nothing.
#[derive(Debug, PartialEq, Eq)]
pub struct Counts(Vec<(&'static str, i64)>);

impl TestApp {
    pub fn builder() -> Builder {
        Builder {
            smtp: false,
            dir: None,
            extra: Vec::new(),
        }
    }

    pub async fn new() -> TestApp {
        TestApp::builder().start().await
    }

    /// A direct connection to the same database, for looking at rows.
    pub fn conn(&self) -> errata::db::Conn {
        errata::db::connect(&self.database_url).expect("db")
    }

    pub fn counts(&self) -> Counts {
        let mut conn = self.conn();
        let tables = [
            "users",
            "api_tokens",
            "publications",
            "publication_origins",
            "articles",
            "revisions",
            "reports",
            "correction_notes",
            "note_reports",
            "anchors",
            "events",
            "outbox",
        ];
        Counts(
            tables
                .iter()
                .map(|t| {
                    (
                        *t,
                        scalar(&mut conn, &format!("SELECT COUNT(*) AS n FROM {t}")),
                    )
                })
                .collect(),
        )
    }

    pub fn count(&self, sql: &str) -> i64 {
        scalar(&mut self.conn(), sql)
    }

    /// Marks that this test expects its mail delivered: when the app is dropped (and the test did
    /// not fail already), every outbox row must be `sent` within a few seconds.
    pub fn expect_delivery(&self) {
        self.expect_delivery_within(Duration::from_secs(20));
    }

    /// `expect_delivery`, with the wait at drop.
    pub fn expect_delivery_within(&self, patience: Duration) {
        if let Ok(mut d) = self.delivery.lock() {
            *d = Some(patience);
        }
    }

    /// Every outbox row as (id, template, state, attempts, last error), for failure messages.
    pub fn outbox_rows(&self) -> Vec<(i64, String, String, i64, Option<String>)> {
        use errata::db::schema::outbox as o;
        o::table
            .order(o::id.asc())
            .select((o::id, o::template, o::state, o::attempts, o::last_error))
            .load(&mut self.conn())
            .unwrap_or_default()
    }

    /// A user of `role` and a token with `scopes` (empty: all the role allows).
    pub fn user(&self, role: Role, scopes: &[Scope]) -> (accounts::User, String) {
        let mut conn = self.conn();
        let n = scalar(&mut conn, "SELECT COUNT(*) AS n FROM users") + 1;
        let email = format!("{}{n}@newsroom.test", role.as_str());
        let user = accounts::create_user(
            &mut conn,
            NewUser {
                email: &email,
                name: &format!("{} {n}", role.as_str()),
                role,
                password: "a long test password",
            },
        )
        .expect("user");
        let (_, token) = accounts::create_token(&mut conn, &user, "test", scopes).expect("token");
        (user, token)
    }

    pub fn editor(&self) -> String {
        self.user(Role::Editor, &[]).1
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (Status, Value) {
        let request = match method {
            "GET" => self.client.get(path.to_owned()),
            "POST" => self.client.post(path.to_owned()),
            "PUT" => self.client.put(path.to_owned()),
            other => panic!("no method {other}"),
        };
        let mut request = request.header(ContentType::JSON);
        if let Some(t) = token {
            request = request.header(Header::new("Authorization", format!("Bearer {t}")));
        }
        if let Some(b) = body {
            request = request.body(b.to_string());
        }
        let response = request.dispatch().await;
        read(response).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (Status, Value) {
        self.send("GET", path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (Status, Value) {
        self.send("POST", path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (Status, Value) {
        self.send("PUT", path, token, Some(body)).await
    }

    /// Registers R1 (or `text`) at `url` through the API; returns the article id.
    pub async fn article_with(&self, token: &str, url: &str, text: &str) -> i64 {
        let (status, body) = self
            .put(
                "/api/v1/articles",
                Some(token),
                json!({ "url": url, "title": "Council approves bridge bond", "body_text": text }),
            )
            .await;
        assert!(
            status == Status::Created || status == Status::Ok,
            "{status} {body}"
        );
        body["id"].as_i64().expect("id")
    }

    pub async fn article(&self, token: &str) -> i64 {
        self.article_with(token, ARTICLE_URL, R1).await
    }

    /// Files a report on `exact` in the test article; returns the 201 body.
    pub async fn report(&self, exact: &str, email: Option<&str>) -> Value {
        let mut body = json!({
            "article_url": ARTICLE_URL,
            "passage": { "exact": exact },
            "category": "factual_error",
            "description": "This figure does not match the source.",
        });
        if let Some(e) = email {
            body["reporter"] = json!({ "name": "Ada Reader", "email": e, "notify": true });
        }
        let (status, answer) = self.post("/api/v1/reports", None, body).await;
        assert_eq!(status, Status::Created, "{answer}");
        if email.is_some() {
            // The reader confirms from the receipt, as one who wants to hear more does.
            let id = answer["id"].as_i64().expect("an id");
            let res = self
                .client
                .post(format!("/confirm/{}", self.mail_token(id)))
                .dispatch()
                .await;
            assert_eq!(res.status(), Status::Ok);
        }
        answer
    }

    /// Files a report whose reader asked for mail but never confirms the address.
    pub async fn report_unconfirmed(&self, exact: &str, email: &str) -> Value {
        let body = json!({
            "article_url": ARTICLE_URL,
            "passage": { "exact": exact },
            "category": "factual_error",
            "description": "This figure does not match the source.",
            "reporter": { "name": "Ada Reader", "email": email, "notify": true },
        });
        let (status, answer) = self.post("/api/v1/reports", None, body).await;
        assert_eq!(status, Status::Created, "{answer}");
        answer
    }

    /// The secret of a report's mail links (as its receipt carries them).
    pub fn mail_token(&self, report_id: i64) -> String {
        use errata::db::schema::reports;
        reports::table
            .find(report_id)
            .select(reports::mail_token)
            .first::<Option<String>>(&mut self.conn())
            .expect("the report")
            .expect("a mail token")
    }
}

/// The path of an absolute link the server gave (`http://errata.test/...`), for the local client.
pub fn local_path(link: &Value) -> String {
    link.as_str()
        .expect("a link")
        .trim_start_matches("http://errata.test")
        .to_owned()
}

/// The JSON API's status route for a filed report (its `status_url` is the reader's page).
pub fn api_status_path(filed: &Value) -> String {
    let token = filed["status_url"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .expect("a status link");
    format!("/api/v1/reports/status/{token}")
}

pub async fn read(response: LocalResponse<'_>) -> (Status, Value) {
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn scalar(conn: &mut errata::db::Conn, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<N>(conn).expect(sql).n
}

/// Asserts an error answer: its status, code and (when given) field.
pub fn assert_error(got: &(Status, Value), status: Status, code: &str, field: Option<&str>) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["error"]["code"], code, "{}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        got.1
    );
    if let Some(f) = field {
        assert_eq!(got.1["error"]["field"], f, "{}", got.1);
    }
}
