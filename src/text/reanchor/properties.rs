//! Properties of re-anchoring over generated articles and edits: edits away from a quote never
//! move it, a replaced or deleted quote never lands on other words, a moved paragraph is followed
//! or orphaned, a paragraph added at the text's edge stays outside a quote there, a sentence moved
//! within its paragraph or given a new neighbour is followed, and the answers do not depend on
//! the machine's load. The generated cases are in [`super::cases`].

use proptest::prelude::*;

use super::cases::{self, Verdict, SENTENCES};
use super::tests::{prior, reanchor};
use super::*;
use crate::text::cp_slice;
use crate::text::diff::DIFF_WORK;

// ----- Property: edits away from the quote never move it to other words -----

const WORDS: &[&str] = &[
    "the",
    "council",
    "voted",
    "bridge",
    "city",
    "mayor",
    "said",
    "on",
    "a",
    "to",
    "of",
    "budget",
    "repairs",
    "Tuesday",
    "roughly",
    "vehicles",
    "café",
    "naïve",
    "Ωμέγα",
    "東京",
    "🎉",
    "—",
    "\"quoted\"",
    "42",
    "it's",
    "state.",
    "funds,",
    "and",
];

fn text_from(words: &[Vec<usize>]) -> String {
    words
        .iter()
        .map(|p| p.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Applies an edit (insert, delete or replace, at a relative position) to `part`.
fn edit(part: &str, kind: u8, at: f64, len: usize, insert: &[usize]) -> String {
    let chars: Vec<char> = part.chars().collect();
    let at = ((chars.len() as f64) * at) as usize;
    let end = (at + len).min(chars.len());
    let inserted: String = insert.iter().map(|&w| format!("{} ", WORDS[w])).collect();
    let (keep_from, text) = match kind % 3 {
        0 => (at, inserted),
        1 => (end, String::new()),
        _ => (end, inserted),
    };
    chars[..at].iter().collect::<String>() + &text + &chars[keep_from..].iter().collect::<String>()
}

proptest! {
    #![proptest_config(crate::text::tests_support::proptest_config())]
    #[test]
    fn edits_away_from_the_quote_keep_it(
        paras in prop::collection::vec(prop::collection::vec(0..WORDS.len(), 3..25), 2..7),
        pick in (0.0..1.0f64, 0.0..1.0f64, 1usize..8),
        edits in prop::collection::vec(
            (any::<bool>(), any::<u8>(), 0.0..1.0f64, 0usize..40,
             prop::collection::vec(0..WORDS.len(), 0..8)),
            1..4),
    ) {
        let old = text_from(&paras);
        // The quote: a run of whole words in one paragraph.
        let p = ((paras.len() as f64) * pick.0) as usize;
        let first = ((paras[p].len() as f64) * pick.1) as usize;
        let count = pick.2.min(paras[p].len() - first);
        let before = text_from(&paras[..p]);
        let para_start = if p == 0 { 0 } else { before.chars().count() + 2 };
        let words: Vec<&str> = paras[p].iter().map(|&w| WORDS[w]).collect();
        let lead: usize = words[..first].iter().map(|w| w.chars().count() + 1).sum();
        let quote_len = words[first..first + count].join(" ").chars().count();
        let (s, e) = (para_start + lead, para_start + lead + quote_len);
        let old_chars: Vec<char> = old.chars().collect();
        // Protected: the quote and its context.
        let guard_start = s.saturating_sub(CONTEXT_LEN + 1);
        let guard_end = (e + CONTEXT_LEN + 1).min(old_chars.len());
        let mut head: String = old_chars[..guard_start].iter().collect();
        let middle: String = old_chars[guard_start..guard_end].iter().collect();
        let mut tail: String = old_chars[guard_end..].iter().collect();
        // The start and end of the text are context too: a side that reaches them stays.
        let (head_free, tail_free) = (guard_start > 0, guard_end < old_chars.len());
        for (in_head, kind, at, len, insert) in &edits {
            if *in_head && head_free {
                head = edit(&head, *kind, *at, *len, insert);
            } else if !*in_head && tail_free {
                tail = edit(&tail, *kind, *at, *len, insert);
            }
        }
        let new = format!("{head}{middle}{tail}");
        let shift = head.chars().count() as isize - guard_start as isize;
        let (ns, ne) = ((s as isize + shift) as usize, (e as isize + shift) as usize);
        let result = reanchor(&old, &new, s, e);
        prop_assert_eq!(result.status, AnchorStatus::Anchored, "{:?}\nold: {:?}\nnew: {:?}\nquote {}..{} {:?}", result, old, new, s, e, cp_slice(&old, s, e));
        prop_assert_eq!((result.start, result.end), (Some(ns), Some(ne)), "{:?}\nold: {:?}\nnew: {:?}", result, old, new);
    }
}

proptest! {
    #![proptest_config(crate::text::tests_support::proptest_config())]
    /// A quote whose words are replaced by unrelated ones (or deleted) is orphaned with what
    /// replaced it, and never lands anywhere else, however often its words occur.
    #[test]
    fn a_replaced_quote_never_lands_elsewhere(
        paras in prop::collection::vec(prop::collection::vec(0usize..60, 3..25), 2..7),
        pick in (0.0..1.0f64, 0.0..1.0f64, 1usize..8),
        replacement in prop::collection::vec("[α-ω]{1,8}", 0..6),
    ) {
        let word = |n: &usize| format!("w{n}");
        let para_text: Vec<String> = paras
            .iter()
            .map(|p| p.iter().map(word).collect::<Vec<_>>().join(" "))
            .collect();
        let old = para_text.join("\n\n");
        let p = ((paras.len() as f64) * pick.0) as usize;
        let first = ((paras[p].len() as f64) * pick.1) as usize;
        let count = pick.2.min(paras[p].len() - first);
        let before: usize = para_text[..p].iter().map(|t| t.chars().count() + 2).sum();
        let lead: usize = paras[p][..first].iter().map(|w| word(w).len() + 1).sum();
        let quote: Vec<String> = paras[p][first..first + count].iter().map(word).collect();
        let (s, e) = (before + lead, before + lead + quote.join(" ").len());
        prop_assert_eq!(cp_slice(&old, s, e), quote.join(" "));
        let inserted = replacement.join(" ");
        let new = format!("{}{}{}", cp_slice(&old, 0, s), inserted, cp_slice(&old, e, usize::MAX));
        let result = reanchor(&old, &new, s, e);
        prop_assert_eq!(result.status, AnchorStatus::Orphaned, "{:?}\nold: {:?}\nnew: {:?}", result, old, new);
        let now_reads = result.now_reads.unwrap_or_default();
        prop_assert_eq!(now_reads.trim(), inserted.trim());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        ..crate::text::tests_support::proptest_config()
    })]
    /// Re-anchoring is a function of the two revisions alone: threads competing with busy
    /// loops for the processor all give the first answers, with the full diff budget and with
    /// budgets so small that the diff falls back to unique tokens.
    #[test]
    fn the_same_revisions_give_the_same_anchors_under_load(
        paras in prop::collection::vec(prop::collection::vec(0..WORDS.len(), 3..25), 2..7),
        edits in prop::collection::vec(
            (any::<u8>(), 0.0..1.0f64, 0usize..40, prop::collection::vec(0..WORDS.len(), 0..8)),
            1..4),
        spans in prop::collection::vec((0.0..1.0f64, 1usize..60), 1..6),
        work in prop::sample::select(vec![0u64, 60, 600, 6_000, DIFF_WORK]),
    ) {
        let old = text_from(&paras);
        let mut new = old.clone();
        for (kind, at, len, insert) in &edits {
            new = edit(&new, *kind, *at, *len, insert);
        }
        let len = old.chars().count();
        let priors: Vec<PriorAnchor> = spans
            .iter()
            .map(|&(at, n)| {
                let start = (len as f64 * at) as usize;
                prior(&old, start, (start + n).min(len))
            })
            .collect();
        let answers = || {
            let change = RevisionChange::with_diff_work(&old, &new, work);
            priors.iter().map(|p| change.reanchor(p)).collect::<Vec<_>>()
        };
        let first = answers();
        let stop = std::sync::atomic::AtomicBool::new(false);
        let again: Vec<Vec<Reanchored>> = std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    let mut spin = 0u64;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        spin = std::hint::black_box(spin.wrapping_add(1));
                    }
                });
            }
            let workers: Vec<_> = (0..3)
                .map(|_| scope.spawn(|| (0..4).map(|_| answers()).collect::<Vec<_>>()))
                .collect();
            let results = workers
                .into_iter()
                .flat_map(|w| w.join().expect("a worker finished"))
                .collect();
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            results
        });
        for answer in again {
            prop_assert_eq!(&answer, &first, "old: {:?}\nnew: {:?}", old, new);
        }
    }
}

