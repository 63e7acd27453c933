//! Numeric figures in English news text: cardinals, ordinals, money, percentages, dates,
//! quantities and durations, with qualifiers ("at least") and ranges ("3,000 to 5,000").
//!
//! The scanner makes one left-to-right pass over the folded text ([`crate::text::Folded`]),
//! looking only at tokens that can start a figure (a digit, a currency sign, or a word of the
//! tables, rejected by first byte and length before any hashing); qualifiers, prepositions
//! and names before a figure are found by looking back a few words from it. The original
//! text is consulted only where case matters ("May" the month, "5G", ISO codes, "First Lady").
//!
//! Word lists are data, in `data/*.tsv` (each file documents its columns), bundled with
//! `include_str!` and parsed once by [`Scanner::new`].
//!
//! Conventions (see also the tables in `tests.rs`):
//! - Vague magnitudes are cardinals with `approximate = true` and the lower bound of the
//!   magnitude as value: "thousands" 1,000, "tens of thousands" 10,000, "dozens" 12.
//! - A plain 4-digit number from 1800 to 2099 is a year unless a qualifier makes it a count
//!   ("some 1900 troops"), a label or name precedes it ("Windows 2000") or an address follows;
//!   counts of that size are written with a comma in news style ("1,987 people").
//! - Decades are dates whose `date` is the decade's first three digits ("197" for the 1970s),
//!   with "the" in the span; periods of a year keep their words ("the first half of 1993").
//! - Numbers in names and identifiers are not figures: attached to letters ("G7", "MH17",
//!   "5G", "F-16", "COVID-19"), after a capitalised word that is not a function word
//!   ("Boeing 777", "Resolution 2254", "Article 5"), after a label word ("article 5",
//!   "flight 370", "No. 10"); nor are phone numbers, URLs, e-mail addresses, handles and
//!   hashtags, version numbers ("1.2.3"), and numbers with a leading zero ("007").
//! - Times of day are TIME figures (since issue 23; they were skipped before): with am/pm
//!   ("11am", "3:30 p.m.", "8 PM"), "o'clock", a time zone ("14:00 GMT", "0800 GMT"), or in
//!   24-hour form after "at", "by", "until", "from"... ("at 14:00"); `date` is the day (the
//!   date written just before in the clause, else the reference date, else "XXXX-XX-XX") and
//!   `Thh:mm`, with the zone's offset ("T09:00-05:00", "T14:00Z"). A bare "3:16" is no time.
//! - Time expressions follow TIMEX3 (`scan/temporal.rs`, words in `data/temporal.tsv`):
//!   "last week" 2026-W48, "the third quarter" 2026-Q3, "two years ago" 2024 (a date, not
//!   P2Y), "the past two years" P2Y, "several days" PXD, "every year" a SET P1Y, "Friday
//!   night" a TIME ...TNI, "now" a TIME PRESENT_REF. Relative dates resolve against the
//!   reference date ("ago", "last", "next", "this"), or against the last full date written
//!   ("a day earlier", "the day before", "the previous day"); without a reference date the
//!   unknown digits are X ("XXXX-WXX").
//! - Direction: an underspecified date ("June", "Friday", "March 1", "the third quarter")
//!   resolves back from the reference date unless a cue word before it in its clause points
//!   forward ("will", "until", "through", "by", "next", "expected"...); "was", "said", "last"
//!   point back.
//! - Ages are DATEs with `unit` "age": "Jane Doe, 63,", "aged 9", "a 22-year-old" (never a
//!   duration).
//! - "one" is a cardinal only when it counts something: followed by a word that is not a
//!   pronoun context ("of", "another", "who", verbs ...) and not preceded by "no", "the",
//!   "any", "every", "each", "which", "this", "that" ...
//! - Capitalised number words and ordinals inside a sentence are names ("First Lady",
//!   "Formula One", "Big Four"); at the start of a sentence they are figures.
//! - A hyphenated pair of bare integers whose second is not larger ("3-1", "2-2"), or after a
//!   score word ("won 1-3"), is a sport score: not reported.
//! - "from X to Y" is two figures (a change: "rose from 3% to 5%"), except for years, where
//!   it is one range; "X to Y", "X-Y" and "between X and Y" are one range.
//! - A bare "m" after a number is million ("£300m"), never metres.

mod calendar;
mod lexicon;
mod scan;

/// The figure scanner: word tables built once, shared between threads.
pub struct Scanner {
    lexicon: lexicon::Lexicon,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner").finish_non_exhaustive()
    }
}

