//! Diffs between two revisions. [`Alignment`] is the character-level correspondence the
//! re-anchoring uses (which stretches of the new text are unchanged, and where an old offset
//! went); [`word_diff`] is the word-level diff shown on the version-history page.
//!
//! Both are computed hierarchically: paragraphs first, then words inside the paragraphs that
//! changed, then characters inside the words that changed, each level with `similar`'s Myers
//! diff. One edited paragraph in a long article therefore costs a diff of that paragraph, not of
//! the whole text, and a deadline bounds the pathological case (two unrelated texts), where the
//! result degrades to a coarser but still correct mapping.

use std::ops::Range;
use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{Algorithm, DiffTag};

use super::fold::is_unspaced_script;

/// Time allowed for one hierarchical diff before `similar` falls back to coarser output.
const DIFF_BUDGET: Duration = Duration::from_millis(300);

/// A stretch of characters that is the same in both texts: `old..old + len` in the old text is
/// `new..new + len` in the new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub old: usize,
    pub new: usize,
    pub len: usize,
}

/// The monotone correspondence between two texts: their unchanged runs, sorted (by old and by
/// new offset alike). Between two runs lies a change: deleted, inserted or replaced text.
#[derive(Debug, Clone)]
pub(crate) struct Alignment {
    runs: Vec<Run>,
    new_len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Paragraph,
    Word,
    Char,
}

impl Alignment {
    /// Aligns two texts (as code points) down to single characters.
    pub(crate) fn new(old: &[char], new: &[char]) -> Self {
        let runs = hierarchical_runs(old, new, Level::Char);
        Alignment {
            runs,
            new_len: new.len(),
        }
    }

    /// The alignment of a text with itself.
    pub(crate) fn identity(len: usize) -> Self {
        let mut runs = Vec::new();
        push_run(&mut runs, 0, 0, len);
        Alignment { runs, new_len: len }
    }

    /// Where the span `[start, end)` of the old text now starts, if it lies inside one unchanged
    /// run.
    pub(crate) fn shift(&self, start: usize, end: usize) -> Option<usize> {
        let i = self
            .runs
            .partition_point(|r| r.old <= start)
            .checked_sub(1)?;
        let run = self.runs[i];
        (end <= run.old + run.len).then(|| run.new + (start - run.old))
    }

    /// The new offset of an old start offset. Inside a replaced stretch it is the start of the
    /// replacement (the passage now begins with whatever replaced it); text inserted exactly at
    /// the offset is not included.
    pub(crate) fn map_start(&self, old: usize) -> usize {
        let i = self.runs.partition_point(|r| r.old <= old);
        match i.checked_sub(1).map(|i| self.runs[i]) {
            Some(run) if old < run.old + run.len => run.new + (old - run.old),
            Some(run) => run.new + run.len,
            None => 0,
        }
    }

    /// The new offset of an old end offset. Inside a replaced stretch it is the end of the
    /// replacement; text inserted exactly at the offset is not included.
    pub(crate) fn map_end(&self, old: usize) -> usize {
        let i = self.runs.partition_point(|r| r.old < old);
        match i.checked_sub(1).map(|i| self.runs[i]) {
            Some(run) if old <= run.old + run.len => run.new + (old - run.old),
            _ => self.runs.get(i).map_or(self.new_len, |next| next.new),
        }
    }

    /// How many characters of the new span `[start, end)` are unchanged text that stood outside
    /// the old span `old_span` in the old text.
    pub(crate) fn unchanged_outside(
        &self,
        start: usize,
        end: usize,
        old_span: Range<usize>,
    ) -> usize {
        let first = self.runs.partition_point(|r| r.new + r.len <= start);
        let mut count = 0;
        for run in self.runs[first..].iter().take_while(|r| r.new < end) {
            let from = start.max(run.new);
            let to = end.min(run.new + run.len);
            if from >= to {
                continue;
            }
            let (old_from, old_to) = (run.old + (from - run.new), run.old + (to - run.new));
            let inside = old_to
                .min(old_span.end)
                .saturating_sub(old_from.max(old_span.start));
            count += (to - from) - inside;
        }
        count
    }
}

