//! The names stage: persons, organisations and places that no gazetteer holds, found from the
//! cue words around capitalised word sequences (ANNIE-style: cue gazetteers, a small grammar
//! over them, orthographic co-reference in [`crate::resolve`]).
//!
//! It reads the folded text (the folding pass records where capitalised words start) and the
//! names the gazetteers already claimed, forms *chunks* of capitalised words (with the
//! connectors names contain: "of" after a head word, "de", "al-", "bin", "&"), and types each
//! chunk by evidence, in this order (the rules table of docs/found.md):
//!
//! | rule | evidence | kind |
//! |---|---|---|
//! | `designator` | an organisation designator or head word last ("Acme Corp.", "Labour Party") | organisation |
//! | `org-head` | an organisation head with "of"/"for" inside ("Ministry of Defence") | organisation |
//! | `place-key` | a place key last or first ("Helmand Province", "Mount Kenya") | place |
//! | `title` | a title or role right before ("President X", "Mr X", "spokesman X") | person |
//! | `initials` | initials before a capitalised word ("J. Smith", "George W. Bush") | person |
//! | `given-name` | a known given name first, two words or more ("Ngozi Okafor") | person |
//! | `family-name` | a family-first name then pinyin-like syllables ("Wang Yi") | person |
//! | `suffix` | a person suffix last ("Martin Luther King Jr.") | person |
//! | `surname` | a capitalised word then a known surname, nothing else known | person |
//! | `apposition` | ", " and a known country or first-level subdivision after | place |
//! | `nationality` | two or three plain words, then a country in parentheses ("Gete Wami (Ethiopia)") | person |
//! | `team` | a results or standings line ("Haitai 2 Samsung 0", "CHICAGO 71 64 .526") or "X v Y": a city's or region's name there is its club; in a sports report also results, transfers and roles around it ("joined X", "X reached 372", "X playmaker") | organisation |
//! | `org-context` | words only an organisation has around an untyped chunk ("shares of X", "X's board", "X, a Nairobi-based lender", "the" before an acronym), one sense per document | organisation |
//! | `said` | the speaker of a quotation ("..., said Osei.", "...," Osei said") | person |
//! | `scorecard` | in a sports report, after a dismissal's " b "/" c "/" st " or before bowling figures ("Vaas 7-0-29-0") | person |
//!
//! Sentence-initial and capitalised common words (from the `common` cues, built from word
//! frequencies), demonyms and titles are trimmed from a chunk's start; all-caps chunks
//! (headlines) are typed only by apposition and co-reference; a chunk with no evidence stays
//! untyped and is handed on for co-reference. A chunk equal to a gazetteer match leaves it to
//! the gazetteer; a typed chunk that strictly contains gazetteer matches replaces them
//! ("Michael Jordan" is not the country).
//!
//! The cue data and its format belong to [`cues`]; choosing entities, co-reference and ids
//! belong to [`crate::resolve`].

mod cues;
mod short_forms;

pub use cues::Cues;

use cues::{Bits, Cue};
use cues::{
    COMMON, CONNECTOR, DEMONYM, FAMILY_FIRST, FAMILY_FIRST_AMBIGUOUS, GIVEN, GIVEN_AMBIGUOUS, ORG_END, ORG_END_WEAK,
    ORG_START, PLACE_END, PLACE_END_WEAK, PLACE_START, PLACE_START_WEAK, SUFFIX, SURNAME, SURNAME_AMBIGUOUS,
    TITLE,
};

use crate::mention::{EntityKind, Rule};
use crate::text::{is_word_char, Folded};

/// A name the gazetteers already claimed, as the names stage needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub start: usize,
    pub end: usize,
    pub kind: EntityKind,
    /// A country or first-level subdivision: the right side of an apposition.
    pub region: bool,
    /// A country (national teams are not clubs).
    pub country: bool,
}

/// A chunk of capitalised words, typed or not, in original byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub start: usize,
    pub end: usize,
    /// `None`: no evidence; kept for co-reference.
    pub kind: Option<EntityKind>,
    /// The rule and the cue's span in the original text.
    pub rule: Option<(Rule, usize, usize)>,
    /// The folded words, space-separated.
    pub key: String,
    /// The folded word a shorter mention would use: a person's surname (the family name for
    /// family-first names), an organisation's first word; empty when there is none.
    pub head: String,
    /// A person's given name, when a `given` cue typed it ("Alan" for "Alan Shearer").
    pub given: String,
    /// The first letters of the capitalised words, uppercase ("OECD").
    pub initials: String,
    pub words: usize,
    /// Every word is in capitals.
    pub upper: bool,
    /// Written between parentheses: "(OECD)".
    pub parenthesised: bool,
    /// No word is common, a demonym, in capitals or claimed by a gazetteer.
    pub plain: bool,
    /// No word is claimed by a gazetteer.
    pub free: bool,
    /// A short form of the organisation whose name starts at this offset (see
    /// [`short_forms`]).
    pub refers: Option<usize>,
}

/// One word of the folded text.
#[derive(Debug, Clone, Copy)]
struct Token {
    /// Folded span; `fe` includes a final "." of an initial or an abbreviation cue.
    fs: usize,
    fe: usize,
    cap: bool,
    upper: bool,
    initial: bool,
    cue: Option<Cue>,
    /// Index of the known name covering this token.
    known: Option<usize>,
    /// Span in the original text; set for the words near capitalised ones (the only words the
    /// rules read), `(0, 0)` elsewhere.
    os: usize,
    oe: usize,
}

impl Token {
    fn bits(&self) -> Bits {
        self.cue.map_or(0, |c| c.bits)
    }
    fn has(&self, bits: Bits) -> bool {
        self.bits() & bits != 0
    }
    /// The cue covers exactly this token (not a longer phrase starting here).
    fn word_cue(&self, bits: Bits) -> bool {
        self.cue.is_some_and(|c| c.bits & bits != 0 && c.end <= self.fe)
    }
}

/// How much folded text the stage reads between two questions to `stop`.
const STOP_EVERY: usize = 16 * 1024;

/// Finds the chunks of `text` and types them. `known` is in text order, without overlaps.
/// `stop` is asked every 16 KiB of text; `None` when it said true.
pub fn find(cues: &Cues, text: &Folded<'_>, known: &[Known], stop: &dyn Fn() -> bool) -> Option<Vec<Name>> {
    let mut tokens = tokenize(text, stop)?;
    if !tokens.iter().any(|t| t.cap) {
        return Some(Vec::new());
    }
    annotate(cues, text, known, &mut tokens);
    let stage = Stage { sports: std::cell::OnceCell::new(), cues, text, hay: text.folded(), known, tokens: &tokens };
    let mut out = Vec::new();
    let (mut i, mut checked) = (0, 0);
    while i < tokens.len() {
        if tokens[i].fs / STOP_EVERY > checked {
            checked = tokens[i].fs / STOP_EVERY;
            if stop() {
                return None;
            }
        }
        if !tokens[i].cap {
            i += 1;
            continue;
        }
        let end = stage.chunk_end(i);
        stage.chunk(i, end, &mut out);
        i = end;
    }
    stage.partners(&mut out);
    stage.appositions(&mut out);
    stage.teams(&mut out);
    stage.organisations_by_context(&mut out);
    stage.speakers(&mut out);
    stage.scorecard(&mut out);
    stage.short_forms(&mut out);
    Some(out)
}

/// Splits the folded text into words, joining "O'Brien", "al-Assad", "Saint-Germain" and
/// "Jong-un", and marking initials ("J."). Only the words the rules can read are kept: the
/// capitalised ones, the two before each and the two after; one pass over the words the
/// folding marked, no byte read again.
fn tokenize(text: &Folded<'_>, stop: &dyn Fn() -> bool) -> Option<Vec<Token>> {
    let hay = text.folded();
    let bytes = hay.as_bytes();
    let capitals = text.capitals();
    // At most five words per capitalised one (it, two before, two after): never grown.
    let mut tokens: Vec<Token> = Vec::with_capacity(capitals.len() * 5);
    // The last two words not kept, oldest first; how many words after a capital to keep.
    let mut recent: [Option<(usize, usize)>; 2] = [None, None];
    let (mut after, mut next_cap, mut checked) = (0, 0, 0);
    // The folding pass marked the words: step from one to the next.
    for &(start, i) in text.words() {
        if start / STOP_EVERY > checked {
            checked = start / STOP_EVERY;
            if stop() {
                return None;
            }
        }
        while next_cap < capitals.len() && capitals[next_cap] < start {
            next_cap += 1;
        }
        let cap = capitals.get(next_cap) == Some(&start);
        if cap {
            for (s, e) in recent.iter_mut().filter_map(Option::take) {
                keep(hay, s, e, false, &mut tokens);
            }
            keep(hay, start, i, true, &mut tokens);
            after = 2;
        } else if after > 0 {
            keep(hay, start, i, false, &mut tokens);
            after -= 1;
        } else {
            recent = [recent[1], Some((start, i))];
        }
    }
    let mut hint = 0;
    for t in tokens.iter_mut().filter(|t| t.cap) {
        let (s, e) = text.span_with(&mut hint, t.fs, t.fe);
        let original = &text.original()[s..e];
        let (mut letters, mut upper) = (0, true);
        for c in original.chars().filter(|c| c.is_alphabetic()) {
            letters += 1;
            upper &= c.is_uppercase();
        }
        t.upper = letters >= 2 && upper;
        if letters == 1 && bytes.get(t.fe) == Some(&b'.') {
            t.initial = true;
            t.fe += 1;
        }
    }
    Some(tokens)
}

