//! Protobuf JSON for `ExtractResponse` and `ExtractBatchResponse`, as grpcurl prints them:
//! lowerCamelCase field names, enums by name, 64-bit integers as strings, fields at their
//! default value omitted, map entries sorted by key.
//!
//! The one writer of response JSON: `gazette extract` prints it, JSON over HTTP
//! ([`super::http`]) answers it. Hand-written for these few messages, as bytes straight from
//! the prost structs: a tree of `serde_json::Value`s (one map and a key string per field) cost
//! more than the extraction itself, and a reflection-based printer, as prost-reflect's, walks
//! a dynamic copy of the message and writes map entries in hash order. Strings and doubles go
//! through serde_json's own escaping and formatting; the test below checks every key against the
//! JSON names of the descriptor set, and `tests/http.rs` checks whole answers against
//! prost-reflect's reading of the gRPC answer. Requests are read by prost-reflect
//! ([`super::http`]), which knows every input form proto3 JSON allows.

use super::pb;

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
    o.str("documentId", &r.document_id);
    match &r.result {
        Some(pb::extract_batch_response::Result::Response(x)) => write_response(o.key("response"), x),
        Some(pb::extract_batch_response::Result::Error(e)) => {
            let mut error = Object::open(o.key("error"));
            if e.code != 0 {
                error.raw("code", e.code.to_string().as_bytes());
            }
            error.str("message", &e.message);
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

    /// Writes `"key":` and returns the buffer for its value.
    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        string(self.out, key);
        self.out.push(b':');
        self.out
    }

    fn raw(&mut self, key: &str, value: &[u8]) {
        self.key(key).extend_from_slice(value);
    }

    /// A string, left out when empty (its default).
    fn str(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            string(self.key(key), value);
        }
    }

    /// A 64-bit integer, as a string; left out when 0.
    fn u64(&mut self, key: &str, value: u64) {
        if value != 0 {
            let out = self.key(key);
            out.push(b'"');
            out.extend_from_slice(value.to_string().as_bytes());
            out.push(b'"');
        }
    }

    /// A float as protobuf JSON printers show it: its shortest decimal form ("0.97"); left
    /// out when 0.
    fn f32(&mut self, key: &str, value: f32) {
        if value != 0.0 {
            let v: f64 = value.to_string().parse().unwrap_or(value as f64);
            double(self.key(key), v);
        }
    }

    /// An enum by name (by number when it has none); left out when 0.
    fn enumeration(&mut self, key: &str, value: i32, name: impl Fn(i32) -> Option<&'static str>) {
        if value != 0 {
            match name(value) {
                Some(n) => string(self.key(key), n),
                None => self.raw(key, value.to_string().as_bytes()),
            }
        }
    }

    /// A list of `items`, each written by `item`; left out when empty.
    fn list<T>(&mut self, key: &str, items: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
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

/// `s` as a JSON string, escaped as serde_json escapes it.
fn string(out: &mut Vec<u8>, s: &str) {
    // Writing into a vector cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A double as serde_json writes it.
fn double(out: &mut Vec<u8>, v: f64) {
    match serde_json::Number::from_f64(v) {
        Some(n) => out.extend_from_slice(n.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
}

/// Integral doubles print without a fraction, as protobuf JSON printers do ("4700000000").
fn number(out: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        out.extend_from_slice((v as i64).to_string().as_bytes());
    } else {
        double(out, v);
    }
}

fn write_response(out: &mut Vec<u8>, r: &pb::ExtractResponse) {
    let mut o = Object::open(out);
    o.str("documentId", &r.document_id);
    o.list("mentions", &r.mentions, mention);
    o.list("entities", &r.entities, entity);
    o.str("gazetteerVersion", &r.gazetteer_version);
    o.close();
}

fn mention(out: &mut Vec<u8>, m: &pb::Mention) {
    let mut o = Object::open(out);
    o.enumeration("kind", m.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    o.str("text", &m.text);
    o.u64("start", m.start);
    o.u64("end", m.end);
    o.str("entityId", &m.entity_id);
    o.str("canonicalName", &m.canonical_name);
    o.str("gazetteer", &m.gazetteer);
    if let Some(f) = &m.figure {
        figure(o.key("figure"), f);
    }
    o.enumeration("method", m.method, |v| pb::MatchMethod::try_from(v).ok().map(|k| k.as_str_name()));
    o.str("evidence", &m.evidence);
    o.f32("confidence", m.confidence);
    o.list("alternatives", &m.alternatives, alternative);
    o.close();
}

fn alternative(out: &mut Vec<u8>, a: &pb::Alternative) {
    let mut o = Object::open(out);
    o.str("entityId", &a.entity_id);
    o.str("canonicalName", &a.canonical_name);
    o.enumeration("kind", a.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    o.str("gazetteer", &a.gazetteer);
    o.f32("confidence", a.confidence);
    if let Some(at) = &a.attributes {
        attributes(o.key("attributes"), at);
    }
    o.close();
}

fn attributes(out: &mut Vec<u8>, a: &pb::EntityAttributes) {
    let mut o = Object::open(out);
    o.str("country", &a.country);
    o.str("placeType", &a.place_type);
    o.str("geonamesId", &a.geonames_id);
    o.str("wikidataId", &a.wikidata_id);
    if let Some(p) = a.population {
        let out = o.key("population");
        out.push(b'"');
        out.extend_from_slice(p.to_string().as_bytes());
        out.push(b'"');
    }
    o.str("subdivision", &a.subdivision);
    o.str("role", &a.role);
    if !a.other.is_empty() {
        let mut other: Vec<(&String, &String)> = a.other.iter().collect();
        other.sort();
        let mut m = Object::open(o.key("other"));
        for (k, v) in other {
            string(m.key(k), v);
        }
        m.close();
    }
    o.close();
}

fn figure(out: &mut Vec<u8>, f: &pb::Figure) {
    let mut o = Object::open(out);
    o.enumeration("kind", f.kind, |v| pb::FigureKind::try_from(v).ok().map(|k| k.as_str_name()));
    if f.value != 0.0 {
        number(o.key("value"), f.value);
    }
    if let Some(max) = f.value_max {
        number(o.key("valueMax"), max);
    }
    o.str("unit", &f.unit);
    o.str("date", &f.date);
    if f.approximate {
        o.raw("approximate", b"true");
    }
    o.enumeration("qualifier", f.qualifier, |v| pb::Qualifier::try_from(v).ok().map(|k| k.as_str_name()));
    o.close();
}

fn entity(out: &mut Vec<u8>, e: &pb::Entity) {
    let mut o = Object::open(out);
    o.str("entityId", &e.entity_id);
    o.enumeration("kind", e.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    o.str("canonicalName", &e.canonical_name);
    o.list("mentionIndexes", &e.mention_indexes, |out, i| out.extend_from_slice(i.to_string().as_bytes()));
    o.str("gazetteer", &e.gazetteer);
    if let Some(a) = &e.attributes {
        attributes(o.key("attributes"), a);
    }
    o.f32("confidence", e.confidence);
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
