//! Incremental `ExtractStream`: where a large document is cut into chunks, and how each
//! chunk's extraction becomes the stream's mentions and, at the end, its summary.
//!
//! A document longer than [`CHUNK_BYTES`] is extracted chunk by chunk, so that its first
//! mentions leave while the rest is still being processed. Each chunk ends at the best
//! boundary in the second half of its window (a blank line, else a sentence end, else a
//! space) and is extracted with [`OVERLAP_BYTES`] more text after its cut, so that a name or
//! figure that crosses the cut is found whole by the chunk it starts in; the next chunk keeps
//! only what starts after the last mention kept before it. What is document-wide in
//! `Extract` is chunk-wide here: co-reference, weak aliases, one sense per document and the
//! places that support a reading are resolved within a chunk (about 32 to 64 KB of text, with
//! what that chunk holds), and the summary groups the chunks' entities by id. A document of
//! one chunk gets exactly `Extract`'s result. Running the engine and the budgets belong to
//! the service (`super`); this file owns the cuts and the assembly.

use std::collections::HashMap;
use std::ops::Range;

use crate::extract::{offsets, Encoding, Extractor};
use crate::mention::{Evidence, Extraction};

use super::pb;

/// The most text one chunk holds before its overlap. The same as the size from which a text
/// is extracted on the blocking threads: below it, a document is one chunk.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// The text a chunk is extracted with after its cut: more than any name or figure is long.
pub const OVERLAP_BYTES: usize = 512;

/// One chunk: extracted over `text[start..end]`; its mentions are kept if they start before
/// `cut` (and after the last mention the chunk before kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub cut: usize,
    pub end: usize,
}

