//! The cue gazetteers: the words around and inside names that tell what an unknown name is
//! (given names, titles, designators, place keys...), their file format and their automaton.
//!
//! A cue file is `<gazetteer dir>/cues/*.tsv`: UTF-8, `#` comments, one cue per line in three
//! TAB-separated columns, `text <TAB> cue <TAB> flags` (flags may be empty). Cue texts are
//! folded like documents ([`crate::text::fold`]). Phrases (several words: "Prime Minister",
//! "Ministry of", "Lt. Gen.") become the patterns of an Aho-Corasick DFA, searched anchored at
//! the starts of the words the names stage asks about; single words (and abbreviations with
//! their dot: "Inc.") go into a hash table, looked up once per such word, since 115,000 names
//! make an automaton whose anchored search costs more than the lookup. The same text may carry
//! several cues ("Jordan": a given name and a surname, both ambiguous).
//!
//! What the cues mean in a sentence (the rules) belongs to the parent module.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
use sha2::Digest;

use crate::error::{Error, Result};
use crate::gazetteer::folders::overlay;
use crate::gazetteer::Folders;
use crate::text::{fold, is_word_char};

/// The cue kinds a text may carry, as bits.
pub type Bits = u32;

pub const GIVEN: Bits = 1;
pub const GIVEN_AMBIGUOUS: Bits = 1 << 1;
pub const SURNAME: Bits = 1 << 2;
pub const SURNAME_AMBIGUOUS: Bits = 1 << 3;
pub const FAMILY_FIRST: Bits = 1 << 4;
pub const FAMILY_FIRST_AMBIGUOUS: Bits = 1 << 5;
pub const SYLLABLE: Bits = 1 << 6;
pub const CONNECTOR: Bits = 1 << 7;
pub const SUFFIX: Bits = 1 << 8;
pub const TITLE: Bits = 1 << 9;
pub const ORG_END: Bits = 1 << 10;
pub const ORG_END_WEAK: Bits = 1 << 11;
pub const ORG_START: Bits = 1 << 12;
pub const PLACE_END: Bits = 1 << 13;
pub const PLACE_END_WEAK: Bits = 1 << 14;
pub const PLACE_START: Bits = 1 << 15;
pub const PLACE_START_WEAK: Bits = 1 << 16;
pub const COMMON: Bits = 1 << 17;
pub const DEMONYM: Bits = 1 << 18;
/// Internal: the word starts a phrase cue, so the phrase automaton is worth running there.
const PHRASE_START: Bits = 1 << 31;

/// `(name in files, plain bit, bit with the ambiguous/weak flag)`.
const KINDS: &[(&str, Bits, Bits)] = &[
    ("given", GIVEN, GIVEN_AMBIGUOUS),
    ("surname", SURNAME, SURNAME_AMBIGUOUS),
    ("family-first", FAMILY_FIRST, FAMILY_FIRST_AMBIGUOUS),
    ("syllable", SYLLABLE, SYLLABLE),
    ("connector", CONNECTOR, CONNECTOR),
    ("suffix", SUFFIX, SUFFIX),
    ("title", TITLE, TITLE),
    ("org-end", ORG_END, ORG_END_WEAK),
    ("org-start", ORG_START, ORG_START),
    ("place-end", PLACE_END, PLACE_END_WEAK),
    ("place-start", PLACE_START, PLACE_START_WEAK),
    ("common", COMMON, COMMON),
    ("demonym", DEMONYM, DEMONYM),
];

/// The loaded cues and their automaton. Built once, shared by every request.
#[derive(Debug)]
pub struct Cues {
    /// The phrases.
    ac: Option<AhoCorasick>,
    /// Bits of each phrase, by automaton pattern index.
    bits: Vec<Bits>,
    /// The single words.
    words: HashMap<Box<str>, Bits, BuildHasherDefault<Fnv>>,
    /// The `syllable` cues, sorted: looked up inside words ("zemin" = "ze" + "min").
    syllables: Vec<Box<str>>,
    /// The files loaded: `(file stem, cue lines)`.
    files: Vec<(String, usize)>,
    /// SHA-256 over the files' names and bytes; empty when there are none.
    digest: Vec<u8>,
    /// The `cues/` folders loaded, lowest layer first.
    dirs: Vec<PathBuf>,
    /// Default cue files not loaded because the user's `cues/` has one of the same name.
    replaced: Vec<PathBuf>,
}

/// The longest cue at a position: its bits and where it ends in the folded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub bits: Bits,
    pub end: usize,
}

impl Cues {
    /// No cues: the names stage then finds nothing beyond the gazetteers.
    pub fn empty() -> Cues {
        Cues { ac: None, bits: Vec::new(), words: HashMap::default(), syllables: Vec::new(), files: Vec::new(), digest: Vec::new(), dirs: Vec::new(), replaced: Vec::new() }
    }

    /// Loads `dir/cues/*.tsv` in file-name order; no `cues` directory means no cues. A
    /// malformed line is an error naming the file and line.
    pub fn load(dir: &Path) -> Result<Cues> {
        Cues::load_folders(&Folders::one(dir))
    }