/// Appends the word `hay[start..end]`, or joins it to the word before it.
fn keep(hay: &str, start: usize, end: usize, cap: bool, tokens: &mut Vec<Token>) {
    // Only a one-byte gap of an apostrophe or a hyphen can join; most words are not read
    // further.
    let joinable = |prev: &Token| start == prev.fe + 1 && matches!(hay.as_bytes()[prev.fe], b'\'' | b'-');
    if let Some(prev) = tokens.last_mut().filter(|p| joinable(p)) {
        let gap = &hay[prev.fe.min(start)..start];
        let (p, n) = (&hay[prev.fs..prev.fe], &hay[start..end]);
        let join = match gap {
            // O'Brien, D'Alema; never the possessive 's.
            "'" => cap && prev.cap && p.chars().count() <= 2,
            // Saint-Germain, al-Assad, Jong-un (a short syllable after a short capitalised
            // word); never "Iran-aligned".
            "-" if cap => prev.cap || matches!(p, "al" | "el" | "bin" | "ibn" | "abu" | "abd" | "ben" | "bint"),
            "-" => prev.cap && n.len() <= 4 && p.len() <= 5 && n.chars().all(|c| c.is_ascii_lowercase()),
            _ => false,
        };
        if join {
            prev.fe = end;
            prev.cap |= cap;
            return;
        }
    }
    tokens.push(Token { fs: start, fe: end, cap, upper: false, initial: false, cue: None, known: None, os: 0, oe: 0 });
}

/// Looks up the cues of the capitalised words and of the lowercase words near them, and marks
/// the words that gazetteer names cover.
fn annotate(cues: &Cues, text: &Folded<'_>, known: &[Known], tokens: &mut [Token]) {
    let (mut next, mut hint) = (0, 0);
    for k in 0..tokens.len() {
        // A lowercase word matters only as a title or a connector, both before a capitalised
        // word.
        let near_cap = tokens[k].cap || tokens.get(k + 1).is_some_and(|t| t.cap) || tokens.get(k + 2).is_some_and(|t| t.cap);
        if !near_cap {
            continue;
        }
        if !tokens[k].initial {
            cue_of(cues, text, &mut tokens[k]);
        }
        let t = &mut tokens[k];
        (t.os, t.oe) = text.span_with(&mut hint, t.fs, t.fe);
        while next < known.len() && known[next].end <= t.os {
            next += 1;
        }
        if next < known.len() && known[next].start < t.oe {
            t.known = Some(next);
        }
    }
}

/// Looks up the longest cue at a word. An abbreviation cue takes its final dot into the word
/// ("Inc.", "Gen."), unless the dot also ends the line: then it is the sentence's.
fn cue_of(cues: &Cues, text: &Folded<'_>, token: &mut Token) {
    let hay = text.folded();
    let word_end = hay[token.fs..token.fe].find(|c: char| !is_word_char(c)).map_or(token.fe, |i| token.fs + i);
    let Some(mut cue) = cues.at(hay, token.fs, word_end) else { return };
    if cue.end == token.fe + 1 && hay.as_bytes()[token.fe] == b'.' {
        let line_end = hay[cue.end..].is_empty() || text.original()[text.end_of(cue.end)..].starts_with(['\n', '\r']);
        if line_end {
            cue.end -= 1;
        } else {
            token.fe += 1;
        }
    }
    token.cue = Some(cue);
}

struct Stage<'a, 't> {
    /// Whether the text is a sports report, once asked.
    sports: std::cell::OnceCell<bool>,
    cues: &'a Cues,
    text: &'a Folded<'t>,
    hay: &'a str,
    known: &'a [Known],
    tokens: &'a [Token],
}

/// Most words a person's name may have.
const MAX_PERSON_WORDS: usize = 5;

impl Stage<'_, '_> {
    fn start(&self, k: usize) -> usize {
        let t = &self.tokens[k];
        if t.oe > 0 { t.os } else { self.text.start_of(t.fs) }
    }
    fn end(&self, k: usize) -> usize {
        let t = &self.tokens[k];
        if t.oe > 0 { t.oe } else { self.text.end_of(t.fe) }
    }

    /// Whether tokens `a` and `a + 1` are separated by spaces alone (no line break).
    fn spaced(&self, a: usize) -> bool {
        let (x, y) = (self.tokens[a], self.tokens[a + 1]);
        if &self.hay[x.fe..y.fs] != " " {
            return false;
        }
        !self.text.original()[self.end(a)..self.start(a + 1)].contains('\n')
    }

    /// Whether token `a` is an initial written against the capitalised word after it: "J.P.
    /// Industries", "W.R. Grace", "J.R.R. Tolkien".
    fn initials_joined(&self, a: usize) -> bool {
        let (x, y) = (self.tokens[a], self.tokens[a + 1]);
        // "U.S." is the gazetteers' business, not the start of "U.S. Threats Roil Region".
        x.initial && y.cap && y.fs == x.fe && x.known.is_none()
    }

    /// Whether tokens `a` and `a + 1` are joined by "&".
    fn ampersand(&self, a: usize) -> bool {
        let (x, y) = (self.tokens[a], self.tokens[a + 1]);
        self.hay[x.fe..y.fs].trim() == "&"
    }

    /// Whether token `k` starts a sentence (or a line, or follows a quote or a parenthesis).
    fn sentence_start(&self, k: usize) -> bool {
        if k == 0 {
            return true;
        }
        let gap = &self.hay[self.tokens[k - 1].fe..self.tokens[k].fs];
        let gap = gap.trim();
        if gap.is_empty() {
            return self.text.original()[self.end(k - 1)..self.start(k)].contains('\n');
        }
        !matches!(gap, "," | "-")
    }

    /// The end (exclusive token index) of the chunk starting at capitalised token `i`.
    fn chunk_end(&self, i: usize) -> usize {
        let t = self.tokens;
        let mut j = i + 1;
        // Whether the last word is a head that an "of"/"the"/"for" may follow ("Gulf of").
        let mut head = t[i].has(ORG_START | PLACE_START);
        let mut covered = t[i].cue.map_or(0, |c| c.end);
        while j < t.len() {
            let linked = self.spaced(j - 1) || self.ampersand(j - 1) || self.initials_joined(j - 1);
            if !linked {
                break;
            }
            if t[j].cap {
                head = t[j].has(ORG_START | PLACE_START);
                covered = covered.max(t[j].cue.map_or(0, |c| c.end));
                j += 1;
                continue;
            }
            // A lowercase connector, then more capitalised words.
            let connector = t[j].has(CONNECTOR) && j + 1 < t.len() && self.spaced(j);
            let inside_cue = t[j].fe <= covered;
            let allowed = inside_cue
                || (connector && (!t[j].has(COMMON) || head))
                // "Trade and Industry Ministry": a common connector inside an organisation's
                // name, when the capitalised words after it end in a designator and the words
                // before it do not ("Harvard University and Boston University" is two).
                || (connector && self.joins_designator(i, j) && self.ends_in_designator(j + 1));
            if !allowed {
                break;
            }
            // Connectors may run ("of the"), but the chunk must end on a capitalised word.
            let mut k = j;
            while k < t.len() && !t[k].cap && (t[k].has(CONNECTOR) || t[k].fe <= covered) && k + 1 < t.len() && self.spaced(k) {
                k += 1;
            }
            if k >= t.len() || !t[k].cap {
                break;
            }
            j = k;
        }
        j
    }

    /// Whether the common connector at token `j` of the chunk from `i` may join it to a
    /// designator after it: "and", "of" or "for" after a capitalised common word that ends no
    /// name ("Trade and Industry Ministry", "Public Works and Transportation Committee"), in a
    /// chunk that no given name starts. Never after a name of its own ("Ford and National City
    /// Corp.", "FTC and Justice Department", "David Magleby of Brigham Young University").
    fn joins_designator(&self, i: usize, j: usize) -> bool {
        let t = self.tokens;
        let before = &t[j - 1];
        let word = &self.hay[t[j].fs..t[j].fe];
        matches!(word, "and" | "of" | "for")
            && before.cap
            && self.is_common_word(before)
            && before.known.is_none()
            && !before.upper
            && !before.word_cue(ORG_END | PLACE_END)
            && !t[i].word_cue(GIVEN)
    }

