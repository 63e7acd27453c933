//! The `gazette` command itself, run as a child process on the fixtures.

use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `extract --jsonl` reports each bad line with its line number, extracts the others, and
/// exits non-zero at the end. It used to stop at the first bad line.
#[test]
fn extract_jsonl_reports_bad_lines_and_goes_on() {
    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--gazetteers", &format!("{ROOT}/tests/data/gazetteers"), "--no-default-gazetteers", "extract", "--jsonl"])
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

/// SIGTERM with no drain while a huge extraction runs: the process exits within the 1 s grace
/// the connections get. It used to wait for the extraction to end (seconds; 35 s for a 400 KB
/// quadratic input before the scanner was fixed), because the runtime waits for its blocking
/// threads and nothing told the work to stop.
#[tokio::test]
async fn sigterm_exits_within_the_drain_with_a_huge_extraction_in_flight() {
    use gazette::grpc::pb;
    use std::io::BufRead;
    use std::time::{Duration, Instant};

    let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--gazetteers", &format!("{ROOT}/tests/data/gazetteers"), "--no-default-gazetteers", "serve", "--addr", "127.0.0.1:0", "--drain-timeout-secs", "0"])
        .env("RUST_LOG", "gazette=debug")
        .env("GAZETTE_LOG_FORMAT", "text")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gazette runs");
    // The server's log, line by line: readiness is read from it, not guessed with sleeps.
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut wait_for = async |needle: &str| -> String {
        let found = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.recv().await {
                if line.contains(needle) {
                    return line;
                }
            }
            panic!("the server exited before logging {needle:?}");
        });
        found.await.unwrap_or_else(|_| panic!("no {needle:?} in the log"))
    };
    let listening = wait_for("listening").await;
    let addr = listening.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()).expect("the bound address").to_owned();
    wait_for("SERVING").await;

    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let mut client = pb::entity_extractor_client::EntityExtractorClient::new(channel);
    // 4 MB of "a.": about 3.6 s of work in a debug build.
    let text = gazette::bench::repeat_to("a.", 4_000_000);
    let call = tokio::spawn(async move {
        client.extract(pb::ExtractRequest { text, ..Default::default() }).await.map(|_| ())
    });
    wait_for("extracting on a blocking thread").await;
    let signalled = Instant::now();
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().expect("gazette exits");
    let took = signalled.elapsed();
    assert!(status.success(), "{status:?}");
    eprintln!("exit {took:?} after SIGTERM");
    // No drain: the cut call's status and the connection's close at once, within the 1 s
    // grace the connections get, not the seconds of work still ahead (which the code before
    // did not bound at all). A release build extracts 4 MB in well under a second, so the
    // test discriminates in the debug build `cargo test` uses.
    assert!(took < Duration::from_millis(1_500), "exit took {took:?} after SIGTERM with no drain");
    let cut = call.await.unwrap().unwrap_err();
    assert_eq!(cut.code(), tonic::Code::Unavailable, "{cut:?}");
    assert!(cut.message().contains("drain timeout"), "{}", cut.message());
}

