//! Intake: finding the passage a reader selected in the stored revision. The reader's page may
//! differ slightly from the stored canonical text (white space, curly quotes, a small edit
//! since), so the quote and its context are normalised the same way as the text, searched
//! exactly first and approximately after, and repeated phrases are told apart by their context.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::fold::{collapse_whitespace, fold, fold_chars, is_word_char};
use super::search::{accepted_passages, context_candidates, evaluate, quote_candidates, score};
use super::search::{Query, Scored, MIN_CONTEXT_SIMILARITY};
use super::selector::{quote_at, TextQuote, CONTEXT_LEN};

/// Why a quote could not be located.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocateError {
    /// The quote is empty or only white space.
    EmptyQuote,
    /// Nothing in the text matches the quote well enough.
    NotFound,
}

impl fmt::Display for LocateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LocateError::EmptyQuote => "the selected passage is empty",
            LocateError::NotFound => "the selected passage was not found in the article",
        })
    }
}

impl std::error::Error for LocateError {}

/// Where a reader's quote is in the canonical text.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub start: usize,
    pub end: usize,
    /// The selector computed from the canonical text at `[start, end)`.
    pub quote: TextQuote,
    pub score: f64,
    /// Found by exact (folded, white-space-insensitive) search rather than approximately.
    pub exact_match: bool,
}

/// Locates a reader's quote in canonical `text`. `prefix` and `suffix` are the text the browser
/// saw before and after the selection, if it sent any; they choose between repeated phrases
/// (with none, the first occurrence wins).
pub fn locate(
    text: &str,
    exact: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
) -> Result<Located, LocateError> {
    locate_prepared(&Prepared::new(text.to_owned()), exact, prefix, suffix)
}

/// A text made ready for locating quotes in it: folded and collapsed once, then searched for any
/// number of quotes (intake keeps the current revision's, `anchoring::prepared`).
pub struct Prepared {
    text: String,
    view: View,
}

