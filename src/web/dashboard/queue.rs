//! The queue at `/dashboard`: tabs by state with counts, filters, search, keyset pages, and the
//! bulk actions on ticked reports.

use askama::Template;
use rocket::form::FromForm;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::session::{Checked, Staff};
use super::{ok, CsrfForm, Frame, Page, PageError};
use crate::accounts::permissions::Action;
use crate::accounts::{self, User};
use crate::articles;
use crate::reports::queue::{self, AssigneeFilter, QueueFilter, QueueGroup, QueueOrder};
use crate::reports::workflow::State as ReportState;
use crate::reports::{self, BulkAction, Category};
use crate::time::now;
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![queue_page, bulk]
}

/// The queue's query string, as typed into the filter form.
#[derive(Debug, Default, Clone, FromForm)]
pub struct QueueParams {
    state: Option<String>,
    publication: Option<i64>,
    article: Option<i64>,
    category: Option<String>,
    assignee: Option<String>,
    age: Option<i64>,
    q: Option<String>,
    sort: Option<String>,
    after: Option<i64>,
}

impl QueueParams {
    fn filter(&self, me: &User) -> QueueFilter {
        let state = self
            .state
            .as_deref()
            .and_then(ReportState::parse)
            .unwrap_or(ReportState::New);
        let assignee = match self.assignee.as_deref() {
            Some("me") => AssigneeFilter::User(me.id),
            Some("nobody") => AssigneeFilter::Nobody,
            Some(id) => id
                .parse()
                .map(AssigneeFilter::User)
                .unwrap_or(AssigneeFilter::Anyone),
            None => AssigneeFilter::Anyone,
        };
        QueueFilter {
            state,
            publication_id: self.publication,
            article_id: self.article,
            category: self.category.as_deref().and_then(Category::parse),
            assignee,
            older_than_hours: self.age.filter(|h| *h > 0),
            search: self.q.clone().filter(|q| !q.trim().is_empty()),
            order: match self.sort.as_deref() {
                Some("newest") => QueueOrder::NewestFirst,
                Some("most") => QueueOrder::MostReported,
                _ => QueueOrder::OldestFirst,
            },
            after: self.after,
            limit: 50,
        }
    }

    /// This very page, to come back to after a bulk action.
    fn here(&self) -> String {
        self.link(None, self.after)
    }

    /// This query with another state (for the tabs) and from the first page.
    fn link(&self, state: Option<&str>, after: Option<i64>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = state.or(self.state.as_deref()) {
            q.append_pair("state", s);
        }
        let numbers = [("publication", self.publication), ("article", self.article)];
        for (k, v) in numbers {
            if let Some(v) = v {
                q.append_pair(k, &v.to_string());
            }
        }
        let words = [
            ("category", &self.category),
            ("assignee", &self.assignee),
            ("q", &self.q),
            ("sort", &self.sort),
        ];
        for (k, v) in words {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(k, v);
            }
        }
        if let Some(age) = self.age {
            q.append_pair("age", &age.to_string());
        }
        if let Some(after) = after {
            q.append_pair("after", &after.to_string());
        }
        format!("/dashboard?{}", q.finish())
    }
}

struct Tab {
    label: &'static str,
    count: i64,
    href: String,
    current: bool,
}

