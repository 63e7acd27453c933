//! Folding of text for matching, and the map back to original offsets.
//!
//! Names and figures are matched against a folded copy of the document: Unicode lowercase,
//! diacritics removed (Nicolás = Nicolas), apostrophe and quote variants as one, hyphen and
//! dash variants as one, invisible format characters dropped and runs of white space as one.
//! Folding keeps UTF-8 and never reorders text, so a position in the folded copy maps back to
//! a position in the original through a short list of checkpoints: one after every character
//! whose folded form has a different byte length than the original. ASCII prose with straight
//! quotes has no checkpoints at all; typical news text (curly quotes, a few accents) has a
//! handful.
//!
//! This module owns only the folding and the offset map. What counts as a word boundary for a
//! name, and which case a name needs, belongs to the matcher; converting byte offsets to
//! UTF-16 or code points for a response belongs to [`crate::extract`].

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A folded copy of a text with the map back to the original's byte offsets.
#[derive(Debug, Clone)]
pub struct Folded<'t> {
    original: &'t str,
    folded: String,
    /// `(folded, original)` byte positions, strictly increasing in both: from each checkpoint
    /// on, folded and original advance together until the next one.
    marks: Vec<(usize, usize)>,
    /// Folded positions of the words that start with an uppercase letter in the original: the
    /// only places where most names can start.
    capitals: Vec<usize>,
    /// The words of the folded text: maximal runs of word characters ([`is_word_char`]), as
    /// folded `(start, end)` byte spans in text order. Marked by the folding pass itself, so
    /// the stages after it step from word to word instead of walking the bytes again.
    words: Vec<(usize, usize)>,
}

impl<'t> Folded<'t> {
    /// Folds `original` in one pass.
    pub fn new(original: &'t str) -> Folded<'t> {
        let Fold { folded, marks, capitals, words } = fold_text::<true>(original);
        Folded { original, folded, marks, capitals, words }
    }

    /// The words of the folded text (maximal runs of word characters), as folded spans in
    /// text order.
    pub fn words(&self) -> &[(usize, usize)] {
        &self.words
    }

    /// Folded positions where a word starting with an uppercase letter begins, ascending.
    pub fn capitals(&self) -> &[usize] {
        &self.capitals
    }

    /// The folded text.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// The text as given.
    pub fn original(&self) -> &'t str {
        self.original
    }

    /// Maps a folded position that starts a span to the original text, never inside a
    /// character (rounds down to a character boundary).
    pub fn start_of(&self, folded_pos: usize) -> usize {
        let mut pos = self.map(folded_pos).min(self.original.len());
        while !self.original.is_char_boundary(pos) {
            pos -= 1;
        }
        pos
    }

    /// Maps a folded position that ends a span (exclusive) to the original text, never inside
    /// a character (rounds up to a character boundary).
    pub fn end_of(&self, folded_pos: usize) -> usize {
        let mut pos = self.map(folded_pos).min(self.original.len());
        while !self.original.is_char_boundary(pos) {
            pos += 1;
        }
        pos
    }

    /// [`Folded::start_of`] and [`Folded::end_of`] for positions visited in increasing order:
    /// `hint` carries the place in the checkpoint list from one call to the next, so a walk
    /// over the text maps every position in amortised constant time.
    pub fn span_with(&self, hint: &mut usize, folded_start: usize, folded_end: usize) -> (usize, usize) {
        if *hint > self.marks.len() || (*hint > 0 && self.marks[*hint - 1].0 > folded_start) {
            *hint = 0;
        }
        while *hint < self.marks.len() && self.marks[*hint].0 <= folded_start {
            *hint += 1;
        }
        let mut start = self.map_at(*hint, folded_start).min(self.original.len());
        while !self.original.is_char_boundary(start) {
            start -= 1;
        }
        let mut k = *hint;
        while k < self.marks.len() && self.marks[k].0 <= folded_end {
            k += 1;
        }
        let mut end = self.map_at(k, folded_end).min(self.original.len());
        while !self.original.is_char_boundary(end) {
            end += 1;
        }
        (start, end)
    }

