//! JSON over HTTP: `POST /v1/extract` (an `ExtractRequest` in proto3 JSON in, its
//! `ExtractResponse` out), `POST /v1/extract:batch` (JSON lines: one request a line in, one
//! `ExtractBatchResponse` a line out, in order) and `GET /`, the page that shows what was found.
//!
//! An adapter beside the gRPC one, over the same [`Service`]: the same token check and
//! deadline ([`Guard::check`], so `authorization: Bearer` and `grpc-timeout` work as in gRPC),
//! the same extractor, admission into the byte budgets, engine call and response budget
//! ([`Service::run`], [`Service::batch`]), the same cut at the drain deadline. The server's call
//! layer counts these calls under `--max-calls-in-flight`, in the metrics and in the access log
//! as it does gRPC calls (it reads their code from [`Outcome`], or a batch's from its trailers).
//! A request body is read up to `--max-message-bytes` (a batch: each line), then parsed by
//! prost-reflect over the contract's descriptor set (unknown fields are refused, as proto3 JSON
//! parsers do by default); responses are written by [`super::json`]. Errors are
//! `{"code": <gRPC code>, "message": ...}` with the gRPC status's message and an HTTP status
//! from [`http_status`], the one mapping. Listening, HTTP/1.1 and the routes beside gRPC belong
//! to [`crate::server`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use http::{header, HeaderValue, StatusCode};
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

use tonic::{Code, Status};

use super::{bounded, pb, status, until_cut, Connection, Guard, Service, Tally};
use crate::error::Error;

/// The page (`GET /`, and `gazette extract --html`): one file, its script and style inline.
const PAGE: &str = include_str!("http/page.html");

/// Where [`PAGE`] carries a response for `gazette extract --html`.
const DATA_SLOT: &str = "<script id=\"gazette-data\" type=\"application/json\">null</script>";

/// The gRPC code a JSON over HTTP call ended with, in its response's extensions, for the
/// server's call layer (a batch's code comes in its trailers instead).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome(pub Code);

/// What the handlers share.
#[derive(Clone)]
struct Api {
    service: Service,
    guard: Guard,
    request: MessageDescriptor,
}

/// The routes of JSON over HTTP when `json` is set, and the page when `page` is.
pub(crate) fn router(service: Service, guard: Guard, json: bool, page: bool) -> crate::Result<axum::Router> {
    let pool = DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).map_err(|e| Error::Serve(format!("descriptor set: {e}")))?;
    let request = pool
        .get_message_by_name("gazette.v1.ExtractRequest")
        .ok_or_else(|| Error::Serve("descriptor set has no gazette.v1.ExtractRequest".into()))?;
    let api = Api { service, guard, request };
    let mut router = axum::Router::new();
    if json {
        router = router.route("/v1/extract", axum::routing::post(extract)).route("/v1/extract:batch", axum::routing::post(batch));
    }
    if page {
        router = router.route("/", axum::routing::get(serve_page));
    }
    Ok(router.with_state(api))
}

/// The page, with `data` (`{"text": ..., "response": ...}`) embedded when given: without, it
/// calls `POST /v1/extract`; with, it shows that response of that text and has no form. The
/// JSON is written with `<`, `>` and `&` escaped (`\u003c`...), so that no text in it can end
/// its script element.
pub fn page(data: Option<&str>) -> String {
    match data {
        None => PAGE.to_owned(),
        Some(data) => {
            // Outside strings, JSON has none of these characters: escaping them everywhere
            // escapes them in strings, where `\u003c` reads back as `<`.
            let json = data.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
            PAGE.replacen(DATA_SLOT, &DATA_SLOT.replacen(">null<", &format!(">{json}<"), 1), 1)
        }
    }
}

async fn serve_page() -> Response {
    let mut response = Response::new(Body::from(PAGE));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // Nothing from elsewhere: its own inline script and style, and calls to this server.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; base-uri 'none'"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Counted and logged as answered (the call layer reads no gRPC status from a page).
    response.extensions_mut().insert(Outcome(Code::Ok));
    response
}

