//! Mail to the newsroom's editors (everyone who reads reports in the dashboard): how each of them
//! chooses to hear of a publication's new reports, and the messages the report workflow queues in
//! the transaction of its change: a new report (to those who chose "at once"), a report assigned
//! to someone by someone else, a report reopened (to whoever handles it), and a report still new
//! past its publication's target time (once). Digests are in `digests`.
//!
//! Without a choice an editor gets the daily digest: a newsroom hears of every report without a
//! message per report until someone asks for that.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use super::editor_mail::{self, Notice, NoticeKind, ReportFacts};
use super::{enqueue, Footer, Site};
use crate::accounts::permissions::{self, Action};
use crate::accounts::{Role, User};
use crate::db::schema::{articles, mail_preferences, overdue_alerts, publications, reports, users};
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::events::{self, NewEvent};
use crate::time::now;
use crate::workflow::State;

/// How an editor hears of a publication's new reports; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum NewReportMail {
    Immediately,
    Hourly,
    Daily,
    Off,
}

impl NewReportMail {
    pub const ALL: [NewReportMail; 4] = [
        NewReportMail::Immediately,
        NewReportMail::Hourly,
        NewReportMail::Daily,
        NewReportMail::Off,
    ];

    /// What an editor who never chose gets.
    pub const DEFAULT: NewReportMail = NewReportMail::Daily;

    pub fn as_str(self) -> &'static str {
        match self {
            NewReportMail::Immediately => "immediately",
            NewReportMail::Hourly => "hourly",
            NewReportMail::Daily => "daily",
            NewReportMail::Off => "none",
        }
    }

    pub fn parse(s: &str) -> Option<NewReportMail> {
        NewReportMail::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The choice as the account page offers it.
    pub fn label(self) -> &'static str {
        match self {
            NewReportMail::Immediately => "At once, one email per report",
            NewReportMail::Hourly => "Hourly digest",
            NewReportMail::Daily => "Daily digest",
            NewReportMail::Off => "No email",
        }
    }
}

crate::stored_as_text!(NewReportMail, "new-report mail choice");

/// One publication and how the user hears of its new reports.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub publication_id: i64,
    pub publication: String,
    pub new_reports: NewReportMail,
}

/// Every publication with the user's choice for it (the default where they made none).
pub fn choices(conn: &mut Conn, user_id: i64) -> Result<Vec<Choice>> {
    let rows: Vec<(i64, String, Option<NewReportMail>)> = publications::table
        .left_join(
            mail_preferences::table.on(mail_preferences::publication_id
                .eq(publications::id)
                .and(mail_preferences::user_id.eq(user_id))),
        )
        .order(publications::name.asc())
        .select((
            publications::id,
            publications::name,
            mail_preferences::new_reports.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(publication_id, publication, choice)| Choice {
            publication_id,
            publication,
            new_reports: choice.unwrap_or(NewReportMail::DEFAULT),
        })
        .collect())
}

/// The form field that names a publication's choice (`new_reports[3]`), for error messages.
pub fn field(publication_id: i64) -> String {
    format!("new_reports[{publication_id}]")
}

/// Sets the user's choices, each `(publication id, choice name)`; all are checked before any is
/// written, so a bad one writes nothing.
pub fn set_choices(conn: &mut Conn, user: &User, wanted: &[(i64, String)]) -> Result<()> {
    let mut parsed = Vec::with_capacity(wanted.len());
    for (publication_id, value) in wanted {
        let choice = NewReportMail::parse(value.trim()).ok_or_else(|| {
            Error::invalid(
                field(*publication_id),
                format!("`{value}` is not a choice: immediately, hourly, daily or none"),
            )
        })?;
        parsed.push((*publication_id, choice));
    }
    db::write(conn, |conn| {
        let before = choices(conn, user.id)?;
        for &(publication_id, _) in &parsed {
            if !before.iter().any(|c| c.publication_id == publication_id) {
                return Err(Error::invalid(
                    field(publication_id),
                    format!("there is no publication {publication_id}"),
                ));
            }
        }
        let t = now();
        for &(publication_id, choice) in &parsed {
            db::on_engine!(conn, |c| diesel::insert_into(mail_preferences::table)
                .values((
                    mail_preferences::user_id.eq(user.id),
                    mail_preferences::publication_id.eq(publication_id),
                    mail_preferences::new_reports.eq(choice),
                    mail_preferences::updated_at.eq(t),
                ))
                .on_conflict((mail_preferences::user_id, mail_preferences::publication_id))
                .do_update()
                .set((
                    mail_preferences::new_reports.eq(choice),
                    mail_preferences::updated_at.eq(t),
                ))
                .execute(c))?;
        }
        super::digests::started_choosing(conn, user.id, &before, &parsed, t)?;
        let summary: Vec<String> = parsed
            .iter()
            .map(|(p, c)| format!("{p}:{}", c.as_str()))
            .collect();
        events::record(
            conn,
            NewEvent {
                kind: "mail_preferences",
                actor: Some(user.id),
                user_id: Some(user.id),
                to: Some(summary.join(",")),
                ..Default::default()
            },
        )?;
        Ok(())
    })
}

