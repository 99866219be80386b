//! A token diff whose cost is bounded by counted work instead of a clock, so that the same two
//! revisions give the same diff on an idle laptop and on a loaded server. Within the budget the
//! diff is exactly `similar`'s Myers diff; beyond it, the unchanged stretches are found from the
//! tokens that occur once in each text ("patience" anchors) and the stretches between them are
//! diffed again with what is left, or reported as replaced when nothing is.

use std::collections::HashMap;
use std::hash::Hash;

use similar::{Algorithm, DiffOp};

/// Steps (a diagonal of the edit graph tried, a token compared or hashed) one diff may spend,
/// summed over every call that shares the budget.
#[derive(Debug)]
pub(crate) struct Budget {
    left: u64,
}

impl Budget {
    pub(crate) fn new(steps: u64) -> Self {
        Budget { left: steps }
    }

    fn spend(&mut self, steps: u64) {
        self.left = self.left.saturating_sub(steps);
    }
}

/// The diff of `old` and `new` as `similar` ops (indices into the slices given). It is
/// `similar`'s Myers diff when Myers' search ends within half of what is left of `budget` (half,
/// because `similar` then repeats about as much work; a search that fails leaves the other half
/// to the rest of the texts). Otherwise the fallback: the common prefix and suffix, then the
/// longest chain of tokens unique in both texts that stand in the same order, each grown over
/// the equal tokens beside it, and the gaps between them diffed by the same rule. A gap that
/// the budget no longer covers, or with no unique token in common, is one replacement: a
/// coarser but still correct account, and the same one on every machine.
pub(crate) fn diff<T: Ord + Hash>(old: &[T], new: &[T], budget: &mut Budget) -> Vec<DiffOp> {
    let mut ops = Vec::new();
    diff_into(old, new, (0, 0), budget, &mut ops);
    ops
}

fn diff_into<T: Ord + Hash>(
    old: &[T],
    new: &[T],
    base: (usize, usize),
    budget: &mut Budget,
    ops: &mut Vec<DiffOp>,
) {
    let (fits, steps) = myers_steps(old, new, budget.left / 2);
    if fits {
        budget.spend(2 * steps);
        for op in similar::capture_diff_slices(Algorithm::Myers, old, new) {
            ops.push(shifted(op, base));
        }
        return;
    }
    budget.spend(steps);

    let prefix = common_prefix(old, new);
    let suffix = common_suffix(&old[prefix..], &new[prefix..]);
    let (o, n) = (old.len() - suffix, new.len() - suffix);
    push_equal(ops, base.0, base.1, prefix);
    let (old_mid, new_mid) = (&old[prefix..o], &new[prefix..n]);
    let mid_base = (base.0 + prefix, base.1 + prefix);
    let size = (old_mid.len() + new_mid.len()) as u64;
    let anchors = if budget.left >= size {
        budget.spend(size);
        unique_in_order(old_mid, new_mid)
    } else {
        Vec::new()
    };
    if anchors.is_empty() {
        push_change(ops, mid_base, 0..old_mid.len(), 0..new_mid.len());
    } else {
        // Each anchor grows over the equal tokens around it, up to where the previous one ended.
        let (mut from_old, mut from_new) = (0, 0);
        for (i, j) in anchors {
            if i < from_old || j < from_new {
                continue; // already inside the previous anchor's grown stretch
            }
            let back = common_suffix(&old_mid[from_old..i], &new_mid[from_new..j]);
            let (start_old, start_new) = (i - back, j - back);
            let ahead = common_prefix(&old_mid[i..], &new_mid[j..]);
            let gap_base = (mid_base.0 + from_old, mid_base.1 + from_new);
            gap(
                &old_mid[from_old..start_old],
                &new_mid[from_new..start_new],
                gap_base,
                budget,
                ops,
            );
            push_equal(
                ops,
                mid_base.0 + start_old,
                mid_base.1 + start_new,
                back + ahead,
            );
            (from_old, from_new) = (i + ahead, j + ahead);
        }
        gap(
            &old_mid[from_old..],
            &new_mid[from_new..],
            (mid_base.0 + from_old, mid_base.1 + from_new),
            budget,
            ops,
        );
    }
    push_equal(ops, base.0 + o, base.1 + n, suffix);
}

/// A stretch between two anchors: nothing, a pure deletion or insertion, or a diff of its own.
fn gap<T: Ord + Hash>(
    old: &[T],
    new: &[T],
    base: (usize, usize),
    budget: &mut Budget,
    ops: &mut Vec<DiffOp>,
) {
    if old.is_empty() || new.is_empty() {
        push_change(ops, base, 0..old.len(), 0..new.len());
    } else {
        diff_into(old, new, base, budget, ops);
    }
}

