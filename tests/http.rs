//! JSON over HTTP against the real server on 127.0.0.1:0, called with hyper's HTTP/1.1 client:
//! the answers equal the gRPC answers (read as proto3 JSON by prost-reflect, independently of
//! the server's writer) on the golden corpus; errors have their HTTP status, gRPC code and the
//! gRPC message; the token, the message limit and the batch's lines; the metrics count the
//! calls; a call over the cap is shed with 429; and the README's curl example prints what the
//! README shows.

mod common;
use common::shown_commands;
use std::path::Path;
use std::process::Command;

use bytes::Bytes;
use gazette::grpc::pb;
use gazette::grpc::pb::entity_extractor_client::EntityExtractorClient;
use gazette::server::{Handle, Security};
use gazette::{Extractor, Limits};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use prost_reflect::{DescriptorPool, DynamicMessage};
use serde_json::{json, Value};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gazetteers");

struct Running {
    addr: std::net::SocketAddr,
    handle: Handle,
    http: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<gazette::Result<()>>,
}

impl Running {
    async fn start(gazetteers: &str, limits: Limits, security: Security, http: gazette::server::Http) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = Handle::new().await;
        handle.install(Extractor::load(Path::new(gazetteers)).unwrap()).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(gazette::server::serve_with_http(listener, handle.clone(), limits, security, http, async {
            let _ = stopped.await;
        }));
        // The listener is bound before `serve` starts: connecting cannot race it.
        let http = Client::builder(TokioExecutor::new()).build_http();
        Running { addr, handle, http, stop: Some(stop), server }
    }

    async fn fixtures() -> Running {
        Running::start(FIXTURES, Limits::default(), Security::default(), gazette::server::Http::default()).await
    }

    /// (HTTP status, headers, body) of a request.
    async fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> (u16, http::HeaderMap, String) {
        let mut request = http::Request::builder().method(method).uri(format!("http://{}{path}", self.addr));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = self.http.request(request.body(Full::new(body.into())).unwrap()).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        (parts.status.as_u16(), parts.headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    async fn post(&self, path: &str, body: impl Into<Bytes>) -> (u16, Value) {
        let (status, headers, body) = self.call("POST", path, &[("content-type", "application/json")], body).await;
        if path == "/v1/extract" {
            assert_eq!(headers["content-type"], "application/json");
        }
        (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
    }

    async fn grpc(&self) -> EntityExtractorClient<tonic::transport::Channel> {
        EntityExtractorClient::connect(format!("http://{}", self.addr)).await.unwrap()
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.await.unwrap().unwrap();
    }
}

/// A gRPC response as proto3 JSON, by prost-reflect (not by the server's writer).
fn reflected(response: &pb::ExtractResponse) -> Value {
    let pool = DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
    let desc = pool.get_message_by_name("gazette.v1.ExtractResponse").unwrap();
    let message = DynamicMessage::decode(desc, prost::Message::encode_to_vec(response).as_slice()).unwrap();
    serde_json::to_value(&message).unwrap()
}

/// `v` with every number as the f32 it was on the wire, as text (confidences are floats:
/// prost-reflect widens them to f64, protobuf printers write their shortest f32 form; an
/// integral double is `40.0` to one and `40` to the other).
fn floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(format!("{}", n.as_f64().unwrap() as f32)),
        Value::Array(a) => Value::Array(a.iter().map(floats).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), floats(v))).collect()),
        v => v.clone(),
    }
}

/// Where `got` and `want` first differ, and how.
fn first_difference(got: &Value, want: &Value, at: &str) -> String {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                match g.get(k) {
                    None => return format!("{at}.{k}: missing, want {wv}"),
                    Some(gv) if gv != wv => return first_difference(gv, wv, &format!("{at}.{k}")),
                    _ => {}
                }
            }
            let extra: Vec<&String> = g.keys().filter(|k| !w.contains_key(*k)).collect();
            format!("{at}: extra keys {extra:?}")
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            let i = g.iter().zip(w).position(|(a, b)| a != b).unwrap_or(0);
            first_difference(&g[i], &w[i], &format!("{at}[{i}]"))
        }
        _ => format!("{at}: got {got}, want {want}"),
    }
}