/// An editor mail may go to: an active user who may read reports.
#[derive(Debug, Clone, Queryable)]
pub struct Editor {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub choice: Option<NewReportMail>,
}

impl Editor {
    pub fn choice(&self) -> NewReportMail {
        self.choice.unwrap_or(NewReportMail::DEFAULT)
    }
}

/// Every active user who may read reports, with their choice for `publication_id`.
pub fn editors_of(conn: &mut Conn, publication_id: i64) -> Result<Vec<Editor>> {
    let all: Vec<Editor> = users::table
        .left_join(
            mail_preferences::table.on(mail_preferences::user_id
                .eq(users::id)
                .and(mail_preferences::publication_id.eq(publication_id))),
        )
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select((
            users::id,
            users::email,
            users::name,
            users::role,
            mail_preferences::new_reports.nullable(),
        ))
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|e| permissions::allows(e.role, Action::ReadReports))
        .collect())
}

/// What editor mail says about a report, read from the tables (mail sits below `reports`).
pub fn facts(conn: &mut Conn, report_id: i64) -> Result<ReportFacts> {
    #[allow(clippy::type_complexity)]
    let row: (
        (i64, String, String, String, String, State, NaiveDateTime),
        Option<i64>,
        (i64, String, String),
        (i64, String, i64),
    ) = reports::table
        .inner_join(articles::table.inner_join(publications::table))
        .filter(reports::id.eq(report_id))
        .select((
            (
                reports::id,
                reports::reference,
                reports::category,
                reports::description,
                reports::quote_exact,
                reports::state,
                reports::created_at,
            ),
            reports::assignee_id,
            (articles::id, articles::title, articles::url),
            (
                publications::id,
                publications::name,
                publications::target_hours,
            ),
        ))
        .first(conn)?;
    let ((id, reference, category, description, quote, state, created_at), assignee_id, article, p) =
        row;
    Ok(ReportFacts {
        id,
        reference,
        category,
        description,
        quote,
        state: state.as_str().to_owned(),
        created_at,
        assignee_id,
        article_title: article.1,
        article_url: article.2,
        publication_id: p.0,
        publication_name: p.1,
        target_hours: p.2,
        footer: Footer::of_article(conn, article.0)?,
    })
}

fn send(
    conn: &mut Conn,
    site: &Site,
    kind: NoticeKind,
    to: &str,
    r: &ReportFacts,
    actor: &str,
) -> Result<()> {
    let notice = Notice {
        r,
        actor,
        link: editor_mail::report_link(site, r.id),
        account_url: editor_mail::account_link(site),
    };
    enqueue(conn, site, editor_mail::notice(kind, to, &notice)?)?;
    Ok(())
}

fn active_editor(conn: &mut Conn, user_id: i64) -> Result<Option<(String, Role)>> {
    Ok(users::table
        .find(user_id)
        .filter(users::active.eq(true))
        .select((users::email, users::role))
        .first(conn)
        .optional()?
        .filter(|(_, role)| permissions::allows(*role, Action::ReadReports)))
}

/// A report was filed: one message to each editor who chose to hear of its publication's new
/// reports at once. Call in the filing's transaction.
pub fn report_filed(conn: &mut Conn, site: &Site, report_id: i64) -> Result<()> {
    // Filing is the busiest write: a cheap look first, the message only when someone wants it.
    let publication_id: i64 = reports::table
        .inner_join(articles::table)
        .filter(reports::id.eq(report_id))
        .select(articles::publication_id)
        .first(conn)?;
    let wanting: Vec<Editor> = editors_of(conn, publication_id)?
        .into_iter()
        .filter(|e| e.choice() == NewReportMail::Immediately)
        .collect();
    if wanting.is_empty() {
        return Ok(());
    }
    let r = facts(conn, report_id)?;
    for editor in wanting {
        send(conn, site, NoticeKind::NewReport, &editor.email, &r, "")?;
    }
    Ok(())
}

