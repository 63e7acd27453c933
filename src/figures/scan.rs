//! The single left-to-right pass over the folded text.
//!
//! The main loop looks at the first byte of every token: a digit, `$`, a non-ASCII currency
//! sign, or a lowercase letter (then the word is looked up in the tables only if its first
//! byte and length can match). Everything else is skipped a byte at a time. A token that
//! starts a figure is parsed forwards (currency, number, scale, unit, range); qualifiers,
//! prepositions and names before it are found by looking back at most a few words. Positions
//! are in the folded text until [`Scan::emit`] maps them to the original.

use super::dates::{self, Parts};
use super::lexicon::*;
use super::{Date, Figure, FigureKind, FigureMatch, Qualifier};
use crate::text::Folded;
use std::cell::Cell;

/// Scans `text`; returns the work done, in bytes examined by the loops that walk the text
/// (the main loop and every scan forwards or backwards over a word or a run), for the tests
/// that guard linear time.
pub(super) fn run(lx: &Lexicon, text: &Folded<'_>, reference: Option<Date>, out: &mut Vec<FigureMatch>, stop: &dyn Fn() -> bool) -> usize {
    let mut s = Scan {
        stop,
        lx,
        text,
        b: text.folded().as_bytes(),
        reference,
        out,
        last_end: 0,
        last_year_end: usize::MAX,
        negative: false,
        run: None,
        steps: Cell::new(0),
    };
    s.main();
    s.steps.get()
}

/// A number as written: value = mant * 10^exp.
#[derive(Debug, Clone, Copy, Default)]
struct Num {
    end: usize,
    mant: u128,
    exp: i32,
    /// Written with digits; `int_len` digits before any decimal point.
    digits: bool,
    int_len: usize,
    /// Digits only: no separator, decimal point, scale or suffix.
    plain: bool,
    /// Written with thousands separators.
    grouped: bool,
    spelled: bool,
    /// Spelled "one" alone.
    lone_one: bool,
    ordinal: bool,
    vague: bool,
    /// The power of ten of a scale word or suffix ("million": 6), 0 if none.
    scale: i32,
}

impl Num {
    fn value(&self) -> f64 {
        exact(self.mant, self.exp)
    }

    fn apply_scale(&mut self, exp: i32) {
        self.exp += exp;
        self.scale = exp;
        self.plain = false;
    }
}