impl Prepared {
    pub fn new(text: String) -> Prepared {
        let view = View::new(&text);
        Prepared { text, view }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// [`locate`] in a text prepared before: the same answer, without folding the text again.
pub fn locate_prepared(
    prepared: &Prepared,
    exact: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
) -> Result<Located, LocateError> {
    let answer = locate_in(&prepared.view, &prepared.text, exact, prefix, suffix);
    #[cfg(test)]
    crate::text::answers::record(
        "locate",
        (crate::text::answers::hash(prepared.text.chars()), 0),
        &(exact, prefix, suffix),
        &answer,
    );
    answer
}

fn locate_in(
    view: &View,
    text: &str,
    exact: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
) -> Result<Located, LocateError> {
    let quote: Vec<char> = normalise(exact).trim().chars().collect();
    if quote.is_empty() {
        return Err(LocateError::EmptyQuote);
    }
    // Only the context next to the quote matters, and no more of it than is stored.
    let prefix: Option<Vec<char>> = prefix.map(normalise).filter(|p| !p.is_empty()).map(|p| {
        let chars: Vec<char> = p.chars().collect();
        chars[chars.len().saturating_sub(CONTEXT_LEN)..].to_vec()
    });
    let suffix: Option<Vec<char>> = suffix
        .map(normalise)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(CONTEXT_LEN).collect());
    let mut query = Query::new(&quote, prefix.as_deref(), suffix.as_deref());
    // A selection that began or ended inside a word (the page's context goes on with letters)
    // keeps that end where it is found; elsewhere approximate matches snap to whole words.
    query.keep_start = matches!((prefix.as_deref().and_then(<[char]>::last), quote.first()),
        (Some(&a), Some(&b)) if is_word_char(a) && is_word_char(b));
    query.keep_end = matches!((quote.last(), suffix.as_deref().and_then(<[char]>::first)),
        (Some(&a), Some(&b)) if is_word_char(a) && is_word_char(b));

    // Among exact occurrences the best context wins; on a tie, one whose white space is also
    // the reader's (a space, not a paragraph break), then the first. The view already matches
    // the quote up to white space, and canonical text has single spaces and blank lines only, so
    // equal lengths mean equal white space.
    let literal_len = exact.nfc().collect::<String>().trim().chars().count();
    let literal = |hit: &Scored| {
        let (start, end) = view.original_span(hit);
        end - start == literal_len
    };
    // Occurrences the reader's context supports come first.
    let exact_hit = view
        .occurrences(&quote)
        .map(|start| score(&view.chars, &query, start, start + quote.len()))
        .reduce(|best, next| {
            let (sa, sb) = (supported(&query, &best), supported(&query, &next));
            if sa != sb {
                return if sb { next } else { best };
            }
            let (a, b) = (best.prefix + best.suffix, next.prefix + next.suffix);
            if b > a + 1e-12 || (b > a - 1e-12 && !literal(&best) && literal(&next)) {
                next
            } else {
                best
            }
        });
    if let Some(hit) = exact_hit {
        if (hit.prefix + hit.suffix) / 2.0 >= MIN_CONTEXT_SIMILARITY && supported(&query, &hit) {
            return Ok(view.located(text, hit, true));
        }
    }
    // No exact occurrence, or only ones whose context disagrees: look for an approximate one,
    // first from the quote itself, then between surviving pieces of context.
    let mut best = best_approximate(&view.chars, &query, quote_candidates(&view.chars, &query));
    if best.is_none() {
        best = best_approximate(&view.chars, &query, context_candidates(&view.chars, &query));
    }
    match (best, exact_hit) {
        (Some(found), _) => Ok(view.located(text, found, false)),
        // The reader's exact words are there and one side of their context agrees; the other
        // side may be text the page adds beside the paragraph (a caption, an advertisement).
        (None, Some(hit)) if supported(&query, &hit) => Ok(view.located(text, hit, true)),
        _ => Err(LocateError::NotFound),
    }
}

/// Whether the reader's context supports a candidate: with none sent, any candidate is
/// supported; otherwise at least one side that was sent must match (similarity at least
/// [`MIN_CONTEXT_SIMILARITY`]). A side that was not sent is no evidence either way, so it never
/// counts as a match: exact words whose every sent context disagrees are another passage.
fn supported(query: &Query, hit: &Scored) -> bool {
    let sides = [
        (query.prefix.is_some(), hit.prefix),
        (query.suffix.is_some(), hit.suffix),
    ];
    sides.iter().all(|&(sent, _)| !sent)
        || sides
            .iter()
            .any(|&(sent, similarity)| sent && similarity >= MIN_CONTEXT_SIMILARITY)
}

fn best_approximate(
    text: &[char],
    query: &Query,
    candidates: Vec<std::ops::Range<usize>>,
) -> Option<Scored> {
    let scored = candidates
        .into_iter()
        .map(|span| evaluate(text, query, span))
        .filter(|hit| supported(query, hit))
        .collect();
    // Best first; on a tie the earlier passage.
    accepted_passages(scored).into_iter().next()
}

/// NFC, folded, white space collapsed: the form both the text view and the reader's strings
/// take before comparison.
fn normalise(s: &str) -> String {
    collapse_whitespace(&fold(&s.nfc().collect::<String>()))
}

/// The canonical text folded with every white-space run (paragraph breaks included) collapsed to
/// one space, remembering where each character came from: a reader's selection across two
/// paragraphs has a newline or nothing where the stored text has a blank line.
struct View {
    chars: Vec<char>,
    /// `(view offset, characters dropped before it)` at each place where characters were dropped:
    /// few (one per paragraph break), so the map stays small.
    dropped: Vec<(usize, usize)>,
}

impl View {
    fn new(text: &str) -> Self {
        // Fold first, then collapse white space in place: two tight passes over the characters.
        let mut chars = fold_chars(text);
        let mut dropped: Vec<(usize, usize)> = Vec::new();
        let mut kept = 0;
        let mut in_space = false;
        for read in 0..chars.len() {
            let c = chars[read];
            if c.is_whitespace() {
                if in_space {
                    let total = read + 1 - kept;
                    match dropped.last_mut() {
                        Some(last) if last.0 == kept => last.1 = total,
                        _ => dropped.push((kept, total)),
                    }
                    continue;
                }
                in_space = true;
                chars[kept] = ' ';
            } else {
                in_space = false;
                chars[kept] = c;
            }
            kept += 1;
        }
        chars.truncate(kept);
        View { chars, dropped }
    }

