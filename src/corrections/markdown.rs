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
    fn links_do_not_leak_the_opener() {
        let html = render("[source](https://example.org/report)");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
