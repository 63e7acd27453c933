//! Date expressions: a month with its day and year ("January 15, 2026", "15 January",
//! "Jan. 15"), a month alone ("in June"), weekdays ("on Friday", "Friday, January 16"), parts
//! of a month or year ("late December", "mid-2025", "the late 1990s"), years with date context
//! ("in 2011", "2010-2015") and decades ("1990s"), and dates in digits ("2026-01-15",
//! "15/01/2026"). Calendar arithmetic and ISO strings are in [`super::super::calendar`].

use super::super::calendar::{self, Parts};
use super::super::lexicon::*;
use super::super::{Date, Figure, FigureKind, Qualifier};
use super::money::Amount;
use super::{is_alpha, is_digit, numbers::num_of, Scan};

impl Scan<'_, '_> {
    /// Like [`Scan::emit_date`], replacing the figures already emitted inside the span (the
    /// ordinal "first" of "the first half of 1989").
    pub(super) fn emit_date_over(&mut self, fs: usize, fe: usize, parts: Parts) {
        let s = self.text.start_of(fs);
        while self.out.last().is_some_and(|m| m.start >= s && m.start >= self.first_own) {
            self.out.pop();
        }
        self.last_end = if self.out.len() > self.first_own { self.out.last().map_or(0, |m| m.end) } else { 0 };
        self.emit_date(fs, fe, parts);
    }