impl Default for Scanner {
    fn default() -> Scanner {
        Scanner::new()
    }
}

impl Scanner {
    /// Builds the tables from the bundled word lists. Panics only if a bundled list is
    /// malformed (a unit test loads them).
    pub fn new() -> Scanner {
        Scanner { lexicon: lexicon::Lexicon::load() }
    }

    /// Appends the figures of `text` in text order; spans are BYTE offsets into the ORIGINAL
    /// text (text.original()), never inside a UTF-8 character. (The engine calls
    /// [`Scanner::scan_until`]; this is the tests' entry point.)
    #[cfg(test)]
    pub fn scan(&self, text: &crate::text::Folded<'_>, reference: Option<Date>, out: &mut Vec<FigureMatch>) {
        scan::run(&self.lexicon, text, reference, out, &|| false);
    }

    /// [`Scanner::scan`] that asks `stop` every 16 KiB of text and returns early once it says
    /// true (the caller asks `stop` again to learn that the figures are incomplete).
    pub fn scan_until(&self, text: &crate::text::Folded<'_>, reference: Option<Date>, out: &mut Vec<FigureMatch>, stop: &dyn Fn() -> bool) {
        scan::run(&self.lexicon, text, reference, out, stop);
    }

    /// Scans `text` and returns the work done (bytes examined), for the linear-time tests.
    #[cfg(test)]
    pub(crate) fn steps(&self, text: &str) -> usize {
        scan::run(&self.lexicon, &crate::text::Folded::new(text), None, &mut Vec::new(), &|| false)
    }
}

/// One figure and its span in the original text.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureMatch {
    pub start: usize,
    pub end: usize,
    pub figure: Figure,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub kind: FigureKind,
    /// Exact where the text is: 4.7 billion is 4700000000.0. For dates, the year (0 if
    /// unknown); for durations, the count in the unit of the ISO designator ("three weeks": 3,
    /// "two decades": 20 years).
    pub value: f64,
    /// The upper bound of a range ("3,000 to 5,000", "between 10 and 20", "10-20").
    pub value_max: Option<f64>,
    /// ISO 4217 for money ("" for a currency name that does not tell the country, such as a
    /// bare "dinars"), "%" for percent, "pp" for percentage points, "bp" for basis points, the
    /// unit symbol for quantities ("km", "bbl/d"), "age" for an age (a date: "Jane Doe, 63,"),
    /// "" otherwise.
    pub unit: String,
    /// ISO 8601 for dates, partial where the text is ("2026-01-15", "2023-10", "--06",
    /// "--01-16", "2011", "199" for the 1990s, "2010/2015" for a range of years, "-W-5" for a
    /// Friday of an unspecified week), resolved against the reference date when one is given;
    /// ISO 8601 durations for durations and ages ("P3W", "PT48H", "P63Y"); "" otherwise.
    pub date: String,
    /// Vague magnitudes ("thousands") and hedges ("about", "nearly").
    pub approximate: bool,
    pub qualifier: Qualifier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    Cardinal,
    Ordinal,
    Money,
    Percent,
    Date,
    Quantity,
    Duration,
    /// A time of day or a part of one ("8 p.m.", "Friday night", "tonight"): `date` is the
    /// day and `Thh:mm` or `TNI`/`TMO`/`TAF`/`TEV` ("2026-12-04T20:00", "2026-12-04TNI");
    /// also the present moment and the times before and after it, which name no calendar
    /// unit ("now" PRESENT_REF, "recently" PAST_REF, "the future" FUTURE_REF).
    Time,
    /// A recurring time ("every year", "weekly", "twice a month"): `date` is its period
    /// ("P1Y", "P1W"), or the recurring day or part of day ("XXXX-WXX-5", "TMO").
    Set,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    None,
    AtLeast,
    AtMost,
    About,
    MoreThan,
    LessThan,
    UpTo,
    Nearly,
    Exactly,
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses "YYYY-MM-DD" (exactly that form), validating month and day (leap years
    /// included); the year is from 1000 ([`Date::MIN_YEAR`]): dates resolved from it ("three
    /// years ago") stay four-digit years.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
        };
        let year = digits(0..4)? as i32;
        let month = digits(5..7)? as u8;
        let day = digits(8..10)? as u8;
        (year >= Date::MIN_YEAR && Date::valid(year, month, day)).then_some(Date { year, month, day })
    }

    /// The earliest year [`Date::parse_iso`] accepts.
    pub const MIN_YEAR: i32 = 1000;
}

#[cfg(test)]
mod tests;
