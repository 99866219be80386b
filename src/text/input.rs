//! The one rule for text that arrives from outside (API bodies, the import file): control
//! characters are refused, except line feed and tab; Windows (`\r\n`) and old Mac (`\r`) line ends
//! are accepted and stored as `\n`, since readers paste from everywhere; and a minimum length
//! counts only what a reader can see, so white space, zero-width and other invisible characters
//! cannot make up a description. Every domain validator reads its text fields through here.

use std::borrow::Cow;
use std::fmt;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A field whose text was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub field: String,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The field is required and was not sent.
    Missing,
    /// Nothing but white space.
    Empty,
    /// A control character other than `\n` and `\t`, at this 1-based character position.
    Control { ch: char, at: usize },
    /// Fewer visible characters than the field needs.
    TooShort { min: usize, visible: usize },
    /// More characters (of any kind) than the field may hold.
    TooLong { max: usize, len: usize },
}

fn refused(field: &str, reason: Reason) -> Refused {
    Refused {
        field: field.to_owned(),
        reason,
    }
}

/// The usual abbreviations of the C0 controls, so a message can say which one was sent.
const C0_NAMES: [&str; 32] = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
    "FS", "GS", "RS", "US",
];

/// `U+0000 (NUL)`: the code point and, for the C0 controls and DEL, the name people know.
pub fn describe_char(c: char) -> String {
    let code = c as u32;
    let name = match code {
        0..=0x1F => Some(C0_NAMES[code as usize]),
        0x7F => Some("DEL"),
        _ => None,
    };
    match name {
        Some(name) => format!("U+{code:04X} ({name})"),
        None => format!("U+{code:04X}"),
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.reason {
            Reason::Missing => write!(f, "{field} is required"),
            Reason::Empty => write!(f, "{field} must not be empty"),
            Reason::Control { ch, at } => write!(
                f,
                "{field} contains the control character {} at character {at}; only line breaks \
                 and tabs are allowed",
                describe_char(*ch)
            ),
            Reason::TooShort { min, visible } => write!(
                f,
                "{field} must have at least {min} visible character{} (it has {visible}; white \
                 space and invisible characters do not count)",
                if *min == 1 { "" } else { "s" }
            ),
            Reason::TooLong { max, len } => {
                write!(f, "{field} must be at most {max} characters (it has {len})")
            }
        }
    }
}

impl std::error::Error for Refused {}

/// Whether a character is allowed in input text at all.
fn allowed(c: char) -> bool {
    !c.is_control() || c == '\n' || c == '\t'
}

/// `raw` with its line ends made `\n`, or the first control character it holds.
pub fn clean<'a>(raw: &'a str, field: &str) -> Result<Cow<'a, str>, Refused> {
    for (i, c) in raw.chars().enumerate() {
        // A `\r` is a line end; any other control but `\n` and `\t` is refused.
        if c != '\r' && !allowed(c) {
            return Err(refused(field, Reason::Control { ch: c, at: i + 1 }));
        }
    }
    if !raw.contains('\r') {
        return Ok(Cow::Borrowed(raw));
    }
    Ok(Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n")))
}

/// Characters that take up no room on screen: white space, controls, format characters (zero-width
/// space and joiners, word joiner, byte-order mark, soft hyphen, bidi controls, tags), combining
/// marks (which only decorate the character before them), and the few letters and symbols that are
/// blank by design (Hangul fillers, the blank braille pattern).
pub fn is_invisible(c: char) -> bool {
    if c.is_whitespace() {
        return true;
    }
    if matches!(
        c,
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}'
    ) {
        return true;
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark
    )
}

/// How many characters of `s` a reader can see.
pub fn visible_len(s: &str) -> usize {
    s.chars().filter(|c| !is_invisible(*c)).count()
}

fn at_most(value: &str, field: &str, max: usize) -> Result<(), Refused> {
    let len = value.chars().count();
    if len > max {
        return Err(refused(field, Reason::TooLong { max, len }));
    }
    Ok(())
}

/// A field that must be sent: cleaned and trimmed, with at least `min` (and at least one) visible
/// characters and at most `max` characters.
pub fn required(raw: Option<&str>, field: &str, min: usize, max: usize) -> Result<String, Refused> {
    let raw = raw.ok_or_else(|| refused(field, Reason::Missing))?;
    let cleaned = clean(raw, field)?;
    let value = cleaned.trim();
    if value.is_empty() {
        return Err(refused(field, Reason::Empty));
    }
    let min = min.max(1);
    let visible = visible_len(value);
    if visible < min {
        return Err(refused(field, Reason::TooShort { min, visible }));
    }
    at_most(value, field, max)?;
    Ok(value.to_owned())
}

/// A field that may be left out: cleaned and trimmed, at most `max` characters; `None` when it was
/// not sent or holds nothing visible.
pub fn optional(raw: Option<&str>, field: &str, max: usize) -> Result<Option<String>, Refused> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let cleaned = clean(raw, field)?;
    let value = cleaned.trim();
    if visible_len(value) == 0 {
        return Ok(None);
    }
    at_most(value, field, max)?;
    Ok(Some(value.to_owned()))
}

