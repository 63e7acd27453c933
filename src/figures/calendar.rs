//! Calendar arithmetic, ISO 8601 strings and resolution of partial dates against a reference
//! date.
//!
//! Resolution conventions (news reports the past):
//! - a weekday is the most recent such day on or before the reference date;
//! - a day and month without a year take the reference year, or the year before if that would
//!   put the date more than 61 days (about two months) after the reference date;
//! - a month alone (also "late December") is the most recent such month, the reference month
//!   included;
//! - a year, or a date with a year, is left as written;
//! - with a cue that points forward ("will", "next", "until", "by": [`Parts::forward`]), a
//!   weekday is the next such day on or after the reference date, a month the next such
//!   month (the reference month included), a day and month the next such day.

use super::Date;
use std::fmt::Write;

/// How many days a month has (`month` 1..=12).
pub(super) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
pub(super) fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = year as i64 - if month <= 2 { 1 } else { 0 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(super) fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + if month <= 2 { 1 } else { 0 }) as i32;
    Date { year, month, day }
}

/// ISO weekday, 1 = Monday ..= 7 = Sunday.
pub(super) fn weekday(days: i64) -> u8 {
    // 1970-01-01 was a Thursday (4).
    ((days + 3).rem_euclid(7) + 1) as u8
}

impl Date {
    pub(super) fn valid(year: i32, month: u8, day: u8) -> bool {
        (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
    }

    pub(super) fn days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }
}

/// The parts of a date expression as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Parts {
    pub year: Option<i32>,
    /// A second year for a range of years ("2010-2015").
    pub year_max: Option<i32>,
    /// A decade ("the 1990s"): `year` is its first year.
    pub decade: bool,
    pub month: u8,
    pub day: u8,
    /// The last day of a range of days ("January 15-16"), 0 if none.
    pub day_max: u8,
    pub weekday: u8,
    /// Resolve forward from the reference date, not back (see the module doc).
    pub forward: bool,
}

/// The ISO 8601 string of `parts` and its year (0 if unknown), resolved against `reference`.
pub(super) fn render(parts: Parts, reference: Option<Date>) -> (String, i32) {
    let mut s = String::with_capacity(10);
    let Parts { year, year_max, decade, month, day, day_max, weekday: wd, forward } = parts;
    // A range of days is an ISO 8601 interval whose end keeps only the day: "2026-01-15/16".
    let day_end = |s: &mut String| {
        if day_max != 0 {
            let _ = write!(s, "/{day_max:02}");
        }
    };
    if let Some(y) = year {
        if decade {
            let _ = write!(s, "{:03}", y.div_euclid(10));
        } else if month == 0 {
            let _ = write!(s, "{y:04}");
            if let Some(y2) = year_max {
                let _ = write!(s, "/{y2:04}");
            }
        } else if day == 0 {
            let _ = write!(s, "{y:04}-{month:02}");
        } else {
            let _ = write!(s, "{y:04}-{month:02}-{day:02}");
            day_end(&mut s);
        }
        return (s, y);
    }
    if month != 0 && day != 0 {
        if let Some(r) = reference {
            let mut y = r.year;
            if forward {
                if Date::valid(y, month, day) && days_from_civil(y, month, day) < r.days() {
                    y += 1;
                }
            } else if Date::valid(y, month, day) && days_from_civil(y, month, day) > r.days() + 61 {
                y -= 1;
            }
            if Date::valid(y, month, day) {
                let _ = write!(s, "{y:04}-{month:02}-{day:02}");
                day_end(&mut s);
                return (s, y);
            }
        }
        let _ = write!(s, "--{month:02}-{day:02}");
        day_end(&mut s);
        return (s, 0);
    }
    if month != 0 {
        if let Some(r) = reference {
            let y = match (forward, month <= r.month) {
                (false, true) | (true, false) => r.year,
                (false, false) => r.year - 1,
                (true, true) if month == r.month => r.year,
                (true, true) => r.year + 1,
            };
            let _ = write!(s, "{y:04}-{month:02}");
            return (s, y);
        }
        let _ = write!(s, "--{month:02}");
        return (s, 0);
    }
    if wd != 0 {
        if let Some(r) = reference {
            let today = r.days();
            let d = if forward {
                civil_from_days(today + (wd as i64 - weekday(today) as i64).rem_euclid(7))
            } else {
                civil_from_days(today - (weekday(today) as i64 - wd as i64).rem_euclid(7))
            };
            let _ = write!(s, "{:04}-{:02}-{:02}", d.year, d.month, d.day);
            return (s, d.year);
        }
        // ISO 8601 (2000) truncated week date: day `wd` of an unspecified week.
        let _ = write!(s, "-W-{wd}");
        return (s, 0);
    }
    (s, 0)
}

