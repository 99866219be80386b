//! A record of the engine's answers, for tests only: with `ENGINE_ANSWERS=path` set, every
//! re-anchoring and every intake location made by the library's tests is appended to that
//! file as one line (a hash of the texts, the question, the answer), so that two builds of the
//! engine can be compared answer for answer (sort both files, then `cmp`). Property tests draw
//! the same cases when `PROPTEST_RNG_SEED` is fixed.

use std::fmt::Debug;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// A stable hash of some code points (FNV-1a), the same on every run and machine.
pub(crate) fn hash(chars: impl IntoIterator<Item = char>) -> u64 {
    chars.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, c| {
        (h ^ u64::from(c)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Appends one answer, if recording is on.
pub(crate) fn record(kind: &str, texts: (u64, u64), question: &impl Debug, answer: &impl Debug) {
    static FILE: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    let file = FILE.get_or_init(|| {
        let path = std::env::var_os("ENGINE_ANSWERS")?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("ENGINE_ANSWERS names a writable file");
        Some(Mutex::new(file))
    });
    if let Some(file) = file {
        let line = format!(
            "{kind} {:016x} {:016x} {question:?} => {answer:?}\n",
            texts.0, texts.1
        );
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes()).expect("answer recorded");
    }
}
