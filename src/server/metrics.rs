//! The server's Prometheus metrics, and the small HTTP/1.1 endpoint that serves them
//! (`GET /metrics`, OpenMetrics text) on an address of its own.
//!
//! Every series a call touches is registered when the server starts, one set per method the
//! server knows (anything else counts as `unknown`, so a scanner cannot grow the label sets),
//! and kept as handles: counting a call is a few atomic additions, with no label strings built
//! and no map looked up. A call's status code is the exception: its counter is created the
//! first time that method ends with that code, and cached. What a call is and when it ends is
//! [`super::calls`]'s business; the gazetteer series are set by [`super::Handle`].

use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::extract::Extractor;

/// The methods the server serves, as HTTP paths; the last entry stands for every other path.
const METHODS: [&str; 11] = [
    "/gazette.v1.EntityExtractor/Extract",
    "/gazette.v1.EntityExtractor/ExtractStream",
    "/gazette.v1.EntityExtractor/ExtractBatch",
    "/gazette.v1.EntityExtractor/ListGazetteers",
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    // JSON over HTTP (grpc/http.rs): the same calls as Extract and ExtractBatch.
    "/v1/extract",
    "/v1/extract:batch",
    "unknown",
];

/// gRPC status code names, by code number.
pub(super) const CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodCode {
    method: &'static str,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

type Histograms = Family<MethodLabel, Histogram, fn() -> Histogram>;

/// One method's series.
#[derive(Debug)]
pub(super) struct Method {
    /// The method's path, as its label.
    pub name: &'static str,
    /// An `EntityExtractor` method: counted against `--max-calls-in-flight`, given a tally.
    pub extractor: bool,
    /// JSON over HTTP: a call shed at the cap is answered in JSON, not as a gRPC status.
    pub http: bool,
    /// Health and reflection: logged at debug level, so that probes do not flood the log.
    pub probe: bool,
    calls: [OnceLock<Counter>; 17],
    pub in_flight: Gauge,
    duration: Histogram,
    /// Text bytes and mentions per call, for the methods that extract.
    text: Option<(Histogram, Histogram)>,
}

impl Method {
    /// Whether the method extracts (its calls get a [`crate::grpc::Tally`]).
    pub fn extracts(&self) -> bool {
        self.text.is_some()
    }

    /// Counts a call that ended with `code` after `elapsed`, with its tally if it extracts.
    pub fn finish(&self, metrics: &Metrics, code: usize, elapsed: Duration, tally: Option<(u64, u64)>) {
        // A code gRPC does not define is UNKNOWN (2).
        let code = if code < CODES.len() { code } else { 2 };
        self.calls[code]
            .get_or_init(|| metrics.calls.get_or_create_owned(&MethodCode { method: self.name, code: CODES[code] }))
            .inc();
        self.duration.observe(elapsed.as_secs_f64());
        if let (Some((text, mentions)), Some((bytes, n))) = (&self.text, tally) {
            text.observe(bytes as f64);
            mentions.observe(n as f64);
        }
    }
}

/// The registry and the handles the server counts with.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    calls: Family<MethodCode, Counter>,
    methods: Vec<Method>,
    info: Family<VersionLabel, Gauge>,
    entries: Gauge,
    patterns: Gauge,
    load_seconds: Gauge<f64, AtomicU64>,
    last_success: Gauge<f64, AtomicU64>,
    reloads: Family<ResultLabel, Counter>,
}

fn duration_histogram() -> Histogram {
    // 1 ms to about 2 minutes.
    Histogram::new(exponential_buckets(0.001, 2.5, 14))
}

fn bytes_histogram() -> Histogram {
    // 64 bytes to 16 MiB.
    Histogram::new(exponential_buckets(64.0, 4.0, 10))
}