    /// Whether the run of spaced capitalised words from token `k` ends in a strong designator.
    fn ends_in_designator(&self, k: usize) -> bool {
        let t = self.tokens;
        let mut end = k;
        while end < t.len() && t[end].cap && (end == k || self.spaced(end - 1)) {
            end += 1;
        }
        end > k && t[end - 1].word_cue(ORG_END)
    }

    /// Types the chunk of tokens `a..b` and appends what it finds.
    fn chunk(&self, mut a: usize, b: usize, out: &mut Vec<Name>) {
        let t = self.tokens;
        if t[a..b].iter().all(|x| x.upper) {
            // A headline: co-reference may still tie its words to names found in the body.
            for k in a..b {
                self.push(k, k + 1, None, out);
            }
            return;
        }
        // Leading connectors and a sentence's first common word are not part of a name, unless
        // the name needs it (see `keeps_first`).
        while a < b && (t[a].has(CONNECTOR) && t[a].has(COMMON) || (self.sentence_start(a) && self.is_common(a) && !self.keeps_first(a, b))) {
            a += 1;
        }
        if a >= b {
            return;
        }
        // "Mr. Lane", "Mrs. Hills": an honorific (a short title) names a person whatever head
        // word follows.
        let honorific = t[a].word_cue(TITLE) && t[a].fe - t[a].fs <= 4 && b - a <= 4;
        if let Some((kind, rule, cue)) = self.organisation_or_place(a, b).filter(|_| !honorific) {
            self.push(a, b, Some((kind, rule, cue)), out);
            return;
        }
        // A title inside the chunk splits it: what comes before is a chunk of its own, what
        // comes after is the person the title names.
        let title_at = (a..b).find(|&k| t[k].has(TITLE) && !t[k].has(GIVEN));
        if let Some(k) = title_at {
            let cover_end = t[k].cue.map_or(t[k].fe, |c| c.end);
            let mut after = k + 1;
            while after < b && t[after].fe <= cover_end {
                after += 1;
            }
            if k > a {
                self.chunk(a, k, out);
            }
            if after < b {
                let cue = (self.start(k), self.end(after - 1));
                self.person(after, b, Some(cue), out);
            }
            return;
        }
        let before = self.title_before(a);
        self.person(a, b, before, out);
    }

    /// Whether the common word that starts the chunk `a..b` at a sentence's start belongs to
    /// the name: a gazetteer name starts at it and runs on inside the chunk ("American Express
    /// Co."), or a strong designator ends the chunk and the word is no function word ("First
    /// Chicago Corp.", "Consolidated Rail Corp."; not "The Acme Corp.", "When Acme Inc.").
    fn keeps_first(&self, a: usize, b: usize) -> bool {
        let t = self.tokens;
        if b - a < 2 || t[a].upper || t[a].has(CONNECTOR) {
            return false;
        }
        let starts_known = t[a].known.is_some_and(|k| {
            let k = &self.known[k];
            k.start == self.start(a) && k.end > self.end(a) && k.end <= self.end(b - 1)
        });
        if starts_known {
            return true;
        }
        let word = &self.hay[t[a].fs..t[a].fe];
        t[b - 1].word_cue(ORG_END) && !t[a].has(DEMONYM | TITLE) && OPENERS.binary_search(&word).is_err()
    }

    fn is_common(&self, k: usize) -> bool {
        self.is_common_word(&self.tokens[k])
    }

    fn is_common_word(&self, t: &Token) -> bool {
        t.has(COMMON | DEMONYM) && !t.word_cue(GIVEN) && !t.initial
    }

    /// A lowercase title or role right before token `a` ("spokesman", "chief executive").
    fn title_before(&self, a: usize) -> Option<(usize, usize)> {
        let t = self.tokens;
        (a.saturating_sub(2)..a).find_map(|k| {
            let cue = t[k].cue?;
            let ends_here = (k..a).all(|m| t[m].fe <= cue.end) && cue.end <= t[a].fs && self.spaced(a - 1);
            (cue.bits & TITLE != 0 && ends_here).then(|| (self.start(k), self.end(a - 1)))
        })
    }

    /// The designator, head and place-key rules.
    fn organisation_or_place(&self, a: usize, b: usize) -> Option<(EntityKind, Rule, (usize, usize))> {
        let t = self.tokens;
        let last = &t[b - 1];
        let words = b - a;
        // "Anthony Hill": a given name first and a surname last is a person, even where the
        // surname is also a weak head word.
        if words == 2 && t[a].word_cue(GIVEN) && last.word_cue(SURNAME | SURNAME_AMBIGUOUS) && !last.word_cue(ORG_END | PLACE_END) {
            return None;
        }
        let strong_before = |k: usize| k > a && !self.is_common(k - 1);
        // "Procter & Gamble", "Ogilvy & Mather": no one person's name holds an ampersand.
        if let Some(k) = (a..b - 1).find(|&k| self.ampersand(k)) {
            let (s, e) = (self.end(k), self.start(k + 1));
            let at = s + self.text.original()[s..e].find('&').unwrap_or(0);
            return Some((EntityKind::Organization, Rule::Designator, (at, at + 1)));
        }
        if words >= 2 && last.word_cue(ORG_END) {
            return Some((EntityKind::Organization, Rule::Designator, self.cue_span(b - 1)));
        }
        // An org head with "of" inside: the cue covers the connector, and a word follows it.
        if let Some(k) = (a..b).find(|&k| t[k].has(ORG_START) && t[k].cue.is_some_and(|c| c.end < t[b - 1].fe)) {
            return Some((EntityKind::Organization, Rule::OrgHead, self.cue_span(k)));
        }
        if words >= 2 && last.word_cue(PLACE_END) {
            return Some((EntityKind::Place, Rule::PlaceKey, self.cue_span(b - 1)));
        }
        if words >= 2 && t[a].has(PLACE_START) && t[a].cue.is_some_and(|c| c.end < t[b - 1].fe) {
            return Some((EntityKind::Place, Rule::PlaceKey, self.cue_span(a)));
        }
        if words >= 2 && last.word_cue(ORG_END_WEAK) && strong_before(b - 1) && t[a..b - 1].iter().all(|x| !x.has(TITLE)) {
            return Some((EntityKind::Organization, Rule::Designator, self.cue_span(b - 1)));
        }
        if words >= 2 && last.word_cue(PLACE_END_WEAK) && strong_before(b - 1) {
            return Some((EntityKind::Place, Rule::PlaceKey, self.cue_span(b - 1)));
        }
        if words >= 2 && t[a].has(PLACE_START_WEAK) && !self.is_common(a + 1) && t[a].cue.is_some_and(|c| c.end < t[b - 1].fe) {
            return Some((EntityKind::Place, Rule::PlaceKey, self.cue_span(a)));
        }
        None
    }

    /// The person rules over tokens `a..b`; `title` is the span of a title before them.
    fn person(&self, mut a: usize, b: usize, title: Option<(usize, usize)>, out: &mut Vec<Name>) {
        let t = self.tokens;
        // Common words and demonyms before the name ("Yesterday", "Russian").
        while a < b && self.is_common(a) && !(title.is_some() && a + 1 == b) {
            // "Bob Dole" inside a sentence: an ambiguous given name stays for the rules below.
            if t[a].word_cue(GIVEN_AMBIGUOUS) && a + 1 < b && !self.sentence_start(a) {
                break;
            }
            a += 1;
        }
        if a >= b {
            return;
        }
        let words = b - a;
        if words > MAX_PERSON_WORDS {
            // A list or a headline run, not one name.
            self.push(a, b, None, out);
            return;
        }
        let first = &t[a];
        let last = &t[b - 1];
        if let Some(span) = title {
            return self.push(a, b, Some((EntityKind::Person, Rule::Title, span)), out);
        }
        let rule: Option<(Rule, usize)> = if words >= 2 && (first.initial || (a + 1..b - 1).any(|k| t[k].initial)) && !last.initial {
            Some((Rule::Initials, if first.initial { a } else { (a + 1..b).find(|&k| t[k].initial).unwrap_or(a) }))
        } else if words >= 2
            && ((first.word_cue(GIVEN) && !last.initial) || (first.word_cue(GIVEN_AMBIGUOUS) && last.word_cue(SURNAME)))
        {
            Some((Rule::GivenName, a))
        } else if words == 2 && first.word_cue(GIVEN_AMBIGUOUS) && !self.sentence_start(a) && !self.is_common(a + 1) && !last.upper && !last.has(ORG_END | PLACE_END) {
            // "Bob Dole" inside a sentence: an ambiguous given name before a capitalised word
            // that is no common word.
            Some((Rule::GivenName, a))
        } else if (2..=3).contains(&words)
            && first.word_cue(FAMILY_FIRST | FAMILY_FIRST_AMBIGUOUS)
            && t[a + 1..b].iter().all(|x| self.syllables(x))
            && (first.word_cue(FAMILY_FIRST) || t[a + 1..b].iter().all(|x| self.syllables(x) && x.fe - x.fs > 3))
        {
            Some((Rule::FamilyName, a))
        } else if words >= 2 && last.word_cue(SUFFIX) && !self.is_common(a) {
            Some((Rule::Suffix, b - 1))
        } else if (2..=3).contains(&words)
            && last.word_cue(SURNAME)
            && !last.has(SURNAME_AMBIGUOUS)
            && t[a..b].iter().all(|x| x.known.is_none() && !x.has(COMMON | DEMONYM) && !x.upper)
        {
            Some((Rule::Surname, b - 1))
        } else {
            None
        };
        match rule {
            Some((rule, k)) => self.push(a, b, Some((EntityKind::Person, rule, self.cue_span(k))), out),
            None => self.push(a, b, None, out),
        }
    }

