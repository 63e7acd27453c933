//! Slow readers, measured against the real `gazette serve` with the default gazetteers: raw
//! HTTP/2 clients that never open their flow-control windows (they read nothing), while the
//! server's peak resident memory is read from /proc. Slow and machine-dependent, so ignored by
//! default:
//!
//!     cargo test --release --test slow_reader -- --ignored --nocapture --test-threads 1
//!
//! - `slow_reader_memory_is_bounded`: one connection opens 64 `ExtractStream` calls of 1 MB of
//!   news text each.
//! - `unread_unary_calls_stay_within_memory`: one connection sends 3 `Extract` calls a second
//!   of an 850 kB list of place names for `SLOW_READER_SECONDS` (60), with the default flags,
//!   while another client calls every 100 ms; its failures and median latency are checked.
//! - `unread_batch_calls_stay_within_the_deployment_limit`: 28 `ExtractBatch` calls of 8 such
//!   lists each, 4 per connection, with the Deployment's `--max-calls-in-flight 64`; peak RSS
//!   under the Deployment's memory limit (1 GiB), and the other client as above.
//! - `idle_and_silent_connections_do_not_lock_new_clients_out`: 1,100 idle HTTP/2
//!   connections, then 1,100 silent sockets that reconnect when closed, against the default
//!   cap of 1,024: new clients' calls succeed (99% at least) and the idle server's CPU.
//!
//! `GAZETTE_ATTACK_ARGS` adds serve flags (e.g. `--max-bytes-in-flight 1000000000
//! --max-connection-bytes-in-flight 1000000000` to switch the budgets off, which is what the
//! code before them amounted to: its text budget let all 64 in).

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gazette::grpc::pb;
use gazette::grpc::pb::entity_extractor_client::EntityExtractorClient;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const STREAMS: usize = 64;
const TEXT_BYTES: usize = 1_000_000;
const LIST_BYTES: usize = 850_000;

/// A /proc/<pid>/status field in kB ("VmRSS", "VmHWM").
fn memory_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.trim_start_matches(':').split_whitespace().next()).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// `gazette serve` on a free port with the default gazetteers, `args` and
/// `GAZETTE_ATTACK_ARGS`, once SERVING: (process, address, the extra flags).
fn start(args: &[&str]) -> (Child, String, Vec<String>) {
    let extra: Vec<String> = std::env::var("GAZETTE_ATTACK_ARGS").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--gazetteers", &format!("{ROOT}/gazetteers"), "serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .args(&extra)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("gazette runs");
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines().map_while(Result::ok);
    let listening = lines.by_ref().find(|l| l.contains("listening")).expect("a listening line");
    let addr = listening.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()).expect("the bound address").to_owned();
    lines.by_ref().find(|l| l.contains("SERVING")).expect("gazetteers loaded");
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr, extra)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}

/// A gRPC message frame (uncompressed).
fn frame(message: &impl prost::Message) -> Bytes {
    let message = message.encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(&message);
    Bytes::from(frame)
}

/// About `bytes` of the default gazetteer's place names, comma-separated: a text whose
/// response is many times its size.
fn place_list(bytes: usize) -> String {
    let places = std::fs::read_to_string(format!("{ROOT}/gazetteers/places.tsv")).unwrap();
    let names: Vec<&str> = places.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').next()).filter(|n| !n.is_empty()).collect();
    let mut out = String::new();
    for name in names.iter().cycle() {
        if out.len() >= bytes {
            break;
        }
        out.push_str(name);
        out.push_str(", ");
    }
    out
}

/// A raw HTTP/2 connection with the smallest windows, never reopened.
async fn unread_connection(addr: &str) -> h2::client::SendRequest<Bytes> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, connection) = h2::client::Builder::new()
        .initial_window_size(65_535)
        .initial_connection_window_size(65_535)
        .handshake::<_, Bytes>(tcp)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// Starts a call of `method` on `client` with `frames` as its request: the response future
