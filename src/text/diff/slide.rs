//! Normalising a diff: every pure deletion or insertion is slid to the place whose edges are the
//! strongest boundaries (paragraph, sentence, word), so that a deleted sentence is one edit on
//! its own sentence and the sentences beside it stay whole.

use std::ops::Range;

use similar::DiffTag;

/// A stretch of a diff, in tokens: unchanged, or changed (deleted, inserted or replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Segment {
    pub(super) equal: bool,
    pub(super) old: Range<usize>,
    pub(super) new: Range<usize>,
}

/// How strong a boundary a position in the text is, weakest first.
pub(super) const INSIDE_WORD: u8 = 0;
pub(super) const WORD: u8 = 1;
pub(crate) const SENTENCE: u8 = 2;
pub(super) const PARAGRAPH: u8 = 3;

/// The kind of boundary at character position `at` of `text`: a paragraph break (beside a line
/// break), a sentence boundary (the start or end of the text, or after white space that follows
/// `.`, `!`, `?` or a closing quotation mark after one of them), a word boundary (beside white
/// space), or inside a word.
pub(crate) fn boundary(text: &[char], at: usize) -> u8 {
    if at == 0 || at >= text.len() {
        return SENTENCE;
    }
    let (prev, next) = (text[at - 1], text[at]);
    if (prev == '\n') != (next == '\n') {
        return PARAGRAPH;
    }
    if prev.is_whitespace() && !next.is_whitespace() {
        let space_start = text[..at]
            .iter()
            .rposition(|c| !c.is_whitespace())
            .map_or(0, |i| i + 1);
        let ends_sentence = |i: usize| matches!(text.get(i), Some('.' | '!' | '?'));
        let closes = |i: usize| {
            matches!(
                text.get(i),
                Some('"' | '\u{201d}' | '\'' | '\u{2019}' | ')')
            )
        };
        if space_start > 0
            && (ends_sentence(space_start - 1)
                || (space_start > 1 && closes(space_start - 1) && ends_sentence(space_start - 2)))
        {
            return SENTENCE;
        }
    }
    if prev.is_whitespace() || next.is_whitespace() {
        WORD
    } else {
        INSIDE_WORD
    }
}

/// The diff `ops` as alternating equal and changed segments, with every pure deletion or
/// insertion slid, among the positions where it deletes or inserts the same text, to the one
/// whose edges fall on the strongest boundaries (the classic boundary-aligned "slider"
/// heuristic; `old_edge` and `new_edge` give the boundary strength at a token position). Myers
/// places the deletion of a sentence after the words it shares with the next sentence
/// ("X. [A said] [Y. A said] [Z.]"): the shared words would count as the deleted sentence's and
/// the surviving sentence would be split in two. Slid, the deletion is "[A said Y. ]" and
/// "A said Z." stays whole; and when two sentences share their ending instead ("… Ortega
/// said."), the deletion stays on its own sentence rather than sliding onto the other one.
/// Two deletions (or insertions) around equal text that also reads at one end of them are first
/// made one ([`join`]).
pub(super) fn normalised<T: PartialEq>(
    ops: &[similar::DiffOp],
    old: &[T],
    new: &[T],
    old_edge: impl Fn(usize) -> u8,
    new_edge: impl Fn(usize) -> u8,
) -> Vec<Segment> {
    // Empty equal segments at both ends give every edit a neighbour on each side to slide into.
    let mut segments = vec![Segment {
        equal: true,
        old: 0..0,
        new: 0..0,
    }];
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        push_segment(
            &mut segments,
            Segment {
                equal: tag == DiffTag::Equal,
                old: o,
                new: n,
            },
        );
    }
    pad_end(&mut segments, old.len(), new.len());
    // A slide that empties an equal segment removes it, and the merged edit is looked at again;
    // otherwise we move on, so this ends.
    let mut i = 1;
    while i + 1 < segments.len() {
        if join(&mut segments, i, old, new) {
            continue;
        }
        if slide(&mut segments, i, old, new, &old_edge, &new_edge) {
            let rest = segments.split_off(i - 1);
            for segment in rest {
                push_segment(&mut segments, segment);
            }
            if segments.first().is_none_or(|s| !s.equal) {
                segments.insert(
                    0,
                    Segment {
                        equal: true,
                        old: 0..0,
                        new: 0..0,
                    },
                );
            }
            pad_end(&mut segments, old.len(), new.len());
            i = (i - 1).max(1);
        } else {
            i += 1;
        }
    }
    segments.retain(|s| !s.old.is_empty() || !s.new.is_empty());
    segments
}

/// Ends the segments with an equal one, empty if need be.
fn pad_end(segments: &mut Vec<Segment>, old_len: usize, new_len: usize) {
    if segments.last().is_none_or(|s| !s.equal) {
        segments.push(Segment {
            equal: true,
            old: old_len..old_len,
            new: new_len..new_len,
        });
    }
}

/// Appends a segment, merging it with the previous one of the same kind; empty ones vanish.
fn push_segment(segments: &mut Vec<Segment>, segment: Segment) {
    if segment.old.is_empty() && segment.new.is_empty() {
        return;
    }
    match segments.last_mut() {
        Some(last) if last.equal == segment.equal => {
            last.old.end = segment.old.end;
            last.new.end = segment.new.end;
        }
        _ => segments.push(segment),
    }
}

