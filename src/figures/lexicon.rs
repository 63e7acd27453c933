//! The word tables of the figure scanner, parsed once from the bundled data files.
//!
//! Every form of every file goes into one map from the folded form (single words and
//! multi-word phrases with single spaces, as they appear in the folded text) to an [`Entry`]
//! that holds all the roles of that form ("second" is an ordinal and a duration unit, "may" a
//! month and a verb). Look-ups never allocate: an open-addressing table keyed by an FNV hash
//! of the bytes, behind a filter on (first byte, last byte, length) that rejects most words of
//! running text without hashing.

use super::Qualifier;

const NUMBERS: &str = include_str!("data/numbers.tsv");
const SCALES: &str = include_str!("data/scales.tsv");
const VAGUE: &str = include_str!("data/vague.tsv");
const CURRENCIES: &str = include_str!("data/currencies.tsv");
const UNITS: &str = include_str!("data/units.tsv");
const MONTHS: &str = include_str!("data/months.tsv");
const WEEKDAYS: &str = include_str!("data/weekdays.tsv");
const QUALIFIERS: &str = include_str!("data/qualifiers.tsv");
const WORDS: &str = include_str!("data/words.tsv");
const FRACTIONS: &str = include_str!("data/fractions.tsv");
const TEMPORAL: &str = include_str!("data/temporal.tsv");