/// A field kept as sent (a quote's context, where the spaces matter): cleaned, at most `max`
/// characters, not trimmed.
pub fn verbatim(raw: Option<&str>, field: &str, max: usize) -> Result<Option<String>, Refused> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let cleaned = clean(raw, field)?;
    at_most(&cleaned, field, max)?;
    Ok(Some(cleaned.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason<T: fmt::Debug>(r: Result<T, Refused>) -> Reason {
        r.expect_err("refused").reason
    }

    #[test]
    fn control_characters_are_refused_with_their_name_and_place() {
        let err = clean("ab\u{0}c", "description").unwrap_err();
        assert_eq!(err.reason, Reason::Control { ch: '\0', at: 3 });
        assert_eq!(
            err.to_string(),
            "description contains the control character U+0000 (NUL) at character 3; only line \
             breaks and tabs are allowed"
        );
        for c in [
            '\u{7}', '\u{1B}', '\u{7F}', '\u{85}', '\u{9F}', '\u{B}', '\u{C}',
        ] {
            let text = format!("fine{c}");
            assert_eq!(
                reason(clean(&text, "f")),
                Reason::Control { ch: c, at: 5 },
                "{c:?}"
            );
        }
        assert!(describe_char('\u{1B}').contains("ESC"));
        assert_eq!(describe_char('\u{9B}'), "U+009B");
    }

    #[test]
    fn line_feeds_and_tabs_pass_and_carriage_returns_become_line_feeds() {
        assert!(matches!(clean("a\n\tb", "f"), Ok(Cow::Borrowed("a\n\tb"))));
        assert_eq!(clean("one\r\ntwo\rthree", "f").unwrap(), "one\ntwo\nthree");
        assert_eq!(
            required(Some("  line one\r\nline two\r\n"), "f", 1, 100).unwrap(),
            "line one\nline two"
        );
    }

    #[test]
    fn invisible_characters_count_for_nothing() {
        let zw = "\u{200B}".repeat(20);
        assert_eq!(visible_len(&zw), 0);
        assert_eq!(
            reason(required(Some(&zw), "description", 10, 5000)),
            Reason::TooShort {
                min: 10,
                visible: 0
            }
        );
        for c in [
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{AD}',
            '\u{202E}',
            '\u{2066}',
            '\u{301}',
            '\u{FE0F}',
            '\u{E0041}',
            '\u{3164}',
            '\u{2800}',
            '\u{A0}',
            '\u{3000}',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
        assert_eq!(visible_len("cafe\u{301} \u{200B}ok"), 6);
        assert_eq!(visible_len("日本語 ✓ 9"), 5);
        // The space between words is not one of the ten.
        assert_eq!(
            reason(required(Some("Wrong year"), "description", 10, 5000)),
            Reason::TooShort {
                min: 10,
                visible: 9
            }
        );
        assert_eq!(
            required(Some("Wrong year!"), "description", 10, 5000).unwrap(),
            "Wrong year!"
        );
    }

    #[test]
    fn white_space_only_is_empty_and_absent_is_missing() {
        assert_eq!(
            reason(required(Some(" \u{A0}\n\t "), "f", 10, 50)),
            Reason::Empty
        );
        assert_eq!(reason(required(None, "f", 1, 50)), Reason::Missing);
        assert_eq!(
            reason(required(Some("\u{200B}"), "f", 0, 50)),
            Reason::TooShort { min: 1, visible: 0 }
        );
        assert_eq!(optional(Some("  \u{200B} "), "f", 50).unwrap(), None);
        assert_eq!(optional(None, "f", 50).unwrap(), None);
        assert_eq!(
            optional(Some(" hi "), "f", 50).unwrap().as_deref(),
            Some("hi")
        );
    }

    #[test]
    fn maximums_count_every_character() {
        assert_eq!(
            reason(required(Some("abcdef"), "f", 1, 5)),
            Reason::TooLong { max: 5, len: 6 }
        );
        assert_eq!(
            reason(optional(Some(&"\u{200B}a".repeat(3)), "f", 5)),
            Reason::TooLong { max: 5, len: 6 }
        );
        assert_eq!(
            verbatim(Some(" kept as sent "), "f", 20)
                .unwrap()
                .as_deref(),
            Some(" kept as sent ")
        );
        assert_eq!(
            reason(verbatim(Some("a\u{0}"), "passage.prefix", 20)),
            Reason::Control { ch: '\0', at: 2 }
        );
    }

    proptest::proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        #[test]
        fn what_is_accepted_holds_no_control_but_line_feed_and_tab(raw in "\\PC{0,20}|[\u{0}-\u{1F}\u{7F}-\u{9F}a \r\n]{0,20}") {
            if let Ok(cleaned) = clean(&raw, "f") {
                proptest::prop_assert!(cleaned.chars().all(allowed));
                proptest::prop_assert!(!cleaned.contains('\r'));
            }
        }
    }
}
