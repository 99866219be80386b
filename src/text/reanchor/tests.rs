//! Examples of re-anchoring: the cases from the original issue, edits around and inside the
//! quote, sizes and places, and inputs that must not panic.

use super::*;
use crate::text::tests_support::{r1, R1_PARAGRAPHS};
use crate::text::{canonical_from_text, cp_slice, quote_at};

pub(super) fn prior(text: &str, start: usize, end: usize) -> PriorAnchor {
    PriorAnchor {
        start,
        end,
        quote: quote_at(text, start, end),
    }
}

pub(super) fn reanchor(old: &str, new: &str, start: usize, end: usize) -> Reanchored {
    RevisionChange::new(old, new).reanchor(&prior(old, start, end))
}

pub(super) fn span_of(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).expect("needle in text");
    let start = text[..byte].chars().count();
    (start, start + needle.chars().count())
}

pub(super) fn paragraphs(ps: &[&str]) -> String {
    ps.join("\n\n")
}

pub(super) fn assert_at(result: &Reanchored, status: AnchorStatus, start: usize, end: usize) {
    assert_eq!(result.status, status, "{result:?}");
    assert_eq!(
        (result.start, result.end),
        (Some(start), Some(end)),
        "{result:?}"
    );
}

#[test]
fn a_deleted_sentence_does_not_move_to_the_next_with_the_same_opening() {
    let old = "Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.";
    let new = "Whitcomb said the bond would not raise taxes.";
    for (start, end) in [(0, 13), (0, 32), (0, 49)] {
        let result = reanchor(old, new, start, end);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
    }
    // The surviving sentence keeps its anchor.
    let result = reanchor(old, new, 49, 94);
    assert_at(&result, AnchorStatus::Anchored, 0, 45);
    assert_eq!(result.method, AnchorMethod::Diff);
}

#[test]
fn a_sentence_deleted_mid_paragraph_does_not_move_to_the_next_with_the_same_opening() {
    let old = "Repairs are expected to take 18 months. The city council voted 6-3 to approve. The city council voted 5-4 to delay.";
    let new = "Repairs are expected to take 18 months. The city council voted 5-4 to delay.";
    let deleted = "The city council voted 6-3 to approve.";
    let (s, _) = span_of(old, deleted);
    for quote in ["The city council voted", "city council", deleted] {
        let (start, end) = span_of(&old[old.find(deleted).unwrap()..], quote);
        let result = reanchor(old, new, s + start, s + end);
        assert_eq!(
            result.status,
            AnchorStatus::Orphaned,
            "{quote:?}: {result:?}"
        );
    }
    // The surviving sentences keep their anchors, whole.
    let (s, e) = span_of(old, "The city council voted 5-4 to delay.");
    let result = reanchor(old, new, s, e);
    assert_at(&result, AnchorStatus::Anchored, 40, 76);
    assert_eq!(result.method, AnchorMethod::Diff);
    let result = reanchor(old, new, 0, 39);
    assert_at(&result, AnchorStatus::Anchored, 0, 39);
}

#[test]
fn a_sentence_deleted_between_two_with_the_same_ending_moves_no_other_quote() {
    let old = "\"We need the money,\" Ortega said. Ortega said it was fine. \"We can wait,\" Ortega said.";
    let new = "\"We need the money,\" Ortega said. \"We can wait,\" Ortega said.";
    // The deleted sentence's words are gone, not moved onto a neighbour's.
    let (s, e) = span_of(old, "Ortega said it was fine.");
    for (start, end) in [(s, e), (s, s + 11), (s, s + 6)] {
        let result = reanchor(old, new, start, end);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
    }
    // The neighbours' own "Ortega said." stay where they were.
    let (s, e) = span_of(old, "Ortega said.");
    let result = reanchor(old, new, s, e);
    assert_at(&result, AnchorStatus::Anchored, s, e);
    assert_eq!(result.method, AnchorMethod::Diff);
    let result = reanchor(old, new, 0, e);
    assert_at(&result, AnchorStatus::Anchored, 0, e);
    let (s, e) = (old.len() - 12, old.len());
    let result = reanchor(old, new, s, e);
    assert_at(&result, AnchorStatus::Anchored, new.len() - 12, new.len());
    assert_eq!(result.method, AnchorMethod::Diff);
    let (s, e) = span_of(old, "\"We can wait,\" Ortega said.");
    let result = reanchor(old, new, s, e);
    assert_at(&result, AnchorStatus::Anchored, s - 25, e - 25);
}

