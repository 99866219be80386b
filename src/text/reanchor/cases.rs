//! Generated re-anchoring cases with a known right answer, shared by the property tests (which
//! assert that no answer is wrong) and by [`fuzz_counts`], a measurement that tallies right,
//! partial, ambiguous, orphaned and wrong answers over many thousands of cases:
//!
//! ```text
//! FUZZ_CASES=20000 cargo test --release --lib text::reanchor::cases -- --ignored --nocapture
//! ```
//!
//! Every generator builds its articles from sentences that share openings, endings and phrases,
//! as news copy does, so that a careless match has words to land on.

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::tests::reanchor;
use super::{AnchorStatus, Reanchored};
use crate::text::cp_slice;

/// Paragraphs of local news that share names, words and phrases.
pub(super) const MOVABLE: &[&str] = &[
    "HARBORVIEW \u{2014} The city council voted 6-3 on Tusday to approve a $48 million bond for repairs to the Kessler Street bridge, which has been closed to trucks since March.",
    "Mayor Dana Whitcomb called the vote \"a long-overdue investment\" and said construction could begin as early as next spring.",
    "Council member Luis Ortega, who voted against the measure, said the city had not secured matching funds from the state.",
    "The bridge carries roughly 14,000 vehicles a day, according to a 2022 traffic study commissioned by the city.",
    "Repairs are expected to take 18 months. During that time, the bridge will remain open to passanger cars but closed to trucks.",
    "The council will hold a public hearing on the construction schedule on May 7.",
    "Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.",
    "Police said the suspect, a 34-year-old man, was arrested Tuesday near the bridge.",
    "The city council voted 5-4 on Monday to delay the repaving of Harbor Avenue.",
    "Ortega said the city had not asked the state for help with the repairs.",
];

/// Sentences that share openings, endings and phrases, as news copy does.
pub(super) const SENTENCES: &[&str] = &[
    "The city council voted 6-3 on Tuesday to approve the bond.",
    "The city council voted 5-4 on Monday to delay the repaving.",
    "The city council voted to delay the hearing.",
    "Whitcomb said the bond would pay for the bridge.",
    "Whitcomb said the bond would not raise taxes.",
    "Whitcomb said the vote was fine.",
    "Ortega said the city had not secured matching funds.",
    "Ortega said the city had not asked the state for help.",
    "Ortega said it was fine.",
    "\"It was fine,\" Ortega said.",
    "\"We are borrowing money we may not need,\" Ortega said.",
    "\"We are borrowing money from our children,\" Ortega said.",
    "The bridge carries roughly 14,000 vehicles a day.",
    "The bridge carries roughly 1,400 trucks a day.",
    "Police said the suspect, a 34-year-old man, was arrested Tuesday.",
    "Police said the suspect, a 43-year-old woman, was released Wednesday.",
    "Repairs are expected to take 18 months.",
    "Repairs are expected to cost $48 million.",
    "The council will hold a public hearing on May 7.",
    "The council will hold a second hearing on May 21.",
];

/// Sentences a newsroom adds at the top or the foot of a story: notes, corrections, captions,
/// fillers. Several quote or echo the story's own words.
const ADDED: &[&str] = &[
    "Editor's note: This article has been updated to correct the vote count.",
    "Correction: An earlier version of this article said the city council voted 6-3 on Tuesday.",
    "This story has been updated.",
    "Update, 5:40 p.m.: The council will hold a second hearing on May 21.",
    "Photo: The Kessler Street bridge, which has been closed to trucks since March.",
    "Related coverage: The city council voted to delay the hearing.",
    "Ortega said the city had not secured matching funds, a spokesperson confirmed.",
    "Whitcomb did not respond to a request for comment.",
    "Read more about the bridge.",
];

/// Short lines that stand alone above an added paragraph, as headings do.
const HEADINGS: &[&str] = &["Editor's note", "CORRECTION", "Update", "Related", "More"];

