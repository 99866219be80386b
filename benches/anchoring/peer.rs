//! The side-by-side workload: the 200 quotes of `../shared/bench/peer/input.json` (a
//! ~10,000-word article and two edited revisions of it, with the right answer for every quote)
//! re-anchored by Errata's engine, as the revision `PUT` does it: one diff per revision, each
//! quote's selector taken from the old text, every quote placed.
//!
//! `ERRATA_PEER_INPUT` overrides the input's path (relative paths are taken from the repository
//! root). Without the file the peer benchmarks are skipped with a message.
//!
//! Two standalone modes, for `benches/anchoring_vs_peer.sh` (criterion does not run):
//! - `ERRATA_PEER_RUNS=N`: one untimed batch per variant, then `N` timed ones; prints one JSON
//!   line per variant with the batch times, their median and the score against `expected`;
//! - `ERRATA_PEER_ANSWERS=path`: writes every quote's answer on both variants to `path`, one
//!   line per quote, so that two builds of the engine can be compared byte for byte.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::Criterion;
use errata::text::{quote_at, Reanchored, RevisionChange};
use serde::Deserialize;

#[derive(Deserialize)]
struct Input {
    original: String,
    quotes: Vec<Quote>,
    variants: Vec<Variant>,
}

#[derive(Deserialize)]
struct Quote {
    exact: String,
    start: usize,
    end: usize,
}

#[derive(Deserialize)]
struct Variant {
    name: String,
    text: String,
    expected: Vec<Expected>,
}

#[derive(Deserialize)]
struct Expected {
    /// Where the quote's words start in the variant; `None` when an edit touched them.
    start: Option<usize>,
}

fn input_path() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("ERRATA_PEER_INPUT") {
        Some(path) => root.join(path),
        None => root.join("../shared/bench/peer/input.json"),
    }
}

fn load() -> Option<Input> {
    let path = input_path();
    let Ok(raw) = std::fs::read_to_string(&path) else {
        eprintln!(
            "peer workload skipped: {} is not there (set ERRATA_PEER_INPUT to its path)",
            path.display()
        );
        return None;
    };
    let input: Input = serde_json::from_str(&raw).expect("the peer input parses");
    for q in &input.quotes {
        assert_eq!(
            quote_at(&input.original, q.start, q.end).exact,
            q.exact,
            "a quote's offsets do not match the original"
        );
    }
    Some(input)
}

/// One batch: the diff from the original to `new`, then every quote carried over.
fn batch(old: &str, new: &str, quotes: &[Quote]) -> Vec<Reanchored> {
    let change = RevisionChange::new(old, new);
    quotes
        .iter()
        .map(|q| change.reanchor(&change.prior(q.start, q.end)))
        .collect()
}

/// How the answers compare with the right ones.
#[derive(Default)]
struct Score {
    /// Quotes whose words survive the edit…
    surviving: usize,
    /// …placed on exactly those words.
    at_truth: usize,
    /// …placed anywhere else: a false anchor.
    false_anchors: usize,
    /// Quotes an edit touched that were placed somewhere (no single right answer).
    edited_placed: usize,
}

fn score(input: &Input, variant: &Variant, answers: &[Reanchored]) -> Score {
    let mut s = Score::default();
    for ((q, expected), answer) in input.quotes.iter().zip(&variant.expected).zip(answers) {
        let placed = answer.recorded_span();
        match expected.start {
            Some(start) => {
                s.surviving += 1;
                let len = q.end - q.start;
                match placed {
                    Some(span) if span == (start, start + len) => s.at_truth += 1,
                    Some(_) => s.false_anchors += 1,
                    None => {}
                }
            }
            None => s.edited_placed += usize::from(placed.is_some()),
        }
    }
    s
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Runs a standalone mode if one is asked for; whether it did.
pub fn standalone() -> bool {
    let runs = std::env::var("ERRATA_PEER_RUNS").ok();
    let answers = std::env::var_os("ERRATA_PEER_ANSWERS");
    if runs.is_none() && answers.is_none() {
        return false;
    }
    let Some(input) = load() else {
        std::process::exit(2);
    };
    if let Some(path) = answers {
        let mut out = String::new();
        for v in &input.variants {
            for (i, a) in batch(&input.original, &v.text, &input.quotes)
                .iter()
                .enumerate()
            {
                let candidates: Vec<(usize, usize, String)> = a
                    .candidates
                    .iter()
                    .map(|c| (c.start, c.end, format!("{:.17}", c.score)))
                    .collect();
                writeln!(
                    out,
                    "{} {i} {:?} {:?} {:?} {:?} {:.17} {:?} {:?}",
                    v.name, a.status, a.method, a.start, a.end, a.score, a.now_reads, candidates
                )
                .expect("formatted");
            }
        }
        std::fs::write(&path, out).expect("answers written");
    }
    if let Some(runs) = runs {
        let runs: usize = runs.parse().expect("ERRATA_PEER_RUNS is a number");
        for v in &input.variants {
            let first = batch(&input.original, &v.text, &input.quotes);
            let times: Vec<f64> = (0..runs)
                .map(|_| {
                    let t0 = Instant::now();
                    black_box(batch(&input.original, &v.text, &input.quotes));
                    t0.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            let s = score(&input, v, &first);
            let times_json: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
            println!(
                "{{\"variant\":\"{}\",\"median_ms\":{:.4},\"min_ms\":{:.4},\"times_ms\":[{}],\"surviving\":{},\"at_truth\":{},\"false_anchors\":{},\"edited_placed\":{}}}",
                v.name,
                median(&times),
                times.iter().copied().fold(f64::INFINITY, f64::min),
                times_json.join(","),
                s.surviving,
                s.at_truth,
                s.false_anchors,
                s.edited_placed
            );
        }
    }
    true
}

/// Criterion benchmarks of the peer workload, one per variant.
pub fn benches(c: &mut Criterion) {
    let Some(input) = load() else {
        return;
    };
    for v in &input.variants {
        c.bench_function(&format!("peer_workload_200_quotes_{}", v.name), |b| {
            b.iter(|| {
                batch(
                    black_box(&input.original),
                    black_box(&v.text),
                    &input.quotes,
                )
            })
        });
    }
}