    /// Whether a word is one or two pinyin syllables, or a hyphenated pair ("Jong-un").
    fn syllables(&self, x: &Token) -> bool {
        let w = &self.hay[x.fs..x.fe];
        if let Some((p, q)) = w.split_once('-') {
            return !p.is_empty() && !q.is_empty() && p.len() <= 5 && q.len() <= 5;
        }
        let is = |s: &str| self.cues.is_syllable(s);
        is(w) || (1..w.len()).any(|k| w.is_char_boundary(k) && is(&w[..k]) && is(&w[k..]))
    }

    /// The span of token `k`'s cue in the original text.
    fn cue_span(&self, k: usize) -> (usize, usize) {
        let t = &self.tokens[k];
        let cover = t.cue.map_or(t.fe, |c| c.end.max(t.fe));
        (self.start(k), self.text.end_of(cover))
    }

    /// Appends the chunk `a..b`, typed or not. A typed chunk equal to a gazetteer name, or
    /// overlapping one only in part, is left to the gazetteer; an untyped chunk is kept for
    /// co-reference.
    fn push(&self, a: usize, b: usize, typed: Option<(EntityKind, Rule, (usize, usize))>, out: &mut Vec<Name>) {
        let t = self.tokens;
        let (start, end) = (self.start(a), self.end(b - 1));
        let mut kind = typed.map(|x| x.0);
        let mut rule = typed.map(|(_, r, (s, e))| (r, s, e));
        if kind.is_some() {
            let touching: Vec<&Known> = t[a..b].iter().filter_map(|x| x.known).map(|k| &self.known[k]).collect();
            let equal = touching.iter().any(|k| k.start == start && k.end == end);
            let partial = touching.iter().any(|k| k.start < start || k.end > end);
            if equal || partial {
                kind = None;
                rule = None;
            }
        }
        if kind.is_none() && b - a > 2 * MAX_PERSON_WORDS {
            // A run of capitalised words longer than any name: nothing to refer to.
            return;
        }
        if kind.is_none() && b - a == 1 && (t[a].known.is_some() || t[a].initial || t[a].fe - t[a].fs < 2) {
            // A single word the gazetteers claimed, or a lone letter: nothing for co-reference
            // to add (and "A.A.A." would otherwise be half a million names to compare).
            return;
        }
        let key: Vec<&str> = t[a..b].iter().map(|x| self.hay[x.fs..x.fe].trim_end_matches('.')).collect();
        let head = match kind {
            Some(EntityKind::Person) if b - a >= 2 => {
                let family_first = t[a].word_cue(FAMILY_FIRST | FAMILY_FIRST_AMBIGUOUS) && t[a + 1..b].iter().all(|x| self.syllables(x));
                let mut h = if family_first { a } else { b - 1 };
                if !family_first && t[h].has(SUFFIX) && h > a {
                    h -= 1;
                }
                key[h - a].to_owned()
            }
            Some(EntityKind::Organization) if b - a >= 2 && !self.is_common(a) && !t[a].has(ORG_START | TITLE) => key[0].to_owned(),
            _ => String::new(),
        };
        let given = match (kind, rule) {
            (Some(EntityKind::Person), Some((Rule::GivenName, _, _))) => key[0].to_owned(),
            _ => String::new(),
        };
        let initials = t[a..b]
            .iter()
            .filter(|x| x.cap)
            .filter_map(|x| self.hay[x.fs..].chars().next())
            .flat_map(char::to_uppercase)
            .collect();
        let original = self.text.original();
        out.push(Name {
            start,
            end,
            kind,
            rule,
            key: key.join(" "),
            head,
            given,
            initials,
            words: b - a,
            upper: t[a..b].iter().all(|x| x.upper),
            parenthesised: original[..start].ends_with('(') && original[end..].starts_with(')'),
            plain: t[a..b].iter().all(|x| x.known.is_none() && !x.upper && !self.is_common_word(x)),
            free: t[a..b].iter().all(|x| x.known.is_none()),
            refers: None,
        });
    }

    /// "Springfield, Illinois": an untyped chunk before ", " and a known country or
    /// first-level subdivision is a place.
    fn appositions(&self, out: &mut [Name]) {
        let original = self.text.original();
        let mut next = 0;
        for name in out.iter_mut() {
            if name.kind.is_some() || name.words > 3 || !name.free {
                continue;
            }
            let rest = &original[name.end..];
            let Some(after) = rest.strip_prefix(", ") else { continue };
            let at = name.end + 2 + (after.len() - after.trim_start().len());
            while next < self.known.len() && self.known[next].start < at {
                next += 1;
            }
            if let Some(k) = self.known.get(next).filter(|k| k.start == at && k.region && k.kind == EntityKind::Place) {
                name.kind = Some(EntityKind::Place);
                name.rule = Some((Rule::Apposition, k.start, k.end));
            }
        }
        // "Gete Wami (Ethiopia)": a name of two or three plain words, then a country in
        // parentheses, is an athlete or a delegate, unless a score follows (a team).
        for name in out.iter_mut() {
            if name.kind.is_some() || !name.plain || !(2..=3).contains(&name.words) {
                continue;
            }
            let at = name.end + 2;
            if !original[name.end..].starts_with(" (") {
                continue;
            }
            let k = self.known.partition_point(|k| k.start < at);
            let Some(k) = self.known.get(k).filter(|k| k.start == at && k.country) else { continue };
            let Some(rest) = original[k.end..].strip_prefix(')') else { continue };
            // A score is a whole number; a time or a distance ("15:05.41", "8.45") is an
            // athlete's.
            let number = rest.trim_start_matches(' ');
            let digits = number.bytes().take_while(u8::is_ascii_digit).count();
            let measured = number[digits..].starts_with([':', '.']) && number[digits + 1..].starts_with(|c: char| c.is_ascii_digit());
            if digits > 0 && !measured && rest.starts_with(' ') {
                continue;
            }
            name.kind = Some(EntityKind::Person);
            name.rule = Some((Rule::Nationality, k.start, k.end));
            name.head = name.key.rsplit(' ').next().unwrap_or_default().to_owned();
        }
    }

    /// Organisations known by a bare name: an untyped chunk with words around it that only an
    /// organisation has ([`org_context`]: "shares of X", "X's chairman", "X officials", "X, a
    /// Nairobi-based lender"). One sense per document: the chunk's words are that organisation
    /// wherever else they stand untyped, unless they are a person's surname or given name here.
    fn organisations_by_context(&self, out: &mut [Name]) {
        let text = self.text.original();
        // An acronym counts inside a sentence, not in a headline.
        let acronym = |n: &Name| n.upper && n.words == 1 && is_acronym(&n.key) && !in_capitals_line(text, n.start, n.end);
        // A firm named after a person ("Campbell Soup", "W.R. Grace") is typed a person by its
        // given name or initials; its context retypes it.
        let by_name = |n: &Name| {
            n.kind == Some(EntityKind::Person) && n.rule.is_some_and(|r| matches!(r.0, Rule::GivenName | Rule::Initials)) && (2..=4).contains(&n.words)
        };
        let candidate = |n: &Name| n.free && n.words <= 4 && (n.kind.is_none() && (!n.upper || acronym(n)) || by_name(n));
        let mut cued: Vec<(usize, (usize, usize))> = Vec::new();
        for (k, n) in out.iter().enumerate().filter(|(_, n)| candidate(n)) {
            let the = || the_before(text, n.start).filter(|_| n.upper && !capital_after(text, n.end));
            // A person has a spokesman too.
            let cue = org_context(text, n.start, n.end).filter(|&(s, _)| !(by_name(n) && text[s..].starts_with("spokes")));
            if let Some(cue) = cue.or_else(the) {
                cued.push((k, cue));
            }
        }
        if cued.is_empty() {
            return;
        }
        // "diethylstilbestrol (DES)": an acronym defined by lowercase words is a thing's.
        let things: Vec<&str> = out
            .iter()
            .filter(|n| n.upper && n.parenthesised && text[..n.start - 1].trim_end().ends_with(|c: char| c.is_lowercase()))
            .map(|n| n.key.as_str())
            .collect();
        let persons: Vec<&str> = out
            .iter()
            .filter(|n| n.kind == Some(EntityKind::Person))
            .flat_map(|n| [n.head.as_str(), n.given.as_str()])
            .filter(|w| !w.is_empty())
            .collect();
        let mut senses: Vec<(String, (usize, usize))> = Vec::with_capacity(cued.len());
        for &(k, cue) in &cued {
            if out[k].words == 1 && (persons.contains(&out[k].key.as_str()) || things.contains(&out[k].key.as_str())) {
                continue;
            }
            senses.push((out[k].key.clone(), cue));
        }
        for n in out.iter_mut().filter(|n| candidate(n)) {
            if let Some(&(_, (cs, ce))) = senses.iter().find(|s| s.0 == n.key) {
                n.kind = Some(EntityKind::Organization);
                n.rule = Some((Rule::OrgContext, cs, ce));
                n.given.clear();
                if n.words >= 2 {
                    n.head = n.key.split(' ').next().unwrap_or_default().to_owned();
                }
            }
        }
    }

