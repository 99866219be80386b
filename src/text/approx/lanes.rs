//! The approximate search of [`super::search`] over a long text in four stretches at once, one
//! per 64-bit lane of an AVX2 register: the same recurrence, four characters a step. Used
//! where the processor has AVX2; elsewhere the plain scan does the work.
//!
//! Each stretch is begun `2 × pattern length` characters early, and that head start makes every
//! distance exact: a match ending at `j` with the fewest errors never spans more than twice the
//! pattern's length (a longer stretch costs more deletions than matching nothing at all, whose
//! cost is the pattern's length), so the column of distances at `j` depends only on the `2m`
//! characters before it. The distances are then read in scanning order by the same [`Minima`]
//! and [`thin`] as the plain scan, so the hits are the same.

use std::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi64, _mm256_and_si256, _mm256_andnot_si256, _mm256_castsi256_pd,
    _mm256_cmpgt_epi64, _mm256_movemask_pd, _mm256_or_si256, _mm256_set1_epi64x, _mm256_set_epi64x,
    _mm256_setzero_si256, _mm256_slli_epi64, _mm256_srl_epi64, _mm256_storeu_si256,
    _mm256_sub_epi64, _mm256_xor_si256, _mm_set_epi64x,
};

use super::{thin, Hit, Minima, Pattern};

/// Stretches scanned at once: the 64-bit lanes of a 256-bit register.
const LANES: usize = 4;

/// A step of the scan after which at least one lane's distance is within the errors allowed.
struct NearStep {
    step: usize,
    errors: [i64; LANES],
}

/// The hits of [`super::search`] over `text` read forwards, or backwards (`at` is then a hit's
/// start), or `None` where this scan does not apply: no AVX2, or a text too short to cut.
pub(super) fn search(
    pattern: &Pattern,
    text: &[char],
    backwards: bool,
    max_errors: usize,
    cap: usize,
    near: Option<usize>,
) -> Option<Vec<Hit>> {
    let n = text.len();
    let warm = 2 * pattern.len;
    let chunk = n / LANES;
    if pattern.len == 0 || chunk < warm.max(256) || !std::arch::is_x86_feature_detected!("avx2") {
        return None;
    }
    // Lane `l` scans from `starts[l]` (its stretch, `l × chunk` on, less the head start) for as
    // many steps as the last lane needs to reach the end; it is read over its own stretch only.
    let starts: [usize; LANES] = std::array::from_fn(|l| if l == 0 { 0 } else { l * chunk - warm });
    let place = |i: usize| if backwards { n - 1 - i } else { i };
    // SAFETY: the processor has AVX2 (checked above).
    let near_steps = unsafe { scan(pattern, text, &starts, &place, max_errors) };
    // In scanning order, every distance within `max_errors`; [`Minima`] treats any run of
    // distances above it as it treats one, so one stands for each gap between them.
    let mut minima = Minima::new(max_errors);
    let mut next = 0;
    for (l, &start) in starts.iter().enumerate() {
        let (from, to) = (l * chunk, if l + 1 == LANES { n } else { (l + 1) * chunk });
        for step in &near_steps {
            let i = start + step.step;
            if i < from || i >= to || step.errors[l] > max_errors as i64 {
                continue;
            }
            if i != next {
                minima.push(place(next), max_errors + 1);
            }
            minima.push(place(i), step.errors[l].max(0) as usize);
            next = i + 1;
        }
    }
    Some(thin(minima.finish(), pattern.len, cap, near))
}

