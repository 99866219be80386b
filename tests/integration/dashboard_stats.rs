//! The stats page and its CSV through HTTP, on reports moved through the workflow by an editor
//! with known times; and the synthetic fill command (`errata dev fill`) leaving its rows
//! consistent: the tab counters equal the counts per state, and the search index finds them; the
//! queue's search pages, walked from the index, against a plain reading of a filled table. In
//! headless Chromium, the charts of a filled database draw under the dashboard's CSP and pass axe.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use errata::accounts::Role;
use errata::db::schema::{events, reports};
use rocket::http::Status;

use crate::dashboard::{article_with_reports, get, post_form, signed_in, state_of, Html};
use crate::support::binary::Errata;
use crate::support::TestApp;

/// Moves `report`'s `transition` event to `to` so that it happened `hours` after `filed`.
fn move_at(app: &TestApp, report: i64, to: &str, filed: NaiveDateTime, hours: i64) {
    let n = diesel::update(
        events::table
            .filter(events::report_id.eq(report))
            .filter(events::kind.eq("transition"))
            .filter(events::to_value.eq(to)),
    )
    .set(events::created_at.eq(filed + Duration::hours(hours)))
    .execute(&mut app.conn())
    .expect("update");
    assert_eq!(n, 1, "one move of {report} to {to}");
}

/// The `<tr>` whose row header is `name`, as its cells' texts.
fn table_row(page: &Html, name: &str) -> Vec<String> {
    let marker = format!("<th scope=\"row\">{name}</th>");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {name}:\n{}", page.body));
    let rest = &page.body[start + marker.len()..];
    let row = &rest[..rest.find("</tr>").expect("the row ends")];
    row.split("<td>")
        .skip(1)
        .map(|c| c[..c.find("</td>").expect("a cell")].to_owned())
        .collect()
}

/// Four reports: one triaged after 2 h and resolved as no error after 6 h, one marked spam
/// straight from new after 1 h, one corrected by a published note after 4 h, and one still new.
async fn known_reports(app: &TestApp) -> (Vec<i64>, String) {
    let ids = article_with_reports(
        app,
        &[
            "$48 million bond",
            "voted 6-3 on Tusday",
            "roughly 14,000 vehicles a day",
            "passanger cars",
        ],
    )
    .await;
    let (_, csrf) = signed_in(app, Role::Editor).await;
    let page = |id: i64| format!("/dashboard/reports/{id}");
    let sent = |res: Html| assert_eq!(res.status, Status::SeeOther, "{}", res.body);
    sent(
        post_form(
            app,
            &format!("{}/move", page(ids[0])),
            &[("to", "triaged"), ("csrf_token", &csrf)],
        )
        .await,
    );
    sent(
        post_form(
            app,
            &format!("{}/resolve", page(ids[0])),
            &[
                ("to", "resolved"),
                ("resolution", "no_error"),
                ("csrf_token", &csrf),
            ],
        )
        .await,
    );
    let spam = ids[1].to_string();
    sent(
        post_form(
            app,
            "/dashboard/bulk",
            &[("ids", &spam), ("action", "spam"), ("csrf_token", &csrf)],
        )
        .await,
    );
    sent(
        post_form(
            app,
            &format!("{}/publish", page(ids[2])),
            &[
                ("kind", "correction"),
                ("wrong", "14,000"),
                ("right", "12,000"),
                (
                    "body_markdown",
                    "The bridge carries about 12,000 vehicles a day.",
                ),
                ("placement", "bottom"),
                ("passage", "roughly 14,000 vehicles a day"),
                ("csrf_token", &csrf),
            ],
        )
        .await,
    );
    assert_eq!(state_of(app, ids[0]), "resolved:no_error");
    assert_eq!(state_of(app, ids[1]), "resolved:spam");
    assert_eq!(state_of(app, ids[2]), "resolved:corrected");
    assert_eq!(state_of(app, ids[3]), "new");

    // Known times: every report filed 10 hours ago, each move so many hours after.
    let filed = errata::time::now() - Duration::hours(10);
    diesel::update(reports::table)
        .set(reports::created_at.eq(filed))
        .execute(&mut app.conn())
        .expect("update");
    move_at(app, ids[0], "triaged", filed, 2);
    move_at(app, ids[0], "resolved:no_error", filed, 6);
    move_at(app, ids[1], "resolved:spam", filed, 1);
    move_at(app, ids[2], "resolved:corrected", filed, 4);
    (ids, csrf)
}

