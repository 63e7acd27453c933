//! Numbers as written: digits with thousands separators and decimals, number words ("three
//! hundred and ten", "twenty-first", "a dozen"), vague magnitudes ("tens of thousands"),
//! ordinal suffixes; and what looks like a number but is a time of day ("11am", "14:00"), a
//! version ("1.2.3") or has a leading zero ("007"). Currency, units and context are the
//! callers' business.

use super::super::lexicon::*;
use super::{is_digit, Parsed, Scan};
use Parsed::{Got, Skip};


/// A number as written: value = mant * 10^exp.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Num {
    pub(super) end: usize,
    pub(super) mant: u128,
    pub(super) exp: i32,
    /// Written with digits; `int_len` digits before any decimal point.
    pub(super) digits: bool,
    pub(super) int_len: usize,
    /// Digits only: no separator, decimal point, scale or suffix.
    pub(super) plain: bool,
    /// Written with thousands separators.
    pub(super) grouped: bool,
    pub(super) spelled: bool,
    /// Spelled "one" alone.
    pub(super) lone_one: bool,
    pub(super) ordinal: bool,
    pub(super) vague: bool,
    /// The power of ten of a scale word or suffix ("million": 6), 0 if none.
    pub(super) scale: i32,
}

impl Num {
    pub(super) fn value(&self) -> f64 {
        exact(self.mant, self.exp)
    }

    pub(super) fn apply_scale(&mut self, exp: i32) {
        self.exp += exp;
        self.scale = exp;
        self.plain = false;
    }
}

/// `mant * 10^exp` as the nearest f64 (exact for integers below 2^53).
pub(super) fn exact(mant: u128, exp: i32) -> f64 {
    if exp >= 0 {
        if let Some(v) = 10u128.checked_pow(exp as u32).and_then(|p| mant.checked_mul(p)) {
            return v as f64;
        }
        return mant as f64 * 10f64.powi(exp);
    }
    if exp >= -22 {
        // Both operands are exact and the division is correctly rounded.
        return mant as f64 / 10f64.powi(-exp);
    }
    mant as f64 * 10f64.powi(exp)
}


impl Scan<'_, '_> {
    /// Digits at `i`: grouping, decimals. Skips times, versions and numbers with a leading
    /// zero.
    pub(super) fn digits(&self, i: usize) -> Parsed<Num> {
        let mut j = self.digits_end(i);
        let n = j - i;
        if n > 15 {
            return Skip(self.ident_end(j));
        }
        // Times and ratios: 14:00, 3:30 p.m., 3:1.
        if n <= 2 && self.at(j) == b':' && is_digit(self.at(j + 1)) {
            let mut e = self.digits_end(j + 1);
            if self.at(e) == b':' && is_digit(self.at(e + 1)) {
                e = self.digits_end(e + 1);
            }
            return Skip(self.time_suffix(e).unwrap_or(e));
        }
        let leading_zero = self.b[i] == b'0' && n > 1;
        let mut mant = num_of(&self.b[i..j]) as u128;
        let mut plain = true;
        let mut grouped = false;
        if n <= 3 && !leading_zero {
            // 2,677 and 1,000,000.
            while self.at(j) == b',' && self.digits_end(j + 1) == j + 4 {
                mant = group(mant, &self.b[j + 1..j + 4]);
                j += 4;
                grouped = true;
                plain = false;
            }
            // 12 000 with a no-break or narrow no-break space (never a plain space).
            if !grouped {
                while self.at(j) == b' ' && self.digits_end(j + 1) == j + 4 && !matches!(self.at(j + 4), b',' | b'.') {
                    let sep = self.original(j, j + 1);
                    if !matches!(sep, "\u{a0}" | "\u{202f}" | "\u{2009}") {
                        break;
                    }
                    mant = group(mant, &self.b[j + 1..j + 4]);
                    j += 4;
                    plain = false;
                    grouped = true;
                }
            }
            if mant > MAX_GROUPED {
                // Not a figure: a run of digit groups ("1,000,000,...") longer than any
                // amount; skipped whole (and the arithmetic below cannot overflow).
                return Skip(j);
            }
        }
        let mut exp = 0;
        if self.at(j) == b'.' && is_digit(self.at(j + 1)) {
            let k = self.digits_end(j + 1);
            if self.at(k) == b'.' && is_digit(self.at(k + 1)) {
                // 1.2.3: a version or an IP address.
                return Skip(self.ident_end(k));
            }
            let d = (k - j - 1).min(18);
            for &c in &self.b[j + 1..j + 1 + d] {
                mant = mant * 10 + (c - b'0') as u128;
            }
            exp = -(d as i32);
            j = k;
            plain = false;
        } else if leading_zero {
            // "007", "020 7946 0958".
            return Skip(self.phone_end(i));
        }
        Got(Num { end: j, mant, exp, digits: true, int_len: n, plain, grouped, ..Num::default() })
    }

