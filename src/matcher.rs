//! The Aho-Corasick automaton over folded aliases, and the rules a match must pass: word
//! boundaries and case policy.
//!
//! Every alias of every entry is folded (see [`crate::text`]); equal folded texts become one
//! pattern with a list of candidates, ranked by priority then id. The automaton runs once over
//! the folded document with leftmost-longest semantics. A match is kept when it starts and ends
//! on word boundaries and at least one candidate accepts its original spelling; when the
//! longest match at a position is refused, the next shorter one at the same position is tried
//! (an anchored search), so "New York Timesheet" still yields "New York".
//!
//! Choosing *which* candidate a kept match refers to (weak aliases need evidence from the rest
//! of the document) is left to [`crate::resolve`].

mod trie;

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};

use crate::error::{Error, Result};
use crate::gazetteer::{CasePolicy, Gazetteers};
use crate::text::{fold, is_word_char, Folded};
use trie::Trie;

/// One entry an alias text may refer to.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index into [`Gazetteers::entries`].
    pub entry: u32,
    /// Index into the entry's aliases (0 is the canonical name).
    pub alias: u32,
    /// Index of the entry's file, for per-request gazetteer selection.
    pub file: u32,
    pub case: CasePolicy,
    pub weak: bool,
    /// Bit `i` set: word `i` of the alias starts with a capital letter.
    caps: u64,
    /// The alias as written, for exact-case comparison.
    text: Box<str>,
}

/// A match that passed the boundary and case rules, in original byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub pattern: u32,
}

/// The automata and their candidates. Built once; shared by every request.
///
/// Nearly every alias needs a capital first letter (the `cap` and `exact` policies with an
/// uppercase first character): those are in `capital`, searched anchored only where a word
/// starts with an uppercase letter in the original ([`Folded::capitals`]), so lowercase prose
/// costs nothing however many town names fold to common words. The few aliases that may start
/// otherwise (`any`, "al-Qaeda", "eBay", "60 Minutes") are in `other`, searched unanchored.
#[derive(Debug)]
pub struct Matcher {
    /// The capital patterns: a trie, since every search of them is anchored (an automaton's
    /// failure links would never be followed, and building them was most of the start-up).
    capital: Trie,
    other: Option<Part>,
    /// Where the `other` patterns can start.
    other_starts: Starts,
    /// For pattern `p`, its candidates are `candidates[bounds[p]..bounds[p + 1]]`.
    bounds: Vec<u32>,
    candidates: Vec<Candidate>,
}

/// One automaton over some of the patterns.
#[derive(Debug)]
struct Part {
    ac: AhoCorasick,
    /// Automaton pattern index -> pattern id (index into `bounds`).
    ids: Vec<u32>,
}

/// Where an `other` pattern can start, by its first three folded bytes: asked at every word
/// start, so that the automaton runs only where a pattern can begin instead of over every
/// byte. A bit per hashed byte triple of the longer patterns (64 Kib), a bit per byte pair
/// of the two-byte ones, and per byte whether a one-byte pattern is it. No false negatives:
/// a position refused here is one where no `other` pattern matches.
#[derive(Debug)]
struct Starts {
    triples: Box<[u64; 1024]>,
    pairs: Box<[u64; 1024]>,
    single: [bool; 256],
    /// The first bytes of the patterns that start with a character that is no word character
    /// ("'Irqah" as GeoNames writes it): those can start between words too.
    outside: [bool; 256],
}

impl Starts {
    fn of(texts: &[&str]) -> Starts {
        let mut starts =
            Starts { triples: Box::new([0; 1024]), pairs: Box::new([0; 1024]), single: [false; 256], outside: [false; 256] };
        for t in texts {
            let b = t.as_bytes();
            if let (Some(c), Some(&x)) = (t.chars().next(), b.first()) {
                starts.outside[x as usize] |= !is_word_char(c);
            }
            match b {
                [] => {}
                [x] => starts.single[*x as usize] = true,
                [x, y] => set(&mut starts.pairs, pair(*x, *y)),
                [x, y, z, ..] => set(&mut starts.triples, triple(*x, *y, *z)),
            }
        }
        starts
    }

