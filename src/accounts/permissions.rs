//! Who may do what: every permission in Errata is one row of the table below, read by the state
//! machine (`workflow`), by publishing, by the token scopes and by the routes' guards. A rule such
//! as "reviewers don't publish" is written here and nowhere else.

use super::Role;
use crate::error::{Error, Result};

/// Something a person does in Errata that not every role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read reports and their history (the editors' API and dashboard).
    ReadReports,
    /// Move a new report to `triaged`.
    Triage,
    /// Move a triaged report to `investigating`.
    Investigate,
    Comment,
    Assign,
    /// Place a report's passage by hand after re-anchoring lost it.
    Reattach,
    /// Resolve a report as a duplicate of another.
    MarkDuplicate,
    /// Resolve a report with any other outcome.
    Resolve,
    /// Move a resolved report back to `investigating`.
    Reopen,
    /// Publish a correction note.
    Publish,
    Amend,
    Retract,
    /// Register articles and their revisions (what a CMS does).
    RegisterArticles,
    ManageUsers,
    ManageTokens,
    ManagePublications,
    ManageMail,
}

const Y: bool = true;
const N: bool = false;

/// The role × action table. Columns: reviewer, editor, admin.
#[rustfmt::skip]
const TABLE: [(Action, [bool; 3]); 17] = [
    //                               reviewer editor admin
    (Action::ReadReports,           [Y,       Y,     Y]),
    (Action::Triage,                [Y,       Y,     Y]),
    (Action::Investigate,           [Y,       Y,     Y]),
    (Action::Comment,               [Y,       Y,     Y]),
    (Action::Assign,                [Y,       Y,     Y]),
    (Action::Reattach,              [Y,       Y,     Y]),
    (Action::MarkDuplicate,         [Y,       Y,     Y]),
    (Action::Resolve,               [N,       Y,     Y]),
    (Action::Reopen,                [N,       Y,     Y]),
    (Action::Publish,               [N,       Y,     Y]),
    (Action::Amend,                 [N,       Y,     Y]),
    (Action::Retract,               [N,       Y,     Y]),
    (Action::RegisterArticles,      [N,       Y,     Y]),
    (Action::ManageUsers,           [N,       N,     Y]),
    (Action::ManageTokens,          [N,       N,     Y]),
    (Action::ManagePublications,    [N,       N,     Y]),
    (Action::ManageMail,            [N,       N,     Y]),
];

impl Action {
    pub const ALL: [Action; 17] = {
        let mut all = [Action::ReadReports; 17];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    /// The action in words, after "may not".
    pub fn phrase(self) -> &'static str {
        match self {
            Action::ReadReports => "read reports",
            Action::Triage => "triage reports",
            Action::Investigate => "investigate reports",
            Action::Comment => "comment on reports",
            Action::Assign => "assign reports",
            Action::Reattach => "place a report's passage",
            Action::MarkDuplicate => "mark duplicates",
            Action::Resolve => "resolve reports",
            Action::Reopen => "reopen a resolved report",
            Action::Publish => "publish correction notes",
            Action::Amend => "amend correction notes",
            Action::Retract => "retract correction notes",
            Action::RegisterArticles => "register articles",
            Action::ManageUsers => "manage users",
            Action::ManageTokens => "manage API tokens",
            Action::ManagePublications => "manage publications",
            Action::ManageMail => "manage the outbox",
        }
    }
}

fn column(role: Role) -> usize {
    match role {
        Role::Reviewer => 0,
        Role::Editor => 1,
        Role::Admin => 2,
    }
}

/// Whether `role` may take `action`. An action without a row is allowed to nobody.
pub fn allows(role: Role, action: Action) -> bool {
    TABLE
        .iter()
        .find(|(a, _)| *a == action)
        .is_some_and(|(_, roles)| roles[column(role)])
}

/// `allows`, as the API's 403 when it does not.
pub fn require(role: Role, action: Action) -> Result<()> {
    if allows(role, action) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "a {} may not {}",
            role.as_str(),
            action.phrase()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table as a reader sees it; a change to a permission changes this picture.
    #[test]
    fn the_table_reads_as_intended() {
        let mut picture = String::new();
        for action in Action::ALL {
            let marks: Vec<&str> = [Role::Reviewer, Role::Editor, Role::Admin]
                .into_iter()
                .map(|r| if allows(r, action) { "x" } else { "-" })
                .collect();
            picture.push_str(&format!(
                "{:<20} {}\n",
                format!("{action:?}"),
                marks.join(" ")
            ));
        }
        println!("reviewer editor admin\n{picture}");
        assert_eq!(
            picture,
            "\
ReadReports          x x x
Triage               x x x
Investigate          x x x
Comment              x x x
Assign               x x x
Reattach             x x x
MarkDuplicate        x x x
Resolve              - x x
Reopen               - x x
Publish              - x x
Amend                - x x
Retract              - x x
RegisterArticles     - x x
ManageUsers          - - x
ManageTokens         - - x
ManagePublications   - - x
ManageMail           - - x
"
        );
    }

    #[test]
    fn no_action_has_two_rows() {
        for action in Action::ALL {
            assert_eq!(TABLE.iter().filter(|(a, _)| *a == action).count(), 1);
        }
    }

    #[test]
    fn reviewers_do_not_publish() {
        assert!(!allows(Role::Reviewer, Action::Publish));
        assert!(allows(Role::Editor, Action::Publish));
        let refused = require(Role::Reviewer, Action::Publish).unwrap_err();
        assert_eq!(
            refused.message,
            "a reviewer may not publish correction notes"
        );
    }
}
