//! Approximate string matching: Myers' bit-parallel edit-distance algorithm (1999, in Hyyrö's
//! block formulation), which scans a text column by column with O(m/64) words of state. It
//! finds every place where a quote or a piece of context still stands with a few errors, and
//! measures the edit distance between a quote and a candidate passage, without the quadratic
//! tables of the textbook dynamic programme.

#[cfg(target_arch = "x86_64")]
mod lanes;

/// A pattern prepared for bit-parallel matching: for each character, a bit mask of the pattern
/// positions holding it, split into 64-row blocks.
pub(crate) struct Pattern {
    len: usize,
    blocks: usize,
    /// Masks of ASCII characters, `128 * blocks` words, looked up without a search.
    ascii: Vec<u64>,
    /// The pattern's other characters, sorted, and their masks (`blocks` words each).
    other_keys: Vec<char>,
    other: Vec<u64>,
    zero: Vec<u64>,
    /// Bit of the last pattern row in the last block.
    last_high: u64,
}

impl Pattern {
    pub(crate) fn new(chars: &[char]) -> Self {
        let len = chars.len();
        let blocks = len.div_ceil(64).max(1);
        let mut other_keys: Vec<char> = chars.iter().copied().filter(|c| !c.is_ascii()).collect();
        other_keys.sort_unstable();
        other_keys.dedup();
        let mut ascii = vec![0u64; 128 * blocks];
        let mut other = vec![0u64; other_keys.len() * blocks];
        for (row, &c) in chars.iter().enumerate() {
            let (block, bit) = (row / 64, row % 64);
            if c.is_ascii() {
                ascii[c as usize * blocks + block] |= 1 << bit;
            } else if let Ok(k) = other_keys.binary_search(&c) {
                other[k * blocks + block] |= 1 << bit;
            }
        }
        let last_high = if len == 0 { 0 } else { 1 << ((len - 1) % 64) };
        Pattern {
            len,
            blocks,
            ascii,
            other_keys,
            other,
            zero: vec![0; blocks],
            last_high,
        }
    }

    fn masks(&self, c: char) -> &[u64] {
        if c.is_ascii() {
            let at = c as usize * self.blocks;
            &self.ascii[at..at + self.blocks]
        } else {
            match self.other_keys.binary_search(&c) {
                Ok(k) => &self.other[k * self.blocks..(k + 1) * self.blocks],
                Err(_) => &self.zero,
            }
        }
    }

    #[inline]
    fn single_mask(&self, c: char) -> u64 {
        if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            self.masks(c)[0]
        }
    }

    fn high_bit(&self, block: usize) -> u64 {
        if block + 1 == self.blocks {
            self.last_high
        } else {
            1 << 63
        }
    }
}

/// One column of the edit-distance matrix, kept as vertical deltas, plus the value in the last
/// row.
struct Column {
    pv: Vec<u64>,
    mv: Vec<u64>,
    score: usize,
}

impl Column {
    fn new(pattern: &Pattern) -> Self {
        Column {
            pv: vec![!0; pattern.blocks],
            mv: vec![0; pattern.blocks],
            score: pattern.len,
        }
    }

    /// Advances by one text character. `top` is the horizontal delta of row 0: 0 when a match may
    /// start anywhere (search), 1 when it must start at the first character (global distance).
    #[inline]
    fn step(&mut self, pattern: &Pattern, c: char, top: i32) -> usize {
        let h = if pattern.blocks == 1 {
            let eq = pattern.single_mask(c);
            advance_block(&mut self.pv[0], &mut self.mv[0], eq, top, pattern.last_high)
        } else {
            let masks = pattern.masks(c);
            let mut h = top;
            for (block, &eq) in masks.iter().enumerate() {
                h = advance_block(
                    &mut self.pv[block],
                    &mut self.mv[block],
                    eq,
                    h,
                    pattern.high_bit(block),
                );
            }
            h
        };
        // The last-row value never drops below 0 (it is a distance), so this cannot underflow.
        self.score = (self.score as i64 + h as i64).max(0) as usize;
        self.score
    }
}

