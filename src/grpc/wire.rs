//! `ExtractResponse` written by hand, and the server's encoding of a response straight from
//! an extraction.
//!
//! Building a response as prost structs costs an allocation for every string of every
//! mention and entity (the text, the id, the canonical name, the gazetteer's name), and
//! prost then walks the structs twice (lengths, then bytes); with a 4 KB article that was a
//! seventh of the server's time. [`encode_body`] writes the mentions and entities of an
//! [`Extraction`] as protobuf fields 2 and 3 of `ExtractResponse`, borrowing every string,
//! into one buffer; [`ExtractResponse`] carries those bytes in place of its `mentions` and
//! `entities` and writes them as they are; an entity's attributes are written from the
//! gazetteer's strings too. Figures and alternatives are still built as prost structs and
//! encoded by prost (one per figure; alternatives only when asked for).
//!
//! What a client decodes is the same message as [`super::response`] builds (the test
//! `encoded_body_decodes_to_the_built_response` holds the two to it). Fields go in
//! field-number order, as prost writes them; only the entries of the attributes' `other` map
//! may come in another order, as they already did from prost's hash map. The structured form
//! stays for everything else: `gazette extract`'s JSON, `ExtractStream`, and every client.

use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};
use prost::DecodeError;

use super::pb;
use crate::extract::{Encoding, Extractor};
use crate::mention::{Extraction, Target};

/// The result for one document (the contract's `ExtractResponse`).
#[derive(Clone, PartialEq, Default, Debug)]
pub struct ExtractResponse {
    /// The request's `document_id`, unchanged.
    pub document_id: String,
    /// In text order.
    pub mentions: Vec<pb::Mention>,
    /// One per distinct entity, in order of first mention.
    pub entities: Vec<pb::Entity>,
    /// Content hash of all loaded gazetteers and cue files.
    pub gazetteer_version: String,
    /// Fields 2 and 3 already encoded ([`encode_body`]), written after `mentions` and
    /// `entities` (then empty); empty when the message was built or decoded field by field.
    pub(crate) body: Vec<u8>,
}

impl ExtractResponse {
    /// A response whose mentions and entities are `body`, from [`encode_body`].
    pub(crate) fn encoded(document_id: String, body: Vec<u8>, gazetteer_version: String) -> ExtractResponse {
        ExtractResponse { document_id, mentions: Vec::new(), entities: Vec::new(), gazetteer_version, body }
    }
}

impl prost::Message for ExtractResponse {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if !self.document_id.is_empty() {
            encoding::string::encode(1, &self.document_id, buf);
        }
        for m in &self.mentions {
            encoding::message::encode(2, m, buf);
        }
        for e in &self.entities {
            encoding::message::encode(3, e, buf);
        }
        buf.put_slice(&self.body);
        if !self.gazetteer_version.is_empty() {
            encoding::string::encode(4, &self.gazetteer_version, buf);
        }
    }

    fn merge_field(&mut self, tag: u32, wire_type: WireType, buf: &mut impl Buf, ctx: DecodeContext) -> Result<(), DecodeError> {
        let field = match tag {
            1 => encoding::string::merge(wire_type, &mut self.document_id, buf, ctx),
            2 => encoding::message::merge_repeated(wire_type, &mut self.mentions, buf, ctx),
            3 => encoding::message::merge_repeated(wire_type, &mut self.entities, buf, ctx),
            4 => encoding::string::merge(wire_type, &mut self.gazetteer_version, buf, ctx),
            _ => return encoding::skip_field(wire_type, tag, buf, ctx),
        };
        field.map_err(|mut e| {
            e.push("ExtractResponse", ["document_id", "mentions", "entities", "gazetteer_version"][tag as usize - 1]);
            e
        })
    }

    fn encoded_len(&self) -> usize {
        let id = if self.document_id.is_empty() { 0 } else { encoding::string::encoded_len(1, &self.document_id) };
        let version = if self.gazetteer_version.is_empty() { 0 } else { encoding::string::encoded_len(4, &self.gazetteer_version) };
        id + encoding::message::encoded_len_repeated(2, &self.mentions)
            + encoding::message::encoded_len_repeated(3, &self.entities)
            + self.body.len()
            + version
    }

    fn clear(&mut self) {
        *self = ExtractResponse::default();
    }
}

