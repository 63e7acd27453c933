//! Operations, against the real server on 127.0.0.1:0 with the generated tonic client: the
//! metrics endpoint, request ids and the access log, compression, the maximum call duration,
//! the cap on calls in flight, connection age, and listening on a host name.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gazette::grpc::pb;
use gazette::grpc::pb::entity_extractor_client::EntityExtractorClient;
use gazette::server::{serve, serve_metrics, Handle};
use gazette::{Extractor, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;
use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gazetteers");

/// Generous: the full suite runs on two busy cores.
const PATIENCE: Duration = Duration::from_secs(30);

struct Running {
    addr: std::net::SocketAddr,
    metrics: std::net::SocketAddr,
    client: EntityExtractorClient<Channel>,
    channel: Channel,
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<gazette::Result<()>>,
}

impl Running {
    async fn start(limits: Limits) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics = metrics_listener.local_addr().unwrap();
        let handle = Handle::new().await;
        handle.install(Extractor::load(Path::new(FIXTURES)).unwrap()).await;
        tokio::spawn(serve_metrics(metrics_listener, handle.clone(), std::future::pending()));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, handle.clone(), limits, async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
        Running { addr, metrics, client: EntityExtractorClient::new(channel.clone()), channel, handle, stop: Some(stop), server }
    }

    async fn health(&self) -> ServingStatus {
        let response = HealthClient::new(self.channel.clone()).check(HealthCheckRequest { service: String::new() }).await.unwrap();
        ServingStatus::try_from(response.into_inner().status).unwrap()
    }

    /// GET `path` on the metrics address: (status line, body).
    async fn get(&self, path: &str) -> (String, String) {
        let mut conn = tokio::net::TcpStream::connect(self.metrics).await.unwrap();
        conn.write_all(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes()).await.unwrap();
        let mut response = String::new();
        tokio::time::timeout(PATIENCE, conn.read_to_string(&mut response)).await.unwrap().unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_owned(), body.to_owned())
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.await.unwrap().unwrap();
    }
}

fn request(text: &str) -> pb::ExtractRequest {
    pb::ExtractRequest { document_id: "doc-1".into(), text: text.into(), ..Default::default() }
}

const TEXT: &str = "Putin met Netanyahu in Zürich.";

/// The value of the series `name` (with its labels, as the exposition writes them).
fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')).and_then(|v| v.parse().ok()))
}

const EXTRACT: &str = "method=\"/gazette.v1.EntityExtractor/Extract\"";

#[tokio::test]
async fn silent_sockets_on_the_metrics_port_do_not_keep_a_scrape_out() {
    let s = Running::start(Limits::default()).await;
    // Far more than the metrics listener keeps open, none of them sending a byte.
    let mut silent = Vec::new();
    for _ in 0..100 {
        silent.push(tokio::net::TcpStream::connect(s.metrics).await.unwrap());
    }
    let (status_line, m) = tokio::time::timeout(Duration::from_secs(5), s.get("/metrics")).await.expect("a scrape is answered at once");
    assert!(status_line.starts_with("HTTP/1.1 200"), "{status_line}");
    assert!(m.contains("gazette_"), "{m}");
    // The oldest were closed to make room: the first socket reads end of stream.
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), tokio::io::AsyncReadExt::read(&mut silent[0], &mut buf)).await.expect("the oldest was closed");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    s.stop().await;
}