    /// "..., said Webber.", "...," Webber said.": an untyped chunk of one to three words right
    /// after "said " or "says " that ends the sentence or the clause, or between the end of a
    /// quotation and "said", "says" or "told", is the speaker, a person (an organisation that
    /// speaks is mostly written "X said" without the quotation). Never an acronym or a headline
    /// word.
    fn speakers(&self, out: &mut [Name]) {
        let text = self.text.original();
        for n in out.iter_mut().filter(|n| n.kind.is_none() && n.free && !n.upper && n.words <= 3) {
            let before = &text[..n.start];
            let quoted = [",\" ", ",\u{201d} ", "?\" ", "!\" "].iter().any(|q| before.ends_with(q));
            if quoted {
                let after = &text[n.end..];
                if let Some(v) = [" said", " says", " told"].iter().find(|v| after.starts_with(**v) && !after[v.len()..].starts_with(|c: char| c.is_alphanumeric())) {
                    n.kind = Some(EntityKind::Person);
                    n.rule = Some((Rule::Said, n.end + 1, n.end + v.len()));
                    n.head = n.key.rsplit(' ').next().unwrap_or_default().to_owned();
                    continue;
                }
            }
            let Some(verb) = ["said ", "says "].iter().find(|v| before.ends_with(**v)) else { continue };
            let at = n.start - verb.len();
            if before[..at].ends_with(|c: char| c.is_alphanumeric()) {
                continue;
            }
            let ends = text[n.end..].starts_with(['.', ',', ';']) || text[n.end..].is_empty();
            if ends {
                n.kind = Some(EntityKind::Person);
                n.rule = Some((Rule::Said, at, at + 4));
                n.head = n.key.rsplit(' ').next().unwrap_or_default().to_owned();
            }
        }
    }

    /// A cricket scorecard in a sports report: an untyped chunk of one to three words after the
    /// dismissal's " b " (bowled), " c " (caught) or " st " (stumped), or before a bowler's
    /// figures ("Vaas 7-0-29-0"), is a player.
    fn scorecard(&self, out: &mut [Name]) {
        let text = self.text.original();
        let mut asked = false;
        for n in out.iter_mut().filter(|n| n.kind.is_none() && n.free && !n.upper && n.words <= 3) {
            let before = &text[..n.start];
            let dismissal = [" b ", " c ", " st ", "\nb ", "\nc "].iter().find(|d| before.ends_with(**d)).map(|d| (n.start - d.len() + 1, n.start - 1));
            let figures = bowling_figures(&text[n.end..]).then(|| (n.end + 1, n.end + 1 + text[n.end + 1..].find([',', ' ', '\n']).unwrap_or(text.len() - n.end - 1)));
            let Some(cue) = dismissal.or(figures) else { continue };
            if !asked && !self.sports_report_cached() {
                return;
            }
            asked = true;
            n.kind = Some(EntityKind::Person);
            n.rule = Some((Rule::Scorecard, cue.0, cue.1));
            n.head = n.key.rsplit(' ').next().unwrap_or_default().to_owned();
        }
    }

    /// "Atlanta's Tom Glavine": a person named right after the possessive at `end`; the span of
    /// the "'s".
    fn player_after(&self, out: &[Name], end: usize) -> Option<(usize, usize)> {
        let text = self.text.original();
        let n = ["'s ", "\u{2019}s "].iter().find(|p| text[end..].starts_with(**p))?.len();
        let at = end + n;
        let found = out.get(out.partition_point(|x| x.start < at)).is_some_and(|x| x.start == at && x.kind == Some(EntityKind::Person));
        let known = self.known.get(self.known.partition_point(|k| k.start < at)).is_some_and(|k| k.start == at && k.kind == EntityKind::Person);
        (found || known).then_some((end, end + n - 1))
    }

    /// A score inside a line of results in a sports report: "..., Kent 108-3", "Warwickshire
    /// 195, Surrey 429-7": after a comma or a colon, a score with a hyphen or a comma after it.
    fn score_line(&self, text: &str, start: usize, end: usize) -> bool {
        let before = text[..start].trim_end_matches(' ');
        let after_list = before.ends_with([',', ':']);
        let Some((_, e)) = score_after(text, end) else { return false };
        // "108-3", "195," or "244 (": never a bowler's figures, "10-0-41-2".
        let rest = &text[e..];
        let wickets = rest.strip_prefix('-').map(|r| {
            let d = r.bytes().take_while(u8::is_ascii_digit).count();
            // A full stop ends the line of results ("Kent 108-3."); "4-55.5" or "10-0-41-2" go on.
            let stop = r[d..].strip_prefix('.').is_some_and(|a| a.is_empty() || a.starts_with([' ', '\n', '\r']));
            (1..=2).contains(&d) && (stop || !r[d..].starts_with(['-', '.']))
        });
        // A side's two innings: "Sussex 363 and 144", "Hampshire 232 and 109-5".
        let innings = rest.strip_prefix(" and ").is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
        let result = wickets.unwrap_or_else(|| innings || rest.starts_with([',', ';']) || rest.starts_with(" ("));
        // Not a batsman's or a scorer's line inside parentheses: "(P. Johnson 84; M. McCague 4-55)".
        let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let open = line.bytes().filter(|&b| b == b'(').count() > line.bytes().filter(|&b| b == b')').count();
        // Headlines and all-caps texts: not read as lines of results.
        let cased = text[start..end].chars().any(char::is_lowercase);
        after_list && result && !open && cased && self.sports_report_cached()
    }

    /// [`Stage::sports_report`], asked once.
    fn sports_report_cached(&self) -> bool {
        *self.sports.get_or_init(|| self.sports_report())
    }

    /// Whether at least [`SPORTS_WORDS_NEEDED`] of the text's words are sports words, or the
    /// text opens with a wire service's sports slug ("CRICKET - ...", "RUGBY UNION - ...").
    fn sports_report(&self) -> bool {
        if sports_slug(self.text.original()) {
            return true;
        }
        let mut seen = 0;
        for &(s, e) in self.text.words() {
            let word = &self.hay[s..e];
            if (4..=14).contains(&word.len()) && SPORTS_WORDS.binary_search(&word).is_ok() {
                seen += 1;
                if seen >= SPORTS_WORDS_NEEDED {
                    return true;
                }
            }
        }
        false
    }

    /// "Goldman, Sachs & Co.", "Mayer, Brown & Platt": a firm named after its partners lists
    /// them with commas before the "&". An untyped capitalised chunk of at most three words
    /// right before ", " joins an organisation whose name holds an "&".
    fn partners(&self, out: &mut Vec<Name>) {
        let text = self.text.original();
        let mut k = out.len();
        while k > 1 {
            k -= 1;
            let cur = &out[k];
            let firm = cur.kind == Some(EntityKind::Organization) && text[cur.start..cur.end].contains(" & ");
            if !firm {
                continue;
            }
            let prev = &out[k - 1];
            let partner = prev.kind.is_none() && prev.free && !prev.upper && prev.words <= 3 && prev.end + 2 == cur.start && text[prev.end..cur.start] == *", ";
            if !partner {
                continue;
            }
            let prev = out.remove(k - 1);
            let cur = &mut out[k - 1];
            cur.start = prev.start;
            cur.key = format!("{} {}", prev.key, cur.key);
            cur.head = prev.key.split(' ').next().unwrap_or_default().to_owned();
            cur.initials = format!("{}{}", prev.initials, cur.initials);
            cur.words += prev.words;
            cur.plain &= prev.plain;
            // Runs: "Donaldson, Lufkin & Jenrette" is met again with the next partner.
            k = k.min(out.len());
        }
    }