/// Myers' block step over the four lanes, lane `l` reading `text[place(starts[l] + s)]` at step
/// `s`; returns the steps after which a lane's distance at the pattern's end is at most
/// `max_errors`, with the four distances.
///
/// # Safety
/// The processor must have AVX2.
#[target_feature(enable = "avx2")]
unsafe fn scan(
    pattern: &Pattern,
    text: &[char],
    starts: &[usize; LANES],
    place: &impl Fn(usize) -> usize,
    max_errors: usize,
) -> Vec<NearStep> {
    let blocks = pattern.blocks;
    let ones = _mm256_set1_epi64x(-1);
    let zero = _mm256_setzero_si256();
    let mut pv: Vec<__m256i> = vec![ones; blocks];
    let mut mv: Vec<__m256i> = vec![zero; blocks];
    // Where each block's last row is, to read the horizontal delta out of it.
    let rows_out: Vec<__m128i> = (0..blocks)
        .map(|b| _mm_set_epi64x(0, i64::from(pattern.high_bit(b).trailing_zeros())))
        .collect();
    // Every character's masks in one table: the ASCII rows, the pattern's other characters'
    // rows, then a row of zeros for characters not in the pattern.
    let mut table = pattern.ascii.clone();
    table.extend_from_slice(&pattern.other);
    table.extend_from_slice(&pattern.zero);
    let zero_row = table.len() - blocks;
    let row = |c: char| {
        if c.is_ascii() {
            c as usize * blocks
        } else {
            match pattern.other_keys.binary_search(&c) {
                Ok(k) => (128 + k) * blocks,
                Err(_) => zero_row,
            }
        }
    };
    let steps = text.len() - starts[LANES - 1];
    let over = _mm256_set1_epi64x(max_errors as i64 + 1);
    let mut near_steps = Vec::new();
    if blocks == 1 {
        let mut score = _mm256_set1_epi64x(pattern.len as i64);
        for s in 0..steps {
            let rows = [
                row(text[place(starts[0] + s)]),
                row(text[place(starts[1] + s)]),
                row(text[place(starts[2] + s)]),
                row(text[place(starts[3] + s)]),
            ];
            // The delta into row 0 is 0: a match may start anywhere.
            let eq = masks(&table, &rows, 0);
            let (out_p, out_m) = block(&mut pv[0], &mut mv[0], eq, (zero, zero), rows_out[0]);
            score = _mm256_sub_epi64(_mm256_add_epi64(score, out_p), out_m);
            near(&mut near_steps, s, score, over);
        }
        return near_steps;
    }
    // A longer pattern: Ukkonen's cut-off, block by block (Myers 1999, section 4). Only the
    // blocks down to the last one that can hold a distance within `max_errors` in some lane are
    // computed. A block never depends on the blocks below it, so the ones computed stay exact
    // wherever the true distance is within `max_errors`, and never fall below it elsewhere; a
    // block taken up again starts from "one more per row" than the block above, a bound from
    // above. Where the last block is not computed, every lane's best match has more errors than
    // allowed, which is all the hits need to know.
    let rows_in = |b: usize| {
        if b + 1 == blocks {
            pattern.len - 64 * (blocks - 1)
        } else {
            64
        }
    };
    let k = max_errors as i64;
    // Each block's distance in its last row, per lane.
    let mut bottom: Vec<__m256i> = (0..blocks)
        .map(|b| _mm256_set1_epi64x((64 * b + rows_in(b)) as i64))
        .collect();
    let mut last = (max_errors / 64).min(blocks - 1);
    for s in 0..steps {
        let rows = [
            row(text[place(starts[0] + s)]),
            row(text[place(starts[1] + s)]),
            row(text[place(starts[2] + s)]),
            row(text[place(starts[3] + s)]),
        ];
        // The delta into row 0 is 0: a match may start anywhere.
        let mut carry = (zero, zero);
        let mut b = 0;
        loop {
            let eq = masks(&table, &rows, b);
            carry = block(&mut pv[b], &mut mv[b], eq, carry, rows_out[b]);
            let h = _mm256_sub_epi64(carry.0, carry.1);
            bottom[b] = _mm256_add_epi64(bottom[b], h);
            if b == last {
                if b + 1 == blocks {
                    break;
                }
                // The block below may now hold a distance within reach in some lane, through
                // its first row, from this block's last row in this column or the one before.
                let before = _mm256_sub_epi64(bottom[b], h);
                let reach = _mm256_or_si256(
                    _mm256_cmpgt_epi64(over, bottom[b]),
                    _mm256_cmpgt_epi64(over, before),
                );
                if _mm256_movemask_pd(_mm256_castsi256_pd(reach)) == 0 {
                    break;
                }
                last += 1;
                pv[b + 1] = ones;
                mv[b + 1] = zero;
                let rows_below = _mm256_set1_epi64x(rows_in(b + 1) as i64);
                bottom[b + 1] = _mm256_add_epi64(before, rows_below);
            }
            b += 1;
        }
        // A block whose every row is above `max_errors` in every lane is left until the block
        // above comes within reach again: its rows are at least the row above it less the rows
        // where the distance falls, and at least its last row less the rows where it rises.
        // Looked at every eighth step only: a block computed for longer stays exact.
        while last > 0 && s % 8 == 0 {
            let valid = if rows_in(last) == 64 {
                !0
            } else {
                (1u64 << rows_in(last)) - 1
            };
            let (falls, rises) = (lanes(mv[last]), lanes(pv[last]));
            let (above, own) = (lanes(bottom[last - 1]), lanes(bottom[last]));
            let left = (0..LANES).all(|l| {
                above[l] - i64::from((falls[l] as u64 & valid).count_ones()) > k
                    || own[l] - i64::from((rises[l] as u64 & valid).count_ones()) > k
            });
            if !left {
                break;
            }
            last -= 1;
        }
        let score = if last + 1 == blocks {
            bottom[last]
        } else {
            over
        };
        near(&mut near_steps, s, score, over);
    }
    near_steps
}

