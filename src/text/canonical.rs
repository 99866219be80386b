//! Canonical text: the one normalised form of an article body that every offset refers to.
//! Paragraphs are NFC-normalised, every run of white space (no-break spaces and line breaks
//! included) becomes one space, each paragraph is trimmed, empty ones are dropped, and the rest
//! are joined by a blank line (`\n\n`). Control characters are dropped (those that are white
//! space count as white space), so a revision never holds one but the `\n` of a paragraph break.
//! The same article stored as plain text or as HTML, or re-sent with different spacing, gives the
//! same canonical text and so the same offsets.

use scraper::{Html, Node};
use unicode_normalization::UnicodeNormalization;

/// Paragraph separator in canonical text.
pub(crate) const PARAGRAPH_BREAK: &str = "\n\n";

/// Canonical text of a plain-text body, whose paragraphs are separated by blank lines (lines
/// holding nothing but white space).
pub fn canonical_from_text(body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    for line in body.split('\n') {
        if line.trim().is_empty() {
            paragraphs.push(std::mem::take(&mut current));
        } else {
            current.push_str(line);
            current.push(' ');
        }
    }
    paragraphs.push(current);
    join_paragraphs(paragraphs.iter().map(String::as_str))
}

/// Elements whose content is never article text.
const DROPPED: &[&str] = &[
    "script", "style", "nav", "aside", "noscript", "template", "head", "title", "svg", "math",
    "iframe", "object", "embed", "canvas", "video", "audio", "picture", "img", "button", "select",
    "textarea", "form",
];

/// Elements that end the paragraph before them and start a new one. The paragraph sources
/// named by the spec (`p`, headings, `li`, `blockquote`, `figcaption`, `pre`) and the generic
/// block containers, so that bare text in a `div` becomes its own paragraph instead of running
/// into its neighbour.
const BLOCKS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "figcaption",
    "pre",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "figure",
    "hr",
    "address",
    "details",
    "summary",
    "fieldset",
    "center",
    "body",
    "html",
];

/// Canonical text of an HTML body (a fragment or a whole document).
///
/// Text is gathered in document order; every block element closes the paragraph being built
/// before it opens and again when it closes, so nested blocks (`<blockquote><p>`, `<li><p>`)
/// give each piece of text exactly once, and text directly inside a container is kept as a
/// paragraph of its own. `<br>` is a space.
pub fn canonical_from_html(html: &str) -> String {
    let document = Html::parse_document(html);
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    // An iterative walk (first child, next sibling, parent) rather than recursion, so deeply
    // nested markup cannot overflow the stack.
    let root = document.tree.root();
    let mut node = root;
    loop {
        let mut descend = false;
        match node.value() {
            Node::Text(text) => current.push_str(text),
            Node::Element(element) => {
                let name = element.name();
                if name == "br" {
                    current.push(' ');
                } else if !DROPPED.contains(&name) {
                    if BLOCKS.contains(&name) {
                        paragraphs.push(std::mem::take(&mut current));
                    }
                    descend = true;
                }
            }
            Node::Document | Node::Fragment => descend = true,
            _ => {}
        }
        if descend {
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
        }
        // Close this node and every ancestor that has no further sibling.
        loop {
            if let Node::Element(element) = node.value() {
                if BLOCKS.contains(&element.name()) {
                    paragraphs.push(std::mem::take(&mut current));
                }
            }
            if node == root {
                paragraphs.push(current);
                return join_paragraphs(paragraphs.iter().map(String::as_str));
            }
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => {
                    paragraphs.push(current);
                    return join_paragraphs(paragraphs.iter().map(String::as_str));
                }
            }
        }
    }
}