#[test]
fn a_diff_shift_that_would_cut_a_lengthened_word_drifts_to_the_whole_word() {
    let old = r1();
    let new = old.replace("Dana Whitcomb", "Dana Whitcombe");
    let result = reanchor(&old, &new, 179, 187);
    assert_at(&result, AnchorStatus::Drifted, 179, 188);
    assert_eq!(result.now_reads.as_deref(), Some("Whitcombe"));
    // A quote that itself cut the word may still be shifted.
    let result = reanchor(&old, &new, 179, 185);
    assert_at(&result, AnchorStatus::Anchored, 179, 185);
    assert_eq!(result.method, AnchorMethod::Diff);
}

// ----- The examples from the issue -----

#[test]
fn r1_is_793_code_points() {
    let text = r1();
    assert_eq!(crate::text::cp_len(&text), 793);
    assert_ne!(text.len(), 793, "byte offsets differ after the em dash");
    assert_eq!(cp_slice(&text, 497, 526), "roughly 14,000 vehicles a day");
}

#[test]
fn example_paragraph_inserted_before_shifts_the_anchor() {
    let old = r1();
    let p = R1_PARAGRAPHS;
    let inserted = "The bond will be repaid over 20 years through a property tax levy approved by voters in 2019.";
    let new = paragraphs(&[p[0], inserted, p[1], p[2], p[3], p[4], p[5]]);
    let result = reanchor(&old, &new, 497, 526);
    assert_at(&result, AnchorStatus::Anchored, 592, 621);
    assert_eq!(result.method, AnchorMethod::Diff);
    assert_eq!(result.score, 1.0);
    assert_eq!(
        result.now_reads.as_deref(),
        Some("roughly 14,000 vehicles a day")
    );
}

#[test]
fn example_typo_fixed_before_the_quote_shifts_it_by_one() {
    let old = r1();
    let new = old.replace("Tusday", "Tuesday");
    let result = reanchor(&old, &new, 50, 79);
    assert_at(&result, AnchorStatus::Anchored, 51, 80);
    assert_eq!(result.method, AnchorMethod::Diff);
}

#[test]
fn example_renamed_person_orphans_instead_of_jumping() {
    let old = r1();
    let new = old.replace("Luis Ortega", "Luis Ortiz");
    assert!(new.contains("Ortega said"));
    let result = reanchor(&old, &new, 312, 318);
    assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
    assert_eq!(result.method, AnchorMethod::None);
    assert_eq!((result.start, result.end), (None, None));
    assert_eq!(result.now_reads.as_deref(), Some("Ortiz"));
}

#[test]
fn example_moved_paragraph_is_followed() {
    let old = r1();
    let p = R1_PARAGRAPHS;
    let new = paragraphs(&[p[0], p[3], p[1], p[2], p[4], p[5]]);
    let result = reanchor(&old, &new, 478, 587);
    assert_at(&result, AnchorStatus::Anchored, 168, 277);
    // Found by the search (d): a whole paragraph whose edges are paragraph edges again.
    assert_eq!(result.method, AnchorMethod::Fuzzy);
}

#[test]
fn a_moved_and_edited_paragraph_drifts_with_it() {
    let old = r1();
    let p = R1_PARAGRAPHS;
    let edited = p[3].replace("2022", "2021");
    let new = paragraphs(&[p[0], &edited, p[1], p[2], p[4], p[5]]);
    let result = reanchor(&old, &new, 478, 587);
    assert_at(&result, AnchorStatus::Drifted, 168, 277);
}