#[rocket::async_test]
async fn the_stats_page_shows_the_figures_of_reports_moved_through_the_workflow() {
    let app = TestApp::new().await;
    known_reports(&app).await;
    let page = get(&app, "/dashboard/stats").await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    assert!(
        page.has("<a href=\"/dashboard/stats\">Stats</a>"),
        "in the nav"
    );

    // First triage: 2 h, 1 h (spam from new) and 4 h (published from new); resolution: 6, 1, 4.
    assert_eq!(table_row(&page, "To first triage"), ["2.0 h", "3"]);
    assert_eq!(table_row(&page, "To resolution"), ["4.0 h", "3"]);
    for (outcome, n) in [
        ("No error", "1"),
        ("Spam", "1"),
        ("Corrected", "1"),
        ("Clarified", "0"),
        ("Still open", "1"),
    ] {
        assert_eq!(table_row(&page, outcome), [n], "{outcome}");
    }
    assert_eq!(table_row(&page, "Correction"), ["1"]);
    assert_eq!(table_row(&page, "Update"), ["0"]);
    assert_eq!(
        table_row(&page, "news.example.com"),
        ["4", "3", "1", "2.0 h", "4.0 h"]
    );
    // This week's column holds the four; twelve weeks by default.
    let weeks = page.body.matches("<th scope=\"row\">").count() - 2 - 6 - 4 - 1;
    assert_eq!(weeks, 12);
    assert!(page.has(">4</td></tr>"), "this week's count");

    // Each chart is an image with a name, beside a table with a caption; no inline style.
    assert_eq!(page.body.matches("role=\"img\"").count(), 5);
    assert_eq!(page.body.matches("<caption>").count(), 5);
    assert!(page.has("<title id=\"t-weekly\">Reports per week</title>"));
    assert!(
        !page.has("style=") && !page.has("<style"),
        "the CSP allows none"
    );
    assert!(page.has("href=\"/dashboard/stats.csv?weeks=12\""));
    assert!(page.has(">Download CSV</a>"));

    // Another period and another publication.
    let last4 = get(&app, "/dashboard/stats?weeks=4").await;
    assert!(last4.has("in the last 4 weeks"));
    assert!(last4.has("href=\"/dashboard/stats.csv?weeks=4\""));
    let elsewhere = errata::articles::create_publication(
        &mut app.conn(),
        "The Other Paper",
        "https://other.example/",
        &[],
    )
    .expect("publication");
    let other = get(
        &app,
        &format!("/dashboard/stats?publication={}&weeks=52", elsewhere.id),
    )
    .await;
    assert_eq!(other.status, Status::Ok);
    assert_eq!(
        table_row(&other, "The Other Paper"),
        ["0", "0", "0", "–", "–"]
    );
    assert!(!other.has("news.example.com</th>"), "only that publication");
    assert_eq!(table_row(&other, "To first triage"), ["–", "0"]);
}

