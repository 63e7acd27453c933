//! Generated inputs through the public API, in place of `cargo fuzz` (which needs a nightly
//! toolchain): whole extraction with the three offset encodings checked against the text,
//! the figure scanner's spans, the gazetteer parser, and request decoding through the gRPC
//! adapter. Each property runs `GAZETTE_FUZZ_CASES` cases (2,000 by default; set millions to
//! search longer). Inputs worth keeping are in `tests/data/fuzz/`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use gazette::grpc::pb;
use gazette::grpc::pb::entity_extractor_server::EntityExtractor;
use gazette::{offsets, Encoding, EntityKind, Extractor, Gazetteers, Limits, Options};
use proptest::prelude::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn cases() -> u32 {
    std::env::var("GAZETTE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000)
}

fn config() -> ProptestConfig {
    // Failures are reported with their input; keep the interesting ones in tests/data/fuzz.
    ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() }
}

fn fixtures() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| Extractor::load(&Path::new(ROOT).join("tests/data/gazetteers")).expect("fixtures load"))
}

fn defaults() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| Extractor::load(&Path::new(ROOT).join("gazetteers")).expect("default gazetteers load"))
}

/// Pieces news text is made of, and pieces that have broken text engines: names of both
/// gazetteer sets, figures, separators, case and width variants, combining marks, emoji
/// sequences, invisible characters, other scripts.
const PIECES: &[&str] = &[
    "Putin", "Vladimir Putin", "Netanyahu", "Iran", "Israel", "U.S.", "US", "us", "UN", "U.N.", "New York", "The New York Times",
    "Moscow", "Zürich", "Zurich", "ZÜRICH", "Paris", "Johnson", "Boris Johnson", "Mr.", "Dr.", "President", "said", "the", "and",
    "of", "in", "on Friday", "January 15, 2026", "May", "2,677", "1.5", "4.7 million", "US$", "$", "€", "£", "¥", "%", "per cent",
    "km", "bn", "m", "twenty-five", "one", "first", "21st", "at least", "between", "to", "-", "–", "—", ".", ",", ";", ":", "/",
    "@", "#", "+", "'", "’", "\"", "“", "”", "(", ")", " ", " ", "  ", "\n", "\r\n", "\t", "\u{a0}", "\u{2009}", "\u{3000}",
    "\u{200b}", "\u{200d}", "\u{ad}", "\u{301}", "\u{308}", "ß", "İ", "ı", "ﬁ", "Ǆ", "K", "👋🏽", "👨‍👩‍👧", "🇮🇷", "伊朗", "東京",
    "עברית", "العربية", "Ελλάδα", "Россия", "\u{fffd}", "0", "7", "12", "000", "1900", "2099",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(proptest::sample::select(PIECES), 1..48).prop_map(|p| p.concat()),
        1 => "\\PC{1,64}",
        1 => proptest::collection::vec(proptest::sample::select(PIECES), 1..4)
            .prop_flat_map(|p| (Just(p.concat()), 1..200usize))
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

fn kinds() -> impl Strategy<Value = Vec<EntityKind>> {
    proptest::sample::subsequence(vec![EntityKind::Person, EntityKind::Place, EntityKind::Organization, EntityKind::Figure], 0..=4)
}

/// Every mention's offsets, in each encoding, index its text; spans are in order, within the
/// text, on character boundaries, and `kinds` is obeyed.
fn check(x: &Extractor, text: &str, options: &Options) -> Result<(), TestCaseError> {
    let e = match x.extract(text, options) {
        Ok(e) => e,
        Err(gazette::Error::EmptyText) => {
            prop_assert!(text.is_empty());
            return Ok(());
        }
        Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
    };
    let chars: Vec<char> = text.chars().collect();
    let units: Vec<u16> = text.encode_utf16().collect();
    let utf8 = offsets(text, &e.mentions, Encoding::Utf8);
    let utf16 = offsets(text, &e.mentions, Encoding::Utf16);
    let cps = offsets(text, &e.mentions, Encoding::CodePoint);
    let mut last_start = 0;
    for (k, m) in e.mentions.iter().enumerate() {
        prop_assert!(m.start < m.end && m.end <= text.len(), "span {}..{} of {}", m.start, m.end, text.len());
        prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
        prop_assert!(m.start >= last_start, "mentions in text order");
        last_start = m.start;
        prop_assert!(options.kinds.is_empty() || options.kinds.contains(&m.kind));
        let want = &text[m.start..m.end];
        prop_assert_eq!(utf8[k], (m.start as u64, m.end as u64));
        let (s, t) = (utf16[k].0 as usize, utf16[k].1 as usize);
        prop_assert!(s < t && t <= units.len());
        let decoded = String::from_utf16(&units[s..t]).ok();
        prop_assert_eq!(decoded.as_deref(), Some(want));
        let (s, t) = (cps[k].0 as usize, cps[k].1 as usize);
        prop_assert!(s < t && t <= chars.len());
        prop_assert_eq!(chars[s..t].iter().collect::<String>(), want);
    }
    for entity in &e.entities {
        for &i in &entity.mentions {
            prop_assert!((i as usize) < e.mentions.len());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn extraction_offsets_hold_with_the_fixtures(text in text(), kinds in kinds(), known_only in any::<bool>()) {
        check(fixtures(), &text, &Options { kinds, known_only, ..Options::default() })?;
    }

    #[test]
    fn extraction_offsets_hold_with_the_default_gazetteers(text in text(), kinds in kinds()) {
        check(defaults(), &text, &Options { kinds, ..Options::default() })?;
    }

    /// The figure scanner alone (only figures asked for), with and without a reference date.
    #[test]
    fn figures_are_well_formed(text in text(), dated in any::<bool>()) {
        let reference_date = if dated { gazette::Date::parse_iso("2026-01-20") } else { None };
        check(fixtures(), &text, &Options { kinds: vec![EntityKind::Figure], reference_date, ..Options::default() })?;
    }

    /// Any bytes as a gazetteer file: loaded, or refused with an error naming the file and a
    /// line of it; never a panic.
    #[test]
    fn gazetteer_parser_names_the_line_or_loads(lines in proptest::collection::vec(gazetteer_line(), 0..12)) {
        let data = lines.concat().into_bytes();
        let line_count = data.split(|&b| b == b'\n').count();
        match Gazetteers::from_sources(vec![(PathBuf::from("g.tsv"), data)]) {
            Ok(g) => prop_assert!(g.entries.len() <= lines.len()),
            Err(e) => {
                let message = e.to_string();
                let line = message.strip_prefix("g.tsv:").and_then(|m| m.split(':').next()).and_then(|n| n.parse::<usize>().ok());
                prop_assert!(line.is_some_and(|n| n >= 1 && n <= line_count), "{}", message);
                prop_assert!(message.len() < 1_000, "an error message of {} bytes", message.len());
            }
        }
    }

    /// Any bytes as a request message: decoded or refused by prost, and what decodes goes
    /// through the adapter's validation to a response or a status of a known kind.
    #[test]
    fn requests_decode_and_validate_or_fail_cleanly(bytes in request_bytes()) {
        if let Ok(request) = <pb::ExtractRequest as prost::Message>::decode(bytes.as_slice()) {
            let text = request.text.clone();
            match runtime().block_on(service().extract(tonic::Request::new(request))) {
                Ok(r) => prop_assert!(!text.is_empty() && r.into_inner().mentions.iter().all(|m| text.contains(&m.text))),
                Err(status) => {
                    prop_assert!(matches!(status.code(), tonic::Code::InvalidArgument | tonic::Code::OutOfRange), "{:?}", status);
                    prop_assert!(status.message().len() < 1_000);
                }
            }
        }
    }
}

/// A gazetteer line: well formed, or broken in one of the ways files break.
fn gazetteer_line() -> impl Strategy<Value = String> {
    let id = prop_oneof![Just("place:a".to_owned()), Just("person:b".to_owned()), "[a-z:._-]{1,12}", "\\PC{0,8}"];
    let kind = prop_oneof![Just("place"), Just("person"), Just("organization"), Just("thing"), Just("")];
    let canonical = prop_oneof![Just("Iran".to_owned()), Just("New York".to_owned()), "\\PC{0,16}"];
    let aliases = prop_oneof![Just(String::new()), Just("US|U.S.".to_owned()), Just("x@weak,exact|y@any".to_owned()), Just("z@bogus".to_owned()), "\\PC{0,16}"];
    let priority = prop_oneof![Just("85".to_owned()), Just("1001".to_owned()), Just("-1".to_owned()), "[0-9]{0,5}"];
    let attributes = prop_oneof![Just(String::new()), Just("country=US;population=100".to_owned()), Just("wikidata=Q1;geonames=12".to_owned()), Just("country=usa".to_owned()), Just("Key=v".to_owned()), "\\PC{0,16}"];
    let well_formed = (id, kind, canonical, aliases, priority, attributes)
        .prop_map(|(id, kind, canonical, aliases, priority, attributes)| format!("{id}\t{kind}\t{canonical}\t{aliases}\t{priority}\t{attributes}\n"));
    prop_oneof![
        6 => well_formed,
        1 => Just("# a comment\n".to_owned()),
        1 => Just("\n".to_owned()),
        1 => "\\PC{0,40}\n",
        1 => "[\\t a-z]{0,20}\n",
    ]
}

/// Bytes that are, or are near, an encoded ExtractRequest.
fn request_bytes() -> impl Strategy<Value = Vec<u8>> {
    let valid = || (text(), 0..6i32, proptest::collection::vec(-1..6i32, 0..3), proptest::collection::vec(prop_oneof![Just("places".to_owned()), Just("world".to_owned()), "\\PC{0,8}"], 0..2), prop_oneof![Just(String::new()), Just("2026-01-20".to_owned()), Just("2026-02-30".to_owned()), "\\PC{0,12}"])
        .prop_map(|(text, offset_encoding, kinds, gazetteers, reference_date)| {
            prost::Message::encode_to_vec(&pb::ExtractRequest { document_id: "d".into(), text, offset_encoding, kinds, gazetteers, reference_date, ..Default::default() })
        });
    prop_oneof![
        3 => valid(),
        1 => (valid(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut b, i, x)| {
            if !b.is_empty() {
                let k = i.index(b.len());
                b[k] ^= x;
            }
            b
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime"))
}

fn service() -> &'static gazette::grpc::Service {
    static S: OnceLock<gazette::grpc::Service> = OnceLock::new();
    S.get_or_init(|| {
        let state = Arc::new(gazette::grpc::State::default());
        state.install(fixtures().clone());
        gazette::grpc::Service::new(state, Limits::default())
    })
}

/// The kept inputs, each through every encoding, every kind filter and both gazetteer sets.
#[test]
fn kept_inputs() {
    let kept: Vec<String> = serde_json::from_str(&std::fs::read_to_string(Path::new(ROOT).join("tests/data/fuzz/texts.json")).unwrap()).unwrap();
    assert!(kept.len() >= 10);
    for text in &kept {
        for x in [fixtures(), defaults()] {
            for kinds in [vec![], vec![EntityKind::Figure], vec![EntityKind::Person, EntityKind::Place]] {
                check(x, text, &Options { kinds, ..Options::default() }).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            }
        }
    }
}