    /// Whether a pattern may start at `hay[at..]`.
    #[inline]
    fn may_start(&self, hay: &[u8], at: usize) -> bool {
        let x = hay[at];
        if self.single[x as usize] {
            return true;
        }
        let Some(&y) = hay.get(at + 1) else { return false };
        if get(&self.pairs, pair(x, y)) {
            return true;
        }
        hay.get(at + 2).is_some_and(|&z| get(&self.triples, triple(x, y, z)))
    }
}

fn pair(x: u8, y: u8) -> usize {
    (x as usize) << 8 | y as usize
}

/// A byte triple hashed to 16 bits.
fn triple(x: u8, y: u8, z: u8) -> usize {
    ((x as u32) << 16 | (y as u32) << 8 | z as u32).wrapping_mul(0x9E37_79B1) as usize >> 16
}

fn set(bits: &mut [u64; 1024], k: usize) {
    bits[k >> 6] |= 1 << (k & 63);
}

fn get(bits: &[u64; 1024], k: usize) -> bool {
    bits[k >> 6] & (1 << (k & 63)) != 0
}

impl Part {
    fn build(texts: Vec<&str>, ids: Vec<u32>, start: StartKind, kind: Option<AhoCorasickKind>) -> Result<Part> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(start)
            .kind(kind)
            .build(texts)
            .map_err(|e| Error::Automaton(e.to_string()))?;
        Ok(Part { ac, ids })
    }

    /// The longest pattern starting at `start` and ending at or before `limit`.
    fn anchored(&self, hay: &str, start: usize, limit: usize) -> Option<(usize, u32)> {
        if limit <= start {
            return None;
        }
        let m = self.ac.find(Input::new(hay).span(start..limit).anchored(Anchored::Yes))?;
        Some((m.end(), self.ids[m.pattern().as_usize()]))
    }
}

impl Matcher {
    /// Builds the automata over every alias of `gazetteers`.
    pub fn build(gazetteers: &Gazetteers) -> Result<Matcher> {
        let mut by_text: HashMap<String, Vec<Candidate>> = HashMap::new();
        for (e, entry) in gazetteers.entries.iter().enumerate() {
            for (a, alias) in entry.aliases.iter().enumerate() {
                by_text.entry(fold(&alias.text)).or_default().push(Candidate {
                    entry: e as u32,
                    alias: a as u32,
                    file: entry.file as u32,
                    case: alias.case,
                    weak: alias.weak,
                    caps: capital_words(&alias.text),
                    text: alias.text.as_str().into(),
                });
            }
        }
        let mut patterns: Vec<(String, Vec<Candidate>)> = by_text.into_iter().collect();
        patterns.sort_by(|a, b| a.0.cmp(&b.0));
        let mut bounds = Vec::with_capacity(patterns.len() + 1);
        let mut candidates = Vec::new();
        let (mut capital, mut other) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
        bounds.push(0);
        for (id, (text, cands)) in patterns.iter_mut().enumerate() {
            // Stable: several aliases of one entry keep their file order.
            cands.sort_by(|a, b| gazetteers.rank(a.entry as usize, b.entry as usize));
            let part = if cands.iter().all(Candidate::needs_capital) { &mut capital } else { &mut other };
            part.0.push(text.as_str());
            part.1.push(id as u32);
            candidates.append(cands);
            bounds.push(candidates.len() as u32);
        }
        let (texts, ids) = capital;
        let capital = Trie::build(&texts, &ids).ok_or_else(|| Error::Automaton("the capital patterns exceed 4 GiB".into()))?;
        let other_starts = Starts::of(&other.0);
        let other = match other.0.is_empty() {
            true => None,
            false => Some(Part::build(other.0, other.1, StartKind::Both, Some(AhoCorasickKind::DFA))?),
        };
        Ok(Matcher { capital, other, other_starts, bounds, candidates })
    }