/// For `[.., A, B, C, ..]` with `A` and `C` both deletions (or both insertions) and `B` the
/// equal stretch between them: when the edited text `A B C` starts (or ends) with `B`, `B` is
/// kept there instead and the edit is one. Myers can keep a word of a deleted sentence in place
/// of the same word just before it ("approve [the bond.] Whitcomb said [the bond] [would pay]"):
/// one deletion is the simpler account, and the slide then puts it on the sentence.
/// `segments[i]` has a segment on each side. Returns whether it joined them.
fn join<T: PartialEq>(segments: &mut Vec<Segment>, i: usize, old: &[T], new: &[T]) -> bool {
    let (Some(a), Some(c)) = (segments.get(i), segments.get(i + 2)) else {
        return false;
    };
    let pure_deletion = |s: &Segment| !s.equal && s.new.is_empty() && !s.old.is_empty();
    let pure_insertion = |s: &Segment| !s.equal && s.old.is_empty() && !s.new.is_empty();
    let deletion = pure_deletion(a) && pure_deletion(c);
    let insertion = pure_insertion(a) && pure_insertion(c);
    if !(deletion || insertion) {
        return false;
    }
    let (text, edited, kept) = if deletion {
        (old, a.old.start..c.old.end, segments[i + 1].old.clone())
    } else {
        (new, a.new.start..c.new.end, segments[i + 1].new.clone())
    };
    let len = kept.len();
    let grow = |range: &mut Range<usize>, by: usize| range.end += by;
    if text[edited.start..edited.start + len] == text[kept.clone()] {
        // "[P] A B C [Q]" with "A B C" = "B X" → "[P B] X [Q]".
        let before = &mut segments[i - 1];
        grow(&mut before.old, len);
        grow(&mut before.new, len);
        let (old_at, new_at) = (before.old.end, before.new.end);
        let edit = &mut segments[i];
        if deletion {
            edit.old = old_at..edited.end;
            edit.new = new_at..new_at;
        } else {
            edit.new = new_at..edited.end;
            edit.old = old_at..old_at;
        }
    } else if text[edited.end - len..edited.end] == text[kept] {
        // "[P] A B C [Q]" with "A B C" = "X B" → "[P] X [B Q]".
        let after = &mut segments[i + 3];
        after.old.start -= len;
        after.new.start -= len;
        let edit = &mut segments[i];
        if deletion {
            edit.old.end = edited.end - len;
        } else {
            edit.new.end = edited.end - len;
        }
    } else {
        return false;
    }
    segments.drain(i + 1..=i + 2);
    true
}

/// When `segments[i]` is a pure deletion or insertion, slides it over the equal segments beside
/// it, among the positions where it deletes or inserts the same text (left while its last token
/// equals the one before it, right while its first equals the one after it), to the position
/// whose weaker edge is the strongest boundary, then whose edges are strongest together, then
/// that empties an equal neighbour (merging the runs on its two sides), then the leftmost.
/// `segments[i]` has a segment on each side. Returns whether it emptied a neighbour (left empty,
/// for the caller to drop).
fn slide<T: PartialEq>(
    segments: &mut [Segment],
    i: usize,
    old: &[T],
    new: &[T],
    old_edge: &impl Fn(usize) -> u8,
    new_edge: &impl Fn(usize) -> u8,
) -> bool {
    let edit = &segments[i];
    if edit.equal || edit.old.is_empty() == edit.new.is_empty() {
        return false;
    }
    // The side holding the edited text; on the other side the edit is an empty point.
    let deletion = edit.new.is_empty();
    let side = |s: &Segment| {
        if deletion {
            s.old.clone()
        } else {
            s.new.clone()
        }
    };
    let (text, edge): (&[T], &dyn Fn(usize) -> u8) = if deletion {
        (old, old_edge)
    } else {
        (new, new_edge)
    };
    let edited = side(edit);
    // Segments alternate, so the neighbours are equal ones (empty at either end of the text).
    let room_left = side(&segments[i - 1]).len();
    let room_right = side(&segments[i + 1]).len();
    let mut left = 0;
    while left < room_left && text[edited.end - 1 - left] == text[edited.start - 1 - left] {
        left += 1;
    }
    let mut right = 0;
    while right < room_right && text[edited.start + right] == text[edited.end + right] {
        right += 1;
    }
    if left == 0 && right == 0 {
        return false;
    }
    let key = |d: isize| {
        let a = edge(edited.start.wrapping_add_signed(d));
        let b = edge(edited.end.wrapping_add_signed(d));
        let merges = room_left > 0
            && room_right > 0
            && (d == -(room_left as isize) || d == room_right as isize);
        (a.min(b), a + b, merges)
    };
    let mut best = -(left as isize);
    for d in best + 1..=right as isize {
        if key(d) > key(best) {
            best = d;
        }
    }
    if best == 0 {
        return false;
    }
    let moved = |at: &mut usize| *at = at.wrapping_add_signed(best);
    let [before, edit, after] = &mut segments[i - 1..=i + 1] else {
        unreachable!("an edit between two segments");
    };
    for at in [
        &mut before.old.end,
        &mut before.new.end,
        &mut edit.old.start,
        &mut edit.old.end,
        &mut edit.new.start,
        &mut edit.new.end,
        &mut after.old.start,
        &mut after.new.start,
    ] {
        moved(at);
    }
    (room_left > 0 && before.old.is_empty()) || (room_right > 0 && after.old.is_empty())
}