    /// Offset in the canonical text of view offset `at`.
    fn origin(&self, at: usize) -> usize {
        let i = self.dropped.partition_point(|&(from, _)| from <= at);
        at + i.checked_sub(1).map_or(0, |i| self.dropped[i].1)
    }

    /// Starts of every exact occurrence of `needle`, overlapping ones included ("bridge bridge"
    /// occurs twice in "bridge bridge bridge").
    fn occurrences<'s>(&'s self, needle: &'s [char]) -> impl Iterator<Item = usize> + 's {
        let hay = &self.chars[..];
        let mut from = 0;
        std::iter::from_fn(move || {
            let first = *needle.first()?;
            while from + needle.len() <= hay.len() {
                let at = from
                    + hay[from..=hay.len() - needle.len()]
                        .iter()
                        .position(|&c| c == first)?;
                from = at + 1;
                if hay[at..at + needle.len()] == *needle {
                    return Some(at);
                }
            }
            None
        })
    }

    /// The span of the canonical text that view span `found` covers.
    fn original_span(&self, found: &Scored) -> (usize, usize) {
        // A candidate span is never empty, so `found.end - 1` is a character of the view.
        let start = self.origin(found.start);
        (start, self.origin(found.end.saturating_sub(1)) + 1)
    }

    /// The result for view span `found`, in code points of the canonical text.
    fn located(&self, text: &str, found: Scored, exact_match: bool) -> Located {
        let (start, end) = self.original_span(&found);
        Located {
            start,
            end,
            quote: quote_at(text, start, end),
            score: found.score,
            exact_match,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tests_support::{r1, R1_PARAGRAPHS};
    use crate::text::{cp_slice, utf16_to_cp};
    use proptest::prelude::*;

    #[test]
    fn locates_an_exact_quote() {
        let text = r1();
        let found = locate(&text, "roughly 14,000 vehicles a day", None, None).unwrap();
        assert_eq!((found.start, found.end), (497, 526));
        assert!(found.exact_match);
        assert_eq!(found.quote.exact, "roughly 14,000 vehicles a day");
        assert_eq!(found.quote.prefix, cp_slice(&text, 465, 497));
        assert_eq!(found.score, 1.0);
    }

    #[test]
    fn empty_and_missing_quotes() {
        let text = r1();
        assert_eq!(locate(&text, "", None, None), Err(LocateError::EmptyQuote));
        assert_eq!(
            locate(&text, " \n\u{a0} ", None, None),
            Err(LocateError::EmptyQuote)
        );
        assert_eq!(
            locate(&text, "the mayor resigned in disgrace", None, None),
            Err(LocateError::NotFound)
        );
        assert_eq!(
            locate("", "anything", None, None),
            Err(LocateError::NotFound)
        );
    }

    #[test]
    fn tolerates_whitespace_and_curly_quotes_from_the_page() {
        let text = r1();
        let found = locate(
            &text,
            "called the vote \u{201C}a long-overdue\n   investment\u{201D}",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            cp_slice(&text, found.start, found.end),
            "called the vote \"a long-overdue investment\""
        );
        assert!(found.exact_match);
    }

    #[test]
    fn a_selection_across_paragraphs_matches_the_blank_line() {
        let text = r1();
        let found = locate(
            &text,
            "closed to trucks since March.\nMayor Dana Whitcomb",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            cp_slice(&text, found.start, found.end),
            "closed to trucks since March.\n\nMayor Dana Whitcomb"
        );
        // Some pages give no separator at all between paragraphs: a small edit.
        let found = locate(&text, "since March.Mayor Dana Whitcomb", None, None).unwrap();
        assert_eq!(
            cp_slice(&text, found.start, found.end),
            "since March.\n\nMayor Dana Whitcomb"
        );
        assert!(!found.exact_match);
    }

    #[test]
    fn repeated_phrases_follow_the_context() {
        let text = r1();
        // "the bridge" occurs in P5 ("the bridge will remain") and, capitalised, in P4.
        let first = locate(&text, "closed to trucks", None, None).unwrap();
        assert_eq!(first.start, 137, "no context: the first occurrence");
        let second = locate(
            &text,
            "closed to trucks",
            Some("will remain open to passanger cars but "),
            Some("."),
        )
        .unwrap();
        assert_eq!(
            cp_slice(&text, second.start - 4, second.end),
            "but closed to trucks"
        );
        assert!(second.start > 600);
    }

    #[test]
    fn a_small_edit_on_the_readers_page_is_tolerated() {
        let text = r1();
        // The reader's page already had the typo fixed.
        let found = locate(
            &text,
            "The city council voted 6-3 on Tuesday",
            Some("HARBORVIEW — "),
            Some(" to approve a $48 million bond"),
        )
        .unwrap();
        assert_eq!((found.start, found.end), (13, 49));
        assert_eq!(found.quote.exact, "The city council voted 6-3 on Tusday");
        assert!(!found.exact_match);
        assert!(found.score >= 0.75);
    }

    #[test]
    fn a_different_passage_is_never_a_match() {
        let text = r1();
        // Similar shape, wrong words: quote similarity stays under 0.75.
        for quote in [
            "Ortiz",
            "The county board voted 5-4 on Monday",
            "roughly 41,000 trucks a week",
            "not in the article at all",
        ] {
            assert_eq!(
                locate(&text, quote, None, None),
                Err(LocateError::NotFound),
                "{quote}"
            );
        }
    }

    #[test]
    fn exact_words_whose_context_all_disagrees_are_another_passage() {
        // The reader's page still said "Luis Ortega"; the stored text now says "Luis Ortiz".
        // The later "Ortega said" has the exact words but neither side of the reader's context.
        let text = r1().replace("Luis Ortega", "Luis Ortiz");
        assert_eq!(
            locate(
                &text,
                "Ortega",
                Some("Council member Luis "),
                Some(", who voted against the measure")
            ),
            Err(LocateError::NotFound)
        );
        // One side sent and wrong: a side not sent is no evidence for the candidate.
        assert_eq!(
            locate(&text, "Ortega", Some("Council member Luis "), None),
            Err(LocateError::NotFound)
        );
        assert_eq!(
            locate(
                &text,
                "Ortega",
                None,
                Some(", who voted against the measure")
            ),
            Err(LocateError::NotFound)
        );
        // With no context at all, the exact words are taken.
        let found = locate(&text, "Ortega", None, None).unwrap();
        assert_eq!(cp_slice(&text, found.end, found.end + 5), " said");
    }

    #[test]
    fn context_that_differs_on_one_side_only_is_tolerated() {
        let text = r1();
        // The page showed a photo caption before the paragraph and an advertisement inside it:
        // the prefix is the caption's, the suffix half right.
        let (prefix, suffix) = (
            "Photo: Jane Roe for the Herald. ",
            " vehicles a day. ADVERTISEMENT",
        );
        let view = View::new(&text);
        let quote: Vec<char> = "roughly 14,000".chars().collect();
        let (p, s): (Vec<char>, Vec<char>) = (prefix.chars().collect(), suffix.chars().collect());
        let query = Query::new(&quote, Some(&p), Some(&s));
        let at = view.occurrences(&quote).next().unwrap();
        assert_eq!(view.origin(at), 497);
        let hit = score(&view.chars, &query, at, at + quote.len());
        assert!(
            (hit.prefix + hit.suffix) / 2.0 < MIN_CONTEXT_SIMILARITY && supported(&query, &hit),
            "the mean fails, one side holds: {hit:?}"
        );
        let found = locate(&text, "roughly 14,000", Some(prefix), Some(suffix)).unwrap();
        assert_eq!((found.start, found.end), (497, 511));
        assert!(found.exact_match);
        // Only one side sent, and right.
        let found = locate(&text, "roughly 14,000", None, Some(suffix)).unwrap();
        assert_eq!((found.start, found.end), (497, 511));
    }

    #[test]
    fn quotes_at_the_start_and_end_of_the_text() {
        let text = r1();
        let start = locate(&text, "HARBORVIEW", None, Some(" — The city council")).unwrap();
        assert_eq!((start.start, start.end), (0, 10));
        assert_eq!(start.quote.prefix, "");
        let end = locate(&text, "on May 7.", Some("the construction schedule "), None).unwrap();
        assert_eq!(end.end, 793);
        assert_eq!(end.quote.suffix, "");
    }

    #[test]
    fn offsets_are_code_points_in_other_scripts() {
        let text = "Η Αθήνα είναι η πρωτεύουσα.\n\n東京は日本の首都です。\n\nمرحبا بالعالم 😀 emoji 🎉 end";
        let found = locate(text, "日本の首都", None, None).unwrap();
        assert_eq!((found.start, found.end), (32, 37));
        let found = locate(text, "بالعالم 😀 emoji", None, None).unwrap();
        assert_eq!(cp_slice(text, found.start, found.end), "بالعالم 😀 emoji");
        // The browser reports UTF-16 offsets; the emoji counts two units there.
        let utf16_end: usize = text.chars().take(found.end).map(char::len_utf16).sum();
        assert_eq!(utf16_to_cp(text, utf16_end), Some(found.end));
        // A Greek quote with the accent missing on the reader's side.
        let found = locate(text, "η πρωτευουσα", None, None).unwrap();
        assert_eq!(cp_slice(text, found.start, found.end), "η πρωτεύουσα");
    }

    #[test]
    fn the_view_maps_back_across_collapsed_white_space() {
        let view = View::new("a \n\n b\n\nc\u{201C}");
        assert_eq!(view.chars.iter().collect::<String>(), "a b c\"");
        let origins: Vec<usize> = (0..view.chars.len()).map(|i| view.origin(i)).collect();
        assert_eq!(origins, vec![0, 1, 5, 6, 8, 9]);
    }

    #[test]
    fn a_decomposed_quote_matches_the_composed_text() {
        let text = "Le café est fermé.";
        let found = locate(text, "cafe\u{301} est ferme\u{301}", None, None).unwrap();
        assert_eq!((found.start, found.end), (3, 17));
        assert!(found.exact_match);
    }

    #[test]
    fn every_paragraph_of_r1_is_found_where_it_is() {
        let text = r1();
        let mut offset = 0;
        for paragraph in R1_PARAGRAPHS {
            let found = locate(&text, paragraph, None, None).unwrap();
            assert_eq!(found.start, offset);
            offset += paragraph.chars().count() + 2;
        }
    }

    const WORDS: &[&str] = &[
        "the", "bridge", "council", "a", "voted", "café", "東京", "🎉", "—", "said,",
    ];

    proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        #[test]
        fn a_quote_taken_from_the_text_is_found_there(
            words in prop::collection::vec((0..WORDS.len(), 0u8..8), 1..120),
            pick in (0.0..1.0f64, 1usize..10),
        ) {
            // Words, with a paragraph break after some of them.
            let mut text = String::new();
            for (i, (w, gap)) in words.iter().enumerate() {
                if i > 0 {
                    text.push_str(if *gap == 0 { "\n\n" } else { " " });
                }
                text.push_str(WORDS[*w]);
            }
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.char_indices().filter(|(_, c)| *c == ' ' || *c == '\n').map(|(b, _)| text[..b].chars().count() + 1))
                .filter(|&cp| cp_slice(&text, cp, cp + 1).trim() != "")
                .collect();
            let s = starts[((starts.len() as f64) * pick.0) as usize];
            let e = (s + 1..=crate::text::cp_len(&text))
                .filter(|&cp| cp == crate::text::cp_len(&text) || cp_slice(&text, cp, cp + 1) == " ")
                .nth(pick.1 - 1)
                .unwrap_or(crate::text::cp_len(&text));
            let q = quote_at(&text, s, e);
            let found = locate(&text, &q.exact, Some(&q.prefix), Some(&q.suffix)).unwrap();
            prop_assert_eq!(cp_slice(&text, found.start, found.end), q.exact.as_str(), "{:?} {:?} {:?}", text, q, found);
            prop_assert!(found.exact_match);
            // Unique even with white space collapsed, as the reader's page may have it.
            let whole = collapse_whitespace(&format!("{}{}{}", q.prefix, q.exact, q.suffix));
            if collapse_whitespace(&text).matches(&whole).count() == 1 {
                prop_assert_eq!((found.start, found.end), (s, e));
            }
        }
    }
}