/// The report's first answer and first resolution, and the earliest matching moves in its log.
fn answer_times(app: &TestApp, id: i64) -> [Option<NaiveDateTime>; 4] {
    let mut conn = app.conn();
    let (answered, resolved): (Option<NaiveDateTime>, Option<NaiveDateTime>) = reports::table
        .find(id)
        .select((reports::first_answered_at, reports::first_resolved_at))
        .first(&mut conn)
        .expect("report");
    let moves: Vec<(String, String, NaiveDateTime)> = events::table
        .filter(events::report_id.eq(id))
        .filter(events::kind.eq("transition"))
        .select((
            events::from_value.assume_not_null(),
            events::to_value.assume_not_null(),
            events::created_at,
        ))
        .load(&mut conn)
        .expect("moves");
    let first = |keep: &dyn Fn(&(String, String, NaiveDateTime)) -> bool| {
        moves.iter().filter(|m| keep(m)).map(|m| m.2).min()
    };
    [
        answered,
        first(&|m| m.0 == "new"),
        resolved,
        first(&|m| m.1.starts_with("resolved")),
    ]
}

#[rocket::async_test]
async fn each_report_keeps_its_first_answer_and_first_resolution_through_a_reopening() {
    let app = TestApp::new().await;
    let ids = article_with_reports(&app, &["$48 million bond", "voted 6-3 on Tusday"]).await;
    let (_, csrf) = signed_in(&app, Role::Editor).await;
    let post = |path: String, to: &'static str, resolution: Option<&'static str>| {
        let app = &app;
        let csrf = csrf.clone();
        async move {
            let mut form = vec![("to", to), ("csrf_token", csrf.as_str())];
            form.extend(resolution.map(|r| ("resolution", r)));
            let res = post_form(app, &path, &form).await;
            assert_eq!(res.status, Status::SeeOther, "{}", res.body);
        }
    };
    let page = |id: i64, what: &str| format!("/dashboard/reports/{id}/{what}");
    assert_eq!(answer_times(&app, ids[0]), [None; 4], "not answered yet");

    post(page(ids[0], "move"), "triaged", None).await;
    post(page(ids[0], "resolve"), "resolved", Some("no_error")).await;
    let first = answer_times(&app, ids[0]);
    assert!(first[0].is_some() && first[2].is_some(), "{first:?}");
    // Reopened and resolved again: the first answer and first resolution stay as they were.
    std::thread::sleep(std::time::Duration::from_millis(20));
    post(page(ids[0], "move"), "investigating", None).await;
    post(page(ids[0], "resolve"), "resolved", Some("spam")).await;
    let again = answer_times(&app, ids[0]);
    assert_eq!(again, first, "kept through the reopening");
    assert_eq!(
        (again[0], again[2]),
        (again[1], again[3]),
        "as the log says"
    );

    // Resolved straight from new: that move is its first answer and its first resolution.
    post(page(ids[1], "resolve"), "resolved", Some("no_error")).await;
    let straight = answer_times(&app, ids[1]);
    assert!(straight[0].is_some(), "{straight:?}");
    assert_eq!(straight[0], straight[2]);
    assert_eq!((straight[0], straight[2]), (straight[1], straight[3]));
}

#[rocket::async_test]
async fn the_csv_holds_the_same_numbers_as_a_download() {
    let app = TestApp::new().await;
    known_reports(&app).await;
    let res = app.client.get("/dashboard/stats.csv").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        res.headers().get_one("Content-Type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        res.headers().get_one("Content-Disposition"),
        Some("attachment; filename=\"errata-stats.csv\"")
    );
    let csv = res.into_string().await.unwrap_or_default();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,item,measure,value");
    for line in [
        "time_to_answer,all,reports,4",
        "time_to_answer,all,median_hours_to_first_triage,2.0",
        "time_to_answer,all,median_hours_to_resolution,4.0",
        "outcomes,no_error,reports,1",
        "outcomes,spam,reports,1",
        "outcomes,corrected,reports,1",
        "outcomes,open,reports,1",
        "corrections_by_kind,correction,notes,1",
        "per_publication,news.example.com,reports,4",
        "per_publication,news.example.com,median_hours_to_resolution,4.0",
    ] {
        assert!(lines.contains(&line), "{line} in:\n{csv}");
    }
    let weekly: i64 = lines
        .iter()
        .filter(|l| l.starts_with("reports_per_week,"))
        .filter_map(|l| l.rsplit(',').next()?.parse::<i64>().ok())
        .sum();
    assert_eq!(weekly, 4);

    // A name with a comma and quotes stays one field.
    errata::articles::create_publication(
        &mut app.conn(),
        "Gazette, \"The\"",
        "https://gazette.example/",
        &[],
    )
    .expect("publication");
    let csv = app
        .client
        .get("/dashboard/stats.csv?weeks=4")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap_or_default();
    assert!(
        csv.contains("per_publication,\"Gazette, \"\"The\"\"\",reports,0\r\n"),
        "{csv}"
    );
}