/// An old and a new revision, a quote `[start, end)` in the old one, and where it belongs.
#[derive(Debug, Clone)]
pub(super) struct Case {
    pub old: String,
    pub new: String,
    pub start: usize,
    pub end: usize,
    pub expect: Expect,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Expect {
    /// The quote's words survive at `[start, end)` of the new text.
    At(usize, usize),
    /// The quote's words are gone: the right answer is no place.
    Gone,
}

/// How an answer compares with the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Placed on exactly the quote's words (or, for a quote whose words are gone, orphaned).
    Right,
    /// Placed on some of the quote's words and nothing else.
    Partial,
    /// Two near-equal places, one of them right (nothing is placed).
    Ambiguous,
    /// Two near-equal places, none of them right (nothing is placed).
    AmbiguousElsewhere,
    /// No place although the words are there.
    Orphaned,
    /// Placed on words that are not the quote's surviving words.
    Wrong,
}

impl Case {
    pub(super) fn run(&self) -> Reanchored {
        reanchor(&self.old, &self.new, self.start, self.end)
    }

    pub(super) fn judge(&self, result: &Reanchored) -> Verdict {
        let span = result.start.zip(result.end);
        match (self.expect, result.status) {
            (Expect::Gone, AnchorStatus::Orphaned) => Verdict::Right,
            (Expect::Gone, AnchorStatus::Ambiguous) => Verdict::AmbiguousElsewhere,
            (Expect::Gone, _) => Verdict::Wrong,
            (Expect::At(..), AnchorStatus::Orphaned) => Verdict::Orphaned,
            (Expect::At(s, e), AnchorStatus::Ambiguous) => {
                if result.candidates.iter().any(|c| (c.start, c.end) == (s, e)) {
                    Verdict::Ambiguous
                } else {
                    Verdict::AmbiguousElsewhere
                }
            }
            (Expect::At(s, e), _) => match span {
                Some(got) if got == (s, e) => Verdict::Right,
                Some((gs, ge)) if s <= gs && gs < ge && ge <= e => Verdict::Partial,
                _ => Verdict::Wrong,
            },
        }
    }

    /// What a failing assertion prints.
    pub(super) fn explain(&self, result: &Reanchored) -> String {
        let quote = cp_slice(&self.old, self.start, self.end);
        let got = result
            .start
            .zip(result.end)
            .map(|(s, e)| cp_slice(&self.new, s, e));
        format!(
            "{result:?}\nquote {quote:?} [{}, {}), expected {:?}, got {got:?}\nold: {:?}\nnew: {:?}",
            self.start, self.end, self.expect, self.old, self.new
        )
    }
}