/// Runs Myers' greedy search for the shortest edit script of `old` and `new` (after their
/// common prefix and suffix, as `similar` does) until it ends or has taken more than `limit`
/// steps. A step is a token compared or a diagonal of the edit graph counted as `similar`
/// visits them (all `d + 1` of round `d`, even those outside the texts that it skips at no
/// cost), so that the count bounds what `similar` spends on the same texts. Returns whether the
/// search ended, and the steps taken.
fn myers_steps<T: PartialEq>(old: &[T], new: &[T], limit: u64) -> (bool, u64) {
    let prefix = common_prefix(old, new);
    let suffix = common_suffix(&old[prefix..], &new[prefix..]);
    let (old, new) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    let mut steps = (prefix + suffix) as u64;
    if old.is_empty() || new.is_empty() {
        return (true, steps);
    }
    let (n, m) = (old.len() as isize, new.len() as isize);
    // Round d costs at least d + 1 steps, so no more than this many rounds fit in `limit`.
    let rounds = (2.0 * limit as f64).sqrt() as isize + 1;
    let max_d = (n + m).min(rounds);
    // furthest[k + offset] is one more than the furthest x reached on diagonal k = x - y (0:
    // not reached yet); only the diagonals inside the texts are kept.
    let offset = m.min(max_d) + 1;
    let mut furthest = vec![0usize; (offset + n.min(max_d) + 2) as usize];
    let at = |k: isize| (k + offset) as usize;
    for d in 0..=max_d {
        steps += d as u64 + 1;
        let lowest = -d.min(m) + (d.min(m) - d).rem_euclid(2);
        for k in (lowest..=d.min(n)).step_by(2) {
            let x = if d == 0 {
                0
            } else {
                // Down from diagonal k + 1 keeps x; right from k - 1 adds one. Either must stay
                // inside the texts.
                let down = furthest[at(k + 1)]
                    .checked_sub(1)
                    .filter(|&x| x as isize - k <= m);
                let right = furthest[at(k - 1)].checked_sub(1).map(|x| x + 1);
                let right = right.filter(|&x| x as isize <= n);
                match (down, right) {
                    (Some(a), Some(b)) => a.max(b),
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => continue,
                }
            };
            let y = (x as isize - k) as usize;
            let snake = common_prefix(&old[x..], &new[y..]);
            steps += snake as u64;
            let x = x + snake;
            furthest[at(k)] = x + 1;
            if x as isize == n && (x as isize - k) == m {
                return (true, steps);
            }
        }
        if steps > limit {
            return (false, steps);
        }
    }
    (false, steps)
}

/// Pairs of positions `(i, j)` with `old[i] == new[j]`, the token occurring exactly once in
/// each text: the longest chain of them increasing on both sides (on a tie, the one that
/// ends earliest in the new text). Counting uses a hash map, but the result is read off in
/// text order, so it does not depend on the map's random seed.
fn unique_in_order<T: Ord + Hash>(old: &[T], new: &[T]) -> Vec<(usize, usize)> {
    // For each token: occurrences in old, in new, and its position in new.
    let mut seen: HashMap<&T, (u32, u32, usize)> = HashMap::new();
    for t in old {
        seen.entry(t).or_insert((0, 0, 0)).0 += 1;
    }
    for (j, t) in new.iter().enumerate() {
        if let Some(entry) = seen.get_mut(t) {
            entry.1 += 1;
            entry.2 = j;
        }
    }
    let pairs: Vec<(usize, usize)> = old
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match seen.get(t) {
            Some(&(1, 1, j)) => Some((i, j)),
            _ => None,
        })
        .collect();
    // Longest increasing subsequence of the new positions (pairs are in old order): `ends[l]`
    // is the pair ending the best chain of length l + 1 found so far.
    let mut ends: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = vec![None; pairs.len()];
    for (p, &(_, j)) in pairs.iter().enumerate() {
        let l = ends.partition_point(|&e| pairs[e].1 < j);
        before[p] = l.checked_sub(1).map(|l| ends[l]);
        if l == ends.len() {
            ends.push(p);
        } else {
            ends[l] = p;
        }
    }
    let mut chain = Vec::with_capacity(ends.len());
    let mut next = ends.last().copied();
    while let Some(p) = next {
        chain.push(pairs[p]);
        next = before[p];
    }
    chain.reverse();
    chain
}

fn common_prefix<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn common_suffix<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

fn push_equal(ops: &mut Vec<DiffOp>, old_index: usize, new_index: usize, len: usize) {
    if len > 0 {
        ops.push(DiffOp::Equal {
            old_index,
            new_index,
            len,
        });
    }
}

/// A deletion, insertion or replacement of `old` and `new` (relative to `base`), if not empty.
fn push_change(
    ops: &mut Vec<DiffOp>,
    base: (usize, usize),
    old: std::ops::Range<usize>,
    new: std::ops::Range<usize>,
) {
    let (old_index, new_index) = (base.0 + old.start, base.1 + new.start);
    let op = match (old.len(), new.len()) {
        (0, 0) => return,
        (old_len, 0) => DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        },
        (0, new_len) => DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        },
        (old_len, new_len) => DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        },
    };
    ops.push(op);
}