/// A report was assigned to `assignee` by `actor`: the assignee is told, unless they assigned it to
/// themselves. Call in the assignment's transaction.
pub fn report_assigned(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    report_id: i64,
    assignee: Option<i64>,
) -> Result<()> {
    let Some(assignee) = assignee.filter(|&a| a != actor.id) else {
        return Ok(());
    };
    let Some((to, _)) = active_editor(conn, assignee)? else {
        return Ok(());
    };
    let r = facts(conn, report_id)?;
    send(conn, site, NoticeKind::Assigned, &to, &r, &actor.name)
}

/// A report moved from `from` to `to`: when it was reopened, whoever handles it (its assignee) is
/// told, unless they reopened it. Call in the move's transaction.
pub fn report_moved(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    report_id: i64,
    from: State,
    to: State,
) -> Result<()> {
    let reopened = !from.is_open() && to.is_open();
    if !reopened {
        return Ok(());
    }
    let r = facts(conn, report_id)?;
    let Some(assignee) = r.assignee_id.filter(|&a| a != actor.id) else {
        return Ok(());
    };
    let Some((address, _)) = active_editor(conn, assignee)? else {
        return Ok(());
    };
    send(conn, site, NoticeKind::Reopened, &address, &r, &actor.name)
}

/// Whether a report filed at `filed` with a target of `target_hours` is past it at `now`.
pub fn is_overdue(filed: NaiveDateTime, target_hours: i64, now: NaiveDateTime) -> bool {
    target_hours > 0 && now >= filed + chrono::Duration::hours(target_hours)
}

/// Alerts about every report still new past its publication's target time, once per report: to
/// its assignee when it has one, else to every editor who has not turned off mail about the
/// publication's new reports. Returns how many reports were alerted about. The worker calls it
/// with the clock; tests with the time they choose.
pub fn alert_overdue(conn: &mut Conn, site: &Site, at: NaiveDateTime) -> Result<usize> {
    db::write(conn, |conn| {
        // Per publication, only the reports filed before its target time ago: a range on the
        // filing time, not every new report, each minute.
        let targets: Vec<(i64, i64)> = publications::table
            .select((publications::id, publications::target_hours))
            .load(conn)?;
        let mut waiting: Vec<(i64, NaiveDateTime, i64)> = Vec::new();
        for (publication_id, target) in targets.into_iter().filter(|t| t.1 > 0) {
            let filed_before = at - chrono::Duration::hours(target);
            let found: Vec<(i64, NaiveDateTime)> = reports::table
                .inner_join(articles::table)
                .filter(articles::publication_id.eq(publication_id))
                .filter(reports::state.eq(State::New))
                .filter(reports::created_at.le(filed_before))
                .filter(diesel::dsl::not(reports::id.eq_any(
                    overdue_alerts::table.select(overdue_alerts::report_id),
                )))
                .select((reports::id, reports::created_at))
                .load(conn)?;
            waiting.extend(found.into_iter().map(|(id, filed)| (id, filed, target)));
        }
        waiting.sort_unstable_by_key(|w| w.0);
        let mut alerted = 0;
        for (id, filed, target) in waiting {
            if !is_overdue(filed, target, at) {
                continue;
            }
            let r = facts(conn, id)?;
            let assignee = match r.assignee_id {
                Some(a) => active_editor(conn, a)?.map(|(email, _)| email),
                None => None,
            };
            let recipients: Vec<String> = match assignee {
                Some(email) => vec![email],
                None => editors_of(conn, r.publication_id)?
                    .into_iter()
                    .filter(|e| e.choice() != NewReportMail::Off)
                    .map(|e| e.email)
                    .collect(),
            };
            for to in &recipients {
                send(conn, site, NoticeKind::Overdue, to, &r, "")?;
            }
            diesel::insert_into(overdue_alerts::table)
                .values((
                    overdue_alerts::report_id.eq(id),
                    overdue_alerts::created_at.eq(now()),
                ))
                .execute(conn)?;
            alerted += 1;
        }
        Ok(alerted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_their_names_and_the_default_is_the_daily_digest() {
        for c in NewReportMail::ALL {
            assert_eq!(NewReportMail::parse(c.as_str()), Some(c));
        }
        assert_eq!(NewReportMail::parse("weekly"), None);
        assert_eq!(NewReportMail::DEFAULT, NewReportMail::Daily);
    }

    #[test]
    fn a_report_is_overdue_from_its_target_time_on() {
        let filed = crate::time::parse("2026-12-01T10:00:00Z").unwrap();
        let h = chrono::Duration::hours;
        assert!(!is_overdue(filed, 48, filed + h(47)));
        assert!(is_overdue(filed, 48, filed + h(48)));
        assert!(
            !is_overdue(filed, 0, filed + h(1000)),
            "no target, no alert"
        );
    }
}
