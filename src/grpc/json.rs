//! Protobuf JSON for `ExtractResponse` and `ExtractBatchResponse`, as grpcurl prints them:
//! lowerCamelCase field names, enums by name, 64-bit integers as strings, fields at their
//! default value omitted, map entries sorted by key.
//!
//! The one writer of response JSON: `gazette extract` prints it, JSON over HTTP
//! ([`super::http`]) answers it. Hand-written for these few messages, straight from the prost
//! structs (a reflection-based printer, as prost-reflect's, walks a dynamic copy of the
//! message and writes map entries in hash order); the test below checks every key against the
//! JSON names of the descriptor set, and `tests/http.rs` checks whole answers against
//! prost-reflect's reading of the gRPC answer. Requests are read by prost-reflect
//! ([`super::http`]), which knows every input form proto3 JSON allows.

use serde_json::{Map, Value};

use super::pb;

pub fn response(r: &pb::ExtractResponse) -> Value {
    let mut o = Map::new();
    put_str(&mut o, "documentId", &r.document_id);
    if !r.mentions.is_empty() {
        o.insert("mentions".into(), r.mentions.iter().map(mention).collect());
    }
    if !r.entities.is_empty() {
        o.insert("entities".into(), r.entities.iter().map(entity).collect());
    }
    put_str(&mut o, "gazetteerVersion", &r.gazetteer_version);
    Value::Object(o)
}

/// One line of a JSON-lines batch: the document's response, or its error.
pub fn batch_response(r: &pb::ExtractBatchResponse) -> Value {
    let mut o = Map::new();
    put_str(&mut o, "documentId", &r.document_id);
    match &r.result {
        Some(pb::extract_batch_response::Result::Response(x)) => {
            o.insert("response".into(), response(x));
        }
        Some(pb::extract_batch_response::Result::Error(e)) => {
            let mut error = Map::new();
            if e.code != 0 {
                error.insert("code".into(), Value::from(e.code));
            }
            put_str(&mut error, "message", &e.message);
            o.insert("error".into(), Value::Object(error));
        }
        None => {}
    }
    Value::Object(o)
}

fn mention(m: &pb::Mention) -> Value {
    let mut o = Map::new();
    put_enum(&mut o, "kind", m.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    put_str(&mut o, "text", &m.text);
    put_u64(&mut o, "start", m.start);
    put_u64(&mut o, "end", m.end);
    put_str(&mut o, "entityId", &m.entity_id);
    put_str(&mut o, "canonicalName", &m.canonical_name);
    put_str(&mut o, "gazetteer", &m.gazetteer);
    if let Some(f) = &m.figure {
        o.insert("figure".into(), figure(f));
    }
    put_enum(&mut o, "method", m.method, |v| pb::MatchMethod::try_from(v).ok().map(|k| k.as_str_name()));
    put_str(&mut o, "evidence", &m.evidence);
    put_f32(&mut o, "confidence", m.confidence);
    if !m.alternatives.is_empty() {
        o.insert("alternatives".into(), m.alternatives.iter().map(alternative).collect());
    }
    Value::Object(o)
}

fn alternative(a: &pb::Alternative) -> Value {
    let mut o = Map::new();
    put_str(&mut o, "entityId", &a.entity_id);
    put_str(&mut o, "canonicalName", &a.canonical_name);
    put_enum(&mut o, "kind", a.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    put_str(&mut o, "gazetteer", &a.gazetteer);
    put_f32(&mut o, "confidence", a.confidence);
    if let Some(at) = &a.attributes {
        o.insert("attributes".into(), attributes(at));
    }
    Value::Object(o)
}

fn attributes(a: &pb::EntityAttributes) -> Value {
    let mut o = Map::new();
    put_str(&mut o, "country", &a.country);
    put_str(&mut o, "placeType", &a.place_type);
    put_str(&mut o, "geonamesId", &a.geonames_id);
    put_str(&mut o, "wikidataId", &a.wikidata_id);
    if let Some(p) = a.population {
        o.insert("population".into(), Value::String(p.to_string()));
    }
    put_str(&mut o, "subdivision", &a.subdivision);
    put_str(&mut o, "role", &a.role);
    if !a.other.is_empty() {
        let mut other: Vec<(&String, &String)> = a.other.iter().collect();
        other.sort();
        o.insert("other".into(), Value::Object(other.into_iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()));
    }
    Value::Object(o)
}

fn figure(f: &pb::Figure) -> Value {
    let mut o = Map::new();
    put_enum(&mut o, "kind", f.kind, |v| pb::FigureKind::try_from(v).ok().map(|k| k.as_str_name()));
    if f.value != 0.0 {
        o.insert("value".into(), number(f.value));
    }
    if let Some(max) = f.value_max {
        o.insert("valueMax".into(), number(max));
    }
    put_str(&mut o, "unit", &f.unit);
    put_str(&mut o, "date", &f.date);
    if f.approximate {
        o.insert("approximate".into(), Value::Bool(true));
    }
    put_enum(&mut o, "qualifier", f.qualifier, |v| pb::Qualifier::try_from(v).ok().map(|k| k.as_str_name()));
    Value::Object(o)
}

fn entity(e: &pb::Entity) -> Value {
    let mut o = Map::new();
    put_str(&mut o, "entityId", &e.entity_id);
    put_enum(&mut o, "kind", e.kind, |v| pb::EntityKind::try_from(v).ok().map(|k| k.as_str_name()));
    put_str(&mut o, "canonicalName", &e.canonical_name);
    if !e.mention_indexes.is_empty() {
        o.insert("mentionIndexes".into(), e.mention_indexes.iter().map(|&i| Value::from(i)).collect());
    }
    put_str(&mut o, "gazetteer", &e.gazetteer);
    if let Some(a) = &e.attributes {
        o.insert("attributes".into(), attributes(a));
    }
    put_f32(&mut o, "confidence", e.confidence);
    Value::Object(o)
}

fn put_str(o: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        o.insert(key.into(), Value::String(value.to_owned()));
    }
}

/// A float as protobuf JSON printers show it: its shortest decimal form ("0.97").
fn put_f32(o: &mut Map<String, Value>, key: &str, value: f32) {
    if value != 0.0 {
        let v: f64 = value.to_string().parse().unwrap_or(value as f64);
        o.insert(key.into(), serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number));
    }
}

fn put_u64(o: &mut Map<String, Value>, key: &str, value: u64) {
    if value != 0 {
        o.insert(key.into(), Value::String(value.to_string()));
    }
}

fn put_enum(o: &mut Map<String, Value>, key: &str, value: i32, name: impl Fn(i32) -> Option<&'static str>) {
    if value != 0 {
        o.insert(key.into(), name(value).map_or_else(|| Value::from(value), |n| Value::String(n.to_owned())));
    }
}

/// Integral doubles print without a fraction, as protobuf JSON printers do ("4700000000").
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
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
        let json = response(&r);
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
        let json = batch_response(&error);
        assert_eq!(keys(&json), ["documentId", "error"].map(String::from).into());
        assert_eq!(keys(&json["error"]), json_names("BatchError"));
        let ok = pb::ExtractBatchResponse { document_id: String::new(), result: Some(pb::extract_batch_response::Result::Response(r)) };
        assert_eq!(keys(&batch_response(&ok)), ["response"].map(String::from).into());
        assert!(json_names("ExtractBatchResponse").is_superset(&["documentId", "error", "response"].map(String::from).into()));
    }
}