    /// Sports results and standings: a place's name (not a country's) or an untyped chunk
    /// followed by a score, on a line that starts with one ("Haitai 2 Samsung 0", "CHICAGO 71
    /// 64 .526 10", "Surrey 429-7"), or on either side of " v " / " vs " ("Surrey v Kent"), is
    /// a club. In a sports report ([`SPORTS_WORDS`]) so is one beside a result verb
    /// ("Leicestershire beat Somerset"), after "against", before a team role ("Surrey
    /// captain"), or in a line of results after a comma ("..., Kent 108-3"); there a
    /// capitalised common word ("Reading") may be a club too. Never a word that is a person's
    /// surname or given name in the text. The club's words are the club all through the text;
    /// co-reference carries it to gazetteer places.
    fn teams(&self, out: &mut Vec<Name>) {
        let text = self.text.original();
        let mut added = Vec::new();
        // Untyped chunks, chunks that are places only by a place key ("Crystal Palace", "Kansas
        // City") and gazetteer places, in text order; `true`: a capitalised common word.
        let candidate = |n: &Name| (n.kind.is_none() && n.free) || n.rule.is_some_and(|r| r.0 == Rule::PlaceKey);
        let mut spans: Vec<(usize, usize, Option<usize>, bool)> =
            out.iter().enumerate().filter(|(_, n)| candidate(n)).map(|(k, n)| (n.start, n.end, Some(k), false)).collect();
        // A gazetteer place inside a candidate chunk is the chunk's business ("San Diego" is
        // also a chunk, not free: the place's span stands).
        let inside = |s: usize, e: usize| {
            let n = out.partition_point(|n| n.end <= s);
            out.get(n).is_some_and(|n| n.start < e && candidate(n))
        };
        spans.extend(
            self.known
                .iter()
                .filter(|k| k.kind == EntityKind::Place && !k.country && !inside(k.start, k.end))
                .map(|k| (k.start, k.end, None, false)),
        );
        // A capitalised common word alone inside a sentence ("Somerset", "Reading") is a club
        // only in a sports report.
        let t = self.tokens;
        let commons: Vec<(usize, usize, Option<usize>, bool)> = (0..t.len())
            .filter(|&k| {
                t[k].cap
                    && !t[k].upper
                    && t[k].known.is_none()
                    && self.is_common_word(&t[k])
                    && !t[k].has(TITLE | ORG_START | PLACE_START | DEMONYM)
                    && !(k + 1 < t.len() && t[k + 1].cap && self.spaced(k))
            })
            // `true`: inside a sentence, where a cue may make it a club; at a sentence's start
            // ("Somerset got a solid start") it can only be one the document already has.
            .map(|k| (self.start(k), self.end(k), None, !self.sentence_start(k)))
            .filter(|s| !inside(s.0, s.1))
            .collect();
        // Asking whether the text is a sports report costs a pass over its words: only when a
        // common word has a prose cue of its own.
        let cued = |&&(start, end, _, _): &&(usize, usize, Option<usize>, bool)| {
            against(text, start).is_some()
                || score_after(text, end).is_some() && (line_start(text, start) || number_before(text, start))
                || team_role_after(text, end).is_some()
                || score_verb_after(text, end).is_some()
                || carried_to_score(text, start, end).is_some()
                || final_score_near(text, start, end).is_some()
                || verb_beside(text, start, end)
        };
        if commons.iter().filter(|c| c.3).any(|c| cued(&c)) && self.sports_report_cached() {
            spans.extend(commons.iter().filter(|c| c.3));
        }
        spans.sort_unstable();
        // A surname or given name of the document's persons: "Jansher beat Eyles" in a squash
        // report is two players, not two clubs. Asked only of a name that has a cue.
        let person_word = |out: &[Name], start: usize, end: usize| {
            let key = crate::text::fold(&text[start..end]);
            out.iter().any(|n| n.kind == Some(EntityKind::Person) && (n.head == key || n.given == key))
        };
        for (i, &(start, end, name, _)) in spans.iter().enumerate() {
            let cue = score_after(text, end)
                .filter(|_| line_start(text, start) || number_before(text, start) || self.score_line(text, start, end))
                .or_else(|| {
                    let versus = |a: usize, b: usize| (a < b).then(|| versus(&text[a..b])).flatten().map(|(s, e)| (a + s, a + e));
                    let next = spans.get(i + 1).and_then(|n| versus(end, n.0));
                    let prev = i.checked_sub(1).and_then(|p| versus(spans[p].1, start));
                    next.or(prev)
                });
            // In a sports report: "Leicestershire beat Somerset", "against Yorkshire", "Surrey
            // captain Chris Lewis".
            let cue = cue.or_else(|| {
                let next = spans.get(i + 1).filter(|n| n.0 > end).and_then(|n| result_verb(&text[end..n.0]).map(|(s, e)| (end + s, end + e)));
                let prev = i.checked_sub(1).filter(|&p| spans[p].1 < start).and_then(|p| {
                    let a = spans[p].1;
                    result_verb(&text[a..start]).map(|(s, e)| (a + s, a + e))
                });
                let cue = next
                    .or(prev)
                    .or_else(|| against(text, start))
                    .or_else(|| team_role_after(text, end))
                    .or_else(|| score_verb_after(text, end))
                    .or_else(|| carried_to_score(text, start, end))
                    .or_else(|| final_score_near(text, start, end))
                    .or_else(|| self.player_after(out, end))?;
                self.sports_report_cached().then_some(cue)
            });
            let Some((cs, ce)) = cue else { continue };
            if name.is_none_or(|k| out[k].words == 1) && person_word(out, start, end) {
                continue;
            }
            match name {
                Some(k) => {
                    out[k].kind = Some(EntityKind::Organization);
                    out[k].rule = Some((Rule::Team, cs, ce));
                }
                None => added.push(club_name(text, start, end, (cs, ce))),
            }
        }
        // One sense per document for the common words: "Somerset" is the club all through,
        // before its cue as after it.
        let clubs: Vec<(String, (usize, usize))> = out
            .iter()
            .chain(&added)
            .filter(|n| n.kind == Some(EntityKind::Organization))
            .filter_map(|n| n.rule.filter(|r| r.0 == Rule::Team).map(|r| (n.key.clone(), (r.1, r.2))))
            .collect();
        // Untyped chunks with a club's words, wherever they are ("Essex, Derbyshire and Surrey
        // all closed in" before "Derbyshire 471").
        for n in out.iter_mut().filter(|n| !clubs.is_empty() && n.kind.is_none() && n.free) {
            if let Some(&(_, (cs, ce))) = clubs.iter().find(|c| c.0 == n.key) {
                n.kind = Some(EntityKind::Organization);
                n.rule = Some((Rule::Team, cs, ce));
            }
        }
        if self.sports.get() == Some(&true) && !commons.is_empty() {
            for &(start, end, _, _) in &commons {
                let key = crate::text::fold(&text[start..end]);
                let taken = added.iter().any(|n| n.start == start);
                if let Some(&(_, (cs, ce))) = clubs.iter().find(|c| c.0 == key).filter(|_| !taken) {
                    added.push(club_name(text, start, end, (cs, ce)));
                }
            }
        }
        if !added.is_empty() {
            out.append(&mut added);
            out.sort_by_key(|n| n.start);
        }
    }
}

#[cfg(test)]
mod tests;

/// Words that make a text a sports report when at least [`SPORTS_WORDS_NEEDED`] of its words
/// are among them: the vocabulary of match reports and results, not of business or politics
/// ("match", "season", "cup" and "points" are left out: they are common outside sport).
/// Sorted: it is searched by bisection. Folded words have no hyphens ("semi-final" is two).
const SPORTS_WORDS: &[&str] = &[
    "baseball", "basketball", "batsman", "batsmen", "bowled", "bowler", "bowlers", "captain", "champions",
    "championship", "coach", "cricket", "defender", "equaliser", "equalizer", "fixtures", "football", "goal",
    "goalkeeper", "goals", "halftime", "hockey", "homer", "homers", "inning", "innings", "league",
    "midfielder", "penalties", "penalty", "pitcher", "playoff", "playoffs", "quarterback", "quarterfinal",
    "referee", "relegated", "relegation", "rugby", "scored", "semifinal", "skipper", "soccer", "stadium",
    "striker", "touchdown", "tournament", "unbeaten", "wicket", "wickets", "winger",
];

/// Words that open a sentence without being part of the name after them: the function words
/// (`gazetteers/tools/cue_lists/function_words.txt`) and the adverbs news sentences start with.
/// Sorted: it is searched by bisection.
const OPENERS: &[&str] = &[
    "a", "about", "above", "according", "across", "after", "again", "against", "all", "along", "also", "although",
    "among", "an", "and", "another", "any", "are", "around", "as", "at", "because", "before", "behind", "below",
    "besides", "between", "both", "but", "by", "despite", "during", "each", "earlier", "either", "even", "every",
    "for", "former", "from", "has", "have", "he", "her", "here", "his", "how", "however", "if", "in", "including",
    "inside", "into", "is", "it", "its", "last", "later", "like", "many", "meanwhile", "more", "most", "much",
    "near", "neither", "next", "no", "nor", "not", "now", "of", "on", "once", "only", "or", "other", "our", "over",
    "rival", "several", "she", "since", "so", "some", "such", "than", "that", "the", "their", "then", "there",
    "these", "they", "this", "those", "though", "through", "to", "today", "under", "unlike", "until", "was", "we",
    "were", "what", "when", "where", "whether", "which", "while", "who", "why", "with", "within", "without", "yesterday",
    "yet",
];

/// How many words of [`SPORTS_WORDS`] make a sports report.
const SPORTS_WORDS_NEEDED: usize = 3;