#[test]
fn example_whitespace_only_changes_keep_the_offsets() {
    let p = R1_PARAGRAPHS;
    let old = canonical_from_text(&p.join("\n\n"));
    let messy = p
        .iter()
        .map(|para| {
            para.replace(" the ", "  the\u{a0}")
                .replace("Street ", "Street\n")
        })
        .collect::<Vec<_>>()
        .join("\n \n\n");
    let new = canonical_from_text(&messy);
    assert_eq!(old, new);
    let result = reanchor(&old, &new, 99, 120);
    assert_at(&result, AnchorStatus::Anchored, 99, 120);
    assert_eq!(result.method, AnchorMethod::Unchanged);
}

// ----- Edits around the quote -----

#[test]
fn edits_before_and_after_the_quote_shift_it() {
    let old = r1();
    let (s, e) = span_of(&old, "a public hearing");
    let new = old
        .replace("HARBORVIEW", "HARBORVIEW, Ore.")
        .replace("May 7.", "May 7 at City Hall.");
    let result = reanchor(&old, &new, s, e);
    let (ns, ne) = span_of(&new, "a public hearing");
    assert_at(&result, AnchorStatus::Anchored, ns, ne);
    assert_eq!(result.method, AnchorMethod::Diff);
}

#[test]
fn a_word_changed_inside_a_long_quote_drifts_at_the_right_words() {
    let old = r1();
    let quote =
        "During that time, the bridge will remain open to passanger cars but closed to trucks.";
    let (s, e) = span_of(&old, quote);
    let new = old.replace("will remain open", "will stay open");
    let result = reanchor(&old, &new, s, e);
    let (ns, ne) = span_of(
        &new,
        "During that time, the bridge will stay open to passanger cars but closed to trucks.",
    );
    assert_at(&result, AnchorStatus::Drifted, ns, ne);
    assert_eq!(result.method, AnchorMethod::Fuzzy);
    assert!(result.score >= 0.75 && result.score < 1.0);
}

#[test]
fn a_fixed_typo_inside_the_quote_drifts() {
    let old = r1();
    let (s, e) = span_of(&old, "open to passanger cars");
    let new = old.replace("passanger", "passenger");
    let result = reanchor(&old, &new, s, e);
    assert_at(&result, AnchorStatus::Drifted, s, e);
    assert_eq!(result.now_reads.as_deref(), Some("open to passenger cars"));
}

#[test]
fn typographic_changes_inside_the_quote_stay_anchored() {
    let old = r1();
    let quote = "called the vote \"a long-overdue investment\"";
    let (s, e) = span_of(&old, quote);
    let new = old.replace(
        quote,
        "called the vote \u{201C}a long\u{2010}overdue investment\u{201D}",
    );
    let result = reanchor(&old, &new, s, e);
    assert_at(&result, AnchorStatus::Anchored, s, e);
    // The diff compares folded text, where nothing changed.
    assert_eq!(result.method, AnchorMethod::Diff);
}

#[test]
fn a_rewritten_sentence_orphans_with_what_it_now_reads() {
    let old = r1();
    let quote = "Repairs are expected to take 18 months.";
    let (s, e) = span_of(&old, quote);
    let new = old.replace(quote, "Work should wrap up by late next year.");
    let result = reanchor(&old, &new, s, e);
    assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
    assert_eq!(
        result.now_reads.as_deref(),
        Some("Work should wrap up by late next year.")
    );
}

#[test]
fn a_deleted_paragraph_orphans_with_nothing_left() {
    let old = r1();
    let p = R1_PARAGRAPHS;
    let new = paragraphs(&[p[0], p[1], p[3], p[4], p[5]]);
    for quote in ["Ortega", "matching funds from the state", p[2]] {
        let (s, e) = span_of(&old, quote);
        let result = reanchor(&old, &new, s, e);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{quote}: {result:?}");
        assert_eq!(result.now_reads.as_deref(), Some(""), "{quote}");
    }
}