    /// After a number ending at `e`: "am", " pm", " a.m.", " p.m.", " o'clock": the end.
    pub(super) fn time_suffix(&self, e: usize) -> Option<usize> {
        let q = if self.at(e) == b' ' { e + 1 } else { e };
        for s in [&b"a.m."[..], b"p.m.", b"am", b"pm", b"o'clock", b"gmt", b"utc", b"hrs", b"h"] {
            if self.starts_with(q, s) && self.word_char(q + s.len()).is_none() {
                if (s == b"h" || s == b"hrs") && q != e {
                    continue;
                }
                return Some(q + s.len());
            }
        }
        None
    }

    /// Number words: "three hundred and ten", "twenty-five", "a dozen", "two million",
    /// "twenty-first".
    pub(super) fn spelled(&self, p: usize) -> Option<Num> {
        #[derive(PartialEq, Clone, Copy)]
        enum Last {
            Start,
            Article,
            Small,
            Ten,
            Hundred,
            Scale,
            Dozen,
            And,
        }
        let (mut total, mut cur): (u128, u128) = (0, 0);
        let mut last = Last::Start;
        let mut last_scale = i32::MAX;
        let mut q = p;
        let mut end = p;
        let mut ordinal = false;
        let mut words = 0;
        let mut first_one = false;
        loop {
            let we = self.alpha_end(q);
            if we == q || self.word_char(we).is_some() {
                break;
            }
            let word = &self.b[q..we];
            if word == b"and" && matches!(last, Last::Hundred | Last::Scale) {
                // Only if a number word follows.
                let next = self.alpha_end(we + 1);
                let ok = self.at(we) == b' '
                    && self.entry(we + 1, next).and_then(|e| e.num).is_some_and(|n| matches!(n.kind, NumKind::Small | NumKind::Ten));
                if !ok {
                    break;
                }
                last = Last::And;
                q = we + 1;
                continue;
            }
            let Some(w) = self.entry(q, we).and_then(|e| e.num) else { break };
            let prev = last;
            let ok = match w.kind {
                NumKind::Article => prev == Last::Start,
                NumKind::Small => {
                    matches!(prev, Last::Start | Last::Hundred | Last::Scale | Last::And)
                        || (prev == Last::Ten && w.value < 10 && cur % 10 == 0)
                }
                NumKind::Ten => matches!(prev, Last::Start | Last::Hundred | Last::Scale | Last::And),
                NumKind::Hundred => matches!(prev, Last::Article | Last::Small | Last::Ten) && cur < 100,
                NumKind::Scale(k) => {
                    matches!(prev, Last::Article | Last::Small | Last::Ten | Last::Hundred | Last::Dozen) && k < last_scale
                }
                NumKind::Dozen => matches!(prev, Last::Article | Last::Small),
            };
            if !ok {
                break;
            }
            match w.kind {
                NumKind::Article => {
                    cur = 1;
                    last = Last::Article;
                }
                NumKind::Small => {
                    cur += w.value as u128;
                    last = Last::Small;
                }
                NumKind::Ten => {
                    cur += w.value as u128;
                    last = Last::Ten;
                }
                NumKind::Hundred => {
                    cur = cur.max(1) * 100;
                    last = Last::Hundred;
                }
                NumKind::Scale(k) => {
                    total += cur.max(1) * 10u128.pow(k as u32);
                    cur = 0;
                    last_scale = k;
                    last = Last::Scale;
                }
                NumKind::Dozen => {
                    cur = cur.max(1) * 12;
                    last = Last::Dozen;
                }
            }
            words += 1;
            if words == 1 && word == b"one" {
                first_one = true;
            }
            end = we;
            if w.ordinal {
                ordinal = true;
                break;
            }
            match self.at(we) {
                b' ' => q = we + 1,
                b'-' if last == Last::Ten => q = we + 1,
                _ => break,
            }
        }
        if last == Last::Article || words == 0 || end == p {
            return None;
        }
        let lone_one = first_one && words == 1;
        Some(Num {
            end,
            mant: total + cur,
            spelled: true,
            lone_one,
            ordinal,
            ..Num::default()
        })
    }

    /// A vague magnitude at `p`: "thousands", "tens of thousands".
    pub(super) fn vague(&self, p: usize) -> Option<Num> {
        let (e, end) = self.phrase(p)?;
        let v = e.vague?;
        Some(Num { end, mant: v as u128, vague: true, ..Num::default() })
    }

}

pub(super) fn ordinal_suffix_ok(n: u128, sfx: &[u8]) -> bool {
    let want: &[u8] = match (n % 100, n % 10) {
        (11..=13, _) => b"th",
        (_, 1) => b"st",
        (_, 2) => b"nd",
        (_, 3) => b"rd",
        _ => b"th",
    };
    // Also "2d", "3d" are not accepted; "22th" is tolerated as a typo of an ordinal.
    sfx == want || sfx == b"th"
}

/// The largest value written with thousands separators that is still read as a number: with
/// up to 18 decimals after it, the mantissa stays far below `u128::MAX`.
pub(super) const MAX_GROUPED: u128 = 10u128.pow(18);

/// `mant` followed by a group of three digits; saturates past [`MAX_GROUPED`].
pub(super) fn group(mant: u128, digits: &[u8]) -> u128 {
    if mant > MAX_GROUPED {
        return mant;
    }
    mant * 1000 + num_of(digits) as u128
}

pub(super) fn num_of(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |acc, &c| acc.wrapping_mul(10).wrapping_add((c - b'0') as u64))
}

