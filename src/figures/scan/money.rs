//! Amounts: a number with its currency (before: "$", "US$", "USD 5"; after: "5 dollars",
//! "2.5 billion rubles"), its scale ("4.7 million", "300m") and its percent sign or unit
//! ("5%", "5 percent", "6 km"); ranges of amounts ("$3bn-$5bn") and the [`Figure`] an amount
//! makes. Unit words joined by hyphens are in `quantities.rs`.

use super::super::calendar;
use super::super::lexicon::*;
use super::super::{Figure, FigureKind, Qualifier};
use super::numbers::{exact, ordinal_suffix_ok, Num};
use super::{is_alpha, is_digit, Parsed, Scan};
use Parsed::{Got, Nothing, Skip};

/// A number with its currency or unit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Amount {
    pub(super) end: usize,
    pub(super) num: Num,
    pub(super) currency: Option<Currency>,
    pub(super) unit: Option<Unit>,
    /// "1990s".
    pub(super) decade: bool,
}

impl Amount {
    pub(super) fn bare(&self) -> bool {
        self.currency.is_none() && self.unit.is_none()
    }

    pub(super) fn plain_int(&self) -> bool {
        self.num.plain && self.bare() && !self.num.ordinal && !self.decade
    }
}


impl Scan<'_, '_> {
    /// A currency before an amount: "$", "US$", "€", "USD ", "Rs ": (currency, end).
    pub(super) fn pre_currency(&self, p: usize) -> Option<(Currency, usize)> {
        let c = self.at(p);
        let end = if is_alpha(c) {
            let we = self.alpha_end(p);
            match self.at(we) {
                b'$' => we + 1,
                b'.' if self.at(we + 1) == b'$' || self.at(we + 1) == b' ' => we + 1,
                _ => we,
            }
        } else {
            p + self.char_at(p)?.len_utf8()
        };
        // "u.s.$"
        let end = if self.at(end) == b'.' && self.at(end + 1) == b'$' { end + 2 } else { end };
        let e = self.entry(p, end).or_else(|| if end > p + 1 { self.entry(p, end - 1) } else { None })?;
        let cur = e.currency?;
        if !cur.pre {
            return None;
        }
        let end = if self.entry(p, end).is_some() { end } else { end - 1 };
        if cur.upper && self.original(p, end).chars().any(char::is_lowercase) {
            return None;
        }
        Some((cur, end))
    }

    /// A currency, unit or percent sign after an amount, at `p` (after the space, if any):
    /// (currency, unit, end).
    pub(super) fn post_unit(&self, p: usize, num: &Num, attached: bool) -> Option<(Option<Currency>, Option<Unit>, usize)> {
        let (e, end) = self.phrase(p)?;
        if e.num.is_some_and(|n| n.ordinal) && (self.starts_with(end, b" quarter") || self.starts_with(end, b" half")) {
            // "the 1988 second quarter": a year and a quarter, not 1988 seconds.
            return None;
        }
        if let Some(c) = e.currency {
            let big = num.scale > 0 || num.vague || num.value() >= 1000.0;
            let case_ok = !c.upper || !self.original(p, end).chars().any(char::is_lowercase);
            let year_like = num.plain && num.int_len == 4 && (1800.0..=2099.0).contains(&num.value());
            if c.post && case_ok && (!c.big || big) && (!c.attached_only || attached) && !(c.not_after_year && year_like) {
                return Some((Some(c), None, end));
            }
        }
        if let Some(u) = e.unit {
            if attached {
                // "6km", "10MW", but not "5G".
                let orig = self.original(p, end);
                let folded = &self.text.folded()[p..end];
                if orig != folded && orig != u.symbol {
                    return None;
                }
            }
            return Some((None, Some(u), end));
        }
        None
    }