fn mentions_histogram() -> Histogram {
    // 1 to 262144.
    Histogram::new(exponential_buckets(1.0, 4.0, 10))
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("gazette");
        let calls = Family::<MethodCode, Counter>::default();
        let in_flight = Family::<MethodLabel, Gauge>::default();
        let duration: Histograms = Family::new_with_constructor(duration_histogram);
        let text: Histograms = Family::new_with_constructor(bytes_histogram);
        let mentions: Histograms = Family::new_with_constructor(mentions_histogram);
        registry.register("calls", "gRPC calls ended, by method and status code", calls.clone());
        registry.register_with_unit("call_duration", "gRPC call duration, from its headers to the end of its response", Unit::Seconds, duration.clone());
        registry.register("calls_in_flight", "gRPC calls open now", in_flight.clone());
        registry.register_with_unit("text", "text bytes per call (all documents of a stream)", Unit::Bytes, text.clone());
        registry.register("mentions", "mentions found per call (all documents of a stream)", mentions.clone());
        let methods = METHODS
            .iter()
            .map(|&name| {
                let label = MethodLabel { method: name };
                let http = name.starts_with("/v1/");
                let extracts = name.starts_with("/gazette.v1.EntityExtractor/Extract") || http;
                Method {
                    name,
                    extractor: name.starts_with("/gazette.v1.EntityExtractor/") || http,
                    http,
                    probe: name.starts_with("/grpc."),
                    calls: Default::default(),
                    in_flight: in_flight.get_or_create_owned(&label),
                    duration: duration.get_or_create_owned(&label),
                    text: extracts.then(|| (text.get_or_create_owned(&label), mentions.get_or_create_owned(&label))),
                }
            })
            .collect();
        let info = Family::<VersionLabel, Gauge>::default();
        let (entries, patterns) = (Gauge::default(), Gauge::default());
        let (load_seconds, last_success) = (Gauge::<f64, AtomicU64>::default(), Gauge::<f64, AtomicU64>::default());
        let reloads = Family::<ResultLabel, Counter>::default();
        for result in ["success", "failure"] {
            reloads.get_or_create_owned(&ResultLabel { result });
        }
        registry.register("gazetteer_info", "the gazetteer set being served (1), by version", info.clone());
        registry.register("gazetteer_entries", "entries in the gazetteer set being served", entries.clone());
        registry.register("gazetteer_patterns", "distinct alias texts in the name automaton being served", patterns.clone());
        registry.register_with_unit("gazetteer_load", "how long the last successful load of the gazetteers took", Unit::Seconds, load_seconds.clone());
        registry.register_with_unit(
            "last_reload_success_timestamp",
            "when a gazetteer set was last installed (the first load included), Unix time",
            Unit::Seconds,
            last_success.clone(),
        );
        registry.register("reloads", "gazetteer loads (the first one included), by result", reloads.clone());
        Metrics { registry, calls, methods, info, entries, patterns, load_seconds, last_success, reloads }
    }
}

impl Metrics {
    /// The series of the method at `path` (`unknown` for a path the server does not serve).
    #[cfg(test)]
    fn method(&self, path: &str) -> &Method {
        self.by_index(self.index(path))
    }

    /// The index of the method at `path`, for [`Metrics::by_index`].
    pub(super) fn index(&self, path: &str) -> usize {
        let last = self.methods.len() - 1;
        METHODS[..last].iter().position(|&m| m == path).unwrap_or(last)
    }

    /// The series of a method by its index.
    pub(super) fn by_index(&self, i: usize) -> &Method {
        &self.methods[i.min(self.methods.len() - 1)]
    }

    /// A gazetteer set is now being served; its load took `took`, if known.
    pub(super) fn installed(&self, x: &Extractor, took: Option<Duration>) {
        self.info.clear();
        self.info.get_or_create(&VersionLabel { version: x.version().to_owned() }).set(1);
        self.entries.set(x.gazetteers().entries.len() as i64);
        self.patterns.set(x.pattern_count() as i64);
        if let Some(took) = took {
            self.load_seconds.set(took.as_secs_f64());
        }
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        self.last_success.set(now.as_secs_f64());
        self.reloads.get_or_create(&ResultLabel { result: "success" }).inc();
    }

    /// A load failed; the previous set (if any) goes on serving.
    pub(super) fn load_failed(&self) {
        self.reloads.get_or_create(&ResultLabel { result: "failure" }).inc();
    }