impl Chunk {
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// Cuts `text` into chunks of at most `size` bytes before their overlap of `overlap` bytes
/// (extended to the next space, at most four times `overlap`). One chunk when the text fits.
pub fn chunks(text: &str, size: usize, overlap: usize) -> Vec<Chunk> {
    let b = text.as_bytes();
    let size = size.max(2);
    let mut out = Vec::with_capacity(text.len() / size + 1);
    let mut start = 0;
    loop {
        let cut = if b.len() - start <= size { b.len() } else { cut_in(b, start + size / 2, start + size) };
        if cut >= b.len() {
            out.push(Chunk { start, cut: b.len(), end: b.len() });
            return out;
        }
        out.push(Chunk { start, cut, end: overlap_end(text, cut, overlap) });
        start = cut;
    }
}

/// The best cut in `b[from..to]`, always after an ASCII byte (so on a character boundary):
/// after a blank line, else after a sentence's end and its space, else after a space; with
/// none of them, after the first space at or beyond `to` (or at the text's end).
fn cut_in(b: &[u8], from: usize, to: usize) -> usize {
    let window = &b[from..to];
    if let Some(i) = window.windows(2).rposition(|w| w == b"\n\n") {
        return from + i + 2;
    }
    if let Some(i) = (1..window.len().saturating_sub(1)).rev().find(|&i| sentence_end(b, from + i)) {
        return from + i + 2;
    }
    if let Some(i) = window.iter().rposition(|c| c.is_ascii_whitespace()) {
        return from + i + 1;
    }
    match b[to..].iter().position(|c| c.is_ascii_whitespace()) {
        Some(i) => to + i + 1,
        None => b.len(),
    }
}

/// Whether `b[i]` ends a sentence: `.`, `?` or `!` followed by a space or a line break, after a
/// lower-case word of three letters or more for a full stop (not "U.S.", "Mr.", "St.").
fn sentence_end(b: &[u8], i: usize) -> bool {
    if i + 1 >= b.len() || !b[i + 1].is_ascii_whitespace() {
        return false;
    }
    match b[i] {
        b'?' | b'!' => true,
        b'.' => i >= 3 && b[i - 3..i].iter().all(|c| c.is_ascii_lowercase()),
        _ => false,
    }
}

/// Where the chunk cut at `cut` stops being extracted: `overlap` bytes on, extended to the
/// next space (at most `4 * overlap`), on a character boundary.
fn overlap_end(text: &str, cut: usize, overlap: usize) -> usize {
    let b = text.as_bytes();
    let mut end = (cut + overlap).min(b.len());
    let limit = (cut + 4 * overlap).min(b.len());
    while end < limit && !b[end].is_ascii_whitespace() {
        end += 1;
    }
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// The mentions streamed so far and the entities they group into, across chunks.
#[derive(Debug)]
pub struct Assembly {
    encoding: Encoding,
    /// Mentions streamed before the next chunk's.
    emitted: u32,
    /// A chunk's mentions are kept from here (the end of the last one kept).
    floor: usize,
    /// `units` is the length of `text[..unit_at]` in the offset encoding.
    unit_at: usize,
    units: u64,
    entities: Vec<pb::Entity>,
    by_id: HashMap<String, usize>,
    chunks: u32,
}

impl Assembly {
    pub fn new(encoding: Encoding) -> Assembly {
        Assembly { encoding, emitted: 0, floor: 0, unit_at: 0, units: 0, entities: Vec::new(), by_id: HashMap::new(), chunks: 0 }
    }

    /// The mentions of `chunk` to stream, in text order, with document offsets and indexes;
    /// its entities join those of the chunks before.
    pub fn add(&mut self, x: &Extractor, text: &str, chunk: &Chunk, mut e: Extraction) -> Vec<pb::Mention> {
        self.chunks += 1;
        let part = &text[chunk.range()];
        // What this chunk keeps of its mentions, and their indexes in the stream.
        let mut index = vec![None; e.mentions.len()];
        let mut kept = Vec::with_capacity(e.mentions.len());
        let (floor, base) = (self.floor, self.emitted);
        for (k, m) in std::mem::take(&mut e.mentions).into_iter().enumerate() {
            let at = chunk.start + m.start;
            if at >= floor && at < chunk.cut {
                self.floor = self.floor.max(chunk.start + m.end);
                index[k] = Some(base + kept.len() as u32);
                kept.push(m);
            }
        }
        self.emitted += kept.len() as u32;
        self.units += units(&text[self.unit_at..chunk.start], self.encoding);
        self.unit_at = chunk.start;
        let shift = self.units;
        let spans = offsets(part, &kept, self.encoding);
        let mut out: Vec<pb::Mention> = kept
            .iter()
            .zip(spans)
            .enumerate()
            .map(|(j, (m, (s, t)))| {
                let mut pm = super::mention(x, &e, part, m, (s + shift, t + shift));
                if let Some(Evidence::Coreference { antecedent }) = m.evidence {
                    // The antecedent is in this chunk; when it lies in the overlap past the
                    // cut (found again by the next chunk), the mention stands as its own.
                    let own = base + j as u32;
                    let at = index.get(antecedent as usize).copied().flatten().unwrap_or(own);
                    pm.evidence = format!("coreference:{at}");
                }
                pm
            })
            .collect();
        // Entities: this chunk's, by their kept mentions, merged by id with the chunks' before.
        for mut g in super::entities_of(x, &e, |k| index.get(k as usize).copied().flatten()) {
            if g.mention_indexes.is_empty() {
                continue;
            }
            g.confidence = g.mention_indexes.iter().map(|&i| out[(i - base) as usize].confidence).fold(0.0, f32::max);
            match self.by_id.get(&g.entity_id) {
                Some(&k) => {
                    let have = &mut self.entities[k];
                    have.mention_indexes.extend_from_slice(&g.mention_indexes);
                    have.confidence = have.confidence.max(g.confidence);
                    if g.canonical_name.len() > have.canonical_name.len() {
                        have.canonical_name = g.canonical_name;
                    }
                }
                None => {
                    self.by_id.insert(g.entity_id.clone(), self.entities.len());
                    self.entities.push(g);
                }
            }
        }
        out.shrink_to_fit();
        out
    }

    /// The closing summary.
    pub fn finish(self, document_id: String, version: String) -> pb::ExtractStreamSummary {
        pb::ExtractStreamSummary {
            document_id,
            entities: self.entities,
            gazetteer_version: version,
            mention_count: self.emitted,
            chunks: self.chunks,
        }
    }
}

/// The length of `s` in `encoding`'s units.
fn units(s: &str, encoding: Encoding) -> u64 {
    match encoding {
        Encoding::Utf8 => s.len() as u64,
        Encoding::Utf16 => s.chars().map(|c| c.len_utf16() as u64).sum(),
        Encoding::CodePoint => s.chars().count() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, text, size, overlap, expected cuts).
    const CUTS: &[(&str, &str, usize, usize, &[usize])] = &[
        ("fits: one chunk", "Rain fell in Lagos.", 64, 8, &[19]),
        ("after a blank line", "Rain fell.\n\nIt stopped in the night.", 20, 4, &[12, 30, 36]),
        ("after a sentence end", "Rain fell hard. Then it stopped.", 20, 4, &[16, 32]),
        ("not after an abbreviation", "Talks in the U.S. Senate went on.", 20, 4, &[18, 33]),
        ("after a space", "one two three four five six seven", 12, 4, &[8, 19, 28, 33]),
        ("no space in the window: the next one", "abcdefghijklmnop qrs", 8, 4, &[17, 20]),
        ("no space at all", "abcdefghijklmnopqrs", 8, 4, &[19]),
    ];

    #[test]
    fn cut_table() {
        for &(name, text, size, overlap, want) in CUTS {
            let got: Vec<usize> = chunks(text, size, overlap).iter().map(|c| c.cut).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn chunks_tile_the_text_on_character_boundaries() {
        let text = "Élan à São Paulo. Ünïcödé naïve café. ".repeat(300);
        let chunks = chunks(&text, 1000, 64);
        assert!(chunks.len() > 5);
        assert_eq!(chunks[0].start, 0);
        assert_eq!(chunks.last().unwrap().cut, text.len());
        for w in chunks.windows(2) {
            assert_eq!(w[0].cut, w[1].start);
        }
        for c in &chunks {
            assert!(c.start < c.cut && c.cut <= c.end && c.end <= text.len(), "{c:?}");
            assert!(c.cut - c.start <= 1000, "{c:?}");
            assert!(text.is_char_boundary(c.cut) && text.is_char_boundary(c.end), "{c:?}");
            // The overlap reaches the next space or its bound.
            assert!(c.end == text.len() || c.end - c.cut >= 64, "{c:?}");
        }
    }

    #[test]
    fn units_table() {
        for (s, utf8, utf16, points) in [("abc", 3, 3, 3), ("é😀", 6, 3, 2), ("", 0, 0, 0)] {
            assert_eq!(units(s, Encoding::Utf8), utf8, "{s}");
            assert_eq!(units(s, Encoding::Utf16), utf16, "{s}");
            assert_eq!(units(s, Encoding::CodePoint), points, "{s}");
        }
    }
}