/// The grammatical role of a number word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumKind {
    /// 0..=19.
    Small,
    /// 20, 30, ... 90.
    Ten,
    /// "hundred": multiplies what precedes by 100.
    Hundred,
    /// "thousand", "million"...: multiplies by 10^n and closes a group.
    Scale(i32),
    /// "dozen": multiplies by 12.
    Dozen,
    /// "a", "an": 1, only before a multiplier ("a dozen", "a million").
    Article,
    /// "several" (3), "few" (2, also "a few"): the lower bound of a vague count, only before
    /// a multiplier ("several thousand", "a few hundred"); the number is approximate.
    Few,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct NumWord {
    pub value: u64,
    pub kind: NumKind,
    pub ordinal: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    pub exp: i32,
    /// Only written against the digits ("300m").
    pub attached_only: bool,
    /// Only written after a space ("5 lakh").
    pub word_only: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Currency {
    pub code: &'static str,
    pub pre: bool,
    pub post: bool,
    pub exp: i32,
    pub upper: bool,
    pub big: bool,
    pub attached_only: bool,
    /// Not after a plain number that reads as a year ("1990 marks the end").
    pub not_after_year: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitKind {
    Quantity,
    Percent,
    Duration,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Unit {
    pub symbol: &'static str,
    pub kind: UnitKind,
    pub mult: u32,
}

pub(super) const ROLE_YEAR: u16 = 1;
pub(super) const ROLE_PART: u16 = 1 << 1;
pub(super) const ROLE_KNOWN: u16 = 1 << 2;
pub(super) const ROLE_LABEL: u16 = 1 << 3;
pub(super) const ROLE_NOTONE: u16 = 1 << 4;
pub(super) const ROLE_PRONOUN: u16 = 1 << 5;
pub(super) const ROLE_SCORE: u16 = 1 << 6;
pub(super) const ROLE_RANGE: u16 = 1 << 7;
pub(super) const ROLE_FROM: u16 = 1 << 8;
/// The first word of a multi-word vague magnitude ("tens" of "tens of thousands").
pub(super) const ROLE_VAGUE_LEAD: u16 = 1 << 9;
/// A part of a year named before "of" ("the first half of 1989", "the end of 1990").
pub(super) const ROLE_PERIOD: u16 = 1 << 10;
/// A street word: a year-like number before capitalised words and it is an address.
pub(super) const ROLE_STREET: u16 = 1 << 11;
/// "last", "next", "this" before a weekday or a month: part of the date's span.
pub(super) const ROLE_RELATIVE: u16 = 1 << 12;
/// A verb of change: "rose 3 to 43" is a change and a level (two figures), not a range.
pub(super) const ROLE_CHANGE: u16 = 1 << 13;

/// What a word of `temporal.tsv` does in a time expression (the file documents each role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimeRole {
    Ref,
    Deictic,
    Shift,
    Offset,
    Vague,
    Set,
    Each,
    DayPart,
    Clock,
    Zone,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct TimeWord {
    pub role: TimeRole,
    /// The offset of a deictic, shift or offset word (0 for "past" and "coming").
    pub n: i8,
    /// The value column as written ("PRESENT_REF", "P1Y", "NI", "+01:00", "past").
    pub code: &'static str,
}

/// Everything the tables say about one form.
#[derive(Debug, Clone, Default)]
pub(super) struct Entry {
    pub num: Option<NumWord>,
    pub scale: Option<Scale>,
    /// Vague magnitude: its lower bound.
    pub vague: Option<u64>,
    pub currency: Option<Currency>,
    pub unit: Option<Unit>,
    /// 1..=12, 0 if not a month.
    pub month: u8,
    pub month_abbr: bool,
    /// 1 (Monday) ..= 7, 0 if not a weekday.
    pub weekday: u8,
    pub qualifier: Option<(Qualifier, bool)>,
    pub roles: u16,
    /// The denominator a fraction word names ("thirds": 3, "half": 2), 0 if none.
    pub denominator: u8,
    pub time: Option<TimeWord>,
    /// A word that points an underspecified date forward (1) or back (-1); 0 if neither.
    pub cue: i8,
}

impl Entry {
    pub fn has(&self, role: u16) -> bool {
        self.roles & role != 0
    }
}

pub(super) struct Lexicon {
    keys: Vec<Box<str>>,
    entries: Vec<Entry>,
    /// Open addressing: index + 1 into `keys`, 0 = empty.
    slots: Vec<u32>,
    /// A bit per (first byte, last byte, length) of the keys, hashed: see [`filter_bit`].
    filter: Box<[u64; 1024]>,
    /// The most words in a phrase.
    pub max_words: usize,
}

fn hash(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Lexicon {
    /// Parses the bundled lists. Panics on a malformed line (a bug in the bundled data, caught
    /// by the unit tests).
    pub fn load() -> Lexicon {
        let mut b = Builder::default();
        for (form, cols) in rows(NUMBERS, "numbers.tsv", 3) {
            let value: u64 = parse(cols[1], "numbers.tsv", form);
            let (ordinal, kind) = match cols[2].strip_prefix("ord-") {
                Some(k) => (true, k),
                None => (false, cols[2]),
            };
            let kind = match kind {
                "small" => NumKind::Small,
                "ten" => NumKind::Ten,
                "hundred" => NumKind::Hundred,
                "dozen" => NumKind::Dozen,
                "article" => NumKind::Article,
                "few" => NumKind::Few,
                k => match k.strip_prefix("scale:") {
                    Some(n) => NumKind::Scale(parse(n, "numbers.tsv", form)),
                    None => panic!("numbers.tsv: bad type {k:?} for {form:?}"),
                },
            };
            b.entry(form).num = Some(NumWord { value, kind, ordinal });
        }
        for (form, cols) in rows(SCALES, "scales.tsv", 3) {
            let exp = parse(cols[1], "scales.tsv", form);
            let attached_only = match cols[2] {
                "attached" => true,
                "both" | "word" => false,
                w => panic!("scales.tsv: bad position {w:?} for {form:?}"),
            };
            b.entry(form).scale = Some(Scale { exp, attached_only, word_only: cols[2] == "word" });
        }
        for (form, cols) in rows(VAGUE, "vague.tsv", 2) {
            b.entry(form).vague = Some(parse(cols[1], "vague.tsv", form));
            if let Some((lead, _)) = form.split_once(' ') {
                b.entry(lead).roles |= ROLE_VAGUE_LEAD;
            }
        }
        for (form, cols) in rows(CURRENCIES, "currencies.tsv", 5) {
            let (pre, post) = match cols[2] {
                "pre" => (true, false),
                "post" => (false, true),
                "both" => (true, true),
                w => panic!("currencies.tsv: bad position {w:?} for {form:?}"),
            };
            let code = cols[1];
            assert!(
                code.is_empty() || (code.len() == 3 && code.bytes().all(|c| c.is_ascii_uppercase())),
                "currencies.tsv: bad code {code:?} for {form:?}"
            );
            let mut c = Currency {
                code,
                pre,
                post,
                exp: parse(cols[3], "currencies.tsv", form),
                upper: false,
                big: false,
                attached_only: false,
                not_after_year: false,
            };
            for flag in cols[4].split(',') {
                match flag {
                    "upper" => c.upper = true,
                    "big" => c.big = true,
                    "attached" => c.attached_only = true,
                    "noyear" => c.not_after_year = true,
                    "-" => {}
                    f => panic!("currencies.tsv: bad flag {f:?} for {form:?}"),
                }
            }
            b.entry(form).currency = Some(c);
        }
        for (form, cols) in rows(UNITS, "units.tsv", 4) {
            let kind = match cols[2] {
                "quantity" => UnitKind::Quantity,
                "percent" => UnitKind::Percent,
                "duration" => UnitKind::Duration,
                k => panic!("units.tsv: bad kind {k:?} for {form:?}"),
            };
            if kind == UnitKind::Duration {
                assert!(
                    matches!(cols[1], "Y" | "M" | "W" | "D" | "H" | "MIN" | "S"),
                    "units.tsv: bad designator {:?} for {form:?}",
                    cols[1]
                );
            }
            let mult = parse(cols[3], "units.tsv", form);
            b.entry(form).unit = Some(Unit { symbol: cols[1], kind, mult });
        }
        for (form, cols) in rows(MONTHS, "months.tsv", 3) {
            let m: u8 = parse(cols[1], "months.tsv", form);
            assert!((1..=12).contains(&m), "months.tsv: bad month for {form:?}");
            let e = b.entry(form);
            e.month = m;
            e.month_abbr = match cols[2] {
                "full" => false,
                "abbr" => true,
                w => panic!("months.tsv: bad type {w:?} for {form:?}"),
            };
        }
        for (form, cols) in rows(WEEKDAYS, "weekdays.tsv", 2) {
            let d: u8 = parse(cols[1], "weekdays.tsv", form);
            assert!((1..=7).contains(&d), "weekdays.tsv: bad weekday for {form:?}");
            b.entry(form).weekday = d;
        }
        for (form, cols) in rows(QUALIFIERS, "qualifiers.tsv", 3) {
            let q = match cols[1] {
                "AtLeast" => Qualifier::AtLeast,
                "AtMost" => Qualifier::AtMost,
                "About" => Qualifier::About,
                "MoreThan" => Qualifier::MoreThan,
                "LessThan" => Qualifier::LessThan,
                "UpTo" => Qualifier::UpTo,
                "Nearly" => Qualifier::Nearly,
                "Exactly" => Qualifier::Exactly,
                q => panic!("qualifiers.tsv: bad qualifier {q:?} for {form:?}"),
            };
            let approx = match cols[2] {
                "1" => true,
                "0" => false,
                a => panic!("qualifiers.tsv: bad flag {a:?} for {form:?}"),
            };
            b.entry(form).qualifier = Some((q, approx));
        }
        for (form, cols) in rows(FRACTIONS, "fractions.tsv", 2) {
            let d: u8 = parse(cols[1], "fractions.tsv", form);
            assert!(d >= 2, "fractions.tsv: bad denominator for {form:?}");
            b.entry(form).denominator = d;
        }
        for (form, cols) in rows(TEMPORAL, "temporal.tsv", 3) {
            let code = cols[2];
            let role = match cols[1] {
                "forward" | "backward" => {
                    b.entry(form).cue = if cols[1] == "forward" { 1 } else { -1 };
                    continue;
                }
                "ref" => TimeRole::Ref,
                "deictic" => TimeRole::Deictic,
                "shift" => TimeRole::Shift,
                "offset" => TimeRole::Offset,
                "vague" => TimeRole::Vague,
                "set" => TimeRole::Set,
                "each" => TimeRole::Each,
                "daypart" => TimeRole::DayPart,
                "clock" => TimeRole::Clock,
                "zone" => TimeRole::Zone,
                r => panic!("temporal.tsv: bad role {r:?} for {form:?}"),
            };
            let n = match role {
                TimeRole::Deictic | TimeRole::Offset => parse(code, "temporal.tsv", form),
                TimeRole::Shift => code.parse().unwrap_or(0),
                _ => 0,
            };
            if role == TimeRole::Clock {
                let ok = code.len() == 5 && code.as_bytes()[2] == b':';
                assert!(ok, "temporal.tsv: bad clock time {code:?} for {form:?}");
            }
            let e = b.entry(form);
            assert!(e.time.is_none(), "temporal.tsv: {form:?} has two roles");
            e.time = Some(TimeWord { role, n, code });
        }
        for (form, cols) in rows(WORDS, "words.tsv", 2) {
            let mut roles = 0;
            for r in cols[1].split(',') {
                roles |= match r {
                    "year" => ROLE_YEAR,
                    "part" => ROLE_PART,
                    "known" => ROLE_KNOWN,
                    "label" => ROLE_LABEL,
                    "notone" => ROLE_NOTONE,
                    "pronoun" => ROLE_PRONOUN,
                    "score" => ROLE_SCORE,
                    "range" => ROLE_RANGE,
                    "from" => ROLE_FROM,
                    "period" => ROLE_PERIOD,
                    "street" => ROLE_STREET,
                    "relative" => ROLE_RELATIVE,
                    "change" => ROLE_CHANGE,
                    r => panic!("words.tsv: bad role {r:?} for {form:?}"),
                };
            }
            b.entry(form).roles |= roles;
        }
        b.finish()
    }

    /// The entry of a folded form, if any.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&Entry> {
        let first = *key.first()?;
        let bit = filter_bit(first, key[key.len() - 1], key.len());
        if self.filter[bit >> 6] & (1 << (bit & 63)) == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(key) as usize & mask;
        loop {
            let k = self.slots[i];
            if k == 0 {
                return None;
            }
            let k = (k - 1) as usize;
            if self.keys[k].as_bytes() == key {
                return Some(&self.entries[k]);
            }
            i = (i + 1) & mask;
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

#[derive(Default)]
struct Builder {
    index: std::collections::HashMap<Box<str>, usize>,
    keys: Vec<Box<str>>,
    entries: Vec<Entry>,
}

impl Builder {
    fn entry(&mut self, form: &str) -> &mut Entry {
        let key: Box<str> = crate::text::fold(form).into_boxed_str();
        assert!(!key.is_empty(), "empty form in a figures word list");
        let k = match self.index.get(&key) {
            Some(&k) => k,
            None => {
                self.keys.push(key.clone());
                self.entries.push(Entry::default());
                self.index.insert(key, self.keys.len() - 1);
                self.keys.len() - 1
            }
        };
        &mut self.entries[k]
    }

    fn finish(self) -> Lexicon {
        let size = (self.keys.len() * 4).next_power_of_two().max(16);
        let mut slots = vec![0u32; size];
        let mut filter = Box::new([0u64; 1024]);
        let mut max_words = 1;
        for (k, key) in self.keys.iter().enumerate() {
            let bytes = key.as_bytes();
            let bit = filter_bit(bytes[0], bytes[bytes.len() - 1], bytes.len());
            filter[bit >> 6] |= 1 << (bit & 63);
            max_words = max_words.max(key.split(' ').count());
            let mut i = hash(bytes) as usize & (size - 1);
            while slots[i] != 0 {
                i = (i + 1) & (size - 1);
            }
            slots[i] = k as u32 + 1;
        }
        Lexicon { keys: self.keys, entries: self.entries, slots, filter, max_words }
    }
}

/// The bit of the look-up filter for a key with these first and last bytes and this length:
/// the three hashed to 16 bits, so that a word of running text is refused by one probe
/// (about one key in 40 bits set).
#[inline]
fn filter_bit(first: u8, last: u8, len: usize) -> usize {
    ((first as u32) << 16 | (last as u32) << 8 | len.min(255) as u32).wrapping_mul(0x9E37_79B1) as usize >> 16
}

/// The data lines of a list: (form, columns) for every '|'-separated form of every line that
/// is neither blank nor a `#` comment. `columns[0]` is the whole form column.
fn rows(data: &'static str, file: &str, columns: usize) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&'static str> = line.split('\t').map(str::trim).collect();
        assert!(
            cols.len() == columns,
            "{file}:{}: expected {columns} tab-separated columns, found {}",
            n + 1,
            cols.len()
        );
        for form in cols[0].split('|') {
            assert!(!form.trim().is_empty(), "{file}:{}: empty form", n + 1);
            out.push((form.trim(), cols.clone()));
        }
    }
    out
}

fn parse<T: std::str::FromStr>(s: &str, file: &str, form: &str) -> T {
    s.parse().unwrap_or_else(|_| panic!("{file}: bad number {s:?} for {form:?}"))
}