/// Unchanged runs between `old` and `new`, refining changed regions down to `finest`.
fn hierarchical_runs(old: &[char], new: &[char], finest: Level) -> Vec<Run> {
    let deadline = Instant::now() + DIFF_BUDGET;
    let mut runs = Vec::new();
    align_level(
        old,
        0,
        new,
        0,
        Level::Paragraph,
        finest,
        deadline,
        &mut runs,
    );
    runs
}

#[allow(clippy::too_many_arguments)]
fn align_level(
    old: &[char],
    old_base: usize,
    new: &[char],
    new_base: usize,
    level: Level,
    finest: Level,
    deadline: Instant,
    runs: &mut Vec<Run>,
) {
    if level == Level::Char {
        let ops = similar::capture_diff_slices_deadline(Algorithm::Myers, old, new, Some(deadline));
        for segment in normalised(&ops, old, new) {
            if segment.equal {
                let (o, n) = (segment.old, segment.new);
                push_run(runs, old_base + o.start, new_base + n.start, o.len());
            }
        }
        return;
    }
    let old_tokens = tokenize(old, level);
    let new_tokens = tokenize(new, level);
    let old_words: Vec<&[char]> = old_tokens.iter().map(|r| &old[r.clone()]).collect();
    let new_words: Vec<&[char]> = new_tokens.iter().map(|r| &new[r.clone()]).collect();
    let ops = similar::capture_diff_slices_deadline(
        Algorithm::Myers,
        &old_words,
        &new_words,
        Some(deadline),
    );
    // Character range covered by tokens `range` (an empty range sits where its tokens would).
    let span = |tokens: &[Range<usize>], len: usize, range: Range<usize>| -> Range<usize> {
        let start = tokens.get(range.start).map_or(len, |t| t.start);
        let end = if range.is_empty() {
            start
        } else {
            tokens[range.end - 1].end
        };
        start..end
    };
    let next = if level == Level::Paragraph {
        Level::Word
    } else {
        Level::Char
    };
    // Each changed segment (consecutive non-equal ops) is refined at the next level.
    for segment in normalised(&ops, &old_words, &new_words) {
        let (o, n) = (
            span(&old_tokens, old.len(), segment.old),
            span(&new_tokens, new.len(), segment.new),
        );
        if segment.equal {
            push_run(runs, old_base + o.start, new_base + n.start, o.len());
        } else if !o.is_empty() && !n.is_empty() && finest != level {
            align_level(
                &old[o.clone()],
                old_base + o.start,
                &new[n.clone()],
                new_base + n.start,
                next,
                finest,
                deadline,
                runs,
            );
        }
    }
}

/// A stretch of a diff, in tokens: unchanged, or changed (deleted, inserted or replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    equal: bool,
    old: Range<usize>,
    new: Range<usize>,
}

/// The diff `ops` as alternating equal and changed segments, with every pure deletion or
/// insertion slid along the text it repeats so that the unchanged text beside it is one
/// stretch. Myers places the deletion of a sentence after the words it shares with the next
/// sentence ("[A] said [X. A] said [Y.]"): the shared words would count as the deleted
/// sentence's and the surviving sentence would be split in two. Slid, the deletion is
/// "[A said X. ]" and "A said Y." stays whole (the classic "shift single edits surrounded by
/// equalities" cleanup).
fn normalised<T: PartialEq>(ops: &[similar::DiffOp], old: &[T], new: &[T]) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        push_segment(
            &mut segments,
            Segment {
                equal: tag == DiffTag::Equal,
                old: o,
                new: n,
            },
        );
    }
    // Each slide removes an equal segment, so this ends.
    while let Some(i) = (1..segments.len().saturating_sub(1))
        .find(|&i| slide(&mut segments[i - 1..=i + 1], old, new))
    {
        // The slide emptied one of the two equal segments; drop it and merge what now touches.
        let rest = segments.split_off(i - 1);
        for segment in rest {
            push_segment(&mut segments, segment);
        }
    }
    segments
}

