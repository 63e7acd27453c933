//! Results pinned on a mixed corpus: speed work must not change a single byte of output.
//!
//! `tests/data/golden/corpus.jsonl` (made by `make_corpus.py` beside it: the bench article
//! whole, per paragraph, repeated and in both cases, the ordinary prose, the fuzz texts, the
//! README's examples and every adversarial input of `gazette bench`) is extracted by the real
//! binary with the default gazetteers, in three settings, and each output line is compared with
//! the recorded one. The recorded files pin a gazetteer version: after a deliberate change of
//! the data or the rules, regenerate them with `GAZETTE_BLESS=1 cargo test --test golden` and
//! review the diff like any other change of results.

use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// (recorded output, extra flags of `gazette extract`)
const SETTINGS: &[(&str, &[&str])] = &[
    ("utf8.jsonl", &[]),
    ("utf16-dated.jsonl", &["--offsets", "utf16", "--reference-date", "2026-01-20"]),
    ("known-only.jsonl", &["--known-only", "--offsets", "codepoint"]),
];

#[test]
fn output_on_the_mixed_corpus_is_unchanged() {
    let dir = format!("{ROOT}/tests/data/golden");
    let mut failures = Vec::new();
    for &(file, flags) in SETTINGS {
        let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(["--gazetteers", &format!("{ROOT}/gazetteers"), "extract", "--jsonl"])
            .args(flags)
            .arg(format!("{dir}/corpus.jsonl"))
            .env("RUST_LOG", "off")
            .output()
            .expect("gazette runs");
        assert!(out.status.success(), "{file}: gazette extract failed: {}", String::from_utf8_lossy(&out.stderr));
        let got = String::from_utf8(out.stdout).expect("UTF-8 output");
        let path = format!("{dir}/{file}");
        if std::env::var_os("GAZETTE_BLESS").is_some() {
            std::fs::write(&path, &got).expect("recorded output written");
            continue;
        }
        let want = std::fs::read_to_string(&path).expect("recorded output");
        let (got_lines, want_lines): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
        assert_eq!(got_lines.len(), want_lines.len(), "{file}: number of documents");
        for (g, w) in got_lines.iter().zip(&want_lines) {
            if g != w {
                let id = serde_json::from_str::<serde_json::Value>(w).ok().and_then(|v| v["documentId"].as_str().map(str::to_owned));
                failures.push(format!("{file}: document {id:?} differs\n  want {}\n  got  {}", clip(w), clip(g)));
            }
        }
    }
    assert!(failures.is_empty(), "{} document(s) changed (GAZETTE_BLESS=1 to record deliberate changes):\n{}", failures.len(), failures.join("\n"));
}

/// The start of a long line, cut on a character boundary.
fn clip(s: &str) -> &str {
    match s.char_indices().nth(400) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