fn shifted(op: DiffOp, (o, n): (usize, usize)) -> DiffOp {
    match op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => DiffOp::Equal {
            old_index: old_index + o,
            new_index: new_index + n,
            len,
        },
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + o,
            old_len,
            new_index: new_index + n,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + o,
            new_index: new_index + n,
            new_len,
        },
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => DiffOp::Replace {
            old_index: old_index + o,
            old_len,
            new_index: new_index + n,
            new_len,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Checks that `ops` account for every token of both texts in order, and that what they
    /// call equal is; returns the number of tokens kept. (The other text's index of a deletion
    /// or an insertion is not checked: `similar`'s own is not always where the diff stands.)
    fn kept(ops: &[DiffOp], old: &[u8], new: &[u8]) -> usize {
        let (mut o, mut n, mut kept) = (0, 0, 0);
        for op in ops {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            if tag != similar::DiffTag::Insert {
                assert_eq!(old_range.start, o, "{ops:?}");
            }
            if tag != similar::DiffTag::Delete {
                assert_eq!(new_range.start, n, "{ops:?}");
            }
            if tag == similar::DiffTag::Equal {
                assert_eq!(old[old_range.clone()], new[new_range.clone()]);
                kept += old_range.len();
            }
            (o, n) = (o + old_range.len(), n + new_range.len());
        }
        assert_eq!((o, n), (old.len(), new.len()), "{ops:?}");
        kept
    }

    #[test]
    fn within_the_budget_it_is_similars_myers_diff() {
        for (old, new) in [
            ("the council voted", "the city council voted"),
            ("abcabba", "cbabac"),
            ("", "new"),
            ("old", ""),
            ("same", "same"),
        ] {
            let mut budget = Budget::new(1_000_000);
            assert_eq!(
                diff(old.as_bytes(), new.as_bytes(), &mut budget),
                similar::capture_diff_slices(Algorithm::Myers, old.as_bytes(), new.as_bytes())
            );
            assert!(budget.left < 1_000_000 || old == new || old.is_empty() || new.is_empty());
        }
    }

    /// A budget that Myers' search on these unrelated texts overruns, leaving enough for the
    /// fallback.
    fn small(old: &[u8], new: &[u8]) -> Budget {
        Budget::new(4 * (old.len() + new.len()) as u64)
    }

    #[test]
    fn beyond_the_budget_unique_tokens_keep_what_both_texts_share() {
        // "K" and "Q" occur once in each text; "x" and "y" everywhere else differ.
        let (old, new) = (b"xxxxKxxxxxxxQxxxx", b"yyKyyyyyyQyy");
        let ops = diff(old, new, &mut small(old, new));
        assert_eq!(kept(&ops, old, new), 2);
        assert_eq!(
            ops[1],
            DiffOp::Equal {
                old_index: 4,
                new_index: 2,
                len: 1
            }
        );
        // A unique token grows over the equal tokens around it; prefix and suffix are kept.
        let (old, new) = (b"ab-----cdKefg-----hi", b"ab+++++cdKefg+++++hi");
        let ops = diff(old, new, &mut small(old, new));
        assert_eq!(kept(&ops, old, new), 10);
        assert!(ops.contains(&DiffOp::Equal {
            old_index: 7,
            new_index: 7,
            len: 6
        }));
        // Two unique tokens in swapped order: one is kept, the one earlier in the new text.
        let (old, new) = (b"xKyQz", b"uQvKw");
        let ops = diff(old, new, &mut small(old, new));
        assert_eq!(kept(&ops, old, new), 1);
        assert!(ops.contains(&DiffOp::Equal {
            old_index: 3,
            new_index: 1,
            len: 1
        }));
        // With nothing left there is no search at all: one replacement.
        let ops = diff(old, new, &mut Budget::new(0));
        assert_eq!(kept(&ops, old, new), 0);
    }

    #[test]
    fn the_search_stops_at_its_limit() {
        let old: Vec<u32> = (0..2_000).collect();
        let new: Vec<u32> = (2_000..4_000).collect();
        let (done, steps) = myers_steps(&old, &new, 10_000);
        assert!(!done);
        assert!(steps < 10_000 + 2 * 200, "{steps}");
        assert!(myers_steps(&old[..300], &new[..300], 1_000_000).0);
        // A common prefix and suffix cost one step a token; an insertion costs nothing more.
        let mut longer = old.clone();
        longer.splice(1_000..1_000, 7_000..7_500);
        assert_eq!(myers_steps(&old, &longer, 0), (true, 2_000));
    }

    proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        /// Whatever the budget, the ops are a diff of the two texts; with enough, Myers'.
        #[test]
        fn any_budget_gives_a_correct_diff(
            old in prop::collection::vec(0u8..6, 0..120),
            new in prop::collection::vec(0u8..6, 0..120),
            steps in 0u64..3_000,
        ) {
            let myers = similar::capture_diff_slices(Algorithm::Myers, &old, &new);
            let kept_myers = kept(&myers, &old, &new);
            let mut budget = Budget::new(steps);
            let ops = diff(&old, &new, &mut budget);
            prop_assert!(kept(&ops, &old, &new) <= kept_myers);
            prop_assert_eq!(diff(&old, &new, &mut Budget::new(1 << 40)), myers);
        }
    }
}
