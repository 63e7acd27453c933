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
        if !grouped && !leading_zero && n <= 3 {
            // "3/4", "8 3/4", "103 12/32": exact, the denominator being a power of two.
            let at = match self.at(j) {
                b'/' if n <= 2 => Some(i),
                b' ' if is_digit(self.at(j + 1)) => Some(j + 1),
                _ => None,
            };
            if let Some((a, k, e)) = at.and_then(|f| self.dyadic_fraction(f)) {
                let whole = if at == Some(i) { 0 } else { mant };
                let mant = ((whole << k) + a) * 5u128.pow(k);
                let int_len = if whole == 0 { 0 } else { n };
                return Got(Num { end: e, mant, exp: -(k as i32), digits: true, int_len, ..Num::default() });
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

    /// A proper fraction whose denominator is a power of two at `p`, as financial copy writes
    /// prices and rates ("3/4", "12/32", "5/64"): (numerator, log2 of the denominator, end).
    /// "24/7", "9/11" and "1/3" are not read.
    pub(super) fn dyadic_fraction(&self, p: usize) -> Option<(u128, u32, usize)> {
        let ne = self.digits_end(p);
        if !(1..=2).contains(&(ne - p)) || self.at(ne) != b'/' {
            return None;
        }
        let de = self.digits_end(ne + 1);
        if !(1..=2).contains(&(de - ne - 1)) || self.word_char(de).is_some() {
            return None;
        }
        if matches!(self.at(de), b'/' | b'.' | b',' | b'-') && is_digit(self.at(de + 1)) {
            return None;
        }
        let a = num_of(&self.b[p..ne]) as u128;
        let d = num_of(&self.b[ne + 1..de]) as u128;
        let k = match d {
            2 => 1,
            4 => 2,
            8 => 3,
            16 => 4,
            32 => 5,
            64 => 6,
            _ => return None,
        };
        (a > 0 && a < d).then_some((a, k, de))
    }

    /// "half a", "a quarter of a", "half of a" before a multiplier at `p`: (denominator,
    /// where the article starts).
    fn fraction_lead(&self, p: usize) -> Option<(u128, usize)> {
        let q = if self.starts_with(p, b"a ") { p + 2 } else { p };
        let we = self.alpha_end(q);
        let d = self.entry(q, we)?.denominator;
        if !matches!(d, 2 | 4) || self.at(we) != b' ' {
            return None;
        }
        let mut r = we + 1;
        if self.starts_with(r, b"of ") {
            r += 3;
        }
        (self.starts_with(r, b"a ") || self.starts_with(r, b"an ")).then_some((d as u128, r))
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
            Few,
        }
        let (mut total, mut cur): (u128, u128) = (0, 0);
        let mut last = Last::Start;
        let mut last_scale = i32::MAX;
        // "half a million", "a quarter of a million": a fraction of what follows.
        let (den, mut q) = self.fraction_lead(p).unwrap_or((1, p));
        let mut vague = false;
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
                NumKind::Few => matches!(prev, Last::Start | Last::Article) && den == 1,
                NumKind::Small => {
                    matches!(prev, Last::Start | Last::Hundred | Last::Scale | Last::And)
                        || (prev == Last::Ten && w.value < 10 && cur % 10 == 0)
                }
                NumKind::Ten => matches!(prev, Last::Start | Last::Hundred | Last::Scale | Last::And),
                NumKind::Hundred => matches!(prev, Last::Article | Last::Small | Last::Ten | Last::Few) && cur < 100,
                NumKind::Scale(k) => {
                    matches!(prev, Last::Article | Last::Small | Last::Ten | Last::Hundred | Last::Dozen | Last::Few) && k < last_scale
                }
                NumKind::Dozen => matches!(prev, Last::Article | Last::Small | Last::Few),
            };
            if !ok {
                break;
            }
            match w.kind {
                NumKind::Article => {
                    cur = 1;
                    last = Last::Article;
                }
                NumKind::Few => {
                    cur = w.value as u128;
                    vague = true;
                    last = Last::Few;
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
        if matches!(last, Last::Article | Last::Few) || words == 0 || end == p {
            return None;
        }
        if den > 1 && (ordinal || !matches!(last, Last::Hundred | Last::Scale | Last::Dozen)) {
            // "half a" must take a multiplier: "half an hour" is not read here.
            return None;
        }
        let lone_one = first_one && words == 1;
        // Halves and quarters stay exact in decimal: x/2 = 5x * 10^-1, x/4 = 25x * 10^-2.
        let (mant, exp) = match den {
            2 => ((total + cur) * 5, -1),
            4 => ((total + cur) * 25, -2),
            _ => (total + cur, 0),
        };
        Some(Num {
            end,
            mant,
            exp,
            spelled: true,
            lone_one,
            ordinal,
            vague,
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