#[test]
fn a_repeated_phrase_never_jumps_to_the_other_occurrence() {
    let old = r1();
    // "closed to trucks" is in P1 and P5; P5's is quoted and then rewritten.
    let (s, e) = span_of(&old, "but closed to trucks");
    let (s, e) = (s + 4, e);
    assert_eq!(cp_slice(&old, s, e), "closed to trucks");
    let new = old.replace("but closed to trucks.", "but closed to heavy lorries.");
    let result = reanchor(&old, &new, s, e);
    assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
    assert_eq!(result.now_reads.as_deref(), Some("closed to heavy lorries"));
    // Deleting P5 altogether: still an orphan, never P1's phrase.
    let p = R1_PARAGRAPHS;
    let new = paragraphs(&[p[0], p[1], p[2], p[3], p[5]]);
    let result = reanchor(&old, &new, s, e);
    assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
    assert_eq!(result.now_reads.as_deref(), Some(""));
}

#[test]
fn a_repeated_phrase_follows_its_context() {
    let old = paragraphs(&[
        "The mayor said the plan was sound. Critics disagreed.",
        "Later the mayor said the plan was sound, again.",
    ]);
    let (s, e) = span_of(&old, "Critics disagreed.");
    let (s, e) = (s - 20, e);
    assert_eq!(
        cp_slice(&old, s, e),
        "the plan was sound. Critics disagreed."
    );
    // The quoted sentence changes slightly; the other occurrence of "the plan was sound" is
    // unchanged elsewhere.
    let new = old.replace("Critics disagreed.", "Critics strongly disagreed.");
    let result = reanchor(&old, &new, s, e);
    let (ns, ne) = span_of(&new, "the plan was sound. Critics strongly disagreed.");
    assert_at(&result, AnchorStatus::Drifted, ns, ne);
}

#[test]
fn two_equal_new_homes_are_ambiguous() {
    let filler = "Unrelated opening paragraph about the weather and the tides.";
    let old = paragraphs(&[
        filler,
        "The council approved the budget on Monday after a long debate.",
        "Closing paragraph with other news.",
    ]);
    let (s, e) = span_of(&old, "approved the budget on Monday");
    let new = paragraphs(&[
        filler,
        "The council approved the budget on Tuesday after a long debate.",
        "The council approved the budget on Tuesday after a long debate.",
        "Closing paragraph with other news.",
    ]);
    let result = reanchor(&old, &new, s, e);
    assert_eq!(result.status, AnchorStatus::Ambiguous, "{result:?}");
    assert_eq!(result.candidates.len(), 2);
    let first = span_of(&new, "approved the budget on Tuesday");
    assert_eq!((result.start, result.end), (Some(first.0), Some(first.1)));
    assert_eq!(result.candidates[0].start, first.0);
    assert!(result.candidates[1].start > first.1);
    assert!(result.candidates[0].score - result.candidates[1].score <= 0.01);
}

#[test]
fn a_short_quote_among_hundreds_of_copies_is_still_found() {
    let mut ps = vec!["The council met."; 300];
    ps.push("Finally the council voted.");
    let old = paragraphs(&ps);
    let (s, e) = span_of(&old, "the council voted");
    let (s, e) = (s + 4, e - 6);
    assert_eq!(cp_slice(&old, s, e), "council");
    let new = old.replace("the council voted", "the Council voted");
    let result = reanchor(&old, &new, s, e);
    assert_at(&result, AnchorStatus::Drifted, s, e);
    // Deleted instead: hundreds of exact copies elsewhere, and still no jump.
    let new = old.replace("Finally the council voted.", "Finally a vote.");
    let result = reanchor(&old, &new, s, e);
    assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
}

