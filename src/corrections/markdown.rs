//! Note bodies: Markdown rendered to HTML and then sanitised, so nothing an editor pastes can run
//! script on a publisher's page.

use pulldown_cmark::{html, Options, Parser};

pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// The text of a rendered body, for places that take no markup (JSON-LD, descriptions).
pub fn plain_text(html: &str) -> String {
    let fragment = scraper::Html::parse_fragment(html);
    let text: String = fragment.root_element().text().collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered() {
        assert_eq!(
            render("An *earlier* version"),
            "<p>An <em>earlier</em> version</p>\n"
        );
    }

    #[test]
    fn script_and_handlers_are_removed() {
        let html = render("<script>alert(1)</script>\n\nA <img src=x onerror=alert(1)> and [a link](javascript:alert(1)).");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("href=\"javascript:"), "{html}");
        assert!(html.contains("a link"), "{html}");
    }

    #[test]
    fn plain_text_drops_the_markup_and_keeps_the_words() {
        assert_eq!(
            plain_text(&render(
                "It carries **12,000** <b>&amp;</b> [more](https://x.example).\n\nTwo."
            )),
            "It carries 12,000 & more. Two."
        );
    }

    #[test]
    fn links_do_not_leak_the_opener() {
        let html = render("[source](https://example.org/report)");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