#[tokio::test]
async fn metrics_count_calls_by_method_and_code() {
    let mut s = Running::start(Limits::default()).await;
    for _ in 0..3 {
        let r = s.client.extract(request(TEXT)).await.unwrap().into_inner();
        assert_eq!(r.mentions.len(), 3);
    }
    let status = s.client.extract(request("")).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(s.health().await, ServingStatus::Serving);

    let (status_line, m) = s.get("/metrics").await;
    assert_eq!(status_line, "HTTP/1.1 200 OK");
    assert_eq!(value(&m, &format!("gazette_calls_total{{{EXTRACT},code=\"OK\"}}")), Some(3.0), "{m}");
    assert_eq!(value(&m, &format!("gazette_calls_total{{{EXTRACT},code=\"INVALID_ARGUMENT\"}}")), Some(1.0), "{m}");
    assert_eq!(value(&m, "gazette_calls_total{method=\"/grpc.health.v1.Health/Check\",code=\"OK\"}"), Some(1.0), "{m}");
    assert_eq!(value(&m, &format!("gazette_call_duration_seconds_count{{{EXTRACT}}}")), Some(4.0), "{m}");
    assert_eq!(value(&m, &format!("gazette_calls_in_flight{{{EXTRACT}}}")), Some(0.0), "{m}");
    // Three texts of 31 bytes with 3 mentions each; the empty text was refused before it
    // was admitted.
    assert_eq!(value(&m, &format!("gazette_text_bytes_sum{{{EXTRACT}}}")), Some(3.0 * TEXT.len() as f64), "{m}");
    assert_eq!(value(&m, &format!("gazette_mentions_sum{{{EXTRACT}}}")), Some(9.0), "{m}");
    let x = s.handle.current().unwrap();
    assert_eq!(value(&m, &format!("gazette_gazetteer_info{{version=\"{}\"}}", x.version())), Some(1.0), "{m}");
    assert_eq!(value(&m, "gazette_gazetteer_entries"), Some(x.gazetteers().entries.len() as f64), "{m}");
    assert_eq!(value(&m, "gazette_gazetteer_patterns"), Some(x.pattern_count() as f64), "{m}");
    assert_eq!(value(&m, "gazette_reloads_total{result=\"success\"}"), Some(1.0), "{m}");
    assert!(value(&m, "gazette_last_reload_success_timestamp_seconds").unwrap() > 1.7e9, "{m}");
    assert!(m.ends_with("# EOF\n"));

    // A reload through the handle (SIGHUP's path, and a watcher's) is counted, a failed one too.
    s.handle.reload(Path::new(FIXTURES)).await.unwrap();
    s.handle.reload(Path::new("/nonexistent")).await.unwrap_err();
    let (_, m) = s.get("/metrics").await;
    assert_eq!(value(&m, "gazette_reloads_total{result=\"success\"}"), Some(2.0), "{m}");
    assert_eq!(value(&m, "gazette_reloads_total{result=\"failure\"}"), Some(1.0), "{m}");
    assert!(value(&m, "gazette_gazetteer_load_seconds").unwrap() > 0.0, "{m}");

    assert_eq!(s.get("/other").await.0, "HTTP/1.1 404 Not Found");
    s.stop().await;
}