async fn extract(State(api): State<Api>, request: Request) -> Response {
    match api.extract(request).await {
        Ok(response) => response,
        Err(status) => error(&status),
    }
}

async fn batch(State(api): State<Api>, request: Request) -> Response {
    match api.batch(request) {
        Ok(response) => response,
        Err(status) => error(&status),
    }
}

/// The connection and the tally of a call, from its extensions (the accept loop and the call
/// layer put them there, as for gRPC calls).
fn context(parts: &http::request::Parts) -> (Option<Connection>, Option<Arc<Tally>>) {
    (parts.extensions.get::<Connection>().cloned(), parts.extensions.get::<Arc<Tally>>().cloned())
}

impl Api {
    async fn extract(&self, request: Request) -> Result<Response, Status> {
        let (parts, body) = request.into_parts();
        let deadline = self.guard.check(&parts.headers)?;
        let extractor = self.service.extractor()?;
        let (connection, tally) = context(&parts);
        let limit = self.service.limits.max_message_bytes;
        let work = async {
            let bytes = read(&parts.headers, body, limit).await?;
            let request = self.parse(&bytes, || "the body".to_owned())?;
            self.service.run(extractor, request, connection.as_ref(), tally.as_deref(), true).await
        };
        let (response, share) = bounded(&self.service.state, deadline, work).await?;
        let body = super::json::response(&response);
        // The response's share is held by the call until the transport has taken it, as for
        // gRPC: the call layer drops the tally when the body has been sent.
        if let Some(t) = &tally {
            t.hold(share);
        }
        Ok(json(StatusCode::OK, Code::Ok, body))
    }

    fn batch(&self, request: Request) -> Result<Response, Status> {
        let (parts, body) = request.into_parts();
        let deadline = self.guard.check(&parts.headers)?;
        let extractor = self.service.extractor()?;
        let (connection, tally) = context(&parts);
        let this = self.clone();
        let documents = lines(body, self.service.limits.max_message_bytes).map(move |line| {
            line.map(|line| match line {
                Line::Text(n, bytes) => this.parse(bytes.strip_suffix(b"\n").unwrap_or(&bytes), || format!("line {n}")).map_err(|status| (String::new(), status)),
                Line::TooLong(n) => Err((String::new(), status(Error::BodyTooLarge { what: format!("line {n}"), limit: this.service.limits.max_message_bytes }))),
            })
        });
        let results = self.service.batch(extractor, documents, connection, tally, true);
        let results = until_cut(&self.service.state, deadline, Box::pin(results), None);
        // Each result as a line; a status that ends the stream (the deadline, the drain cut, a
        // body that cannot be read) as a last line with an error and no document id; then the
        // code in the trailers, for the call layer (HTTP/1.1 clients that did not ask for
        // trailers do not get them).
        let frames = futures_util::stream::unfold((results, Some(Code::Ok)), |(mut results, end)| async move {
            let code = end?;
            let frame = match results.next().await {
                Some(Ok(r)) => (http_body::Frame::data(line(super::json::batch_response(&r))), Some(code)),
                Some(Err(status)) => {
                    let ended = status.code();
                    (http_body::Frame::data(line(super::json::batch_response(&super::batch_error(String::new(), status)))), Some(ended))
                }
                None => (http_body::Frame::trailers(trailers(code)), None),
            };
            // After an error that ends the stream, nothing but the trailers with its code.
            let (frame, next) = frame;
            let results: super::BoxStream<pb::ExtractBatchResponse> = match (&next, code) {
                (Some(c), Code::Ok) if *c != Code::Ok => Box::pin(futures_util::stream::empty()),
                _ => results,
            };
            Some((Ok::<_, std::convert::Infallible>(frame), (results, next)))
        });
        let mut response = Response::new(Body::new(http_body_util::StreamBody::new(frames)));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
        Ok(response)
    }

