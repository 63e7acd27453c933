//! Protobuf JSON for `ExtractResponse` and `ExtractBatchResponse`, as grpcurl prints them:
//! lowerCamelCase field names, enums by name, 64-bit integers as strings, fields at their
//! default value omitted, map entries sorted by key.
//!
//! The one writer of response JSON: `gazette extract` prints it, JSON over HTTP
//! ([`super::http`]) answers it. Hand-written for these few messages, as bytes straight from
//! the prost structs: a tree of `serde_json::Value`s (one map and a key string per field) cost
//! more than the extraction itself, and a reflection-based printer, as prost-reflect's, walks
//! a dynamic copy of the message and writes map entries in hash order. Strings are escaped and
//! numbers formatted as serde_json does (the tests below compare them with serde_json's, and
//! with the float printing they replaced), with its own number formatters (`itoa`, `zmij`)
//! but without its per-value machinery, which was a third of a JSON call's cost beyond the
//! engine's. The test below also checks every key against the
//! JSON names of the descriptor set, and `tests/http.rs` checks whole answers against
//! prost-reflect's reading of the gRPC answer. Requests are read by prost-reflect
//! ([`super::http`]), which knows every input form proto3 JSON allows.

use super::pb;

/// A field's key as [`Object::key`] takes it: `,"name":`.
macro_rules! k {
    ($name:literal) => {
        concat!(",\"", $name, "\":")
    };
}


/// `r` as JSON text.
pub fn response(r: &pb::ExtractResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + 320 * r.mentions.len() + 256 * r.entities.len());
    write_response(&mut out, r);
    out
}

/// One line of a JSON-lines batch (without its newline): the document's response, or its
/// error.
pub fn batch_response(r: &pb::ExtractBatchResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(match &r.result {
        Some(pb::extract_batch_response::Result::Response(x)) => 256 + 320 * x.mentions.len() + 256 * x.entities.len(),
        _ => 256,
    });
    let mut o = Object::open(&mut out);
    o.str(k!("documentId"), &r.document_id);
    match &r.result {
        Some(pb::extract_batch_response::Result::Response(x)) => write_response(o.key(k!("response")), x),
        Some(pb::extract_batch_response::Result::Error(e)) => {
            let mut error = Object::open(o.key(k!("error")));
            if e.code != 0 {
                error.raw(k!("code"), e.code.to_string().as_bytes());
            }
            error.str(k!("message"), &e.message);
            error.close();
        }
        None => {}
    }
    o.close();
    out
}