/// One row of the queue: a report, or the reports of one passage together.
struct Row {
    id: i64,
    reference: String,
    href: String,
    article_title: String,
    publication: String,
    category: &'static str,
    description: String,
    passage: String,
    readers: usize,
    others: Vec<(i64, String)>,
    age: String,
    overdue: bool,
    assignee: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/queue.html")]
struct QueuePage {
    frame: Frame,
    tabs: Vec<Tab>,
    state: &'static str,
    rows: Vec<Row>,
    next_href: Option<String>,
    first_href: Option<String>,
    params: QueueParams,
    publications: Vec<(i64, String)>,
    categories: Vec<(&'static str, &'static str)>,
    users: Vec<(i64, String)>,
    can_resolve: bool,
}

impl QueuePage {
    fn chosen(&self, field: &str, value: &str) -> bool {
        let p = &self.params;
        match field {
            "publication" => p.publication.map(|v| v.to_string()).as_deref() == Some(value),
            "category" => p.category.as_deref() == Some(value),
            "assignee" => p.assignee.as_deref() == Some(value),
            "age" => p.age.map(|v| v.to_string()).as_deref() == Some(value),
            "sort" => p.sort.as_deref().unwrap_or("oldest") == value,
            _ => false,
        }
    }
}

/// An age in the largest whole unit: "5 h", "3 d".
fn age_words(hours: i64) -> String {
    if hours < 1 {
        "<1 h".into()
    } else if hours < 48 {
        format!("{hours} h")
    } else {
        format!("{} d", hours / 24)
    }
}

fn row(group: &QueueGroup, users: &[(i64, String)]) -> Row {
    let t = now();
    let first = group.first();
    let r = &first.report;
    Row {
        id: r.id,
        reference: r.reference.clone(),
        href: format!("/dashboard/reports/{}", r.id),
        article_title: first.article_title.clone(),
        publication: first.publication_name.clone(),
        category: r.category.label(),
        description: r.description.clone(),
        passage: r.quote_exact.clone(),
        readers: group.items.len(),
        others: group.items[1..]
            .iter()
            .map(|i| (i.report.id, i.report.reference.clone()))
            .collect(),
        age: age_words(first.age_hours(t)),
        overdue: first.overdue(t),
        assignee: r.assignee_id.and_then(|id| {
            users
                .iter()
                .find(|(uid, _)| *uid == id)
                .map(|(_, n)| n.clone())
        }),
    }
}

#[get("/dashboard?<params..>")]
async fn queue_page(
    app: &State<App>,
    staff: Staff,
    flash: Option<FlashMessage<'_>>,
    params: QueueParams,
) -> Page {
    let filter = params.filter(&staff.user);
    let (counts, page, publications, users) = app
        .db
        .run(move |conn| {
            let counts = queue::tab_counts(conn)?;
            let page = queue::page(conn, &filter)?;
            let publications: Vec<(i64, String)> = articles::list_publications(conn)?
                .into_iter()
                .map(|(p, _)| (p.id, p.name))
                .collect();
            let users: Vec<(i64, String)> = accounts::list_users(conn)?
                .into_iter()
                .filter(|u| u.active)
                .map(|u| (u.id, u.name))
                .collect();
            Ok((counts, page, publications, users))
        })
        .await?;
    let state = params.filter(&staff.user).state;
    let tabs = counts
        .iter()
        .map(|(s, n)| Tab {
            label: tab_label(*s),
            count: *n,
            href: params.link(Some(s.as_str()), None),
            current: *s == state,
        })
        .collect();
    let rows = page.groups.iter().map(|g| row(g, &users)).collect();
    ok(&QueuePage {
        frame: Frame::new(&staff, flash),
        tabs,
        state: state.as_str(),
        rows,
        next_href: page.next.map(|n| params.link(None, Some(n))),
        first_href: params.after.map(|_| params.link(None, None)),
        publications,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        users,
        can_resolve: staff.may(Action::Resolve),
        params,
    })
}

fn tab_label(state: ReportState) -> &'static str {
    match state {
        ReportState::New => "New",
        ReportState::Triaged => "Triaged",
        ReportState::Investigating => "Investigating",
        ReportState::Resolved => "Resolved",
    }
}

#[derive(Debug, Default, FromForm)]
pub struct BulkForm {
    #[field(default = Vec::new())]
    ids: Vec<i64>,
    #[field(default = String::new())]
    action: String,
    original: Option<i64>,
    #[field(default = String::new())]
    back: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for BulkForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// One action on every ticked report, in one transaction: all are done, or none.
#[post("/dashboard/bulk", data = "<form>")]
async fn bulk(
    app: &State<App>,
    staff: Staff,
    form: Checked<BulkForm>,
) -> Result<Flash<Redirect>, PageError> {
    let form = form.0;
    let back = super::safe_next(&form.back)
        .unwrap_or("/dashboard")
        .to_owned();
    let action = match form.action.as_str() {
        "assign_me" => BulkAction::Assign(Some(staff.user.id)),
        "triage" => BulkAction::Triage,
        "spam" => BulkAction::Spam,
        "duplicates" => match form.original {
            Some(original) => BulkAction::DuplicatesOf(original),
            None => {
                return Ok(Flash::error(
                    Redirect::to(back),
                    "Give the number of the report the others duplicate.",
                ))
            }
        },
        _ => return Ok(Flash::error(Redirect::to(back), "Choose an action.")),
    };
    if form.ids.is_empty() {
        return Ok(Flash::error(
            Redirect::to(back),
            "Tick at least one report first.",
        ));
    }
    let (site, actor, ids) = (app.site.clone(), staff.user.clone(), form.ids.clone());
    let done = app
        .db
        .run(move |conn| reports::bulk(conn, &site, &actor, &ids, action))
        .await;
    match done {
        Ok(n) => Ok(Flash::success(
            Redirect::to(back),
            format!("Done for {n} report{}.", if n == 1 { "" } else { "s" }),
        )),
        // A refusal (a reviewer marking spam, a report that cannot move) is its own 4xx page.
        Err(e) => Err(e.into()),
    }
}