#[tokio::test]
async fn streams_are_counted_when_they_end() {
    let mut s = Running::start(Limits::default()).await;
    let (tx, rx) = mpsc::channel(4);
    let mut responses = s.client.extract_batch(ReceiverStream::new(rx)).await.unwrap().into_inner();
    for text in [TEXT, "Moscow"] {
        tx.send(pb::ExtractBatchRequest { request: Some(request(text)) }).await.unwrap();
        responses.next().await.unwrap().unwrap();
    }
    let batch = "method=\"/gazette.v1.EntityExtractor/ExtractBatch\"";
    let (_, m) = s.get("/metrics").await;
    assert_eq!(value(&m, &format!("gazette_calls_in_flight{{{batch}}}")), Some(1.0), "{m}");
    assert_eq!(value(&m, &format!("gazette_calls_total{{{batch},code=\"OK\"}}")), None, "{m}");
    drop(tx);
    assert!(responses.next().await.is_none());
    let (_, m) = s.get("/metrics").await;
    assert_eq!(value(&m, &format!("gazette_calls_in_flight{{{batch}}}")), Some(0.0), "{m}");
    assert_eq!(value(&m, &format!("gazette_calls_total{{{batch},code=\"OK\"}}")), Some(1.0), "{m}");
    assert_eq!(value(&m, &format!("gazette_text_bytes_sum{{{batch}}}")), Some((TEXT.len() + 6) as f64), "{m}");
    assert_eq!(value(&m, &format!("gazette_mentions_sum{{{batch}}}")), Some(4.0), "{m}");
    s.stop().await;
}

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The JSON access events written so far.
    fn access(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["target"] == "gazette::access")
            .collect()
    }
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated_and_every_call_is_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter("gazette::access=debug")
        .with_writer(move || writer.clone())
        .finish();
    // A current-thread runtime: the server's tasks log on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut s = Running::start(Limits::default()).await;

    let mut given = tonic::Request::new(request(TEXT));
    given.metadata_mut().insert("x-request-id", "req-42".parse().unwrap());
    given.metadata_mut().insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
    let response = s.client.extract(given).await.unwrap();
    assert_eq!(response.metadata().get("x-request-id").unwrap(), "req-42");

    let response = s.client.extract(request(TEXT)).await.unwrap();
    let generated = response.metadata().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 32);
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()), "{generated}");

    // A trailers-only error carries it too; an id that is not printable ASCII is replaced.
    let mut bad = tonic::Request::new(request(""));
    bad.metadata_mut().insert("x-request-id", "x".repeat(129).parse().unwrap());
    let status = s.client.extract(bad).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let replaced = status.metadata().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    assert_eq!(replaced.len(), 32);
    assert_eq!(s.health().await, ServingStatus::Serving);

    let events = captured.access();
    let fields: Vec<&serde_json::Value> = events.iter().map(|e| &e["fields"]).collect();
    assert_eq!(fields.len(), 4, "{events:?}");
    let first = fields[0];
    assert_eq!(events[0]["level"], "INFO");
    assert_eq!(first["method"], "/gazette.v1.EntityExtractor/Extract");
    assert_eq!(first["code"], "OK");
    assert_eq!(first["request_id"], "req-42");
    assert_eq!(first["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(first["text_bytes"], TEXT.len());
    assert_eq!(first["mentions"], 3);
    assert!(first["latency_ms"].as_f64().unwrap() > 0.0);
    assert!(first["peer"].as_str().unwrap().starts_with("127.0.0.1:"), "{first}");
    assert_eq!(fields[1]["request_id"], generated.as_str());
    assert!(fields[1].get("trace_id").is_none());
    assert_eq!(fields[2]["code"], "INVALID_ARGUMENT");
    assert_eq!(fields[2]["request_id"], replaced.as_str());
    // Probes are logged at debug level.
    assert_eq!(fields[3]["method"], "/grpc.health.v1.Health/Check");
    assert_eq!(events[3]["level"], "DEBUG");
    assert!(fields[3].get("text_bytes").is_none());
    s.stop().await;
}

#[tokio::test]
async fn gzip_and_zstd_requests_and_responses() {
    let s = Running::start(Limits::default()).await;
    // Large enough that compression is worth it, and that a wrong decompression would show.
    let text = TEXT.repeat(200);
    for encoding in [CompressionEncoding::Gzip, CompressionEncoding::Zstd] {
        let mut client = EntityExtractorClient::new(s.channel.clone()).send_compressed(encoding).accept_compressed(encoding);
        let response = client.extract(request(&text)).await.unwrap();
        let name = match encoding {
            CompressionEncoding::Gzip => "gzip",
            _ => "zstd",
        };
        assert_eq!(response.metadata().get("grpc-encoding").map(|v| v.to_str().unwrap()), Some(name));
        assert_eq!(response.into_inner().mentions.len(), 600, "{name}");

        let mut stream = client
            .extract_stream(pb::ExtractStreamRequest { request: Some(request(&text)) })
            .await
            .unwrap()
            .into_inner();
        let mut n = 0;
        while let Some(message) = stream.next().await {
            message.unwrap();
            n += 1;
        }
        assert_eq!(n, 601, "{name}: 600 mentions and the summary");
    }
    // A client that accepts no compression gets none.
    let response = EntityExtractorClient::new(s.channel.clone()).extract(request(TEXT)).await.unwrap();
    assert!(response.metadata().get("grpc-encoding").is_none());
    s.stop().await;
}

/// A compressed request that decompresses to more than `--max-message-bytes` (a "zip bomb":
/// 9 MiB of spaces in a few kilobytes of gzip) is refused with the status the README's table
/// gives it (tonic's decompressor stops at the limit: RESOURCE_EXHAUSTED), not decompressed
/// whole.
#[tokio::test]
async fn a_compressed_request_over_the_message_limit_is_refused() {
    let s = Running::start(Limits::default()).await;
    let mut client = EntityExtractorClient::new(s.channel.clone())
        .send_compressed(CompressionEncoding::Gzip)
        .max_encoding_message_size(64 << 20);
    let text = " ".repeat(9 << 20);
    let status = client.extract(request(&text)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("size limit, of 8388608 bytes, exceeded while decompressing"), "{}", status.message());
    // The server goes on.
    assert_eq!(client.extract(request(TEXT)).await.unwrap().into_inner().mentions.len(), 3);
    s.stop().await;
}

#[tokio::test]
async fn the_server_maximum_call_duration_ends_a_call_with_deadline_exceeded() {
    let limits = Limits { max_call_duration: Some(Duration::from_millis(300)), ..Limits::default() };
    let mut s = Running::start(limits).await;
    // A batch stream that stays open and sends nothing: it only ends when the server ends it.
    let (tx, rx) = mpsc::channel::<pb::ExtractBatchRequest>(1);
    let mut responses = s.client.extract_batch(ReceiverStream::new(rx)).await.unwrap().into_inner();
    let ended = tokio::time::timeout(PATIENCE, responses.next()).await.expect("the server ends the call");
    let status = ended.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(status.message().contains("--max-call-duration"), "{}", status.message());
    drop(tx);

    // A client's own, sooner, deadline is still its own (and named as such).
    let (_tx, rx) = mpsc::channel::<pb::ExtractBatchRequest>(1);
    let mut short = tonic::Request::new(ReceiverStream::new(rx));
    short.set_timeout(Duration::from_millis(100));
    let mut responses = s.client.extract_batch(short).await.unwrap().into_inner();
    let status = tokio::time::timeout(PATIENCE, responses.next()).await.unwrap().unwrap().unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(status.message().contains("grpc-timeout"), "{}", status.message());

    // Quick calls are unaffected.
    s.client.extract(request(TEXT)).await.unwrap();
    let (_, m) = s.get("/metrics").await;
    let batch = "method=\"/gazette.v1.EntityExtractor/ExtractBatch\"";
    assert_eq!(value(&m, &format!("gazette_calls_total{{{batch},code=\"DEADLINE_EXCEEDED\"}}")), Some(2.0), "{m}");
    s.stop().await;
}

type HeldBatch = (mpsc::Sender<pb::ExtractBatchRequest>, tonic::Streaming<pb::ExtractBatchResponse>);

/// `n` ExtractBatch streams on `client`'s connection, held open, each known to be in the
/// server (it answered a document).
async fn hold_batches(client: &mut EntityExtractorClient<Channel>, n: usize) -> Vec<HeldBatch> {
    let mut open = Vec::new();
    for _ in 0..n {
        let (tx, rx) = mpsc::channel(1);
        let mut responses = client.extract_batch(ReceiverStream::new(rx)).await.unwrap().into_inner();
        tx.send(pb::ExtractBatchRequest { request: Some(request(TEXT)) }).await.unwrap();
        responses.next().await.unwrap().unwrap();
        open.push((tx, responses));
    }
    open
}

#[tokio::test]
async fn calls_beyond_the_cap_are_shed_with_a_pushback_and_health_still_answers() {
    let limits = Limits { max_calls_in_flight: Some(2), ..Limits::default() };
    let mut s = Running::start(limits).await;
    // Two batch streams held open, each known to be in the server (it answered a document).
    let mut open = hold_batches(&mut s.client, 2).await;
    let status = s.client.extract(request(TEXT)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("--max-calls-in-flight"), "{}", status.message());
    assert_eq!(status.metadata().get("grpc-retry-pushback-ms").unwrap(), "100");
    assert!(status.metadata().get("x-request-id").is_some());
    let status = s.client.list_gazetteers(pb::ListGazetteersRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(s.health().await, ServingStatus::Serving);

    // One stream ends: there is room again.
    let (tx, mut responses) = open.pop().unwrap();
    drop(tx);
    assert!(responses.next().await.is_none());
    let r = s.client.extract(request(TEXT)).await.unwrap().into_inner();
    assert_eq!(r.mentions.len(), 3);

    let (_, m) = s.get("/metrics").await;
    assert_eq!(value(&m, &format!("gazette_calls_total{{{EXTRACT},code=\"RESOURCE_EXHAUSTED\"}}")), Some(1.0), "{m}");
    assert_eq!(value(&m, "gazette_calls_in_flight{method=\"/gazette.v1.EntityExtractor/ExtractBatch\"}"), Some(1.0), "{m}");
    drop(open);
    s.stop().await;
}

/// One connection holding its share of calls open cannot take the others' places: its next
/// call is shed with the per-connection limit named, while a second connection's calls go
/// through under the server-wide cap.
#[tokio::test]
async fn one_connection_cannot_take_every_place_under_the_cap() {
    let limits = Limits { max_calls_in_flight: Some(4), max_connection_calls_in_flight: Some(2), ..Limits::default() };
    let mut s = Running::start(limits).await;
    let mut open = hold_batches(&mut s.client, 2).await;
    let status = s.client.extract(request(TEXT)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("2 calls in flight on this connection"), "{}", status.message());
    assert!(status.message().contains("--max-connection-calls-in-flight"), "{}", status.message());
    assert_eq!(status.metadata().get("grpc-retry-pushback-ms").unwrap(), "100");

    // Another connection: its calls are served.
    let other = Channel::from_shared(format!("http://{}", s.addr)).unwrap().connect().await.unwrap();
    let mut other = EntityExtractorClient::new(other);
    for _ in 0..3 {
        let r = other.extract(request(TEXT)).await.unwrap().into_inner();
        assert_eq!(r.mentions.len(), 3);
    }
    // The first connection's place comes back when one of its calls ends.
    let (tx, mut responses) = open.pop().unwrap();
    drop(tx);
    assert!(responses.next().await.is_none());
    assert_eq!(s.client.extract(request(TEXT)).await.unwrap().into_inner().mentions.len(), 3);
    drop(open);
    s.stop().await;
}

/// A raw HTTP/2 connection to `addr`, and the task driving it, which ends when the server
/// closes the connection.
async fn raw_h2(addr: std::net::SocketAddr) -> (h2::client::SendRequest<bytes::Bytes>, JoinHandle<Result<(), h2::Error>>) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (send, connection) = h2::client::handshake(tcp).await.unwrap();
    (send, tokio::spawn(connection))
}

#[tokio::test]
async fn connections_get_goaway_at_their_age_and_are_closed_after_the_grace() {
    let limits = Limits {
        max_connection_age: Some(Duration::from_millis(300)),
        max_connection_age_grace: Some(Duration::from_millis(700)),
        ..Limits::default()
    };
    let s = Running::start(limits).await;
    // An idle connection is closed cleanly at its age, by GOAWAY, long before a grace could
    // pass (the grace here is far longer than the patience).
    let long_grace = Limits {
        max_connection_age: Some(Duration::from_millis(300)),
        max_connection_age_grace: Some(Duration::from_secs(3600)),
        ..Limits::default()
    };
    let idle = Running::start(long_grace).await;
    let (_send, connection) = raw_h2(idle.addr).await;
    let closed = tokio::time::timeout(PATIENCE, connection).await.expect("GOAWAY at the age closes an idle connection");
    closed.unwrap().expect("a graceful close, not an error");

    // A call that stays open past age + grace is cut with its connection.
    let (_tx, rx) = mpsc::channel::<pb::ExtractBatchRequest>(1);
    let channel = Channel::from_shared(format!("http://{}", s.addr)).unwrap().connect().await.unwrap();
    let mut client = EntityExtractorClient::new(channel);
    let mut responses = client.extract_batch(ReceiverStream::new(rx)).await.unwrap().into_inner();
    let ended = tokio::time::timeout(PATIENCE, responses.next()).await.expect("the connection is closed after the grace");
    let status = ended.unwrap().unwrap_err();
    assert!(matches!(status.code(), Code::Unavailable | Code::Unknown | Code::Internal | Code::Cancelled), "{status:?}");
    // New calls go over a new connection.
    client.extract(request(TEXT)).await.unwrap();
    idle.stop().await;
    s.stop().await;
}

#[tokio::test]
async fn host_names_are_resolved_when_binding() {
    let listener = gazette::server::bind("localhost:0").await.unwrap();
    assert!(listener.local_addr().unwrap().ip().is_loopback());
    for (addr, want) in [("localhost", "cannot resolve"), ("no-such-host.invalid:50051", "cannot resolve"), ("127.0.0.1:99999", "cannot resolve")] {
        let e = gazette::server::bind(addr).await.unwrap_err().to_string();
        assert!(e.contains(want) && e.contains(addr), "{addr}: {e}");
    }
    // In use: both the address and why.
    let taken = listener.local_addr().unwrap().to_string();
    let e = gazette::server::bind(&taken).await.unwrap_err().to_string();
    assert!(e.contains("cannot listen on") && e.contains(&taken), "{e}");
}

/// The binary, with host names for both addresses and JSON logs: the access event's fields are
/// JSON fields, and the metrics endpoint answers.
#[tokio::test]
async fn the_binary_listens_on_localhost_and_serves_metrics() {
    use std::io::BufRead;
    /// Kills the server however the test ends (a panic included).
    struct Child(std::process::Child);
    impl Drop for Child {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(["--gazetteers", FIXTURES, "--no-default-gazetteers", "--log-format", "json", "serve", "--addr", "localhost:0", "--metrics-addr", "localhost:0"])
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("gazette runs"),
    );
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<serde_json::Value>();
    let stderr = child.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")));
        }
    });
    let mut wait_for = async |message: &str| -> serde_json::Value {
        let found = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.recv().await {
                if line["fields"]["message"] == message {
                    return line;
                }
            }
            panic!("the server exited before logging {message:?}");
        });
        found.await.unwrap_or_else(|_| panic!("no {message:?} in the log"))
    };
    let metrics = wait_for("metrics at GET /metrics").await["fields"]["addr"].as_str().unwrap().to_owned();
    let addr = wait_for("listening; loading gazetteers (health NOT_SERVING)").await["fields"]["addr"].as_str().unwrap().to_owned();
    wait_for("gazetteers loaded; SERVING").await;

    let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let mut client = EntityExtractorClient::new(channel);
    let mut call = tonic::Request::new(request(TEXT));
    call.metadata_mut().insert("x-request-id", "cli-1".parse().unwrap());
    client.extract(call).await.unwrap();
    let access = wait_for("call").await;
    assert_eq!(access["target"], "gazette::access");
    let f = &access["fields"];
    assert_eq!((f["method"].as_str(), f["code"].as_str(), f["request_id"].as_str()), (Some("/gazette.v1.EntityExtractor/Extract"), Some("OK"), Some("cli-1")));
    assert_eq!(f["mentions"], 3);

    let mut conn = tokio::net::TcpStream::connect(&metrics).await.unwrap();
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).await.unwrap();
    assert!(response.contains(&format!("gazette_calls_total{{{EXTRACT},code=\"OK\"}} 1\n")), "{response}");
    drop(child);
}