proptest! {
    #![proptest_config(crate::text::tests_support::proptest_config())]
    /// Deleting the whole sentence that holds a quote never anchors the quote on other words,
    /// however many words the sentences beside it share with it: it is orphaned (or, at
    /// worst, ambiguous), even with a small edit elsewhere.
    #[test]
    fn deleting_the_quoted_sentence_never_anchors_elsewhere(case in cases::deleted_sentence()) {
        let result = case.run();
        prop_assert!(
            matches!(result.status, AnchorStatus::Orphaned | AnchorStatus::Ambiguous),
            "{}", case.explain(&result)
        );
    }

    /// A moved paragraph is followed or orphaned, never found elsewhere: also with a word of
    /// it edited outside the quote, and with a new paragraph written where it stood.
    #[test]
    fn a_moved_paragraph_is_followed_or_orphaned(case in cases::moved_paragraph()) {
        let result = case.run();
        prop_assert!(
            matches!(case.judge(&result), Verdict::Right | Verdict::Ambiguous | Verdict::Orphaned),
            "{}", case.explain(&result)
        );
    }

    /// Replacing one word in or beside a quote never puts the quote anywhere but on (part of)
    /// its own edited words: it follows them, or it is orphaned.
    #[test]
    fn replacing_a_word_near_the_quote_never_moves_it_elsewhere(
        order in Just((0..SENTENCES.len()).collect::<Vec<_>>()).prop_shuffle(),
        count in 3usize..9,
        pick in (0.0..1.0f64, 0usize..6, 0usize..7),
        replacement in prop::sample::select(vec!["12,000", "county", "Thursday", "argued", "$52", "residents"]),
    ) {
        let old = order[..count].iter().map(|&i| SENTENCES[i]).collect::<Vec<_>>().join(" ");
        let words: Vec<&str> = old.split(' ').collect();
        let a = (words.len() as f64 * pick.0) as usize;
        let b = (a + 1 + pick.1).min(words.len());
        // The word to replace: within three words of the quote, inside it or beside it.
        let t = (a.saturating_sub(3) + pick.2).min((b + 2).min(words.len() - 1));
        prop_assume!(words[t] != replacement);
        let start_of = |ws: &[String], i: usize| ws[..i].iter().map(|w| w.chars().count() + 1).sum::<usize>();
        let owned: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let (s, e) = (start_of(&owned, a), start_of(&owned, b) - 1);
        let mut edited = owned.clone();
        edited[t] = replacement.to_owned();
        let new = edited.join(" ");
        let (ns, ne) = (start_of(&edited, a), start_of(&edited, b) - 1);
        let result = reanchor(&old, &new, s, e);
        if result.status != AnchorStatus::Orphaned {
            let (gs, ge) = (result.start.unwrap_or(0), result.end.unwrap_or(0));
            prop_assert!(
                gs < ne && ns < ge,
                "{:?}: got {:?}, expected within {:?}\nold: {:?}\nnew: {:?}",
                result.status, cp_slice(&new, gs, ge), cp_slice(&new, ns, ne), old, new
            );
        }
    }
}

