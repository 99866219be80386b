//! The stats page at `/dashboard/stats` and the same figures as CSV at `/dashboard/stats.csv`,
//! for any signed-in staff member, filtered by publication and period. Each chart is SVG drawn
//! here with its data table beside it.

use askama::Template;

use crate::workflow::Resolution;
use rocket::form::FromForm;
use rocket::http::{ContentType, Header};
use rocket::request::FlashMessage;
use rocket::{get, routes, Route, State};

use super::charts::{self, Chart, Item};
use super::session::Staff;
use super::{ok, Frame, Page, PageError};
use crate::articles;
use crate::notes::NoteKind;
use crate::stats::{self, Stats, StatsFilter, PERIODS};
use crate::time::now;
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![stats_page, stats_csv]
}

/// The page's query string: `?publication=&weeks=`.
#[derive(Debug, Default, Clone, FromForm)]
pub struct StatsParams {
    publication: Option<i64>,
    weeks: Option<i64>,
}

impl StatsParams {
    fn filter(&self) -> StatsFilter {
        StatsFilter::new(self.publication, self.weeks)
    }
}

/// One figure on the page: a chart and the table of its numbers.
struct Section {
    id: &'static str,
    heading: &'static str,
    chart: Chart,
    caption: String,
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "dashboard/stats.html")]
struct StatsPage {
    frame: Frame,
    filter: StatsFilter,
    publications: Vec<(i64, String)>,
    periods: Vec<i64>,
    scope: String,
    csv_href: String,
    summary: Vec<(&'static str, String)>,
    sections: Vec<Section>,
}

impl StatsPage {
    fn publication_chosen(&self, id: &i64) -> bool {
        self.filter.publication_id == Some(*id)
    }
}

fn outcome_label(outcome: &str) -> &'static str {
    match Resolution::parse(outcome) {
        Some(r) => crate::web::dashboard::workspace::resolution_label(r),
        None => "Still open",
    }
}

fn week_label(monday: chrono::NaiveDate, with_year: bool) -> String {
    if with_year {
        monday.format("%-d %b %Y").to_string()
    } else {
        monday.format("%-d %b").to_string()
    }
}

fn sections(s: &Stats, scope: &str) -> Vec<Section> {
    let weekly: Vec<Item> = s
        .per_week
        .iter()
        .map(|(m, n)| Item::count(week_label(*m, false), *n))
        .collect();
    let answer = [
        ("To first triage", s.to_triage),
        ("To resolution", s.to_resolution),
    ];
    let outcomes: Vec<Item> = s
        .outcomes
        .iter()
        .map(|(o, n)| Item::count(outcome_label(o), *n))
        .collect();
    let kinds: Vec<Item> = s
        .notes_by_kind
        .iter()
        .map(|(k, n)| Item::count(NoteKind::parse(k).map_or("Other", NoteKind::label), *n))
        .collect();
    let per_pub: Vec<Item> = s
        .publications
        .iter()
        .map(|p| Item::count(p.name.clone(), p.reports))
        .collect();
    vec![
        Section {
            id: "weekly",
            heading: "Reports per week",
            chart: charts::columns(
                "Reports per week",
                &format!("Reports filed each week, {scope}"),
                &weekly,
            ),
            caption: format!("Reports filed each week (weeks start on Monday), {scope}"),
            head: vec!["Week of", "Reports"],
            rows: s
                .per_week
                .iter()
                .map(|(m, n)| vec![week_label(*m, true), n.to_string()])
                .collect(),
        },
        Section {
            id: "answer",
            heading: "Time to answer",
            chart: charts::bars(
                "Median hours to answer",
                &format!("Median hours from filing to first triage and to resolution, {scope}"),
                &answer
                    .iter()
                    .map(|(name, m)| Item {
                        name: (*name).into(),
                        value: m.hours.unwrap_or(0.0),
                        shown: m.words(),
                    })
                    .collect::<Vec<_>>(),
            ),
            caption: format!(
                "Median time from filing, for the reports filed {scope} that got there"
            ),
            head: vec!["Measure", "Median", "Reports"],
            rows: answer
                .iter()
                .map(|(name, m)| vec![(*name).to_owned(), m.words(), m.of.to_string()])
                .collect(),
        },
        Section {
            id: "outcomes",
            heading: "Outcomes",
            chart: charts::bars(
                "Outcomes",
                &format!("How the reports filed {scope} were resolved"),
                &outcomes,
            ),
            caption: format!("How the reports filed {scope} were resolved"),
            head: vec!["Outcome", "Reports"],
            rows: outcomes
                .iter()
                .map(|i| vec![i.name.clone(), i.shown.clone()])
                .collect(),
        },
        Section {
            id: "kinds",
            heading: "Corrections by kind",
            chart: charts::bars(
                "Corrections by kind",
                &format!("Notes published {scope}, by kind"),
                &kinds,
            ),
            caption: format!("Notes published {scope}, by kind (retracted notes left out)"),
            head: vec!["Kind", "Notes"],
            rows: kinds
                .iter()
                .map(|i| vec![i.name.clone(), i.shown.clone()])
                .collect(),
        },
        Section {
            id: "publications",
            heading: "Per publication",
            chart: charts::bars(
                "Reports per publication",
                &format!("Reports filed {scope}, by publication"),
                &per_pub,
            ),
            caption: format!("Each publication's figures, {scope}"),
            head: vec![
                "Publication",
                "Reports",
                "Resolved",
                "Notes",
                "Median to first triage",
                "Median to resolution",
            ],
            rows: s
                .publications
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        p.reports.to_string(),
                        p.resolved.to_string(),
                        p.notes.to_string(),
                        p.to_triage.words(),
                        p.to_resolution.words(),
                    ]
                })
                .collect(),
        },
    ]
}