/// Appends the mentions and entities of `e` as `ExtractResponse` fields 2 and 3: the same
/// message as [`super::response`] builds, without building it.
pub(crate) fn encode_body(x: &Extractor, text: &str, e: &Extraction, encoding: Encoding, out: &mut Vec<u8>) {
    let spans = crate::extract::offsets(text, &e.mentions, encoding);
    // Each message is written into `scratch` first: its length goes before it.
    let mut scratch = Vec::with_capacity(256);
    // An entity's attributes, and one entry of their `other` map.
    let (mut inner, mut pair) = (Vec::with_capacity(128), Vec::with_capacity(64));
    for (m, (start, end)) in e.mentions.iter().zip(spans) {
        let (entity_id, canonical_name, gazetteer) = super::identity(x, e, m.target);
        let b = &mut scratch;
        b.clear();
        enumeration(1, super::entity_kind(m.kind) as i32, b);
        string(2, &text[m.start..m.end], b);
        uint64(3, start, b);
        uint64(4, end, b);
        string(5, entity_id, b);
        string(6, canonical_name, b);
        string(7, gazetteer, b);
        if let Some(f) = &m.figure {
            encoding::message::encode(8, &super::figure(f), b);
        }
        enumeration(9, super::method(m) as i32, b);
        if m.evidence.is_some() {
            string(10, &super::evidence(m, text), b);
        }
        float(11, m.confidence, b);
        for a in super::alternatives(x, m) {
            encoding::message::encode(12, &a, b);
        }
        nested(2, &scratch, out);
    }
    for g in &e.entities {
        let (entity_id, canonical_name, gazetteer) = super::identity(x, e, Some(g.target));
        let b = &mut scratch;
        b.clear();
        string(1, entity_id, b);
        enumeration(2, super::entity_kind(g.kind) as i32, b);
        string(3, canonical_name, b);
        encoding::uint32::encode_packed(4, &g.mentions, b);
        string(5, gazetteer, b);
        if let Target::Entry(k) = g.target {
            let a = super::attributes_of(x, k);
            inner.clear();
            string(1, a.country, &mut inner);
            string(2, a.place_type, &mut inner);
            string(3, a.geonames_id, &mut inner);
            string(4, a.wikidata_id, &mut inner);
            if let Some(p) = a.population {
                encoding::uint64::encode(5, &p, &mut inner);
            }
            string(6, a.subdivision, &mut inner);
            string(7, a.role, &mut inner);
            for (key, value) in a.other {
                pair.clear();
                string(1, key, &mut pair);
                string(2, value, &mut pair);
                nested(8, &pair, &mut inner);
            }
            nested(6, &inner, b);
        }
        float(7, super::entity_confidence(e, g), b);
        nested(3, &scratch, out);
    }
}

/// Field `tag`, a message whose bytes are `body`.
fn nested(tag: u32, body: &[u8], out: &mut Vec<u8>) {
    encoding::encode_key(tag, WireType::LengthDelimited, out);
    encoding::encode_varint(body.len() as u64, out);
    out.extend_from_slice(body);
}

// proto3: a field at its default value is not written.

fn string(tag: u32, s: &str, out: &mut Vec<u8>) {
    if !s.is_empty() {
        nested(tag, s.as_bytes(), out);
    }
}

fn uint64(tag: u32, v: u64, out: &mut Vec<u8>) {
    if v != 0 {
        encoding::encode_key(tag, WireType::Varint, out);
        encoding::encode_varint(v, out);
    }
}

fn enumeration(tag: u32, v: i32, out: &mut Vec<u8>) {
    if v != 0 {
        encoding::int32::encode(tag, &v, out);
    }
}

fn float(tag: u32, v: f32, out: &mut Vec<u8>) {
    if v != 0.0 {
        encoding::float::encode(tag, &v, out);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use prost::Message;

    use super::*;
    use crate::extract::Options;

    /// Every document of the golden corpus (the bench article whole, per paragraph and in both
    /// cases, prose, fuzz texts, every adversarial input), in settings that bring out every
    /// field: figures with ranges and qualifiers, names found by rules with their evidence,
    /// co-reference, alternatives with attributes, and the three offset encodings.
    #[test]
    fn encoded_body_decodes_to_the_built_response() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let x = Extractor::load(&root.join("gazetteers")).unwrap();
        let corpus = std::fs::read_to_string(root.join("tests/data/golden/corpus.jsonl")).unwrap();
        let date = crate::figures::Date::parse_iso("2026-01-20");
        let settings = [
            (Options::default(), Encoding::Utf8),
            (Options { include_alternatives: true, reference_date: date, ..Options::default() }, Encoding::Utf16),
            (Options { known_only: true, ..Options::default() }, Encoding::CodePoint),
        ];
        let (mut mentions, mut alternatives, mut evidence, mut figures) = (0, 0, 0, 0);
        for line in corpus.lines() {
            let doc: serde_json::Value = serde_json::from_str(line).unwrap();
            let (id, text) = (doc["id"].as_str().unwrap_or_default(), doc["text"].as_str().unwrap());
            for (options, encoding) in &settings {
                let Ok(e) = x.extract(text, options) else { continue };
                let mut body = Vec::new();
                encode_body(&x, text, &e, *encoding, &mut body);
                let encoded = ExtractResponse::encoded(id.to_owned(), body, x.version().to_owned());
                let built = super::super::response(&x, text, id.to_owned(), e, *encoding);
                let bytes = encoded.encode_to_vec();
                assert_eq!(bytes.len(), encoded.encoded_len());
                let decoded = ExtractResponse::decode(bytes.as_slice()).unwrap();
                assert_eq!(decoded.mentions.len(), built.mentions.len(), "document {id}");
                for (i, (d, b)) in decoded.mentions.iter().zip(&built.mentions).enumerate() {
                    assert_eq!(d, b, "document {id}, mention {i}");
                }
                for (i, (d, b)) in decoded.entities.iter().zip(&built.entities).enumerate() {
                    assert_eq!(d, b, "document {id}, entity {i}");
                }
                assert_eq!(decoded, built, "document {id}");
                mentions += built.mentions.len();
                alternatives += built.mentions.iter().map(|m| m.alternatives.len()).sum::<usize>();
                evidence += built.mentions.iter().filter(|m| !m.evidence.is_empty()).count();
                figures += built.mentions.iter().filter(|m| m.figure.is_some()).count();
            }
        }
        // The corpus exercises what the encoding writes.
        assert!(mentions > 1000 && alternatives > 10 && evidence > 20 && figures > 100, "{mentions} {alternatives} {evidence} {figures}");
    }
}