    /// A number with its currency, scale and unit at `p`.
    pub(super) fn amount(&self, p: usize) -> Parsed<Amount> {
        let mut currency = None;
        let mut q = p;
        if let Some((c, e)) = self.pre_currency(p) {
            q = if self.at(e) == b' ' { e + 1 } else { e };
            if !is_digit(self.at(q)) {
                return Nothing;
            }
            currency = Some(c);
        }
        let mut num = if is_digit(self.at(q)) {
            match self.digits(q) {
                Got(n) => n,
                Skip(e) => return Skip(e),
                Nothing => return Nothing,
            }
        } else if let Some(n) = self.vague(q) {
            n
        } else if let Some(n) = self.spelled(q) {
            n
        } else {
            return Nothing;
        };
        let mut end = num.end;
        let mut unit = None;
        let mut decade = false;
        if num.digits && num.plain && num.int_len <= 2 && self.at(end) == b' ' {
            // "11 a.m.", "9 pm", "5 o'clock".
            if let Some(t) = self.time_suffix(end) {
                return Skip(t);
            }
        }
        // Against the digits: "3rd", "1990s", "300m", "6km", "5%", "11am".
        if num.digits {
            let c = self.at(end);
            if is_alpha(c) || c == b'%' || c >= 0x80 {
                if let Some(t) = self.time_suffix(end) {
                    if num.plain && num.int_len <= 2 {
                        return Skip(t);
                    }
                }
                let sfx = self.alpha_end(end);
                let word = &self.b[end..sfx];
                let ord_ok = num.exp == 0 && word.len() == 2 && ordinal_suffix_ok(num.mant, word);
                if ord_ok && self.word_char(sfx).is_none() {
                    num.ordinal = true;
                    num.plain = false;
                    end = sfx;
                } else if word == b"s" && num.plain && self.word_char(sfx).is_none() {
                    if num.int_len == 4 && num.mant % 10 == 0 {
                        decade = true;
                        end = sfx;
                    } else {
                        return Skip(sfx);
                    }
                } else {
                    let scale = if sfx > end { self.entry(end, sfx).and_then(|e| e.scale).filter(|s| !s.word_only) } else { None };
                    if let (Some(s), true) = (scale, self.word_char(sfx).is_none()) {
                        num.apply_scale(s.exp);
                        end = sfx;
                    } else if let Some((c, u, e)) = self.post_unit(end, &num, true) {
                        if self.word_char(e).is_some() && self.word_char(e - 1).is_some() {
                            return Skip(self.ident_end(e));
                        }
                        if c.is_some() && currency.is_some() {
                            return Skip(e);
                        }
                        currency = currency.or(c);
                        unit = u;
                        end = e;
                    } else if is_alpha(c) || self.word_char(end).is_some() {
                        // "5G", "4x4", "777x".
                        return Skip(self.ident_end(end));
                    }
                }
            }
        }
        // Scale words: "4.7 million", "1.1 bn".
        if num.digits && num.scale == 0 && !num.ordinal && !decade && unit.is_none() && self.at(end) == b' ' {
            let we = self.alpha_end(end + 1);
            if we > end + 1 && self.word_char(we).is_none() {
                if let Some(e) = self.entry(end + 1, we) {
                    let exp = match (e.num, e.scale) {
                        (Some(NumWord { kind: NumKind::Scale(k), ordinal: false, .. }), _) => Some(k),
                        (Some(NumWord { kind: NumKind::Hundred, ordinal: false, .. }), _) => Some(2),
                        (_, Some(s)) if !s.attached_only => Some(s.exp),
                        _ => None,
                    };
                    if let Some(k) = exp {
                        num.apply_scale(k);
                        end = we;
                    }
                }
            }
        }
        // After: "dollars", "percent", "km", "years"; "billions of dollars".
        if currency.is_none() && unit.is_none() && !num.ordinal && !decade {
            let c = self.at(end);
            if c == b' ' {
                if let Some((c, u, e)) = self.post_unit(end + 1, &num, false) {
                    currency = c;
                    unit = u;
                    end = e;
                } else if num.vague && self.starts_with(end, b" of ") {
                    if let Some((Some(c), None, e)) = self.post_unit(end + 4, &num, false) {
                        currency = Some(c);
                        end = e;
                    }
                }
            } else if c == b'%' || (c >= 0x80 && self.word_char(end).is_none()) {
                if let Some((c, u, e)) = self.post_unit(end, &num, true) {
                    currency = c;
                    unit = u;
                    end = e;
                }
            } else if c == b'-' && is_alpha(self.at(end + 1)) {
                if let Some((u, we)) = self.hyphen_unit(end) {
                    unit = Some(u);
                    end = we;
                }
            }
        }
        Got(Amount { end, num, currency, unit, decade })
    }

}