    /// Everything, in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The longest a metrics request may take to arrive, and the most of it that is read.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_BYTES: usize = 8 * 1024;

/// Metrics connections open at once. A new one beyond it closes the oldest: a scrape is
/// answered within milliseconds, so the oldest is the one least likely to be a scrape, and
/// sockets that send nothing can neither hold the listener nor take the process's file
/// descriptors from the gRPC listener.
const MAX_CONNECTIONS: usize = 32;

/// Serves `GET /metrics` on `listener` until `shutdown` resolves: one request per connection
/// (HTTP/1.1 with `Connection: close`, which is what Prometheus needs), each on its own task,
/// at most [`MAX_CONNECTIONS`] at once.
pub(super) async fn serve(listener: TcpListener, metrics: std::sync::Arc<Metrics>, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut open: std::collections::VecDeque<tokio::task::AbortHandle> = std::collections::VecDeque::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return,
        };
        match accepted {
            Ok((stream, _)) => {
                open.retain(|task| !task.is_finished());
                while open.len() >= MAX_CONNECTIONS {
                    if let Some(oldest) = open.pop_front() {
                        tracing::debug!(limit = MAX_CONNECTIONS, "metrics: connections at the cap; closing the oldest");
                        oldest.abort();
                    }
                }
                let metrics = metrics.clone();
                let task = tokio::spawn(async move {
                    if let Err(e) = tokio::time::timeout(REQUEST_TIMEOUT, answer(stream, &metrics)).await.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())) {
                        tracing::debug!(error = %e, "metrics request failed");
                    }
                });
                open.push_back(task.abort_handle());
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: accept failed; pausing 100 ms");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads one request head and answers it.
async fn answer(mut stream: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() >= REQUEST_BYTES {
            return respond(&mut stream, "431 Request Header Fields Too Large", "text/plain", b"request head too large\n").await;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    match (method, path) {
        (b"GET", b"/metrics") => {
            let body = metrics.encode();
            respond(&mut stream, "200 OK", "application/openmetrics-text; version=1.0.0; charset=utf-8", body.as_bytes()).await
        }
        (_, b"/metrics") => respond(&mut stream, "405 Method Not Allowed", "text/plain", b"use GET /metrics\n").await,
        _ => respond(&mut stream, "404 Not Found", "text/plain", b"metrics are at GET /metrics\n").await,
    }
}

async fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, path, method label).
    const PATHS: &[(&str, &str, &str)] = &[
        ("extract", "/gazette.v1.EntityExtractor/Extract", "/gazette.v1.EntityExtractor/Extract"),
        ("health", "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Check"),
        ("unknown method", "/gazette.v1.EntityExtractor/Nope", "unknown"),
        ("prefix only", "/gazette.v1.EntityExtractor/Extrac", "unknown"),
        ("empty", "", "unknown"),
    ];

    #[test]
    fn method_table() {
        let m = Metrics::default();
        for &(name, path, want) in PATHS {
            assert_eq!(m.method(path).name, want, "{name}");
        }
        assert!(m.method("/gazette.v1.EntityExtractor/ListGazetteers").extractor);
        assert!(!m.method("/grpc.health.v1.Health/Check").extractor);
        assert!(m.method("/grpc.health.v1.Health/Watch").probe);
    }

    #[test]
    fn codes_are_counted_by_name() {
        let m = Metrics::default();
        let method = m.method("/gazette.v1.EntityExtractor/Extract");
        method.finish(&m, 0, Duration::from_millis(2), Some((100, 3)));
        method.finish(&m, 3, Duration::from_millis(2), Some((10, 0)));
        method.finish(&m, 99, Duration::from_millis(2), None);
        let text = m.encode();
        for want in [
            "gazette_calls_total{method=\"/gazette.v1.EntityExtractor/Extract\",code=\"OK\"} 1\n",
            "gazette_calls_total{method=\"/gazette.v1.EntityExtractor/Extract\",code=\"INVALID_ARGUMENT\"} 1\n",
            "gazette_calls_total{method=\"/gazette.v1.EntityExtractor/Extract\",code=\"UNKNOWN\"} 1\n",
            "gazette_text_bytes_sum{method=\"/gazette.v1.EntityExtractor/Extract\"} 110.0\n",
            "gazette_mentions_count{method=\"/gazette.v1.EntityExtractor/Extract\"} 2\n",
            "gazette_reloads_total{result=\"failure\"} 0\n",
        ] {
            assert!(text.contains(want), "{want} not in\n{text}");
        }
    }
}