fn query(f: &StatsFilter) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(p) = f.publication_id {
        q.append_pair("publication", &p.to_string());
    }
    q.append_pair("weeks", &f.weeks.to_string());
    q.finish()
}

#[get("/dashboard/stats?<params..>")]
async fn stats_page(
    app: &State<App>,
    staff: Staff,
    flash: Option<FlashMessage<'_>>,
    params: StatsParams,
) -> Page {
    let filter = params.filter();
    let (figures, publications) = app
        .db
        .run(move |conn| {
            let figures = stats::load(conn, &filter, now())?;
            let publications: Vec<(i64, String)> = articles::list_publications(conn)?
                .into_iter()
                .map(|(p, _)| (p.id, p.name))
                .collect();
            Ok((figures, publications))
        })
        .await?;
    let scope = format!(
        "in the last {} weeks{}",
        filter.weeks,
        filter
            .publication_id
            .and_then(|id| publications.iter().find(|(p, _)| *p == id))
            .map(|(_, name)| format!(" at {name}"))
            .unwrap_or_default()
    );
    ok(&StatsPage {
        frame: Frame::new(&staff, flash),
        filter,
        periods: PERIODS.to_vec(),
        csv_href: format!("/dashboard/stats.csv?{}", query(&filter)),
        summary: vec![
            ("Reports filed", figures.filed.to_string()),
            ("Median to first triage", figures.to_triage.words()),
            ("Median to resolution", figures.to_resolution.words()),
        ],
        sections: sections(&figures, &scope),
        publications,
        scope,
    })
}

/// The CSV answer: a download, never shown inline.
#[derive(rocket::Responder)]
struct Csv(String, ContentType, Header<'static>);

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, with quotes
/// doubled. A name that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a
/// leading apostrophe and quotes, so opening the file never runs anything.
pub fn csv_field(value: &str) -> String {
    let formula =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if formula || value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The rows as CSV text with a header row, lines ended by CRLF as RFC 4180 has it.
pub fn to_csv(rows: &[[String; 4]]) -> String {
    let mut out = String::from("section,item,measure,value\r\n");
    for row in rows {
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

#[get("/dashboard/stats.csv?<params..>")]
async fn stats_csv(app: &State<App>, _staff: Staff, params: StatsParams) -> Result<Csv, PageError> {
    let filter = params.filter();
    let figures = app
        .db
        .run(move |conn| stats::load(conn, &filter, now()))
        .await?;
    Ok(Csv(
        to_csv(&stats::rows(&figures)),
        ContentType::new("text", "csv").with_params(("charset", "utf-8")),
        Header::new(
            "Content-Disposition",
            "attachment; filename=\"errata-stats.csv\"",
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_must_be_and_formulas_stay_text() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("3.5"), "3.5");
        assert_eq!(csv_field("-1"), "-1");
        assert_eq!(csv_field("Gazette, The"), "\"Gazette, The\"");
        assert_eq!(csv_field("the \"Herald\""), "\"the \"\"Herald\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        let rows = vec![[
            "per_publication".to_owned(),
            "A, B".to_owned(),
            "reports".to_owned(),
            "2".to_owned(),
        ]];
        assert_eq!(
            to_csv(&rows),
            "section,item,measure,value\r\nper_publication,\"A, B\",reports,2\r\n"
        );
    }
}
