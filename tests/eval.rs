//! Quality bars on the dev set, scored by the shared scorer (`../shared/eval/score.py`) on the
//! default gazetteers, exactly as the README's evaluation command does. Fails when a score drops
//! below its bar. Skipped with a printed reason where `../shared/eval` is absent, except under
//! CI (`CI=true`), where it must run.

use std::path::{Path, PathBuf};
use std::process::Command;

use gazette::{Encoding, Extractor, Options};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn eval_dir() -> Option<PathBuf> {
    let dir = Path::new(ROOT).join("../shared/eval");
    if dir.join("score.py").is_file() && dir.join("dev-gold.jsonl").is_file() {
        return Some(dir);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "../shared/eval is missing, and CI must score the dev set");
    eprintln!("SKIPPED: {} not found", dir.display());
    None
}

/// The default gazetteers, loaded once for all the tests of this file.
fn default_extractor() -> &'static Extractor {
    static LOADED: std::sync::OnceLock<Extractor> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| Extractor::load(&Path::new(ROOT).join("gazetteers")).expect("default gazetteers load"))
}

/// The scorer's JSON summary for the default gazetteers' predictions on one dev file.
fn score(file: &str) -> Option<serde_json::Value> {
    let dir = eval_dir()?;
    let extractor = default_extractor();
    let gold = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut predictions = String::new();
    for line in gold.lines().filter(|l| !l.trim().is_empty()) {
        let doc: serde_json::Value = serde_json::from_str(line).unwrap();
        let (id, text) = (doc["id"].as_str().unwrap(), doc["text"].as_str().unwrap());
        let extraction = extractor.extract(text, &Options::default()).unwrap();
        let json = gazette::grpc::extract_json(extractor, text, id.to_owned(), extraction, Encoding::CodePoint);
        predictions.push_str(&json.to_string());
        predictions.push('\n');
    }
    let pred = std::env::temp_dir().join(format!("gazette-{file}-pred-{}.jsonl", std::process::id()));
    std::fs::write(&pred, predictions).unwrap();
    let out = Command::new("python3")
        .arg(dir.join("score.py"))
        .arg(dir.join(file))
        .arg(&pred)
        .arg("--json")
        .output()
        .expect("python3 runs the scorer");
    let _ = std::fs::remove_file(&pred);
    assert!(out.status.success(), "score.py failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// Strict scores of one dev file against its bars: `(row, key, bar)`.
fn check(file: &str, bars: &[(&str, &str, f64)]) {
    let Some(s) = score(file) else { return };
    let strict = &s["strict"];
    let get = |row: &str, key: &str| strict[row][key].as_f64().unwrap_or(0.0);
    eprintln!(
        "{file}, strict: NAMES F1 {:.3} (P {:.3}, R {:.3}); PERSON P {:.3} R {:.3}; PLACE P {:.3}; ORGANIZATION F1 {:.3}; FIGURES F1 {:.3}",
        get("NAMES", "f1"),
        get("NAMES", "p"),
        get("NAMES", "r"),
        get("PERSON", "p"),
        get("PERSON", "r"),
        get("PLACE", "p"),
        get("ORGANIZATION", "f1"),
        get("FIGURES", "f1")
    );
    let failed: Vec<String> = bars
        .iter()
        .filter(|&&(row, key, bar)| get(row, key) < bar)
        .map(|&(row, key, bar)| format!("{row} strict {key} {:.3} is below the bar {bar}", get(row, key)))
        .collect();
    assert!(failed.is_empty(), "{file}: {}", failed.join("; "));
}

#[test]
fn dev_gold_scores_meet_the_bars() {
    check("dev-gold.jsonl", &[("NAMES", "f1", 0.97), ("PLACE", "p", 0.97), ("FIGURES", "f1", 0.95)]);
}

/// Ratchets: 0.02 below the scores measured when the clubs of results, transfers and innings
/// landed (issue 20: NAMES F1 0.890, ORGANIZATION F1 0.836 and R 0.782, PERSON P 0.971 and R 0.870;
/// PERSON P kept at the earlier 0.953, never lowered).
#[test]
fn conll_dev_scores_meet_the_bars() {
    check(
        "conll-dev.jsonl",
        &[
            ("NAMES", "f1", 0.870),
            ("ORGANIZATION", "f1", 0.816),
            ("ORGANIZATION", "r", 0.762),
            ("PERSON", "p", 0.953),
            ("PERSON", "r", 0.850),
        ],
    );
}

/// Ratchets: 0.02 below the scores measured when organisations known by a bare name landed
/// (issue 20, the context of bare names, acronyms and public bodies: NAMES F1 0.824,
/// ORGANIZATION F1 0.792, PERSON P 0.933 and R 0.902) and the figure families (issue 9: FIGURES F1 0.929);
/// every figure label's precision stays at the issue's floor of 0.85 (measured: CARDINAL
/// 0.915, MONEY 0.970, PERCENT 0.952, DATE 0.937, QUANTITY 0.870).
#[test]
fn ontonotes_dev_scores_meet_the_bars() {
    check(
        "ontonotes-nw-dev.jsonl",
        &[
            ("NAMES", "f1", 0.814),
            ("ORGANIZATION", "f1", 0.792),
            ("PERSON", "p", 0.913),
            ("PERSON", "r", 0.882),
            ("FIGURES", "f1", 0.909),
            ("CARDINAL", "p", 0.85),
            ("MONEY", "p", 0.85),
            ("PERCENT", "p", 0.85),
            ("DATE", "p", 0.85),
            ("QUANTITY", "p", 0.85),
        ],
    );
}

/// Ordinary English prose with no place or person in it, written to be full of capitalised
/// words that are also place names elsewhere (Most, Police, Hope, Split, Mobile, Reading, Nice,
/// Bath, Day, Independence, Opportunity...), sentence starts and all-caps headlines.
#[test]
fn ordinary_prose_has_no_places_or_persons() {
    let extractor = default_extractor();
    let text = std::fs::read_to_string(Path::new(ROOT).join("tests/data/prose/ordinary.txt")).unwrap();
    let found: Vec<(&str, gazette::EntityKind)> = extractor
        .extract(&text, &Options::default())
        .unwrap()
        .mentions
        .iter()
        .filter(|m| matches!(m.kind, gazette::EntityKind::Place | gazette::EntityKind::Person))
        .map(|m| (&text[m.start..m.end], m.kind))
        .collect();
    assert_eq!(found, vec![], "names found in ordinary prose");
}