/// A result verb alone between two names ("Leicestershire beat Somerset", "Kent drew with
/// Sussex", "Detroit beat the Angels"): its span within `gap`.
fn result_verb(gap: &str) -> Option<(usize, usize)> {
    const VERBS: &[&str] = &[
        "beat", "beats", "defeated", "defeat", "defeats", "edged", "thrashed", "routed", "crushed", "hammered",
        "trounced", "downed", "overcame", "outclassed", "blanked", "drew with", "draw with", "draws with", "lost to", "lose to",
        "loses to", "fell to",
    ];
    let words = gap.trim_matches(' ');
    // "the" may follow: "the Yankees beat the Angels".
    let word = words.strip_suffix(" the").unwrap_or(words);
    if words.len() + 2 != gap.len() || !VERBS.contains(&word) {
        return None;
    }
    Some((1, 1 + word.len()))
}

/// A result verb and a capitalised word on either side of `start..end` ("X beat Reading",
/// "Reading beat X").
fn verb_beside(text: &str, start: usize, end: usize) -> bool {
    let after = &text[end..];
    let next_cap = after.char_indices().skip(1).find(|&(_, c)| !c.is_ascii_lowercase() && c != ' ');
    let forward = next_cap.is_some_and(|(i, c)| c.is_uppercase() && result_verb(&after[..i]).is_some());
    // The gap before is one or two lowercase words between spaces, after a capitalised word.
    let before = &text[..start];
    let backward = [1, 2].iter().any(|&words| {
        let mut at = before.len();
        for _ in 0..words {
            let head = &before[..at];
            let Some(space) = head.strip_suffix(' ').unwrap_or(head).rfind(' ') else { return false };
            at = space;
        }
        let previous = before[..at].rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
        previous.starts_with(char::is_uppercase) && result_verb(&before[at..]).is_some()
    });
    forward || backward
}

/// Words right before a club in a sports report: "against", "v", "versus" ("their match
/// against Nottinghamshire"), and the phrases of results and transfers ("winners over
/// Worcestershire", "joined Newcastle", "played for Nice"). Lowercase, without the space
/// before the name.
const CLUB_BEFORE: &[&str] = &[
    "against", "beat", "blanked", "defeat by", "defeat to", "defeated", "drew with", "edged", "equalised for",
    "homered for", "joined", "lead over", "loaned to", "loss to", "lost to", "played for", "plays for", "routed",
    "signed for", "thrashed", "v", "versus", "victory over", "win over", "winners over",
];

/// A word or phrase of [`CLUB_BEFORE`] right before `start`, as words of their own: its span.
fn against(text: &str, start: usize) -> Option<(usize, usize)> {
    let before = text[..start].strip_suffix(' ')?;
    // Every phrase ends in a lowercase letter: most names have none before them.
    if !before.ends_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    CLUB_BEFORE.iter().find_map(|cue| {
        let head = before.strip_suffix(cue)?;
        head.chars().next_back().is_none_or(|c| !c.is_alphanumeric()).then(|| (head.len(), before.len()))
    })
}

/// A club's verb and a number after the name in a sports report: "Essex reached 372", "Kent
/// had reached 108", "Essex need another 148", "Milwaukee has won 10": the span of its words.
fn score_verb_after(text: &str, end: usize) -> Option<(usize, usize)> {
    const FIRST: &[&str] = &["closed", "declared", "finished", "had", "has", "made", "need", "needed", "needs", "reached", "trail", "trailed", "were"];
    const THEN: &[&str] = &["all", "another", "been", "bowled", "for", "on", "out", "reached", "won"];
    let rest = text[end..].strip_prefix(' ')?;
    let mut at = 0;
    for k in 0..3 {
        let word = &rest[at..at + rest[at..].bytes().take_while(u8::is_ascii_lowercase).count()];
        if !(if k == 0 { FIRST } else { THEN }).contains(&word) {
            return None;
        }
        at += word.len();
        let after = rest[at..].strip_prefix(' ')?;
        at += 1;
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            return Some((end + 1, end + at));
        }
    }
    None
}

/// "reducing Worcestershire to 133", "took Derbyshire to 471": a verb that carries a side to a
/// total before the name, " to " and a number after it; the verb's span.
fn carried_to_score(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    const VERBS: &[&str] = &["bowled out", "dismissed", "guided", "lifted", "reduced", "reducing", "steered", "took"];
    let to = text[end..].strip_prefix(" to ")?;
    if !to.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let before = text[..start].strip_suffix(' ')?;
    VERBS.iter().find_map(|verb| {
        let head = before.strip_suffix(verb)?;
        head.chars().next_back().is_none_or(|c| !c.is_alphanumeric()).then(|| (head.len(), before.len()))
    })
}

/// "the Angels 6-2", "give Minnesota a 4-2 lead": a name after "the" with a final score
/// ("N-N") right after it, or a name with "a" and a final score after it; the score's span.
fn final_score_near(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let from = match the_before(text, start) {
        Some(_) => end,
        None => end + text[end..].strip_prefix(" a ").map(|_| 2)?,
    };
    let (s, e) = score_after(text, from)?;
    let rest = text[e..].strip_prefix('-')?;
    let d = rest.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2).contains(&d).then(|| (s, e + 1 + d))
}

/// Whether the text opens with a wire service's sports slug: a sport's name in capitals, then
/// " - " ("SOCCER - BARATELLI TO COACH NICE", "RUGBY UNION - ...").
fn sports_slug(text: &str) -> bool {
    const SPORTS: &[&str] = &[
        "ATHLETICS", "BADMINTON", "BASEBALL", "BASKETBALL", "BOXING", "CRICKET", "CYCLING", "FOOTBALL", "GOLF",
        "HANDBALL", "HOCKEY", "ICE HOCKEY", "MOTOR RACING", "MOTORCYCLING", "RUGBY", "RUGBY LEAGUE", "RUGBY UNION",
        "SOCCER", "SQUASH", "SWIMMING", "TENNIS", "VOLLEYBALL",
    ];
    let first = text.trim_start().lines().next().unwrap_or("");
    first.split_once(" - ").is_some_and(|(slug, _)| SPORTS.contains(&slug.trim()))
}

/// A team role right after a name ("Surrey captain Chris Lewis", "Barnsley's manager"): its
/// span.
fn team_role_after(text: &str, end: usize) -> Option<(usize, usize)> {
    const ROLES: &[&str] = &[
        "all-rounder", "batsman", "bowler", "captain", "coach", "defender", "fans", "forward", "goalkeeper", "keeper",
        "manager", "midfielder", "opener", "outfielder", "pitcher", "playmaker", "quarterback",
        "shortstop", "skipper", "spinner", "squad", "striker", "supporters", "team", "teammate", "wicketkeeper",
        "winger",
    ];
    // After a possessive only: "Nice's home defeat", "Texas's lead".
    const RESULTS: &[&str] = &["defeat", "home", "lead", "loss", "victory", "win"];
    let rest = &text[end..];
    let (skip, rest) = match rest.strip_prefix("'s ") {
        Some(r) => (3, r),
        None => match rest.strip_prefix("\u{2019}s ") {
            Some(r) => (5, r),
            None => (1, rest.strip_prefix(' ')?),
        },
    };
    let n = rest.bytes().take_while(|&b| b.is_ascii_lowercase() || b == b'-').count();
    let word = &rest[..n];
    let boundary = rest[n..].chars().next().is_none_or(|c| !c.is_alphanumeric());
    (boundary && (ROLES.contains(&word) || skip > 1 && RESULTS.contains(&word))).then(|| (end + skip, end + skip + n))
}

/// A club's name found by the `team` rule at `start..end`, its cue at `cue`.
fn club_name(text: &str, start: usize, end: usize, cue: (usize, usize)) -> Name {
    Name {
        start,
        end,
        kind: Some(EntityKind::Organization),
        rule: Some((Rule::Team, cue.0, cue.1)),
        key: crate::text::fold(&text[start..end]),
        head: String::new(),
        given: String::new(),
        initials: String::new(),
        words: text[start..end].split_whitespace().count(),
        upper: false,
        parenthesised: false,
        plain: false,
        free: false,
        refers: None,
    }
}

/// The score right after a name: " 2", " 429-7", " 71 64", never a year that starts a date
/// ("CHICAGO 1996-08-30"). Returns its span.
fn score_after(text: &str, end: usize) -> Option<(usize, usize)> {
    let rest = text[end..].strip_prefix(' ')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let after = &rest[digits..];
    let ok = after.is_empty() || after.starts_with([' ', ',', ';', '\n', '\r', '\t', '(', ')']) || after.starts_with('-') && after[1..].starts_with(|c: char| c.is_ascii_digit());
    ok.then_some((end + 1, end + 1 + digits))
}

/// " 7-0-29-0": a bowler's figures (overs, maidens, runs, wickets) right at the start of `rest`.
fn bowling_figures(rest: &str) -> bool {
    let Some(rest) = rest.strip_prefix(' ') else { return false };
    let mut parts = 0;
    for part in rest.split(['-']).take(4) {
        let digits = part.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        if digits == 0 || digits > 4 {
            return false;
        }
        parts += 1;
        if parts < 4 && digits != part.len() {
            return false;
        }
    }
    parts == 4
}