/// A JSON object being written: its keys in the order they are given, each once.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Object<'a> {
    fn open(out: &'a mut Vec<u8>) -> Object<'a> {
        out.push(b'{');
        Object { out, first: true }
    }

    /// Writes a field's key, given as `k!("name")` (`,"name":`, its comma left out on the
    /// first field), and returns the buffer for its value. The contract's JSON names need no
    /// escaping, so the key goes out as one copy.
    fn key(&mut self, key: &'static str) -> &mut Vec<u8> {
        debug_assert!(key.starts_with(",\"") && key.ends_with("\":"));
        let key = if std::mem::take(&mut self.first) { &key[1..] } else { key };
        self.out.extend_from_slice(key.as_bytes());
        self.out
    }

    /// Writes a map entry's key (any text, escaped) and returns the buffer for its value.
    fn entry(&mut self, key: &str) -> &mut Vec<u8> {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        string(self.out, key);
        self.out.push(b':');
        self.out
    }

    fn raw(&mut self, key: &'static str, value: &[u8]) {
        self.key(key).extend_from_slice(value);
    }

    /// A string, left out when empty (its default).
    fn str(&mut self, key: &'static str, value: &str) {
        if !value.is_empty() {
            string(self.key(key), value);
        }
    }

    /// A 64-bit integer, as a string; left out when 0.
    fn u64(&mut self, key: &'static str, value: u64) {
        if value != 0 {
            let out = self.key(key);
            out.push(b'"');
            out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
            out.push(b'"');
        }
    }

    /// A float as protobuf JSON printers show it: its shortest decimal form ("0.97", not the
    /// double's 0.9700000286102295); left out when 0.
    fn f32(&mut self, key: &'static str, value: f32) {
        if value != 0.0 {
            float(self.key(key), value);
        }
    }

    /// An enum by name (by number when it has none); left out when 0.
    fn enumeration(&mut self, key: &'static str, value: i32, name: impl Fn(i32) -> Option<&'static str>) {
        if value != 0 {
            match name(value) {
                // Enum names are identifiers: nothing to escape.
                Some(n) => {
                    let out = self.key(key);
                    out.push(b'"');
                    out.extend_from_slice(n.as_bytes());
                    out.push(b'"');
                }
                None => self.raw(key, value.to_string().as_bytes()),
            }
        }
    }

    /// A list of `items`, each written by `item`; left out when empty.
    fn list<T>(&mut self, key: &'static str, items: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
        if items.is_empty() {
            return;
        }
        let out = self.key(key);
        out.push(b'[');
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item(out, x);
        }
        out.push(b']');
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// `s` as a JSON string, escaped as serde_json escapes it: `"` and `\\`, the control
/// characters (`\\n`, `\\t`... and `\\u00XX` for those without a short form); everything else,
/// non-ASCII included, as it is. Runs without an escape are copied whole.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let (mut at, mut run) = (0, 0);
    while at < bytes.len() {
        // Eight bytes at a time while none needs an escape.
        if let Some(word) = bytes.get(at..at + 8) {
            if !needs_escape(u64::from_le_bytes(word.try_into().unwrap_or([0; 8]))) {
                at += 8;
                continue;
            }
        }
        let end = (at + 8).min(bytes.len());
        for (i, &b) in bytes.iter().enumerate().take(end).skip(at) {
            if b >= 0x20 && b != b'"' && b != b'\\' {
                continue;
            }
            out.extend_from_slice(&bytes[run..i]);
            run = i + 1;
            let short = match b {
                b'"' => b'"',
                b'\\' => b'\\',
                0x08 => b'b',
                0x0C => b'f',
                b'\n' => b'n',
                b'\r' => b'r',
                b'\t' => b't',
                _ => 0,
            };
            if short != 0 {
                out.extend_from_slice(&[b'\\', short]);
            } else {
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
            }
        }
        at = end;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Whether any of the eight bytes of `w` is a control character, `"` or `\\` (the exact
/// "has a byte less than n" and "has a zero byte" tests of bit-twiddling lore: no false
/// answers either way).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let quote = (w ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES) & !(w ^ (ONES * u64::from(b'"')));
    let backslash = (w ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES) & !(w ^ (ONES * u64::from(b'\\')));
    (control | quote | backslash) & HIGH != 0
}

/// A double as serde_json writes it (`null` when not finite).
fn double(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// A float in its shortest decimal form, written as serde_json writes the double of that
/// decimal (the same digits: the double nearest to an 8-digit decimal prints as it); `null`
/// when not finite. Between 1e-4 and 1e6 (confidences, every value this contract has) that is
/// Rust's own shortest form of the float, formatted on the stack, with ".0" on an integral
/// one as serde_json writes it; outside, where serde_json switches to exponents, the decimal is
/// read back as a double.
fn float(out: &mut Vec<u8>, v: f32) {
    use std::fmt::Write as _;
    /// A fixed buffer for one formatted float (Rust's shortest f32 form below 1e6 is at most
    /// 16 bytes: "-0.0001xxxxxxxxx").
    struct Stack {
        bytes: [u8; 48],
        len: usize,
    }
    impl std::fmt::Write for Stack {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let end = self.len + s.len();
            self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?.copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    if !v.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    // Most values are thousandths (confidences are rounded so): the float nearest to k/1000,
    // whose shortest decimal is k/1000 itself, written without formatting machinery.
    let thousandths = (v.abs() * 1000.0).round();
    if (1.0..1e6).contains(&thousandths) && thousandths / 1000.0 == v.abs() {
        let k = thousandths as u32;
        if v < 0.0 {
            out.push(b'-');
        }
        out.extend_from_slice(itoa::Buffer::new().format(k / 1000).as_bytes());
        out.push(b'.');
        let (mut frac, mut digits) = (k % 1000, 3);
        while frac % 10 == 0 && digits > 1 {
            frac /= 10;
            digits -= 1;
        }
        let text = [b'0' + (frac / 100 % 10) as u8, b'0' + (frac / 10 % 10) as u8, b'0' + (frac % 10) as u8];
        out.extend_from_slice(&text[3 - digits..]);
        return;
    }
    let mut text = Stack { bytes: [0; 48], len: 0 };
    if (1e-4..1e6).contains(&v.abs()) && write!(text, "{v}").is_ok() {
        let text = &text.bytes[..text.len];
        out.extend_from_slice(text);
        if !text.contains(&b'.') {
            out.extend_from_slice(b".0");
        }
    } else {
        double(out, v.to_string().parse().unwrap_or(f64::from(v)));
    }
}

/// Integral doubles print without a fraction, as protobuf JSON printers do ("4700000000").
fn number(out: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        double(out, v);
    }
}

fn write_response(out: &mut Vec<u8>, r: &pb::ExtractResponse) {
    let mut o = Object::open(out);
    o.str(k!("documentId"), &r.document_id);
    o.list(k!("mentions"), &r.mentions, mention);
    o.list(k!("entities"), &r.entities, entity);
    o.str(k!("gazetteerVersion"), &r.gazetteer_version);
    o.close();
}

fn mention(out: &mut Vec<u8>, m: &pb::Mention) {
    let mut o = Object::open(out);
    o.enumeration(k!("kind"), m.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    o.str(k!("text"), &m.text);
    o.u64(k!("start"), m.start);
    o.u64(k!("end"), m.end);
    o.str(k!("entityId"), &m.entity_id);
    o.str(k!("canonicalName"), &m.canonical_name);
    o.str(k!("gazetteer"), &m.gazetteer);
    if let Some(f) = &m.figure {
        figure(o.key(k!("figure")), f);
    }
    o.enumeration(k!("method"), m.method, |v| pb::MatchMethod::try_from(v).ok().map(|k| k.as_str_name()));
    o.str(k!("evidence"), &m.evidence);
    o.f32(k!("confidence"), m.confidence);
    o.list(k!("alternatives"), &m.alternatives, alternative);
    o.close();
}

fn alternative(out: &mut Vec<u8>, a: &pb::Alternative) {
    let mut o = Object::open(out);
    o.str(k!("entityId"), &a.entity_id);
    o.str(k!("canonicalName"), &a.canonical_name);
    o.enumeration(k!("kind"), a.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    o.str(k!("gazetteer"), &a.gazetteer);
    o.f32(k!("confidence"), a.confidence);
    if let Some(at) = &a.attributes {
        attributes(o.key(k!("attributes")), at);
    }
    o.close();
}

fn attributes(out: &mut Vec<u8>, a: &pb::EntityAttributes) {
    let mut o = Object::open(out);
    o.str(k!("country"), &a.country);
    o.str(k!("placeType"), &a.place_type);
    o.str(k!("geonamesId"), &a.geonames_id);
    o.str(k!("wikidataId"), &a.wikidata_id);
    if let Some(p) = a.population {
        let out = o.key(k!("population"));
        out.push(b'"');
        out.extend_from_slice(itoa::Buffer::new().format(p).as_bytes());
        out.push(b'"');
    }
    o.str(k!("subdivision"), &a.subdivision);
    o.str(k!("role"), &a.role);
    if !a.other.is_empty() {
        let mut other: Vec<(&String, &String)> = a.other.iter().collect();
        other.sort();
        let mut m = Object::open(o.key(k!("other")));
        for (k, v) in other {
            string(m.entry(k), v);
        }
        m.close();
    }
    o.close();
}

fn figure(out: &mut Vec<u8>, f: &pb::Figure) {
    let mut o = Object::open(out);
    o.enumeration(k!("kind"), f.kind, |v| pb::FigureKind::try_from(v).ok().map(|k| k.as_str_name()));
    if f.value != 0.0 {
        number(o.key(k!("value")), f.value);
    }
    if let Some(max) = f.value_max {
        number(o.key(k!("valueMax")), max);
    }
    o.str(k!("unit"), &f.unit);
    o.str(k!("date"), &f.date);
    if f.approximate {
        o.raw(k!("approximate"), b"true");
    }
    o.enumeration(k!("qualifier"), f.qualifier, |v| pb::Qualifier::try_from(v).ok().map(|k| k.as_str_name()));
    o.close();
}

fn entity(out: &mut Vec<u8>, e: &pb::Entity) {
    let mut o = Object::open(out);
    o.str(k!("entityId"), &e.entity_id);
    o.enumeration(k!("kind"), e.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    o.str(k!("canonicalName"), &e.canonical_name);
    o.list(k!("mentionIndexes"), &e.mention_indexes, |out, i| out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()));
    o.str(k!("gazetteer"), &e.gazetteer);
    if let Some(a) = &e.attributes {
        attributes(o.key(k!("attributes")), a);
    }
    o.f32(k!("confidence"), e.confidence);
    o.close();
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// The protobuf JSON names of a message's fields, from the compiled descriptor set.
    fn json_names(message: &str) -> BTreeSet<String> {
        let fds = prost_types::FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
        let m = fds.file.iter().flat_map(|f| &f.message_type).find(|m| m.name() == message).unwrap();
        m.field.iter().map(|f| f.json_name().to_owned()).collect()
    }

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    fn full_attributes() -> pb::EntityAttributes {
        pb::EntityAttributes {
            country: "AU".into(),
            place_type: "country".into(),
            geonames_id: "2077456".into(),
            wikidata_id: "Q408".into(),
            population: Some(24_992_369),
            subdivision: "AU-VIC".into(),
            role: "r".into(),
            other: [("admin1".to_owned(), "07".to_owned())].into_iter().collect(),
        }
    }

    fn written(write: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut cases: Vec<String> = (0u32..0x80).map(|c| format!("a{}b", char::from_u32(c).unwrap())).collect();
        cases.extend(["", "\"\"", "\\", "Zürich \u{2014} \u{1F600}", "tab\there\nand \u{7f}", "\u{0}", "ends with \\"].map(String::from));
        // Every escape at every place of a word and across words.
        for c in ['"', '\\', '\n', '\u{1}', '\u{1f}', ' ', '\u{7f}', 'é'] {
            for at in 0..20 {
                let mut t: String = "abcdefghijklmnopqrst".chars().take(19).collect();
                t.insert(at, c);
                cases.push(t);
            }
        }
        for case in &cases {
            assert_eq!(written(|out| string(out, case)), serde_json::to_string(case).unwrap(), "{case:?}");
        }
    }

    #[test]
    fn floats_print_their_shortest_decimal_as_before() {
        // The printing this replaced: the float's shortest decimal read as a double, written by
        // serde_json.
        let before = |v: f32| serde_json::Number::from_f64(v.to_string().parse().unwrap()).unwrap().to_string();
        let mut values: Vec<f32> = (1..=1000).map(|i| i as f32 / 1000.0).collect();
        values.extend([0.97, 0.522, 1.0, 1e-7, 3.4e38, f32::MIN_POSITIVE, 123456.79, -0.25, 7.0e-45, 0.001, 0.0011, 999.999, 1000.5, -3.0]);
        values.extend((1..=20_000).map(|i| i as f32 / 1000.0 - 7.0));
        // And a spread over every exponent, from the bits.
        values.extend((0..20_000u32).map(|i| f32::from_bits(i.wrapping_mul(214_013).wrapping_add(2_531_011) & 0x7F7F_FFFF)));
        for v in values.into_iter().filter(|v| *v != 0.0) {
            assert_eq!(written(|out| float(out, v)), before(v), "{v:e}");
        }
        assert_eq!(written(|out| float(out, f32::NAN)), "null");
        for v in [4.7e9, 0.1, 1.5e300, -2.5, 5e-324] {
            assert_eq!(written(|out| double(out, v)), serde_json::Number::from_f64(v).unwrap().to_string(), "{v:e}");
        }
    }

    #[test]
    fn every_field_uses_its_descriptor_json_name() {
        let figure = pb::Figure {
            kind: pb::FigureKind::Money as i32,
            value: 4.7e9,
            value_max: Some(5e9),
            unit: "USD".into(),
            date: "2026-01-16".into(),
            approximate: true,
            qualifier: pb::Qualifier::AtLeast as i32,
        };
        let mention = pb::Mention {
            kind: pb::EntityKind::Figure as i32,
            text: "$4.7bn".into(),
            start: 3,
            end: 9,
            entity_id: "x".into(),
            canonical_name: "y".into(),
            gazetteer: "z".into(),
            figure: Some(figure),
            method: pb::MatchMethod::Pattern as i32,
            evidence: "e".into(),
            confidence: 0.97,
            alternatives: vec![pb::Alternative {
                entity_id: "a".into(),
                canonical_name: "b".into(),
                kind: pb::EntityKind::Place as i32,
                gazetteer: "c".into(),
                confidence: 0.25,
                attributes: Some(full_attributes()),
            }],
        };
        let entity = pb::Entity {
            entity_id: "x".into(),
            kind: pb::EntityKind::Place as i32,
            canonical_name: "y".into(),
            mention_indexes: vec![0, 2],
            gazetteer: "z".into(),
            attributes: Some(full_attributes()),
            confidence: 0.5,
        };
        let r = pb::ExtractResponse {
            document_id: "d".into(),
            mentions: vec![mention],
            entities: vec![entity],
            gazetteer_version: "v".into(),
            ..Default::default()
        };
        let json: Value = serde_json::from_slice(&response(&r)).unwrap();
        assert_eq!(keys(&json), json_names("ExtractResponse"));
        assert_eq!(keys(&json["mentions"][0]), json_names("Mention"));
        assert_eq!(keys(&json["mentions"][0]["figure"]), json_names("Figure"));
        assert_eq!(keys(&json["entities"][0]), json_names("Entity"));
        assert_eq!(json["mentions"][0]["start"], "3");
        assert_eq!(json["mentions"][0]["figure"]["value"], 4_700_000_000i64);
        assert_eq!(json["mentions"][0]["figure"]["qualifier"], "QUALIFIER_AT_LEAST");
        assert_eq!(json["entities"][0]["mentionIndexes"], serde_json::json!([0, 2]));
        assert_eq!(keys(&json["mentions"][0]["alternatives"][0]), json_names("Alternative"));
        assert_eq!(keys(&json["entities"][0]["attributes"]), json_names("EntityAttributes"));
        assert_eq!(json["mentions"][0]["confidence"], 0.97);
        assert_eq!(json["mentions"][0]["alternatives"][0]["confidence"], 0.25);
        assert_eq!(json["entities"][0]["attributes"]["population"], "24992369");
        assert_eq!(json["entities"][0]["attributes"]["other"], serde_json::json!({"admin1": "07"}));

        let error = pb::ExtractBatchResponse {
            document_id: "d".into(),
            result: Some(pb::extract_batch_response::Result::Error(pb::BatchError { code: 3, message: "m".into() })),
        };
        let json: Value = serde_json::from_slice(&batch_response(&error)).unwrap();
        assert_eq!(keys(&json), ["documentId", "error"].map(String::from).into());
        assert_eq!(keys(&json["error"]), json_names("BatchError"));
        let ok = pb::ExtractBatchResponse { document_id: String::new(), result: Some(pb::extract_batch_response::Result::Response(r)) };
        assert_eq!(keys(&serde_json::from_slice(&batch_response(&ok)).unwrap()), ["response"].map(String::from).into());
        assert!(json_names("ExtractBatchResponse").is_superset(&["documentId", "error", "response"].map(String::from).into()));
    }
}