#[rocket::async_test]
async fn signed_out_visitors_are_sent_to_sign_in_and_reviewers_see_the_figures() {
    let app = TestApp::new().await;
    for (path, next) in [
        ("/dashboard/stats", "%2Fdashboard%2Fstats"),
        ("/dashboard/stats.csv", "%2Fdashboard%2Fstats.csv"),
    ] {
        let res = get(&app, path).await;
        assert_eq!(res.status, Status::SeeOther, "{path}");
        assert_eq!(
            res.location.as_deref(),
            Some(format!("/signin?next={next}").as_str())
        );
        assert!(!res.has("section,item"), "no figures without a session");
    }
    signed_in(&app, Role::Reviewer).await;
    assert_eq!(get(&app, "/dashboard/stats").await.status, Status::Ok);
    assert_eq!(get(&app, "/dashboard/stats.csv").await.status, Status::Ok);
}

#[test]
fn filled_reports_are_counted_by_the_tab_counters_and_found_by_search() {
    use errata::reports::queue::{self, QueueFilter};
    use errata::reports::workflow::State;

    let errata = Errata::new();
    let out = errata.ok(&["dev", "fill", "--reports", "600", "--articles", "12"]);
    assert!(out.contains("Added 600 reports on 12 articles"), "{out}");
    // A second fill adds to the first.
    errata.ok(&[
        "dev",
        "fill",
        "--reports",
        "150",
        "--articles",
        "3",
        "--seed",
        "2",
    ]);
    let mut conn = errata::db::connect(&errata.database_url()).expect("db");

    let counted = queue::tab_counts(&mut conn).expect("counts");
    let mut total = 0;
    for (state, n) in counted {
        let real: i64 = reports::table
            .filter(reports::state.eq(state.as_str()))
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert_eq!(n, real, "{}", state.as_str());
        assert!(n > 0, "some reports are {}", state.as_str());
        total += n;
    }
    assert_eq!(total, 750);

    // Every report is in the search index: the queue's search finds the last one by the words of
    // its description, and the index agrees with the table row for row.
    let (id, state, description): (i64, String, String) = reports::table
        .order(reports::id.desc())
        .select((reports::id, reports::state, reports::description))
        .first(&mut conn)
        .expect("a report");
    let found = queue::page(
        &mut conn,
        &QueueFilter {
            state: State::parse(&state).expect("a state"),
            search: Some(description.clone()),
            limit: 200,
            ..QueueFilter::default()
        },
    )
    .expect("search");
    let ids: Vec<i64> = found
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(|i| i.report.id))
        .collect();
    assert!(ids.contains(&id), "{description} finds {id}: {ids:?}");
    // (FTS5 keeps an index beside the table; PostgreSQL's is a generated column, always in step.)
    if !crate::support::database::is_postgres() {
        diesel::sql_query(
            "INSERT INTO reports_fts (reports_fts, rank) VALUES ('integrity-check', 1)",
        )
        .execute(&mut conn)
        .expect("the search index matches the table");
    }

    // Resolved reports carry the moves that resolved them; the corrected ones, their note.
    let unexplained: i64 = reports::table
        .filter(reports::state.eq("resolved"))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            events::table
                .filter(events::report_id.eq(reports::id.nullable()))
                .filter(events::kind.eq("transition"))
                .filter(events::to_value.like("resolved:%")),
        )))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(unexplained, 0);
}