/// Drops each paragraph's control characters, NFC-normalises it, collapses and trims its white
/// space, drops the empty ones and joins the rest with [`PARAGRAPH_BREAK`].
fn join_paragraphs<'a>(paragraphs: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for paragraph in paragraphs {
        // Controls go before normalising, so that a mark they separated from its letter composes
        // now rather than when the canonical text is canonicalised again.
        let normalised: String = paragraph
            .chars()
            .filter(|c| !c.is_control() || c.is_whitespace())
            .nfc()
            .collect();
        let mut words = normalised
            .split(char::is_whitespace)
            .filter(|w| !w.is_empty());
        let Some(first) = words.next() else {
            continue;
        };
        if !out.is_empty() {
            out.push_str(PARAGRAPH_BREAK);
        }
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_paragraphs_split_on_blank_lines() {
        let body =
            "  First  line\nstill first\u{00A0}\u{00A0}para.\n\n\n \t \nSecond\r\n\r\nThird ";
        assert_eq!(
            canonical_from_text(body),
            "First line still first para.\n\nSecond\n\nThird"
        );
        assert_eq!(canonical_from_text(""), "");
        assert_eq!(canonical_from_text(" \n\n \u{00A0}\n"), "");
    }

    #[test]
    fn text_is_nfc_normalised() {
        // "e" + combining acute becomes the single precomposed code point.
        assert_eq!(canonical_from_text("cafe\u{301} ole\u{301}"), "café olé");
        assert_eq!(canonical_from_text("cafe\u{301}").chars().count(), 4);
    }

    #[test]
    fn html_paragraphs_headings_and_lists() {
        let html = "<h1>Title</h1><p>One <em>two</em>\n three.</p><ul><li>Item a</li><li><p>Item b</p></li></ul>";
        assert_eq!(
            canonical_from_html(html),
            "Title\n\nOne two three.\n\nItem a\n\nItem b"
        );
    }

    #[test]
    fn html_nested_blocks_do_not_duplicate_text() {
        let html = "<blockquote><p>Quoted one.</p><p>Quoted two.</p></blockquote><p>After.</p>";
        assert_eq!(
            canonical_from_html(html),
            "Quoted one.\n\nQuoted two.\n\nAfter."
        );
    }

    #[test]
    fn html_bare_text_in_a_div_is_kept_as_a_paragraph() {
        let html = "<div>Bare text<p>Para</p>more bare</div><div>Next div</div>";
        assert_eq!(
            canonical_from_html(html),
            "Bare text\n\nPara\n\nmore bare\n\nNext div"
        );
        assert_eq!(canonical_from_html("just text"), "just text");
    }

    #[test]
    fn html_drops_scripts_navigation_asides_and_images() {
        let html = "<nav><a href=/>Home</a></nav><script>var x = 1;</script><style>p{}</style>\
            <p>Body.</p><aside>Related stories</aside>\
            <figure><img src=a.jpg alt=\"alt text\"><figcaption>A caption.</figcaption></figure>";
        assert_eq!(canonical_from_html(html), "Body.\n\nA caption.");
    }

    #[test]
    fn html_br_entities_and_whitespace() {
        let html =
            "<p>Line one<br>line&nbsp;&nbsp;two<br/>\n\n three</p><pre>  code\n   here  </pre>";
        assert_eq!(
            canonical_from_html(html),
            "Line one line two three\n\ncode here"
        );
    }

    #[test]
    fn html_whole_document_ignores_head() {
        let html = "<!doctype html><html><head><title>Page</title></head><body><p>Text</p><!-- c --></body></html>";
        assert_eq!(canonical_from_html(html), "Text");
    }

    #[test]
    fn html_and_text_bodies_agree() {
        let text = "HARBORVIEW \u{2014} The council met.\n\nMayor Dana Whitcomb spoke.";
        let html =
            "<p>HARBORVIEW &mdash; The council\nmet.</p>\n<p>Mayor Dana&nbsp;Whitcomb spoke.</p>";
        assert_eq!(canonical_from_text(text), canonical_from_html(html));
    }

    #[test]
    fn html_tables_and_nested_lists() {
        let html = "<table><tr><td>Cell one</td><td>Cell <b>two</b></td></tr></table>\
            <ul><li>Outer<ul><li>Inner</li></ul></li></ul><dl><dt>Term</dt><dd>Definition</dd></dl>";
        assert_eq!(
            canonical_from_html(html),
            "Cell one\n\nCell two\n\nOuter\n\nInner\n\nTerm\n\nDefinition"
        );
    }

    #[test]
    fn html_deep_nesting_does_not_overflow() {
        let depth = 3_000;
        let html = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
        assert_eq!(canonical_from_html(&html), "deep");
    }

    #[test]
    fn html_malformed_input_does_not_panic() {
        for html in [
            "<p>unclosed <b>bold",
            "</p></div>",
            "<<>>",
            "<p",
            "&#xD800;",
            "\u{0}",
        ] {
            let _ = canonical_from_html(html);
        }
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(canonical_from_text("\u{0}"), "");
        assert_eq!(
            canonical_from_text("A\u{7}B\u{0}C\u{1B}[0m\u{B}next\u{C}page\u{85}line\u{7F}"),
            "ABC[0m next page line"
        );
        // A control between a letter and its combining mark: the two still compose.
        assert_eq!(canonical_from_text("cafe\u{0}\u{301}"), "café");
        assert_eq!(
            canonical_from_html("<p>One\u{1}</p><p>&#x7;</p><p>Two&#11;three</p>"),
            "One\n\nTwo three"
        );
    }

    fn no_control_but_paragraph_breaks(canonical: &str) -> bool {
        canonical.chars().all(|c| !c.is_control() || c == '\n')
            && !canonical.replace(PARAGRAPH_BREAK, "").contains('\n')
    }

    proptest::proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        #[test]
        fn canonical_text_holds_no_control_character(body in "[a \u{0}-\u{1F}\u{7F}-\u{9F}\u{301}]{0,60}") {
            let canonical = canonical_from_text(&body);
            proptest::prop_assert!(no_control_but_paragraph_breaks(&canonical), "{:?}", canonical);
            proptest::prop_assert_eq!(canonical_from_text(&canonical), canonical.clone());
            let html = canonical_from_html(&format!("<p>{body}</p>"));
            proptest::prop_assert!(no_control_but_paragraph_breaks(&html), "{:?}", html);
            proptest::prop_assert_eq!(canonical_from_text(&html), html.clone());
        }

        #[test]
        fn canonical_text_is_a_fixed_point(body in "[a \u{a0}\n\t\r\u{0}\u{7}\u{b}\u{85}.é\u{301}—]{0,80}") {
            let canonical = canonical_from_text(&body);
            proptest::prop_assert_eq!(canonical_from_text(&canonical), canonical.clone());
            proptest::prop_assert!(!canonical.starts_with(char::is_whitespace));
            proptest::prop_assert!(!canonical.contains("\n\n\n"));
            proptest::prop_assert!(!canonical.contains("  "));
            proptest::prop_assert!(no_control_but_paragraph_breaks(&canonical));
        }

        #[test]
        fn any_html_gives_canonical_text(html in "(<p>|</p>|<div>|<br>|<li>|<script>|</script>|x|y|&nbsp;| |\n){0,40}") {
            let canonical = canonical_from_html(&html);
            proptest::prop_assert_eq!(canonical_from_text(&canonical), canonical);
        }
    }
}