/// Paragraphs of sentences, rendered as canonical text.
fn render(paras: &[Vec<&str>]) -> String {
    paras
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Where sentence `k` of paragraph `p` starts in `render(paras)`.
fn sentence_start(paras: &[Vec<&str>], p: usize, k: usize) -> usize {
    let before: usize = paras[..p]
        .iter()
        .filter(|para| !para.is_empty())
        .map(|para| para.join(" ").chars().count() + 2)
        .sum();
    before
        + paras[p][..k]
            .iter()
            .map(|s| s.chars().count() + 1)
            .sum::<usize>()
}

/// A run of whole words of `sentence` chosen by two fractions: its offset in the sentence and
/// its length, in code points.
fn words_of(sentence: &str, from: f64, to: f64) -> (usize, usize) {
    let words: Vec<&str> = sentence.split(' ').collect();
    let first = (words.len() as f64 * from) as usize;
    let last = first + ((words.len() - first) as f64 * to) as usize;
    let offset: usize = words[..first].iter().map(|w| w.chars().count() + 1).sum();
    (offset, words[first..=last].join(" ").chars().count())
}

/// Distinct sentences of [`SENTENCES`] grouped into paragraphs of the given sizes.
fn paragraphs_of<'s>(order: &[usize], sizes: &[usize]) -> Vec<Vec<&'s str>> {
    let mut next = order.iter().map(|&i| SENTENCES[i]);
    sizes
        .iter()
        .map(|&n| next.by_ref().take(n).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect()
}

fn shuffled_sentences() -> impl Strategy<Value = Vec<usize>> {
    Just((0..SENTENCES.len()).collect::<Vec<_>>()).prop_shuffle()
}

/// Deleting the whole sentence that holds a quote (with, sometimes, a small edit elsewhere):
/// the quote's words are gone.
pub(super) fn deleted_sentence() -> impl Strategy<Value = Case> {
    (
        shuffled_sentences(),
        prop::collection::vec(0u8..3, 2..10),
        (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
        any::<bool>(),
    )
        .prop_map(|(order, breaks, pick, retype)| {
            // Distinct sentences; a paragraph break before about a third of them.
            let mut paras: Vec<Vec<&str>> = Vec::new();
            for (k, &brk) in breaks.iter().enumerate() {
                match paras.last_mut() {
                    Some(para) if brk > 0 => para.push(SENTENCES[order[k]]),
                    _ => paras.push(vec![SENTENCES[order[k]]]),
                }
            }
            let old = render(&paras);
            let flat: Vec<(usize, usize)> = paras
                .iter()
                .enumerate()
                .flat_map(|(p, para)| (0..para.len()).map(move |k| (p, k)))
                .collect();
            let (p, k) = flat[(flat.len() as f64 * pick.0) as usize];
            let (offset, len) = words_of(paras[p][k], pick.1, pick.2);
            let start = sentence_start(&paras, p, k) + offset;
            let mut edited = paras.clone();
            edited[p].remove(k);
            let mut new = render(&edited);
            if retype {
                new = new.replacen("Tuesday", "Thursday", 1);
            }
            Case {
                old,
                new,
                start,
                end: start + len,
                expect: Expect::Gone,
            }
        })
}

/// A paragraph moved elsewhere (sometimes with a word of it edited outside the quote, and a
/// new paragraph written where it stood): the quote belongs where its paragraph went.
pub(super) fn moved_paragraph() -> impl Strategy<Value = Case> {
    (
        Just((0..MOVABLE.len()).collect::<Vec<_>>()).prop_shuffle(),
        4usize..8,
        (0.0..1.0f64, 0.0..1.0f64, 0usize..12, 0.0..1.0f64),
        prop::option::of((0.0..1.0f64, prop::sample::select(vec!["Thursday", "county", "12,000", "officials"]))),
        prop::option::of(prop::sample::select(vec![
            "A spokesperson for the state transportation department did not respond to a request for comment.",
            "The school board, meeting the same night, approved a new calendar for the fall semester.",
            "Traffic engineers said the detour would add about ten minutes to most commutes.",
        ])),
    )
        .prop_filter_map("the paragraph stays where it was", |(order, count, pick, edit, newcomer)| {
            let paras: Vec<&str> = order[..count].iter().map(|&i| MOVABLE[i]).collect();
            let old = paras.join("\n\n");
            let from = (count as f64 * pick.0) as usize;
            let words: Vec<&str> = paras[from].split(' ').collect();
            let a = (words.len() as f64 * pick.1) as usize;
            let b = (a + 1 + pick.2).min(words.len());
            let quote = words[a..b].join(" ");
            let start_in = |ps: &[&str], i: usize, lead: usize| {
                ps[..i].iter().map(|p| p.chars().count() + 2).sum::<usize>() + lead
            };
            let lead: usize = words[..a].iter().map(|w| w.chars().count() + 1).sum();
            let s = start_in(&paras, from, lead);
            let mut moved_words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            if let Some((at, word)) = edit {
                let w = (words.len() as f64 * at) as usize;
                if !(a..b).contains(&w) {
                    moved_words[w] = word.to_owned();
                }
            }
            let moved = moved_words.join(" ");
            let new_lead: usize = moved_words[..a].iter().map(|w| w.chars().count() + 1).sum();
            let mut new_paras: Vec<&str> = paras.clone();
            new_paras.remove(from);
            let to = ((count - 1) as f64 * pick.3) as usize;
            let to = if to >= from { to + 1 } else { to }.min(count - 1);
            if to == from {
                return None;
            }
            new_paras.insert(to, &moved);
            let mut to = to;
            if let Some(n) = newcomer {
                let at = if to < from { from + 1 } else { from };
                new_paras.insert(at, n);
                if at <= to {
                    to += 1;
                }
            }
            let new = new_paras.join("\n\n");
            let ns = start_in(&new_paras, to, new_lead);
            let len = quote.chars().count();
            assert_eq!(cp_slice(&new, ns, ns + len), quote.as_str());
            Some(Case {
                old,
                new,
                start: s,
                end: s + len,
                expect: Expect::At(ns, ns + len),
            })
        })
}

/// A text whose quoted passage starts (or ends) it, and a paragraph of one to three added
/// sentences, with or without a heading-like line above it, inserted before (or after) it: a
/// note at the top of a story, a filler or a caption at its foot.
pub(super) fn paragraph_added_at_the_edge() -> impl Strategy<Value = Case> {
    (
        shuffled_sentences(),
        prop::collection::vec(1usize..4, 1..5),
        any::<bool>(),
        (0u8..3, 0.0..1.0f64),
        prop::collection::vec(prop::sample::select(ADDED), 1..4),
        prop::option::of(prop::sample::select(HEADINGS)),
    )
        .prop_map(|(order, sizes, at_end, (shape, pick), added, heading)| {
            let paras = paragraphs_of(&order, &sizes);
            let old = render(&paras);
            let total = old.chars().count();
            let edge = if at_end { paras.len() - 1 } else { 0 };
            let para_len = paras[edge].join(" ").chars().count();
            // The quote: the whole edge paragraph, its edge sentence, or words from the edge.
            let (start, end) = match (shape, at_end) {
                (0, false) => (0, para_len),
                (0, true) => (total - para_len, total),
                (1, false) => (0, paras[0][0].chars().count()),
                (1, true) => {
                    let last = paras[edge].last().map_or(0, |s| s.chars().count());
                    (total - last, total)
                }
                (_, false) => {
                    let (_, len) = words_of(&paras[0].join(" "), 0.0, pick);
                    (0, len)
                }
                (_, true) => {
                    let sentence = paras[edge].join(" ");
                    let words: Vec<&str> = sentence.split(' ').collect();
                    let keep = 1 + ((words.len() - 1) as f64 * pick) as usize;
                    let len = words[words.len() - keep..].join(" ").chars().count();
                    (total - len, total)
                }
            };
            let mut block: Vec<String> = heading.iter().map(|h| h.to_string()).collect();
            block.push(added.join(" "));
            let block = block.join("\n\n");
            let (new, shift) = if at_end {
                (format!("{old}\n\n{block}"), 0)
            } else {
                (format!("{block}\n\n{old}"), block.chars().count() + 2)
            };
            Case {
                old,
                new,
                start,
                end,
                expect: Expect::At(start + shift, end + shift),
            }
        })
}

/// The sentences of the quoted paragraph (two to five) put in another order; the quote is a run
/// of words of one of them, which is intact wherever it went.
pub(super) fn sentences_reordered() -> impl Strategy<Value = Case> {
    (
        shuffled_sentences(),
        prop::collection::vec(1usize..4, 0..4),
        2usize..6,
        0usize..4,
        (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
        Just((0..5).collect::<Vec<_>>()).prop_shuffle(),
    )
        .prop_filter_map(
            "the order did not change",
            |(order, mut sizes, size, at, pick, permutation)| {
                let at = at.min(sizes.len());
                sizes.insert(at, size);
                let paras = paragraphs_of(&order, &sizes);
                let permutation: Vec<usize> =
                    permutation.into_iter().filter(|&i| i < size).collect();
                if permutation.iter().enumerate().all(|(i, &k)| i == k) {
                    return None;
                }
                let k = (size as f64 * pick.0) as usize;
                let (offset, len) = words_of(paras[at][k], pick.1, pick.2);
                let start = sentence_start(&paras, at, k) + offset;
                let mut edited = paras.clone();
                edited[at] = permutation.iter().map(|&i| paras[at][i]).collect();
                let moved_to = permutation.iter().position(|&i| i == k)?;
                let new_start = sentence_start(&edited, at, moved_to) + offset;
                Some(Case {
                    old: render(&paras),
                    new: render(&edited),
                    start,
                    end: start + len,
                    expect: Expect::At(new_start, new_start + len),
                })
            },
        )
}

/// A sentence (one the article does not have, often sharing its words) inserted right before or
/// right after the quoted sentence.
pub(super) fn sentence_inserted_beside() -> impl Strategy<Value = Case> {
    (
        shuffled_sentences(),
        prop::collection::vec(1usize..4, 1..5),
        (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
        any::<bool>(),
        0.0..1.0f64,
    )
        .prop_map(|(order, sizes, pick, after, choice)| {
            let paras = paragraphs_of(&order, &sizes);
            let used: usize = paras.iter().map(Vec::len).sum();
            // Unused sentences of the pool, and the notes and fillers.
            let spare: Vec<&str> = order[used..]
                .iter()
                .map(|&i| SENTENCES[i])
                .chain(ADDED.iter().copied())
                .collect();
            let inserted = spare[(spare.len() as f64 * choice) as usize];
            let flat: Vec<(usize, usize)> = paras
                .iter()
                .enumerate()
                .flat_map(|(p, para)| (0..para.len()).map(move |k| (p, k)))
                .collect();
            let (p, k) = flat[(flat.len() as f64 * pick.0) as usize];
            let (offset, len) = words_of(paras[p][k], pick.1, pick.2);
            let start = sentence_start(&paras, p, k) + offset;
            let mut edited = paras.clone();
            let (at, quoted) = if after { (k + 1, k) } else { (k, k + 1) };
            edited[p].insert(at, inserted);
            let new_start = sentence_start(&edited, p, quoted) + offset;
            Case {
                old: render(&paras),
                new: render(&edited),
                start,
                end: start + len,
                expect: Expect::At(new_start, new_start + len),
            }
        })
}

/// Counts of verdicts.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    right: usize,
    partial: usize,
    ambiguous: usize,
    ambiguous_elsewhere: usize,
    orphaned: usize,
    wrong: usize,
}

impl Tally {
    fn add(&mut self, verdict: Verdict) {
        let slot = match verdict {
            Verdict::Right => &mut self.right,
            Verdict::Partial => &mut self.partial,
            Verdict::Ambiguous => &mut self.ambiguous,
            Verdict::AmbiguousElsewhere => &mut self.ambiguous_elsewhere,
            Verdict::Orphaned => &mut self.orphaned,
            Verdict::Wrong => &mut self.wrong,
        };
        *slot += 1;
    }
}

/// The same cases on every run (a fixed seed), so that counts before and after a change compare.
fn tally(strategy: impl Strategy<Value = Case>, cases: u32) -> (Tally, Vec<String>) {
    let config = Config {
        cases,
        failure_persistence: None,
        max_local_rejects: u32::MAX,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let counts = RefCell::new((Tally::default(), Vec::new()));
    let _ = runner.run(&strategy, |case| {
        let result = case.run();
        let verdict = case.judge(&result);
        let mut counts = counts.borrow_mut();
        counts.0.add(verdict);
        if verdict == Verdict::Wrong && counts.1.len() < 3 {
            counts.1.push(case.explain(&result));
        }
        Ok(())
    });
    counts.into_inner()
}

/// Prints, for each generator, how many answers were right, partial, ambiguous (with or without
/// the right place among the candidates), orphaned and wrong, with a few wrong ones in full.
#[test]
#[ignore = "a measurement, not a check: run in release with FUZZ_CASES and --nocapture"]
fn fuzz_counts() {
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let report = |name: &str, (t, wrong): (Tally, Vec<String>)| {
        println!(
            "{name:<28} cases {:>6}  right {:>6}  partial {:>4}  ambiguous {:>4}/{:<4}  orphaned {:>6}  wrong {:>4}",
            t.right + t.partial + t.ambiguous + t.ambiguous_elsewhere + t.orphaned + t.wrong,
            t.right, t.partial, t.ambiguous, t.ambiguous_elsewhere, t.orphaned, t.wrong
        );
        for w in wrong {
            println!("  wrong: {w}");
        }
    };
    report(
        "paragraph added at the edge",
        tally(paragraph_added_at_the_edge(), cases),
    );
    report("sentences reordered", tally(sentences_reordered(), cases));
    report(
        "sentence inserted beside",
        tally(sentence_inserted_beside(), cases),
    );
    report("moved paragraph", tally(moved_paragraph(), cases));
    report("deleted sentence", tally(deleted_sentence(), cases));
}