#[test]
fn a_quote_that_cut_a_word_keeps_that_end() {
    let old = r1();
    // The reader selected from the middle of "bridge".
    let (s, e) = span_of(&old, "ridge will remain open to passanger cars");
    let new = old.replace("passanger", "passenger");
    let result = reanchor(&old, &new, s, e);
    assert_at(&result, AnchorStatus::Drifted, s, e);
    assert_eq!(
        result.now_reads.as_deref(),
        Some("ridge will remain open to passenger cars")
    );
}

// ----- Sizes and places -----

#[test]
fn a_one_word_quote() {
    let old = r1();
    let (s, e) = span_of(&old, "Whitcomb");
    let new = old.replace("next spring", "next summer");
    assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, s, e);
    let new = old.replace("Mayor Dana Whitcomb", "Mayor Dana Whitcom");
    let result = reanchor(&old, &new, s, e);
    assert_at(&result, AnchorStatus::Drifted, s, e - 1);
}

#[test]
fn a_three_paragraph_quote() {
    let old = r1();
    let p = R1_PARAGRAPHS;
    let quote = paragraphs(&[p[1], p[2], p[3]]);
    let (s, e) = span_of(&old, &quote);
    let new = old.replace("Tusday", "Tuesday");
    assert_at(
        &reanchor(&old, &new, s, e),
        AnchorStatus::Anchored,
        s + 1,
        e + 1,
    );
    // An edit inside the middle paragraph: the same three paragraphs, drifted.
    let new = old.replace("had not secured", "has yet to secure");
    let result = reanchor(&old, &new, s, e);
    let new_quote = quote.replace("had not secured", "has yet to secure");
    let (ns, ne) = span_of(&new, &new_quote);
    assert_at(&result, AnchorStatus::Drifted, ns, ne);
}

#[test]
fn quotes_at_the_very_start_and_end_of_the_text() {
    let old = r1();
    let (s, e) = span_of(&old, "HARBORVIEW");
    assert_eq!(s, 0);
    let new = old.replace("HARBORVIEW", "HARBOURVIEW");
    assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Drifted, 0, 11);
    let new = format!("Editor's note: updated.\n\n{old}");
    assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, 25, 35);

    let (s, e) = span_of(&old, "on May 7.");
    assert_eq!(e, 793);
    let new = old.replace("May 7.", "May 8.");
    let result = reanchor(&old, &new, s, e);
    assert_at(&result, AnchorStatus::Drifted, s, e);
    let new = format!("{old}\n\nThis story has been updated.");
    assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, s, e);
}

#[test]
fn non_latin_scripts_and_emoji() {
    let old = paragraphs(&[
        "Η Βουλή ενέκρινε τον προϋπολογισμό με 160 ψήφους την Τρίτη.",
        "東京都議会は火曜日に予算案を可決した。反対は十二票だった。",
        "وافق المجلس على الميزانية يوم الثلاثاء بأغلبية كبيرة 🎉 بعد نقاش طويل.",
    ]);
    let new = old
        .replace("160", "162")
        .replace("十二票", "十三票")
        .replace("يوم الثلاثاء", "يوم الأربعاء");
    for (quote, new_quote, status) in [
        (
            "ενέκρινε τον προϋπολογισμό",
            "ενέκρινε τον προϋπολογισμό",
            AnchorStatus::Anchored,
        ),
        (
            "με 160 ψήφους την Τρίτη",
            "με 162 ψήφους την Τρίτη",
            AnchorStatus::Drifted,
        ),
        (
            "予算案を可決した",
            "予算案を可決した",
            AnchorStatus::Anchored,
        ),
        (
            "反対は十二票だった",
            "反対は十三票だった",
            AnchorStatus::Drifted,
        ),
        (
            "بأغلبية كبيرة 🎉 بعد نقاش",
            "بأغلبية كبيرة 🎉 بعد نقاش",
            AnchorStatus::Anchored,
        ),
    ] {
        let (s, e) = span_of(&old, quote);
        let (ns, ne) = span_of(&new, new_quote);
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, status, ns, ne);
        assert_eq!(result.now_reads.as_deref(), Some(new_quote));
    }
}