/// Joins the two ends of a range, sharing currency, unit and scale: `None` if they do not
/// make one range.
/// With `descending_ok`, a range written high to low is one range too, `value` its low end.
pub(super) fn merge_range(mut a: Amount, mut b: Amount, descending_ok: bool) -> Option<(Amount, Amount)> {
    if a.num.ordinal || b.num.ordinal || a.decade || b.decade || a.num.vague || b.num.vague {
        return None;
    }
    match (a.currency, b.currency) {
        (Some(x), Some(y)) if x.code != y.code || x.exp != y.exp => return None,
        (None, Some(y)) if a.unit.is_none() => a.currency = Some(y),
        (Some(x), None) if b.unit.is_none() => b.currency = Some(x),
        (None, Some(_)) | (Some(_), None) => return None,
        _ => {}
    }
    match (a.unit, b.unit) {
        (Some(x), Some(y)) if x.symbol != y.symbol || x.kind != y.kind => return None,
        (None, Some(y)) => a.unit = Some(y),
        (Some(x), None) => b.unit = Some(x),
        _ => {}
    }
    if a.num.scale == 0 && b.num.scale > 0 && !a.num.spelled {
        let mut scaled = a.num;
        scaled.apply_scale(b.num.scale);
        if scaled.value() < b.num.value() {
            a.num = scaled;
        }
    }
    if descending_ok && b.num.value() < a.num.value() {
        return Some((b, a));
    }
    (b.num.value() > a.num.value()).then_some((a, b))
}

pub(super) fn make_figure(a: &Amount, max: Option<&Amount>, qualifier: Qualifier, hedge: bool) -> Figure {
    let value_of = |x: &Amount| -> f64 {
        let mut mant = x.num.mant;
        let mut exp = x.num.exp;
        if let Some(c) = x.currency {
            exp += c.exp;
        }
        if let Some(u) = x.unit {
            if u.kind == UnitKind::Duration {
                mant = mant.saturating_mul(u.mult as u128);
            }
        }
        if exp < 0 {
            // Normalise 1.50 to 15 * 10^-1 so that the division is exact where it can be.
            while exp < 0 && mant.is_multiple_of(10) && mant > 0 {
                mant /= 10;
                exp += 1;
            }
        }
        exact(mant, exp)
    };
    let value = value_of(a);
    let value_max = max.map(value_of);
    let approximate = a.num.vague || hedge;
    let (kind, unit, date) = if let Some(c) = a.currency {
        (FigureKind::Money, c.code.to_owned(), String::new())
    } else if let Some(u) = a.unit {
        match u.kind {
            UnitKind::Percent => (FigureKind::Percent, u.symbol.to_owned(), String::new()),
            UnitKind::Quantity => (FigureKind::Quantity, u.symbol.to_owned(), String::new()),
            UnitKind::Duration => (FigureKind::Duration, String::new(), calendar::duration(value, u.symbol)),
        }
    } else if a.num.ordinal {
        (FigureKind::Ordinal, String::new(), String::new())
    } else {
        (FigureKind::Cardinal, String::new(), String::new())
    };
    Figure { kind, value, value_max, unit, date, approximate, qualifier }
}