/// Appends a segment, merging it with the previous one of the same kind; empty ones vanish.
fn push_segment(segments: &mut Vec<Segment>, segment: Segment) {
    if segment.old.is_empty() && segment.new.is_empty() {
        return;
    }
    match segments.last_mut() {
        Some(last) if last.equal == segment.equal => {
            last.old.end = segment.old.end;
            last.new.end = segment.new.end;
        }
        _ => segments.push(segment),
    }
}

/// For `[equal, pure edit, equal]`: when the edited text ends with the first equal stretch,
/// slides the edit left over it, or when it starts with the second one, right, so that the two
/// equal stretches become one (the emptied one is left empty). Returns whether it slid.
fn slide<T: PartialEq>(three: &mut [Segment], old: &[T], new: &[T]) -> bool {
    let [before, edit, after] = three else {
        return false;
    };
    if !before.equal || edit.equal || !after.equal || edit.old.is_empty() == edit.new.is_empty() {
        return false;
    }
    // The side holding the edited text; on the other side the edit is an empty point.
    let deletion = edit.new.is_empty();
    let (text, edited, first, second) = if deletion {
        (old, edit.old.clone(), before.old.clone(), after.old.clone())
    } else {
        (new, edit.new.clone(), before.new.clone(), after.new.clone())
    };
    let shift = |range: &mut Range<usize>, by: isize| {
        range.start = range.start.wrapping_add_signed(by);
        range.end = range.end.wrapping_add_signed(by);
    };
    if first.len() <= edited.len()
        && text[edited.end - first.len()..edited.end] == text[first.clone()]
    {
        // "[A] X A [B]" → "[] A X [A B]".
        let by = first.len() as isize;
        if deletion {
            shift(&mut edit.old, -by);
            edit.new = before.new.start..before.new.start;
        } else {
            shift(&mut edit.new, -by);
            edit.old = before.old.start..before.old.start;
        }
        after.old.start -= first.len();
        after.new.start -= first.len();
        before.old.end = before.old.start;
        before.new.end = before.new.start;
        return true;
    }
    if second.len() <= edited.len()
        && text[edited.start..edited.start + second.len()] == text[second.clone()]
    {
        // "[A] B X [B]" → "[A B] X B []".
        let by = second.len() as isize;
        before.old.end += second.len();
        before.new.end += second.len();
        if deletion {
            shift(&mut edit.old, by);
            edit.new = before.new.end..before.new.end;
        } else {
            shift(&mut edit.new, by);
            edit.old = before.old.end..before.old.end;
        }
        after.old.start = after.old.end;
        after.new.start = after.new.end;
        return true;
    }
    false
}

/// Appends a run, merging it with the previous one when they touch on both sides.
fn push_run(runs: &mut Vec<Run>, old: usize, new: usize, len: usize) {
    if len == 0 {
        return;
    }
    if let Some(last) = runs.last_mut() {
        if last.old + last.len == old && last.new + last.len == new {
            last.len += len;
            return;
        }
    }
    runs.push(Run { old, new, len });
}