#[test]
fn emoji_before_the_quote_count_as_one_code_point() {
    let old = "Fans cheered 🎉🎉 as the team won the final on Sunday.";
    let new = "Fans cheered 🎉🎉🎉 as the team won the final on Sunday.";
    let (s, e) = span_of(old, "won the final");
    assert_eq!(s, 28);
    assert_at(&reanchor(old, new, s, e), AnchorStatus::Anchored, 29, 42);
}

// ----- Robustness -----

#[test]
fn offsets_that_do_not_fit_the_old_text_fall_back_to_the_quote() {
    let old = r1();
    let mut stale = prior(&old, 497, 526);
    stale.start = 5_000;
    stale.end = 5_029;
    let result = RevisionChange::new(&old, &old).reanchor(&stale);
    assert_at(&result, AnchorStatus::Anchored, 497, 526);
    assert_eq!(result.method, AnchorMethod::Fuzzy);
}

#[test]
fn empty_quotes_and_texts_do_not_panic() {
    let old = r1();
    let empty = PriorAnchor {
        start: 10,
        end: 10,
        quote: quote_at(&old, 10, 10),
    };
    let change = RevisionChange::new(&old, "");
    let result = change.reanchor(&empty);
    assert_eq!(result.status, AnchorStatus::Orphaned);
    let result = change.reanchor(&prior(&old, 497, 526));
    assert_eq!(result.status, AnchorStatus::Orphaned);
    assert_eq!(result.now_reads.as_deref(), Some(""));
    let result = RevisionChange::new("", &old).reanchor(&prior("", 0, 0));
    assert_eq!(result.status, AnchorStatus::Orphaned);
    let reversed = PriorAnchor {
        start: 30,
        end: 20,
        quote: quote_at(&old, 20, 30),
    };
    let _ = RevisionChange::new(&old, &old.replace("Tusday", "Tuesday")).reanchor(&reversed);
}

#[test]
fn status_and_method_names_round_trip() {
    for status in [
        AnchorStatus::Anchored,
        AnchorStatus::Drifted,
        AnchorStatus::Corrected,
        AnchorStatus::Ambiguous,
        AnchorStatus::Orphaned,
    ] {
        assert_eq!(AnchorStatus::parse(status.as_str()), Some(status));
    }
    for method in [
        AnchorMethod::Intake,
        AnchorMethod::Unchanged,
        AnchorMethod::Diff,
        AnchorMethod::Fuzzy,
        AnchorMethod::Moved,
        AnchorMethod::Manual,
        AnchorMethod::None,
    ] {
        assert_eq!(AnchorMethod::parse(method.as_str()), Some(method));
    }
    assert_eq!(AnchorStatus::parse("lost"), None);
    assert_eq!(AnchorMethod::parse(""), None);
}