    /// `bytes` as an `ExtractRequest`, or INVALID_ARGUMENT saying where and why (`what`: the
    /// body, line 3).
    fn parse(&self, bytes: &[u8], what: impl Fn() -> String) -> Result<pb::ExtractRequest, Status> {
        let invalid = |message: String| status(Error::Json { what: what(), message });
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid("it is empty".into()));
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let message = DynamicMessage::deserialize(self.request.clone(), &mut de)
            .and_then(|m| de.end().map(|()| m))
            .map_err(|e| invalid(e.to_string()))?;
        message.transcode_to::<pb::ExtractRequest>().map_err(|e| Status::internal(format!("cannot convert the request: {e}")))
    }
}

/// Reads a body of at most `limit` bytes: OUT_OF_RANGE (413) for a longer one, at once when
/// its `content-length` says so.
async fn read(headers: &http::HeaderMap, body: Body, limit: usize) -> Result<Bytes, Status> {
    let too_large = || status(Error::BodyTooLarge { what: "the body".into(), limit });
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(body, limit);
    match http_body_util::BodyExt::collect(limited).await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(Status::cancelled(format!("cannot read the request body: {e}"))),
    }
}

/// One line of a JSON-lines body: its number (from 1) and bytes, or its number when it is
/// over the limit (its bytes are skipped, not kept).
enum Line {
    Text(usize, Bytes),
    TooLong(usize),
}

/// The non-blank lines of `body`, each read up to `limit` bytes; a longer line is skipped to its
/// end and reported as [`Line::TooLong`]. Read as the batch pulls documents: backpressure.
fn lines(body: Body, limit: usize) -> impl Stream<Item = Result<Line, Status>> + Send + 'static {
    struct Reader {
        body: axum::body::BodyDataStream,
        buf: BytesMut,
        /// Lines ended so far.
        n: usize,
        /// The line being read is over the limit: drop its bytes up to its end.
        skipping: bool,
        eof: bool,
    }
    let reader = Reader { body: body.into_data_stream(), buf: BytesMut::new(), n: 0, skipping: false, eof: false };
    futures_util::stream::unfold(reader, move |mut r| async move {
        loop {
            if let Some(at) = r.buf.iter().position(|&b| b == b'\n') {
                let line = r.buf.split_to(at + 1).freeze();
                r.n += 1;
                if std::mem::take(&mut r.skipping) || line.len() - 1 > limit {
                    return Some((Ok(Line::TooLong(r.n)), r));
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Some((Ok(Line::Text(r.n, line)), r));
            }
            if r.buf.len() > limit {
                r.skipping = true;
                r.buf.clear();
            }
            if r.eof {
                if r.buf.is_empty() && !r.skipping {
                    return None;
                }
                // The last line, without its newline.
                let line = std::mem::take(&mut r.buf).freeze();
                r.n += 1;
                if std::mem::take(&mut r.skipping) {
                    return Some((Ok(Line::TooLong(r.n)), r));
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    return None;
                }
                return Some((Ok(Line::Text(r.n, line)), r));
            }
            match r.body.next().await {
                Some(Ok(chunk)) => r.buf.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    r.eof = true;
                    r.buf.clear();
                    r.skipping = false;
                    return Some((Err(Status::cancelled(format!("cannot read the request body: {e}"))), r));
                }
                None => r.eof = true,
            }
        }
    })
}

fn trailers(code: Code) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert("grpc-status", HeaderValue::from(code as i32));
    h
}

/// JSON text as one line.
fn line(mut json: Vec<u8>) -> Bytes {
    json.push(b'\n');
    Bytes::from(json)
}

