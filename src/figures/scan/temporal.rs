//! Time expressions that are not a calendar date as written, in the TIMEX3 style: references
//! ("now" PRESENT_REF; a TIME, the present moment or one before or after it, since they name
//! no calendar unit and newswire DATE annotation leaves them out), days counted from the reference date ("yesterday"), units shifted
//! from it ("last week" 2026-W48, "the past two years" P2Y), offsets ("two years ago" 2024,
//! "a day earlier" from the last date written), quarters and halves ("the fourth quarter of
//! 1989" 1989-Q4), durations without a numeral ("several days" PXD), parts of day and clock
//! times ("Friday night" ...TNI, "8 p.m." T20:00), sets ("every year" P1Y, "weekly" P1W) and
//! the direction that cue words give an underspecified date. The words are in
//! `data/temporal.tsv`; calendar arithmetic in [`super::super::calendar`]. Every rule starts
//! at a word the tables mark, so running text pays one look-up it already made.

use super::super::calendar::{self, Grain};
use super::super::lexicon::*;
use super::super::{Date, Figure, FigureKind, Qualifier};
use super::money::Amount;
use super::{is_alpha, is_digit, numbers::num_of, Scan};

/// The unit a word names for a time expression, with whether it is a plural.
#[derive(Debug, Clone, Copy)]
struct TimeUnit {
    grain: Grain,
    plural: bool,
}

fn figure(kind: FigureKind, value: f64, date: String) -> Figure {
    Figure { kind, value, value_max: None, unit: String::new(), date, approximate: false, qualifier: Qualifier::None }
}

/// The bytes a direction cue is looked for before a date: about a clause.
const CUE_WINDOW: usize = 80;

impl Scan<'_, '_> {
    /// The unit of the word at `s..e`: a duration unit of a day or more, "quarter(s)",
    /// "half", "weekend(s)".
    fn time_unit(&self, s: usize, e: usize) -> Option<TimeUnit> {
        let w = &self.b[s..e];
        let plural = w.ends_with(b"s") || w == b"centuries";
        let grain = match w {
            b"quarter" | b"quarters" => Grain::Quarter,
            b"half" => Grain::Half,
            b"weekend" | b"weekends" => Grain::Weekend,
            _ => {
                let u = self.entry(s, e)?.unit?;
                if u.kind != UnitKind::Duration {
                    return None;
                }
                Grain::of_unit(u.symbol, u.mult)?
            }
        };
        Some(TimeUnit { grain, plural })
    }

    /// The unit word at `p`, if one starts there and ends at a word boundary.
    fn unit_at(&self, p: usize) -> Option<(TimeUnit, usize)> {
        let e = self.alpha_end(p);
        if e == p || self.word_char(e).is_some() {
            return None;
        }
        self.time_unit(p, e).map(|u| (u, e))
    }

    fn time_entry(&self, s: usize, e: usize) -> Option<TimeWord> {
        self.entry(s, e).and_then(|x| x.time)
    }

    /// The date relative ones count from: the last full date written, else the reference.
    fn anchor_or_reference(&self) -> Option<Date> {
        self.anchor.or(self.reference)
    }

    /// Emits a figure, replacing the figures already emitted inside its span.
    fn emit_over(&mut self, fs: usize, fe: usize, f: Figure) {
        let s = self.text.start_of(fs);
        while self.out.last().is_some_and(|m| m.start >= s && m.start >= self.first_own) {
            self.out.pop();
        }
        self.last_end = if self.out.len() > self.first_own { self.out.last().map_or(0, |m| m.end) } else { 0 };
        self.emit(fs, fe, f);
    }

    /// "the" right before `s`: its start, else `s`.
    fn with_the(&self, s: usize) -> usize {
        match self.prev_word(s) {
            Some((ts, te)) if &self.b[ts..te] == b"the" => ts,
            _ => s,
        }
    }