/// An ISO 8601 duration of `value` times the unit `designator` (Y M W D H MIN S).
pub(super) fn duration(value: f64, designator: &str) -> String {
    let mut s = String::with_capacity(8);
    s.push('P');
    let time = matches!(designator, "H" | "MIN" | "S");
    if time {
        s.push('T');
    }
    // `Display` of f64 prints integers without ".0" and never uses an exponent.
    let _ = write!(s, "{value}");
    s.push_str(if designator == "MIN" { "M" } else { designator });
    s
}

/// The ISO 8601 week of a date: (week-numbering year, week 1..=53).
pub(super) fn iso_week(d: Date) -> (i32, u32) {
    let days = d.days();
    let thursday = days - weekday(days) as i64 + 4;
    let year = civil_from_days(thursday).year;
    (year, ((thursday - days_from_civil(year, 1, 1)) / 7 + 1) as u32)
}

/// The granularity of a relative expression: the unit it counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grain {
    Century,
    Decade,
    Year,
    Half,
    Quarter,
    Month,
    Week,
    Weekend,
    Day,
}

impl Grain {
    /// The grain of a duration unit (its ISO designator and multiplier); `None` for hours,
    /// minutes and seconds.
    pub(super) fn of_unit(designator: &str, mult: u32) -> Option<Grain> {
        Some(match (designator, mult) {
            ("Y", 100) => Grain::Century,
            ("Y", 10) => Grain::Decade,
            ("Y", 1) => Grain::Year,
            ("M", 1) => Grain::Month,
            ("W", 1) => Grain::Week,
            ("D", 1) => Grain::Day,
            _ => return None,
        })
    }

    /// The ISO 8601 duration designator of `n` such units ("P2Y", "P3M"; a quarter is three
    /// months, a decade "DE", a century "CE" as TIMEX3 writes them); "X" for an unknown count.
    pub(super) fn duration(self, n: &str) -> String {
        let d = match self {
            Grain::Century => "CE",
            Grain::Decade => "DE",
            Grain::Year => "Y",
            Grain::Half => "H",
            Grain::Quarter => "Q",
            Grain::Month => "M",
            Grain::Week | Grain::Weekend => "W",
            Grain::Day => "D",
        };
        format!("P{n}{d}")
    }
}

/// The period `k` units of `grain` from the one holding `base`, as TIMEX3 writes it ("2026",
/// "2026-H2", "2026-Q3", "2026-11", "2026-W48", "2026-W48-WE", "2026-12-03", "202" for a
/// decade, "20" for a century), and its year; without `base`, the same shape with X for the
/// digits ("XXXX-WXX").
pub(super) fn shift(base: Option<Date>, grain: Grain, k: i64) -> (String, i32) {
    let Some(b) = base else {
        let s = match grain {
            Grain::Century => "XX",
            Grain::Decade => "XXX",
            Grain::Year => "XXXX",
            Grain::Half => "XXXX-HX",
            Grain::Quarter => "XXXX-QX",
            Grain::Month => "XXXX-XX",
            Grain::Week => "XXXX-WXX",
            Grain::Weekend => "XXXX-WXX-WE",
            Grain::Day => "XXXX-XX-XX",
        };
        return (s.to_string(), 0);
    };
    let k = k.clamp(-100_000, 100_000);
    let months = |per: i64| -> (i32, i64) {
        // Index of the period counted in `per` months since year 0.
        let idx = b.year as i64 * (12 / per) + (b.month as i64 - 1) / per + k;
        (idx.div_euclid(12 / per) as i32, idx.rem_euclid(12 / per) + 1)
    };
    match grain {
        Grain::Century => {
            let c = (b.year as i64).div_euclid(100) + k;
            (format!("{c:02}"), (c * 100) as i32)
        }
        Grain::Decade => {
            let d = (b.year as i64).div_euclid(10) + k;
            (format!("{d:03}"), (d * 10) as i32)
        }
        Grain::Year => {
            let y = b.year as i64 + k;
            (format!("{y:04}"), y as i32)
        }
        Grain::Half => {
            let (y, h) = months(6);
            (format!("{y:04}-H{h}"), y)
        }
        Grain::Quarter => {
            let (y, q) = months(3);
            (format!("{y:04}-Q{q}"), y)
        }
        Grain::Month => {
            let (y, m) = months(1);
            (format!("{y:04}-{m:02}"), y)
        }
        Grain::Week | Grain::Weekend => {
            let (y, w) = iso_week(civil_from_days(b.days() + 7 * k));
            let we = if grain == Grain::Weekend { "-WE" } else { "" };
            (format!("{y:04}-W{w:02}{we}"), y)
        }
        Grain::Day => {
            let d = civil_from_days(b.days() + k);
            (format!("{:04}-{:02}-{:02}", d.year, d.month, d.day), d.year)
        }
    }
}
