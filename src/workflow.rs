//! The report workflow (DESIGN.md): which state may follow which, with which resolution, and who
//! may make the move (by the table in `accounts::permissions`). Every transition in Errata is
//! checked here and nowhere else, with every rule a move carries: a duplicate names its original,
//! and the kind of a published note decides the resolution it gives.
//!
//! Pure: no database. It sits below reports, anchoring and corrections, which all ask it.
//!
//! ```text
//! new ──> triaged ──> investigating ──> resolved(resolution)
//!  │         │                              ▲      │
//!  └─────────┴──────────────────────────────┘      └──> investigating   (reopen; editor)
//! ```

use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use crate::accounts::permissions::{self, Action};
use crate::accounts::Role;
use crate::notes::NoteKind;

/// Where a report is in the workflow; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum State {
    New,
    Triaged,
    Investigating,
    Resolved,
}

impl State {
    pub const ALL: [State; 4] = [
        State::New,
        State::Triaged,
        State::Investigating,
        State::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Triaged => "triaged",
            State::Investigating => "investigating",
            State::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A report is open until it is resolved: open reports are worked on, and their passages
    /// follow the article's new revisions.
    pub fn is_open(self) -> bool {
        self != State::Resolved
    }

    /// The open states, for queries.
    pub fn open_states() -> Vec<State> {
        State::ALL.into_iter().filter(|s| s.is_open()).collect()
    }
}

crate::stored_as_text!(State, "report state");

/// How a resolved report ended; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Corrected,
    Clarified,
    NoError,
    Duplicate,
    Spam,
}

impl Resolution {
    pub const ALL: [Resolution; 5] = [
        Resolution::Corrected,
        Resolution::Clarified,
        Resolution::NoError,
        Resolution::Duplicate,
        Resolution::Spam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Corrected => "corrected",
            Resolution::Clarified => "clarified",
            Resolution::NoError => "no_error",
            Resolution::Duplicate => "duplicate",
            Resolution::Spam => "spam",
        }
    }

    pub fn parse(s: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// `corrected` and `clarified` stand only on a published note that resolves the report.
    pub fn needs_note(self) -> bool {
        matches!(self, Resolution::Corrected | Resolution::Clarified)
    }

    /// Readers who asked are told of every outcome but spam.
    pub fn notifies_reporter(self) -> bool {
        self != Resolution::Spam
    }
}

crate::stored_as_text!(Resolution, "resolution");

/// A move the caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub to: State,
    pub resolution: Option<Resolution>,
    /// The original report, when resolving as a duplicate.
    pub duplicate_of: Option<i64>,
}

impl Move {
    /// A move to `to` with nothing else said.
    pub fn to(to: State) -> Move {
        Move {
            to,
            resolution: None,
            duplicate_of: None,
        }
    }

    /// Resolving with `resolution`.
    pub fn resolve(resolution: Resolution) -> Move {
        Move {
            resolution: Some(resolution),
            ..Move::to(State::Resolved)
        }
    }
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The workflow has no such edge from the current state; `allowed` lists the states it has.
    Invalid { allowed: Vec<State> },
    /// The edge exists but this role may not take it.
    Forbidden { reason: String },
    /// The move needs something the request lacks (a resolution, a note, a duplicate target).
    Incomplete { field: &'static str, reason: String },
}

/// The states the workflow allows after `from`.
pub fn next_states(from: State) -> &'static [State] {
    match from {
        State::New => &[State::Triaged, State::Resolved],
        State::Triaged => &[State::Investigating, State::Resolved],
        State::Investigating => &[State::Resolved],
        State::Resolved => &[State::Investigating],
    }
}

/// What taking an edge of the workflow is, for the permission table. `None` for a resolving move
/// that names no resolution (it is incomplete, not yet anyone's action).
fn action_for(from: State, to: State, resolution: Option<Resolution>) -> Option<Action> {
    match (from, to, resolution) {
        (State::Resolved, State::Investigating, _) => Some(Action::Reopen),
        (_, State::Investigating, _) => Some(Action::Investigate),
        (_, State::Triaged, _) => Some(Action::Triage),
        (_, State::Resolved, Some(Resolution::Duplicate)) => Some(Action::MarkDuplicate),
        (_, State::Resolved, Some(_)) => Some(Action::Resolve),
        (_, State::Resolved, None) | (_, State::New, _) => None,
    }
}

/// The states `role` can actually reach from `from`.
pub fn allowed_for(from: State, role: Role) -> Vec<State> {
    next_states(from)
        .iter()
        .copied()
        .filter(|&to| {
            if to == State::Resolved {
                // Every role can resolve as something (reviewers as duplicate).
                Resolution::ALL
                    .into_iter()
                    .filter_map(|r| action_for(from, to, Some(r)))
                    .any(|action| permissions::allows(role, action))
            } else {
                action_for(from, to, None).is_some_and(|action| permissions::allows(role, action))
            }
        })
        .collect()
}