/// Myers' step for one 64-row block; returns the horizontal delta out of its last row. The
/// delta into its first row, `h_in`, enters as two bits, without branches.
#[inline]
fn advance_block(pv: &mut u64, mv: &mut u64, eq: u64, h_in: i32, high: u64) -> i32 {
    let (carry_p, carry_m) = (u64::from(h_in > 0), u64::from(h_in < 0));
    let xv = eq | *mv;
    let eq = eq | carry_m;
    let xh = ((eq & *pv).wrapping_add(*pv) ^ *pv) | eq;
    let ph = *mv | !(xh | *pv);
    let mh = *pv & xh;
    // A row's delta is +1, -1 or 0, never both.
    let h_out = i32::from(ph & high != 0) - i32::from(mh & high != 0);
    let ph = (ph << 1) | carry_p;
    let mh = (mh << 1) | carry_m;
    *pv = mh | !(xv | ph);
    *mv = ph & xv;
    h_out
}

/// Edit distance (Levenshtein) between the whole pattern and the whole of `text`.
pub(crate) fn distance(pattern: &Pattern, text: &[char]) -> usize {
    if pattern.len == 0 {
        return text.len();
    }
    let mut column = Column::new(pattern);
    for &c in text {
        column.step(pattern, c, 1);
    }
    column.score
}

/// A place where the pattern matches with few errors, as found by [`search`]: `at` is the index
/// of the last text character consumed (the end of the match when scanning forwards, its start
/// when scanning a reversed pattern backwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub at: usize,
    pub errors: usize,
}

/// Every place where the pattern matches a substring with at most `max_errors` errors.
///
/// `text` yields `(index, char)` in scanning order. Consecutive positions around one true match
/// all fall under the threshold, so only local minima are kept (the last of a plateau), and of
/// several minima within half a pattern length of each other only the best: one hit per passage. At most `cap` hits are
/// returned, in scanning order: the ones nearest `near` when it is given, otherwise the ones with
/// the fewest errors. An exact hit does not end the scan: every occurrence is reported.
pub(crate) fn search(
    pattern: &Pattern,
    text: impl Iterator<Item = (usize, char)>,
    max_errors: usize,
    cap: usize,
    near: Option<usize>,
) -> Vec<Hit> {
    if pattern.len == 0 {
        return Vec::new();
    }
    let mut minima = Minima::new(max_errors);
    each_distance(pattern, text, |at, errors| minima.push(at, errors));
    thin(minima.finish(), pattern.len, cap, near)
}

/// Calls `f` with each `(index, errors)` of a scan of `text`: the errors of the best match of
/// the pattern ending at that character.
#[inline]
fn each_distance(
    pattern: &Pattern,
    text: impl Iterator<Item = (usize, char)>,
    mut f: impl FnMut(usize, usize),
) {
    if pattern.blocks == 1 {
        // Most quotes and all context fit one 64-bit word: the step inlined, in registers.
        let (mut pv, mut mv, mut score) = (!0u64, 0u64, pattern.len as i64);
        let high = pattern.last_high;
        for (at, c) in text {
            let eq = pattern.single_mask(c);
            let xv = eq | mv;
            let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
            let ph = mv | !(xh | pv);
            let mh = pv & xh;
            score += i64::from(ph & high != 0) - i64::from(mh & high != 0);
            let (ph, mh) = (ph << 1, mh << 1);
            pv = mh | !(xv | ph);
            mv = ph & xv;
            // A distance is never negative.
            f(at, score.max(0) as usize);
        }
    } else {
        // Longer quotes: the same step over every block, the horizontal delta carried from one
        // block into the next as two bits, without branches.
        let (mut pv, mut mv) = (vec![!0u64; pattern.blocks], vec![0u64; pattern.blocks]);
        let highs: Vec<u64> = (0..pattern.blocks).map(|b| pattern.high_bit(b)).collect();
        let mut score = pattern.len as i64;
        for (at, c) in text {
            // The delta into row 0 is 0: a match may start anywhere.
            let (mut carry_p, mut carry_m) = (0u64, 0u64);
            for (((p, m), &eq), &high) in pv
                .iter_mut()
                .zip(mv.iter_mut())
                .zip(pattern.masks(c))
                .zip(&highs)
            {
                let xv = eq | *m;
                let eq = eq | carry_m;
                let xh = ((eq & *p).wrapping_add(*p) ^ *p) | eq;
                let ph = *m | !(xh | *p);
                let mh = *p & xh;
                let (out_p, out_m) = (u64::from(ph & high != 0), u64::from(mh & high != 0));
                let ph = (ph << 1) | carry_p;
                let mh = (mh << 1) | carry_m;
                *p = mh | !(xv | ph);
                *m = ph & xv;
                (carry_p, carry_m) = (out_p, out_m);
            }
            score += carry_p as i64 - carry_m as i64;
            f(at, score.max(0) as usize);
        }
    }
}

