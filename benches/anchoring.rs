//! Benchmarks of the passage anchoring engine on a generated 10,000-word article: re-anchoring
//! 200 anchors after a one-paragraph edit (target: under 50 ms) and locating a reader's quote at
//! intake, exactly and with a small difference (target: under 1 ms); and, when the side-by-side
//! kit is there, re-anchoring the peer workload's 200 quotes on both of its variants (see
//! `peer` below and `benches/anchoring_vs_peer.sh`).

use criterion::Criterion;
use errata::text::{locate, quote_at, PriorAnchor, RevisionChange};
use std::hint::black_box;

#[path = "anchoring/peer.rs"]
mod peer;

const WORDS: &[&str] = &[
    "the",
    "council",
    "voted",
    "on",
    "Tuesday",
    "to",
    "approve",
    "a",
    "bond",
    "for",
    "repairs",
    "bridge",
    "which",
    "has",
    "been",
    "closed",
    "trucks",
    "since",
    "March",
    "mayor",
    "said",
    "construction",
    "could",
    "begin",
    "as",
    "early",
    "next",
    "spring",
    "member",
    "against",
    "measure",
    "city",
    "had",
    "not",
    "secured",
    "matching",
    "funds",
    "from",
    "state",
    "borrowing",
    "money",
    "carries",
    "roughly",
    "vehicles",
    "day",
    "according",
    "traffic",
    "study",
    "public",
    "hearing",
    "schedule",
    "residents",
    "complained",
    "about",
    "noise",
    "budget",
    "million",
    "engineers",
    "inspection",
    "report",
    "found",
    "corrosion",
    "steel",
    "beams",
    "deck",
];

/// A deterministic article of `paragraphs` paragraphs of ~80 words (a small linear congruential
/// generator picks the words, so every run benchmarks the same text).
fn article(paragraphs: usize) -> Vec<String> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    (0..paragraphs)
        .map(|_| {
            let len = 70 + next() % 21;
            let mut words: Vec<String> = Vec::with_capacity(len);
            for i in 0..len {
                let word = WORDS[next() % WORDS.len()];
                if i == 0 {
                    let mut c = word.chars();
                    let first = c.next().map(|f| f.to_uppercase().collect::<String>());
                    words.push(first.unwrap_or_default() + c.as_str());
                } else if i % 12 == 11 {
                    words.push(format!("{word}."));
                } else {
                    words.push(word.to_owned());
                }
            }
            words.join(" ") + "."
        })
        .collect()
}

struct Setup {
    old: String,
    new: String,
    anchors: Vec<PriorAnchor>,
}

fn setup() -> Setup {
    let paragraphs = article(125);
    let old = paragraphs.join("\n\n");
    let words = old.split_whitespace().count();
    assert!((9_000..=11_000).contains(&words), "{words} words");
    // One paragraph edited in the middle: every seventh word replaced and a sentence added, so
    // the anchors in it need the fuzzy search.
    let mut edited = paragraphs.clone();
    edited[62] = edited[62]
        .split(' ')
        .enumerate()
        .map(|(i, w)| if i % 7 == 3 { "revised" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
        + " An added sentence.";
    let new = edited.join("\n\n");
    // 200 anchors of 3 to 12 words, spread evenly.
    let chars: Vec<char> = old.chars().collect();
    let mut anchors = Vec::with_capacity(200);
    for i in 0..200 {
        let mut start = chars.len() * i / 200;
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        let mut end = start;
        for _ in 0..(3 + i % 10) {
            while end < chars.len() && !chars[end].is_whitespace() {
                end += 1;
            }
            if end < chars.len() {
                end += 1;
            }
        }
        while end > start && chars[end - 1].is_whitespace() {
            end -= 1;
        }
        anchors.push(PriorAnchor {
            start,
            end,
            quote: quote_at(&old, start, end),
        });
    }
    Setup { old, new, anchors }
}

fn benches(c: &mut Criterion) {
    let s = setup();
    c.bench_function("reanchor_200_after_one_paragraph_edit", |b| {
        b.iter(|| {
            let change = RevisionChange::new(black_box(&s.old), black_box(&s.new));
            for anchor in &s.anchors {
                black_box(change.reanchor(anchor));
            }
        })
    });

    // A quote late in the article, with its context, as a browser sends it.
    let quote = &s.anchors[170].quote;
    c.bench_function("locate_quote_10k_words", |b| {
        b.iter(|| {
            locate(
                black_box(&s.old),
                black_box(&quote.exact),
                Some(&quote.prefix),
                Some(&quote.suffix),
            )
        })
    });

    // The same quote with one word misspelt on the reader's page.
    let fuzzy = quote.exact.replacen("e", "a", 1);
    assert_ne!(fuzzy, quote.exact);
    c.bench_function("locate_quote_fuzzy_10k_words", |b| {
        b.iter(|| {
            locate(
                black_box(&s.old),
                black_box(&fuzzy),
                Some(&quote.prefix),
                Some(&quote.suffix),
            )
        })
    });
}

fn main() {
    // The side-by-side script asks for timings or answers on the peer workload only.
    if peer::standalone() {
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    peer::benches(&mut criterion);
    criterion.final_summary();
}
