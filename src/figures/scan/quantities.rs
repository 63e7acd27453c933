//! Quantities and durations written in ways an amount's unit look-up does not see: unit words
//! joined by hyphens ("10-day", "2-km", "365-square-kilometre", "10-year-old") and "-long"
//! durations ("week-long"). Units after a number ("6 km", "three weeks") are read by
//! `money.rs` with the same tables (`data/units.tsv`).

use super::super::calendar;
use super::super::lexicon::*;
use super::super::{Figure, FigureKind, Qualifier};
use super::{is_alpha, Scan};

impl Scan<'_, '_> {
    /// A unit joined by a hyphen to the number ending at `end`: "10-day", "2-km",
    /// "three-week", "10-year-old", "365-square-kilometre": (unit, end). Never a percent.
    pub(super) fn hyphen_unit(&self, end: usize) -> Option<(Unit, usize)> {
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
        let (u, mut end) = found?;
        if u.kind == UnitKind::Percent {
            return None;
        }
        if self.starts_with(end, b"-old") && self.word_char(end + 4).is_none() {
            end += 4;
        } else if self.starts_with(end, b"-long") && self.word_char(end + 5).is_none() {
            end += 5;
        }
        Some((u, end))
    }

    /// A duration unit word with "-long" after it, ending at `we`: "week-long" (P1W),
    /// emitted; the end.
    pub(super) fn long_duration(&mut self, i: usize, we: usize, u: Unit) -> Option<usize> {
        if u.kind != UnitKind::Duration || !self.starts_with(we, b"-long") || is_alpha(self.at(we + 5)) {
            return None;
        }
        let v = u.mult as f64;
        let fig = Figure {
            kind: FigureKind::Duration,
            value: v,
            value_max: None,
            unit: String::new(),
            date: calendar::duration(v, u.symbol),
            approximate: false,
            qualifier: Qualifier::None,
        };
        self.emit(i, we + 5, fig);
        Some(we + 5)
    }
}