/// The same hits as [`search`] over `text` read forwards, or backwards (the `at` of a hit is
/// then its start): on a long text and a processor with AVX2, four stretches of it at once
/// (see [`lanes`]), otherwise one scan.
pub(crate) fn search_text(
    pattern: &Pattern,
    text: &[char],
    backwards: bool,
    max_errors: usize,
    cap: usize,
    near: Option<usize>,
) -> Vec<Hit> {
    #[cfg(target_arch = "x86_64")]
    if let Some(hits) = lanes::search(pattern, text, backwards, max_errors, cap, near) {
        return hits;
    }
    if backwards {
        search(
            pattern,
            text.iter().copied().enumerate().rev(),
            max_errors,
            cap,
            near,
        )
    } else {
        search(
            pattern,
            text.iter().copied().enumerate(),
            max_errors,
            cap,
            near,
        )
    }
}

/// The hits of [`search`] over the whole of `text` read forwards whose `at` lies in `from..to`,
/// thinned to at most `cap` by nearness to `near` as [`search`] thins them, all of them if `cap`
/// is `None`; found by scanning that stretch alone, after a head start. `None` when a match within
/// `max_errors` runs across either edge of the stretch, where the stretch alone cannot tell
/// which of its positions the whole scan would report.
pub(crate) fn hits_within(
    pattern: &Pattern,
    text: &[char],
    stretch: std::ops::Range<usize>,
    max_errors: usize,
    thinned: Option<(usize, Option<usize>)>,
) -> Option<Vec<Hit>> {
    let (from, to) = (stretch.start, stretch.end.min(text.len()));
    if pattern.len == 0 || from >= to {
        return Some(Vec::new());
    }
    // A distance within `max_errors` belongs to a match at most `m + max_errors` long, so that
    // head start makes it exact; a greater one may come out greater still, which is all the
    // hits need to know of it.
    let head = from.saturating_sub(pattern.len + max_errors);
    let mut minima = Minima::new(max_errors);
    let (mut before, mut last) = (usize::MAX, usize::MAX);
    let stretch = text[head..to].iter().copied().enumerate();
    each_distance(
        pattern,
        stretch.map(|(i, c)| (head + i, c)),
        |at, errors| {
            if at >= from {
                minima.push(at, errors);
            } else {
                before = errors;
            }
            last = errors;
        },
    );
    // Past a distance above the threshold, the whole scan holds no pending hit either.
    if (from > 0 && before <= max_errors) || (to < text.len() && last <= max_errors) {
        return None;
    }
    let hits = minima.finish();
    Some(match thinned {
        Some((cap, near)) => thin(hits, pattern.len, cap, near),
        None => hits,
    })
}

/// Collects the local minima under a threshold of a stream of distances.
struct Minima {
    max_errors: usize,
    previous: usize,
    pending: Option<Hit>,
    found: Vec<Hit>,
}

impl Minima {
    fn new(max_errors: usize) -> Self {
        Minima {
            max_errors,
            previous: usize::MAX,
            pending: None,
            found: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, at: usize, errors: usize) {
        if errors <= self.max_errors {
            if errors < self.previous {
                self.pending = Some(Hit { at, errors });
            } else if errors == self.previous {
                // On a plateau keep the last position: a match that lacks a character or two at
                // its end reaches the same count early, and the later end is the fuller passage.
                if let Some(hit) = self.pending.as_mut() {
                    hit.at = at;
                }
            } else {
                self.found.extend(self.pending.take());
            }
        } else if self.pending.is_some() {
            self.found.extend(self.pending.take());
        }
        self.previous = errors;
    }

    fn finish(mut self) -> Vec<Hit> {
        self.found.extend(self.pending);
        self.found
    }
}

/// Keeps the best of hits that lie within half a pattern length of each other, and at most `cap`
/// hits overall: the nearest to `near` (then the fewest errors) when it is given, since where a
/// short quote is repeated hundreds of times the right one is the one near its old place and may
/// have errors while the far copies have none; otherwise the fewest errors, then the earliest.
fn thin(mut hits: Vec<Hit>, pattern_len: usize, cap: usize, near: Option<usize>) -> Vec<Hit> {
    let order: Vec<usize> = {
        let mut order: Vec<usize> = (0..hits.len()).collect();
        match near {
            Some(p) => order.sort_by_key(|&i| (hits[i].at.abs_diff(p), hits[i].errors, i)),
            None => order.sort_by_key(|&i| (hits[i].errors, i)),
        }
        order
    };
    let near = (pattern_len / 2).max(1);
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        if kept.len() >= cap {
            break;
        }
        if kept.iter().all(|&k| hits[k].at.abs_diff(hits[i].at) > near) {
            kept.push(i);
        }
    }
    kept.sort_unstable();
    let keep: Vec<Hit> = kept.iter().map(|&i| hits[i]).collect();
    hits.clear();
    keep
}

