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
use std::hash::{Hash, Hasher};
use std::ops::Range;

use super::bounded::{self, Budget};
use super::fold::is_unspaced_script;
use slide::normalised;
pub(crate) use slide::{boundary, SENTENCE};

mod slide;
#[cfg(test)]
mod tests;
mod words;

pub use words::{word_diff, DiffOp, DiffSpan};

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
    old_len: usize,
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
            old_len: old.len(),
            new_len: new.len(),
        }
    }

    /// The alignment of a text with itself.
    pub(crate) fn identity(len: usize) -> Self {
        let mut runs = Vec::new();
        push_run(&mut runs, 0, 0, len);
        Alignment {
            runs,
            old_len: len,
            new_len: len,
        }
    }

    /// Where the span `[start, end)` of the old text now starts, if it lies inside one unchanged
    /// run.
    pub(crate) fn shift(&self, start: usize, end: usize) -> Option<usize> {
        self.unchanged_run(start, end)
            .map(|run| run.new + (start - run.old))
    }

    /// The unchanged run that holds the whole span `[start, end)` of the old text, if one does.
    pub(crate) fn unchanged_run(&self, start: usize, end: usize) -> Option<Run> {
        let i = self
            .runs
            .partition_point(|r| r.old <= start)
            .checked_sub(1)?;
        let run = self.runs[i];
        (end <= run.old + run.len).then_some(run)
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

    /// For a character of the new text that the diff marks as inserted (or replacing), the
    /// stretch of the old text it stands in place of (empty for a pure insertion); `None` for an
    /// unchanged character.
    pub(crate) fn old_gap(&self, new: usize) -> Option<Range<usize>> {
        let i = self.runs.partition_point(|r| r.new <= new);
        let before = i.checked_sub(1).map(|i| self.runs[i]);
        if before.is_some_and(|r| new < r.new + r.len) {
            return None;
        }
        let start = before.map_or(0, |r| r.old + r.len);
        let end = self.runs.get(i).map_or(self.old_len, |r| r.old);
        Some(start..end.max(start))
    }

    /// The stretches of the new text that the diff marks as inserted or replacing, in order.
    pub(crate) fn changed_new(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let ends = std::iter::once(0).chain(self.runs.iter().map(|r| r.new + r.len));
        let starts = self
            .runs
            .iter()
            .map(|r| r.new)
            .chain(std::iter::once(self.new_len));
        ends.zip(starts).filter(|(a, b)| a < b).map(|(a, b)| a..b)
    }

    /// The unchanged runs, cut to the old stretch `old`.
    pub(crate) fn unchanged_within(&self, old: Range<usize>) -> impl Iterator<Item = Run> + '_ {
        let first = self.runs.partition_point(|r| r.old + r.len <= old.start);
        self.runs[first..]
            .iter()
            .take_while(move |r| r.old < old.end)
            .filter_map(move |r| {
                let from = old.start.max(r.old);
                let to = old.end.min(r.old + r.len);
                (from < to).then(|| Run {
                    old: from,
                    new: r.new + (from - r.old),
                    len: to - from,
                })
            })
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
///
/// The tokens the texts share from their start, and then from their end, are not hashed: each
/// pair gets a number of its own. Every diff here (`similar`'s Myers, [`bounded`]'s count and
/// fallback) first matches that common start and end pairwise and compares nothing inside them
/// with anything else, so the answer is the same, and an article edited in one place hashes
/// only the tokens between its first and last difference.
fn token_ids<'t>(old: &[&'t [char]], new: &[&'t [char]]) -> (Vec<u32>, Vec<u32>) {
    let start = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let end = old[start..]
        .iter()
        .rev()
        .zip(new[start..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut ids: HashMap<Token<'t>, u32> = HashMap::new();
    let mut id = |token: &'t [char]| {
        let next = (start + ids.len()) as u32;
        *ids.entry(Token(token)).or_insert(next)
    };
    let head = 0..start as u32;
    let old_ids: Vec<u32> = head
        .clone()
        .chain(old[start..old.len() - end].iter().map(|&t| id(t)))
        .collect();
    let new_ids: Vec<u32> = head
        .chain(new[start..new.len() - end].iter().map(|&t| id(t)))
        .collect();
    let first_tail = (start + ids.len()) as u32;
    let tail = first_tail..first_tail + end as u32;
    (
        old_ids.into_iter().chain(tail.clone()).collect(),
        new_ids.into_iter().chain(tail).collect(),
    )
}

/// A token as a key of [`token_ids`]' map: compared as characters, hashed as their bytes in a
/// few large writes rather than one small write a character (a paragraph is hundreds).
#[derive(PartialEq, Eq)]
struct Token<'t>(&'t [char]);

impl Hash for Token<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.len());
        let mut bytes = [0u8; 256];
        for chunk in self.0.chunks(64) {
            for (c, out) in chunk.iter().zip(bytes.chunks_exact_mut(4)) {
                out.copy_from_slice(&u32::from(*c).to_le_bytes());
            }
            state.write(&bytes[..4 * chunk.len()]);
        }
    }
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
