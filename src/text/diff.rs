//! Diffs between two revisions. [`Alignment`] is the character-level correspondence the
//! re-anchoring uses (which stretches of the new text are unchanged, and where an old offset
//! went); [`word_diff`] is the word-level diff shown on the version-history page.
//!
//! Both are computed hierarchically: paragraphs first, then words inside the paragraphs that
//! changed, then characters inside the words that changed, each level with `similar`'s Myers
//! diff. One edited paragraph in a long article therefore costs a diff of that paragraph, not of
//! the whole text. The pathological case (two unrelated texts, megabytes of scattered edits) is
//! bounded by a budget of counted work shared by all levels ([`DIFF_WORK`], see [`bounded`]),
//! never by a clock: past it, the diff anchors on tokens unique to both texts and reports the
//! rest as replaced, a coarser but still correct mapping, and the same one on every machine.

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;
use similar::DiffTag;

use super::bounded::{self, Budget};
use super::fold::is_unspaced_script;

/// Work allowed for one hierarchical diff, in [`bounded`] steps summed over every level: tens
/// of milliseconds at most. Rewriting every paragraph of a 10,000-word article takes about a
/// quarter of it.
pub(crate) const DIFF_WORK: u64 = 20_000_000;

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
    /// Aligns two texts (as code points) down to single characters, spending at most `work`
    /// steps of diff ([`DIFF_WORK`] in production; tests reach the fallback with less).
    pub(crate) fn new(old: &[char], new: &[char], work: u64) -> Self {
        let runs = hierarchical_runs(old, new, Level::Char, work);
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
fn hierarchical_runs(old: &[char], new: &[char], finest: Level, work: u64) -> Vec<Run> {
    let mut budget = Budget::new(work);
    let mut runs = Vec::new();
    align_level(
        (old, new),
        old,
        0,
        new,
        0,
        Level::Paragraph,
        finest,
        &mut budget,
        &mut runs,
    );
    runs
}

#[allow(clippy::too_many_arguments)]
fn align_level(
    full: (&[char], &[char]),
    old: &[char],
    old_base: usize,
    new: &[char],
    new_base: usize,
    level: Level,
    finest: Level,
    budget: &mut Budget,
    runs: &mut Vec<Run>,
) {
    if level == Level::Char {
        let ops = bounded::diff(old, new, budget);
        let old_edge = |p: usize| boundary(full.0, old_base + p);
        let new_edge = |p: usize| boundary(full.1, new_base + p);
        for segment in normalised(&ops, old, new, old_edge, new_edge) {
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
    let (old_ids, new_ids) = token_ids(&old_words, &new_words);
    let ops = bounded::diff(&old_ids, &new_ids, budget);
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
    let old_edge = |p: usize| {
        boundary(
            full.0,
            old_base + old_tokens.get(p).map_or(old.len(), |t| t.start),
        )
    };
    let new_edge = |p: usize| {
        boundary(
            full.1,
            new_base + new_tokens.get(p).map_or(new.len(), |t| t.start),
        )
    };
    for segment in normalised(&ops, &old_words, &new_words, old_edge, new_edge) {
        let (o, n) = (
            span(&old_tokens, old.len(), segment.old),
            span(&new_tokens, new.len(), segment.new),
        );
        if segment.equal {
            push_run(runs, old_base + o.start, new_base + n.start, o.len());
        } else if !o.is_empty() && !n.is_empty() && finest != level {
            align_level(
                full,
                &old[o.clone()],
                old_base + o.start,
                &new[n.clone()],
                new_base + n.start,
                next,
                finest,
                budget,
                runs,
            );
        }
    }
}

/// The tokens of both texts as numbers, equal where the tokens are: comparing two numbers is
/// cheaper than comparing two words or paragraphs, and the diff depends only on which tokens
/// are equal.
fn token_ids<'t>(old: &[&'t [char]], new: &[&'t [char]]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&'t [char], u32> = HashMap::new();
    let mut id = |token: &'t [char]| {
        let next = ids.len() as u32;
        *ids.entry(token).or_insert(next)
    };
    let old_ids = old.iter().map(|&t| id(t)).collect();
    let new_ids = new.iter().map(|&t| id(t)).collect();
    (old_ids, new_ids)
}

/// A stretch of a diff, in tokens: unchanged, or changed (deleted, inserted or replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    equal: bool,
    old: Range<usize>,
    new: Range<usize>,
}

