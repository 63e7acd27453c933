//! Protobuf JSON for `ExtractResponse`, as grpcurl prints it: lowerCamelCase field names,
//! enums by name, 64-bit integers as strings, fields at their default value omitted.
//!
//! Hand-written for the handful of messages `gazette extract` prints, so that the CLI needs no
//! second code generator; the round-trip test in `tests/` checks it against the field names of
//! the descriptor set.

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
    Value::Object(o)
}

fn put_str(o: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        o.insert(key.into(), Value::String(value.to_owned()));
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