/// Nothing but spaces between the start of the line and `start`.
fn line_start(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '\t']);
    before.is_empty() || before.ends_with('\n')
}

/// A score right before: "2 Samsung" in "Haitai 2 Samsung 0".
fn number_before(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches(' ');
    before.len() < start && before.ends_with(|c: char| c.is_ascii_digit())
}

/// " v ", " vs ", " vs. " alone between two names, or " AT " in a schedule line: its span
/// within `gap`.
fn versus(gap: &str) -> Option<(usize, usize)> {
    let word = gap.trim();
    if !matches!(word, "v" | "vs" | "vs." | "v." | "AT") || gap.len() > word.len() + 2 {
        return None;
    }
    let s = gap.find(word)?;
    Some((s, s + word.len()))
}

/// Acronyms that name things, not organisations ("the GDP", "the CEO", "the TV"), folded:
/// never an organisation by "the" alone. Sorted: it is searched by bisection.
const GENERIC_ACRONYMS: &[&str] = &[
    "ac", "ad", "ai", "aids", "am", "api", "atm", "bc", "bse", "cd", "ceo", "cfc", "cfo", "chf", "cny", "coo", "cpi",
    "cpu", "ct", "cto", "dc", "dna", "dvd", "eps", "etf", "eur", "gbp", "gdp", "gmt", "gnp", "gps", "hiv", "hq", "hr",
    "icu", "id", "ii", "iii", "iou", "ipo", "iq", "it", "iv", "ix", "jpy", "kg", "km", "lbo", "lcd", "led", "mba", "mp",
    "mph", "mri", "mw", "nav", "ok", "otc", "pc", "pcs", "pe", "phd", "pin", "pm", "pmi", "ppi", "pr", "pvc", "rmb",
    "rna", "sat", "sms", "suv", "tb", "tv", "ufo", "url", "usb", "usd", "utc", "vat", "vcr", "vi", "vii", "viii", "vip",
    "vp", "xi", "xl",
];

/// Whether a folded word is an acronym that may name an organisation: two to six ASCII
/// letters (an "&" inside, as in "S&P"), none of [`GENERIC_ACRONYMS`].
fn is_acronym(key: &str) -> bool {
    let letters = key.bytes().filter(u8::is_ascii_lowercase).count();
    (2..=6).contains(&letters)
        && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'&')
        && GENERIC_ACRONYMS.binary_search(&key).is_err()
}

/// Whether the line around `start..end` has no lowercase letter (a headline, a table).
fn in_capitals_line(text: &str, start: usize, end: usize) -> bool {
    let from = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let to = text[end..].find('\n').map_or(text.len(), |i| end + i);
    !text[from..to].chars().any(char::is_lowercase)
}

/// "the " or "The " right before `start`, as a word of its own: its span.
fn the_before(text: &str, start: usize) -> Option<(usize, usize)> {
    let before = text[..start].strip_suffix(' ')?;
    let word = before.strip_suffix("the").or_else(|| before.strip_suffix("The"))?;
    word.chars().next_back().is_none_or(|c| !c.is_alphanumeric()).then_some((word.len(), before.len()))
}

/// A capitalised word right after `end` ("the UAL Corp" is the chunk's business).
fn capital_after(text: &str, end: usize) -> bool {
    text[end..].strip_prefix(' ').is_some_and(|r| r.starts_with(char::is_uppercase))
}

/// Words before a name that only an organisation follows ("shares of X", "chairman of X",
/// "analyst at X", "spokesman for X"), lowercase, ending in the space before the name.
const ORG_BEFORE: &[&str] = &[
    "acquire ", "acquired ", "acquiring ", "acquisition of ", "analyst at ", "analyst with ", "analysts at ", "board of ", "chairman of ", "chief executive of ",
    "director of ", "directors of ", "division of ", "economist at ", "economist with ", "employees of ",
    "executive of ", "executives of ", "merger with ", "officer of ", "owner of ", "parent of ", "president of ",
    "sale of ", "shareholders of ", "shares of ", "spokesman for ", "spokeswoman for ", "stake in ", "stock of ",
    "subsidiary of ", "takeover of ", "unit of ",
];

/// Nouns right after a name, or after its possessive, that only an organisation has ("X
/// officials", "X's board", "X's chief executive").
const ORG_AFTER: &[&str] = &[
    "board", "chairman", "chief executive", "directors", "division", "executives", "headquarters", "management",
    "officials", "president", "shareholders", "shares", "stock", "stockholders", "subsidiary", "unit",
];

/// Words that may stand between a name and a noun of [`ORG_AFTER`] ("X vice chairman", "X's
/// thrift unit").
const ORG_MODIFIERS: &[&str] = &["deputy", "executive", "finance", "former", "group", "nonexecutive", "senior", "thrift", "vice"];

/// Nouns after a possessive alone ("X's parent", "X's earnings"): things a person has no
/// word for in news.
const ORG_AFTER_POSSESSIVE: &[&str] = &[
    "affiliate", "earnings", "net income", "parent", "plant", "plants", "revenue", "subsidiaries", "takeover", "units",
];

/// Head nouns of an apposition that make the name before it an organisation ("X, a
/// Nairobi-based lender", "X, the grocery chain", "X, a Kurdish militia").
const ORG_HEADS: &[&str] = &[
    "affiliate", "agency", "airline", "association", "bank", "brokerage", "carrier", "chain", "company", "concern",
    "conglomerate", "consortium", "developer", "distributor", "firm", "group", "insurer", "lender", "magazine",
    "maker", "manufacturer", "militia", "movement", "network", "newspaper", "operator", "organisation",
    "organization", "partnership", "party", "producer", "publisher", "refiner", "retailer", "subsidiary", "supplier",
    "thrift", "unit", "utility",
];

/// The words around `start..end` that make it an organisation: a phrase of [`ORG_BEFORE`]
/// before it, a noun of [`ORG_AFTER`] (or after "'s", of [`ORG_AFTER_POSSESSIVE`]) after it, or
/// an apposition with a head of [`ORG_HEADS`] or "based in". Returns the cue's span.
fn org_context(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let before = &text[..start];
    for phrase in ORG_BEFORE {
        let Some(at) = before.len().checked_sub(phrase.len()) else { continue };
        if !before.is_char_boundary(at) || !before[at..].eq_ignore_ascii_case(phrase) {
            continue;
        }
        if before[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric()) {
            return Some((at, start - 1));
        }
    }
    let rest = &text[end..];
    let possessive = ["'s ", "\u{2019}s "].iter().find_map(|p| rest.strip_prefix(p).map(|r| (p.len(), r)));
    let (mut skip, mut after) = match possessive {
        Some((n, r)) => (n, r),
        None => (1, rest.strip_prefix(' ').unwrap_or("")),
    };
    if let Some(m) = ORG_MODIFIERS.iter().find(|m| after.starts_with(**m) && after[m.len()..].starts_with(' ')) {
        skip += m.len() + 1;
        after = &after[m.len() + 1..];
    }
    let noun = |list: &[&str]| {
        list.iter().find(|w| after.starts_with(**w) && after[w.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric())).map(|w| w.len())
    };
    // "the Frankfurt stock exchange" is the exchange's, not the city's.
    let market = |n: usize| after[n..].starts_with(" exchange") || after[n..].starts_with(" market");
    if let Some(n) = noun(ORG_AFTER).or_else(|| possessive.and_then(|_| noun(ORG_AFTER_POSSESSIVE))).filter(|&n| !market(n)) {
        return Some((end + skip, end + skip + n));
    }
    apposition_head(text, end)
}

/// ", a Nairobi-based lender", ", the grocery chain that...", ", based in": the span of an
/// organisation's head noun in an apposition right after `end`.
fn apposition_head(text: &str, end: usize) -> Option<(usize, usize)> {
    let after = text[end..].strip_prefix(", ")?;
    let at = end + 2;
    if after.starts_with("based in ") {
        return Some((at, at + 5));
    }
    let article = ["a ", "an ", "the "].iter().find(|a| after.starts_with(**a))?;
    let mut pos = at + article.len();
    let mut head = None;
    // The noun phrase ends at punctuation or at a word that starts what follows it.
    const STOPS: &[&str] = &["of", "that", "which", "who", "whose", "based", "with", "in", "for", "and", "to", "from", "on", "at", "owned", "controlled", "said", "is", "was", "has"];
    for word in text[pos..].split(' ').take(6) {
        let bare = word.trim_end_matches(|c: char| !c.is_alphanumeric());
        if bare.is_empty() || STOPS.contains(&bare) {
            break;
        }
        head = Some((pos, pos + bare.len()));
        if bare.len() < word.len() {
            break;
        }
        pos += word.len() + 1;
    }
    let (s, e) = head?;
    ORG_HEADS.contains(&&text[s..e]).then_some((s, e))
}
