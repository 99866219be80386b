//! A real headless Chromium driven over WebDriver (chromedriver on a free port), and a publisher's
//! site on another origin: a tiny HTTP server serving the test's pages under a strict CSP with
//! hostile CSS. Without a browser the tests say how to install one and skip, except on CI
//! (`CI=true`), where a missing browser is a failure.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use tempfile::TempDir;

use super::binary::free_port;

/// The CSS a careless (or hostile) publisher might ship: the embed must look right anyway.
pub const HOSTILE_CSS: &str =
    "div, span, button, dialog, mark { all: unset; color: red !important; font-size: 40px !important }\n\
     body { font-family: serif; max-width: 60rem; margin: 1rem auto; }\n";

/// One browser at a time: the machine's cores are shared.
static ONE_AT_A_TIME: rocket::tokio::sync::Mutex<()> = rocket::tokio::sync::Mutex::const_new(());

/// A page of the host site: content type, body, extra headers.
type Page = (String, String, Vec<(String, String)>);
type Pages = Mutex<HashMap<String, Page>>;

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// axe-core's `axe.min.js`: from `AXE_CORE_JS`, else from `tests/axe/node_modules` (where
/// `.ci/run` installs it with `npm ci --prefix tests/axe`). Missing locally, the accessibility
/// checks say how to get it and are skipped; with `CI=true` a missing file is a failure.
pub fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) => {
            let how = format!(
                "the accessibility checks need axe-core at {} ({e}): run `npm ci --prefix tests/axe` \
                 (or set AXE_CORE_JS to an axe.min.js)",
                path.display()
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{how}");
            }
            eprintln!("SKIPPED: {how}");
            None
        }
    }
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
    _turn: rocket::tokio::sync::MutexGuard<'static, ()>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Chromium starts in a session of its own and outlives chromedriver: end the processes
        // that run on this browser's profile folder (and so were started by this test), by id.
        let flag = format!("--user-data-dir={}", self._profile.path().display());
        for pid in processes_with_arg(&flag) {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
        }
    }
}

/// The ids of the processes whose command line holds `arg`.
fn processes_with_arg(arg: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmd| cmd.split(|b| *b == 0).any(|a| a == arg.as_bytes()))
        })
        .collect()
}

impl Browser {
    /// A fresh headless Chromium with JavaScript on, or `None` (skip) when there is none here.
    pub async fn start() -> Option<Browser> {
        Browser::launch(true).await
    }

    /// The same with JavaScript turned off, as some readers browse.
    pub async fn without_javascript() -> Option<Browser> {
        Browser::launch(false).await
    }

    async fn launch(javascript: bool) -> Option<Browser> {
        let chromium = find_program(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let driver = find_program("CHROMEDRIVER", &["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            let how = "the browser tests need Chromium and chromedriver: \
                       `apt-get install -y chromium chromium-driver` on Debian or Ubuntu \
                       (or set CHROME_BIN and CHROMEDRIVER)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{how}");
            }
            eprintln!("SKIPPED: {how}");
            return None;
        };
        let turn = ONE_AT_A_TIME.lock().await;
        let port = free_port();
        let mut command = Command::new(&driver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = command.spawn().expect("chromedriver starts");
        let profile = TempDir::new().expect("a profile folder");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut options = json!({
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        if !javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        // chromedriver is on loopback: plain HTTP, no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session");
        Some(Browser {
            client,
            driver: child,
            _profile: profile,
            _turn: turn,
        })
    }

    /// Runs `script` (a function body; `arguments` as usual) in the page and returns its answer.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits (at most 10 s) until `script` returns something truthy; returns it.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self.js(script, vec![]).await;
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "timed out waiting for {what} (screenshot: {})",
                    shot.display()
                );
            }
            rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a screenshot of the viewport under the target's temp folder; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(&path, png).expect("screenshot written");
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Drags the mouse across the words `phrase` inside the element `selector` (found by their
    /// glyphs' positions), as a reader selects text.
    pub async fn select_words(&self, selector: &str, phrase: &str) {
        let at = self
            .js(
                "const [sel, phrase] = arguments;
                 const root = document.querySelector(sel);
                 const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                 let text = '', nodes = [];
                 while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
                 const i = text.indexOf(phrase);
                 if (i < 0) return null;
                 const point = (k) => { for (let j = nodes.length - 1; j >= 0; j--) if (nodes[j][1] <= k) return [nodes[j][0], k - nodes[j][1]]; };
                 const rect = (k) => { const [n, o] = point(k); const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + 1); return r.getBoundingClientRect(); };
                 // The words themselves to the middle of the viewport (a long article centred
                 // as a whole can leave them off screen, out of the pointer's reach).
                 const first = rect(i);
                 window.scrollBy(0, first.top - window.innerHeight / 2);
                 const a = rect(i), b = rect(i + phrase.length - 1);
                 return [a.left + 1, (a.top + a.bottom) / 2, b.right - 1, (b.top + b.bottom) / 2];",
                vec![json!(selector), json!(phrase)],
            )
            .await;
        let xy: Vec<f64> = at
            .as_array()
            .unwrap_or_else(|| panic!("`{phrase}` is not in {selector}"))
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let step = Some(Duration::from_millis(120));
        let drag = MouseActions::new("mouse".into())
            .then(PointerAction::MoveTo {
                duration: step,
                x: xy[0],
                y: xy[1],
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveTo {
                duration: Some(Duration::from_millis(400)),
                x: xy[2],
                y: xy[3],
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client.perform_actions(drag).await.expect("a drag");
        self.client.release_actions().await.expect("released");
    }

    /// Runs axe-core in the page on `context` (an axe context: a selector, or `{include: ...}`)
    /// and fails the test with every serious or critical violation it reports. Without
    /// `axe.min.js` (see `axe_source`) the check is skipped, except on CI.
    pub async fn assert_accessible(&self, what: &str, context: Value) {
        let Some(axe) = axe_source() else {
            return;
        };
        let loaded = self
            .js("return typeof window.axe === 'object'", vec![])
            .await;
        if loaded != json!(true) {
            // Through WebDriver, so the page's CSP (no script but Errata's) does not apply.
            self.js(&format!("{axe}\n;return true;"), vec![]).await;
        }
        let result = self
            .client
            .execute_async(
                "const [context, done] = arguments;
                 axe.run(context, { resultTypes: ['violations'] })
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary) }))))
                   .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                vec![context],
            )
            .await
            .unwrap_or_else(|e| panic!("axe did not run on {what}: {e}"));
        let serious = result.as_array().cloned().unwrap_or_default();
        if !serious.is_empty() {
            let shot = self.screenshot(&format!("axe-{what}")).await;
            panic!(
                "axe: serious or critical violations on {what} (screenshot {}):\n{}",
                shot.display(),
                serde_json::to_string_pretty(&serious).unwrap_or_default()
            );
        }
        eprintln!("axe: no serious or critical violations on {what}");
    }

    pub async fn quit(self) {
        let client = self.client.clone();
        let _ = client.close().await;
    }
}