/// How strong a boundary a position in the text is, weakest first.
const INSIDE_WORD: u8 = 0;
const WORD: u8 = 1;
const SENTENCE: u8 = 2;
const PARAGRAPH: u8 = 3;

/// The kind of boundary at character position `at` of `text`: a paragraph break (beside a line
/// break), a sentence boundary (the start or end of the text, or after white space that follows
/// `.`, `!`, `?` or a closing quotation mark after one of them), a word boundary (beside white
/// space), or inside a word.
fn boundary(text: &[char], at: usize) -> u8 {
    if at == 0 || at >= text.len() {
        return SENTENCE;
    }
    let (prev, next) = (text[at - 1], text[at]);
    if (prev == '\n') != (next == '\n') {
        return PARAGRAPH;
    }
    if prev.is_whitespace() && !next.is_whitespace() {
        let space_start = text[..at]
            .iter()
            .rposition(|c| !c.is_whitespace())
            .map_or(0, |i| i + 1);
        let ends_sentence = |i: usize| matches!(text.get(i), Some('.' | '!' | '?'));
        let closes = |i: usize| {
            matches!(
                text.get(i),
                Some('"' | '\u{201d}' | '\'' | '\u{2019}' | ')')
            )
        };
        if space_start > 0
            && (ends_sentence(space_start - 1)
                || (space_start > 1 && closes(space_start - 1) && ends_sentence(space_start - 2)))
        {
            return SENTENCE;
        }
    }
    if prev.is_whitespace() || next.is_whitespace() {
        WORD
    } else {
        INSIDE_WORD
    }
}

/// The diff `ops` as alternating equal and changed segments, with every pure deletion or
/// insertion slid, among the positions where it deletes or inserts the same text, to the one
/// whose edges fall on the strongest boundaries (the classic boundary-aligned "slider"
/// heuristic; `old_edge` and `new_edge` give the boundary strength at a token position). Myers
/// places the deletion of a sentence after the words it shares with the next sentence
/// ("X. [A said] [Y. A said] [Z.]"): the shared words would count as the deleted sentence's and
/// the surviving sentence would be split in two. Slid, the deletion is "[A said Y. ]" and
/// "A said Z." stays whole; and when two sentences share their ending instead ("… Ortega
/// said."), the deletion stays on its own sentence rather than sliding onto the other one.
/// Two deletions (or insertions) around equal text that also reads at one end of them are first
/// made one ([`join`]).
fn normalised<T: PartialEq>(
    ops: &[similar::DiffOp],
    old: &[T],
    new: &[T],
    old_edge: impl Fn(usize) -> u8,
    new_edge: impl Fn(usize) -> u8,
) -> Vec<Segment> {
    // Empty equal segments at both ends give every edit a neighbour on each side to slide into.
    let mut segments = vec![Segment {
        equal: true,
        old: 0..0,
        new: 0..0,
    }];
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
    pad_end(&mut segments, old.len(), new.len());
    // A slide that empties an equal segment removes it, and the merged edit is looked at again;
    // otherwise we move on, so this ends.
    let mut i = 1;
    while i + 1 < segments.len() {
        if join(&mut segments, i, old, new) {
            continue;
        }
        if slide(&mut segments, i, old, new, &old_edge, &new_edge) {
            let rest = segments.split_off(i - 1);
            for segment in rest {
                push_segment(&mut segments, segment);
            }
            if segments.first().is_none_or(|s| !s.equal) {
                segments.insert(
                    0,
                    Segment {
                        equal: true,
                        old: 0..0,
                        new: 0..0,
                    },
                );
            }
            pad_end(&mut segments, old.len(), new.len());
            i = (i - 1).max(1);
        } else {
            i += 1;
        }
    }
    segments.retain(|s| !s.old.is_empty() || !s.new.is_empty());
    segments
}