    /// Which way an underspecified date at `pos` points: the nearest cue word before it in
    /// the clause ("will", "until", "next": 1; "was", "said", "last": -1), else 0 (back, as
    /// news reports the past).
    pub(super) fn direction(&self, pos: usize) -> i8 {
        let lo = pos.saturating_sub(CUE_WINDOW);
        let mut e = pos;
        while e > lo {
            let c = self.b[e - 1];
            if matches!(c, b'.' | b'!' | b'?' | b';' | b'\n') {
                return 0;
            }
            if !is_alpha(c) {
                e -= 1;
                continue;
            }
            let mut s = e;
            while s > lo && is_alpha(self.b[s - 1]) {
                s -= 1;
            }
            self.step(e - s + 1);
            if let Some(x) = self.entry(s, e) {
                if x.cue != 0 {
                    return x.cue;
                }
                if let Some(t) = x.time {
                    if t.role == TimeRole::Shift && t.n != 0 && t.code.len() <= 2 {
                        return t.n.signum();
                    }
                }
            }
            e = s;
        }
        0
    }

    /// At a word with a role in `temporal.tsv` (`tw`, at `i..we`): the end of the time
    /// expression it starts, emitted; `None` when it starts none (the scan goes on with the
    /// word's other roles).
    pub(super) fn time_word(&mut self, i: usize, we: usize, tw: TimeWord) -> Option<usize> {
        if matches!(self.at(we), b'-' | b'\'') && is_alpha(self.at(we + 1)) && !self.starts_with(we, b"'s") {
            // "now-defunct", "today-style".
            return None;
        }
        match tw.role {
            TimeRole::Ref => self.reference_word(i, we, tw),
            TimeRole::Deictic => self.deictic(i, we, tw),
            TimeRole::Shift => self.shifted(i, we, tw),
            TimeRole::Vague => self.vague_duration(i, we),
            TimeRole::Set => {
                self.emit(i, we, figure(FigureKind::Set, 0.0, tw.code.to_string()));
                Some(we)
            }
            TimeRole::Each => self.each(i, we),
            TimeRole::Clock => {
                let base = self.day_for_clock(i);
                let date = format!("{base}T{}", tw.code);
                self.emit(i, we, figure(FigureKind::Time, 0.0, date));
                Some(we)
            }
            TimeRole::Offset | TimeRole::DayPart | TimeRole::Zone => None,
        }
    }

    /// "now", "currently", "recently", "the future", "the near future", "recent years".
    fn reference_word(&mut self, i: usize, we: usize, tw: TimeWord) -> Option<usize> {
        let w = &self.b[i..we];
        let (fs, fe) = if w == b"future" {
            let (ps, pe) = self.prev_word(i)?;
            let fs = match &self.b[ps..pe] {
                b"the" => ps,
                b"near" => self.with_the(ps),
                _ => return None,
            };
            if fs == ps && self.next_word(we).is_some_and(|(s, _)| is_alpha(self.at(s)) && !self.function_word(s)) {
                // "the future king": an adjective.
                return None;
            }
            (fs, we)
        } else if w == b"recent" {
            let (s, e) = self.next_word(we)?;
            let u = self.time_unit(s, e)?;
            if !u.plural {
                return None;
            }
            (i, e)
        } else {
            (i, we)
        };
        self.emit(fs, fe, figure(FigureKind::Time, 0.0, tw.code.to_string()));
        Some(fe)
    }

    fn function_word(&self, s: usize) -> bool {
        let e = self.alpha_end(s);
        matches!(&self.b[s..e], b"of" | b"and" | b"or" | b"is" | b"was" | b"will" | b"for" | b"in" | b"as" | b"to" | b"with" | b"but" | b"that")
    }

    /// A part of day after `p` (" night", " morning"): (code, end).
    fn daypart_after(&self, p: usize) -> Option<(&'static str, usize)> {
        let (s, e) = self.next_word(p)?;
        let t = self.time_entry(s, e)?;
        (t.role == TimeRole::DayPart).then_some((t.code, e))
    }

