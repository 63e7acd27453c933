//! The single left-to-right pass over the folded text.
//!
//! The main loop looks at the first byte of every token: a digit, `$`, a non-ASCII currency
//! sign, or a lowercase letter (then the word is looked up in the tables only if its first
//! byte and length can match). Everything else is skipped a byte at a time. A token that
//! starts a figure is parsed forwards (currency, number, scale, unit, range); qualifiers,
//! prepositions and names before it are found by looking back at most a few words. Positions
//! are in the folded text until [`Scan::emit`] maps them to the original.

mod dates;
mod money;
mod numbers;
mod quantities;
mod temporal;

use super::lexicon::*;
use super::{Date, Figure, FigureMatch};
use super::Qualifier;
use money::{make_figure, merge_range, Amount};
use crate::text::Folded;
use std::cell::Cell;

/// Scans `text`; returns the work done, in bytes examined by the loops that walk the text
/// (the main loop and every scan forwards or backwards over a word or a run), for the tests
/// that guard linear time.
pub(super) fn run(lx: &Lexicon, text: &Folded<'_>, reference: Option<Date>, out: &mut Vec<FigureMatch>, stop: &dyn Fn() -> bool) -> usize {
    let first_own = out.len();
    let mut s = Scan {
        stop,
        lx,
        first_own,
        text,
        b: text.folded().as_bytes(),
        reference,
        out,
        last_end: 0,
        last_year_end: usize::MAX,
        anchor: None,
        negative: false,
        run: None,
        steps: Cell::new(0),
    };
    s.main();
    s.steps.get()
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
    /// `out.len()` before this scan: the figures before it belong to the caller.
    first_own: usize,
    /// Folded end of the last year emitted ("in 2010 and 2011").
    last_year_end: usize,
    /// The last full date written: what "a day earlier" and "the day before" count from.
    anchor: Option<Date>,
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

/// The bytes between words at which [`Scan::main`] does anything: '$', '@', '#', '+' and every
/// byte of a non-ASCII character.
static STARTS_BETWEEN_WORDS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = matches!(b as u8, b'$' | b'@' | b'#' | b'+' | 0x80..=0xFF);
        b += 1;
    }
    t
};

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

    // ----- the main loop -----

    /// Visits the positions where a figure can start: every word the folding marked (from
    /// its start, or from inside it where a figure before ended), and the few bytes between
    /// words that start something ('$', '@', '#', '+', non-ASCII characters such as '€').
    /// The bytes between words that start nothing (spaces, most punctuation) are not read one
    /// by one.
    fn main(&mut self) {
        let n = self.b.len();
        let words = self.text.words();
        // The first word that ends after `i`.
        let mut w = 0;
        let mut i = 0;
        let mut check = CHECK_BYTES;
        while i < n {
            if i >= check {
                if (self.stop)() {
                    return;
                }
                check = i + CHECK_BYTES;
            }
            while w < words.len() && words[w].1 <= i {
                w += 1;
            }
            let word_start = words.get(w).map_or(n, |&(s, _)| s);
            if i < word_start {
                // Between words: on to the next byte that starts something, else the word.
                match self.b[i..word_start].iter().position(|&c| STARTS_BETWEEN_WORDS[c as usize]) {
                    Some(k) => i += k,
                    None => {
                        i = word_start;
                        continue;
                    }
                }
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
        if let Some(tw) = e.time {
            if let Some(p) = self.time_word(i, we, tw) {
                return p;
            }
        }
        if let Some(n) = e.num {
            if n.kind == NumKind::Article {
                if let Some(p) = self.article(i, we) {
                    return p;
                }
            } else if n.ordinal && (1..=4).contains(&n.value) {
                if let Some(p) = self.quarter(i, we, n.value) {
                    return p;
                }
            }
        }
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
            if let Some(end) = self.long_duration(i, we, u) {
                return end;
            }
            if u.kind == UnitKind::Duration {
                if let Some(end) = self.the_unit_offset(i, we) {
                    return end;
                }
                if let Some(end) = self.bare_plural(i, we) {
                    return end;
                }
            }
        }
        if e.num.is_some()
            || e.denominator != 0
            || e.vague.is_some()
            || e.has(ROLE_VAGUE_LEAD)
            || e.currency.is_some_and(|c| c.pre)
        {
            return self.figure(i).unwrap_or(we);
        }
        we
    }

    fn at_digit(&mut self, i: usize) -> usize {
        if let Some(end) = self.clipped_year(i) {
            return end;
        }
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
        if let Some(end) = self.numeric_date(i, de) {
            return end;
        }
        if let Some(end) = self.clock(i, de) {
            return end;
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

    /// Whether the number at `start..end` is an age: between commas after a capitalised word
    /// ("Jane Doe, 63, said", "John Smith Jr., 45,"), or after "aged", "age", "the age of".
    /// The start of the age's span ("age 18", "the age of 35", else the number).
    fn age_context(&self, start: usize, end: usize, prev: Option<(usize, usize)>) -> Option<usize> {
        if let Some((ps, pe)) = prev {
            match &self.b[ps..pe] {
                b"aged" => return Some(start),
                b"age" => return Some(ps),
                b"of" => {
                    let (as_, ae) = self.prev_word(ps)?;
                    if &self.b[as_..ae] != b"age" {
                        return None;
                    }
                    return Some(match self.prev_word(as_) {
                        Some((ts, te)) if &self.b[ts..te] == b"the" => ts,
                        _ => as_,
                    });
                }
                _ => {}
            }
        }
        if start < 3 || self.b[start - 1] != b' ' || self.b[start - 2] != b',' || self.at(end) != b',' {
            return None;
        }
        let mut e = start - 2;
        if e > 0 && self.b[e - 1] == b'.' {
            // "Jr.", "Sr.".
            e -= 1;
        }
        let mut s = e;
        while s > 0 && self.b[s - 1].is_ascii_alphabetic() && e - s < 40 {
            s -= 1;
        }
        self.step(e - s + 1);
        // A name that is also an ISO code in capitals ("Ron", "Bob") is still a name.
        let word_entry = self.entry(s, e).filter(|x| !(x.currency.is_some_and(|c| c.upper) && x.roles == 0 && x.num.is_none()));
        (s < e && self.capitalized(s) && word_entry.is_none()).then_some(start)
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

        if let Some(end) = self.year(start, &a, prev, prev_e) {
            return Some(end);
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
        } else if self.starts_with(a.end, b" to ") && !prev_has(ROLE_FROM | ROLE_CHANGE) {
            Some(a.end + 4)
        } else if self.starts_with(a.end, b" and ") && prev_has(ROLE_RANGE) {
            Some(a.end + 5)
        } else {
            None
        };
        if let Some(s2) = second_at {
            if let Got(b) = self.amount(s2) {
                let b_end = b.end;
                // "8 1/2% to 8 3/8%": a spread quoted high to low, both ends with their sign.
                let descending_ok = !hyphen
                    && a.unit.is_some_and(|u| u.kind == UnitKind::Percent)
                    && b.unit.is_some_and(|u| u.kind == UnitKind::Percent);
                let dash = hyphen || self.starts_with(a.end, b" - ");
                if dash && a.plain_int() && b.plain_int() && !a.num.spelled && (b.num.mant <= a.num.mant || prev_has(ROLE_SCORE)) {
                    // A score or a vote: "won 3-1", "passed 271 - 147".
                    return Some(b.end);
                }
                if let Some((lo, hi)) = merge_range(a, b, descending_ok) {
                    a = lo;
                    max = Some(hi);
                    end = b_end;
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
        // "two years ago", "three days later": dates; "22-year-old": an age.
        if max.is_none() && a.unit.is_some_and(|u| u.kind == UnitKind::Duration) {
            if let Some(end) = self.duration_as_date(start, &a) {
                return Some(end);
            }
        }
        // Ages: "Jane Doe, 63, said", "aged 13", "at the age of 35" are dates in the
        // newswire convention (a period of a life), with unit "age" and the age as an ISO
        // duration; "age 18" and "the age of 35" keep their words.
        if a.plain_int() && a.num.int_len <= 3 && max.is_none() && (1..=120).contains(&a.num.mant) {
            if let Some(fs) = self.age_context(start, a.end, prev) {
                let v = a.num.mant as f64;
                let figure = Figure {
                    kind: super::FigureKind::Date,
                    value: v,
                    value_max: None,
                    unit: "age".to_string(),
                    date: super::calendar::duration(v, "Y"),
                    approximate: false,
                    qualifier: Qualifier::None,
                };
                self.emit(fs, a.end, figure);
                return Some(a.end);
            }
        }
        // Number words.
        if (a.num.spelled || (a.num.vague && !a.num.digits)) && self.capitalized(start) && !self.sentence_initial(start) {
            // "First Lady", "Formula One", "the Big Four".
            return Some(end);
        }
        if a.num.spelled && a.bare() && max.is_none() && self.at(end) == b'-' && is_alpha(self.at(end + 1)) {
            // A fraction: "two-thirds", "one-half", "three-quarters" (a cardinal, value n/d).
            let we = self.alpha_end(end + 1);
            let d = self.entry(end + 1, we).map_or(0, |e| e.denominator);
            if d != 0 && !a.num.ordinal && a.num.exp == 0 && a.num.mant < d as u128 && self.word_char(we).is_none() && self.at(we) != b'-' {
                let (qualifier, hedge) = self.qualifier_before(start).unwrap_or((Qualifier::None, false));
                let figure = Figure {
                    kind: super::FigureKind::Cardinal,
                    value: a.num.mant as f64 / d as f64,
                    value_max: None,
                    unit: String::new(),
                    date: String::new(),
                    approximate: hedge,
                    qualifier,
                };
                self.emit(start, we, figure);
                return Some(we);
            }
            // Other compounds: "a four-color page", "a nine-member board", "two-state": the
            // number word is a cardinal; "one-sided", "one-time" are not counts.
            // Not before a scale, a currency or a unit the amount did not take ("seven-yen",
            // "seven-million-ton"): what that is, is unclear.
            let measured = self.entry(end + 1, we).is_some_and(|e| e.scale.is_some() || e.currency.is_some() || e.unit.is_some());
            if !a.num.ordinal && !a.num.lone_one && a.num.exp == 0 && a.num.mant >= 2 && !measured {
                let (qualifier, hedge) = self.qualifier_before(start).unwrap_or((Qualifier::None, false));
                let figure = make_figure(&a, None, qualifier, hedge);
                self.emit(start, end, figure);
            }
            return Some(self.ident_end(end));
        }
        if a.num.lone_one && a.bare() && max.is_none() {
            if prev_has(ROLE_NOTONE) {
                return Some(end);
            }
            let counts = match self.next_word(end) {
                // "one in four", "one in every ten": a proportion.
                Some((s, e)) if &self.b[s..e] == b"in" => self.next_word(e).is_some_and(|(s2, e2)| {
                    is_digit(self.at(s2)) || self.entry(s2, e2).is_some_and(|x| x.num.is_some() || &self.b[s2..e2] == b"every")
                }),
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

