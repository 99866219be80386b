//! The fuzzy passage search shared by intake ([`super::locate`]) and re-anchoring
//! ([`super::RevisionChange::reanchor`]): candidate passages from approximate matches of the
//! quote and from the stretches between surviving pieces of its context, moved to whole words,
//! scored on quote, context and position, and accepted only above fixed thresholds, because a
//! wrong anchor is worse than none.
//!
//! Everything here works on folded code points (see [`super::fold`]), so positions are offsets
//! in the original text.

use std::ops::Range;

use super::approx::{best_start, distance, hits_within, levenshtein, search_text, Hit, Pattern};
use super::fold::is_word_char;
use super::selector::CONTEXT_LEN;

/// A candidate is accepted only if its quote similarity reaches this…
pub(crate) const MIN_QUOTE_SIMILARITY: f64 = 0.75;
/// …the mean of its prefix and suffix similarity reaches this…
pub(crate) const MIN_CONTEXT_SIMILARITY: f64 = 0.5;
/// …and its overall score reaches this.
pub(crate) const MIN_SCORE: f64 = 0.75;
/// At most this many candidates from each source.
pub(crate) const MAX_CANDIDATES: usize = 256;
/// How far (in code points) a candidate's end may move when it is snapped to whole words. The
/// approximate match already puts the ends within a few errors of the right place; the bound
/// keeps the work small in scripts written without spaces, where a "token" is a whole sentence.
const SNAP_REACH: usize = 24;
const SNAP_ROUNDS: usize = 4;
/// Quotes longer than this are not snapped: each trial costs an edit distance over the whole
/// passage, and at that length a word at either end barely moves the score.
const SNAP_MAX_QUOTE: usize = 2_000;
/// How far back (forward) beyond the stored context the start (end) of the candidate's paragraph
/// is looked for when comparing the in-paragraph part of the context.
const PARAGRAPH_REACH: usize = 64;

/// What is searched for: the folded quote and, where known, its folded context.
pub(crate) struct Query<'a> {
    pub quote: &'a [char],
    pattern: Pattern,
    reversed: Pattern,
    /// `None` when the context is unknown (a browser that sent none); `Some("")` means the quote
    /// stood at the start (end) of the text.
    pub prefix: Option<&'a [char]>,
    pub suffix: Option<&'a [char]>,
    /// Whether the text and the context keep paragraph breaks, so that the part of the context
    /// inside the quote's own paragraph can be compared on its own (re-anchoring; intake works on
    /// a view with white space collapsed).
    pub paragraphs: bool,
    /// The quote itself began (ended) inside a word, so that end is not moved to a word edge.
    pub keep_start: bool,
    pub keep_end: bool,
    /// Where the passage is expected (the diff-mapped old start), if anywhere.
    pub expected_start: Option<usize>,
}

impl<'a> Query<'a> {
    pub(crate) fn new(
        quote: &'a [char],
        prefix: Option<&'a [char]>,
        suffix: Option<&'a [char]>,
    ) -> Self {
        let reversed: Vec<char> = quote.iter().rev().copied().collect();
        Query {
            quote,
            pattern: Pattern::new(quote),
            reversed: Pattern::new(&reversed),
            prefix,
            suffix,
            paragraphs: false,
            keep_start: false,
            keep_end: false,
            expected_start: None,
        }
    }

    /// Errors allowed in an approximate match of `len` code points.
    fn max_errors(len: usize) -> usize {
        len / 4
    }
}

/// A candidate passage with its similarities and score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    pub start: usize,
    pub end: usize,
    pub errors: usize,
    pub quote: f64,
    pub prefix: f64,
    pub suffix: f64,
    pub score: f64,
    /// The prefix (suffix) matched only because the quote began (ended) a paragraph and so does
    /// the candidate (see [`score`]).
    pub prefix_by_edge: bool,
    pub suffix_by_edge: bool,
}

impl Scored {
    pub(crate) fn accepted(&self) -> bool {
        self.quote >= MIN_QUOTE_SIMILARITY && self.context_supports() && self.score >= MIN_SCORE
    }