    /// "today", "yesterday", "tomorrow", "tonight", with a part of day after ("yesterday
    /// morning"): the day from the reference date.
    fn deictic(&mut self, i: usize, we: usize, tw: TimeWord) -> Option<usize> {
        let (mut date, year) = calendar::shift(self.reference, Grain::Day, tw.n as i64);
        let mut end = we;
        let mut kind = FigureKind::Date;
        if &self.b[i..we] == b"tonight" {
            date.push_str("TNI");
            kind = FigureKind::Time;
        } else if let Some((code, e)) = self.daypart_after(we) {
            date.push('T');
            date.push_str(code);
            end = e;
            kind = FigureKind::Time;
        }
        self.emit(i, end, figure(kind, year as f64, date));
        Some(end)
    }

    /// A count at `p`: digits or number words ("two", "10"): (count, end).
    fn count_at(&self, p: usize) -> Option<(u64, usize)> {
        if is_digit(self.at(p)) {
            let e = self.digits_end(p);
            if e - p > 4 || self.word_char(e).is_some() || matches!(self.at(e), b',' | b'.' | b':') && is_digit(self.at(e + 1)) {
                return None;
            }
            return Some((num_of(&self.b[p..e]), e));
        }
        let e = self.alpha_end(p);
        let n = self.entry(p, e)?.num?;
        (!n.ordinal && matches!(n.kind, NumKind::Small | NumKind::Ten) && n.value >= 2).then_some((n.value, e))
    }

    /// "this year", "last week", "next month", "the previous day", "the following year",
    /// "last night", "this morning", "the past two years" (P2Y), "the coming weeks" (PXW),
    /// "the past" (PAST_REF), "last quarter".
    fn shifted(&mut self, i: usize, we: usize, tw: TimeWord) -> Option<usize> {
        let span_duration = matches!(tw.code, "past" | "coming");
        let Some((ns, ne)) = self.next_word(we) else {
            return self.the_past(i, we, tw);
        };
        // "last night", "this morning", "this evening".
        if let Some(t) = self.time_entry(ns, ne) {
            if t.role == TimeRole::DayPart && !span_duration && tw.n <= 0 {
                let k = if &self.b[ns..ne] == b"night" || &self.b[ns..ne] == b"evening" { tw.n as i64 } else { 0 };
                if tw.n < 0 && &self.b[ns..ne] != b"night" {
                    return None;
                }
                let (mut date, year) = calendar::shift(self.reference, Grain::Day, k);
                date.push('T');
                date.push_str(t.code);
                self.emit(i, ne, figure(FigureKind::Time, year as f64, date));
                return Some(ne);
            }
        }
        let (count, us) = match self.count_at(ns) {
            Some((n, e)) if self.at(e) == b' ' => (Some(n), e + 1),
            _ => (None, ns),
        };
        let Some((unit, ue)) = self.unit_at(us) else {
            return if count.is_none() { self.the_past(i, we, tw) } else { None };
        };
        let the = self.with_the(i);
        if span_duration || count.is_some() || unit.plural || (the < i && tw.n < 0 && &self.b[i..we] == b"last") {
            // A span up to or from the reference date: "the past two years", "the last 10
            // days", "the coming weeks", "the past year".
            let n = match (count, unit.plural) {
                (Some(n), _) => n.to_string(),
                (None, true) => "X".to_string(),
                (None, false) => "1".to_string(),
            };
            if unit.grain == Grain::Half || unit.grain == Grain::Weekend {
                return None;
            }
            let mut f = figure(FigureKind::Duration, count.unwrap_or(if unit.plural { 0 } else { 1 }) as f64, unit.grain.duration(&n));
            f.approximate = count.is_none() && unit.plural;
            self.emit_over(the, ue, f);
            return Some(ue);
        }
        if unit.grain == Grain::Half {
            return None;
        }
        // "the previous day", "the following week", "the next day": from the last date
        // written; "last week", "next month", "this year": from the reference date.
        let anchored = the < i && tw.n != 0;
        let base = if anchored { self.anchor_or_reference() } else { self.reference };
        let (date, year) = calendar::shift(base, unit.grain, tw.n as i64);
        let fs = if anchored { the } else { i };
        self.emit_over(fs, ue, figure(FigureKind::Date, year as f64, date));
        Some(ue)
    }