/// The best start of a match of a pattern ending just before `end`: scans `text` backwards with
/// the *reversed* pattern, at most `max_len` characters, and returns `(start, errors)` with the
/// fewest errors, preferring the length nearest the pattern's on ties.
pub(crate) fn best_start(
    reversed: &Pattern,
    text: &[char],
    end: usize,
    max_len: usize,
) -> (usize, usize) {
    let end = end.min(text.len());
    let mut column = Column::new(reversed);
    let mut best = (end, reversed.len);
    let mut best_gap = reversed.len;
    let lowest = end.saturating_sub(max_len);
    for start in (lowest..end).rev() {
        let errors = column.step(reversed, text[start], 1);
        let gap = (end - start).abs_diff(reversed.len);
        if errors < best.1 || (errors == best.1 && gap < best_gap) {
            best = (start, errors);
            best_gap = gap;
        }
    }
    best
}

/// Levenshtein distance by the plain dynamic programme with one row, for the short strings of
/// context (at most a few dozen characters each).
pub(crate) fn levenshtein(a: &[char], b: &[char]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    let mut row: Vec<usize> = (0..=a.len()).collect();
    for (j, &cb) in b.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = j + 1;
        for (i, &ca) in a.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[i + 1];
            row[i + 1] = substitution.min(row[i] + 1).min(diagonal + 1);
        }
    }
    row[a.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn forward(text: &[char]) -> impl Iterator<Item = (usize, char)> + '_ {
        text.iter().copied().enumerate()
    }

    #[test]
    fn distance_matches_levenshtein() {
        let cases = [
            ("kitten", "sitting", 3),
            ("", "abc", 3),
            ("abc", "", 3),
            ("Ortega", "Ortiz", 3),
            ("Tusday", "Tuesday", 1),
            ("東京都", "京都", 1),
        ];
        for (a, b, d) in cases {
            assert_eq!(distance(&Pattern::new(&chars(a)), &chars(b)), d, "{a} {b}");
            assert_eq!(levenshtein(&chars(a), &chars(b)), d, "{a} {b}");
        }
    }

    #[test]
    fn distance_of_long_patterns_spans_blocks() {
        let a: Vec<char> = "the quick brown fox jumps over the lazy dog "
            .repeat(5)
            .chars()
            .collect();
        let mut b = a.clone();
        b[70] = 'X';
        b.remove(130);
        b.insert(200, 'Y');
        assert_eq!(distance(&Pattern::new(&a), &b), 3);
        assert_eq!(levenshtein(&a, &b), 3);
    }

    #[test]
    fn search_finds_every_occurrence_and_fuzzy_ones() {
        let text = chars("the bridge, the bridges, and the brigde");
        let pattern = Pattern::new(&chars("the bridge"));
        let hits = search(&pattern, forward(&text), 2, 256, None);
        let ends: Vec<(usize, usize)> = hits.iter().map(|h| (h.at + 1, h.errors)).collect();
        assert_eq!(ends, vec![(10, 0), (22, 0), (39, 2)]);
        let rev: Vec<char> = chars("the bridge").into_iter().rev().collect();
        let (start, errors) = best_start(&Pattern::new(&rev), &text, 39, 12);
        assert_eq!((start, errors), (29, 2));
    }

    #[test]
    fn search_respects_the_cap_and_keeps_the_best() {
        let text = chars("ab ab ab ab xb ab");
        let pattern = Pattern::new(&chars("ab"));
        let hits = search(&pattern, forward(&text), 1, 3, None);
        assert_eq!(hits.len(), 3);
        assert!(hits.iter().all(|h| h.errors == 0));
    }

    #[test]
    fn the_cap_keeps_the_hits_near_the_expected_place() {
        let text: Vec<char> = "ab ".repeat(100).chars().chain("xb".chars()).collect();
        let pattern = Pattern::new(&chars("ab"));
        let hits = search(&pattern, forward(&text), 1, 2, Some(text.len()));
        let ends: Vec<(usize, usize)> = hits.iter().map(|h| (h.at + 1, h.errors)).collect();
        assert_eq!(ends, vec![(299, 0), (302, 1)]);
    }

    #[test]
    fn search_backwards_gives_starts() {
        let text = chars("xx suffix here yy suffux here");
        let reversed: Vec<char> = chars("suffix here").into_iter().rev().collect();
        let hits = search(
            &Pattern::new(&reversed),
            text.iter().copied().enumerate().rev(),
            2,
            256,
            None,
        );
        let starts: Vec<usize> = hits.iter().map(|h| h.at).collect();
        assert_eq!(starts, vec![18, 3]);
    }

    #[test]
    fn non_ascii_patterns() {
        let text = chars("Η Αθήνα και η Θεσσαλονίκη, 東京と大阪 😀🎉");
        let hits = search(&Pattern::new(&chars("Αθηνα")), forward(&text), 1, 256, None);
        assert_eq!(hits.len(), 1);
        let hits = search(
            &Pattern::new(&chars("東京と大阪")),
            forward(&text),
            0,
            256,
            None,
        );
        assert_eq!(hits[0].at + 1, 32);
        let hits = search(&Pattern::new(&chars("😀🎉")), forward(&text), 0, 256, None);
        assert_eq!(hits[0].at + 1, text.len());
    }

    proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        #[test]
        fn bit_parallel_distance_equals_dynamic_programme(
            a in "[abc ]{0,150}", b in "[abc ]{0,150}"
        ) {
            let (a, b) = (chars(&a), chars(&b));
            prop_assert_eq!(distance(&Pattern::new(&a), &b), levenshtein(&a, &b));
        }

        #[test]
        fn long_patterns_search_like_the_column_step(
            pattern in "[abc ]{65,200}", text in "[abc ]{0,400}", k in 0usize..60
        ) {
            let (pattern, text) = (Pattern::new(&chars(&pattern)), chars(&text));
            let mut column = Column::new(&pattern);
            let mut minima = Minima::new(k);
            for (at, &c) in text.iter().enumerate() {
                minima.push(at, column.step(&pattern, c, 0));
            }
            let reference = thin(minima.finish(), pattern.len, 256, None);
            prop_assert_eq!(search(&pattern, forward(&text), k, 256, None), reference);
        }

        #[test]
        fn four_stretches_at_once_find_the_same_hits_as_one_scan(
            pattern in "[ab ]{1,300}",
            text in "[abc ]{0,4000}",
            k in 0usize..100,
            cap in prop::sample::select(vec![1usize, 3, 256]),
            near in prop::option::of(0usize..4000),
        ) {
            let (pattern, text) = (Pattern::new(&chars(&pattern)), chars(&text));
            let forwards = search(&pattern, forward(&text), k, cap, near);
            let backwards = search(&pattern, text.iter().copied().enumerate().rev(), k, cap, near);
            prop_assert_eq!(&search_text(&pattern, &text, false, k, cap, near), &forwards);
            prop_assert_eq!(&search_text(&pattern, &text, true, k, cap, near), &backwards);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") && text.len() / 4 >= (2 * pattern.len).max(256) {
                prop_assert_eq!(lanes::search(&pattern, &text, false, k, cap, near), Some(forwards));
                prop_assert_eq!(lanes::search(&pattern, &text, true, k, cap, near), Some(backwards));
            }
        }

        #[test]
        fn a_stretch_alone_finds_the_whole_scans_hits_in_it(
            pattern in "[ab ]{1,100}",
            text in "[abc ]{0,600}",
            k in 0usize..30,
            from in 0usize..600,
            len in 0usize..300,
        ) {
            let (pattern, text) = (Pattern::new(&chars(&pattern)), chars(&text));
            let mut minima = Minima::new(k);
            each_distance(&pattern, forward(&text), |at, errors| minima.push(at, errors));
            let stretch = from..from + len;
            let whole: Vec<Hit> = minima
                .finish()
                .into_iter()
                .filter(|hit| stretch.contains(&hit.at))
                .collect();
            if let Some(hits) = hits_within(&pattern, &text, stretch, k, None) {
                prop_assert_eq!(hits, whole);
            }
        }

        #[test]
        fn search_hits_are_true_minimal_distances(
            pattern in "[ab ]{1,80}", text in "[ab ]{0,60}", k in 0usize..6
        ) {
            let (pattern, text) = (chars(&pattern), chars(&text));
            for hit in search(&Pattern::new(&pattern), forward(&text), k, 256, None) {
                let best = (0..=hit.at)
                    .map(|i| levenshtein(&pattern, &text[i..=hit.at]))
                    .min();
                prop_assert_eq!(Some(hit.errors), best);
                prop_assert!(hit.errors <= k);
            }
        }
    }
}