/// A paragraph moves to the end and a new paragraph takes its place: the character diff may
/// line up a common word of the moved paragraph ("the", "said") with one in the newcomer.
/// Every such word follows its paragraph, anchored on its own words there: never left in the
/// newcomer, and not orphaned either, since its paragraph's context came along.
#[test]
fn common_words_of_a_moved_paragraph_do_not_stay_in_its_replacement() {
    let others = [
        "HARBORVIEW \u{2014} The city council voted 6-3 on Tusday to approve a $48 million bond.",
        "The council will hold a public hearing on the construction schedule on May 7.",
    ];
    let moved = [
        "Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.",
        "Police said the suspect, a 34-year-old man, was arrested Tuesday near the bridge.",
        "Ortega said the city had not asked the state for help with the repairs.",
        "Residents of the east side have complained for years about detours around the bridge.",
    ];
    let newcomers = [
        "A spokesperson for the state transportation department did not respond to a request for comment.",
        "The school board, meeting the same night, approved a new calendar for the fall semester.",
        "Traffic engineers said the detour would add about ten minutes to most commutes.",
    ];
    let mut checked = 0;
    for p in moved {
        for n in newcomers {
            let old = paragraphs(&[others[0], p, others[1]]);
            let new = paragraphs(&[others[0], n, others[1], p]);
            let p_old = old.find(p).map(|b| old[..b].chars().count()).unwrap_or(0);
            let p_new = new.rfind(p).map(|b| new[..b].chars().count()).unwrap_or(0);
            let mut at = 0;
            for word in p.split(' ') {
                let len = word.chars().count();
                if matches!(word, "the" | "said" | "a" | "for") {
                    let result = reanchor(&old, &new, p_old + at, p_old + at + len);
                    assert_at(
                        &result,
                        AnchorStatus::Anchored,
                        p_new + at,
                        p_new + at + len,
                    );
                    assert_eq!(result.now_reads.as_deref(), Some(word));
                    checked += 1;
                }
                at += len + 1;
            }
        }
    }
    assert_eq!(checked, 54);
}

// ----- Round two: notes added at the edge, sentences moved or given neighbours -----

/// A lede of 273 code points.
const LEDE: &str = "HARBORVIEW \u{2014} The city council voted 6-3 on Tuesday to approve a $48 million bond for repairs to the Kessler Street bridge, which has been closed to trucks since March, after a three-hour debate in which residents of the east side described years of detours around the span.";

#[test]
fn an_editors_note_above_the_lede_is_beside_it_not_inside_it() {
    let p = R1_PARAGRAPHS;
    let old = paragraphs(&[LEDE, p[1], p[2]]);
    let lede = crate::text::cp_len(LEDE);
    assert_eq!(lede, 273);
    let note =
        "Editor's note: This article has been updated to correct the vote count in the lede.";
    let shift = crate::text::cp_len(note) + 2;
    // The whole lede, its first sentence's opening, and the whole text's first words.
    for (s, e) in [(0, lede), (0, 10), (0, 60)] {
        let new = format!("{note}\n\n{old}");
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Anchored, s + shift, e + shift);
        // With a heading line above the note, and with the lede's own words edited.
        let new = format!("Editor's note\n\n{note}\n\n{}", old.replace("6-3", "7-2"));
        let result = reanchor(&old, &new, s, e);
        let heading = crate::text::cp_len("Editor's note") + 2;
        assert!(
            result.start.is_some_and(|start| start >= shift + heading),
            "{result:?}"
        );
    }
}

#[test]
fn a_line_added_below_the_last_paragraph_is_beside_it_not_inside_it() {
    let old = r1();
    let p = R1_PARAGRAPHS;
    let (s, e) = span_of(&old, p[5]);
    assert_eq!(e, crate::text::cp_len(&old));
    for added in [
        "This story has been updated.",
        "Correction\n\nAn earlier version of this article gave the wrong date for the hearing.",
    ] {
        let new = format!("{old}\n\n{added}");
        assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, s, e);
        let edited = new.replace("May 7.", "May 8.");
        let result = reanchor(&old, &edited, s, e);
        assert_at(&result, AnchorStatus::Drifted, s, e);
    }
}

#[test]
fn a_span_never_takes_in_a_paragraph_the_new_revision_added_beside_it() {
    // The diff shift is refused (the lede's words changed) and the search's widest candidate
    // would run from the text's start through the note.
    let p = R1_PARAGRAPHS;
    let old = paragraphs(&[LEDE, p[1]]);
    let lede = crate::text::cp_len(LEDE);
    let note = "Editor's note: updated.";
    let new = format!("{note}\n\n{}", old.replace("three-hour", "four-hour"));
    let result = reanchor(&old, &new, 0, lede);
    let shift = crate::text::cp_len(note) + 2;
    // "four-hour" is one code point shorter than "three-hour".
    assert_at(&result, AnchorStatus::Drifted, shift, lede - 1 + shift);
    // A quote that spanned a paragraph break may take in a short paragraph added at that
    // break: it is inside the old quote's edges.
    let (s, e) = span_of(&old, "the span.\n\nMayor Dana Whitcomb called the vote");
    let new = old.replace("the span.\n\nMayor", "the span.\n\n(AP)\n\nMayor");
    let result = reanchor(&old, &new, s, e);
    assert_at(&result, AnchorStatus::Drifted, s, e + 6);
}