/// A reader that closes the pipe after one line (`gazette check --verbose | head -1`) ends the
/// command quietly with success. `check` used to panic in `println!` ("failed printing to
/// stdout: Broken pipe", exit 101), and `extract` to report every later document as failed.
#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_command_quietly() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    // `check --verbose` of the default gazetteers prints thousands of lines (more than a
    // pipe's buffer); `extract` of 3,000 documents too.
    let docs: String = (0..3_000).map(|k| format!("{{\"id\": \"d{k}\", \"text\": \"Angela Merkel met Emmanuel Macron in Paris on Friday.\"}}\n")).collect();
    for (args, input) in [
        (vec!["--gazetteers", &format!("{ROOT}/gazetteers"), "check", "--verbose"], None),
        (vec!["--gazetteers", &format!("{ROOT}/tests/data/gazetteers"), "--no-default-gazetteers", "extract", "--jsonl"], Some(docs.clone())),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(&args)
            .env("RUST_LOG", "off")
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gazette runs");
        let writer = child.stdin.take().map(|mut stdin| {
            let input = input.unwrap_or_default();
            // The command may be gone before it has read everything: a write error is fine.
            std::thread::spawn(move || drop(stdin.write_all(input.as_bytes())))
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "{args:?}: a first line");
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        if let Some(writer) = writer {
            writer.join().unwrap();
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// A gazetteer set over `--max-gazetteer-bytes` is refused before it is read, with the sizes
/// and the flag; a `*.tsv` that is a directory is an error, not skipped.
#[test]
fn oversized_sets_and_non_files_are_refused() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path();
    std::fs::write(dir.join("places.tsv"), "place:atlantis\tplace\tAtlantis\t\t100\t\n").expect("writes");
    let check = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(extra)
            .arg("--gazetteers")
            .arg(dir)
            .args(["--no-default-gazetteers", "--no-names", "check"])
            .output()
            .expect("gazette runs");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, _) = check(&[]);
    assert!(ok, "the small set loads");
    let (ok, err) = check(&["--max-gazetteer-bytes", "20"]);
    assert!(!ok, "a set over the limit is refused");
    assert!(err.contains("the gazetteer files are 36 bytes, over the limit of 20 bytes (--max-gazetteer-bytes"), "{err}");
    std::fs::create_dir(dir.join("more.tsv")).expect("makes a directory");
    let (ok, err) = check(&[]);
    assert!(!ok, "a directory named like a gazetteer is an error");
    assert!(err.contains("more.tsv: a gazetteer must be a regular file (this is a directory)"), "{err}");
}

/// Run from a directory with no `gazetteers` folder and no flag, the binary finds the default
/// set by its search order (here: the source tree it was built from); a folder asked for that
/// does not exist is an error naming the flag.
#[test]
fn the_default_gazetteers_are_found_from_any_directory() {
    let elsewhere = std::env::temp_dir();
    assert!(!elsewhere.join("gazetteers").exists(), "the test needs a directory without a gazetteers folder");
    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .arg("check")
        .current_dir(&elsewhere)
        .env_remove("GAZETTE_GAZETTEERS")
        .env("RUST_LOG", "off")
        .output()
        .expect("gazette runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("{ROOT}/gazetteers")), "names the folder it loaded: {stdout}");

    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--gazetteers", "/nonexistent/gazetteers", "check"])
        .env("RUST_LOG", "off")
        .output()
        .expect("gazette runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr.trim(), "gazette: the gazetteer directory /nonexistent/gazetteers (--gazetteers / GAZETTE_GAZETTEERS) is not a directory");
}

/// Runs `gazette ARGS extract` on `text`: the entities found, as (id, canonical name, method
/// of the first mention).
fn entities(args: &[&str], text: &str) -> Vec<(String, String, String)> {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(args)
        .arg("extract")
        .env("RUST_LOG", "off")
        .env_remove("GAZETTE_GAZETTEERS")
        .env_remove("GAZETTE_NO_DEFAULT_GAZETTEERS")
        .env_remove("GAZETTE_NO_NAMES")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gazette runs");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    let mentions = v["mentions"].as_array().cloned().unwrap_or_default();
    v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let first = e["mentionIndexes"][0].as_u64().unwrap() as usize;
            let method = mentions[first]["method"].as_str().unwrap_or("").to_owned();
            (e["entityId"].as_str().unwrap().to_owned(), e["canonicalName"].as_str().unwrap().to_owned(), method)
        })
        .collect()
}

/// `--gazetteers DIR` adds DIR to the default folder (it used to replace it, and without a
/// `cues/` in DIR the names stage silently went off): one custom entry, a default city and a
/// person found by the default cues, in one text; a custom entry with a default id replaces
/// it. With `--no-default-gazetteers` only the custom entries load, and the default cues still
/// find names.
#[test]
fn a_custom_folder_adds_to_the_defaults() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let custom = tmp.path();
    std::fs::write(custom.join("newsroom.tsv"), "org:acme-widgets\torganization\tAcme Widgets Ltd\tAcme Widgets\t80\t\n").unwrap();
    // GeoNames' Lyon, redefined by id.
    std::fs::write(custom.join("fixes.tsv"), "geonames:2996944\tplace\tLyon (custom)\tLyon\t100\tcountry=FR\n").unwrap();
    let dir = custom.to_str().unwrap();
    let text = "Acme Widgets opened an office in Paris and Lyon, said Tomasz Wierzbicki.";
    let row = |id: &str, name: &str, method: &str| (id.to_owned(), name.to_owned(), method.to_owned());

    let found = entities(&["--gazetteers", dir], text);
    assert_eq!(
        found,
        [
            row("org:acme-widgets", "Acme Widgets Ltd", "MATCH_METHOD_ALIAS"),
            row("geonames:2988507", "Paris", "MATCH_METHOD_EXACT"),
            row("geonames:2996944", "Lyon (custom)", "MATCH_METHOD_ALIAS"),
            row("doc:person:tomasz-wierzbicki", "Tomasz Wierzbicki", "MATCH_METHOD_RULE"),
        ]
    );

    let found = entities(&["--gazetteers", dir, "--no-default-gazetteers"], text);
    assert_eq!(
        found,
        [
            row("org:acme-widgets", "Acme Widgets Ltd", "MATCH_METHOD_ALIAS"),
            row("geonames:2996944", "Lyon (custom)", "MATCH_METHOD_ALIAS"),
            row("doc:person:tomasz-wierzbicki", "Tomasz Wierzbicki", "MATCH_METHOD_RULE"),
        ]
    );

    // `--no-names` is the one way to run without the names stage.
    let found = entities(&["--gazetteers", dir, "--no-default-gazetteers", "--no-names"], text);
    assert_eq!(found.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["org:acme-widgets", "geonames:2996944"]);

    // `check` names both folders and what the custom one replaces.
    let out = Command::new(env!("CARGO_BIN_EXE_gazette")).args(["--gazetteers", dir, "check"]).env("RUST_LOG", "off").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().take(3).collect();
    assert_eq!(
        lines,
        [
            format!("gazetteers in gazetteers (the defaults)"),
            format!("gazetteers in {dir} (custom, added to the defaults)"),
            format!("cues in gazetteers/cues"),
        ]
    );
    assert!(stdout.lines().any(|l| l.starts_with("fixes ") && l.ends_with("(custom; replaces 1 default entries by id)")), "{stdout}");
}

/// `--no-default-gazetteers` needs a folder of its own.
#[test]
fn no_default_gazetteers_needs_a_folder() {
    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--no-default-gazetteers", "check"])
        .env_remove("GAZETTE_GAZETTEERS")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "gazette: --no-default-gazetteers (GAZETTE_NO_DEFAULT_GAZETTEERS) loads only the folder of --gazetteers DIR (GAZETTE_GAZETTEERS), and none is given"
    );
}