    /// "the past" with no unit after it: PAST_REF.
    fn the_past(&mut self, i: usize, we: usize, tw: TimeWord) -> Option<usize> {
        if tw.code != "past" {
            return None;
        }
        let the = self.with_the(i);
        if the == i || self.next_word(we).is_some_and(|(s, _)| is_alpha(self.at(s)) && !self.function_word(s)) {
            // "past experience", "past president".
            return None;
        }
        self.emit(the, we, figure(FigureKind::Time, 0.0, "PAST_REF".to_string()));
        Some(we)
    }

    /// "several days" (PXD), "a few weeks" (PXW), "many years", "some months"; "several
    /// years ago" is PAST_REF, "a few days later" FUTURE_REF.
    pub(super) fn vague_duration(&mut self, i: usize, we: usize) -> Option<usize> {
        let (s, e) = self.next_word(we)?;
        let u = self.time_unit(s, e)?;
        if !u.plural || u.grain == Grain::Half || u.grain == Grain::Weekend {
            return None;
        }
        let fs = match self.prev_word(i) {
            Some((ps, pe)) if &self.b[i..we] == b"few" && &self.b[ps..pe] == b"a" => ps,
            _ => i,
        };
        if let Some((os, oe)) = self.next_word(e) {
            if let Some(t) = self.time_entry(os, oe).filter(|t| t.role == TimeRole::Offset) {
                if self.offset_ends(oe, &self.b[os..oe]) {
                    let code = if t.n < 0 { "PAST_REF" } else { "FUTURE_REF" };
                    self.emit(fs, oe, figure(FigureKind::Time, 0.0, code.to_string()));
                    return Some(oe);
                }
            }
        }
        let mut f = figure(FigureKind::Duration, 0.0, u.grain.duration("X"));
        f.approximate = true;
        self.emit(fs, e, f);
        Some(e)
    }

    /// Whether the offset word ending at `oe` closes the expression: "ago", "earlier" and
    /// "later" always; "before" and "after" only when no noun follows ("the day before." but
    /// not "the day before the vote", where the expression is the span of a day).
    fn offset_ends(&self, oe: usize, word: &[u8]) -> bool {
        if !matches!(word, b"before" | b"after") {
            return true;
        }
        !(self.at(oe) == b' ' && is_alpha(self.at(oe + 1)))
    }

    /// After a duration ending at `de` ("two years", "a week", "the day"), an offset word:
    /// the date that far from the reference date ("ago") or from the last date written
    /// ("earlier", "later", "before", "after"). Emitted from `fs`; the end.
    fn offset_after(&mut self, fs: usize, de: usize, grain: Grain, n: i64) -> Option<usize> {
        let (os, oe) = self.next_word(de)?;
        let t = self.time_entry(os, oe).filter(|t| t.role == TimeRole::Offset)?;
        if !self.offset_ends(oe, &self.b[os..oe]) || grain == Grain::Half {
            return None;
        }
        let base = if &self.b[os..oe] == b"ago" { self.reference } else { self.anchor_or_reference() };
        let (date, year) = calendar::shift(base, grain, n * t.n as i64);
        self.emit_over(fs, oe, figure(FigureKind::Date, year as f64, date));
        Some(oe)
    }

    /// A numeric duration (`a`, from `start`): "two years ago" (a date), "three days later";
    /// "22-year-old" (an age, a DATE with `unit` "age"). `None` if it is neither.
    pub(super) fn duration_as_date(&mut self, start: usize, a: &Amount) -> Option<usize> {
        let u = a.unit?;
        if u.kind != UnitKind::Duration || a.currency.is_some() || a.num.ordinal || a.num.vague {
            return None;
        }
        let n = a.num.value();
        if n.fract() != 0.0 || !(0.0..=100_000.0).contains(&n) {
            return None;
        }
        if self.b[..a.end].ends_with(b"-old") {
            let years = match u.symbol {
                "Y" => n * u.mult as f64,
                _ => return None,
            };
            let f = Figure {
                kind: FigureKind::Date,
                value: years,
                value_max: None,
                unit: "age".to_string(),
                date: calendar::duration(years, "Y"),
                approximate: false,
                qualifier: Qualifier::None,
            };
            self.emit(start, a.end, f);
            return Some(a.end);
        }
        let grain = Grain::of_unit(u.symbol, u.mult)?;
        self.offset_after(start, a.end, grain, n as i64)
    }