#[test]
fn only_a_break_added_at_or_beyond_the_quotes_edges_is_refused() {
    let old = "The lede.\n\nMayor Whitcomb spoke.";
    let lede = 0..9;
    let new = "Editor's note.\n\nThe lede.\n\nMayor Whitcomb spoke.\n\nMore.";
    let change = RevisionChange::new(old, new);
    // The note's break, before the old quote's start; the last one, after its end.
    assert!(change.takes_in_inserted_break(&(0..25), &lede));
    assert!(change.takes_in_inserted_break(&(16..55), &(11..32)));
    // The lede alone; a break the old text had (unchanged, so for the other rules to judge).
    assert!(!change.takes_in_inserted_break(&(16..25), &lede));
    assert!(!change.takes_in_inserted_break(&(16..48), &(0..32)));
    // A break added inside a quote that spanned the paragraph break.
    let new = "The lede.\n\n(AP)\n\nMayor Whitcomb spoke.";
    let change = RevisionChange::new(old, new);
    assert!(!change.takes_in_inserted_break(&(0..38), &(0..32)));
}

#[test]
fn a_sentence_moved_within_its_paragraph_is_anchored_where_it_went() {
    let p = R1_PARAGRAPHS;
    let moved = "During that time, the bridge will remain open to passanger cars but closed to trucks. Repairs are expected to take 18 months.";
    let old = paragraphs(&[p[3], p[4], p[5]]);
    let new = paragraphs(&[p[3], moved, p[5]]);
    for quote in [
        "Repairs are expected to take 18 months.",
        "take 18 months",
        "Repairs",
    ] {
        let (s, e) = span_of(&old, quote);
        let (ns, ne) = span_of(&new, quote);
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Anchored, ns, ne);
        assert_eq!(result.now_reads.as_deref(), Some(quote));
    }
}

#[test]
fn a_sentence_inserted_beside_the_quote_does_not_move_or_orphan_it() {
    let p = R1_PARAGRAPHS;
    let old = paragraphs(&[p[0], p[5]]);
    let (s, e) = span_of(&old, p[5]);
    // A label and the quote's own words after it: the label's copy is not a sentence of its own.
    for new in [
        paragraphs(&[
            p[0],
            &format!(
                "Update: {}. {}",
                "The hearing will be held at City Hall", p[5]
            ),
        ]),
        paragraphs(&[p[0], &format!("{} Update: {}", p[5], p[5])]),
    ] {
        let (ns, ne) = span_of(&new, p[5]);
        assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, ns, ne);
    }
}

#[test]
fn a_common_word_of_a_paragraph_moved_below_its_look_alike_follows_it() {
    // Both paragraphs end "the bridge."; the diff lines up the moved one's "the" with the other's.
    let p = [
        "Mayor Dana Whitcomb called the vote \"a long-overdue investment\" and said construction could begin as early as next spring.",
        "Police said the suspect, a 34-year-old man, was arrested Tuesday near the bridge.",
        "Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.",
    ];
    let old = paragraphs(&[p[0], p[1], p[2]]);
    let new = paragraphs(&[p[0], p[2], p[1]]);
    let (s, e) = span_of(&old, "the bridge.");
    let (ns, ne) = span_of(&new, "near the bridge.");
    let result = reanchor(&old, &new, s, s + 3);
    assert_at(&result, AnchorStatus::Anchored, ns + 5, ns + 8);
    assert_eq!(ne - ns, 5 + e - s);
}