/// (headers) and the request stream (kept, so that a batch stays open).
async fn open_call(client: &h2::client::SendRequest<Bytes>, addr: &str, method: &str, frames: &[Bytes], end: bool) -> (h2::client::ResponseFuture, h2::SendStream<Bytes>) {
    let mut client = client.clone().ready().await.unwrap();
    let request = http::Request::post(format!("http://{addr}/gazette.v1.EntityExtractor/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, mut body) = client.send_request(request, false).unwrap();
    for (i, f) in frames.iter().enumerate() {
        body.send_data(f.clone(), end && i + 1 == frames.len()).unwrap();
    }
    (response, body)
}

/// Another client's calls of the bench article every 100 ms until `until`: (calls, failures,
/// median latency).
async fn other_client(addr: String, until: Instant) -> (usize, usize, Duration) {
    let article = std::fs::read_to_string(format!("{ROOT}/tests/data/bench/article.txt")).unwrap();
    let mut client = EntityExtractorClient::connect(format!("http://{addr}")).await.unwrap();
    let (mut latencies, mut failures) = (Vec::new(), 0);
    while Instant::now() < until {
        let started = Instant::now();
        match client.extract(pb::ExtractRequest { text: article.clone(), ..Default::default() }).await {
            Ok(_) => latencies.push(started.elapsed()),
            Err(status) => {
                eprintln!("other client: {status:?}");
                failures += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    latencies.sort();
    let median = latencies.get(latencies.len() / 2).copied().unwrap_or_default();
    (latencies.len() + failures, failures, median)
}

/// Samples the peak resident memory of `pid` (VmHWM) in MB.
fn peak_mb(pid: u32) -> u64 {
    memory_kb(pid, "VmHWM") / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow; measures memory: run it in release with --ignored --nocapture"]
async fn slow_reader_memory_is_bounded() {
    let (child, addr, extra) = start(&[]);
    let pid = child.id();
    let before_kb = memory_kb(pid, "VmRSS");

    let article = std::fs::read_to_string(format!("{ROOT}/tests/data/bench/article.txt")).unwrap();
    let text = gazette::bench::repeat_to(&article, TEXT_BYTES);
    let frame = frame(&pb::ExtractStreamRequest { request: Some(pb::ExtractRequest { text, ..Default::default() }) });

    // The smallest windows, never reopened: nothing is ever read.
    let client = unread_connection(&addr).await;
    let mut responses = Vec::new();
    for _ in 0..STREAMS {
        let (response, _body) = open_call(&client, &addr, "ExtractStream", std::slice::from_ref(&frame), true).await;
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
    stop(child);
    assert_eq!(admitted + refused, STREAMS);
    if extra.is_empty() {
        // The defaults: a bounded share of the 64, and memory to match.
        assert!(refused > 0, "the connection's budget refuses some streams");
        assert!(peak_kb < 600 * 1024, "peak RSS {} MB", peak_kb / 1024);
    }
}

/// One connection that never reads sends 3 `Extract` calls a second of an 850 kB place list
/// for `SLOW_READER_SECONDS` with the default flags: their responses stay in the connection's
/// budget until the stall timeout ends them, so memory stays bounded and another client's
/// calls go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow; measures memory: run it in release with --ignored --nocapture"]
async fn unread_unary_calls_stay_within_memory() {
    let seconds: u64 = std::env::var("SLOW_READER_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let (child, addr, extra) = start(&[]);
    let pid = child.id();
    let before = memory_kb(pid, "VmRSS") / 1024;
    let list = frame(&pb::ExtractRequest { text: place_list(LIST_BYTES), ..Default::default() });
    let until = Instant::now() + Duration::from_secs(seconds);
    let other = tokio::spawn(other_client(addr.clone(), until));
    let client = unread_connection(&addr).await;
    let (mut sent, mut held) = (0, Vec::new());
    let mut ticks = tokio::time::interval(Duration::from_millis(333));
    while Instant::now() < until {
        ticks.tick().await;
        // A call the server has no stream for yet is not waited for: the next tick tries again.
        if let Ok((response, _body)) = tokio::time::timeout(Duration::from_millis(300), open_call(&client, &addr, "Extract", std::slice::from_ref(&list), true)).await {
            held.push(response);
            sent += 1;
        }
    }
    let (calls, failures, median) = other.await.unwrap();
    let peak = peak_mb(pid);
    println!(
        "unread Extract: {sent} calls of {LIST_BYTES} bytes in {seconds} s on one connection; RSS before {before} MB, peak {peak} MB; \
         other client: {calls} calls, {failures} failed, median {median:?} (flags: {extra:?})"
    );
    stop(child);
    if extra.is_empty() {
        assert!(peak < 600, "peak RSS {peak} MB");
        assert_eq!(failures, 0, "the other client's calls fail");
        assert!(median < Duration::from_millis(50), "the other client's median latency {median:?}");
    }
}

/// 28 `ExtractBatch` calls of 8 place lists each, 4 on each of 7 connections that never read,
/// with the Deployment's `--max-calls-in-flight 64`: peak memory under its limit (1 GiB), and
/// another client's calls go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow; measures memory: run it in release with --ignored --nocapture"]
async fn unread_batch_calls_stay_within_the_deployment_limit() {
    let (child, addr, extra) = start(&["--max-calls-in-flight", "64"]);
    let pid = child.id();
    let before = memory_kb(pid, "VmRSS") / 1024;
    let document = frame(&pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { text: place_list(LIST_BYTES), ..Default::default() }) });
    let documents = vec![document; 8];
    let until = Instant::now() + Duration::from_secs(50);
    let other = tokio::spawn(other_client(addr.clone(), until));
    let (mut held, mut clients) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let client = unread_connection(&addr).await;
        for _ in 0..4 {
            held.push(open_call(&client, &addr, "ExtractBatch", &documents, false).await);
        }
        clients.push(client);
    }
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(5)).await;
        eprintln!("RSS {} MB", memory_kb(pid, "VmRSS") / 1024);
    }
    let (calls, failures, median) = other.await.unwrap();
    let peak = peak_mb(pid);
    println!(
        "unread ExtractBatch: 28 calls of 8 x {LIST_BYTES} bytes on 7 connections; RSS before {before} MB, peak {peak} MB; \
         other client: {calls} calls, {failures} failed, median {median:?} (flags: {extra:?})"
    );
    stop(child);
    drop((held, clients));
    if extra.is_empty() {
        assert!(peak < 1024, "peak RSS {peak} MB");
        assert_eq!(failures, 0, "the other client's calls fail");
        assert!(median < Duration::from_millis(50), "the other client's median latency {median:?}");
    }
}

/// CPU seconds (user + system) `pid` has used, from /proc/<pid>/stat.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0) + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // The kernel's USER_HZ is 100 on Linux.
    ticks / 100.0
}

/// `calls` calls of the bench article, each on a new connection, with a 5 s deadline:
/// (succeeded, median latency).
async fn new_clients(addr: &str, calls: usize) -> (usize, Duration) {
    let article = std::fs::read_to_string(format!("{ROOT}/tests/data/bench/article.txt")).unwrap();
    let (mut ok, mut latencies) = (0, Vec::new());
    for _ in 0..calls {
        let started = Instant::now();
        let call = async {
            let mut client = EntityExtractorClient::connect(format!("http://{addr}")).await.map_err(|e| e.to_string())?;
            client.extract(pb::ExtractRequest { text: article.clone(), ..Default::default() }).await.map_err(|s| s.to_string())
        };
        match tokio::time::timeout(Duration::from_secs(5), call).await {
            Ok(Ok(_)) => {
                ok += 1;
                latencies.push(started.elapsed());
            }
            Ok(Err(e)) => eprintln!("new client: {e}"),
            Err(_) => eprintln!("new client: no answer in 5 s"),
        }
    }
    latencies.sort();
    (ok, latencies.get(latencies.len() / 2).copied().unwrap_or_default())
}

/// 1,100 connections over the default cap of 1,024, first HTTP/2 connections that answer
/// PINGs and send nothing, then TCP sockets that send nothing and reconnect when closed: new
/// clients' calls still succeed (99% at least), and the idle server uses under 5% of a core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow; opens 1,100 connections: run it in release with --ignored --nocapture"]
async fn idle_and_silent_connections_do_not_lock_new_clients_out() {
    const CONNECTIONS: usize = 1_100;
    const CALLS: usize = 100;
    let (server, addr, _) = start(&[]);
    let pid = server.id();

    // Idle HTTP/2 connections: handshake done, their tasks answer PINGs, no stream ever.
    let mut idle = Vec::new();
    for _ in 0..CONNECTIONS {
        let connect = async {
            let tcp = tokio::net::TcpStream::connect(&addr).await.ok()?;
            let (send, connection) = h2::client::handshake(tcp).await.ok()?;
            Some((send, tokio::spawn(connection)))
        };
        // Beyond the cap a connection waits until one yields (after a second idle).
        if let Ok(Some(c)) = tokio::time::timeout(Duration::from_millis(200), connect).await {
            idle.push(c);
        }
    }
    let before = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_cpu = (cpu_seconds(pid) - before) / 10.0;
    let (ok, median) = new_clients(&addr, CALLS).await;
    let open = idle.iter().filter(|(_, task)| !task.is_finished()).count();
    eprintln!("idle HTTP/2: {} connected, {open} still open; idle CPU {:.1}% of a core; new clients {ok}/{CALLS}, median {median:?}", idle.len(), idle_cpu * 100.0);
    drop(idle);

    // Silent sockets that reconnect as soon as they are closed.
    let stop_at = Instant::now() + Duration::from_secs(40);
    let mut silent = Vec::new();
    for _ in 0..CONNECTIONS {
        let addr = addr.clone();
        silent.push(tokio::spawn(async move {
            let mut reconnects = 0usize;
            while Instant::now() < stop_at {
                let Ok(mut tcp) = tokio::net::TcpStream::connect(&addr).await else { break };
                let mut buf = [0u8; 64];
                let _ = tokio::time::timeout_at(stop_at.into(), tokio::io::AsyncReadExt::read(&mut tcp, &mut buf)).await;
                reconnects += 1;
            }
            reconnects
        }));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let silent_cpu = (cpu_seconds(pid) - before) / 10.0;
    let (silent_ok, silent_median) = new_clients(&addr, CALLS).await;
    let mut reconnects = 0;
    for task in silent {
        reconnects += task.await.unwrap_or(0);
    }
    eprintln!("silent sockets: {reconnects} reconnects in 40 s; server CPU {:.1}% of a core; new clients {silent_ok}/{CALLS}, median {silent_median:?}", silent_cpu * 100.0);
    stop(server);

    assert!(ok * 100 >= CALLS * 99, "idle HTTP/2 connections: {ok} of {CALLS} new calls succeeded");
    assert!(idle_cpu < 0.05, "idle CPU {:.1}% of a core", idle_cpu * 100.0);
    assert!(silent_ok * 100 >= CALLS * 99, "silent sockets: {silent_ok} of {CALLS} new calls succeeded");
}