    /// The number of distinct folded alias texts.
    pub fn pattern_count(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The candidates of a pattern, best first.
    pub fn candidates(&self, pattern: u32) -> &[Candidate] {
        let p = pattern as usize;
        &self.candidates[self.bounds[p] as usize..self.bounds[p + 1] as usize]
    }

    /// Appends the accepted matches of `text`, in text order, never overlapping: at each
    /// position where a name can start, the longest accepted alias wins (leftmost-longest);
    /// when the longest is refused (boundary, case, gazetteer selection), the next shorter
    /// one at the same position is tried. `files`, when given, says which gazetteer files may
    /// match (indexed by file). Every [`CHECK_BYTES`] of text it asks `stop`, and returns
    /// early (with the hits so far) once `stop` says true; the caller asks `stop` again.
    pub fn find(&self, text: &Folded<'_>, files: Option<&[bool]>, out: &mut Vec<Hit>, stop: &dyn Fn() -> bool) {
        let hay = text.folded();
        let capitals = text.capitals();
        let (mut at, mut next_capital) = (0, 0);
        let mut check = CHECK_BYTES;
        // The next start of an `other` match at or after `at`, found lazily; `usize::MAX` once
        // there is none left (so the rest of the text is scanned once, not once per name).
        // The first word at or after the last place asked, for the next `other` start.
        let mut word = 0;
        let mut next_other = |from| {
            let Some(o) = self.other.as_ref() else { return usize::MAX };
            self.next_other(o, text, &mut word, from).unwrap_or(usize::MAX)
        };
        let mut other_start = next_other(0);
        loop {
            while next_capital < capitals.len() && capitals[next_capital] < at {
                next_capital += 1;
            }
            if other_start < at {
                other_start = next_other(at);
            }
            let start = capitals.get(next_capital).copied().unwrap_or(usize::MAX).min(other_start);
            if start == usize::MAX {
                break;
            }
            if start >= check {
                if stop() {
                    return;
                }
                check = start + CHECK_BYTES;
            }
            match self.longest_at(text, start, files) {
                Some(hit) => {
                    at = hit.end_folded;
                    out.push(hit.hit);
                }
                None => at = next_char(hay, start),
            }
        }
    }

    /// The leftmost place at or after `at`, at a word start or between words, where an
    /// `other` pattern matches (never inside a word). `word` carries the place in the word
    /// list from one call to the next (calls ask for increasing positions). The automaton runs
    /// only where [`Starts`] says a pattern may begin.
    fn next_other(&self, other: &Part, text: &Folded<'_>, word: &mut usize, at: usize) -> Option<usize> {
        let hay = text.folded();
        let bytes = hay.as_bytes();
        let words = text.words();
        let starts = &self.other_starts;
        let matches_at = |p: usize| {
            starts.may_start(bytes, p) && other.ac.find(Input::new(hay).span(p..hay.len()).anchored(Anchored::Yes)).is_some()
        };
        // The word whose end is after `at`: `at` is inside it, before it, or at its start.
        while *word < words.len() && words[*word].1 <= at {
            *word += 1;
        }
        // The gap before the current word (from `at` or the previous word's end).
        let mut gap_from = match *word {
            0 => 0,
            k => words[k - 1].1,
        }
        .max(at);
        loop {
            let (start, end) = words.get(*word).copied().unwrap_or((bytes.len(), bytes.len()));
            if let Some(p) = (gap_from..start).find(|&p| starts.outside[bytes[p] as usize] && matches_at(p)) {
                return Some(p);
            }
            if start >= bytes.len() {
                return None;
            }
            if start >= at && matches_at(start) {
                return Some(start);
            }
            gap_from = end;
            *word += 1;
        }
    }

    /// The longest accepted match starting at `start`, from either automaton.
    fn longest_at(&self, text: &Folded<'_>, start: usize, files: Option<&[bool]>) -> Option<Found> {
        let hay = text.folded();
        if starts_inside_word(hay, start) {
            return None;
        }
        let mut limit = hay.len();
        loop {
            // The longest pattern of either automaton that ends within `limit`.
            let a = self.capital.longest(&hay.as_bytes()[start..limit]).map(|(len, p)| (start + len, p));
            let b = self.other.as_ref().and_then(|o| o.anchored(hay, start, limit));
            let (end, pattern) = match (a, b) {
                (Some(a), Some(b)) => a.max(b),
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => return None,
            };
            if ends_on_boundary(hay, end) {
                let (s, e) = (text.start_of(start), text.end_of(end));
                let original = &text.original()[s..e];
                if self.candidates(pattern).iter().any(|c| allowed(c, files) && c.accepts(original)) {
                    return Some(Found { hit: Hit { start: s, end: e, pattern }, end_folded: end });
                }
            }
            // Refused: the next shorter pattern at the same start.
            limit = end - 1;
        }
    }
}

/// How much folded text [`Matcher::find`] covers between two questions to its `stop`: about
/// 7 ms of the slowest input known (`gazette bench --adversarial`) in a release build, so that
/// a cancelled call stops within a few milliseconds of work.
const CHECK_BYTES: usize = 16 * 1024;

/// An accepted match and where it ends in the folded text.
struct Found {
    hit: Hit,
    end_folded: usize,
}

/// Whether a candidate's gazetteer file is selected.
pub fn allowed(c: &Candidate, files: Option<&[bool]>) -> bool {
    files.is_none_or(|f| f.get(c.file as usize).copied().unwrap_or(false))
}

impl Candidate {
    /// Whether a match of this alias must start with an uppercase letter.
    fn needs_capital(&self) -> bool {
        self.case != CasePolicy::Any && self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// Whether `original`, the text as written in the document, satisfies this alias's case
    /// policy.
    pub fn accepts(&self, original: &str) -> bool {
        match self.case {
            CasePolicy::Any => true,
            CasePolicy::Exact => same_spelling(original, &self.text),
            CasePolicy::Capitalized if original.is_ascii() => capitalized_ascii(self.caps, original.as_bytes()),
            CasePolicy::Capitalized => capitalized(self.caps, original),
        }
    }

    /// Whether `original` is this alias exactly as written (quote, dash and space variants
    /// aside).
    pub fn is_verbatim(&self, original: &str) -> bool {
        same_spelling(original, &self.text)
    }
}

/// Whether `original` is all capitals or capitalises every word that `caps` marks (bit `i`:
/// word `i`).
fn capitalized(caps: u64, original: &str) -> bool {
    if !original.chars().any(char::is_lowercase) {
        return true;
    }
    words(original)
        .take(64)
        .enumerate()
        .all(|(i, w)| caps & (1 << i) == 0 || w.chars().next().is_some_and(char::is_uppercase))
}

/// [`capitalized`] over ASCII bytes, without decoding: most names in news are ASCII.
fn capitalized_ascii(caps: u64, b: &[u8]) -> bool {
    if !b.iter().any(u8::is_ascii_lowercase) {
        return true;
    }
    let (mut i, mut word) = (0, 0);
    while i < b.len() && word < 64 {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        if caps & (1 << word) != 0 && !b[i].is_ascii_uppercase() {
            return false;
        }
        word += 1;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
    }
    true
}

/// Equal up to quote, dash, invisible-character and white-space variants; case and
/// diacritics count.
fn same_spelling(a: &str, b: &str) -> bool {
    a == b || spelling(a).eq(spelling(b))
}

fn spelling(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut space = false;
    s.chars().filter_map(move |c| {
        let c = match c {
            c if c.is_whitespace() => ' ',
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{00B4}' | '`' => '\'',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => return None,
            c => c,
        };
        if c == ' ' {
            if space {
                return None;
            }
            space = true;
        } else {
            space = false;
        }
        Some(c)
    })
}

/// Bit `i` set when word `i` of `alias` starts with an uppercase letter.
fn capital_words(alias: &str) -> u64 {
    words(alias)
        .take(64)
        .enumerate()
        .filter(|(_, w)| w.chars().next().is_some_and(char::is_uppercase))
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

/// Runs of word characters.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

fn char_before(hay: &str, pos: usize) -> Option<char> {
    hay[..pos].chars().next_back()
}

fn starts_inside_word(hay: &str, pos: usize) -> bool {
    hay[pos..].chars().next().is_some_and(is_word_char) && char_before(hay, pos).is_some_and(is_word_char)
}

fn ends_on_boundary(hay: &str, end: usize) -> bool {
    !(char_before(hay, end).is_some_and(is_word_char) && hay[end..].chars().next().is_some_and(is_word_char))
}

fn next_char(hay: &str, pos: usize) -> usize {
    hay[pos..].chars().next().map_or(hay.len(), |c| pos + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const GAZETTEER: &str = "\
us\tplace\tUnited States\tU.S.|US|USA|America\t100\t
un\torganization\tUnited Nations\tUN|U.N.\t85\t
unsc\torganization\tUN Security Council\tSecurity Council\t85\t
ny\tplace\tNew York\t\t69\t
nyt\torganization\tThe New York Times\tNew York Times\t85\t
israel\tplace\tIsrael\t\t100\t
iran\tplace\tIran\t\t100\t
moscow\tplace\tMoscow\t\t90\t
nice\tplace\tNice\t\t55\t
of\tplace\tOf\t\t43\t
ebay\torganization\teBay\t\t85\t
lowercase\torganization\tthe firm\tfirm@any\t10\t
paris-tx\tplace\tParis\t\t44\tcountry=US
paris\tplace\tParis\t\t63\tcountry=FR
nicolas\tperson\tNicolás Maduro\t\t85\t
boe\torganization\tBank of England\t\t85\t
";

    fn matcher() -> (Gazetteers, Matcher) {
        let g = Gazetteers::from_sources(vec![(PathBuf::from("t.tsv"), GAZETTEER.as_bytes().to_vec())]).unwrap();
        let m = Matcher::build(&g).unwrap();
        (g, m)
    }

    /// (alias, original, accepted under the capitalised policy)
    const CAPITALIZED: &[(&str, &str, bool)] = &[
        ("New York", "New York", true),
        ("New York", "new York", false),
        ("New York", "New york", false),
        ("New York", "NEW YORK", true),
        ("New-York", "New-york", false),
        ("U.S.", "U.S.", true),
        ("U.S.", "u.s.", false),
        ("McDonald's", "McDonald's", true),
        ("McDonald's", "Mcdonald's", true),
        ("McDonald's", "mcDonald's", false),
        ("60 Minutes", "60 minutes", false),
        ("60 Minutes", "60 Minutes", true),
        ("Bank of England", "Bank of England", true),
        ("Bank of England", "Bank Of England", true),
        ("Bank of England", "bank of England", false),
        ("al-Assad", "al-Assad", true),
        ("al-Assad", "al-assad", false),
        ("Assad", "", true),
        ("Nicolás Maduro", "Nicolás maduro", false),
    ];

    #[test]
    fn capitalized_table_and_the_ascii_path_agree() {
        for &(alias, original, expected) in CAPITALIZED {
            let caps = capital_words(alias);
            assert_eq!(capitalized(caps, original), expected, "{alias} / {original}");
            if original.is_ascii() {
                assert_eq!(capitalized_ascii(caps, original.as_bytes()), expected, "ascii: {alias} / {original}");
            }
        }
    }

    fn found(text: &str) -> Vec<(String, String)> {
        let (g, m) = matcher();
        let folded = Folded::new(text);
        let mut hits = Vec::new();
        m.find(&folded, None, &mut hits, &|| false);
        hits.iter()
            .map(|h| {
                let c = m.candidates(h.pattern).iter().find(|c| c.accepts(&text[h.start..h.end])).unwrap();
                (text[h.start..h.end].to_owned(), g.entries[c.entry as usize].id.clone())
            })
            .collect()
    }

    /// (name, text, expected (span, entry id) pairs)
    #[allow(clippy::type_complexity)]
    const CASES: &[(&str, &str, &[(&str, &str)])] = &[
        ("plain", "Putin spoke with Israel about Iran.", &[("Israel", "israel"), ("Iran", "iran")]),
        ("possessive curly", "Israel\u{2019}s key ally", &[("Israel", "israel")]),
        ("possessive straight", "Moscow's support", &[("Moscow", "moscow")]),
        ("hyphen compound", "U.S.-based firms", &[("U.S.", "us")]),
        ("non-breaking hyphen compound", "Iran\u{2011}aligned militias", &[("Iran", "iran")]),
        ("pro- prefix", "pro-Moscow separatists", &[("Moscow", "moscow")]),
        ("inside a word", "a woman from Romania", &[]),
        ("acronym exact only", "let us go to the un meeting", &[]),
        ("acronym exact", "the US and the UN", &[("US", "us"), ("UN", "un")]),
        ("acronym with dots at sentence end", "sanctions by the U.S.", &[("U.S.", "us")]),
        ("capitalised only", "a nice view of the sea", &[]),
        ("capitalised", "Nice is in France", &[("Nice", "nice")]),
        ("all caps headline", "NICE MAYOR SPEAKS", &[("NICE", "nice")]),
        ("lowercase word of name any case", "Bank Of England", &[("Bank Of England", "boe")]),
        ("capital word missing", "bank of england", &[]),
        ("lowercase alias has no capitals to need", "ebay and eBay", &[("ebay", "ebay"), ("eBay", "ebay")]),
        ("any case opt-in", "the FIRM said", &[("the FIRM", "lowercase")]),
        ("longest wins", "The New York Times reported", &[("The New York Times", "nyt")]),
        ("longest wins without article", "the New York Times reported", &[("New York Times", "nyt")]),
        ("longer acronym phrase", "the UN Security Council met", &[("UN Security Council", "unsc")]),
        ("shorter at same start when longest refused", "New York Timesheet", &[("New York", "ny")]),
        ("diacritics folded", "Nicolas Maduro and Nicolás Maduro", &[("Nicolas Maduro", "nicolas"), ("Nicolás Maduro", "nicolas")]),
        ("priority picks", "Paris", &[("Paris", "paris")]),
        ("whitespace run inside name", "New\r\n  York", &[("New\r\n  York", "ny")]),
        ("multi-byte before", "“Iran” — Tehran’s foe", &[("Iran", "iran")]),
        ("america", "America First", &[("America", "us")]),
        ("digits are word chars", "Iran2 and 2Iran", &[]),
    ];

    #[test]
    fn matching_table() {
        for &(name, text, want) in CASES {
            let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
            assert_eq!(found(text), want, "{name}");
        }
    }

    #[test]
    fn gazetteer_selection_reaches_shorter_names() {
        let g = Gazetteers::from_sources(vec![
            (PathBuf::from("places.tsv"), b"ny\tplace\tNew York\t\t69\t\n".to_vec()),
            (PathBuf::from("media.tsv"), b"nyt\torganization\tThe New York Times\tNew York Times\t85\t\n".to_vec()),
        ])
        .unwrap();
        let m = Matcher::build(&g).unwrap();
        let text = "The New York Times";
        let mut hits = Vec::new();
        m.find(&Folded::new(text), Some(&[true, false]), &mut hits, &|| false);
        assert_eq!(&text[hits[0].start..hits[0].end], "New York");
    }

    #[test]
    fn candidates_ranked_by_priority() {
        let (g, m) = matcher();
        let mut hits = Vec::new();
        m.find(&Folded::new("Paris"), None, &mut hits, &|| false);
        let ids: Vec<&str> = m.candidates(hits[0].pattern).iter().map(|c| g.entries[c.entry as usize].id.as_str()).collect();
        assert_eq!(ids, vec!["paris", "paris-tx"]);
    }
}
