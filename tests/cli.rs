//! The `gazette` command itself, run as a child process on the fixtures.

use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `extract --jsonl` reports each bad line with its line number, extracts the others, and
/// exits non-zero at the end. It used to stop at the first bad line.
#[test]
fn extract_jsonl_reports_bad_lines_and_goes_on() {
    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--gazetteers", &format!("{ROOT}/tests/data/gazetteers"), "extract", "--jsonl"])
        .arg(format!("{ROOT}/tests/data/cli/bad-lines.jsonl"))
        .env("RUST_LOG", "off")
        .output()
        .expect("gazette runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line")["documentId"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(ids, ["good-1", "good-2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reported: Vec<&str> = stderr.lines().collect();
    let want = [
        "gazette: bad-lines.jsonl:2: not a {\"id\", \"text\"} object: unexpected end of hex escape at line 1 column 41",
        "gazette: bad-lines.jsonl:3: text is empty: send the document's text in the `text` field",
        "gazette: bad-lines.jsonl:4: not a {\"id\", \"text\"} object: expected ident at line 1 column 2",
        "gazette: bad-lines.jsonl:5: not UTF-8: invalid utf-8 sequence of 1 bytes from index 31",
        "gazette: 4 document(s) failed",
    ];
    assert_eq!(reported, want);
    assert_eq!(out.status.code(), Some(1));
}