#[tokio::test]
async fn the_json_answer_equals_the_grpc_answer_on_the_golden_corpus() {
    let s = Running::start(&format!("{ROOT}/gazetteers"), Limits::default(), Security::default(), gazette::server::Http::default()).await;
    let mut grpc = s.grpc().await;
    let corpus = std::fs::read_to_string(format!("{ROOT}/tests/data/golden/corpus.jsonl")).unwrap();
    let mut compared = 0;
    for line in corpus.lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        let (id, text) = (doc["id"].as_str().unwrap(), doc["text"].as_str().unwrap());
        // The golden settings: plain, and UTF-16 offsets with a reference date and alternatives.
        for (encoding, date, alternatives) in [(0, "", false), (2, "2026-01-20", true)] {
            let request = pb::ExtractRequest {
                document_id: id.into(),
                text: text.into(),
                offset_encoding: encoding,
                reference_date: date.into(),
                include_alternatives: alternatives,
                ..Default::default()
            };
            let want = grpc.extract(request).await.map(|r| reflected(&r.into_inner()));
            let body = json!({"documentId": id, "text": text, "offsetEncoding": encoding, "referenceDate": date, "includeAlternatives": alternatives});
            let (status, got) = s.post("/v1/extract", body.to_string()).await;
            match want {
                Ok(want) => {
                    assert_eq!(status, 200, "{id}: {got}");
                    let (got, want) = (floats(&got), floats(&want));
                    assert!(got == want, "{id} (encoding {encoding}): {}", first_difference(&got, &want, "$"));
                    compared += 1;
                }
                // An empty text: the same error.
                Err(e) => {
                    assert_eq!(status, 400, "{id}");
                    assert_eq!(got, json!({"code": e.code() as i32, "message": e.message()}), "{id}");
                }
            }
        }
    }
    assert!(compared >= 160, "only {compared} answers compared");
    s.stop().await;
}

/// (name, body, HTTP status, gRPC code, what the message says).
const ERRORS: &[(&str, &str, u16, i32, &str)] = &[
    ("not JSON", "{\"text\": \"Iran\"", 400, 3, "the body is not an ExtractRequest in proto3 JSON: EOF while parsing an object at line 1 column 15"),
    ("empty body", "", 400, 3, "the body is not an ExtractRequest in proto3 JSON: it is empty"),
    ("trailing garbage", "{\"text\": \"Iran\"} x", 400, 3, "trailing characters at line 1 column 18"),
    ("an array", "[1]", 400, 3, "invalid type: sequence, expected a map"),
    ("unknown field", "{\"txt\": \"Iran\"}", 400, 3, "unrecognized field name 'txt'"),
    ("unknown enum name", "{\"text\": \"Iran\", \"kinds\": [\"PLACE\"]}", 400, 3, "unrecognized enum value 'PLACE'"),
    ("wrong type", "{\"text\": 5}", 400, 3, "invalid type: integer `5`, expected a string"),
    ("unknown enum number: the service's check", "{\"text\": \"Iran\", \"kinds\": [9]}", 400, 3, "invalid kinds: 9 is not an entity kind"),
    ("empty text", "{\"text\": \"\"}", 400, 3, "text is empty"),
    ("bad date", "{\"text\": \"Iran\", \"referenceDate\": \"Friday\"}", 400, 3, "invalid reference_date: \"Friday\" is not a date"),
    ("unknown gazetteer", "{\"text\": \"Iran\", \"gazetteers\": [\"nope\"]}", 400, 3, "unknown gazetteer \"nope\""),
];