/// Decides one move. `has_note` says whether a published note already resolves the report, which
/// `corrected` and `clarified` need.
pub fn check(from: State, mv: Move, role: Role, has_note: bool) -> Result<(), Refusal> {
    if !next_states(from).contains(&mv.to) {
        return Err(Refusal::Invalid {
            allowed: next_states(from).to_vec(),
        });
    }
    // Who may move comes first: a reviewer reopening is refused as a reviewer, whatever else
    // the request says.
    if from == State::Resolved && !permissions::allows(role, Action::Reopen) {
        return Err(Refusal::Forbidden {
            reason: format!("a {} may not {}", role.as_str(), Action::Reopen.phrase()),
        });
    }
    if mv.to != State::Resolved && mv.resolution.is_some() {
        return Err(Refusal::Incomplete {
            field: "resolution",
            reason: "a resolution is only given when resolving".into(),
        });
    }
    if mv.to == State::Resolved {
        let Some(resolution) = mv.resolution else {
            return Err(Refusal::Incomplete {
                field: "resolution",
                reason: "resolving needs a resolution: corrected, clarified, no_error, duplicate or spam".into(),
            });
        };
        // Reviewers may mark duplicates; every other outcome is an editor's call.
        if let Some(action) = action_for(from, mv.to, Some(resolution)) {
            if !permissions::allows(role, action) {
                return Err(Refusal::Forbidden {
                    reason: format!(
                        "a {} may not resolve a report as {}",
                        role.as_str(),
                        resolution.as_str()
                    ),
                });
            }
        }
        if resolution.needs_note() && !has_note {
            return Err(Refusal::Incomplete {
                field: "resolution",
                reason: format!(
                    "`{}` needs a published correction note that resolves this report; publish one with `resolves`",
                    resolution.as_str()
                ),
            });
        }
    } else if let Some(action) = action_for(from, mv.to, None) {
        if !permissions::allows(role, action) {
            return Err(Refusal::Forbidden {
                reason: format!("a {} may not {}", role.as_str(), action.phrase()),
            });
        }
    }
    match (mv.resolution, mv.duplicate_of) {
        (Some(Resolution::Duplicate), None) => Err(Refusal::Incomplete {
            field: "duplicate_of",
            reason: "marking a duplicate needs duplicate_of: the original report's id".into(),
        }),
        (Some(Resolution::Duplicate), Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(Refusal::Incomplete {
            field: "duplicate_of",
            reason: "duplicate_of is only given with the resolution duplicate".into(),
        }),
    }
}

/// Whether report `report_id` may follow `target_id` as a duplicate: never itself, directly or
/// through the chain of originals (checked at every link of it).
pub fn check_duplicate_target(report_id: i64, target_id: i64) -> Result<(), Refusal> {
    if report_id == target_id {
        return Err(Refusal::Incomplete {
            field: "duplicate_of",
            reason: "a report cannot be a duplicate of itself".into(),
        });
    }
    Ok(())
}

/// The resolution a published note gives the reports it resolves: a clarification clarifies,
/// every other kind of note corrects.
pub fn resolution_by_note(kind: NoteKind) -> Resolution {
    match kind {
        NoteKind::Clarification => Resolution::Clarified,
        NoteKind::Correction | NoteKind::Update | NoteKind::EditorsNote => Resolution::Corrected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(to: State, resolution: Option<Resolution>) -> Move {
        Move {
            to,
            resolution,
            duplicate_of: None,
        }
    }

    #[test]
    fn the_happy_path_is_allowed() {
        assert!(check(State::New, mv(State::Triaged, None), Role::Reviewer, false).is_ok());
        assert!(check(
            State::Triaged,
            mv(State::Investigating, None),
            Role::Reviewer,
            false
        )
        .is_ok());
        assert!(check(
            State::Investigating,
            mv(State::Resolved, Some(Resolution::NoError)),
            Role::Editor,
            false
        )
        .is_ok());
        assert!(check(
            State::Resolved,
            mv(State::Investigating, None),
            Role::Editor,
            false
        )
        .is_ok());
    }

    #[test]
    fn edges_not_in_the_diagram_are_invalid_and_list_the_allowed_ones() {
        let refusal = check(
            State::Investigating,
            mv(State::New, None),
            Role::Admin,
            false,
        )
        .unwrap_err();
        assert_eq!(
            refusal,
            Refusal::Invalid {
                allowed: vec![State::Resolved]
            }
        );
        assert!(matches!(
            check(
                State::Resolved,
                mv(State::Triaged, None),
                Role::Admin,
                false
            ),
            Err(Refusal::Invalid { .. })
        ));
        assert!(matches!(
            check(State::New, mv(State::New, None), Role::Admin, false),
            Err(Refusal::Invalid { .. })
        ));
    }

    #[test]
    fn reviewers_may_mark_duplicates_but_not_resolve_otherwise_or_reopen() {
        assert!(check(
            State::New,
            Move {
                duplicate_of: Some(7),
                ..Move::resolve(Resolution::Duplicate)
            },
            Role::Reviewer,
            false
        )
        .is_ok());
        for r in [Resolution::NoError, Resolution::Spam, Resolution::Corrected] {
            assert!(matches!(
                check(
                    State::Triaged,
                    mv(State::Resolved, Some(r)),
                    Role::Reviewer,
                    true
                ),
                Err(Refusal::Forbidden { .. })
            ));
        }
        assert!(matches!(
            check(
                State::Resolved,
                mv(State::Investigating, None),
                Role::Reviewer,
                false
            ),
            Err(Refusal::Forbidden { .. })
        ));
    }

    #[test]
    fn corrected_needs_a_note_and_resolving_needs_a_resolution() {
        assert!(matches!(
            check(
                State::New,
                mv(State::Resolved, Some(Resolution::Corrected)),
                Role::Editor,
                false
            ),
            Err(Refusal::Incomplete {
                field: "resolution",
                ..
            })
        ));
        assert!(check(
            State::New,
            mv(State::Resolved, Some(Resolution::Clarified)),
            Role::Editor,
            true
        )
        .is_ok());
        assert!(matches!(
            check(State::New, mv(State::Resolved, None), Role::Editor, false),
            Err(Refusal::Incomplete { .. })
        ));
        assert!(matches!(
            check(
                State::New,
                mv(State::Triaged, Some(Resolution::Spam)),
                Role::Editor,
                false
            ),
            Err(Refusal::Incomplete { .. })
        ));
    }

    #[test]
    fn a_reviewer_reopening_is_refused_as_a_reviewer() {
        assert!(matches!(
            check(
                State::Resolved,
                mv(State::Investigating, Some(Resolution::NoError)),
                Role::Reviewer,
                true
            ),
            Err(Refusal::Forbidden { .. })
        ));
    }

    #[test]
    fn reopening_takes_no_resolution() {
        for r in Resolution::ALL {
            assert!(matches!(
                check(
                    State::Resolved,
                    mv(State::Investigating, Some(r)),
                    Role::Admin,
                    true
                ),
                Err(Refusal::Incomplete {
                    field: "resolution",
                    ..
                })
            ));
        }
    }

    #[test]
    fn investigation_starts_from_triage() {
        assert_eq!(
            check(
                State::New,
                mv(State::Investigating, None),
                Role::Admin,
                false
            ),
            Err(Refusal::Invalid {
                allowed: vec![State::Triaged, State::Resolved]
            })
        );
    }

    #[test]
    fn allowed_moves_depend_on_role() {
        assert_eq!(
            allowed_for(State::Resolved, Role::Reviewer),
            Vec::<State>::new()
        );
        assert_eq!(
            allowed_for(State::Resolved, Role::Editor),
            vec![State::Investigating]
        );
        assert_eq!(
            allowed_for(State::New, Role::Reviewer),
            vec![State::Triaged, State::Resolved]
        );
    }

    #[test]
    fn spam_is_the_only_silent_outcome() {
        for r in Resolution::ALL {
            assert_eq!(r.notifies_reporter(), r != Resolution::Spam);
        }
    }

    #[test]
    fn a_duplicate_names_its_original_and_only_a_duplicate_does() {
        let refused = check(
            State::New,
            Move::resolve(Resolution::Duplicate),
            Role::Editor,
            false,
        );
        assert!(matches!(
            refused,
            Err(Refusal::Incomplete {
                field: "duplicate_of",
                ..
            })
        ));
        for mv in [
            Move {
                duplicate_of: Some(3),
                ..Move::resolve(Resolution::NoError)
            },
            Move {
                duplicate_of: Some(3),
                ..Move::to(State::Triaged)
            },
        ] {
            assert!(matches!(
                check(State::New, mv, Role::Editor, false),
                Err(Refusal::Incomplete {
                    field: "duplicate_of",
                    ..
                })
            ));
        }
        assert!(matches!(
            check_duplicate_target(5, 5),
            Err(Refusal::Incomplete {
                field: "duplicate_of",
                ..
            })
        ));
        assert_eq!(check_duplicate_target(5, 6), Ok(()));
    }

    #[test]
    fn a_clarification_clarifies_and_every_other_note_corrects() {
        assert_eq!(
            resolution_by_note(NoteKind::Clarification),
            Resolution::Clarified
        );
        for kind in [
            NoteKind::Correction,
            NoteKind::Update,
            NoteKind::EditorsNote,
        ] {
            assert_eq!(resolution_by_note(kind), Resolution::Corrected);
        }
    }

    #[test]
    fn only_resolved_reports_are_closed() {
        assert_eq!(
            State::open_states(),
            vec![State::New, State::Triaged, State::Investigating]
        );
    }
}
