//! A sweep of re-anchoring and intake over long generated articles, for comparing two builds of
//! the engine answer for answer: every answer goes to `ENGINE_ANSWERS` (see `text::answers`),
//! and the sorted files of the two builds must be identical. The articles repeat whole
//! sentences many times, as wire copy and boilerplate do, so that a quote has look-alikes far
//! from its place and the rules that compare candidates across the whole text are exercised,
//! not only the search near the old place.
//!
//! ```text
//! ENGINE_ANSWERS=answers.txt SWEEP_ARTICLES=200 \
//!     cargo test --release --lib text::reanchor::sweep -- --ignored --nocapture
//! ```

use super::cases::{MOVABLE, SENTENCES};
use super::tests::prior;
use super::RevisionChange;
use crate::text::locate;

/// A small deterministic generator, so that every build sweeps the same cases.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Typographic variants and words that an edit may bring in.
const WORDS: &[&str] = &[
    "council",
    "bridge",
    "Whitcomb",
    "Ortega",
    "said",
    "the",
    "Tuesday",
    "14,000",
    "$52",
    "“fine”",
    "it’s",
    "—",
    "café",
    "東京",
    "🎉",
    "Ωμέγα",
    "not",
    "state",
    "repairs",
];

fn article(rng: &mut Lcg, paragraphs: usize) -> Vec<String> {
    (0..paragraphs)
        .map(|_| {
            if rng.below(4) == 0 {
                rng.pick(MOVABLE).to_owned()
            } else {
                let n = 1 + rng.below(5);
                (0..n)
                    .map(|_| rng.pick(SENTENCES))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        })
        .collect()
}

/// One random edit of the article, at the level of paragraphs, sentences, words or letters.
fn edit(rng: &mut Lcg, paragraphs: &mut Vec<String>) {
    let p = rng.below(paragraphs.len());
    match rng.below(10) {
        // A word replaced, inserted or deleted.
        0..=2 => {
            let mut words: Vec<String> = paragraphs[p].split(' ').map(str::to_owned).collect();
            let w = rng.below(words.len());
            match rng.below(3) {
                0 => words[w] = rng.pick(WORDS).to_owned(),
                1 => words.insert(w, rng.pick(WORDS).to_owned()),
                _ if words.len() > 1 => {
                    words.remove(w);
                }
                _ => {}
            }
            paragraphs[p] = words.join(" ");
        }
        // Two letters swapped or one dropped (a typo made or fixed).
        3 => {
            let mut chars: Vec<char> = paragraphs[p].chars().collect();
            if chars.len() > 2 {
                let at = rng.below(chars.len() - 1);
                if rng.below(2) == 0 {
                    chars.swap(at, at + 1);
                } else {
                    chars.remove(at);
                }
            }
            paragraphs[p] = chars.into_iter().collect();
        }
        // A sentence inserted or deleted.
        4 => {
            let mut sentences: Vec<&str> = paragraphs[p].split_inclusive(". ").collect();
            let s = rng.below(sentences.len() + 1);
            let added = format!("{} ", rng.pick(SENTENCES));
            if rng.below(2) == 0 || sentences.len() < 2 {
                sentences.insert(s, &added);
            } else {
                sentences.remove(s.min(sentences.len() - 1));
            }
            paragraphs[p] = sentences.concat().trim_end().to_owned();
        }
        // A paragraph added, deleted or moved.
        5 => paragraphs.insert(p, rng.pick(MOVABLE).to_owned()),
        6 if paragraphs.len() > 2 => {
            paragraphs.remove(p);
        }
        7 => {
            let moved = paragraphs.remove(p);
            let to = rng.below(paragraphs.len() + 1);
            paragraphs.insert(to, moved);
        }
        // A paragraph rewritten.
        8 => paragraphs[p] = article(rng, 1).remove(0),
        // Straight quotes and hyphens made typographic, or the reverse.
        _ => {
            paragraphs[p] = if paragraphs[p].contains('"') {
                paragraphs[p].replacen('"', "“", 1).replacen("-", "–", 1)
            } else {
                paragraphs[p].replace(['“', '”'], "\"")
            }
        }
    }
}

/// A span of the text to anchor: mostly whole words, sometimes cut inside a word, sometimes
/// across paragraphs, from one word to a few sentences long.
fn span(rng: &mut Lcg, chars: &[char]) -> (usize, usize) {
    let n = chars.len();
    let mut start = rng.below(n);
    let len = match rng.below(6) {
        0 => 1 + rng.below(8),
        1..=3 => 8 + rng.below(60),
        4 => 60 + rng.below(200),
        _ => 200 + rng.below(500),
    };
    let mut end = (start + len).min(n);
    if rng.below(5) != 0 {
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while end < n && !chars[end].is_whitespace() {
            end += 1;
        }
    }
    (start, end)
}

#[test]
#[ignore = "a comparison of builds, not a check: run in release with ENGINE_ANSWERS"]
fn answers_sweep() {
    let articles: usize = std::env::var("SWEEP_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mut rng = Lcg(0x5eed_0fe7_7a7a);
    let mut answers = 0;
    for a in 0..articles {
        let size = [6, 30, 120, 300][a % 4];
        let mut paragraphs = article(&mut rng, size);
        let old = paragraphs.join("\n\n");
        let edits = [1, 2, 5, 20, 60][rng.below(5)];
        for _ in 0..edits {
            edit(&mut rng, &mut paragraphs);
        }
        let new = paragraphs.join("\n\n");
        let old_chars: Vec<char> = old.chars().collect();
        let change = RevisionChange::new(&old, &new);
        for _ in 0..150 {
            let (start, end) = span(&mut rng, &old_chars);
            let mut anchor = prior(&old, start, end);
            if rng.below(40) == 0 {
                // Offsets that no longer fit the old text: the quote alone must find it.
                anchor.start += old_chars.len();
                anchor.end += old_chars.len();
            }
            std::hint::black_box(change.reanchor(&anchor));
            answers += 1;
        }
        // Intake on the new text: a reader's quote as the page shows it, sometimes with a typo
        // or typographic quotes, sometimes without context.
        let new_chars: Vec<char> = new.chars().collect();
        for _ in 0..20 {
            let (start, end) = span(&mut rng, &new_chars);
            let q = prior(&new, start, end).quote;
            let mut exact = q.exact.clone();
            if rng.below(3) == 0 {
                exact = exact.replacen('e', "a", 1).replacen('"', "“", 1);
            }
            let (prefix, suffix) = match rng.below(4) {
                0 => (None, None),
                1 => (Some(q.prefix.as_str()), None),
                _ => (Some(q.prefix.as_str()), Some(q.suffix.as_str())),
            };
            std::hint::black_box(locate(&new, &exact, prefix, suffix).ok());
            answers += 1;
        }
    }
    println!("{articles} articles, {answers} answers");
}
