//! The word-level diff shown on the version-history page.

use serde::Serialize;

use super::{hierarchical_runs, Level, Run, DIFF_WORK};

/// Kind of a span in a word diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Equal,
    Insert,
    Delete,
}

/// One span of a word diff: text kept, inserted or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffSpan {
    pub op: DiffOp,
    pub text: String,
}

/// Word-level diff of two texts for the version-history page: tokens are words, white space
/// runs and single punctuation marks; within each change the deletion comes before the
/// insertion; adjacent spans of the same kind are merged.
pub fn word_diff(old: &str, new: &str) -> Vec<DiffSpan> {
    let old: Vec<char> = old.chars().collect();
    let new: Vec<char> = new.chars().collect();
    let runs = hierarchical_runs(&old, &new, Level::Word, DIFF_WORK);
    let mut spans: Vec<DiffSpan> = Vec::new();
    let mut push = |op: DiffOp, chars: &[char]| {
        if chars.is_empty() {
            return;
        }
        match spans.last_mut() {
            Some(last) if last.op == op => last.text.extend(chars),
            _ => spans.push(DiffSpan {
                op,
                text: chars.iter().collect(),
            }),
        }
    };
    let (mut o, mut n) = (0, 0);
    for run in runs.iter().chain(std::iter::once(&Run {
        old: old.len(),
        new: new.len(),
        len: 0,
    })) {
        push(DiffOp::Delete, &old[o..run.old]);
        push(DiffOp::Insert, &new[n..run.new]);
        push(DiffOp::Equal, &old[run.old..run.old + run.len]);
        o = run.old + run.len;
        n = run.new + run.len;
    }
    spans
}