    /// At "a"/"an" (`i..we`): "a year earlier", "a week ago" (dates), "once a year", "twice a
    /// week" (sets), "a month", "an hour" (durations), "a few weeks" (vague).
    pub(super) fn article(&mut self, i: usize, we: usize) -> Option<usize> {
        let (s, e) = self.next_word(we)?;
        if &self.b[s..e] == b"few" {
            // The span starts at "a": vague_duration looks back for it.
            return self.vague_duration(s, e);
        }
        let c = self.at(s);
        if !matches!(c, b'y' | b'm' | b'w' | b'd' | b'h' | b'q' | b'c' | b'f') {
            return None;
        }
        let word = &self.b[s..e];
        if word == b"half" || word == b"quarter" {
            return None;
        }
        // An hour is a duration but no date grain.
        let hour = matches!(word, b"hour" | b"minute" | b"second");
        let grain = if hour { None } else { Some(self.time_unit(s, e)?) };
        if grain.is_some_and(|u| u.plural) || self.word_char(e).is_some() || self.at(e) == b'-' {
            return None;
        }
        if let Some(u) = grain {
            if let Some(end) = self.offset_after(i, e, u.grain, 1) {
                return Some(end);
            }
        }
        let prev = self.prev_word(i);
        let prev_w = prev.map(|(ps, pe)| &self.b[ps..pe]);
        if let (Some(u), Some(pw)) = (grain, prev_w) {
            if matches!(pw, b"once" | b"twice" | b"thrice" | b"times") {
                let ps = prev.map_or(i, |p| p.0);
                let fs = if pw == b"times" { self.prev_word(ps).map_or(ps, |p| p.0) } else { ps };
                self.emit_over(fs, e, figure(FigureKind::Set, 0.0, u.grain.duration("1")));
                return Some(e);
            }
        }
        // "$5 a day", "3 percent a year", "100 a week": a rate, not a duration.
        if i >= 2 && (is_digit(self.b[i - 2]) || self.text.start_of(i - 1) <= self.last_end) {
            return Some(e);
        }
        if prev_w.is_some_and(|w| matches!(w, b"per" | b"than" | b"what" | b"such" | b"quite" | b"half")) {
            return Some(e);
        }
        let date = match grain {
            Some(u) => u.grain.duration("1"),
            None => calendar::duration(1.0, if word == b"hour" { "H" } else if word == b"minute" { "MIN" } else { "S" }),
        };
        if word == b"second" {
            // "a second time", "a second round": an ordinal.
            return None;
        }
        self.emit(i, e, figure(FigureKind::Duration, 1.0, date));
        Some(e)
    }

    /// A unit word after "the" at `s..e`: "the day before", "the year earlier" (dates from
    /// the last date written).
    pub(super) fn the_unit_offset(&mut self, s: usize, e: usize) -> Option<usize> {
        let (ts, te) = self.prev_word(s)?;
        if &self.b[ts..te] != b"the" {
            return None;
        }
        let u = self.time_unit(s, e)?;
        if u.plural {
            return None;
        }
        self.offset_after(ts, e, u.grain, 1)
    }