/// One step of one block for the four lanes: the masks `eq`, the horizontal delta into the
/// block's first row as two bits (`carry`: +1, −1), out of its last row (at bit `row_out`) as
/// two bits, returned.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn block(
    pv: &mut __m256i,
    mv: &mut __m256i,
    eq: __m256i,
    carry: (__m256i, __m256i),
    row_out: __m128i,
) -> (__m256i, __m256i) {
    let ones = _mm256_set1_epi64x(-1);
    let one = _mm256_set1_epi64x(1);
    let (p, m) = (*pv, *mv);
    let xv = _mm256_or_si256(eq, m);
    let eq = _mm256_or_si256(eq, carry.1);
    let sum = _mm256_add_epi64(_mm256_and_si256(eq, p), p);
    let xh = _mm256_or_si256(_mm256_xor_si256(sum, p), eq);
    let ph = _mm256_or_si256(m, _mm256_andnot_si256(_mm256_or_si256(xh, p), ones));
    let mh = _mm256_and_si256(p, xh);
    let out_p = _mm256_and_si256(_mm256_srl_epi64(ph, row_out), one);
    let out_m = _mm256_and_si256(_mm256_srl_epi64(mh, row_out), one);
    let ph = _mm256_or_si256(_mm256_slli_epi64(ph, 1), carry.0);
    let mh = _mm256_or_si256(_mm256_slli_epi64(mh, 1), carry.1);
    *pv = _mm256_or_si256(mh, _mm256_andnot_si256(_mm256_or_si256(xv, ph), ones));
    *mv = _mm256_and_si256(ph, xv);
    (out_p, out_m)
}

/// The masks of block `b` for the lanes' characters (their rows of `table`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn masks(table: &[u64], rows: &[usize; LANES], b: usize) -> __m256i {
    _mm256_set_epi64x(
        table[rows[3] + b] as i64,
        table[rows[2] + b] as i64,
        table[rows[1] + b] as i64,
        table[rows[0] + b] as i64,
    )
}

/// The four lanes of `v`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn lanes(v: __m256i) -> [i64; LANES] {
    let mut out = [0i64; LANES];
    // SAFETY: `out` holds four i64, the 32 bytes stored (unaligned store).
    _mm256_storeu_si256(out.as_mut_ptr().cast::<__m256i>(), v);
    out
}

/// Notes step `s` if a lane's distance `score` is below `over`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn near(near_steps: &mut Vec<NearStep>, s: usize, score: __m256i, over: __m256i) {
    let within = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(over, score)));
    if within != 0 {
        near_steps.push(NearStep {
            step: s,
            errors: lanes(score),
        });
    }
}