#[rocket::async_test]
async fn the_charts_draw_in_a_real_browser_under_the_dashboards_csp() {
    use fantoccini::Locator;

    let Some(browser) = crate::support::browser::Browser::start().await else {
        return;
    };
    let errata = Errata::new();
    errata.ok(&["dev", "fill", "--reports", "3000", "--articles", "40"]);
    let out = errata.run(
        &[
            "user",
            "add",
            "--email",
            "desk@newsroom.test",
            "--name",
            "Desk Editor",
            "--role",
            "editor",
            "--password-stdin",
        ],
        Some("a long desk password\n"),
    );
    assert!(out.status.success(), "{out:?}");
    let server = errata.serve();
    let base = format!("http://127.0.0.1:{}", server.port);
    let c = &browser.client;
    c.goto(&format!("{base}/dashboard/stats?weeks=52"))
        .await
        .expect("goto");
    browser
        .wait_for("the sign-in page", "return location.pathname === '/signin'")
        .await;
    for (field, value) in [
        ("#email", "desk@newsroom.test"),
        ("#password", "a long desk password"),
    ] {
        c.find(Locator::Css(field))
            .await
            .expect("a field")
            .send_keys(value)
            .await
            .expect("typed");
    }
    c.find(Locator::XPath("//button[normalize-space()='Sign in']"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("clicked");
    browser
        .wait_for(
            "the stats page",
            "return location.pathname === '/dashboard/stats' && document.querySelector('svg.chart')",
        )
        .await;
    // Every chart has a size on the page, its bars take the stylesheet's colour (a CSP that
    // refused the styles would leave them black), and 52 weekly columns are drawn.
    let drawn = browser
        .js(
            "const charts = [...document.querySelectorAll('svg.chart')];
             const bar = document.querySelector('#h-weekly').closest('section').querySelectorAll('rect.bar');
             return {
               charts: charts.length,
               sized: charts.every(c => c.getBoundingClientRect().width > 200),
               weekly: bar.length,
               tall: [...bar].filter(b => b.getBBox().height > 0).length,
               fill: getComputedStyle(bar[bar.length - 1]).fill,
               tables: document.querySelectorAll('table caption').length,
             };",
            vec![],
        )
        .await;
    assert_eq!(drawn["charts"], 5, "{drawn}");
    assert_eq!(drawn["sized"], true, "{drawn}");
    assert_eq!(drawn["weekly"], 52, "{drawn}");
    assert!(drawn["tall"].as_i64().unwrap_or(0) >= 50, "{drawn}");
    assert_eq!(drawn["fill"], "rgb(11, 87, 164)", "{drawn}");
    assert_eq!(drawn["tables"], 5, "{drawn}");
    browser.screenshot("dashboard-stats").await;
    browser
        .assert_accessible("the stats page", serde_json::json!("html"))
        .await;
    browser
        .js(
            "document.getElementById('h-answer').scrollIntoView()",
            vec![],
        )
        .await;
    browser.screenshot("dashboard-stats-lower").await;
    c.set_window_size(390, 900).await.expect("a phone's width");
    browser.screenshot("dashboard-stats-phone").await;
    browser
        .assert_accessible(
            "the stats page at a phone's width",
            serde_json::json!("html"),
        )
        .await;
    browser.quit().await;
    drop(server);
}

/// The pages of a search, walked by their cursor, hold exactly the reports a plain reading of the
/// table finds, none twice, whether the filters pass many of the matches or few.
#[test]
fn search_pages_walk_the_index_from_the_cursor_and_miss_nothing() {
    use errata::reports::queue::{page, QueueFilter, QueueOrder};
    use errata::reports::{Category, Report};
    use errata::workflow::State;

    let dir = tempfile::TempDir::new().expect("dir");
    let path = dir.path().join("q.db");
    let mut conn = errata::db::connect(path.to_str().expect("utf-8")).expect("db");
    errata::db::migrate(&mut conn).expect("migrate");
    let plan = errata::synthetic::FillPlan {
        reports: 3000,
        articles: 20,
        seed: 5,
    };
    errata::synthetic::fill(&mut conn, &plan, |_| {}).expect("fill");
    let all: Vec<Report> = reports::table
        .order(reports::id.asc())
        .select(Report::as_select())
        .load(&mut conn)
        .expect("reports");
    let has_word = |r: &Report, word: &str| {
        [
            r.description.as_str(),
            r.suggested_correction.as_deref().unwrap_or(""),
            r.quote_exact.as_str(),
        ]
        .iter()
        .any(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .any(|w| w.eq_ignore_ascii_case(word))
        })
    };
    for (word, category, order) in [
        ("bridge", None, QueueOrder::OldestFirst),
        ("Bridge", Some("typo"), QueueOrder::OldestFirst),
        ("river", Some("misquote"), QueueOrder::NewestFirst),
        ("bridge harbor", None, QueueOrder::NewestFirst),
    ] {
        let mut expected: Vec<i64> = all
            .iter()
            .filter(|r| r.state == State::New)
            .filter(|r| category.is_none_or(|c| r.category.as_str() == c))
            .filter(|r| word.split(' ').all(|w| has_word(r, w)))
            .map(|r| r.id)
            .collect();
        if order == QueueOrder::NewestFirst {
            expected.reverse();
        }
        assert!(expected.len() > 7, "{word}: {} found", expected.len());
        let mut got = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let page = page(
                &mut conn,
                &QueueFilter {
                    search: Some(word.into()),
                    category: category.and_then(Category::parse),
                    order,
                    after,
                    limit: 7,
                    ..QueueFilter::default()
                },
            )
            .expect("a page");
            pages += 1;
            got.extend(
                page.groups
                    .iter()
                    .flat_map(|g| g.items.iter().map(|i| i.report.id)),
            );
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        // Groups reorder a page's rows by passage; the set per page is what counts.
        let mut sorted = got.clone();
        sorted.sort_unstable();
        let mut want = expected.clone();
        want.sort_unstable();
        assert_eq!(sorted, want, "{word} {category:?}");
        assert_eq!(pages, expected.len().div_ceil(7).max(1), "{word}");
    }
}

/// New reports join the search index in batches (`db::search::catch_up`), and a search never
/// misses one: the mark follows the newest report, a report given a reused id (after the newest
/// was deleted) is indexed by its trigger at once, and a changed report is found by its new words
/// only. FTS5's own integrity check compares the index with the table after each step.
#[test]
fn filed_reports_join_the_search_index_in_batches_and_every_search_finds_them() {
    if crate::support::database::sqlite_only("search index filled in batches") {
        return;
    }
    use errata::db::schema::{anchors, note_reports, search_indexed};
    use errata::reports::queue::{self, QueueFilter};
    use errata::reports::{file as file_report, Category, Sender, ValidReport};

    let errata = Errata::new();
    errata.ok(&["dev", "fill", "--reports", "40", "--articles", "2"]);
    let mut conn = errata::db::connect(&errata.database_url()).expect("db");
    let conn = &mut conn;
    let mark = |conn: &mut errata::db::Conn| -> i64 {
        search_indexed::table
            .select(search_indexed::up_to)
            .first(conn)
            .expect("the mark")
    };
    let newest = |conn: &mut errata::db::Conn| -> i64 {
        reports::table
            .select(diesel::dsl::max(reports::id))
            .first::<Option<i64>>(conn)
            .expect("max")
            .expect("reports")
    };
    let check = |conn: &mut errata::db::Conn| {
        diesel::sql_query(
            "INSERT INTO reports_fts (reports_fts, rank) VALUES ('integrity-check', 1)",
        )
        .execute(conn)
        .expect("the search index matches the table");
    };
    let in_index = |conn: &mut errata::db::Conn, word: &str| -> Vec<i64> {
        #[derive(QueryableByName)]
        struct Hit {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            rowid: i64,
        }
        diesel::sql_query("SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?")
            .bind::<diesel::sql_types::Text, _>(format!("\"{word}\""))
            .load::<Hit>(conn)
            .expect("match")
            .into_iter()
            .map(|h| h.rowid)
            .collect()
    };
    let searched = |conn: &mut errata::db::Conn, words: &str| -> Vec<i64> {
        queue::page(
            conn,
            &QueueFilter {
                search: Some(words.into()),
                limit: 200,
                ..QueueFilter::default()
            },
        )
        .expect("search")
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(|i| i.report.id))
        .collect()
    };
    assert_eq!(mark(conn), newest(conn), "the fill indexed its reports");
    check(conn);

    let (article_url, quote): (String, String) = reports::table
        .inner_join(errata::db::schema::articles::table)
        .order(reports::id.desc())
        .select((errata::db::schema::articles::url, reports::quote_exact))
        .first(conn)
        .expect("a filled report");
    let site = errata::mail::Site {
        base_url: "http://errata.test".into(),
        host: "errata.test".into(),
        words: errata::i18n::mail_words,
    };
    let file = |conn: &mut errata::db::Conn, description: &str| -> i64 {
        file_report(
            conn,
            &site,
            &ValidReport {
                article_url: article_url.clone(),
                exact: quote.clone(),
                prefix: None,
                suffix: None,
                category: Category::FactualError,
                description: description.into(),
                suggested_correction: None,
                evidence_urls: vec![],
                reporter_name: None,
                reporter_email: None,
                notify: false,
                lang: None,
            },
            Sender::default(),
        )
        .expect("filed")
        .id
    };

    // A filing goes above the mark: not in the index yet, but the queue's search finds it (it
    // catches up first), and then the mark has moved to it.
    let filed = file(conn, "The zeppelinfigure given here is wrong.");
    assert!(filed > mark(conn));
    assert!(
        in_index(conn, "zeppelinfigure").is_empty(),
        "not indexed at filing"
    );
    assert_eq!(searched(conn, "zeppelinfigure"), vec![filed]);
    assert_eq!(mark(conn), filed);
    check(conn);

    // The newest report deleted (through the index's trigger), its id is given to the next
    // filing, at or below the mark: that one is indexed by the insert trigger.
    diesel::delete(anchors::table.filter(anchors::report_id.eq(filed)))
        .execute(conn)
        .expect("anchors");
    diesel::delete(note_reports::table.filter(note_reports::report_id.eq(filed)))
        .execute(conn)
        .expect("links");
    diesel::delete(events::table.filter(events::report_id.eq(filed)))
        .execute(conn)
        .expect("events");
    diesel::delete(reports::table.find(filed))
        .execute(conn)
        .expect("the report");
    assert!(
        in_index(conn, "zeppelinfigure").is_empty(),
        "deleted from the index"
    );
    check(conn);
    let again = file(conn, "The quagmirenumber given here is wrong.");
    assert_eq!(again, filed, "SQLite's next id");
    assert_eq!(
        in_index(conn, "quagmirenumber"),
        vec![again],
        "indexed at once"
    );
    check(conn);

    // A report in the index that changes is found by its new words only.
    diesel::update(reports::table.find(again))
        .set(reports::description.eq("The marmaladecount given here is wrong."))
        .execute(conn)
        .expect("edited");
    assert!(searched(conn, "quagmirenumber").is_empty());
    assert_eq!(searched(conn, "marmaladecount"), vec![again]);
    check(conn);
}