    /// Loads the cue layers of `folders` ([`Folders::cue_layers`]): a file of the user's
    /// `cues/` replaces the default file of the same name, its other files add to them. No
    /// layer is an error when the cues are required ([`crate::gazetteer::Names::On`]).
    pub fn load_folders(folders: &Folders) -> Result<Cues> {
        let layers = folders.cue_layers()?;
        let layers: Vec<&Path> = layers.iter().map(PathBuf::as_path).collect();
        let (paths, replaced) = overlay(&layers)?;
        let mut sources = Vec::with_capacity(paths.len());
        for (path, _) in paths {
            // Only regular files (or links to them), as before the overlay: a stray
            // `x.tsv/` folder in cues/ is not a cue file.
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|error| Error::Io { path: path.clone(), error })?;
            sources.push((path, bytes));
        }
        let mut cues = Cues::from_sources(&sources)?;
        cues.dirs = layers.iter().map(|d| d.to_path_buf()).collect();
        cues.replaced = replaced;
        Ok(cues)
    }

    /// Builds the cues from file contents already in memory.
    pub fn from_sources(sources: &[(std::path::PathBuf, Vec<u8>)]) -> Result<Cues> {
        let mut by_text: HashMap<String, Bits> = HashMap::new();
        let mut files = Vec::new();
        let mut digest = sha2::Sha256::new();
        for (path, bytes) in sources {
            digest.update(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
            digest.update([0]);
            digest.update(bytes);
            let bad = |line: usize, message: String| Error::Gazetteer { path: path.clone(), line, message };
            let text = std::str::from_utf8(bytes).map_err(|e| {
                bad(1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count(), "not valid UTF-8".into())
            })?;
            let mut count = 0;
            for (n, line) in text.split('\n').enumerate() {
                let line = line.strip_suffix('\r').unwrap_or(line);
                if line.trim().is_empty() || line.trim_start().starts_with('#') {
                    continue;
                }
                let (folded, bits) = parse_line(line).map_err(|m| bad(n + 1, m))?;
                *by_text.entry(folded).or_default() |= bits;
                count += 1;
            }
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((name, count));
        }
        let digest = if sources.is_empty() { Vec::new() } else { digest.finalize().to_vec() };
        let mut patterns: Vec<(String, Bits)> = by_text.into_iter().collect();
        patterns.sort();
        let syllables = patterns.iter().filter(|(_, b)| b & SYLLABLE != 0).map(|(t, _)| t.as_str().into()).collect();
        type Cued = Vec<(String, Bits)>;
        let (words, phrases): (Cued, Cued) = patterns.into_iter().partition(|(t, _)| is_word(t));
        let mut words: HashMap<Box<str>, Bits, BuildHasherDefault<Fnv>> =
            words.into_iter().map(|(t, b)| (t.into_boxed_str(), b)).collect();
        for (phrase, _) in &phrases {
            let first = phrase.split(|c: char| !is_word_char(c)).next().unwrap_or_default();
            *words.entry(first.into()).or_default() |= PHRASE_START;
        }
        if phrases.is_empty() {
            return Ok(Cues { ac: None, bits: Vec::new(), words, syllables, files, digest, dirs: Vec::new(), replaced: Vec::new() });
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .kind(Some(AhoCorasickKind::DFA))
            .build(phrases.iter().map(|(t, _)| t))
            .map_err(|e| Error::Automaton(e.to_string()))?;
        Ok(Cues { ac: Some(ac), bits: phrases.into_iter().map(|(_, b)| b).collect(), words, syllables, files, digest, dirs: Vec::new(), replaced: Vec::new() })
    }

    /// SHA-256 over the cue files' names and bytes; empty when none were loaded.
    pub fn digest(&self) -> &[u8] {
        &self.digest
    }

    /// The `cues/` folders loaded from, lowest layer first (none for cues built in memory).
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Default cue files that a user's file of the same name replaced.
    pub fn replaced(&self) -> &[PathBuf] {
        &self.replaced
    }

    /// The cue files loaded, with their line counts.
    pub fn files(&self) -> &[(String, usize)] {
        &self.files
    }

    /// The number of distinct folded cue texts.
    pub fn pattern_count(&self) -> usize {
        self.bits.len() + self.words.values().filter(|&&b| b & !PHRASE_START != 0).count()
    }

    /// Whether `s` (folded) is a `syllable` cue.
    /// Whether the word or phrase `s` (as written; folded here) is a `title` cue
    /// ("President", "Gen.", "spokesman").
    pub fn is_title(&self, s: &str) -> bool {
        let folded = fold(s);
        let end = folded.strip_suffix('.').map_or(folded.len(), str::len);
        self.at(&folded, 0, end).is_some_and(|c| c.bits & TITLE != 0 && c.end >= end)
    }

    pub fn is_syllable(&self, s: &str) -> bool {
        self.syllables.binary_search_by(|x| (**x).cmp(s)).is_ok()
    }

    /// The longest cue starting at `start` of the folded text that ends on a word boundary
    /// (or right after a final `.`, as in "Inc."): a phrase, else the word there (with its
    /// dot, when that is a cue). A refused longest phrase falls back to the next shorter one at
    /// the same start.
    pub fn at(&self, hay: &str, start: usize, word_end: usize) -> Option<Cue> {
        let word = &hay[start..word_end];
        let plain = self.words.get(word).copied();
        if plain.is_some_and(|b| b & PHRASE_START != 0) {
            if let Some(cue) = self.phrase_at(hay, start) {
                return Some(cue);
            }
        }
        if hay[word_end..].starts_with('.') {
            if let Some(&bits) = self.words.get(&hay[start..word_end + 1]) {
                return Some(Cue { bits: bits & !PHRASE_START, end: word_end + 1 }).filter(|c| c.bits != 0);
            }
        }
        plain.map(|b| Cue { bits: b & !PHRASE_START, end: word_end }).filter(|c| c.bits != 0)
    }

    fn phrase_at(&self, hay: &str, start: usize) -> Option<Cue> {
        let ac = self.ac.as_ref()?;
        let mut limit = hay.len();
        while limit > start {
            let m = ac.find(Input::new(hay).span(start..limit).anchored(Anchored::Yes))?;
            let end = m.end();
            let next = hay[end..].chars().next();
            let last = hay[..end].chars().next_back();
            let boundary = !(next.is_some_and(is_word_char) && last.is_some_and(is_word_char));
            if boundary {
                return Some(Cue { bits: self.bits[m.pattern().as_usize()], end });
            }
            limit = end - 1;
        }
        None
    }

}

/// One word, optionally with a final dot: a hash-table cue.
fn is_word(folded: &str) -> bool {
    let body = folded.strip_suffix('.').unwrap_or(folded);
    !body.is_empty() && body.chars().all(is_word_char)
}

/// FNV-1a: short keys, no untrusted-key flooding to fear (the keys are the cue files').
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

fn parse_line(line: &str) -> std::result::Result<(String, Bits), String> {
    let cols: Vec<&str> = line.split('\t').collect();
    if !(2..=3).contains(&cols.len()) {
        return Err(format!("expected 3 tab-separated columns (text, cue, flags), found {}", cols.len()));
    }
    let text = cols[0].trim();
    let folded = fold(text);
    if folded.is_empty() {
        return Err("empty cue text".to_owned());
    }
    let kind = cols[1].trim();
    let &(_, plain, flagged) = KINDS.iter().find(|(name, _, _)| *name == kind).ok_or_else(|| {
        let known: Vec<&str> = KINDS.iter().map(|k| k.0).collect();
        format!("unknown cue {kind:?}; expected one of {}", known.join(", "))
    })?;
    let mut bits = plain;
    for flag in cols.get(2).map_or("", |f| f.trim()).split(',').map(str::trim).filter(|f| !f.is_empty()) {
        match flag {
            "ambiguous" | "weak" => bits = flagged,
            other => return Err(format!("unknown flag {other:?}; expected ambiguous or weak")),
        }
    }
    Ok((folded, bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn cues(text: &str) -> Result<Cues> {
        Cues::from_sources(&[(PathBuf::from("cues/t.tsv"), text.as_bytes().to_vec())])
    }

    /// (name, file, expected error)
    const BAD: &[(&str, &str, &str)] = &[
        ("one column", "# c\nJohn\n", "cues/t.tsv:2: expected 3 tab-separated columns (text, cue, flags), found 1"),
        ("unknown cue", "John\tgiven\t\nJohn\tfirst\t\n", "cues/t.tsv:2: unknown cue \"first\"; expected one of given, surname, family-first, syllable, connector, suffix, title, org-end, org-start, place-end, place-start, common, demonym"),
        ("unknown flag", "May\tgiven\tmaybe\n", "cues/t.tsv:1: unknown flag \"maybe\"; expected ambiguous or weak"),
        ("empty text", " \ttitle\t\n", "cues/t.tsv:1: empty cue text"),
    ];

    #[test]
    fn bad_lines_name_file_and_line() {
        for &(name, file, want) in BAD {
            assert_eq!(cues(file).unwrap_err().to_string(), want, "{name}");
        }
    }

    #[test]
    fn longest_cue_on_a_boundary() {
        let c = cues("Prime Minister\ttitle\t\nPrime\tcommon\t\nAli\tgiven\t\nInc.\torg-end\t\nJordan\tgiven\tambiguous\nJordan\tsurname\tambiguous\n").unwrap();
        let hay = "prime minister alison ali inc. jordan prime";
        assert_eq!(c.at(hay, 0, 5), Some(Cue { bits: TITLE, end: 14 }));
        assert_eq!(c.at(hay, 15, 21), None, "ali inside alison");
        assert_eq!(c.at(hay, 22, 25), Some(Cue { bits: GIVEN, end: 25 }));
        assert_eq!(c.at(hay, 26, 29), Some(Cue { bits: ORG_END, end: 30 }));
        assert_eq!(c.at(hay, 31, 37), Some(Cue { bits: GIVEN_AMBIGUOUS | SURNAME_AMBIGUOUS, end: 37 }));
        assert_eq!(c.at(hay, 38, 43), Some(Cue { bits: COMMON, end: 43 }), "a phrase's first word alone");
    }
}