/// (flag and value, what the refusal says): refused before anything starts, never a panic in a
/// timer later.
const BAD_FLAGS: &[(&[&str], &str)] = &[
    (&["--max-call-duration", "0s"], "must be more than zero"),
    (&["--keepalive-interval", "0s"], "must be more than zero"),
    (&["--keepalive-timeout", "100000years"], "longer than ten years"),
    (&["--max-connection-age", "soon"], "500ms, 30s, 5m, 1h"),
    (&["--max-connection-age-grace", "1m"], "--max-connection-age"),
    (&["--max-calls-in-flight", "0"], "--max-calls-in-flight"),
    (&["--addr", "no-such-host.invalid:50051"], "cannot resolve"),
];

#[test]
fn bad_operations_flags_are_refused_with_a_reason() {
    for &(args, want) in BAD_FLAGS {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(["--gazetteers", FIXTURES, "--no-default-gazetteers", "serve"])
            .args(args)
            .output()
            .expect("gazette runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// A unary call with two request messages is refused (INTERNAL, as grpc-go and grpc-java
/// answer a cardinality violation), in one DATA frame or two; one message is answered.
#[tokio::test]
async fn a_second_request_message_on_a_unary_call_is_refused() {
    let s = Running::start(Limits::default()).await;
    let one = grpc_frame(&request(TEXT));
    let two = [one.clone(), one.clone()].concat();
    // (name, DATA frames, expected grpc-status)
    let cases: [(&str, Vec<bytes::Bytes>, &str); 3] = [
        ("one message", vec![one.clone()], "0"),
        ("two in one frame", vec![two.into()], "13"),
        ("two frames", vec![one.clone(), one.clone()], "13"),
    ];
    for (name, frames, want) in cases {
        let (response, mut body, _send) = raw_call(s.addr, "Extract").await;
        for (i, frame) in frames.iter().enumerate() {
            body.send_data(frame.clone(), i + 1 == frames.len()).unwrap();
        }
        let trailers = raw_status(response).await;
        let status = trailers.get("grpc-status").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(status, want, "{name}: {trailers:?}");
        if want == "13" {
            let message = trailers.get("grpc-message").and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert!(message.contains("exactly%20one%20request%20message") || message.contains("exactly one request message"), "{name}: {message}");
        }
    }
    s.stop().await;
}

/// A request message that arrives slowly, or never ends, holds the byte budget while it
/// arrives (tonic buffers it whole before decoding it): past the budget its call ends with
/// RESOURCE_EXHAUSTED, and the bytes come back for other calls.
#[tokio::test]
async fn a_request_message_is_counted_in_the_budget_while_it_arrives() {
    let s = Running::start(Limits { max_bytes_in_flight: 1_000_000, ..Limits::default() }).await;
    let (response, mut body, _send) = raw_call(s.addr, "Extract").await;
    // A message of 3 MB announced, then 1.2 MB of it at most in 16 KB frames, and never the
    // rest: refused as soon as its length is known.
    let mut prefix = vec![0u8];
    prefix.extend_from_slice(&3_000_000u32.to_be_bytes());
    body.send_data(prefix.into(), false).unwrap();
    let chunk = bytes::Bytes::from(vec![b'a'; 16_000]);
    for _ in 0..75 {
        body.reserve_capacity(chunk.len());
        let _ = body.send_data(chunk.clone(), false);
    }
    // Answered before the message ended.
    let trailers = raw_status(response).await;
    assert_eq!(trailers.get("grpc-status").and_then(|v| v.to_str().ok()), Some("8"), "{trailers:?}");
    let message = percent_decoded(trailers.get("grpc-message").and_then(|v| v.to_str().ok()).unwrap_or_default());
    assert!(message.contains("a request message of 3000000 bytes") && message.contains("--max-bytes-in-flight"), "{message}");
    // The budget is back: another client's text of 600 kB fits (prose without names, so that
    // its response is small).
    let text = "the rain fell on the hills all day. ".repeat(600_000 / 36);
    assert_eq!(s.client.clone().extract(request(&text)).await.unwrap().into_inner().document_id, "doc-1");
    drop(body);
    s.stop().await;
}

/// A gRPC message frame (uncompressed) of `message`.
fn grpc_frame(message: &impl prost::Message) -> bytes::Bytes {
    let message = message.encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(&message);
    frame.into()
}

/// Opens a call of `method` on a new raw HTTP/2 connection, its request body left open: the
/// response to come, the body to send, and the connection's handle (kept to keep it open).
async fn raw_call(addr: std::net::SocketAddr, method: &str) -> (h2::client::ResponseFuture, h2::SendStream<bytes::Bytes>, h2::client::SendRequest<bytes::Bytes>) {
    let (send, _connection) = raw_h2(addr).await;
    let mut send = send.ready().await.unwrap();
    let request = http::Request::post(format!("http://{addr}/gazette.v1.EntityExtractor/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, body) = send.send_request(request, false).unwrap();
    (response, body, send)
}

/// The status headers of a raw call: a trailers-only response's headers, or the trailers
/// after its messages (read and released).
async fn raw_status(response: h2::client::ResponseFuture) -> http::HeaderMap {
    let response = tokio::time::timeout(PATIENCE, response).await.expect("answered").unwrap();
    let (parts, mut stream) = response.into_parts();
    if parts.headers.get("grpc-status").is_some() {
        return parts.headers;
    }
    while let Some(Ok(data)) = stream.data().await {
        let _ = stream.flow_control().release_capacity(data.len());
    }
    stream.trailers().await.unwrap().unwrap_or_default()
}

/// Opens a call of `method` on a raw HTTP/2 connection whose windows are never reopened (the
/// client reads nothing), sends `frames` and returns once the response's headers have come
/// (the server has built its first response): the stream, to read later, and the connection.
async fn unread_call(addr: std::net::SocketAddr, method: &str, frames: &[bytes::Bytes]) -> (h2::RecvStream, h2::client::SendRequest<bytes::Bytes>) {
    let (response, mut body, send) = raw_call(addr, method).await;
    for (i, frame) in frames.iter().enumerate() {
        body.send_data(frame.clone(), i + 1 == frames.len()).unwrap();
    }
    let response = tokio::time::timeout(PATIENCE, response).await.expect("headers in time").unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("grpc-status").is_none(), "a response, not an error: {:?}", response.headers());
    (response.into_body(), send)
}

/// Responses a client does not read stay inside the byte budget until the transport has taken
/// them (an `Extract` response, and each result of an `ExtractBatch` stream), so they refuse
/// other texts instead of growing memory; once a response has waited longer than the stall
/// timeout, the call is ended, its budget freed, and the client that reads again learns why.
#[tokio::test]
async fn unread_responses_are_counted_until_taken_and_a_stalled_one_is_ended() {
    let text = TEXT.repeat(64 * 1024 / TEXT.len());
    // What one response of `text` weighs, measured on a server with nothing else in flight.
    let response_bytes = {
        let s = Running::start(Limits::default()).await;
        let r = s.client.clone().extract(request(&text)).await.unwrap().into_inner();
        s.stop().await;
        prost::Message::encoded_len(&r)
    };
    assert!((300_000..900_000).contains(&response_bytes), "the test's sizes assume a response of 0.3-0.9 MB, not {response_bytes}");
    // Room for one such response, not for it and a text of 600 kB with nothing to find.
    let budget = 1_000_000;
    let quiet = "the river runs past the old mill and on to the sea. ".repeat(600_000 / 52);
    for method in ["Extract", "ExtractBatch"] {
        let limits = Limits {
            max_bytes_in_flight: budget,
            max_connection_bytes_in_flight: budget,
            response_stall_timeout: Some(Duration::from_secs(3)),
            ..Limits::default()
        };
        let s = Running::start(limits).await;
        let frame = match method {
            "Extract" => grpc_frame(&request(&text)),
            _ => grpc_frame(&pb::ExtractBatchRequest { request: Some(request(&text)) }),
        };
        let (mut unread, _connection) = unread_call(s.addr, method, &[frame]).await;

        // The unread response holds its share: a text that would fit beside the text alone
        // is refused, on another connection.
        let status = s.client.clone().extract(request(&quiet)).await.unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted, "{method}: {status:?}");
        assert!(status.message().contains("--max-bytes-in-flight"), "{method}: {}", status.message());

        // Once the stall timeout has passed, the call is ended and its share returned.
        let waited = tokio::time::Instant::now();
        let mut refused = 1;
        let r = loop {
            match s.client.clone().extract(request(&quiet)).await {
                Ok(r) => break r.into_inner(),
                Err(status) if status.code() == Code::ResourceExhausted && waited.elapsed() < PATIENCE => {
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(status) => panic!("{method}: {status:?}"),
            }
        };
        assert!(r.mentions.is_empty(), "{method}");
        assert!(waited.elapsed() >= Duration::from_secs(1), "{method}: freed after {:?}, before the timeout", waited.elapsed());
        let (_, m) = s.get("/metrics").await;
        let series = format!("method=\"/gazette.v1.EntityExtractor/{method}\"");
        assert_eq!(value(&m, &format!("gazette_calls_in_flight{{{series}}}")), Some(0.0), "{m}");
        // The stalled call is counted with the status it ended with.
        let stalled = format!("gazette_calls_total{{{series},code=\"RESOURCE_EXHAUSTED\"}}");
        let extract_refused = format!("gazette_calls_total{{{EXTRACT},code=\"RESOURCE_EXHAUSTED\"}}");
        match method {
            "Extract" => assert_eq!(value(&m, &stalled), Some(f64::from(refused + 1)), "{m}"),
            _ => {
                assert_eq!(value(&m, &stalled), Some(1.0), "{m}");
                assert_eq!(value(&m, &extract_refused), Some(f64::from(refused)), "{m}");
            }
        }

        // The client reads again: what the transport had taken, then the status.
        let mut read = 0;
        while let Some(data) = tokio::time::timeout(PATIENCE, unread.data()).await.expect("data in time") {
            let data = data.unwrap();
            read += data.len();
            unread.flow_control().release_capacity(data.len()).unwrap();
        }
        assert!(read < response_bytes, "{method}: {read} bytes of a {response_bytes}-byte response arrived");
        let trailers = tokio::time::timeout(PATIENCE, unread.trailers()).await.unwrap().unwrap().expect("trailers");
        assert_eq!(trailers.get("grpc-status").unwrap(), "8", "{method}: {trailers:?}");
        let message = percent_decoded(trailers.get("grpc-message").unwrap().to_str().unwrap());
        assert!(message.contains("--response-stall-timeout"), "{method}: {message}");
        s.stop().await;
    }
}

/// A `grpc-message` value, percent-decoded.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