/// A JSON response with `status` and, for the call layer, the gRPC `code`.
fn json(status: StatusCode, code: Code, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(line(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.extensions_mut().insert(Outcome(code));
    response
}

/// The HTTP form of a gRPC status: [`http_status`], and `{"code": ..., "message": ...}` with
/// the status's message.
pub(crate) fn error(status: &Status) -> Response {
    let body = serde_json::json!({ "code": status.code() as i32, "message": status.message() });
    let mut response = json(http_status(status.code()), status.code(), body.to_string().into_bytes());
    let h = response.headers_mut();
    match status.code() {
        Code::Unauthenticated => {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        Code::ResourceExhausted => {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    if let Some(pushback) = status.metadata().get("grpc-retry-pushback-ms") {
        if let Ok(v) = HeaderValue::from_bytes(pushback.as_bytes()) {
            h.insert("grpc-retry-pushback-ms", v);
        }
    }
    response
}

/// The one mapping from gRPC codes to HTTP statuses, grpc-gateway's, except OUT_OF_RANGE:
/// here it only ever means "over --max-message-bytes" (a request body, or the response a text
/// would get), which HTTP calls 413 Content Too Large.
pub(crate) fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        // nginx's "client closed request", as grpc-gateway.
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
        Code::InvalidArgument | Code::FailedPrecondition => StatusCode::BAD_REQUEST,
        Code::OutOfRange => StatusCode::PAYLOAD_TOO_LARGE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// What every other path gets: gRPC's UNIMPLEMENTED for a gRPC call (as tonic answers), a JSON
/// NOT_FOUND for anything else.
pub(crate) async fn fallback(request: Request) -> Response {
    let grpc = request.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    if grpc {
        let (parts, ()) = Status::unimplemented("").into_http::<()>().into_parts();
        return Response::from_parts(parts, Body::empty());
    }
    let path = crate::error::quote(request.uri().path());
    error(&Status::not_found(format!("no such path {path}: POST /v1/extract, POST /v1/extract:batch, or GET / for the page (--page)")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// (name, body, lines read: Some(text) or None for too long).
    const LINES: &[(&str, &str, &[(usize, Option<&str>)])] = &[
        ("two", "{\"a\":1}\n{\"b\":2}\n", &[(1, Some("{\"a\":1}\n")), (2, Some("{\"b\":2}\n"))]),
        ("no final newline", "x\ny", &[(1, Some("x\n")), (2, Some("y"))]),
        ("blank lines skipped, still counted", "\n  \nx\n\n", &[(3, Some("x\n"))]),
        ("too long, then fine", "0123456789\nok\n", &[(1, None), (2, Some("ok\n"))]),
        ("too long at the end", "ok\n0123456789", &[(1, Some("ok\n")), (2, None)]),
        ("exactly the limit", "01234567\n", &[(1, Some("01234567\n"))]),
        ("empty", "", &[]),
    ];

    #[tokio::test]
    async fn lines_table() {
        for &(name, body, want) in LINES {
            let got: Vec<(usize, Option<String>)> = lines(Body::from(body), 8)
                .map(|l| match l.unwrap() {
                    Line::Text(n, b) => (n, Some(String::from_utf8(b.to_vec()).unwrap())),
                    Line::TooLong(n) => (n, None),
                })
                .collect()
                .await;
            let want: Vec<(usize, Option<String>)> = want.iter().map(|&(n, t)| (n, t.map(str::to_owned))).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    /// (code, HTTP status), the rows docs/http.md shows.
    const STATUSES: &[(Code, u16)] = &[
        (Code::Ok, 200),
        (Code::InvalidArgument, 400),
        (Code::FailedPrecondition, 400),
        (Code::OutOfRange, 413),
        (Code::Unauthenticated, 401),
        (Code::ResourceExhausted, 429),
        (Code::Unavailable, 503),
        (Code::DeadlineExceeded, 504),
        (Code::Cancelled, 499),
        (Code::NotFound, 404),
        (Code::Internal, 500),
    ];

    #[test]
    fn status_table() {
        for &(code, want) in STATUSES {
            assert_eq!(http_status(code).as_u16(), want, "{code:?}");
        }
    }

    #[test]
    fn embedded_data_cannot_end_its_script() {
        let data = serde_json::json!({"text": "</script><script>alert(1)</script> & <!--", "response": {}});
        let html = page(Some(&data.to_string()));
        assert!(!html.contains("</script><script>alert(1)"), "the text ends the script element");
        assert!(html.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
        // The embedded JSON reads back as the data.
        let start = html.find("<script id=\"gazette-data\" type=\"application/json\">").unwrap();
        let rest = &html[start..];
        let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
        assert_eq!(serde_json::from_str::<Value>(json).unwrap(), data);
        assert_eq!(page(None), PAGE);
    }
}