/// `mant * 10^exp` as the nearest f64 (exact for integers below 2^53).
fn exact(mant: u128, exp: i32) -> f64 {
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

/// A number with its currency or unit.
#[derive(Debug, Clone, Copy)]
struct Amount {
    end: usize,
    num: Num,
    currency: Option<Currency>,
    unit: Option<Unit>,
    /// "1990s".
    decade: bool,
}

impl Amount {
    fn bare(&self) -> bool {
        self.currency.is_none() && self.unit.is_none()
    }

    fn plain_int(&self) -> bool {
        self.num.plain && self.bare() && !self.num.ordinal && !self.decade
    }
}

enum Parsed<T> {
    Got(T),
    /// Not a figure; the scan resumes at this position (an identifier, a time...).
    Skip(usize),
    Nothing,
}

use Parsed::{Got, Nothing, Skip};

struct Scan<'a, 't> {
    /// Asked every [`CHECK_BYTES`]: true ends the scan (the call was cancelled).
    stop: &'a dyn Fn() -> bool,
    lx: &'a Lexicon,
    text: &'a Folded<'t>,
    b: &'a [u8],
    reference: Option<Date>,
    out: &'a mut Vec<FigureMatch>,
    /// End of the last figure, in the original text.
    last_end: usize,
    /// Folded end of the last year emitted ("in 2010 and 2011").
    last_year_end: usize,
    /// The figure being parsed has a minus sign before it.
    negative: bool,
    /// The space-free run last measured by [`Scan::dotted_run`]: (where it was measured
    /// from, its end, its last '/' or '@'). Every word of a run like "a.b.c.d" asks about the
    /// same run; measuring it once keeps the scan linear.
    run: Option<(usize, usize, Option<usize>)>,
    /// Bytes examined so far (see [`run`]).
    steps: Cell<usize>,
}

/// Text scanned between two questions to [`Scan::stop`]: a few milliseconds of the slowest input.
const CHECK_BYTES: usize = 16 * 1024;

fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

fn is_alpha(c: u8) -> bool {
    c.is_ascii_lowercase()
}

impl<'a> Scan<'a, '_> {
    // ----- bytes and words -----

    /// Counts `n` bytes examined.
    #[inline]
    fn step(&self, n: usize) {
        self.steps.set(self.steps.get() + n);
    }

    /// The byte at `i`, 0 past the end.
    #[inline]
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn starts_with(&self, i: usize, s: &[u8]) -> bool {
        self.b.get(i..i + s.len()) == Some(s)
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.text.folded().get(i..)?.chars().next()
    }

    /// Whether a word character starts at `i`; its length.
    #[inline]
    fn word_char(&self, i: usize) -> Option<usize> {
        let c = self.at(i);
        if c.is_ascii_alphanumeric() {
            return Some(1);
        }
        if c >= 0x80 {
            let ch = self.char_at(i)?;
            if crate::text::is_word_char(ch) {
                return Some(ch.len_utf8());
            }
        }
        None
    }

    fn word_end(&self, i: usize) -> usize {
        let e = self.word_end_uncounted(i);
        self.step(e - i + 1);
        e
    }

    fn word_end_uncounted(&self, mut i: usize) -> usize {
        loop {
            // ASCII fast path.
            while i < self.b.len() && self.b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if self.at(i) < 0x80 {
                return i;
            }
            match self.word_char(i) {
                Some(l) => i += l,
                None => return i,
            }
        }
    }

    fn alpha_end(&self, i: usize) -> usize {
        let mut e = i;
        while is_alpha(self.at(e)) {
            e += 1;
        }
        self.step(e - i + 1);
        e
    }

    fn digits_end(&self, i: usize) -> usize {
        let mut e = i;
        while is_digit(self.at(e)) {
            e += 1;
        }
        self.step(e - i + 1);
        e
    }

    /// The next space (or the end).
    fn run_end(&self, i: usize) -> usize {
        let e = match self.b[i.min(self.b.len())..].iter().position(|&c| c == b' ') {
            Some(k) => i + k,
            None => self.b.len(),
        };
        self.step(e.saturating_sub(i) + 1);
        e
    }

    /// The end of the space-free run containing `i` and the position of its last '/' or '@'.
    /// Measured once per run: the words after `i` in the same run reuse it.
    fn dotted_run(&mut self, i: usize) -> (usize, Option<usize>) {
        if let Some((start, end, sep)) = self.run {
            // No space lies between `start` and `end`, so none between `i` and `end`.
            if (start..=end).contains(&i) {
                return (end, sep);
            }
        }
        let end = self.run_end(i);
        let sep = self.b[i..end].iter().rposition(|&c| c == b'/' || c == b'@').map(|k| i + k);
        self.step(end - i);
        self.run = Some((i, end, sep));
        (end, sep)
    }

    /// End of an identifier: word characters joined by '-', '.', '/'.
    fn ident_end(&self, mut i: usize) -> usize {
        loop {
            i = self.word_end(i);
            match self.at(i) {
                b'-' | b'.' | b'/' | b'_' if self.word_char(i + 1).is_some() => i += 1,
                _ => return i,
            }
        }
    }

    /// The word ending right before `pos` with one space between: (start, end).
    fn prev_word(&self, pos: usize) -> Option<(usize, usize)> {
        if pos < 2 || self.b[pos - 1] != b' ' {
            return None;
        }
        let e = pos - 1;
        let mut s = e;
        while s > 0 && (self.b[s - 1].is_ascii_alphanumeric() || self.b[s - 1] >= 0x80) {
            s -= 1;
        }
        self.step(e - s + 1);
        (s < e).then_some((s, e))
    }

    fn entry(&self, s: usize, e: usize) -> Option<&'a Entry> {
        self.lx.get(&self.b[s..e])
    }

    fn prev_entry(&self, pos: usize) -> Option<&'a Entry> {
        self.prev_word(pos).and_then(|(s, e)| self.entry(s, e))
    }

    /// The next word after one space at `pos`: (start, end).
    fn next_word(&self, pos: usize) -> Option<(usize, usize)> {
        if self.at(pos) != b' ' {
            return None;
        }
        let e = self.word_end(pos + 1);
        (e > pos + 1).then_some((pos + 1, e))
    }

    /// The longest table form starting at `p`: words joined by ' ', '-', '/' or '.', or a
    /// sign ('%', '°', '€'...) with the letters after it.
    fn phrase(&self, p: usize) -> Option<(&'a Entry, usize)> {
        let mut ends = [0usize; 12];
        let mut n = 0;
        let mut i = p;
        if self.word_char(p).is_none() {
            let c = self.char_at(p)?;
            if c == ' ' || c == '-' {
                return None;
            }
            i = p + c.len_utf8();
            ends[0] = i;
            n = 1;
            if !is_alpha(self.at(i)) {
                return self.entry(p, i).map(|e| (e, i));
            }
        }
        let mut words = 0;
        while n < ends.len() - 1 && words < self.lx.max_words {
            let e = self.word_end(i);
            if e == i {
                break;
            }
            words += 1;
            ends[n] = e;
            n += 1;
            if self.at(e) == b'.' {
                ends[n] = e + 1;
                n += 1;
                if self.at(e + 1) == b' ' && self.word_char(e + 2).is_some() {
                    i = e + 2;
                    continue;
                }
                if self.word_char(e + 1).is_some() {
                    i = e + 1;
                    continue;
                }
                break;
            }
            match self.at(e) {
                b' ' | b'-' | b'/' if self.word_char(e + 1).is_some() && e - p < 40 => i = e + 1,
                _ => break,
            }
        }
        while n > 0 {
            n -= 1;
            if let Some(entry) = self.entry(p, ends[n]) {
                return Some((entry, ends[n]));
            }
        }
        None
    }

    // ----- the original text -----

    fn original(&self, fs: usize, fe: usize) -> &str {
        let (s, e) = (self.text.start_of(fs), self.text.end_of(fe));
        self.text.original().get(s..e.max(s)).unwrap_or("")
    }

    /// The original character at folded position `fs`.
    fn orig_char(&self, fs: usize) -> char {
        self.text.original()[self.text.start_of(fs)..].chars().next().unwrap_or(' ')
    }

    fn capitalized(&self, fs: usize) -> bool {
        let s = self.text.start_of(fs);
        self.text.original()[s..].chars().next().is_some_and(char::is_uppercase)
    }

    /// Whether the token at `fs` starts a sentence or a line.
    fn sentence_initial(&self, fs: usize) -> bool {
        let mut q = fs;
        while q > 0 && matches!(self.b[q - 1], b' ' | b'"' | b'\'' | b'(' | b'[') {
            q -= 1;
        }
        self.step(fs - q + 1);
        if q == 0 || matches!(self.b[q - 1], b'.' | b'!' | b'?' | b':' | b';') {
            return true;
        }
        let (s, e) = (self.text.end_of(q), self.text.start_of(fs));
        self.text.original().get(s..e.max(s)).is_some_and(|gap| gap.contains('\n'))
    }

    // ----- output -----

    fn emit(&mut self, fs: usize, fe: usize, figure: Figure) {
        let (s, e) = (self.text.start_of(fs), self.text.end_of(fe));
        if s < self.last_end || e <= s {
            return;
        }
        self.last_end = e;
        self.out.push(FigureMatch { start: s, end: e, figure });
    }

    fn emit_date(&mut self, fs: usize, fe: usize, parts: Parts) {
        let (date, year) = dates::render(parts, self.reference);
        if parts.year.is_some() && parts.month == 0 {
            self.last_year_end = fe;
        }
        let figure = Figure {
            kind: FigureKind::Date,
            value: year as f64,
            value_max: parts.year_max.map(|y| y as f64),
            unit: String::new(),
            date,
            approximate: false,
            qualifier: Qualifier::None,
        };
        self.emit(fs, fe, figure);
    }

    // ----- the main loop -----

    fn main(&mut self) {
        let n = self.b.len();
        let mut i = 0;
        let mut check = CHECK_BYTES;
        while i < n {
            if i >= check {
                if (self.stop)() {
                    return;
                }
                check = i + CHECK_BYTES;
            }
            self.step(1);
            let c = self.b[i];
            let next = match c {
                b'a'..=b'z' => self.at_word(i),
                b'0'..=b'9' => self.at_digit(i),
                b'$' => self.figure(i).unwrap_or(i + 1),
                b'@' | b'#' => self.run_end(i),
                b'+' if is_digit(self.at(i + 1)) => self.phone_end(i + 1),
                0x80..=0xFF => self.at_non_ascii(i),
                _ => i + 1,
            };
            i = next.max(i + 1);
        }
    }

    fn at_non_ascii(&mut self, i: usize) -> usize {
        let Some(ch) = self.char_at(i) else { return i + 1 };
        if crate::text::is_word_char(ch) {
            let e = self.word_end(i);
            return if self.b[i..e].iter().any(u8::is_ascii_digit) { self.ident_end(e) } else { e };
        }
        let e = i + ch.len_utf8();
        if self.entry(i, e).is_some_and(|x| x.currency.is_some_and(|c| c.pre)) {
            return self.figure(i).unwrap_or(e);
        }
        e
    }

    fn phone_end(&self, mut i: usize) -> usize {
        loop {
            i = self.digits_end(i);
            match self.at(i) {
                b' ' | b'-' | b'.' | b'(' | b')' if is_digit(self.at(i + 1)) || self.at(i + 1) == b'(' => i += 1,
                b')' if self.at(i + 1) == b' ' && is_digit(self.at(i + 2)) => i += 2,
                _ => return i,
            }
        }
    }

    fn at_word(&mut self, i: usize) -> usize {
        // Most words are plain lowercase: find the end without the general word test.
        let mut we = i;
        while we < self.b.len() && is_alpha(self.b[we]) {
            we += 1;
        }
        if self.at(we).is_ascii_digit() || self.at(we) >= 0x80 {
            we = self.word_end(we);
        }
        if self.b[i..we].iter().any(u8::is_ascii_digit) {
            // "mh17", "a320", "g7", "covid19".
            return self.ident_end(we);
        }
        match self.at(we) {
            b':' if self.at(we + 1) == b'/' => return self.run_end(we),
            b'@' => return self.run_end(we),
            b'.' if is_alpha(self.at(we + 1)) => {
                // "bbc.com/news", "a.b@c.org": the whole run is a URL or an address.
                let (r, sep) = self.dotted_run(we);
                if sep.is_some_and(|k| k >= we) || self.starts_with(i, b"www.") {
                    return r;
                }
            }
            b'$' if self.entry(i, we + 1).is_some_and(|e| e.currency.is_some()) => {
                return self.figure(i).unwrap_or(we + 1);
            }
            _ => {}
        }
        let Some(e) = self.entry(i, we) else { return we };
        if e.month != 0 {
            if let Some(p) = self.month_alone_or_date(i, we, e.month, e.month_abbr) {
                return p;
            }
        }
        if e.weekday != 0 {
            if let Some(p) = self.weekday(i, we, e.weekday) {
                return p;
            }
        }
        if e.has(ROLE_PART) {
            if let Some(p) = self.part(i, we) {
                return p;
            }
        }
        if let Some(u) = e.unit {
            if u.kind == UnitKind::Duration && self.starts_with(we, b"-long") && !is_alpha(self.at(we + 5)) {
                let v = u.mult as f64;
                let fig = Figure {
                    kind: FigureKind::Duration,
                    value: v,
                    value_max: None,
                    unit: String::new(),
                    date: dates::duration(v, u.symbol),
                    approximate: false,
                    qualifier: Qualifier::None,
                };
                self.emit(i, we + 5, fig);
                return we + 5;
            }
        }
        if e.num.is_some()
            || e.vague.is_some()
            || e.has(ROLE_VAGUE_LEAD)
            || e.currency.is_some_and(|c| c.pre)
        {
            return self.figure(i).unwrap_or(we);
        }
        we
    }

    fn at_digit(&mut self, i: usize) -> usize {
        // Context before the digits.
        if i > 0 {
            let p = self.b[i - 1];
            let pp = if i > 1 { self.b[i - 2] } else { b' ' };
            let joined = match p {
                // A dash ("the toll—2,677") does not join like a hyphen ("F-16").
                b'-' => (pp.is_ascii_alphanumeric() || pp >= 0x80) && !matches!(self.orig_char(i - 1), '\u{2012}'..='\u{2015}'),
                b'.' | b'/' | b'_' => pp.is_ascii_alphanumeric() || pp >= 0x80,
                b'#' => true,
                _ => p.is_ascii_alphanumeric(),
            };
            if joined {
                // "F-16", "COVID-19", "Su-57", "bbc.com/2024", "#1".
                return self.ident_end(i);
            }
            if p == b'(' {
                // "(202) 555-0100".
                let e = self.digits_end(i);
                if self.at(e) == b')' && self.at(e + 1) == b' ' && is_digit(self.at(e + 2)) {
                    return self.phone_end(e + 2);
                }
            }
        }
        let de = self.digits_end(i);
        let n = de - i;
        // Phone numbers: 555-123-4567.
        if n == 3 && self.at(de) == b'-' {
            let e2 = self.digits_end(de + 1);
            if e2 - de - 1 == 3 && self.at(e2) == b'-' && self.digits_end(e2 + 1) - e2 - 1 == 4 {
                return self.ident_end(i);
            }
        }
        // ISO date 2026-01-15.
        if n == 4 && self.at(de) == b'-' && self.digits_end(de + 1) == de + 3 && self.at(de + 3) == b'-' {
            let e3 = self.digits_end(de + 4);
            if e3 == de + 6 && self.word_char(e3).is_none() {
                let y = num_of(&self.b[i..de]) as i32;
                let m = num_of(&self.b[de + 1..de + 3]) as u8;
                let d = num_of(&self.b[de + 4..de + 6]) as u8;
                if Date::valid(y, m, d) {
                    let parts = Parts { year: Some(y), month: m, day: d, ..Parts::default() };
                    self.emit_date(i, e3, parts);
                }
                return e3;
            }
        }
        // 15/01/2026, 01/15/2026, 15.01.2026: only where day and month cannot be swapped.
        if (1..=2).contains(&n) && matches!(self.at(de), b'/' | b'.') {
            let sep = self.at(de);
            let e2 = self.digits_end(de + 1);
            if (1..=2).contains(&(e2 - de - 1)) {
                let a = num_of(&self.b[i..de]) as u8;
                let bm = num_of(&self.b[de + 1..e2]) as u8;
                if self.at(e2) == sep && is_digit(self.at(e2 + 1)) {
                    let e3 = self.digits_end(e2 + 1);
                    if e3 - e2 - 1 == 4 && self.word_char(e3).is_none() {
                        let y = num_of(&self.b[e2 + 1..e3]) as i32;
                        let (d, m) = if a > 12 && bm <= 12 { (a, bm) } else if bm > 12 && a <= 12 { (bm, a) } else { (0, 0) };
                        if d != 0 && Date::valid(y, m, d) {
                            let parts = Parts { year: Some(y), month: m, day: d, ..Parts::default() };
                            self.emit_date(i, e3, parts);
                        }
                        return e3;
                    }
                }
                if sep == b'/' {
                    // "1/2", "24/7": fractions and ambiguous dates are not reported.
                    return self.ident_end(i);
                }
            }
        }
        // Day and month: "15 January 2026", "15th of January".
        if (1..=2).contains(&n) {
            if let Some((parts, end)) = self.day_month(i, true) {
                self.emit_date(i, end, parts);
                return end;
            }
        }
        // A minus sign: "-5°C", "−0.3%".
        self.negative = i > 0
            && self.b[i - 1] == b'-'
            && (i == 1 || matches!(self.b[i - 2], b' ' | b'('))
            && matches!(self.orig_char(i - 1), '-' | '\u{2212}');
        let r = self.figure(i).unwrap_or_else(|| self.ident_end(i));
        self.negative = false;
        r
    }

    // ----- dates -----

    /// A capitalised month name (full, or abbreviated with an optional '.') at `p`:
    /// (month, end).
    /// "15 January [2026]", "15th January", and with `allow_of` "15th of January": one or two
    /// digits at `ds`, an optional ordinal suffix, a month word, an optional year; the date
    /// must exist. Returns the parts and the end of the expression.
    fn day_month(&self, ds: usize, allow_of: bool) -> Option<(Parts, usize)> {
        let de = self.digits_end(ds);
        if !(1..=2).contains(&(de - ds)) {
            return None;
        }
        let day = num_of(&self.b[ds..de]) as u8;
        let sfx = self.alpha_end(de);
        let e = if matches!(&self.b[de..sfx], b"st" | b"nd" | b"rd" | b"th") { sfx } else { de };
        if self.at(e) != b' ' {
            return None;
        }
        let m_at = if allow_of && e > de && self.starts_with(e + 1, b"of ") { e + 4 } else { e + 1 };
        let (month, mut end) = self.month_word(m_at)?;
        let mut parts = Parts { month, day, ..Parts::default() };
        if let Some((y, ye)) = self.year_after(end, false) {
            parts.year = Some(y);
            end = ye;
        }
        Date::valid(parts.year.unwrap_or(2000), month, day).then_some((parts, end))
    }

    fn month_word(&self, p: usize) -> Option<(u8, usize)> {
        let e = self.alpha_end(p);
        if e == p || self.word_char(e).is_some() {
            return None;
        }
        let entry = self.entry(p, e)?;
        if entry.month == 0 || !self.capitalized(p) {
            return None;
        }
        let end = if entry.month_abbr && self.at(e) == b'.' { e + 1 } else { e };
        Some((entry.month, end))
    }

    /// A year after `p` (", 2026" with `comma`, or " 2026"): (year, end).
    fn year_after(&self, p: usize, comma: bool) -> Option<(i32, usize)> {
        let mut q = p;
        if comma && self.at(q) == b',' {
            q += 1;
        }
        if self.at(q) != b' ' {
            return None;
        }
        q += 1;
        let e = self.digits_end(q);
        if e - q != 4 || self.word_char(e).is_some() {
            return None;
        }
        // Not "Jan 15, 2,677 people" or "2026.5".
        if matches!(self.at(e), b',' | b'.' | b'-' | b'/' | b':') && is_digit(self.at(e + 1)) {
            return None;
        }
        let y = num_of(&self.b[q..e]) as i32;
        (1000..=2999).contains(&y).then_some((y, e))
    }

    /// A day after a month: " 15", " 15th", with an optional ", 2026" or " 2026".
    fn day_after(&self, p: usize) -> Option<(u8, usize)> {
        if self.at(p) != b' ' || !is_digit(self.at(p + 1)) {
            return None;
        }
        let s = p + 1;
        let e = self.digits_end(s);
        if e - s > 2 {
            return None;
        }
        let day = num_of(&self.b[s..e]) as u8;
        if !(1..=31).contains(&day) {
            return None;
        }
        let sfx = self.alpha_end(e);
        let end = if matches!(&self.b[e..sfx], b"st" | b"nd" | b"rd" | b"th") { sfx } else { e };
        if self.word_char(end).is_some() {
            return None;
        }
        // Not a time ("May 5:30") or a decimal.
        if matches!(self.at(end), b':' | b'.' | b',') && is_digit(self.at(end + 1)) {
            return None;
        }
        if self.at(end) == b'-' && is_digit(self.at(end + 1)) {
            return None;
        }
        Some((day, end))
    }

    /// A month with what follows it: day, year. `None` when the month at `ms` is not a date
    /// on its own and has no day or year.
    fn month_expr(&self, ms: usize, alone_ok: bool) -> Option<(Parts, usize)> {
        let (month, me) = self.month_word(ms)?;
        let mut parts = Parts { month, ..Parts::default() };
        let abbr = self.entry(ms, self.alpha_end(ms)).is_some_and(|e| e.month_abbr);
        if let Some((day, de)) = self.day_after(me) {
            parts.day = day;
            let mut end = de;
            if let Some((y, ye)) = self.year_after(de, true) {
                parts.year = Some(y);
                end = ye;
            }
            if Date::valid(parts.year.unwrap_or(2000), month, day) {
                return Some((parts, end));
            }
            return None;
        }
        if let Some((y, ye)) = self.year_after(me, false) {
            parts.year = Some(y);
            return Some((parts, ye));
        }
        if abbr || !alone_ok {
            return None;
        }
        // The month alone: "in June", never "Jan" alone; the '.' of an abbreviation is not
        // part of a full name.
        Some((parts, self.alpha_end(ms)))
    }

    fn month_alone_or_date(&mut self, ms: usize, _me: usize, month: u8, abbr: bool) -> Option<usize> {
        if !self.capitalized(ms) {
            return None;
        }
        let prev = self.prev_entry(ms);
        let dated = prev.is_some_and(|e| e.has(ROLE_YEAR | ROLE_PART));
        let (parts, end) = self.month_expr(ms, !abbr)?;
        if parts.day == 0 && parts.year.is_none() && !dated {
            // A month alone: "May" only after a date word ("in May"); any month followed by a
            // capitalised word is likely a name ("June Carter", "April Ryan").
            if month == 5 {
                return None;
            }
            if let Some((ns, _)) = self.next_word(end) {
                if self.capitalized(ns) && self.entry(ns, self.word_end(ns)).is_none_or(|e| !e.has(ROLE_KNOWN)) {
                    return None;
                }
            }
            if self.sentence_initial(ms) && month == 3 && self.next_word(end).is_some_and(|(s, _)| !self.capitalized(s)) {
                // "March on the capital" is the verb.
                return None;
            }
        }
        self.emit_date(ms, end, parts);
        Some(end)
    }

    fn weekday(&mut self, ws: usize, we: usize, wd: u8) -> Option<usize> {
        if !self.capitalized(ws) {
            return None;
        }
        // "Friday, January 16", "Friday 16 January 2026".
        let mut q = we;
        if self.at(q) == b',' {
            q += 1;
        }
        if self.at(q) == b' ' {
            if let Some((mut parts, end)) = self.month_expr(q + 1, false) {
                if parts.day != 0 {
                    parts.weekday = wd;
                    self.emit_date(ws, end, parts);
                    return Some(end);
                }
            }
            if let Some((mut parts, end)) = self.day_month(q + 1, false) {
                parts.weekday = wd;
                self.emit_date(ws, end, parts);
                return Some(end);
            }
        }
        let parts = Parts { weekday: wd, ..Parts::default() };
        self.emit_date(ws, we, parts);
        Some(we)
    }

    /// "late December", "early January 2026", "mid-March", "mid-2025", "the late 1990s".
    fn part(&mut self, ps: usize, pe: usize) -> Option<usize> {
        if !matches!(self.at(pe), b' ' | b'-') {
            return None;
        }
        let q = pe + 1;
        if is_alpha(self.at(q)) {
            let (parts, end) = self.month_expr(q, true)?;
            self.emit_date(ps, end, parts);
            return Some(end);
        }
        let e = self.digits_end(q);
        if e - q != 4 {
            return None;
        }
        let y = num_of(&self.b[q..e]) as i32;
        if !(1000..=2999).contains(&y) {
            return None;
        }
        let (decade, end) = if self.at(e) == b's' && y % 10 == 0 && self.word_char(e + 1).is_none() {
            (true, e + 1)
        } else if self.word_char(e).is_none() {
            (false, e)
        } else {
            return None;
        };
        self.emit_date(ps, end, Parts { year: Some(y), decade, ..Parts::default() });
        Some(end)
    }

    // ----- amounts -----

    /// Digits at `i`: grouping, decimals. Skips times, versions and numbers with a leading
    /// zero.
    fn digits(&self, i: usize) -> Parsed<Num> {
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
    fn time_suffix(&self, e: usize) -> Option<usize> {
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
    fn spelled(&self, p: usize) -> Option<Num> {
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
    fn vague(&self, p: usize) -> Option<Num> {
        let (e, end) = self.phrase(p)?;
        let v = e.vague?;
        Some(Num { end, mant: v as u128, vague: true, ..Num::default() })
    }

    /// A currency before an amount: "$", "US$", "€", "USD ", "Rs ": (currency, end).
    fn pre_currency(&self, p: usize) -> Option<(Currency, usize)> {
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
    fn post_unit(&self, p: usize, num: &Num, attached: bool) -> Option<(Option<Currency>, Option<Unit>, usize)> {
        let (e, end) = self.phrase(p)?;
        if let Some(c) = e.currency {
            let big = num.scale > 0 || num.vague || num.value() >= 1000.0;
            let case_ok = !c.upper || !self.original(p, end).chars().any(char::is_lowercase);
            if c.post && case_ok && (!c.big || big) && (!c.attached_only || attached) {
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
    fn amount(&self, p: usize) -> Parsed<Amount> {
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
                // "10-day", "2-km", "three-week", "10-year-old".
                let we = self.alpha_end(end + 1);
                let found = self.entry(end + 1, we).and_then(|e| e.unit).map(|u| (u, we)).or_else(|| {
                    // "365-square-kilometre": the table has "square kilometre".
                    let e2 = self.alpha_end(we + 1);
                    if self.at(we) != b'-' || e2 == we + 1 || e2 - end > 40 {
                        return None;
                    }
                    let mut key = [0u8; 40];
                    let k = &mut key[..e2 - end - 1];
                    k.copy_from_slice(&self.b[end + 1..e2]);
                    k[we - end - 1] = b' ';
                    self.lx.get(k).and_then(|e| e.unit).map(|u| (u, e2))
                });
                if let Some((u, we)) = found {
                    if u.kind != UnitKind::Percent {
                        unit = Some(u);
                        end = we;
                        if self.starts_with(end, b"-old") && self.word_char(end + 4).is_none() {
                            end += 4;
                        } else if self.starts_with(end, b"-long") && self.word_char(end + 5).is_none() {
                            end += 5;
                        }
                    }
                }
            }
        }
        Got(Amount { end, num, currency, unit, decade })
    }

    /// A qualifier right before `start`: the longest of the phrases ending there.
    fn qualifier_before(&self, start: usize) -> Option<(Qualifier, bool)> {
        let mut starts = [0usize; 4];
        let mut n = 0;
        let mut pos = start;
        while n < starts.len().min(self.lx.max_words) {
            let Some((s, _)) = self.prev_word_dotted(pos) else { break };
            starts[n] = s;
            n += 1;
            pos = s;
        }
        while n > 0 {
            n -= 1;
            if let Some(q) = self.entry(starts[n], start - 1).and_then(|e| e.qualifier) {
                return Some(q);
            }
        }
        None
    }

    /// Like [`Scan::prev_word`], with a final '.' ("approx.").
    fn prev_word_dotted(&self, pos: usize) -> Option<(usize, usize)> {
        if pos >= 3 && self.b[pos - 1] == b' ' && self.b[pos - 2] == b'.' {
            let e = pos - 2;
            let mut s = e;
            while s > 0 && self.b[s - 1].is_ascii_alphanumeric() {
                s -= 1;
            }
            return (s < e).then_some((s, pos - 1));
        }
        self.prev_word(pos)
    }

    // ----- figures -----

    /// The figure starting at `start`, if any; the position to resume at.
    fn figure(&mut self, start: usize) -> Option<usize> {
        let a = match self.amount(start) {
            Got(a) => a,
            Skip(e) => return Some(e),
            Nothing => return None,
        };
        let prev = self.prev_word(start);
        let prev_e = prev.and_then(|(s, e)| self.entry(s, e));
        let prev_has = |role| prev_e.is_some_and(|e: &Entry| e.has(role));

        if a.decade {
            let parts = Parts { year: Some(a.num.mant as i32), decade: true, ..Parts::default() };
            self.emit_date(start, a.end, parts);
            return Some(a.end);
        }
        // Years.
        if a.plain_int() && a.num.int_len == 4 {
            let y = a.num.mant as i32;
            let mut year_max = None;
            let mut end = a.end;
            // "2010-2015", "2019-20", "from 2010 to 2015", "between 2010 and 2015".
            let second = if self.at(end) == b'-' {
                Some(end + 1)
            } else if self.starts_with(end, b" to ") && prev_has(ROLE_FROM) {
                Some(end + 4)
            } else if self.starts_with(end, b" and ") && prev_has(ROLE_RANGE) {
                Some(end + 5)
            } else {
                None
            };
            if let Some(s2) = second {
                let e2 = self.digits_end(s2);
                if self.word_char(e2).is_none() {
                    let y2 = match e2 - s2 {
                        4 => num_of(&self.b[s2..e2]) as i32,
                        2 if self.at(end) == b'-' => y / 100 * 100 + num_of(&self.b[s2..e2]) as i32,
                        _ => 0,
                    };
                    if y2 > y && y2 - y < 200 {
                        year_max = Some(y2);
                        end = e2;
                    }
                }
            }
            let the_adj = prev.is_some_and(|(s, e)| &self.b[s..e] == b"the")
                && self.at(a.end) == b' '
                && is_alpha(self.at(a.end + 1));
            let ctx = prev_has(ROLE_YEAR)
                || the_adj
                || self.starts_with(a.end, b"'s")
                || (year_max.is_some() && (1900..=2099).contains(&y))
                || (self.last_year_end != usize::MAX
                    && (self.starts_with(self.last_year_end, b" and ")
                        && self.last_year_end + 5 == start
                        || self.starts_with(self.last_year_end, b" or ") && self.last_year_end + 4 == start
                        || self.starts_with(self.last_year_end, b", ") && self.last_year_end + 2 == start));
            if ctx && (1000..=2199).contains(&y) {
                let parts = Parts { year: Some(y), year_max, ..Parts::default() };
                self.emit_date(start, end, parts);
                return Some(end);
            }
            if (1900..=2099).contains(&y) {
                return Some(a.end);
            }
        }
        // Ranges.
        let mut a = a;
        let mut max: Option<Amount> = None;
        let mut end = a.end;
        let hyphen = self.at(a.end) == b'-';
        let second_at = if hyphen {
            Some(a.end + 1)
        } else if self.starts_with(a.end, b" - ") {
            Some(a.end + 3)
        } else if self.starts_with(a.end, b" to ") && !prev_has(ROLE_FROM) {
            Some(a.end + 4)
        } else if self.starts_with(a.end, b" and ") && prev_has(ROLE_RANGE) {
            Some(a.end + 5)
        } else {
            None
        };
        if let Some(s2) = second_at {
            if let Got(b) = self.amount(s2) {
                if hyphen && a.plain_int() && b.plain_int() && !a.num.spelled && (b.num.mant <= a.num.mant || prev_has(ROLE_SCORE)) {
                    // A score: "won 3-1".
                    return Some(b.end);
                }
                if let Some((lo, hi)) = merge_range(a, b) {
                    a = lo;
                    max = Some(hi);
                    end = hi.end;
                }
            }
        }
        // Names and labels: "Boeing 777", "Resolution 2254", "article 5", "No. 10".
        if a.num.digits && a.currency.is_none() && !a.num.ordinal {
            if let Some((ps, pe)) = prev {
                let label = prev_e.is_some_and(|e| e.has(ROLE_LABEL));
                // "Boeing 777", "Python 3.12"; not "Reuters 2,677".
                let name = !a.num.grouped
                    && a.num.scale == 0
                    && a.bare()
                    && max.is_none()
                    && self.capitalized(ps)
                    && prev_e.is_none_or(|e| {
                        !e.has(ROLE_KNOWN | ROLE_YEAR | ROLE_PART)
                            && e.qualifier.is_none()
                            && e.month == 0
                            && e.weekday == 0
                            && e.num.is_none()
                    });
                if (label && a.bare()) || name {
                    let _ = pe;
                    return Some(end);
                }
            }
            if start >= 4 && self.b[start - 1] == b' ' && self.b[start - 2] == b'.' && &self.b[start - 4..start - 2] == b"no" && a.bare() {
                return Some(end);
            }
        }
        // Number words.
        if (a.num.spelled || (a.num.vague && !a.num.digits)) && self.capitalized(start) && !self.sentence_initial(start) {
            // "First Lady", "Formula One", "the Big Four".
            return Some(end);
        }
        if a.num.spelled && a.bare() && max.is_none() && self.at(end) == b'-' && is_alpha(self.at(end + 1)) {
            // Fractions and compounds: "two-thirds", "one-sided", "two-state".
            return Some(self.ident_end(end));
        }
        if a.num.lone_one && a.bare() && max.is_none() {
            if prev_has(ROLE_NOTONE) {
                return Some(end);
            }
            let counts = match self.next_word(end) {
                Some((s, e)) => {
                    !is_digit(self.at(s)) && self.entry(s, e).is_none_or(|x| !x.has(ROLE_PRONOUN)) && self.at(e) != b'\''
                }
                None => false,
            };
            if !counts {
                return Some(end);
            }
        }
        if a.num.ordinal && a.num.spelled && start >= 2 && self.prev_word(start).is_some_and(|(s, e)| &self.b[s..e] == b"a") && a.num.mant == 2 {
            // "a second time", "wait a second".
            return Some(end);
        }
        if a.num.ordinal && a.num.spelled && self.capitalized(start) {
            if let Some((s, _)) = self.next_word(end) {
                if self.capitalized(s) {
                    // "First Lady", "Second World War" at the start of a sentence.
                    return Some(end);
                }
            }
        }
        let (qualifier, hedge) = self.qualifier_before(start).unwrap_or((Qualifier::None, false));
        let mut figure = make_figure(&a, max.as_ref(), qualifier, hedge);
        let start = if self.negative && max.is_none() && a.currency.is_none() {
            figure.value = -figure.value;
            start - 1
        } else {
            start
        };
        // "between 10 and 20" is one expression: "between" is part of its span.
        let fs = match prev {
            Some((ps, _)) if max.is_some() && prev_has(ROLE_RANGE) => ps,
            _ => start,
        };
        self.emit(fs, end, figure);
        Some(end)
    }
}

/// Joins the two ends of a range, sharing currency, unit and scale: `None` if they do not
/// make one range.
fn merge_range(mut a: Amount, mut b: Amount) -> Option<(Amount, Amount)> {
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
    (b.num.value() > a.num.value()).then_some((a, b))
}

fn ordinal_suffix_ok(n: u128, sfx: &[u8]) -> bool {
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
const MAX_GROUPED: u128 = 10u128.pow(18);

/// `mant` followed by a group of three digits; saturates past [`MAX_GROUPED`].
fn group(mant: u128, digits: &[u8]) -> u128 {
    if mant > MAX_GROUPED {
        return mant;
    }
    mant * 1000 + num_of(digits) as u128
}

fn num_of(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |acc, &c| acc.wrapping_mul(10).wrapping_add((c - b'0') as u64))
}

fn make_figure(a: &Amount, max: Option<&Amount>, qualifier: Qualifier, hedge: bool) -> Figure {
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
            UnitKind::Duration => (FigureKind::Duration, String::new(), dates::duration(value, u.symbol)),
        }
    } else if a.num.ordinal {
        (FigureKind::Ordinal, String::new(), String::new())
    } else {
        (FigureKind::Cardinal, String::new(), String::new())
    };
    Figure { kind, value, value_max, unit, date, approximate, qualifier }
}