    fn map(&self, folded_pos: usize) -> usize {
        // The last checkpoint at or before `folded_pos`.
        let k = self.marks.partition_point(|&(f, _)| f <= folded_pos);
        self.map_at(k, folded_pos)
    }

    /// Maps with `k`, the number of checkpoints at or before `folded_pos`.
    fn map_at(&self, k: usize, folded_pos: usize) -> usize {
        let (f, o) = if k == 0 { (0, 0) } else { self.marks[k - 1] };
        // Inside the folded form of one character that grew (a decomposition), never run
        // past where that character ends in the original.
        let next = self.marks.get(k).map_or(usize::MAX, |&(_, o)| o);
        (o + (folded_pos - f)).min(next)
    }
}

/// Records that folded position `f` corresponds to original position `o`. Consecutive
/// checkpoints at the same folded position (a run of removed characters) keep the last.
fn mark(marks: &mut Vec<(usize, usize)>, f: usize, o: usize) {
    match marks.last_mut() {
        Some(last) if last.0 == f => last.1 = o,
        _ => marks.push((f, o)),
    }
}

/// Folds a string that is not a document (an alias, a word list entry) the same way.
pub fn fold(s: &str) -> String {
    let folded = fold_text::<false>(s).folded;
    match folded.trim() {
        t if t.len() == folded.len() => folded,
        t => t.to_owned(),
    }
}

/// Classes of ASCII bytes for folding: white space (one folded space per run), word
/// characters, capitals.
const SPACE: u8 = 1;
const WORD: u8 = 2;
const UPPER: u8 = 4;

/// Per ASCII byte: its class and its folded byte.
const ASCII: [(u8, u8); 128] = {
    let mut t = [(0u8, 0u8); 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_whitespace() {
            (SPACE, b' ')
        } else if c.is_ascii_uppercase() {
            (WORD | UPPER, c.to_ascii_lowercase())
        } else if c.is_ascii_alphanumeric() {
            (WORD, c)
        } else if c == b'`' {
            (0, b'\'')
        } else {
            (0, c)
        };
        b += 1;
    }
    t
};

/// What the folding pass produces; without `MAP` only `folded` is filled.
struct Fold {
    folded: String,
    marks: Vec<(usize, usize)>,
    capitals: Vec<usize>,
    words: Vec<(usize, usize)>,
}