    /// Whether the text beside the span is the passage's context: the mean of the two sides
    /// reaches the minimum, and "starts a paragraph", true of every paragraph and so no evidence
    /// on its own, counts only when the other side's words agree too.
    pub(crate) fn context_supports(&self) -> bool {
        let edge_backed = |by_edge: bool, other: f64, other_by_edge: bool| {
            !by_edge || other_by_edge || other >= MIN_CONTEXT_SIMILARITY
        };
        (self.prefix + self.suffix) / 2.0 >= MIN_CONTEXT_SIMILARITY
            && edge_backed(self.prefix_by_edge, self.suffix, self.suffix_by_edge)
            && edge_backed(self.suffix_by_edge, self.prefix, self.prefix_by_edge)
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    /// Preference between two versions of one candidate: the better score, then the fewer
    /// errors, then the wider span.
    fn better_than(&self, other: &Scored) -> bool {
        if (self.score - other.score).abs() > 1e-12 {
            return self.score > other.score;
        }
        if self.errors != other.errors {
            return self.errors < other.errors;
        }
        self.len() > other.len()
    }
}

/// Every approximate occurrence of the quote with at most ⌊len/4⌋ errors (at most
/// [`MAX_CANDIDATES`], the best ones), as spans.
pub(crate) fn quote_candidates(text: &[char], query: &Query) -> Vec<Range<usize>> {
    let m = query.quote.len();
    if m == 0 {
        return Vec::new();
    }
    let k = Query::max_errors(m);
    search_text(
        &query.pattern,
        text,
        false,
        k,
        MAX_CANDIDATES,
        query.expected_start.map(|p| p + m),
    )
    .into_iter()
    .map(|hit| quote_span(text, query, hit))
    .collect()
}

/// The passage of an approximate occurrence of the quote: from its best start to the hit.
fn quote_span(text: &[char], query: &Query, hit: Hit) -> Range<usize> {
    let m = query.quote.len();
    let end = hit.at + 1;
    let (start, _) = best_start(&query.reversed, text, end, m + Query::max_errors(m));
    start..end
}

/// [`quote_candidates`] of a query with an expected place, found from a few stretches of the
/// text when the rest cannot matter: a candidate counts only if it holds some of `changed` (the
/// stretches of the text where a passage can be, every other one being dropped by the caller's
/// rules), and of those only the ones that `matters` says could change the answer.
///
/// The candidates near the expected place are found exactly: the search keeps the hits nearest
/// it, and every hit nearer than a given one lies in a window around it. A window is widened to
/// take in the changed stretches near it. Farther changed stretches are searched for every hit,
/// kept or not by the whole search: if none of their passages `matters`, the candidates are the
/// window's. `None` when that cannot be shown, or when the stretches to search are most of the
/// text: the whole search is then the way.
pub(crate) fn quote_candidates_near(
    text: &[char],
    query: &Query,
    changed: &[Range<usize>],
    matters: impl Fn(&Range<usize>) -> bool,
) -> Option<Vec<Range<usize>>> {
    let m = query.quote.len();
    let n = text.len();
    let near = query.expected_start? + m;
    if m == 0 || changed.is_empty() {
        return None;
    }
    let k = Query::max_errors(m);
    // A hit's passage ends just after it and starts at most `m + k` before: where the hits lie
    // whose passages hold some of each changed stretch.
    let mut zones: Vec<Range<usize>> = Vec::new();
    for c in changed {
        let zone = c.start..(c.end + m + k).min(n);
        match zones.last_mut() {
            Some(last) if zone.start <= last.end => last.end = last.end.max(zone.end),
            _ => zones.push(zone),
        }
    }
    if 3 * zones.iter().map(|z| z.len()).sum::<usize>() > n {
        return None;
    }
    // The window: every position within `reach` of `near`, widened over the zones it touches.
    let mut reach = 2 * m;
    loop {
        let (low, high) = (near.saturating_sub(reach), near + reach + 1);
        let wider = zones
            .iter()
            .filter(|z| z.start < high && z.end > low)
            .map(|z| near.saturating_sub(z.start).max(z.end.saturating_sub(near)))
            .max()
            .unwrap_or(0);
        if wider <= reach {
            break;
        }
        reach = wider;
    }
    let window = near.saturating_sub(reach)..(near + reach + 1).min(n);
    let hits = hits_within(
        &query.pattern,
        text,
        window.clone(),
        k,
        Some((MAX_CANDIDATES, Some(near))),
    )?;
    for zone in zones
        .iter()
        .filter(|z| z.end <= window.start || z.start >= window.end)
    {
        for hit in hits_within(&query.pattern, text, zone.clone(), k, None)? {
            if matters(&quote_span(text, query, hit)) {
                return None;
            }
        }
    }
    Some(
        hits.into_iter()
            .map(|hit| quote_span(text, query, hit))
            .collect(),
    )
}

/// Every stretch between an approximate match of the prefix and one of the suffix, trimmed of
/// white space, whose length is within 25% of the quote's: the passage whose own words changed
/// while its surroundings survived. An empty prefix (suffix) stands for the start (end) of the
/// text; with unknown context there are none.
pub(crate) fn context_candidates(text: &[char], query: &Query) -> Vec<Range<usize>> {
    let (Some(prefix), Some(suffix)) = (query.prefix, query.suffix) else {
        return Vec::new();
    };
    let m = query.quote.len();
    let n = text.len();
    let starts: Vec<usize> = if prefix.is_empty() {
        vec![0]
    } else {
        search_text(
            &Pattern::new(prefix),
            text,
            false,
            Query::max_errors(prefix.len()),
            MAX_CANDIDATES,
            query.expected_start,
        )
        .into_iter()
        .map(|hit| hit.at + 1)
        .collect()
    };
    let ends: Vec<usize> = if suffix.is_empty() {
        vec![n]
    } else {
        let reversed: Vec<char> = suffix.iter().rev().copied().collect();
        let mut ends: Vec<usize> = search_text(
            &Pattern::new(&reversed),
            text,
            true,
            Query::max_errors(suffix.len()),
            MAX_CANDIDATES,
            query.expected_start.map(|p| p + m),
        )
        .into_iter()
        .map(|hit| hit.at)
        .collect();
        ends.sort_unstable();
        ends
    };
    // Untrimmed stretches may carry a little white space beyond the allowed length.
    let longest = m + m / 4 + 4;
    let mut found = Vec::new();
    for &from in &starts {
        let first = ends.partition_point(|&e| e < from);
        for &to in ends[first..].iter().take_while(|&&e| e - from <= longest) {
            let span = trim(text, from..to);
            let len = span.len();
            if 4 * len >= 3 * m && 4 * len <= 5 * m && len > 0 {
                found.push(span);
                if found.len() >= MAX_CANDIDATES {
                    return found;
                }
            }
        }
    }
    found
}

/// The span without white space at either end.
pub(crate) fn trim(text: &[char], span: Range<usize>) -> Range<usize> {
    let mut start = span.start;
    let mut end = span.end.min(text.len());
    while start < end && text[start].is_whitespace() {
        start += 1;
    }
    while end > start && text[end - 1].is_whitespace() {
        end -= 1;
    }
    start..end
}

/// Scores a candidate and, if it has errors or cuts a word where the quote did not, moves its
/// ends to whole words (see [`start_options`]) while that improves it.
pub(crate) fn evaluate(text: &[char], query: &Query, span: Range<usize>) -> Scored {
    let mut best = score(text, query, span.start, span.end);
    // An exact match is left alone unless it cuts a word where the quote did not ("Whitcomb"
    // inside "Whitcombe" is not the passage "Whitcomb"; the whole word, with an error, may be).
    let whole_words = (query.keep_start || word_edge(text, best.start))
        && (query.keep_end || word_edge(text, best.end));
    if (best.errors == 0 && whole_words) || query.quote.len() > SNAP_MAX_QUOTE {
        return best;
    }
    for _ in 0..SNAP_ROUNDS {
        let before = (best.start, best.end);
        if !query.keep_start {
            let end = best.end;
            if let Some(moved) = best_of(
                start_options(text, best.start)
                    .into_iter()
                    .filter(|&s| s < end)
                    .map(|s| score(text, query, s, end)),
            ) {
                best = moved;
            }
        }
        if !query.keep_end {
            let start = best.start;
            if let Some(moved) = best_of(
                end_options(text, best.end)
                    .into_iter()
                    .filter(|&e| e > start)
                    .map(|e| score(text, query, start, e)),
            ) {
                best = moved;
            }
        }
        if (best.start, best.end) == before {
            break;
        }
    }
    best
}

fn best_of(scored: impl Iterator<Item = Scored>) -> Option<Scored> {
    scored.reduce(|best, next| if next.better_than(&best) { next } else { best })
}

/// Score of the span `[start, end)`: (50·quote + 20·prefix + 20·suffix + 2·position) / 92.
pub(crate) fn score(text: &[char], query: &Query, start: usize, end: usize) -> Scored {
    let m = query.quote.len();
    let errors = distance(&query.pattern, &text[start..end]);
    let quote = if m == 0 {
        0.0
    } else {
        (1.0 - errors as f64 / m as f64).max(0.0)
    };
    // Spec (d) compares the stored context's part inside the quote's paragraph with the text
    // back to the candidate's paragraph start. When the quote began its paragraph that part is
    // empty, and it matches exactly when the candidate begins a paragraph too; likewise for the
    // end. Such a match counts, but only with the other side's words agreeing (`accepted`).
    //
    // Rule: a stored context that is empty because the quote touched the text's start (or end)
    // counts as "at a paragraph start" (or end) in the new text, not only at offset 0. At
    // offset 0 too it is that and no more: the text's first paragraph is one paragraph among
    // the others, and a new one may have taken its place.
    let n = text.len();
    let starts_paragraph = start == 0 || text[start - 1] == '\n';
    let ends_paragraph = end == n || text[end] == '\n';
    let prefix_by_edge = query.paragraphs
        && starts_paragraph
        && query
            .prefix
            .is_some_and(|p| p.is_empty() || p.last() == Some(&'\n'));
    let suffix_by_edge = query.paragraphs
        && ends_paragraph
        && query
            .suffix
            .is_some_and(|s| s.is_empty() || s.first() == Some(&'\n'));
    let prefix = match query.prefix {
        _ if prefix_by_edge => 1.0,
        Some(p) => prefix_similarity(text, start, p, query.paragraphs),
        None => 1.0,
    };
    let suffix = match query.suffix {
        _ if suffix_by_edge => 1.0,
        Some(s) => suffix_similarity(text, end, s, query.paragraphs),
        None => 1.0,
    };
    let position = query.expected_start.map_or(1.0, |expected| {
        1.0 - start.abs_diff(expected) as f64 / text.len().max(1) as f64
    });
    Scored {
        start,
        end,
        errors,
        quote,
        prefix,
        suffix,
        score: (50.0 * quote + 20.0 * prefix + 20.0 * suffix + 2.0 * position) / 92.0,
        prefix_by_edge,
        suffix_by_edge,
    }
}

/// 1 − Levenshtein / `length`, in [0, 1]; two empty strings are a perfect match.
fn similarity(stored: &[char], found: &[char], length: usize) -> f64 {
    if length == 0 {
        return 1.0;
    }
    (1.0 - levenshtein(stored, found) as f64 / length as f64).max(0.0)
}

/// How well the stored prefix matches the text before `start`: the better of the whole prefix
/// against an equal-length window, and (with paragraphs) of its part inside the quote's own
/// paragraph against the text back to the candidate's paragraph start. The second lets a moved
/// paragraph or a paragraph with a new neighbour keep a perfect context.
fn prefix_similarity(text: &[char], start: usize, prefix: &[char], paragraphs: bool) -> f64 {
    let len = prefix.len();
    let whole = if len == 0 {
        // An empty stored prefix: the quote began the text.
        f64::from(u8::from(start == 0))
    } else {
        similarity(prefix, &text[start.saturating_sub(len)..start], len)
    };
    if !paragraphs {
        return whole;
    }
    let part = match prefix.iter().rposition(|&c| c == '\n') {
        Some(i) => &prefix[i + 1..],
        // A short prefix reached the start of the text, which starts a paragraph too.
        None if len < CONTEXT_LEN => prefix,
        None => return whole,
    };
    if part.is_empty() {
        // "Starts a paragraph" alone is no evidence: any paragraph start would match it.
        return whole;
    }
    let lowest = start.saturating_sub(part.len() + PARAGRAPH_REACH);
    let paragraph_start = match text[lowest..start].iter().rposition(|&c| c == '\n') {
        Some(i) => lowest + i + 1,
        None if lowest == 0 => 0,
        // The paragraph starts far before: its text there cannot match the short part.
        None => return whole,
    };
    let back = &text[paragraph_start..start];
    whole.max(similarity(part, back, part.len().max(back.len())))
}

/// The mirror of [`prefix_similarity`] for the suffix after `end`.
fn suffix_similarity(text: &[char], end: usize, suffix: &[char], paragraphs: bool) -> f64 {
    let len = suffix.len();
    let n = text.len();
    let whole = if len == 0 {
        f64::from(u8::from(end == n))
    } else {
        similarity(suffix, &text[end..(end + len).min(n)], len)
    };
    if !paragraphs {
        return whole;
    }
    let part = match suffix.iter().position(|&c| c == '\n') {
        Some(i) => &suffix[..i],
        None if len < CONTEXT_LEN => suffix,
        None => return whole,
    };
    if part.is_empty() {
        return whole;
    }
    let highest = (end + part.len() + PARAGRAPH_REACH).min(n);
    let paragraph_end = match text[end..highest].iter().position(|&c| c == '\n') {
        Some(i) => end + i,
        None if highest == n => n,
        None => return whole,
    };
    let forward = &text[end..paragraph_end];
    whole.max(similarity(part, forward, part.len().max(forward.len())))
}

/// Whether the text in the quote's own paragraph beside a candidate is exactly the stored
/// context's part inside that paragraph (used to accept a moved paragraph or sentence).
pub(crate) fn paragraph_context_unchanged(
    text: &[char],
    span: Range<usize>,
    prefix: &[char],
    suffix: &[char],
) -> bool {
    let before = match prefix.iter().rposition(|&c| c == '\n') {
        Some(i) => Some(&prefix[i + 1..]),
        None if prefix.len() < CONTEXT_LEN => Some(prefix),
        None => None,
    };
    let prefix_ok = match before {
        // The part must be all the paragraph holds before the candidate.
        Some(part) => {
            span.start >= part.len()
                && &text[span.start - part.len()..span.start] == part
                && (span.start == part.len() || text[span.start - part.len() - 1] == '\n')
        }
        None => {
            span.start >= prefix.len() && &text[span.start - prefix.len()..span.start] == prefix
        }
    };
    let after = match suffix.iter().position(|&c| c == '\n') {
        Some(i) => Some(&suffix[..i]),
        None if suffix.len() < CONTEXT_LEN => Some(suffix),
        None => None,
    };
    let n = text.len();
    let suffix_ok = match after {
        Some(part) => {
            span.end + part.len() <= n
                && &text[span.end..span.end + part.len()] == part
                && (span.end + part.len() == n || text[span.end + part.len()] == '\n')
        }
        None => span.end + suffix.len() <= n && &text[span.end..span.end + suffix.len()] == suffix,
    };
    prefix_ok && suffix_ok
}

/// Whether a passage may start or end at `at`: not between two letters or digits, nor inside a
/// number written with separators or a currency sign ("12,000", "3.5", "$52"), which reads as
/// one word.
pub(crate) fn word_edge(text: &[char], at: usize) -> bool {
    if at == 0 || at >= text.len() {
        return true;
    }
    let (before, after) = (text[at - 1], text[at]);
    if is_word_char(before) && is_word_char(after) {
        return false;
    }
    let digit = |i: usize| text.get(i).is_some_and(char::is_ascii_digit);
    let separator = |c: char| matches!(c, ',' | '.');
    let inside_number = (separator(before) && at >= 2 && digit(at - 2) && after.is_ascii_digit())
        || (separator(after) && before.is_ascii_digit() && digit(at + 1))
        || (matches!(before, '$' | '€' | '£' | '¥') && after.is_ascii_digit());
    !inside_number
}

/// Where a candidate's start may move: any word edge inside its white-space-delimited token
/// (never onto white space), or the start of the token before or after it.
fn start_options(text: &[char], start: usize) -> Vec<usize> {
    let n = text.len();
    let low = start.saturating_sub(SNAP_REACH);
    let high = (start + SNAP_REACH).min(n);
    let space = |i: usize| text[i].is_whitespace();
    let Some(at) = (start.min(n)..high)
        .find(|&i| !space(i))
        .or_else(|| (low..start.min(n)).rev().find(|&i| !space(i)))
    else {
        return Vec::new();
    };
    let (token_start, token_end) = token_around(text, at, low, high);
    let mut options: Vec<usize> = (token_start..token_end)
        .filter(|&i| word_edge(text, i))
        .collect();
    // The previous token's start.
    let mut i = token_start;
    while i > low && space(i - 1) {
        i -= 1;
    }
    if i < token_start && i > 0 && !space(i - 1) {
        let (previous_start, _) = token_around(text, i - 1, low, high);
        if previous_start == 0 || space(previous_start - 1) {
            options.push(previous_start);
        }
    }
    // The next token's start.
    let mut i = token_end;
    while i < high && space(i) {
        i += 1;
    }
    if i > token_end && i < high {
        options.push(i);
    }
    options
}

/// Where a candidate's end may move: the mirror of [`start_options`].
fn end_options(text: &[char], end: usize) -> Vec<usize> {
    let n = text.len();
    let end = end.min(n);
    let low = end.saturating_sub(SNAP_REACH);
    let high = (end + SNAP_REACH).min(n);
    let space = |i: usize| text[i].is_whitespace();
    let Some(at) = (low..end)
        .rev()
        .find(|&i| !space(i))
        .or_else(|| (end..high).find(|&i| !space(i)))
    else {
        return Vec::new();
    };
    let (token_start, token_end) = token_around(text, at, low, high);
    let mut options: Vec<usize> = (token_start + 1..=token_end)
        .filter(|&i| word_edge(text, i))
        .collect();
    // The next token's end.
    let mut i = token_end;
    while i < high && space(i) {
        i += 1;
    }
    if i > token_end && i < high {
        let (_, next_end) = token_around(text, i, low, high);
        if next_end == n || space(next_end) {
            options.push(next_end);
        }
    }
    // The previous token's end.
    let mut i = token_start;
    while i > low && space(i - 1) {
        i -= 1;
    }
    if i < token_start && i > 0 && !space(i - 1) {
        options.push(i);
    }
    options
}

/// The white-space-delimited token holding the non-space character at `at`, limited to
/// `[low, high)`.
fn token_around(text: &[char], at: usize, low: usize, high: usize) -> (usize, usize) {
    let mut start = at;
    while start > low && !text[start - 1].is_whitespace() {
        start -= 1;
    }
    let mut end = at + 1;
    while end < high && !text[end].is_whitespace() {
        end += 1;
    }
    (start, end)
}

/// The accepted candidates as distinct passages, best first: overlapping ones are one passage,
/// represented by the best of them.
pub(crate) fn accepted_passages(mut scored: Vec<Scored>) -> Vec<Scored> {
    scored.retain(Scored::accepted);
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.start.cmp(&b.start)));
    let mut passages: Vec<Scored> = Vec::new();
    for candidate in scored {
        if passages
            .iter()
            .all(|p| candidate.end <= p.start || candidate.start >= p.end)
        {
            passages.push(candidate);
        }
    }
    passages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_prices_are_one_word() {
        let text: Vec<char> = "about 12,000 cars, $52 each, 3.5 km. Then"
            .chars()
            .collect();
        let at = |needle: &str| {
            "about 12,000 cars, $52 each, 3.5 km. Then"
                .find(needle)
                .unwrap()
        };
        assert!(!word_edge(&text, at(",000")), "inside 12,000");
        assert!(!word_edge(&text, at("000")), "inside 12,000");
        assert!(!word_edge(&text, at("52")), "between $ and 52");
        assert!(
            !word_edge(&text, at(".5")) && !word_edge(&text, at("5 km")),
            "inside 3.5"
        );
        assert!(word_edge(&text, at("12,000")) && word_edge(&text, at(" cars")));
        assert!(
            word_edge(&text, at(", $52")),
            "a comma after a number ends it"
        );
        assert!(word_edge(&text, at("$52")) && word_edge(&text, at(" Then")));
        assert!(word_edge(&text, at(". Then")), "a full stop after a word");
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn start_options_stay_on_word_edges() {
        let text = chars("alpha beta-gamma delta");
        // From inside "beta-gamma": the token's edges and the neighbouring tokens' starts.
        let mut options = start_options(&text, 8);
        options.sort_unstable();
        assert_eq!(options, vec![0, 6, 10, 11, 17]);
    }

    #[test]
    fn end_options_stay_on_word_edges() {
        let text = chars("alpha beta-gamma delta");
        let mut options = end_options(&text, 13);
        options.sort_unstable();
        assert_eq!(options, vec![5, 10, 11, 16, 22]);
    }

    #[test]
    fn options_in_unspaced_scripts_are_every_character() {
        let text = chars("東京都の人口");
        let options = start_options(&text, 2);
        assert_eq!(options, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn snapping_moves_a_partial_word_to_the_whole_word() {
        let text = chars("the bridge will remain open to passenger cars but");
        let quote = chars("remain open to passanger cars");
        let query = Query::new(&quote, None, None);
        // A match cut inside "remain" and "cars".
        let scored = evaluate(&text, &query, 17..43);
        assert_eq!(
            &text[scored.start..scored.end],
            &chars("remain open to passenger cars")[..]
        );
        assert_eq!(scored.errors, 1);
    }

    #[test]
    fn context_candidates_find_a_rewritten_passage() {
        let text = chars("Council member Luis Ortiz, who voted against the measure");
        let quote = chars("Ortega");
        let prefix = chars("Council member Luis ");
        let suffix = chars(", who voted against");
        let query = Query::new(&quote, Some(&prefix), Some(&suffix));
        let found = context_candidates(&text, &query);
        assert_eq!(found, vec![20..25]);
        let scored = score(&text, &query, 20, 25);
        assert!((scored.quote - 0.5).abs() < 1e-9);
        assert!(!scored.accepted());
    }

    #[test]
    fn context_similarity_inside_the_paragraph() {
        let text = chars("A new paragraph before.\n\nThe quote starts here and goes on.");
        // The stored prefix had a different paragraph before, then "The " in the quote's own.
        let prefix = chars("Lorem ipsum dolor sit.\n\nThe ");
        assert_eq!(prefix_similarity(&text, 29, &prefix, true), 1.0);
        assert!(prefix_similarity(&text, 29, &prefix, false) < 0.5);
        assert!(prefix_similarity(&text, 35, &prefix, true) < 0.5);
        // A prefix that ends with the break says only "starts a paragraph": no evidence.
        let prefix = chars("Lorem ipsum dolor sit.\n\n");
        assert!(prefix_similarity(&text, 25, &prefix, true) < 0.5);
        // An empty suffix means the end of the text.
        let suffix = chars("");
        assert_eq!(suffix_similarity(&text, text.len(), &suffix, true), 1.0);
        assert_eq!(suffix_similarity(&text, 10, &suffix, true), 0.0);
        let suffix = chars(" and goes on.");
        assert_eq!(suffix_similarity(&text, 46, &suffix, true), 1.0);
    }

    #[test]
    fn an_empty_context_means_a_paragraph_edge_and_no_more() {
        let text = chars("Editor's note: updated.\n\nThe lede.\n\nThe end.");
        let quote = chars("The lede.");
        let (empty, suffix) = (chars(""), chars("\n\nThe end."));
        let mut query = Query::new(&quote, Some(&empty), Some(&suffix));
        query.paragraphs = true;
        // The quote began the old text: a paragraph start anywhere counts as that start...
        let moved = score(&text, &query, 25, 34);
        assert!(moved.prefix_by_edge && moved.prefix == 1.0, "{moved:?}");
        assert!(moved.accepted(), "{moved:?}");
        // ...and, as for any paragraph start, only with the other side's words agreeing, even
        // at offset 0.
        let other = chars("\n\nSomething else entirely.");
        let mut query = Query::new(&quote, Some(&empty), Some(&other));
        query.paragraphs = true;
        let first = score(&text, &query, 0, 9);
        assert!(first.prefix_by_edge, "{first:?}");
        assert!(!first.context_supports(), "{first:?}");
        // Mid-paragraph, an empty prefix matches nothing.
        let inside = score(&text, &query, 15, 23);
        assert!(!inside.prefix_by_edge && inside.prefix == 0.0, "{inside:?}");
    }
}