/// Splits text into the tokens of a level. Paragraphs: a run of anything but line breaks with the
/// breaks that follow it. Words: runs of letters and digits, runs of white space, and every other character
/// alone (punctuation, symbols, and each character of scripts written without spaces).
fn tokenize(text: &[char], level: Level) -> Vec<Range<usize>> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Break,
        Line,
        Word,
        Space,
        Single,
    }
    let class = |c: char| match level {
        Level::Paragraph if c == '\n' => Class::Break,
        Level::Paragraph => Class::Line,
        _ if c.is_whitespace() => Class::Space,
        _ if c.is_alphanumeric() && !is_unspaced_script(c) => Class::Word,
        _ => Class::Single,
    };
    let mut tokens: Vec<Range<usize>> = Vec::new();
    let mut previous = None;
    for (i, &c) in text.iter().enumerate() {
        let current = class(c);
        let extends = match (previous, current) {
            (_, Class::Single) => false,
            // A paragraph carries the break after it: bare breaks would be tokens that match
            // anywhere and pin the alignment between the wrong paragraphs.
            (Some(Class::Line), Class::Break) => true,
            (Some(p), c) => p == c,
            (None, _) => false,
        };
        match tokens.last_mut() {
            Some(last) if extends => last.end = i + 1,
            _ => tokens.push(i..i + 1),
        }
        previous = Some(current);
    }
    tokens
}

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
    let runs = hierarchical_runs(&old, &new, Level::Word);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn span(op: DiffOp, text: &str) -> DiffSpan {
        DiffSpan {
            op,
            text: text.into(),
        }
    }

    #[test]
    fn word_diff_marks_changed_words() {
        let spans = word_diff(
            "The council voted on Tusday to approve.",
            "The council voted on Tuesday to approve it.",
        );
        assert_eq!(
            spans,
            vec![
                span(DiffOp::Equal, "The council voted on "),
                span(DiffOp::Delete, "Tusday"),
                span(DiffOp::Insert, "Tuesday"),
                span(DiffOp::Equal, " to approve"),
                span(DiffOp::Insert, " it"),
                span(DiffOp::Equal, "."),
            ]
        );
    }

    #[test]
    fn word_diff_reconstructs_both_texts() {
        let old = "Alpha beta.\n\nGamma delta — epsilon.\n\nZeta 東京 eta.";
        let new = "Alpha beta!\n\nGamma delta – epsilon, theta.\n\n大阪 eta.\n\nNew paragraph.";
        let spans = word_diff(old, new);
        let rebuilt_old: String = spans
            .iter()
            .filter(|s| s.op != DiffOp::Insert)
            .map(|s| s.text.as_str())
            .collect();
        let rebuilt_new: String = spans
            .iter()
            .filter(|s| s.op != DiffOp::Delete)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(rebuilt_old, old);
        assert_eq!(rebuilt_new, new);
        assert!(spans.windows(2).all(|w| w[0].op != w[1].op));
    }

    #[test]
    fn word_diff_of_identical_and_empty_texts() {
        assert_eq!(word_diff("same", "same"), vec![span(DiffOp::Equal, "same")]);
        assert_eq!(word_diff("", ""), vec![]);
        assert_eq!(word_diff("", "new"), vec![span(DiffOp::Insert, "new")]);
        assert_eq!(word_diff("old", ""), vec![span(DiffOp::Delete, "old")]);
    }

    #[test]
    fn alignment_shifts_and_maps() {
        let old = chars("one two three\n\nfour five");
        let new = chars("one 2 three\n\nzero\n\nfour five");
        let a = Alignment::new(&old, &new);
        // "three" [8,13) is unchanged and moved left by 2.
        assert_eq!(a.shift(8, 13), Some(6));
        // "two" [4,7) was replaced.
        assert_eq!(a.shift(4, 7), None);
        assert_eq!((a.map_start(4), a.map_end(7)), (4, 5));
        // "four" after the inserted paragraph.
        assert_eq!(a.shift(15, 19), Some(19));
        // Inserted text in front of an offset does not belong to a span starting there.
        assert_eq!(a.map_start(15), 19);
        assert_eq!(a.map_end(13), 11);
    }

    #[test]
    fn alignment_of_deleted_text_maps_to_an_empty_span() {
        let old = chars("Keep this.\n\nDelete this paragraph.\n\nKeep that.");
        let new = chars("Keep this.\n\nKeep that.");
        let a = Alignment::new(&old, &new);
        let (s, e) = (12, 34);
        assert_eq!(a.map_start(s), a.map_end(e));
        assert_eq!(
            a.unchanged_outside(12, 22, s..e),
            10,
            "'Keep that.' was elsewhere"
        );
    }

    #[test]
    fn alignment_counts_unchanged_text_from_elsewhere() {
        let old = chars("aaa bbb ccc");
        let new = chars("aaa XXX ccc");
        let a = Alignment::new(&old, &new);
        // New "XXX ccc": "ccc" and the space stood outside the old span "bbb".
        assert_eq!(a.unchanged_outside(4, 11, 4..7), 4);
        assert_eq!(a.unchanged_outside(0, 3, 0..3), 0);
    }

    /// A 10,000-word article: one edited paragraph costs a diff of that paragraph, and a rewrite
    /// of every paragraph still finishes (the deadline bounds it) with a correct mapping.
    #[test]
    fn long_texts_align_without_quadratic_cost() {
        let paragraph = |i: usize| {
            (0..80)
                .map(|w| format!("w{:04}", (i * 31 + w * 7) % 97))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let paragraphs: Vec<String> = (0..125).map(paragraph).collect();
        let old_text = paragraphs.join("\n\n");
        let mut edited = paragraphs.clone();
        edited[60] = edited[60].replacen("w", "x", 3);
        let old = chars(&old_text);
        let new = chars(&edited.join("\n\n"));
        assert!(old.len() > 40_000);
        let a = Alignment::new(&old, &new);
        let last = old.len() - 10;
        assert_eq!(a.shift(last, old.len()), Some(new.len() - 10));
        assert_eq!(a.shift(0, 100), Some(0));

        let rewritten: Vec<String> = paragraphs.iter().map(|p| p.replacen("w", "y", 9)).collect();
        let new = chars(&rewritten.join("\n\n"));
        let a = Alignment::new(&old, &new);
        for run in &a.runs {
            assert_eq!(
                old[run.old..run.old + run.len],
                new[run.new..run.new + run.len]
            );
        }
        assert!(a
            .runs
            .windows(2)
            .all(|w| { w[0].old + w[0].len <= w[1].old && w[0].new + w[0].len <= w[1].new }));
    }

    #[test]
    fn a_deleted_sentence_takes_the_opening_it_shares_with_the_next() {
        // Myers deletes "pay for the bridge. Whitcomb said the bond would " and keeps the first
        // sentence's opening; slid, the deletion is the first sentence and the second is whole.
        let old = chars("Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.");
        let new = chars("Whitcomb said the bond would not raise taxes.");
        let a = Alignment::new(&old, &new);
        assert_eq!(
            a.runs,
            vec![Run {
                old: 49,
                new: 0,
                len: 45
            }]
        );
        assert_eq!(a.shift(0, 13), None);
        // The same for an insertion, and in a later paragraph.
        let a = Alignment::new(
            &chars("Intro.\n\nA said Y."),
            &chars("Intro.\n\nA said X. A said Y."),
        );
        assert_eq!(
            a.runs,
            vec![
                Run {
                    old: 0,
                    new: 0,
                    len: 8
                },
                Run {
                    old: 8,
                    new: 18,
                    len: 9
                }
            ]
        );
    }

    #[test]
    fn sliding_keeps_both_texts_and_merges_equal_runs() {
        let ops = |o: &[char], n: &[char]| similar::capture_diff_slices(Algorithm::Myers, o, n);
        for (old, new) in [
            ("abcab", "ab"),
            ("ab", "abcab"),
            ("xabcaby", "xaby"),
            ("aaaa", "aa"),
            ("abab", "ab"),
            ("", "a"),
        ] {
            let (old, new) = (chars(old), chars(new));
            let segments = normalised(&ops(&old, &new), &old, &new);
            assert!(segments.windows(2).all(|w| w[0].equal != w[1].equal
                && w[0].old.end == w[1].old.start
                && w[0].new.end == w[1].new.start));
            for s in segments.iter().filter(|s| s.equal) {
                assert_eq!(old[s.old.clone()], new[s.new.clone()]);
            }
            assert_eq!(segments.last().map_or(0, |s| s.old.end), old.len());
            assert_eq!(segments.last().map_or(0, |s| s.new.end), new.len());
        }
    }

    #[test]
    fn alignment_of_moved_paragraph() {
        let p = [
            "First para.",
            "Second para.",
            "Third para.",
            "Moved para here.",
        ];
        let old = chars(&p.join("\n\n"));
        let new = chars(&[p[0], p[3], p[1], p[2]].join("\n\n"));
        let a = Alignment::new(&old, &new);
        // The second paragraph is unchanged and shifted by the moved one.
        assert_eq!(a.shift(13, 25), Some(13 + 18));
        // The moved paragraph is not "unchanged": it is new text where it now stands.
        assert_eq!(a.shift(40, 56), None);
    }
}