    /// A plural unit alone after "for", "in", "over", "after", "within": "for decades"
    /// (PXDE), "in years" (PXY).
    pub(super) fn bare_plural(&mut self, s: usize, e: usize) -> Option<usize> {
        let u = self.time_unit(s, e)?;
        if !u.plural || matches!(u.grain, Grain::Half | Grain::Quarter | Grain::Weekend | Grain::Day) || self.word_char(e).is_some() || self.at(e) == b'-' {
            return None;
        }
        let (ps, pe) = self.prev_word(s)?;
        if !matches!(&self.b[ps..pe], b"for" | b"in" | b"over" | b"after" | b"within") {
            return None;
        }
        if self.next_word(e).is_some_and(|(ns, ne)| matches!(&self.b[ns..ne], b"of" | b"ago" | b"old" | b"later" | b"earlier")) && &self.b[ps..pe] == b"in" {
            return None;
        }
        let mut f = figure(FigureKind::Duration, 0.0, u.grain.duration("X"));
        f.approximate = true;
        self.emit(s, e, f);
        Some(e)
    }

    /// "every year", "each week", "every two years" (P2Y), "every Friday" (XXXX-WXX-5),
    /// "every morning" (TMO): sets.
    fn each(&mut self, i: usize, we: usize) -> Option<usize> {
        let (ns, ne) = self.next_word(we)?;
        if let Some(wd) = self.entry(ns, ne).map(|x| x.weekday).filter(|&d| d != 0 && self.capitalized(ns)) {
            self.emit(i, ne, figure(FigureKind::Set, 0.0, format!("XXXX-WXX-{wd}")));
            return Some(ne);
        }
        if let Some(t) = self.time_entry(ns, ne).filter(|t| t.role == TimeRole::DayPart) {
            self.emit(i, ne, figure(FigureKind::Set, 0.0, format!("T{}", t.code)));
            return Some(ne);
        }
        if self.time_entry(ns, ne).is_some_and(|t| t.role == TimeRole::Vague) {
            // "every few years": a set of unknown period.
            let (u, ue) = self.unit_at(ne + 1).filter(|_| self.at(ne) == b' ')?;
            if !u.plural || matches!(u.grain, Grain::Half | Grain::Weekend) {
                return None;
            }
            self.emit(i, ue, figure(FigureKind::Set, 0.0, u.grain.duration("X")));
            return Some(ue);
        }
        let (count, us) = match self.count_at(ns) {
            Some((n, e)) if self.at(e) == b' ' => (Some(n), e + 1),
            _ => (None, ns),
        };
        let (u, ue) = self.unit_at(us)?;
        if u.plural != count.is_some() || u.grain == Grain::Half || u.grain == Grain::Weekend && count.is_some() {
            return None;
        }
        let date = if u.grain == Grain::Weekend { "XXXX-WXX-WE".to_string() } else { u.grain.duration(&count.unwrap_or(1).to_string()) };
        self.emit(i, ue, figure(FigureKind::Set, count.unwrap_or(1) as f64, date));
        Some(ue)
    }