    pub(super) fn emit_date(&mut self, fs: usize, fe: usize, mut parts: Parts) {
        let (fs, fe) = self.widen_period(fs, fe, &mut parts);
        if self.text.start_of(fs) < self.last_end {
            // The period's words hold a figure already emitted ("the 12 months ending ...",
            // "the first nine months of ..."): the date replaces it.
            let s = self.text.start_of(fs);
            while self.out.last().is_some_and(|m| m.start >= s && m.start >= self.first_own) {
                self.out.pop();
            }
            self.last_end = if self.out.len() > self.first_own { self.out.last().map_or(0, |m| m.end) } else { 0 };
        }
        let (date, year) = calendar::render(parts, self.reference);
        if parts.year.is_some() && parts.month == 0 {
            self.last_year_end = fe;
        }
        if parts.day != 0 && parts.day_max == 0 {
            if let Some(d) = date.get(..10).and_then(Date::parse_iso) {
                self.anchor = Some(d);
            }
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


    /// The period a date closes or belongs to, as part of its span: "the fiscal year ended
    /// June 30", "the 12 months ending Aug. 31", "the quarter ended in September" (from "the"
    /// to the date), "the end of July", "the month of October" (a period word and "of" before
    /// it), and "August of this year", "the 15th of last year"-style tails ("of this year",
    /// "of last year", "of next year"), which also give the year when a reference date is
    /// known. Returns the widened span; at most six words are looked at either way.
    fn widen_period(&self, fs: usize, fe: usize, parts: &mut Parts) -> (usize, usize) {
        let mut fs = fs;
        let mut fe = fe;
        if let Some((ps, pe)) = self.prev_word(fs) {
            let word = &self.b[ps..pe];
            if word == b"of" {
                if let Some(p) = self.period_before(ps, pe) {
                    fs = p;
                }
            } else if let Some(p) = self.closing_period(ps, pe) {
                fs = p;
            }
        }
        if parts.year.is_none() && parts.month != 0 && self.starts_with(fe, b" of ") {
            let ws = fe + 4;
            let we = self.alpha_end(ws);
            let shift = match &self.b[ws..we] {
                b"this" => Some(0),
                b"last" => Some(-1),
                b"next" => Some(1),
                _ => None,
            };
            if let Some(shift) = shift {
                if self.starts_with(we, b" year") && self.word_char(we + 5).is_none() {
                    fe = we + 5;
                    if let Some(r) = self.reference {
                        parts.year = Some(r.year + shift);
                    }
                }
            }
        }
        (fs, fe)
    }

    /// "the [fiscal] year ended", "the 12 months ending", "the quarter ended in", ending with
    /// the word at `ps..pe` right before a date: the start of "the".
    fn closing_period(&self, ps: usize, pe: usize) -> Option<usize> {
        let (mut ws, mut we) = (ps, pe);
        if &self.b[ws..we] == b"in" {
            (ws, we) = self.prev_word(ws)?;
        }
        if !matches!(&self.b[ws..we], b"ended" | b"ending" | b"closed" | b"closing") {
            return None;
        }
        let (ns, ne) = self.prev_word(ws)?;
        if !matches!(
            &self.b[ns..ne],
            b"year" | b"years" | b"quarter" | b"quarters" | b"half" | b"month" | b"months" | b"week" | b"weeks" | b"period" | b"session"
        ) {
            return None;
        }
        // Up to two words between "the" and the noun: "fiscal", "first", "12", "nine", "latest".
        let mut pos = ns;
        for _ in 0..3 {
            let (s, e) = self.prev_word(pos)?;
            let w = &self.b[s..e];
            if w == b"the" {
                return Some(s);
            }
            let modifier = matches!(w, b"fiscal" | b"financial" | b"calendar" | b"latest" | b"same" | b"past" | b"last" | b"previous")
                || self.b[s..e].iter().all(u8::is_ascii_digit)
                || self.entry(s, e).is_some_and(|x| x.num.is_some() || x.has(ROLE_PART));
            if !modifier {
                return None;
            }
            pos = s;
        }
        None
    }

    /// A date written in digits at `i` (the digits end at `de`): "2026-01-15", "15/01/2026",
    /// "15 January 2026"; also "1/2" skipped. The position to resume at, `None` if not one.
    pub(super) fn numeric_date(&mut self, i: usize, de: usize) -> Option<usize> {
        let n = de - i;
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
                return Some(e3);
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
                        return Some(e3);
                    }
                }
                if sep == b'/' && self.dyadic_fraction(i).is_some() {
                    // "3/4": a fraction, read as a number.
                    return None;
                }
                if sep == b'/' {
                    // "24/7", "9/11", "5/6": ambiguous dates and other ratios are not reported.
                    return Some(self.ident_end(i));
                }
            }
        }
        // Day and month: "15 January 2026", "15th of January".
        if (1..=2).contains(&n) {
            if let Some((parts, end)) = self.day_month(i, true) {
                self.emit_date(i, end, parts);
                return Some(end);
            }
        }
        None
    }

    /// A year ("in 2011", "the 2011 uprising", "fiscal 1990", "2010-2015", "the first half of
    /// 1989") or a decade ("the 1990s") at `start`, emitted; or a year-like number that names
    /// something ("Windows 2000", "1990 Main Street"), skipped. `None` if `a` is neither: the
    /// caller goes on with it as a number (a count after a qualifier: "some 1900 troops").
    ///
    /// A plain four-digit number from 1800 to 2099 is a year by default: counts of that size
    /// are written with a comma in news style ("1,987 people"), so without a qualifier, a
    /// label or a name before it, or an address after it, the year is the better reading.
    pub(super) fn year(&mut self, start: usize, a: &Amount, prev: Option<(usize, usize)>, prev_e: Option<&Entry>) -> Option<usize> {
        let prev_has = |role| prev_e.is_some_and(|e: &Entry| e.has(role));
        if a.decade {
            let parts = Parts { year: Some(a.num.mant as i32), decade: true, ..Parts::default() };
            // "the 1990s": the article is part of a decade's span.
            let fs = match prev {
                Some((ps, pe)) if &self.b[ps..pe] == b"the" => ps,
                _ => start,
            };
            self.emit_date_over(fs, a.end, parts);
            return Some(a.end);
        }
        if !(a.plain_int() && a.num.int_len == 4) {
            return None;
        }
        let y = a.num.mant as i32;
        let mut year_max = None;
        let mut end = a.end;
        // "2010-2015", "2019-20", "1986 - 87", "2010 to 2015", "2010 through 2015",
        // "between 2010 and 2015".
        let second = if self.at(end) == b'-' {
            Some(end + 1)
        } else if self.starts_with(end, b" - ") {
            Some(end + 3)
        } else if self.starts_with(end, b" to ") {
            Some(end + 4)
        } else if self.starts_with(end, b" through ") {
            Some(end + 9)
        } else if self.starts_with(end, b" and ") && prev_has(ROLE_RANGE) {
            Some(end + 5)
        } else {
            None
        };
        if let Some(s2) = second {
            let e2 = self.digits_end(s2);
            if self.word_char(e2).is_none() && !(matches!(self.at(e2), b',' | b'.') && is_digit(self.at(e2 + 1))) {
                let short = self.at(end) == b'-' || self.starts_with(end, b" - ");
                let y2 = match e2 - s2 {
                    4 => num_of(&self.b[s2..e2]) as i32,
                    2 if short => y / 100 * 100 + num_of(&self.b[s2..e2]) as i32,
                    _ => 0,
                };
                let to_ok = !self.starts_with(end, b" to ") || prev_has(ROLE_FROM) || (1800..=2099).contains(&y2);
                if y2 > y && y2 - y < 200 && to_ok {
                    year_max = Some(y2);
                    end = e2;
                }
            }
        }
        let listed = self.last_year_end != usize::MAX
            && (self.starts_with(self.last_year_end, b" and ") && self.last_year_end + 5 == start
                || self.starts_with(self.last_year_end, b" or ") && self.last_year_end + 4 == start
                || self.starts_with(self.last_year_end, b", ") && self.last_year_end + 2 == start);
        let ctx = prev_has(ROLE_YEAR) || self.starts_with(a.end, b"'s") || listed;
        if !ctx {
            if !(1800..=2099).contains(&y) {
                return None;
            }
            if self.qualifier_before(start).is_some() && year_max.is_none() {
                // "some 1900 troops", "more than 2000 people": a count.
                return None;
            }
            if self.names_before(start, prev, prev_e) || self.address_after(a.end) {
                return Some(end);
            }
        } else if !(1000..=2199).contains(&y) {
            return None;
        }
        // The span: "between 2010 and 2015", "fiscal 1990", "the first half of 1989", "the
        // year 2000", "the 1990 model year".
        let mut fs = start;
        if let Some((ps, pe)) = prev {
            if (year_max.is_some() && prev_has(ROLE_RANGE)) || &self.b[ps..pe] == b"fiscal" {
                fs = ps;
            } else if let Some(p) = self.period_before(ps, pe) {
                fs = p;
            }
        }
        if year_max.is_none() && self.starts_with(end, b" model year") && self.word_char(end + 11).is_none() {
            end += 11;
            if let Some((ps, pe)) = prev {
                if &self.b[ps..pe] == b"the" {
                    fs = ps;
                }
            }
        }
        let parts = Parts { year: Some(y), year_max, ..Parts::default() };
        self.emit_date_over(fs, end, parts);
        Some(end)
    }

    /// A year or decade clipped with an apostrophe at `i` (the digits; the apostrophe before):
    /// "the '60s" (1960s), "a '82 vintage" (1982). The century: '00 to '29 are 2000 to 2029,
    /// '30 to '99 are 1930 to 1999 (decades likewise). Emitted; the end.
    pub(super) fn clipped_year(&mut self, i: usize) -> Option<usize> {
        if i == 0 || self.b[i - 1] != b'\'' || (i >= 2 && !matches!(self.b[i - 2], b' ' | b'(' | b'-')) {
            return None;
        }
        let e = self.digits_end(i);
        if e - i != 2 {
            return None;
        }
        let nn = num_of(&self.b[i..e]) as i32;
        let y = if nn < 30 { 2000 + nn } else { 1900 + nn };
        let (decade, end) = if self.at(e) == b's' && nn % 10 == 0 && self.word_char(e + 1).is_none() {
            (true, e + 1)
        } else if self.word_char(e).is_none() && !matches!(self.at(e), b'.' | b',' | b':' | b'/' | b'%' | b'\'') {
            (false, e)
        } else {
            return None;
        };
        let fs = match self.prev_word(i - 1) {
            Some((ts, te)) if decade && &self.b[ts..te] == b"the" => ts,
            _ => i - 1,
        };
        self.emit_date_over(fs, end, Parts { year: Some(y), decade, ..Parts::default() });
        Some(end)
    }

    /// Whether the number at `start` follows a label or a name ("flight 2000", "Windows 2000",
    /// "No. 1990"), which makes it part of an identifier.
    fn names_before(&self, start: usize, prev: Option<(usize, usize)>, prev_e: Option<&Entry>) -> bool {
        if start >= 4 && self.b[start - 1] == b' ' && self.b[start - 2] == b'.' && &self.b[start - 4..start - 2] == b"no" {
            return true;
        }
        let Some((ps, _)) = prev else { return false };
        prev_e.is_some_and(|e| e.has(ROLE_LABEL))
            || (self.capitalized(ps)
                && prev_e.is_none_or(|e| {
                    !e.has(ROLE_KNOWN | ROLE_YEAR | ROLE_PART | ROLE_PERIOD)
                        && e.qualifier.is_none()
                        && e.month == 0
                        && e.weekday == 0
                        && e.num.is_none()
                }))
    }

    /// Whether capitalised words and a street word follow `end` ("1990 Main Street").
    fn address_after(&self, end: usize) -> bool {
        let mut pos = end;
        for _ in 0..3 {
            let Some((s, e)) = self.next_word(pos) else { return false };
            if self.entry(s, e).is_some_and(|x| x.has(ROLE_STREET)) {
                return true;
            }
            if !self.capitalized(s) {
                return false;
            }
            pos = if self.at(e) == b'.' { e + 1 } else { e };
        }
        false
    }

    /// The start of "the first half of", "the end of", "the summer of", "the year" ending
    /// with the word (`ps`..`pe`) right before a year; `None` if that is not how it ends.
    fn period_before(&self, ps: usize, pe: usize) -> Option<usize> {
        let word = &self.b[ps..pe];
        let noun = if word == b"of" {
            let (ns, ne) = self.prev_word(ps)?;
            self.entry(ns, ne).is_some_and(|e| e.has(ROLE_PERIOD)).then_some(ns)?
        } else if word == b"year" {
            ps
        } else {
            return None;
        };
        let mut fs = noun;
        // "the first nine months of", "the first 10 days of": a count before the noun.
        if let Some((cs, ce)) = self.prev_word(fs) {
            let count = self.b[cs..ce].iter().all(u8::is_ascii_digit) || self.entry(cs, ce).is_some_and(|e| e.num.is_some_and(|n| !n.ordinal));
            if count && self.b[noun..ps].ends_with(b"s ") {
                fs = cs;
            }
        }
        if let Some((os, oe)) = self.prev_word(fs) {
            if self.entry(os, oe).is_some_and(|e| e.num.is_some_and(|n| n.ordinal) || e.has(ROLE_PART)) {
                fs = os;
            }
        }
        let (ts, te) = self.prev_word(fs)?;
        // "the first half of 1989"; without the article, "half of 1989" is not read as a period.
        (&self.b[ts..te] == b"the").then_some(ts)
    }

    /// "15 January [2026]", "15th January", and with `allow_of` "15th of January": one or two
    /// digits at `ds`, an optional ordinal suffix, a month word, an optional year; the date
    /// must exist. Returns the parts and the end of the expression.
    pub(super) fn day_month(&self, ds: usize, allow_of: bool) -> Option<(Parts, usize)> {
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

    /// A capitalised month name (full, or abbreviated with an optional '.') at `p`:
    /// (month, end).
    pub(super) fn month_word(&self, p: usize) -> Option<(u8, usize)> {
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
    pub(super) fn year_after(&self, p: usize, comma: bool) -> Option<(i32, usize)> {
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
    pub(super) fn day_after(&self, p: usize) -> Option<(u8, usize, u8)> {
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
        // A range of days: "January 15-16", "Oct. 2 - 8".
        let second = if self.at(end) == b'-' {
            Some(end + 1)
        } else if self.starts_with(end, b" - ") {
            Some(end + 3)
        } else {
            None
        };
        if let Some(s2) = second.filter(|&s2| is_digit(self.at(s2))) {
            let e2 = self.digits_end(s2);
            let last = num_of(&self.b[s2..e2.min(s2 + 2)]) as u8;
            let tail_ok = self.word_char(e2).is_none() && !(matches!(self.at(e2), b':' | b'.' | b',' | b'-') && is_digit(self.at(e2 + 1)));
            if e2 - s2 <= 2 && tail_ok && last > day && last <= 31 {
                return Some((day, e2, last));
            }
            if self.at(end) == b'-' {
                return None;
            }
        }
        Some((day, end, 0))
    }

    /// A month with what follows it: day, year. `None` when the month at `ms` is not a date
    /// on its own and has no day or year.
    pub(super) fn month_expr(&self, ms: usize, alone_ok: bool) -> Option<(Parts, usize)> {
        let (month, me) = self.month_word(ms)?;
        let mut parts = Parts { month, ..Parts::default() };
        let abbr = self.entry(ms, self.alpha_end(ms)).is_some_and(|e| e.month_abbr);
        if let Some((day, de, day_max)) = self.day_after(me) {
            parts.day = day;
            parts.day_max = day_max;
            let mut end = de;
            if let Some((y, ye)) = self.year_after(de, true) {
                parts.year = Some(y);
                end = ye;
            }
            if Date::valid(parts.year.unwrap_or(2000), month, day) && (day_max == 0 || Date::valid(parts.year.unwrap_or(2000), month, day_max)) {
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

    pub(super) fn month_alone_or_date(&mut self, ms: usize, _me: usize, month: u8, abbr: bool) -> Option<usize> {
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
        let mut parts = parts;
        let fs = self.relative_before(ms, false).unwrap_or(ms);
        if parts.year.is_none() {
            parts.forward = self.direction(ms) > 0;
        }
        self.emit_relative(fs, ms, end, parts);
        Some(end)
    }

    pub(super) fn weekday(&mut self, ws: usize, we: usize, wd: u8) -> Option<usize> {
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
        let parts = Parts { weekday: wd, forward: self.direction(ws) > 0, ..Parts::default() };
        let fs = self.relative_before(ws, true).unwrap_or(ws);
        self.emit_relative(fs, ws, we, parts);
        // "Friday night", "Sunday morning": a part of the day.
        Some(self.daypart_of_last(we).unwrap_or(we))
    }

    /// The start of "last", "next", "this" (and with `times_of_day`, "late", "early") right
    /// before a weekday or a month at `ws`: "last Friday", "late Tuesday", "next March".
    fn relative_before(&self, ws: usize, times_of_day: bool) -> Option<usize> {
        let (ps, pe) = self.prev_word(ws)?;
        let e = self.entry(ps, pe)?;
        (e.has(ROLE_RELATIVE) || (times_of_day && e.has(ROLE_PART) && &self.b[ps..pe] != b"mid")).then_some(ps)
    }

    /// Emits a date whose span starts at `fs` (a relative word before the date at `ds`, or the
    /// date itself). A date after "next" is the next such date after the reference date
    /// ("next Friday" is never today).
    fn emit_relative(&mut self, fs: usize, ds: usize, fe: usize, mut parts: Parts) {
        if fs < ds && &self.b[fs..fs + 4.min(ds - fs)] == b"next" {
            parts.forward = true;
            if parts.weekday != 0 {
                if let Some(r) = self.reference {
                    // Resolve from the day after the reference date.
                    let reference = self.reference.replace(calendar::civil_from_days(r.days() + 1));
                    self.emit_date(fs, fe, parts);
                    self.reference = reference;
                    return;
                }
            }
        }
        self.emit_date(fs, fe, parts);
    }

    /// "late December", "early January 2026", "mid-March", "mid-2025", "the late 1990s".
    pub(super) fn part(&mut self, ps: usize, pe: usize) -> Option<usize> {
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
        // "the late 1990s", "the mid-1980s": the article is part of a decade's span.
        let fs = match self.prev_word(ps) {
            Some((ts, te)) if decade && &self.b[ts..te] == b"the" => ts,
            _ => ps,
        };
        self.emit_date_over(fs, end, Parts { year: Some(y), decade, ..Parts::default() });
        Some(end)
    }
}
