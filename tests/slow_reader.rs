//! The slow-reader attack, measured: one connection that never opens its flow-control window
//! (a raw HTTP/2 client that reads nothing) opens 64 `ExtractStream` calls of 1 MB of news
//! text each against the real `gazette serve` with the default gazetteers, and the server's
//! peak resident memory is read from /proc. Slow and machine-dependent, so ignored by default:
//!
//!     cargo test --release --test slow_reader -- --ignored --nocapture
//!
//! `GAZETTE_ATTACK_ARGS` adds serve flags (e.g. `--max-bytes-in-flight 1000000000
//! --max-connection-bytes-in-flight 1000000000` to switch the budgets off, which is what the
//! code before them amounted to: its text budget let all 64 in).

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use gazette::grpc::pb;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const STREAMS: usize = 64;
const TEXT_BYTES: usize = 1_000_000;

/// A /proc/<pid>/status field in kB ("VmRSS", "VmHWM").
fn memory_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.trim_start_matches(':').split_whitespace().next()).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow; measures memory: run it in release with --ignored --nocapture"]
async fn slow_reader_memory_is_bounded() {
    let extra: Vec<String> = std::env::var("GAZETTE_ATTACK_ARGS").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--gazetteers", &format!("{ROOT}/gazetteers"), "serve", "--addr", "127.0.0.1:0"])
        .args(&extra)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("gazette runs");
    let pid = child.id();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines().map_while(Result::ok);
    let listening = lines.by_ref().find(|l| l.contains("listening")).expect("a listening line");
    let addr = listening.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()).expect("the bound address").to_owned();
    lines.by_ref().find(|l| l.contains("SERVING")).expect("gazetteers loaded");
    std::thread::spawn(move || lines.for_each(drop));
    let before_kb = memory_kb(pid, "VmRSS");

    let article = std::fs::read_to_string(format!("{ROOT}/tests/data/bench/article.txt")).unwrap();
    let text = gazette::bench::repeat_to(&article, TEXT_BYTES);
    let message = prost::Message::encode_to_vec(&pb::ExtractStreamRequest {
        request: Some(pb::ExtractRequest { text, ..Default::default() }),
    });
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(&message);
    let frame = Bytes::from(frame);

    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // The smallest windows, never reopened: nothing is ever read.
    let (client, connection) = h2::client::Builder::new()
        .initial_window_size(65_535)
        .initial_connection_window_size(65_535)
        .handshake::<_, Bytes>(tcp)
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut responses = Vec::new();
    for _ in 0..STREAMS {
        let mut client = client.clone().ready().await.unwrap();
        let request = http::Request::post(format!("http://{addr}/gazette.v1.EntityExtractor/ExtractStream"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(())
            .unwrap();
        let (response, mut body) = client.send_request(request, false).unwrap();
        body.send_data(frame.clone(), true).unwrap();
        responses.push(response);
    }
    // Headers come once a stream's extraction is done (or with the status that refused it).
    let (mut admitted, mut refused) = (0, 0);
    for response in responses {
        let response = tokio::time::timeout(Duration::from_secs(300), response).await.expect("headers").expect("a response");
        match response.headers().get("grpc-status").map(|v| v.to_str().unwrap_or("?").to_owned()) {
            None => admitted += 1,
            Some(code) => {
                assert_eq!(code, "8", "RESOURCE_EXHAUSTED");
                refused += 1;
            }
        }
    }
    let rss_kb = memory_kb(pid, "VmRSS");
    let peak_kb = memory_kb(pid, "VmHWM");
    println!(
        "slow reader: {STREAMS} streams of {TEXT_BYTES} bytes on one connection, {admitted} admitted, {refused} RESOURCE_EXHAUSTED; \
         RSS before {} MB, after {} MB, peak {} MB (flags: {extra:?})",
        before_kb / 1024,
        rss_kb / 1024,
        peak_kb / 1024
    );
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
    assert_eq!(admitted + refused, STREAMS);
    if extra.is_empty() {
        // The defaults: a bounded share of the 64, and memory to match.
        assert!(refused > 0, "the connection's budget refuses some streams");
        assert!(peak_kb < 600 * 1024, "peak RSS {} MB", peak_kb / 1024);
    }
}
