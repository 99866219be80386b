//! Typographic folding: the character-for-character normalisation applied to both sides of every
//! comparison, so that a curly quote in a reader's selection still matches a straight one in the
//! stored text. Folding never changes the number of code points, so offsets found in folded text
//! are offsets in the original.

/// Folds one character: curly single quotes and the modifier apostrophe to `'`, curly double
/// quotes to `"`, dashes and the minus sign to `-`, no-break spaces to a plain space. Everything
/// else, including case, is kept.
#[inline]
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match c {
        // ‘ ’ ‚ ‛ and ʼ (modifier letter apostrophe, common in CMS output)
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{02BC}' => '\'',
        // “ ” „ ‟
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' => '"',
        // hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar, minus
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => '-',
        // no-break space, figure space, narrow no-break space
        '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
        other => other,
    }
}

/// Folds typographic variants one character for one character (see [`fold_char`]).
pub fn fold(text: &str) -> String {
    // Copy unchanged stretches whole: most article text has nothing to fold.
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, c) in text.char_indices() {
        let folded = fold_char(c);
        if folded != c {
            out.push_str(&text[copied..at]);
            out.push(folded);
            copied = at + c.len_utf8();
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The folded code points of `text`, the form every search works on.
pub(crate) fn fold_chars(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    for_each_folded(text, |c| out.push(c));
    out
}

/// Calls `f` with each folded code point of `text`. ASCII bytes, nearly all of an English
/// article, are taken without UTF-8 decoding or folding (nothing ASCII folds).
#[inline]
pub(crate) fn for_each_folded(text: &str, mut f: impl FnMut(char)) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte.is_ascii() {
            f(char::from(byte));
            at += 1;
        } else {
            // `at` is always on a character boundary: it advances by whole characters.
            let Some(c) = text.get(at..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            f(fold_char(c));
            at += c.len_utf8();
        }
    }
}

/// Replaces every run of white space with one space. Leading and trailing runs are kept (as one
/// space) because a prefix's trailing space is part of its context.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// A letter or digit that joins its neighbours into one word. Scripts written without spaces
/// (Han, kana, Thai and neighbours) are excluded: there each character may start or end a
/// passage, otherwise a whole sentence would count as one word.
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_unspaced_script(c)
}

/// Characters of scripts that do not separate words with spaces.
#[inline]
pub(crate) fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'   // Thai, Lao
        | '\u{1000}'..='\u{109F}' // Myanmar
        | '\u{1780}'..='\u{17FF}' // Khmer
        | '\u{2E80}'..='\u{2FFF}' // CJK radicals
        | '\u{3040}'..='\u{31FF}' // kana, bopomofo
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{20000}'..='\u{3FFFF}' // CJK extensions B and later
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_quotes_dashes_and_spaces_one_for_one() {
        let text =
            "\u{2018}a\u{2019} \u{201C}b\u{201D} c\u{2013}d\u{2014}e\u{2212}f\u{00A0}g o\u{02BC}k";
        let folded = fold(text);
        assert_eq!(folded, "'a' \"b\" c-d-e-f g o'k");
        assert_eq!(folded.chars().count(), text.chars().count());
    }

    #[test]
    fn keeps_case_and_other_scripts() {
        assert_eq!(fold("Ωμέγα Tokyo 東京 😀"), "Ωμέγα Tokyo 東京 😀");
    }

    #[test]
    fn collapses_whitespace_runs_but_keeps_edges() {
        assert_eq!(
            collapse_whitespace(" a \n\t b\u{00A0}\u{00A0}c "),
            " a b c "
        );
    }

    #[test]
    fn word_chars_exclude_unspaced_scripts() {
        assert!(is_word_char('a'));
        assert!(is_word_char('7'));
        assert!(is_word_char('λ'));
        assert!(!is_word_char('東'));
        assert!(!is_word_char('-'));
    }
}