/// A publisher's site on its own origin (`http://localhost:PORT`, while Errata is on
/// `127.0.0.1`): the pages a test puts there, each with the headers given.
pub struct HostSite {
    pub port: u16,
    pages: Arc<Pages>,
}

impl HostSite {
    pub fn start() -> HostSite {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the host site");
        let port = listener.local_addr().expect("addr").port();
        let pages: Arc<Pages> = Arc::default();
        let served = pages.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let pages = served.clone();
                std::thread::spawn(move || answer(stream, &pages));
            }
        });
        HostSite { port, pages }
    }

    pub fn origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    pub fn put(&self, path: &str, content_type: &str, body: &str, headers: &[(&str, &str)]) {
        self.pages.lock().expect("pages").insert(
            path.to_owned(),
            (
                content_type.to_owned(),
                body.to_owned(),
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        );
    }

    /// An article page embedding Errata from `errata_origin`, under a CSP that allows nothing
    /// inline and no script or connection but Errata's, and with the hostile stylesheet.
    pub fn article(&self, path: &str, errata_origin: &str, article_url: &str, body_html: &str) {
        self.article_in(path, errata_origin, article_url, body_html, "en", "");
    }

    /// The same page in the language `lang` (its `<html lang>`), with `attrs` added to the
    /// script tag (`data-errata-lang="es"`).
    pub fn article_in(
        &self,
        path: &str,
        errata_origin: &str,
        article_url: &str,
        body_html: &str,
        lang: &str,
        attrs: &str,
    ) {
        let csp = format!(
            "default-src 'none'; script-src {errata_origin}; connect-src {errata_origin}; \
             style-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'"
        );
        let html = format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>Host article</title>\
             <link rel=\"stylesheet\" href=\"/hostile.css\"></head><body>\
             <header><p>The Kessler Gazette</p></header>\
             <article id=\"story\">{body_html}</article>\
             <footer><p>Footer text outside the article.</p></footer>\
             <script src=\"{errata_origin}/embed.js\" data-errata-article=\"{article_url}\" data-errata-container=\"#story\"{attrs} async></script>\
             </body></html>"
        );
        self.put(
            path,
            "text/html; charset=utf-8",
            &html,
            &[("Content-Security-Policy", &csp)],
        );
        self.put("/hostile.css", "text/css", HOSTILE_CSS, &[]);
    }
}

fn answer(mut stream: TcpStream, pages: &Pages) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split('?').next().unwrap_or(path);
    let found = pages.lock().ok().and_then(|p| p.get(path).cloned());
    let (status, content_type, body, headers) = match found {
        Some((t, b, h)) => ("200 OK", t, b, h),
        None => (
            "404 Not Found",
            "text/plain".to_owned(),
            "not here".to_owned(),
            vec![],
        ),
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}
