//! W3C selectors over canonical text: the TextQuoteSelector (`exact` with up to
//! [`CONTEXT_LEN`] code points of `prefix` and `suffix`) and the code-point arithmetic that the
//! TextPositionSelector needs. Every offset here counts Unicode code points, never bytes or
//! UTF-16 units; browsers' UTF-16 offsets are converted with [`utf16_to_cp`].

use serde::{Deserialize, Serialize};

/// How many code points of context a quote keeps on each side.
pub const CONTEXT_LEN: usize = 32;

/// A W3C TextQuoteSelector: the quoted passage and the text just before and after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextQuote {
    pub exact: String,
    pub prefix: String,
    pub suffix: String,
}

/// Length of `text` in code points.
pub fn cp_len(text: &str) -> usize {
    text.chars().count()
}

/// Byte offset of code point `cp` in `text`, clamped to the end of the text.
fn byte_at(text: &str, cp: usize) -> usize {
    text.char_indices().nth(cp).map_or(text.len(), |(b, _)| b)
}

/// The code points `[start, end)` of `text`. Offsets past the end are clamped; an empty or
/// reversed range gives "".
pub fn cp_slice(text: &str, start: usize, end: usize) -> &str {
    if start >= end {
        return "";
    }
    let from = byte_at(text, start);
    let to = from + byte_at(&text[from..], end - start);
    &text[from..to]
}

/// The quote selector for code points `[start, end)` of `text`, with up to [`CONTEXT_LEN`] code
/// points of context each side. Out-of-range offsets are clamped.
pub fn quote_at(text: &str, start: usize, end: usize) -> TextQuote {
    // One scan that stops after the suffix, noting the four byte offsets needed.
    let start = start.min(end);
    let marks = [
        start.saturating_sub(CONTEXT_LEN),
        start,
        end,
        end.saturating_add(CONTEXT_LEN),
    ];
    let mut bytes = [text.len(); 4];
    let mut next = 0;
    for (cp, (byte, _)) in text.char_indices().enumerate() {
        while next < 4 && marks[next] <= cp {
            bytes[next] = byte;
            next += 1;
        }
        if next == 4 {
            break;
        }
    }
    let [before, from, to, after] = bytes;
    TextQuote {
        exact: text[from..to].to_owned(),
        prefix: text[before..from].to_owned(),
        suffix: text[to..after].to_owned(),
    }
}

/// Converts a UTF-16 offset (what a browser's `Range` reports) into a code-point offset. `None`
/// when the offset is past the end or falls between the two halves of a surrogate pair.
pub fn utf16_to_cp(text: &str, utf16_offset: usize) -> Option<usize> {
    let mut units = 0;
    for (cp, c) in text.chars().enumerate() {
        if units == utf16_offset {
            return Some(cp);
        }
        if units > utf16_offset {
            return None;
        }
        units += c.len_utf16();
    }
    (units == utf16_offset).then(|| cp_len(text))
}

/// Byte offsets of every code point of a text, so that slicing by code points is O(1) when one
/// text is sliced many times (re-anchoring hundreds of passages on one revision). An ASCII text,
/// where code points are bytes, needs no table.
pub(crate) struct CharIndex<'a> {
    text: &'a str,
    /// `bytes[i]` is the byte offset of code point `i`; the last entry is `text.len()`. Empty
    /// for an ASCII text.
    bytes: Vec<usize>,
    len: usize,
}

impl<'a> CharIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return CharIndex {
                text,
                bytes: Vec::new(),
                len: text.len(),
            };
        }
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        CharIndex {
            text,
            len: bytes.len() - 1,
            bytes,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Byte offset of code point `cp`, clamped to the end of the text.
    fn byte(&self, cp: usize) -> usize {
        let cp = cp.min(self.len);
        if self.bytes.is_empty() {
            cp
        } else {
            self.bytes[cp]
        }
    }

    /// Code points `[start, end)`, clamped like [`cp_slice`].
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a str {
        let end = end.min(self.len());
        if start >= end {
            return "";
        }
        &self.text[self.byte(start)..self.byte(end)]
    }

    /// The same selector as [`quote_at`] on the indexed text, without scanning it.
    pub(crate) fn quote(&self, start: usize, end: usize) -> TextQuote {
        let start = start.min(end);
        let before = self.byte(start.saturating_sub(CONTEXT_LEN));
        let from = self.byte(start);
        let to = self.byte(end);
        let after = self.byte(end.saturating_add(CONTEXT_LEN));
        TextQuote {
            exact: self.text[from..to].to_owned(),
            prefix: self.text[before..from].to_owned(),
            suffix: self.text[to..after].to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_by_code_points_and_clamps() {
        let text = "a—b😀c";
        assert_eq!(cp_len(text), 5);
        assert_eq!(cp_slice(text, 1, 4), "—b😀");
        assert_eq!(cp_slice(text, 3, 99), "😀c");
        assert_eq!(cp_slice(text, 4, 2), "");
        assert_eq!(cp_slice(text, 50, 60), "");
        assert_eq!(cp_slice("", 0, 1), "");
    }

    #[test]
    fn quote_takes_context_from_the_text() {
        let text = "0123456789".repeat(5);
        let q = quote_at(&text, 40, 42);
        assert_eq!(q.exact, "01");
        assert_eq!(q.prefix, &text[8..40]);
        assert_eq!(q.suffix, "23456789");
        let q = quote_at("héllo wörld", 0, 5);
        assert_eq!(
            q,
            TextQuote {
                exact: "héllo".into(),
                prefix: String::new(),
                suffix: " wörld".into()
            }
        );
        // Out of range: clamped, never a panic.
        assert_eq!(quote_at("abc", 5, 9).exact, "");
        assert_eq!(quote_at("abc", 2, 1).suffix, "bc");
    }

    #[test]
    fn the_index_gives_the_same_quotes_and_slices() {
        for text in [
            "",
            "abc",
            "héllo wörld—a😀b",
            &"0123456789".repeat(9),
            &"é😀 x".repeat(30),
        ] {
            let index = CharIndex::new(text);
            let n = cp_len(text);
            assert_eq!(index.len(), n);
            for start in 0..n + 40 {
                for end in [0, 1, start, start + 1, start + 7, start + 40, n, n + 50] {
                    assert_eq!(
                        index.quote(start, end),
                        quote_at(text, start, end),
                        "{text:?}"
                    );
                    assert_eq!(index.slice(start, end), cp_slice(text, start, end));
                }
            }
        }
    }

    #[test]
    fn utf16_offsets_convert_around_astral_characters() {
        let text = "a😀b"; // 😀 is two UTF-16 units
        assert_eq!(utf16_to_cp(text, 0), Some(0));
        assert_eq!(utf16_to_cp(text, 1), Some(1));
        assert_eq!(utf16_to_cp(text, 2), None, "inside the surrogate pair");
        assert_eq!(utf16_to_cp(text, 3), Some(2));
        assert_eq!(utf16_to_cp(text, 4), Some(3));
        assert_eq!(utf16_to_cp(text, 5), None, "past the end");
        assert_eq!(utf16_to_cp("", 0), Some(0));
        assert_eq!(utf16_to_cp("Ελλάδα 東京", 8), Some(8));
    }
}