/// Ends the segments with an equal one, empty if need be.
fn pad_end(segments: &mut Vec<Segment>, old_len: usize, new_len: usize) {
    if segments.last().is_none_or(|s| !s.equal) {
        segments.push(Segment {
            equal: true,
            old: old_len..old_len,
            new: new_len..new_len,
        });
    }
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

/// For `[.., A, B, C, ..]` with `A` and `C` both deletions (or both insertions) and `B` the
/// equal stretch between them: when the edited text `A B C` starts (or ends) with `B`, `B` is
/// kept there instead and the edit is one. Myers can keep a word of a deleted sentence in place
/// of the same word just before it ("approve [the bond.] Whitcomb said [the bond] [would pay]"):
/// one deletion is the simpler account, and the slide then puts it on the sentence.
/// `segments[i]` has a segment on each side. Returns whether it joined them.
fn join<T: PartialEq>(segments: &mut Vec<Segment>, i: usize, old: &[T], new: &[T]) -> bool {
    let (Some(a), Some(c)) = (segments.get(i), segments.get(i + 2)) else {
        return false;
    };
    let pure_deletion = |s: &Segment| !s.equal && s.new.is_empty() && !s.old.is_empty();
    let pure_insertion = |s: &Segment| !s.equal && s.old.is_empty() && !s.new.is_empty();
    let deletion = pure_deletion(a) && pure_deletion(c);
    let insertion = pure_insertion(a) && pure_insertion(c);
    if !(deletion || insertion) {
        return false;
    }
    let (text, edited, kept) = if deletion {
        (old, a.old.start..c.old.end, segments[i + 1].old.clone())
    } else {
        (new, a.new.start..c.new.end, segments[i + 1].new.clone())
    };
    let len = kept.len();
    let grow = |range: &mut Range<usize>, by: usize| range.end += by;
    if text[edited.start..edited.start + len] == text[kept.clone()] {
        // "[P] A B C [Q]" with "A B C" = "B X" → "[P B] X [Q]".
        let before = &mut segments[i - 1];
        grow(&mut before.old, len);
        grow(&mut before.new, len);
        let (old_at, new_at) = (before.old.end, before.new.end);
        let edit = &mut segments[i];
        if deletion {
            edit.old = old_at..edited.end;
            edit.new = new_at..new_at;
        } else {
            edit.new = new_at..edited.end;
            edit.old = old_at..old_at;
        }
    } else if text[edited.end - len..edited.end] == text[kept] {
        // "[P] A B C [Q]" with "A B C" = "X B" → "[P] X [B Q]".
        let after = &mut segments[i + 3];
        after.old.start -= len;
        after.new.start -= len;
        let edit = &mut segments[i];
        if deletion {
            edit.old.end = edited.end - len;
        } else {
            edit.new.end = edited.end - len;
        }
    } else {
        return false;
    }
    segments.drain(i + 1..=i + 2);
    true
}

/// When `segments[i]` is a pure deletion or insertion, slides it over the equal segments beside
/// it, among the positions where it deletes or inserts the same text (left while its last token
/// equals the one before it, right while its first equals the one after it), to the position
/// whose weaker edge is the strongest boundary, then whose edges are strongest together, then
/// that empties an equal neighbour (merging the runs on its two sides), then the leftmost.
/// `segments[i]` has a segment on each side. Returns whether it emptied a neighbour (left empty,
/// for the caller to drop).
fn slide<T: PartialEq>(
    segments: &mut [Segment],
    i: usize,
    old: &[T],
    new: &[T],
    old_edge: &impl Fn(usize) -> u8,
    new_edge: &impl Fn(usize) -> u8,
) -> bool {
    let edit = &segments[i];
    if edit.equal || edit.old.is_empty() == edit.new.is_empty() {
        return false;
    }
    // The side holding the edited text; on the other side the edit is an empty point.
    let deletion = edit.new.is_empty();
    let side = |s: &Segment| {
        if deletion {
            s.old.clone()
        } else {
            s.new.clone()
        }
    };
    let (text, edge): (&[T], &dyn Fn(usize) -> u8) = if deletion {
        (old, old_edge)
    } else {
        (new, new_edge)
    };
    let edited = side(edit);
    // Segments alternate, so the neighbours are equal ones (empty at either end of the text).
    let room_left = side(&segments[i - 1]).len();
    let room_right = side(&segments[i + 1]).len();
    let mut left = 0;
    while left < room_left && text[edited.end - 1 - left] == text[edited.start - 1 - left] {
        left += 1;
    }
    let mut right = 0;
    while right < room_right && text[edited.start + right] == text[edited.end + right] {
        right += 1;
    }
    if left == 0 && right == 0 {
        return false;
    }
    let key = |d: isize| {
        let a = edge(edited.start.wrapping_add_signed(d));
        let b = edge(edited.end.wrapping_add_signed(d));
        let merges = room_left > 0
            && room_right > 0
            && (d == -(room_left as isize) || d == room_right as isize);
        (a.min(b), a + b, merges)
    };
    let mut best = -(left as isize);
    for d in best + 1..=right as isize {
        if key(d) > key(best) {
            best = d;
        }
    }
    if best == 0 {
        return false;
    }
    let moved = |at: &mut usize| *at = at.wrapping_add_signed(best);
    let [before, edit, after] = &mut segments[i - 1..=i + 1] else {
        unreachable!("an edit between two segments");
    };
    for at in [
        &mut before.old.end,
        &mut before.new.end,
        &mut edit.old.start,
        &mut edit.old.end,
        &mut edit.new.start,
        &mut edit.new.end,
        &mut after.old.start,
        &mut after.new.start,
    ] {
        moved(at);
    }
    (room_left > 0 && before.old.is_empty()) || (room_right > 0 && after.old.is_empty())
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
        let a = Alignment::new(&old, &new, DIFF_WORK);
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
        let a = Alignment::new(&old, &new, DIFF_WORK);
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
        let a = Alignment::new(&old, &new, DIFF_WORK);
        // New "XXX ccc": "ccc" and the space stood outside the old span "bbb".
        assert_eq!(a.unchanged_outside(4, 11, 4..7), 4);
        assert_eq!(a.unchanged_outside(0, 3, 0..3), 0);
    }

    /// A 10,000-word article: one edited paragraph costs a diff of that paragraph, and a rewrite
    /// of every paragraph still finishes (within the work budget) with a correct mapping.
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
        let a = Alignment::new(&old, &new, DIFF_WORK);
        let last = old.len() - 10;
        assert_eq!(a.shift(last, old.len()), Some(new.len() - 10));
        assert_eq!(a.shift(0, 100), Some(0));

        let rewritten: Vec<String> = paragraphs.iter().map(|p| p.replacen("w", "y", 9)).collect();
        let new = chars(&rewritten.join("\n\n"));
        let a = Alignment::new(&old, &new, DIFF_WORK);
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

    /// Two unrelated texts (here 256 KiB, with a small budget so that debug tests stay quick)
    /// overrun the budget; the fallback still keeps the paragraphs that both share, in order,
    /// and every run it reports is unchanged text.
    #[test]
    fn beyond_the_budget_unrelated_texts_keep_the_paragraphs_they_share() {
        let text = |seed: usize, shared: &[&str]| {
            let mut paragraphs: Vec<String> = (0..700)
                .map(|i| {
                    (0..80)
                        .map(|w| format!("{}{:03}", seed, (i * 37 + w * 11) % 499))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            for (k, p) in shared.iter().enumerate() {
                paragraphs[100 + 150 * k] = p.to_string();
            }
            chars(&paragraphs.join("\n\n"))
        };
        let shared = [
            "The council voted 6-3 on Tuesday to approve the bond.",
            "Mayor Dana Whitcomb called the vote a long-overdue investment.",
            "The council will hold a public hearing on May 7.",
        ];
        let old = text(1, &shared);
        let new = text(2, &shared);
        assert!(old.len() > 256 * 1024);
        let a = Alignment::new(&old, &new, 200_000);
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
        let at = |text: &[char], p: &str| {
            let p = chars(p);
            text.windows(p.len()).position(|w| w == &p[..])
        };
        for p in shared {
            let (from, to) = (at(&old, p), at(&new, p));
            let from = from.expect("in the old text");
            assert_eq!(a.shift(from, from + p.chars().count()), to, "{p}");
        }
    }

    #[test]
    fn a_deleted_sentence_takes_the_opening_it_shares_with_the_next() {
        // Myers deletes "pay for the bridge. Whitcomb said the bond would " and keeps the first
        // sentence's opening; slid, the deletion is the first sentence and the second is whole.
        let old = chars("Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.");
        let new = chars("Whitcomb said the bond would not raise taxes.");
        let a = Alignment::new(&old, &new, DIFF_WORK);
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
            DIFF_WORK,
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
    fn a_deletion_slides_to_sentence_boundaries() {
        // Myers keeps the shared opening in the deleted sentence's place.
        let old = "X. The city council voted 6-3 to approve. The city council voted 5-4 to delay.";
        let new = "X. The city council voted 5-4 to delay.";
        assert_eq!(
            word_diff(old, new),
            vec![
                span(DiffOp::Equal, "X. "),
                span(DiffOp::Delete, "The city council voted 6-3 to approve. "),
                span(DiffOp::Equal, "The city council voted 5-4 to delay."),
            ]
        );
        // A shared ending: sliding fully left would delete "d. Ortega said it was fine".
        let old = "A, Ortega said. Ortega said it was fine. B, Ortega said.";
        let new = "A, Ortega said. B, Ortega said.";
        assert_eq!(
            word_diff(old, new),
            vec![
                span(DiffOp::Equal, "A, Ortega said. "),
                span(DiffOp::Delete, "Ortega said it was fine. "),
                span(DiffOp::Equal, "B, Ortega said."),
            ]
        );
        assert_eq!(boundary(&chars("a. b"), 3), SENTENCE);
        assert_eq!(boundary(&chars("a.\" b"), 4), SENTENCE);
        assert_eq!(boundary(&chars("a,\" b"), 4), WORD);
        assert_eq!(boundary(&chars("a.\n\nb"), 2), PARAGRAPH);
        assert_eq!(boundary(&chars("ab"), 1), INSIDE_WORD);
    }

    #[test]
    fn a_deletion_split_around_a_repeated_word_is_one() {
        // Myers keeps the deleted paragraph's "the bond" instead of the first paragraph's.
        let old = "Voted on Tuesday to approve the bond.\n\nWhitcomb said the bond would pay for the bridge.\n\nEnd.";
        let new = "Voted on Thursday to approve the bond.\n\nEnd.";
        let spans = word_diff(old, new);
        assert_eq!(
            spans
                .iter()
                .filter(|s| s.op == DiffOp::Delete)
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>(),
            vec![
                "Tuesday",
                "\n\nWhitcomb said the bond would pay for the bridge."
            ]
        );
    }

    #[test]
    fn sliding_keeps_both_texts_and_merges_equal_runs() {
        let ops =
            |o: &[char], n: &[char]| similar::capture_diff_slices(similar::Algorithm::Myers, o, n);
        for (old, new) in [
            ("abcab", "ab"),
            ("ab", "abcab"),
            ("xabcaby", "xaby"),
            ("aaaa", "aa"),
            ("abab", "ab"),
            ("", "a"),
            ("xabyabz", "xabz"),
            ("xabz", "xabyabz"),
            ("a. b a. c a.", "a."),
        ] {
            let (old, new) = (chars(old), chars(new));
            let segments = normalised(
                &ops(&old, &new),
                &old,
                &new,
                |p| boundary(&old, p),
                |p| boundary(&new, p),
            );
            assert!(segments.windows(2).all(|w| w[0].equal != w[1].equal
                && w[0].old.end == w[1].old.start
                && w[0].new.end == w[1].new.start));
            for s in segments.iter().filter(|s| s.equal) {
                assert_eq!(old[s.old.clone()], new[s.new.clone()]);
            }
            assert_eq!(
                segments.last().map_or(0, |s| s.old.end),
                old.len(),
                "{old:?} {new:?} {segments:?}"
            );
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
        let a = Alignment::new(&old, &new, DIFF_WORK);
        // The second paragraph is unchanged and shifted by the moved one.
        assert_eq!(a.shift(13, 25), Some(13 + 18));
        // The moved paragraph is not "unchanged": it is new text where it now stands.
        assert_eq!(a.shift(40, 56), None);
    }
}