#[tokio::test]
async fn errors_have_their_status_code_and_message() {
    let s = Running::fixtures().await;
    for &(name, body, status, code, says) in ERRORS {
        let (got_status, got) = s.post("/v1/extract", body).await;
        assert_eq!((got_status, got["code"].as_i64()), (status, Some(code as i64)), "{name}: {got}");
        let message = got["message"].as_str().unwrap();
        assert!(message.contains(says), "{name}: {message}");
        assert_eq!(got.as_object().unwrap().len(), 2, "{name}: only code and message");
    }
    // The message is the gRPC status's, word for word.
    let grpc = s.grpc().await.extract(pb::ExtractRequest { text: "Iran".into(), reference_date: "Friday".into(), ..Default::default() }).await.unwrap_err();
    let (_, got) = s.post("/v1/extract", "{\"text\": \"Iran\", \"referenceDate\": \"Friday\"}").await;
    assert_eq!(got["message"], grpc.message());
    // Field names as in the .proto are read too, and numbers for enums, as proto3 JSON says.
    let (status, got) = s.post("/v1/extract", r#"{"text": "Iran", "offset_encoding": "OFFSET_ENCODING_UTF16", "kinds": [2]}"#).await;
    assert_eq!((status, got["mentions"][0]["entityId"].as_str()), (200, Some("place:iran")), "{got}");
    // Other paths and methods.
    let (status, _, body) = s.call("GET", "/nope", &[], "").await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("no such path \\\"/nope\\\""), "{body}");
    let (status, headers, _) = s.call("GET", "/v1/extract", &[], "").await;
    assert_eq!((status, headers.get("allow").map(|v| v.to_str().unwrap())), (405, Some("POST")));
    // No page unless asked for.
    assert_eq!(s.call("GET", "/", &[], "").await.0, 404);
    // gRPC still works beside it.
    let r = s.grpc().await.extract(pb::ExtractRequest { text: "Iran".into(), ..Default::default() }).await.unwrap().into_inner();
    assert_eq!(r.mentions[0].entity_id, "place:iran");
    s.stop().await;
}

#[tokio::test]
async fn a_body_over_the_message_limit_is_413() {
    let limits = Limits { max_message_bytes: 1000, max_text_bytes: 500, ..Limits::default() };
    let s = Running::start(FIXTURES, limits, Security::default(), gazette::server::Http::default()).await;
    let big = json!({"text": "Iran ".repeat(300)}).to_string();
    let (status, got) = s.post("/v1/extract", big.clone()).await;
    assert_eq!((status, got["code"].as_i64()), (413, Some(11)), "{got}");
    assert_eq!(got["message"], "the body is over the message limit of 1000 bytes (--max-message-bytes / GAZETTE_MAX_MESSAGE_BYTES); split the document");
    // Within the message limit but over the text limit: the gRPC error, 400.
    let (status, got) = s.post("/v1/extract", json!({"text": "Iran ".repeat(150)}).to_string()).await;
    assert_eq!((status, got["code"].as_i64()), (400, Some(3)), "{got}");
    assert!(got["message"].as_str().unwrap().starts_with("text is 750 bytes, over the limit of 500 bytes"), "{got}");
    // A line of a batch over the limit is that line's error; the others are answered.
    let body = format!("{big}\n{}\n", json!({"documentId": "ok", "text": "Iran"}));
    let (status, _, out) = s.call("POST", "/v1/extract:batch", &[], body).await;
    assert_eq!(status, 200);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["error"]["code"], 11);
    assert_eq!(lines[0]["error"]["message"], "line 1 is over the message limit of 1000 bytes (--max-message-bytes / GAZETTE_MAX_MESSAGE_BYTES); split the document");
    assert_eq!(lines[1]["response"]["mentions"][0]["entityId"], "place:iran");
    s.stop().await;
}

