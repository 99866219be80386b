//! Passage anchoring: the pure text engine behind reports and correction notes.
//!
//! An article revision is reduced to its canonical text ([`canonical_from_text`],
//! [`canonical_from_html`]), in which every offset is a Unicode code point. A reader's selection
//! is located in it at intake ([`locate`]) and stored as a W3C TextQuoteSelector plus a
//! TextPositionSelector ([`TextQuote`], [`quote_at`]). When a new revision arrives, the diff is
//! computed once ([`RevisionChange::new`]) and every anchor is carried over
//! ([`RevisionChange::reanchor`]): kept, shifted, followed to where its whole sentence or
//! paragraph went, found again by a fuzzy search, or orphaned when nothing is good enough, since
//! a wrong anchor is worse than none; a passage whose words a published note put right is placed
//! on the right words ([`corrected_place`]). [`word_diff`] feeds the version-history page.
//! [`input`] holds the rule every text field of a request obeys. No I/O, no database, no HTTP.

pub mod anchor_status;
#[cfg(test)]
mod answers;
pub mod approx;
mod bounded;
pub mod canonical;
pub mod corrected;
pub mod diff;
pub mod fold;
pub mod input;
pub mod locate;
pub mod reanchor;
pub mod search;
pub mod selector;

pub use anchor_status::{AnchorMethod, AnchorStatus};
pub use canonical::{canonical_from_html, canonical_from_text};
pub use corrected::{corrected_place, CorrectedPlace, CorrectedSpan};
pub use diff::{word_diff, DiffOp, DiffSpan};
pub use fold::fold;
pub use locate::{locate, locate_prepared, LocateError, Located, Prepared};
pub use reanchor::{Candidate, PriorAnchor, Reanchored, RevisionChange};
pub use selector::{cp_len, cp_slice, quote_at, utf16_to_cp, TextQuote, CONTEXT_LEN};

/// Fixtures shared by the tests of several submodules.
#[cfg(test)]
pub(crate) mod tests_support {
    /// The six paragraphs of the R1 example article (typos deliberate).
    pub(crate) const R1_PARAGRAPHS: [&str; 6] = [
        "HARBORVIEW \u{2014} The city council voted 6-3 on Tusday to approve a $48 million bond for repairs to the Kessler Street bridge, which has been closed to trucks since March.",
        "Mayor Dana Whitcomb called the vote \"a long-overdue investment\" and said construction could begin as early as next spring.",
        "Council member Luis Ortega, who voted against the measure, said the city had not secured matching funds from the state. \"We are borrowing money we may not need to borrow,\" Ortega said.",
        "The bridge carries roughly 14,000 vehicles a day, according to a 2022 traffic study commissioned by the city.",
        "Repairs are expected to take 18 months. During that time, the bridge will remain open to passanger cars but closed to trucks.",
        "The council will hold a public hearing on the construction schedule on May 7.",
    ];

    /// Property tests: a modest number of cases so that debug `cargo test` stays fast (many
    /// thousands in release with `PROPTEST_CASES`), and no failure files written into the
    /// source tree.
    pub(crate) fn proptest_config() -> proptest::prelude::ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(64);
        proptest::prelude::ProptestConfig {
            cases,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        }
    }

    /// R1's canonical text (793 code points).
    pub(crate) fn r1() -> String {
        R1_PARAGRAPHS.join("\n\n")
    }
}
