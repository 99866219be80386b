//! Tests of the diffs: the word diff, the alignment and the sliding of edits onto boundaries.

use super::slide::*;
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