    /// At an ordinal word 1..=4 (`i..we`, value `n`): "the third quarter", "third-quarter",
    /// "the first half", "the fourth quarter of 1989", "fiscal 1989's fourth quarter", "the
    /// 1988 second quarter": `YYYY-Qn` / `YYYY-Hn`; the year from the text, else the
    /// reference date's (the year before when the period lies ahead of it and no cue points
    /// forward).
    pub(super) fn quarter(&mut self, i: usize, we: usize, n: u64) -> Option<usize> {
        if !matches!(self.at(we), b' ' | b'-') {
            return None;
        }
        let us = we + 1;
        let ue = self.alpha_end(us);
        let half = match &self.b[us..ue] {
            b"quarter" => false,
            b"half" => true,
            _ => return None,
        };
        if self.word_char(ue).is_some() || (half && n > 2) || n == 0 || n > 4 {
            return None;
        }
        let mut fs = self.with_the(i);
        let mut end = ue;
        let mut year = None;
        // " of 1989", " of this year", " of next year", " of fiscal 1989".
        if self.starts_with(ue, b" of ") {
            let mut p = ue + 4;
            if self.starts_with(p, b"fiscal ") {
                p += 7;
            }
            let de = self.digits_end(p);
            if de - p == 4 && self.word_char(de).is_none() {
                year = Some(num_of(&self.b[p..de]) as i32);
                end = de;
            } else if let Some(t) = self.next_word(ue + 3).and_then(|(s, e)| self.time_entry(s, e).map(|t| (t, e))) {
                let (tw, te) = t;
                if tw.role == TimeRole::Shift && tw.code.len() <= 2 && self.starts_with(te, b" year") && self.word_char(te + 5).is_none() {
                    year = self.reference.map(|r| r.year + tw.n as i32);
                    end = te + 5;
                }
            }
        }
        // A year written before: "fiscal 1989's fourth quarter", "the 1988 second quarter".
        let mut year_start = None;
        if year.is_none() {
            if let Some(m) = self.out.last().filter(|m| m.start >= self.first_own) {
                let between = self.text.original().get(m.end..self.text.start_of(i)).unwrap_or("x");
                let before_the = fs == i || self.text.start_of(fs) <= m.start;
                if before_the && matches!(between, " " | "'s " | "\u{2019}s ") && m.figure.kind == FigureKind::Date && m.figure.date.len() == 4 && m.figure.unit.is_empty() {
                    year = Some(m.figure.value as i32);
                    year_start = Some(m.start);
                    self.out.pop();
                    self.last_end = if self.out.len() > self.first_own { self.out.last().map_or(0, |m| m.end) } else { 0 };
                    fs = i;
                }
            }
        }
        let date = match (year, self.reference) {
            (Some(y), _) => (format!("{y:04}-{}{n}", if half { 'H' } else { 'Q' }), y),
            (None, Some(r)) => {
                let per = if half { 6 } else { 3 };
                let first_month = (n as u8 - 1) * per + 1;
                let ahead = first_month > r.month;
                let y = if ahead && self.direction(fs) <= 0 { r.year - 1 } else { r.year };
                (format!("{y:04}-{}{n}", if half { 'H' } else { 'Q' }), y)
            }
            (None, None) => (format!("XXXX-{}{n}", if half { 'H' } else { 'Q' }), 0),
        };
        self.emit_over(fs, end, figure(FigureKind::Date, date.1 as f64, date.0));
        if let (Some(ys), Some(last)) = (year_start, self.out.last_mut()) {
            // The span starts where the year's did ("fiscal 1989", "the 1988").
            last.start = ys;
        }
        Some(end)
    }

    /// The date a clock time at `p` belongs to: the day written just before it in the clause
    /// ("Friday at 8 p.m."), else the reference date, else "XXXX-XX-XX".
    fn day_for_clock(&self, p: usize) -> String {
        let orig = self.text.start_of(p);
        if let Some(m) = self.out.last().filter(|m| m.start >= self.first_own && m.end + 24 >= orig && m.end <= orig) {
            let d = &m.figure.date;
            let between = self.text.original().get(m.end..orig).unwrap_or(".");
            if m.figure.kind == FigureKind::Date && d.len() == 10 && d.as_bytes()[4] == b'-' && !between.contains(['.', ';']) {
                return d.clone();
            }
        }
        match self.reference {
            Some(r) => format!("{:04}-{:02}-{:02}", r.year, r.month, r.day),
            None => "XXXX-XX-XX".to_string(),
        }
    }