/// The folding itself, one pass over bytes: the folded text, and with `MAP` its checkpoints,
/// the positions of capitalised words and the words (see [`Folded`]); without, only the text
/// ([`fold`]).
fn fold_text<const MAP: bool>(original: &str) -> Fold {
    let mut folded: Vec<u8> = Vec::with_capacity(original.len());
    let mut marks = Vec::new();
    let mut capitals = Vec::new();
    // About one word per six bytes of news text: reserved once, rarely grown.
    let mut words: Vec<(usize, usize)> = Vec::with_capacity(if MAP { original.len() / 5 + 1 } else { 0 });
    let bytes = original.as_bytes();
    let mut i = 0;
    let mut in_space = false;
    // Whether the last character kept was a word character.
    let mut in_word = false;
    // Where the folded word being read started, while the last folded character is a word
    // character (`usize::MAX` otherwise): the words are the folded text's own runs.
    let mut word_from = usize::MAX;
    while i < bytes.len() {
        if MAP {
            // Most of any text: up to 64 ASCII bytes with no white space to drop, classified
            // into bit masks and copied in one go.
            let n = ascii_block(&bytes[i..], in_space, in_word, &mut word_from, &mut folded, &mut capitals, &mut words);
            if n > 0 {
                i += n;
                let last = ASCII[bytes[i - 1] as usize].0;
                in_space = last & SPACE != 0;
                in_word = last & WORD != 0;
                continue;
            }
        }
        let b = bytes[i];
        if b < 0x80 {
            // ASCII: one byte in, at most one byte out.
            let (class, out) = ASCII[b as usize];
            if class == WORD {
                // A run of lowercase letters and digits (most of any text) folds to itself.
                let run = bytes[i..].iter().position(|&c| c >= 0x80 || ASCII[c as usize].0 != WORD).map_or(bytes.len(), |n| i + n);
                if MAP && word_from == usize::MAX {
                    word_from = folded.len();
                }
                folded.extend_from_slice(&bytes[i..run]);
                i = run;
                in_word = true;
                in_space = false;
                continue;
            }
            i += 1;
            if class & SPACE != 0 {
                in_word = false;
                if MAP && word_from != usize::MAX {
                    words.push((word_from, folded.len()));
                    word_from = usize::MAX;
                }
                if in_space {
                    if MAP {
                        mark(&mut marks, folded.len(), i);
                    }
                    continue;
                }
                in_space = true;
            } else {
                let word = class & WORD != 0;
                if MAP {
                    if class & UPPER != 0 && !in_word {
                        capitals.push(folded.len());
                    }
                    if word && word_from == usize::MAX {
                        word_from = folded.len();
                    } else if !word && word_from != usize::MAX {
                        words.push((word_from, folded.len()));
                        word_from = usize::MAX;
                    }
                }
                in_word = word;
                in_space = false;
            }
            folded.push(out);
            continue;
        }
        // `i` is on a character boundary: it only ever advances by whole characters, and
        // `b >= 0x80` starts a multi-byte one.
        let c = original[i..].chars().next().unwrap_or('\u{FFFD}');
        let len = c.len_utf8();
        let before = folded.len();
        if c.is_whitespace() {
            if !in_space {
                folded.push(b' ');
                in_space = true;
            }
            in_word = false;
        } else {
            let word = is_word_char(c);
            if MAP && word && !in_word && c.is_uppercase() {
                capitals.push(before);
            }
            let pushed = fold_char(c, &mut folded);
            if pushed {
                in_space = false;
                in_word = word;
            }
        }
        if MAP {
            // The words follow the folded characters themselves (a character may fold to
            // several, or to none).
            for (k, ch) in std::str::from_utf8(&folded[before..]).unwrap_or_default().char_indices() {
                let w = is_word_char(ch);
                if w && word_from == usize::MAX {
                    word_from = before + k;
                } else if !w && word_from != usize::MAX {
                    words.push((word_from, before + k));
                    word_from = usize::MAX;
                }
            }
        }
        i += len;
        if MAP && folded.len() - before != len {
            mark(&mut marks, folded.len(), i);
        }
    }
    if MAP && word_from != usize::MAX {
        words.push((word_from, folded.len()));
    }
    // Only whole characters were pushed, so this is valid UTF-8; the lossy path never runs.
    let folded = String::from_utf8(folded).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Fold { folded, marks, capitals, words }
}