proptest! {
    #![proptest_config(crate::text::tests_support::proptest_config())]
    /// A paragraph of one to three sentences (with or without a heading-like line) added at the
    /// start or the end of a text whose quote starts or ends it sits beside the quote, never
    /// inside it: the quote's words, intact and found once, keep exactly their anchor.
    #[test]
    fn a_paragraph_added_at_the_edge_stays_outside_the_quote(
        case in cases::paragraph_added_at_the_edge(),
    ) {
        let result = case.run();
        prop_assert_eq!(case.judge(&result), Verdict::Right, "{}", case.explain(&result));
    }

    /// The sentences of the quoted paragraph put in another order: the quote, intact inside its
    /// own sentence, is followed there.
    #[test]
    fn a_sentence_moved_within_its_paragraph_is_followed(case in cases::sentences_reordered()) {
        let result = case.run();
        prop_assert_eq!(case.judge(&result), Verdict::Right, "{}", case.explain(&result));
    }

    /// A sentence inserted right before or after the quoted one, even one that repeats the
    /// quote's words after a label ("Update: ..."), neither moves the quote onto it nor orphans it.
    #[test]
    fn a_sentence_inserted_beside_the_quote_leaves_it_in_place(
        case in cases::sentence_inserted_beside(),
    ) {
        let result = case.run();
        prop_assert_eq!(case.judge(&result), Verdict::Right, "{}", case.explain(&result));
    }
}
