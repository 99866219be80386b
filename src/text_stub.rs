//! TEMPORARY stand-in for the anchoring engine while it is being written (same interface).
use serde::Serialize;
pub const CONTEXT_LEN: usize = 32;
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TextQuote {
    pub exact: String,
    pub prefix: String,
    pub suffix: String,
}
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
pub fn canonical_from_text(body: &str) -> String {
    body.split("\n\n")
        .map(norm)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}
pub fn canonical_from_html(html: &str) -> String {
    canonical_from_text(html)
}
pub fn cp_len(text: &str) -> usize {
    text.chars().count()
}
pub fn cp_slice(text: &str, start: usize, end: usize) -> &str {
    let b = |i: usize| {
        text.char_indices()
            .nth(i)
            .map(|(b, _)| b)
            .unwrap_or(text.len())
    };
    let (s, e) = (b(start), b(end.max(start)));
    &text[s..e]
}
pub fn quote_at(text: &str, start: usize, end: usize) -> TextQuote {
    TextQuote {
        exact: cp_slice(text, start, end).into(),
        prefix: cp_slice(text, start.saturating_sub(32), start).into(),
        suffix: cp_slice(text, end, end + 32).into(),
    }
}
pub fn utf16_to_cp(_text: &str, _o: usize) -> Option<usize> {
    None
}
pub fn fold(text: &str) -> String {
    text.into()
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocateError {
    EmptyQuote,
    NotFound,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub start: usize,
    pub end: usize,
    pub quote: TextQuote,
    pub score: f64,
    pub exact_match: bool,
}
pub fn locate(
    text: &str,
    exact: &str,
    _prefix: Option<&str>,
    _suffix: Option<&str>,
) -> Result<Located, LocateError> {
    let exact = norm(exact);
    if exact.is_empty() {
        return Err(LocateError::EmptyQuote);
    }
    let b = text.find(&exact).ok_or(LocateError::NotFound)?;
    let start = text[..b].chars().count();
    let end = start + exact.chars().count();
    Ok(Located {
        start,
        end,
        quote: quote_at(text, start, end),
        score: 1.0,
        exact_match: true,
    })
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorStatus {
    Anchored,
    Drifted,
    Corrected,
    Ambiguous,
    Orphaned,
}
impl AnchorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anchored => "anchored",
            Self::Drifted => "drifted",
            Self::Corrected => "corrected",
            Self::Ambiguous => "ambiguous",
            Self::Orphaned => "orphaned",
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorMethod {
    Intake,
    Unchanged,
    Diff,
    Fuzzy,
    Moved,
    Manual,
    None,
}
impl AnchorMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Unchanged => "unchanged",
            Self::Diff => "diff",
            Self::Fuzzy => "fuzzy",
            Self::Moved => "moved",
            Self::Manual => "manual",
            Self::None => "none",
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct PriorAnchor {
    pub start: usize,
    pub end: usize,
    pub quote: TextQuote,
}
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub score: f64,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Reanchored {
    pub status: AnchorStatus,
    pub method: AnchorMethod,
    pub score: f64,
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub now_reads: Option<String>,
    pub candidates: Vec<Candidate>,
}
pub struct RevisionChange<'a> {
    new: &'a str,
}
impl<'a> RevisionChange<'a> {
    pub fn new(_old: &'a str, new: &'a str) -> Self {
        RevisionChange { new }
    }
    pub fn reanchor(&self, prior: &PriorAnchor) -> Reanchored {
        match locate(self.new, &prior.quote.exact, None, None) {
            Ok(l) => Reanchored {
                status: AnchorStatus::Anchored,
                method: AnchorMethod::Fuzzy,
                score: 1.0,
                start: Some(l.start),
                end: Some(l.end),
                now_reads: None,
                candidates: vec![],
            },
            Err(_) => Reanchored {
                status: AnchorStatus::Orphaned,
                method: AnchorMethod::None,
                score: 0.0,
                start: None,
                end: None,
                now_reads: Some(String::new()),
                candidates: vec![],
            },
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Equal,
    Insert,
    Delete,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffSpan {
    pub op: DiffOp,
    pub text: String,
}
pub fn word_diff(_old: &str, new: &str) -> Vec<DiffSpan> {
    vec![DiffSpan {
        op: DiffOp::Insert,
        text: new.into(),
    }]
}