/// Folds the longest prefix of `bytes` (at most 64) that is ASCII, holds no backtick and no
/// white space to drop (a white-space byte after white space, or first when `in_space`), and
/// records its capitalised word starts and its words as [`fold_text`] does byte by byte;
/// returns the prefix's length (0: the first byte needs the byte-by-byte path). Eight bytes
/// at a time: each is classified by bit arithmetic on a `u64` (word, capital and space masks),
/// folded the same way, and the word starts and ends are read off the masks: a few
/// instructions a byte, and a few a word.
#[inline]
fn ascii_block(
    bytes: &[u8],
    in_space: bool,
    in_word: bool,
    word_from: &mut usize,
    folded: &mut Vec<u8>,
    capitals: &mut Vec<usize>,
    words: &mut Vec<(usize, usize)>,
) -> usize {
    let (mut word, mut upper) = (0u64, 0u64);
    let mut after_space = in_space;
    let mut n = 0;
    let base = folded.len();
    while n < 64 && n + 8 <= bytes.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[n..n + 8]);
        let x = u64::from_le_bytes(chunk);
        let ascii = lanes(x & HIGH) ^ 0xFF;
        let up = range(x, b'A', b'Z');
        let sp = range(x, b' ', b' ') | range(x, b'\t', b'\n') | range(x, 0x0C, b'\r');
        let wd = up | range(x, b'a', b'z') | range(x, b'0', b'9');
        let (sp8, wd8, up8) = (lanes(sp), lanes(wd), lanes(up));
        let backtick = lanes(range(x, b'`', b'`'));
        let dropped = sp8 & (sp8 << 1 | u8::from(after_space));
        let take = (!ascii | backtick | dropped).trailing_zeros() as usize;
        if take == 0 {
            break;
        }
        let keep = if take == 8 { 0xFF } else { (1u8 << take) - 1 };
        word |= u64::from(wd8 & keep) << n;
        upper |= u64::from(up8 & keep) << n;
        // Capitals to lowercase, white space to ' '.
        let spaces = full(sp);
        let y = ((x | full(up) & splat(0x20)) & !spaces) | spaces & splat(b' ');
        folded.extend_from_slice(&y.to_le_bytes()[..take]);
        after_space = sp8 & (1 << (take - 1)) != 0;
        n += take;
        if take < 8 {
            break;
        }
    }
    if n == 0 {
        return 0;
    }
    let valid = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    // Bit k of `before`: byte k - 1 is a word byte (for k = 0: the text before the block).
    let before = word << 1 | u64::from(*word_from != usize::MAX);
    let mut starts = word & !before;
    let mut ends = !word & before & valid;
    // Capitals follow the fold's own rule: an uppercase letter after no kept word character.
    let mut caps = word & upper & !(word << 1 | u64::from(in_word));
    while caps != 0 {
        capitals.push(base + caps.trailing_zeros() as usize);
        caps &= caps - 1;
    }
    // Starts and ends alternate; an end at bit k closes the word that started before it.
    loop {
        let (s, e) = (starts.trailing_zeros(), ends.trailing_zeros());
        if s == 64 && e == 64 {
            break;
        }
        if e < s {
            words.push((*word_from, base + e as usize));
            *word_from = usize::MAX;
            ends &= ends - 1;
        } else {
            *word_from = base + s as usize;
            starts &= starts - 1;
        }
    }
    n
}

/// The high bit of every byte of a `u64`.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `b` in every byte.
const fn splat(b: u8) -> u64 {
    b as u64 * 0x0101_0101_0101_0101
}

/// The high bit of each byte of `x` set when the byte is within `lo..=hi`; for bytes under
/// 0x80 (the sums never carry into the next byte).
#[inline]
fn range(x: u64, lo: u8, hi: u8) -> u64 {
    let at_least = x.wrapping_add(splat(0x80 - lo));
    let above = x.wrapping_add(splat(0x7F - hi));
    at_least & !above & HIGH
}

/// The high bits of the eight bytes gathered into one byte (byte k -> bit k).
#[inline]
fn lanes(m: u64) -> u8 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// Each byte whose high bit is set in `m` as 0xFF, the others 0.
#[inline]
fn full(m: u64) -> u64 {
    (m >> 7) * 0xFF
}

/// Appends one character's UTF-8 bytes.
fn push(out: &mut Vec<u8>, c: char) {
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

/// Appends the folded form of one non-ASCII, non-space character; returns whether it pushed
/// anything.
fn fold_char(c: char, out: &mut Vec<u8>) -> bool {
    match c {
        // Apostrophes and single quotes, including the acute and grave accents used as them.
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{02BC}' | '\u{02B9}'
        | '\u{00B4}' | '\u{2032}' | '\u{FF07}' => {
            out.push(b'\'');
            true
        }
        // Double quotes and guillemets.
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' | '\u{FF02}' => {
            out.push(b'"');
            true
        }
        // Hyphens, dashes and the minus sign.
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
            out.push(b'-');
            true
        }
        // Invisible format characters: soft hyphen, zero-width space and joiners, word joiner,
        // byte order mark. Dropped so that "Wash\u{AD}ington" is Washington.
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => false,
        _ => {
            let mut pushed = false;
            for lower in c.to_lowercase() {
                if ('\u{AC00}'..='\u{D7A3}').contains(&lower) {
                    // Hangul syllables carry no diacritics: keep them whole rather than
                    // decomposed into jamo.
                    push(out, lower);
                    pushed = true;
                    continue;
                }
                decompose_canonical(lower, |d| {
                    if is_combining_mark(d) {
                        return;
                    }
                    pushed = true;
                    match d {
                        'ø' => out.push(b'o'),
                        'ł' => out.push(b'l'),
                        'đ' | 'ð' => out.push(b'd'),
                        'ħ' => out.push(b'h'),
                        'ı' => out.push(b'i'),
                        'ß' => out.extend_from_slice(b"ss"),
                        'æ' => out.extend_from_slice(b"ae"),
                        'œ' => out.extend_from_slice(b"oe"),
                        'þ' => out.extend_from_slice(b"th"),
                        _ => push(out, d),
                    }
                });
            }
            pushed
        }
    }
}