    /// A clock time at `i` (digits to `de`): "8 p.m.", "8PM", "10:30 a.m. local time", "14:00
    /// GMT", "at 14:00", "0800 GMT": a TIME whose `date` is the day and `Thh:mm`, with the
    /// zone's offset where one is written. `None` if it is not one.
    pub(super) fn clock(&mut self, i: usize, de: usize) -> Option<usize> {
        let n = de - i;
        let mut hour = num_of(&self.b[i..de]) as u32;
        let mut minute = 0;
        let mut e = de;
        let mut colon = false;
        if n == 4 {
            // "0800 GMT", "1400 hours" with a zone after.
            hour = num_of(&self.b[i..i + 2]) as u32;
            minute = num_of(&self.b[i + 2..de]) as u32;
        } else if n > 2 {
            return None;
        } else if self.at(de) == b':' && is_digit(self.at(de + 1)) {
            let me = self.digits_end(de + 1);
            if me - de - 1 != 2 {
                return None;
            }
            minute = num_of(&self.b[de + 1..me]) as u32;
            e = me;
            colon = true;
            if self.at(e) == b':' && is_digit(self.at(e + 1)) {
                // Seconds: kept in the span, not in the value.
                let se = self.digits_end(e + 1);
                if se - e - 1 != 2 {
                    return None;
                }
                e = se;
            }
        }
        if self.word_char(e).is_some() && !matches!(self.at(e), b'a' | b'p') || minute > 59 {
            return None;
        }
        // am / pm.
        let q = if self.at(e) == b' ' { e + 1 } else { e };
        let mut meridian = None;
        for (s, pm) in [(&b"a.m."[..], false), (b"p.m.", true), (b"am", false), (b"pm", true)] {
            if self.starts_with(q, s) && self.word_char(q + s.len()).is_none() {
                // "a.m" at a sentence's end keeps its last dot in the folded text.
                meridian = Some((pm, q + s.len()));
                break;
            }
        }
        if let Some((pm, me)) = meridian {
            if n == 4 || !(1..=12).contains(&hour) {
                return None;
            }
            if self.at(q) == b'a' && q + 2 == me && !colon && !self.original(q, me).chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_uppercase()) {
                return None;
            }
            // "I am" is no time: "am" alone needs digits right before it or capitals ("8 AM").
            if q + 2 == me && &self.b[q..me] == b"am" && q != e && self.original(q, me) == "am" {
                return None;
            }
            hour = match (pm, hour) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
            e = me;
        } else if self.starts_with(q, b"o'clock") && self.word_char(q + 7).is_none() {
            e = q + 7;
        }
        let zone = self.zone_after(e);
        let clock_word = meridian.is_some() || e > de + 3 && !colon || self.starts_with(q, b"o'clock");
        if !clock_word {
            // Without am/pm: "14:00" after "at", "by", "until", "from"..., or any time with a zone.
            let at = self.prev_word(i).is_some_and(|(s, pe)| {
                matches!(&self.b[s..pe], b"at" | b"by" | b"until" | b"till" | b"from" | b"before" | b"after" | b"around" | b"since" | b"to")
            });
            if !(zone.is_some() || colon && at) || hour > 23 || (n == 4 && zone.is_none()) {
                return None;
            }
        }
        if hour > 24 {
            return None;
        }
        let mut date = format!("{}T{hour:02}:{minute:02}", self.day_for_clock(i));
        if let Some((off, ze)) = zone {
            if off != "-" {
                date.push_str(off);
            }
            e = ze;
        }
        self.emit(i, e, figure(FigureKind::Time, 0.0, date));
        Some(e)
    }

    /// A time zone after `p` (" GMT", " EST", " local time"; abbreviations in capitals):
    /// (its offset, "-" for none, its end).
    fn zone_after(&self, p: usize) -> Option<(&'static str, usize)> {
        let (s, e) = self.next_word(p)?;
        let (t, end) = match self.time_entry(s, e) {
            Some(t) => (t, e),
            None => {
                let (_, e2) = self.next_word(e)?;
                (self.time_entry(s, e2)?, e2)
            }
        };
        if t.role != TimeRole::Zone {
            return None;
        }
        if &self.b[s..e] != b"local" && self.original(s, end).chars().any(char::is_lowercase) {
            return None;
        }
        Some((t.code, end))
    }

    /// After a weekday date just emitted (ending at `we`), a part of day: "Friday night"
    /// becomes a TIME, `date` the day with `TNI`. The end.
    pub(super) fn daypart_of_last(&mut self, we: usize) -> Option<usize> {
        let (code, e) = self.daypart_after(we)?;
        let last = self.out.last_mut()?;
        if last.figure.kind != FigureKind::Date {
            return None;
        }
        last.figure.kind = FigureKind::Time;
        last.figure.date.push('T');
        last.figure.date.push_str(code);
        let end = self.text.end_of(e);
        last.end = end;
        self.last_end = end;
        Some(e)
    }
}