#[tokio::test]
async fn the_token_is_required_when_set() {
    let security = Security { tls: None, token: Some(gazette::grpc::Token::new("t0ken").unwrap()) };
    let s = Running::start(FIXTURES, Limits::default(), security, gazette::server::Http::default()).await;
    let body = r#"{"text": "Iran"}"#;
    for (header, status, message) in [
        (None, 401, Some("missing authorization: Bearer token")),
        (Some("Bearer nope"), 401, Some("invalid token")),
        (Some("Bearer t0ken"), 200, None),
    ] {
        let headers: Vec<(&str, &str)> = header.map(|h| ("authorization", h)).into_iter().collect();
        let (got, h, out) = s.call("POST", "/v1/extract", &headers, body).await;
        assert_eq!(got, status, "{header:?}: {out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        match message {
            Some(m) => {
                assert_eq!(v, json!({"code": 16, "message": m}));
                assert_eq!(h["www-authenticate"], "Bearer");
            }
            None => assert_eq!(v["mentions"][0]["entityId"], "place:iran"),
        }
        // The batch too.
        let (got, _, out) = s.call("POST", "/v1/extract:batch", &headers, body).await;
        assert_eq!(got, status, "batch {header:?}: {out}");
    }
    // A malformed deadline is refused as in gRPC.
    let (status, _, out) = s.call("POST", "/v1/extract", &[("authorization", "Bearer t0ken"), ("grpc-timeout", "soon")], body).await;
    assert_eq!(status, 400, "{out}");
    assert!(out.contains("malformed grpc-timeout header"), "{out}");
    s.stop().await;
}

#[tokio::test]
async fn a_batch_answers_one_line_per_line_in_order() {
    let s = Running::fixtures().await;
    let body = [
        json!({"documentId": "a", "text": "Putin met Netanyahu."}).to_string(),
        String::new(),
        "{\"documentId\": \"b\", \"text\": ".to_owned(),
        json!({"documentId": "c", "text": ""}).to_string(),
        json!({"documentId": "d", "text": "Iran", "kinds": ["ENTITY_KIND_PERSON"]}).to_string(),
    ]
    .join("\n");
    let (status, headers, out) = s.call("POST", "/v1/extract:batch", &[], body).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/x-ndjson");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "{out}");
    // The first equals the single call's answer.
    let (_, single) = s.post("/v1/extract", json!({"documentId": "a", "text": "Putin met Netanyahu."}).to_string()).await;
    assert_eq!(lines[0], json!({"documentId": "a", "response": single}));
    assert_eq!(lines[1]["error"]["code"], 3);
    assert!(lines[1]["error"]["message"].as_str().unwrap().starts_with("line 3 is not an ExtractRequest in proto3 JSON: EOF while parsing a value"), "{}", lines[1]);
    assert_eq!(lines[2], json!({"documentId": "c", "error": {"code": 3, "message": "text is empty: send the document's text in the `text` field"}}));
    assert_eq!(lines[3], json!({"documentId": "d", "response": {"documentId": "d", "gazetteerVersion": single["gazetteerVersion"]}}));
    // Counted in the metrics under their own paths.
    let metrics = s.handle.metrics().encode();
    for want in ["gazette_calls_total{method=\"/v1/extract\",code=\"OK\"} 1", "gazette_calls_total{method=\"/v1/extract:batch\",code=\"OK\"} 1"] {
        assert!(metrics.contains(want), "{want} missing");
    }
    s.stop().await;
}

#[tokio::test]
async fn calls_over_the_cap_are_shed_with_429() {
    // A cap of one call: a batch whose body is still being sent holds it.
    let limits = Limits { max_calls_in_flight: Some(1), ..Limits::default() };
    let s = Running::start(FIXTURES, limits, Security::default(), gazette::server::Http::default()).await;
    let (tx, body) = futures_channel_body();
    let request = http::Request::post(format!("http://{}/v1/extract:batch", s.addr)).body(body).unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http();
    // Its headers have come: the call has its place (taken before it was routed), and holds
    // it while its body is open.
    let open = client.request(request).await.unwrap();
    assert_eq!(open.status(), 200);
    assert!(s.handle.metrics().encode().contains("gazette_calls_in_flight{method=\"/v1/extract:batch\"} 1"));
    let (status, headers, out) = s.call("POST", "/v1/extract", &[], r#"{"text": "Iran"}"#).await;
    assert_eq!(status, 429, "{out}");
    assert_eq!(headers["grpc-retry-pushback-ms"], "100");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["code"], 8);
    assert!(v["message"].as_str().unwrap().starts_with("server busy: 1 calls in flight"), "{v}");
    tx.send(Ok(http_body::Frame::data(Bytes::from(json!({"text": "Iran"}).to_string() + "\n")))).await.unwrap();
    drop(tx);
    let out = open.into_body().collect().await.unwrap().to_bytes();
    let line: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(line["response"]["mentions"][0]["entityId"], "place:iran");
    s.stop().await;
}