/// Unicode letters and digits are word characters; everything else separates words.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, input, folded)
    const FOLDING: &[(&str, &str, &str)] = &[
        ("ascii lowercase", "Putin Spoke", "putin spoke"),
        ("acute accent", "Nicolás Maduro", "nicolas maduro"),
        ("combining mark", "Nicola\u{301}s", "nicolas"),
        ("cyrillic lowercase", "Путин", "путин"),
        ("curly apostrophe", "Israel\u{2019}s", "israel's"),
        ("modifier apostrophe", "Hawai\u{02BC}i", "hawai'i"),
        ("acute as apostrophe", "O\u{00B4}Brien", "o'brien"),
        ("backtick", "O`Brien", "o'brien"),
        ("curly double quotes", "\u{201C}freed\u{201D}", "\"freed\""),
        ("non-breaking hyphen", "Iran\u{2011}aligned", "iran-aligned"),
        ("en and em dash", "a\u{2013}b\u{2014}c", "a-b-c"),
        ("whitespace run", "New \t\r\n York", "new york"),
        ("crlf", "a\r\nb", "a b"),
        ("nbsp", "New\u{A0}York", "new york"),
        ("narrow nbsp run", "New\u{202F}\u{A0} York", "new york"),
        ("soft hyphen", "Wash\u{AD}ington", "washington"),
        ("stroke l", "Łódź", "lodz"),
        ("sharp s", "Straße", "strasse"),
        ("dotted capital I", "İstanbul", "istanbul"),
        ("ligature", "Æsir", "aesir"),
        ("emoji kept", "hi 👋 there", "hi 👋 there"),
        ("empty", "", ""),
    ];

    #[test]
    fn folding_table() {
        for &(name, input, want) in FOLDING {
            assert_eq!(Folded::new(input).folded(), want, "{name}");
        }
    }

    /// (name, input, folded span, original span): a span in the folded text maps back to the
    /// same characters in the original.
    const OFFSETS: &[(&str, &str, &str, &str)] = &[
        ("ascii", "Putin met Netanyahu", "netanyahu", "Netanyahu"),
        ("after curly quote", "“Moscow’s” Kremlin", "kremlin", "Kremlin"),
        ("multi-byte name", "in Zürich today", "zurich", "Zürich"),
        ("after combining mark", "Nicola\u{301}s Maduro", "maduro", "Maduro"),
        ("ends on combining mark", "Nicola\u{301}s Maduro", "nicolas", "Nicola\u{301}s"),
        ("after whitespace run", "a \r\n\t Tehran", "tehran", "Tehran"),
        ("spans whitespace run", "New \r\n York said", "new york", "New \r\n York"),
        ("after emoji", "👋👋 Iran", "iran", "Iran"),
        ("after soft hyphen", "Wash\u{AD}ington DC", "dc", "DC"),
        ("spans soft hyphen", "Wash\u{AD}ington DC", "washington", "Wash\u{AD}ington"),
        ("after sharp s", "Straße Berlin", "berlin", "Berlin"),
        ("after dotted I", "İstanbul Ankara", "ankara", "Ankara"),
        ("non-breaking hyphen", "Iran\u{2011}aligned", "iran", "Iran"),
        ("after U+2011", "Iran\u{2011}aligned", "aligned", "aligned"),
    ];

    #[test]
    fn offsets_table() {
        for &(name, input, needle, want) in OFFSETS {
            let f = Folded::new(input);
            let fs = f.folded().find(needle).unwrap_or_else(|| panic!("{name}: {needle} not in {:?}", f.folded()));
            let (s, e) = (f.start_of(fs), f.end_of(fs + needle.len()));
            assert_eq!(&input[s..e], want, "{name}");
        }
    }

    #[test]
    fn capital_word_starts() {
        let text = "Putin met al-Assad, pro-Moscow ÉLYSÉE and iPhone U.S. 2Pac";
        let f = Folded::new(text);
        let got: Vec<&str> = f
            .capitals()
            .iter()
            .map(|&p| f.folded()[p..].split(|c: char| !is_word_char(c)).next().unwrap())
            .collect();
        assert_eq!(got, vec!["putin", "assad", "moscow", "elysee", "u", "s"]);
    }

    #[test]
    fn never_splits_a_character() {
        // "ß" folds to "ss": a span ending between the two s maps to a character boundary.
        let f = Folded::new("ßa");
        assert_eq!(f.end_of(1), 2);
        assert_eq!(f.start_of(1), 0);
    }

    /// The maximal runs of word characters of `s`, the slow way.
    fn word_runs(s: &str) -> Vec<(usize, usize)> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut prev_word_end = None;
        for (i, c) in s.char_indices() {
            match (is_word_char(c), prev_word_end) {
                (true, Some(e)) if e == i => runs.last_mut().unwrap().1 = i + c.len_utf8(),
                (true, _) => runs.push((i, i + c.len_utf8())),
                _ => {}
            }
            if is_word_char(c) {
                prev_word_end = Some(i + c.len_utf8());
            }
        }
        runs
    }

    #[test]
    fn words_table() {
        for (input, want) in [
            ("Putin met al-Assad.", vec!["putin", "met", "al", "assad"]),
            ("U.S.  2Pac  Zürich's", vec!["u", "s", "2pac", "zurich", "s"]),
            ("Wash\u{AD}ington Straße", vec!["washington", "strasse"]),
            ("  ", vec![]),
            ("ﬁne 伊朗 👋 x", vec!["ﬁne", "伊朗", "x"]),
        ] {
            let f = Folded::new(input);
            let got: Vec<&str> = f.words().iter().map(|&(s, e)| &f.folded()[s..e]).collect();
            assert_eq!(got, want, "{input}");
        }
    }

    /// Cases per property: `GAZETTE_FUZZ_CASES` (as in `tests/fuzz.rs`), 2,000 by default.
    fn cases() -> u32 {
        std::env::var("GAZETTE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000)
    }

    /// Text rich in what folding changes: case and width variants, ligatures, combining
    /// marks, quotes, dashes, invisible characters, white space runs.
    fn foldable() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        const PIECES: &[&str] = &[
            "a", "A", "Iran", "ß", "ẞ", "İ", "ı", "ﬁ", "Ǆ", "K", "Ω", "é", "e\u{301}", "\u{301}", "\u{308}\u{301}", "’", "“", "”",
            "‐", "–", "—", "\u{ad}", "\u{200b}", "\u{200d}", "\u{2060}", " ", "  ", "\u{a0}", "\u{3000}", "\n", "\t", "👋🏽",
            "伊朗", "Ελλάδα", ".", "1", "-",
        ];
        proptest::prop_oneof![
            proptest::collection::vec(proptest::sample::select(PIECES), 0..40).prop_map(|p| p.concat()),
            "\\PC{0,40}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(cases()))]

        #[test]
        fn maps_are_monotonic_and_on_boundaries(s in foldable()) {
            let f = Folded::new(&s);
            let mut last = 0;
            for (p, _) in f.folded().char_indices().chain(std::iter::once((f.folded().len(), ' '))) {
                let o = f.start_of(p);
                proptest::prop_assert!(s.is_char_boundary(o));
                proptest::prop_assert!(s.is_char_boundary(f.end_of(p)));
                proptest::prop_assert!(o >= last);
                last = o;
            }
            proptest::prop_assert_eq!(f.end_of(f.folded().len()), s.len());
        }

        #[test]
        fn words_are_the_folded_texts_word_runs(s in foldable()) {
            let f = Folded::new(&s);
            proptest::prop_assert_eq!(f.words(), &word_runs(f.folded())[..]);
        }
    }
}