#[tokio::test]
async fn with_http_off_only_http2_connections_are_served() {
    let off = gazette::server::Http { json: false, page: false };
    let s = Running::start(FIXTURES, Limits::default(), Security::default(), off).await;
    let mut http1 = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut http1, b"POST /v1/extract HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}").await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::io::AsyncReadExt::read_to_end(&mut http1, &mut answer).await;
    assert!(read.is_err() || answer.is_empty(), "closed without an answer: {}", String::from_utf8_lossy(&answer));
    let r = s.grpc().await.extract(pb::ExtractRequest { text: "Iran".into(), ..Default::default() }).await.unwrap().into_inner();
    assert_eq!(r.mentions[0].entity_id, "place:iran");
    s.stop().await;
}

#[tokio::test]
async fn the_page_is_served_self_contained_when_asked_for() {
    let s = Running::start(FIXTURES, Limits::default(), Security::default(), gazette::server::Http { json: true, page: true }).await;
    let (status, headers, body) = s.call("GET", "/", &[], "").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    assert!(body.contains("fetch(\"/v1/extract\""), "the page calls the API");
    // Counted as answered, not as a call the client gave up.
    assert!(s.handle.metrics().encode().contains("gazette_calls_total{method=\"unknown\",code=\"OK\"} 1"));
    // Nothing from elsewhere, and no HTML built from strings.
    for banned in ["http://", "https://", "src=", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"] {
        assert!(!body.contains(banned), "the page contains {banned:?}");
    }
    s.stop().await;
}

/// A request body fed through a channel.
fn futures_channel_body() -> (
    tokio::sync::mpsc::Sender<Result<http_body::Frame<Bytes>, std::convert::Infallible>>,
    http_body_util::StreamBody<tokio_stream::wrappers::ReceiverStream<Result<http_body::Frame<Bytes>, std::convert::Infallible>>>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    (tx, http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx)))
}

/// Runs each example verbatim (its address replaced by the test server's) against the default
/// gazetteers and compares what it prints with what is shown.
async fn run_examples(examples: Vec<(String, String)>) {
    let s = Running::start(&format!("{ROOT}/gazetteers"), Limits::default(), Security::default(), gazette::server::Http::default()).await;
    // The gazetteer version is a hash of the data: it changes with every edit of a gazetteer,
    // and is not what the examples show.
    let version = |s: &str| s.split("\"gazetteerVersion\":\"").map(|p| p.split_once('"').map_or(p, |(_, rest)| rest)).collect::<Vec<_>>().join("");
    for (command, shown) in examples {
        let run = command.replace("127.0.0.1:50051", &s.addr.to_string());
        let out = tokio::task::spawn_blocking(move || Command::new("sh").arg("-c").arg(&run).output().unwrap()).await.unwrap();
        assert!(out.status.success(), "{command}: {}", String::from_utf8_lossy(&out.stderr));
        let got = String::from_utf8(out.stdout).unwrap();
        assert_eq!(version(got.trim_end()), version(shown.trim_end()), "{command}\nshown:\n{shown}\ngot:\n{got}");
    }
    s.stop().await;
}

/// The README's curl example prints what the README shows.
#[tokio::test]
async fn the_readme_curl_example_prints_what_the_readme_shows() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let section = readme.split("\n## JSON over HTTP and the page\n").nth(1).expect("README has the section").split("\n## ").next().unwrap();
    let examples = shown_commands(section);
    assert_eq!(examples.len(), 1, "one curl example");
    assert!(examples[0].0.starts_with("curl "));
    run_examples(examples).await;
}

/// Every command of docs/http.md prints what it shows.
#[tokio::test]
async fn the_commands_of_docs_http_md_print_what_they_show() {
    let docs = std::fs::read_to_string(format!("{ROOT}/docs/http.md")).unwrap();
    let examples = shown_commands(&docs);
    assert!(examples.len() >= 6, "{} examples", examples.len());
    run_examples(examples).await;
}
