//! The tower layer around the whole router that sees every call: it gives each call a request
//! id, sheds EntityExtractor calls (and their JSON over HTTP twins, `/v1/extract...`) beyond
//! `--max-calls-in-flight`, and when the call ends counts it in the metrics and writes its
//! access-log event.
//!
//! A call ends when its response body ends (for streams, when the stream does) or is dropped
//! (the client reset it); its status code is read from the response headers (a trailers-only
//! response: every error tonic produces before or instead of a message) or from the trailers at
//! the end of the body. A call that ends without either (its future or body dropped first)
//! counts as CANCELLED. Text bytes and mentions come from the [`Tally`] the service fills.
//!
//! What it costs a call: one boxed future, one `Arc<Tally>` for the methods that extract, a
//! header value for a generated request id, and atomic additions to pre-registered series.
//! What a call does belongs to [`crate::grpc`]; the series themselves to [`super::metrics`].

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderValue, Request, Response};
use bytes::{Buf, Bytes};
use http_body::{Body as _, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::body::Body;

use super::connection::{Activity, Busy};
use super::metrics::{Metrics, CODES};
use crate::grpc::{Arriving, Connection, Held, Tally};

/// How long a shed client is asked to wait before it retries (`grpc-retry-pushback-ms`).
const PUSHBACK_MS: &str = "100";

const REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// The longest request id taken from a client.
const REQUEST_ID_CHARS: usize = 128;

/// Data frames longer than this are handed to the transport in copies of this size, one at a
/// time, each only once the transport has taken the one before (hyper asks for the next frame
/// when h2 has room for the last under the client's flow-control window). A response a client
/// does not read so stays with its call, counted in its budgets, and what h2 buffers of it
/// is at most about one piece beyond the window; the pieces are copies so that a piece h2
/// still holds does not keep the whole message alive.
const PIECE_BYTES: usize = 16 * 1024;

/// Wraps a service (the router) in [`Calls`].
#[derive(Debug, Clone)]
pub(super) struct Layer {
    metrics: Arc<Metrics>,
    /// The cap on EntityExtractor calls open at once, and its size.
    cap: Option<(Arc<Semaphore>, usize)>,
    /// The cap on one connection's EntityExtractor calls open at once.
    per_connection: Option<usize>,
    /// The calls whose responses are watched for stalls (`--response-stall-timeout`).
    stalls: Option<Arc<Stalls>>,
    /// The byte budgets, for EntityExtractor request messages while they arrive.
    arriving: Option<Arriving>,
}

impl Layer {
    /// Spawns the task that ends stalled responses when `stall_timeout` is set (so it must
    /// be called on a tokio runtime); the task ends when the layer and its services are gone.
    pub fn new(metrics: Arc<Metrics>, max_calls_in_flight: Option<usize>, per_connection: Option<usize>, stall_timeout: Option<Duration>) -> Layer {
        let cap = max_calls_in_flight.map(|n| (Arc::new(Semaphore::new(n.min(Semaphore::MAX_PERMITS))), n));
        let stalls = stall_timeout.map(|timeout| {
            let stalls = Arc::new(Stalls { calls: Mutex::default(), timeout });
            tokio::spawn(sweep(Arc::downgrade(&stalls)));
            stalls
        });
        Layer { metrics, cap, per_connection, stalls, arriving: None }
    }

    /// Counts the bytes of EntityExtractor request messages in `arriving`'s budgets while they
    /// arrive.
    pub fn arriving(mut self, arriving: Arriving) -> Layer {
        self.arriving = Some(arriving);
        self
    }
}

/// The calls of the server whose responses may stall, for the sweep.
#[derive(Debug)]
struct Stalls {
    /// Every call with a body to send, since the last sweep or still open.
    calls: Mutex<Vec<Weak<Watch>>>,
    timeout: Duration,
}

/// Every quarter of the timeout (at least every 10 ms, at most every second), ends the
/// calls whose response has waited for the transport longer than the timeout.
async fn sweep(stalls: Weak<Stalls>) {
    let every = stalls.upgrade().map_or(Duration::from_secs(1), |s| (s.timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1)));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(stalls) = stalls.upgrade() else { return };
        let limit = u64::try_from(stalls.timeout.as_millis()).unwrap_or(u64::MAX);
        let now = now_ms();
        let mut stalled = Vec::new();
        if let Ok(mut calls) = stalls.calls.lock() {
            calls.retain(|w| match w.upgrade() {
                None => false,
                Some(watch) => {
                    let since = watch.waiting_since.load(AtomicOrdering::Acquire);
                    if since != 0 && now.saturating_sub(since) >= limit {
                        stalled.push(watch);
                        false
                    } else {
                        true
                    }
                }
            });
        }
        for watch in stalled {
            watch.end_stalled(now, limit, stalls.timeout);
        }
    }
}

/// Milliseconds since the first call of the process, plus one (0 means "not waiting").
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
}

impl<S> tower_layer::Layer<S> for Layer {
    type Service = Calls<S>;

    fn layer(&self, inner: S) -> Calls<S> {
        Calls { inner, layer: self.clone() }
    }
}

/// The service of [`Layer`].
#[derive(Debug, Clone)]
pub(super) struct Calls<S> {
    inner: S,
    layer: Layer,
}

impl<S, B> tower_service::Service<Request<B>> for Calls<S>
where
    S: tower_service::Service<Request<RequestBody<B>>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<CallBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<CallBody>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let metrics = self.layer.metrics.clone();
        let index = metrics.index(request.uri().path());
        let method = metrics.by_index(index);
        let one = one_request_message(request.uri().path()).then_some(method.name);
        let budgets = match (method.extractor && !method.http, &self.layer.arriving) {
            (true, Some(arriving)) => Some((arriving.clone(), request.extensions().get::<Connection>().cloned(), Held::default())),
            _ => None,
        };
        let mut request = request.map(|body| RequestBody { inner: body, one, framing: Framing::default(), budgets });
        let (extractor, extracts, http) = (method.extractor, method.extracts(), method.http);
        let request_id = request_id(request.headers());
        let trace_id = trace_id(request.headers());
        let peer = request.extensions().get::<Connection>().and_then(Connection::peer);
        // Every call, of any service, keeps its connection from being idle.
        let busy = request.extensions().get::<Arc<Activity>>().map(Activity::enter);
        let tally = extracts.then(|| {
            let tally = Arc::new(Tally::default());
            request.extensions_mut().insert(tally.clone());
            tally
        });
        // The connection's share first: a connection over it takes no place under the
        // server-wide cap.
        let mut share = None;
        if let (true, Some(limit), Some(connection)) = (extractor, self.layer.per_connection, request.extensions().get::<Connection>()) {
            match connection.enter(limit) {
                Some(place) => share = Some(place),
                None => {
                    let call = Call::start(metrics, index, start, request_id, trace_id, peer, tally, (None, None, busy));
                    let error = crate::error::Error::ConnectionCallsInFlight { limit };
                    return Box::pin(std::future::ready(Ok(shed(error, call, http))));
                }
            }
        }
        let mut permit = None;
        if let (true, Some((cap, limit))) = (extractor, &self.layer.cap) {
            match cap.clone().try_acquire_owned() {
                Ok(p) => permit = Some(p),
                Err(_) => {
                    let call = Call::start(metrics, index, start, request_id, trace_id, peer, tally, (None, None, busy));
                    let error = crate::error::Error::CallsInFlight { limit: *limit };
                    return Box::pin(std::future::ready(Ok(shed(error, call, http))));
                }
            }
        }
        let call = Call::start(metrics, index, start, request_id, trace_id, peer, tally, (permit, share, busy));
        // The clone that is ready goes into the future; a fresh clone waits for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let stalls = self.layer.stalls.clone();
        Box::pin(async move {
            let response = inner.call(request).await?;
            Ok(call.respond(response, stalls.as_deref()))
        })
    }
}

/// Whether the method at `path` takes exactly one request message: every EntityExtractor
/// method but ExtractBatch, and health's. (Reflection streams its requests.)
fn one_request_message(path: &str) -> bool {
    match path.strip_prefix("/gazette.v1.EntityExtractor/") {
        Some(method) => method != "ExtractBatch",
        None => path.starts_with("/grpc.health.v1.Health/"),
    }
}

/// A request body, checked for a second gRPC message where the method takes one (tonic's
/// unary handling reads the first and drains the rest unseen), and for EntityExtractor
/// methods counted in the byte budgets while a message arrives: tonic buffers a message whole
/// before it decodes it, and the service admits its text only then. A message that does not
/// end in the DATA frame that starts it takes the length its prefix announces, returned at
/// its end, when the service's admission takes over.
#[derive(Debug)]
pub(super) struct RequestBody<B> {
    inner: B,
    /// The method's name, for a method that takes one message.
    one: Option<&'static str>,
    framing: Framing,
    /// The budgets, the call's connection, and the bytes of the message arriving.
    budgets: Option<(Arriving, Option<Connection>, Held)>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where a stream of gRPC length-prefixed messages stands.
#[derive(Debug, Default)]
struct Framing {
    /// Messages whose 5-byte prefix was read.
    messages: usize,
    /// The prefix read so far of the next message.
    prefix: [u8; 5],
    have: usize,
    /// Bytes of the current message still to come.
    left: u64,
    /// The current message's length, as its prefix announced it.
    announced: u64,
    /// Messages whose bytes were taken from the budgets.
    counted: usize,
}

impl Framing {
    /// Whether what was read ends with a whole message (or nothing).
    fn at_boundary(&self) -> bool {
        self.have == 0 && self.left == 0
    }

    /// Reads `data`; false once a second message begins (it reads on, for the boundaries).
    fn feed(&mut self, mut data: &[u8]) -> bool {
        let mut one = true;
        while !data.is_empty() {
            if self.left > 0 {
                let n = usize::try_from(self.left).unwrap_or(usize::MAX).min(data.len());
                self.left -= n as u64;
                data = &data[n..];
                continue;
            }
            if self.have == 0 && self.messages >= 1 {
                one = false;
            }
            let n = (5 - self.have).min(data.len());
            self.prefix[self.have..self.have + n].copy_from_slice(&data[..n]);
            self.have += n;
            data = &data[n..];
            if self.have == 5 {
                self.messages += 1;
                self.have = 0;
                self.left = u64::from(u32::from_be_bytes([self.prefix[1], self.prefix[2], self.prefix[3], self.prefix[4]]));
                self.announced = self.left;
            }
        }
        one
    }
}

impl<B> http_body::Body for RequestBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let frame = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let Some(data) = frame.as_ref().and_then(|f| f.as_ref().ok()).and_then(Frame::data_ref) {
            if this.one.is_some() || this.budgets.is_some() {
                let one_only = this.framing.feed(data);
                if let (false, Some(method)) = (one_only, this.one) {
                    let status = crate::grpc::status(crate::error::Error::SecondRequestMessage { method });
                    return Poll::Ready(Some(Err(Box::new(status))));
                }
                if let Some((arriving, connection, held)) = &mut this.budgets {
                    if this.framing.at_boundary() {
                        held.release();
                    } else if this.framing.messages != this.framing.counted {
                        // A message began and goes on past this frame: its announced length
                        // is held until it ends.
                        this.framing.counted = this.framing.messages;
                        held.release();
                        let len = usize::try_from(this.framing.announced).unwrap_or(usize::MAX);
                        if let Err(status) = arriving.take(held, len, connection.as_ref()) {
                            return Poll::Ready(Some(Err(Box::new(status))));
                        }
                    }
                }
            }
        }
        Poll::Ready(frame.map(|f| f.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// RESOURCE_EXHAUSTED at once, with a retry hint, for a call over the cap: a gRPC status, or
/// for JSON over HTTP (`http`) its JSON form.
fn shed(error: crate::error::Error, call: Call, http: bool) -> Response<CallBody> {
    let mut status = crate::grpc::status(error);
    status.metadata_mut().insert("grpc-retry-pushback-ms", tonic::metadata::MetadataValue::from_static(PUSHBACK_MS));
    match http {
        true => call.respond(crate::grpc::http::error(&status).map(Body::new), None),
        false => call.respond(status.into_http(), None),
    }
}

/// A call's places: under the server's cap, under its connection's, and in its
/// connection's activity.
type Places = (Option<OwnedSemaphorePermit>, Option<crate::grpc::ConnectionCall>, Option<Busy>);

/// One call, from its headers until its response ends; counted and logged when dropped.
#[derive(Debug)]
struct Call {
    metrics: Arc<Metrics>,
    /// The method's index in the metrics.
    method: usize,
    start: Instant,
    request_id: HeaderValue,
    trace_id: Option<[u8; 32]>,
    peer: Option<SocketAddr>,
    tally: Option<Arc<Tally>>,
    /// The call's places under `--max-calls-in-flight` and `--max-connection-calls-in-flight`,
    /// and in its connection's count of open calls (`--idle-timeout`), returned when it ends.
    _permit: Places,
    /// The gRPC status code, once seen.
    code: Option<usize>,
}

impl Call {
    #[allow(clippy::too_many_arguments)]
    fn start(
        metrics: Arc<Metrics>,
        method: usize,
        start: Instant,
        request_id: HeaderValue,
        trace_id: Option<[u8; 32]>,
        peer: Option<SocketAddr>,
        tally: Option<Arc<Tally>>,
        permit: Places,
    ) -> Call {
        metrics.by_index(method).in_flight.inc();
        Call { metrics, method, start, request_id, trace_id, peer, tally, _permit: permit, code: None }
    }

    /// The response with the request id in its headers, its body watched for the call's end
    /// and, when `stalls` is given, for a transport that stops taking it.
    fn respond(mut self, response: Response<Body>, stalls: Option<&Stalls>) -> Response<CallBody> {
        let (mut parts, body) = response.into_parts();
        // JSON over HTTP says its code in the extensions, a gRPC call in its headers (or
        // trailers, read at the end).
        self.code = parts.extensions.get::<crate::grpc::http::Outcome>().map(|o| o.0 as usize).or_else(|| code(&parts.headers));
        // Never indexed: a value unique to each call would otherwise enter the connection's
        // HPACK table on every response and evict the entries that do repeat (content-type,
        // grpc-status), costing both sides.
        let mut request_id = self.request_id.clone();
        request_id.set_sensitive(true);
        parts.headers.insert(REQUEST_ID, request_id);
        // A trailers-only response has nothing more to say.
        let call = match self.code {
            Some(_) if body.is_end_stream() => None,
            _ => Some(self),
        };
        let watched = call.is_some();
        let watch = Arc::new(Watch {
            // Waiting from the start: hyper asks for the first frame as soon as the headers
            // are sent.
            waiting_since: AtomicU64::new(now_ms()),
            open: Mutex::new(Some(Open { inner: body, rest: Bytes::new(), call })),
        });
        if let (true, Some(stalls)) = (watched, stalls) {
            if let Ok(mut calls) = stalls.calls.lock() {
                calls.push(Arc::downgrade(&watch));
            }
        }
        Response::from_parts(parts, CallBody { watch, told: false })
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let elapsed = self.start.elapsed();
        // No status seen: the client went away (reset or cancelled) before the call ended.
        let code = self.code.unwrap_or(1);
        let tally = self.tally.as_ref().map(|t| t.get());
        let method = self.metrics.by_index(self.method);
        method.in_flight.dec();
        method.finish(&self.metrics, code, elapsed, tally);
        let code = CODES.get(code).copied().unwrap_or("UNKNOWN");
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        let (text_bytes, mentions) = (tally.map(|t| t.0), tally.map(|t| t.1));
        // Both were checked to be ASCII when the call arrived.
        let request_id = self.request_id.to_str().unwrap_or_default();
        let trace_id = self.trace_id.as_ref().and_then(|t| std::str::from_utf8(t).ok());
        let peer = self.peer.as_ref().map(tracing::field::display);
        macro_rules! access {
            ($level:expr) => {
                tracing::event!(target: "gazette::access", $level, method = method.name, code, latency_ms, text_bytes, mentions, peer, request_id, trace_id, "call")
            };
        }
        if method.probe {
            access!(tracing::Level::DEBUG);
        } else {
            access!(tracing::Level::INFO);
        }
    }
}

/// The `grpc-status` in `headers` (trailers, or a trailers-only response), if any.
fn code(headers: &HeaderMap) -> Option<usize> {
    let value = headers.get("grpc-status")?.to_str().ok()?;
    // A number gRPC does not define counts as UNKNOWN.
    Some(value.parse::<usize>().ok().filter(|&c| c < CODES.len()).unwrap_or(2))
}

/// The client's `x-request-id` if it is 1 to 128 printable ASCII characters, else a new one of
/// 32 random hex digits.
fn request_id(headers: &HeaderMap) -> HeaderValue {
    if let Some(v) = headers.get(&REQUEST_ID) {
        let b = v.as_bytes();
        if !b.is_empty() && b.len() <= REQUEST_ID_CHARS && b.iter().all(|c| (0x20..0x7f).contains(c)) {
            return v.clone();
        }
    }
    let mut hex = [0u8; 32];
    hex_into(&mut hex, fastrand::u128(..));
    // Hex digits are always a valid header value.
    HeaderValue::from_bytes(&hex).unwrap_or(HeaderValue::from_static("0"))
}

fn hex_into(out: &mut [u8; 32], mut n: u128) {
    for b in out.iter_mut().rev() {
        *b = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
    }
}

/// The trace id of a valid W3C `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`; later
/// versions may append fields), lower-case hex, not all zeros.
fn trace_id(headers: &HeaderMap) -> Option<[u8; 32]> {
    let v = headers.get("traceparent")?.as_bytes();
    if v.len() < 55 || (v.len() > 55 && v[55] != b'-') || v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return None;
    }
    let hex = |s: &[u8]| s.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
    let (version, trace, parent, flags) = (&v[..2], &v[3..35], &v[36..52], &v[53..55]);
    if !hex(version) || version == b"ff" || (version == b"00" && v.len() != 55) || !hex(trace) || !hex(parent) || !hex(flags) {
        return None;
    }
    if trace.iter().all(|&c| c == b'0') || parent.iter().all(|&c| c == b'0') {
        return None;
    }
    let mut id = [0u8; 32];
    id.copy_from_slice(trace);
    Some(id)
}

/// A response body that ends its [`Call`] when it ends (or is dropped), reading the status
/// from its trailers, and hands large data frames on in pieces ([`PIECE_BYTES`]).
#[derive(Debug)]
pub(super) struct CallBody {
    watch: Arc<Watch>,
    /// The stall's status was sent (after [`Watch::end_stalled`]).
    told: bool,
}

/// What a response body shares with the sweep that ends stalled calls.
#[derive(Debug)]
struct Watch {
    /// [`now_ms`] when the body last gave the transport a frame and was not asked for the
    /// next one since; 0 while it is asked (its own source is what it waits for).
    waiting_since: AtomicU64,
    /// The body and its call, until they end; taken by the sweep when the call stalls.
    open: Mutex<Option<Open>>,
}

#[derive(Debug)]
struct Open {
    inner: Body,
    /// The rest of a long data frame, not yet handed on.
    rest: Bytes,
    call: Option<Call>,
}

impl Watch {
    /// Ends the call if its response still waits for the transport after `limit` ms: the
    /// body, what is left of its message and the call's places and budget shares are dropped
    /// at once; the call is counted and logged as RESOURCE_EXHAUSTED, and if the client reads
    /// again it gets that status.
    fn end_stalled(&self, now: u64, limit: u64, timeout: Duration) {
        let taken = match self.open.lock() {
            Ok(mut open) => {
                let since = self.waiting_since.load(AtomicOrdering::Acquire);
                if since == 0 || now.saturating_sub(since) < limit {
                    return;
                }
                open.take()
            }
            Err(_) => return,
        };
        if let Some(mut open) = taken {
            let peer = open.call.as_ref().and_then(|c| c.peer).map(tracing::field::display);
            tracing::warn!(?timeout, peer, "a response waited for its client to read it longer than --response-stall-timeout: call ended, its memory freed");
            if let Some(call) = &mut open.call {
                call.code = Some(RESOURCE_EXHAUSTED);
            }
        }
    }
}

/// gRPC's RESOURCE_EXHAUSTED.
const RESOURCE_EXHAUSTED: usize = 8;

/// The next piece of `rest`, copied.
fn piece(rest: &mut Bytes) -> Bytes {
    let n = rest.len().min(PIECE_BYTES);
    let piece = Bytes::copy_from_slice(&rest[..n]);
    rest.advance(n);
    if rest.is_empty() {
        // Let go of the message's buffer.
        *rest = Bytes::new();
    }
    piece
}

impl http_body::Body for CallBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<bytes::Bytes>, tonic::Status>>> {
        let this = &mut *self;
        let watch = this.watch.clone();
        let mut guard = match watch.open.lock() {
            Ok(guard) => guard,
            Err(_) => return Poll::Ready(Some(Err(tonic::Status::internal("response state poisoned")))),
        };
        watch.waiting_since.store(0, AtomicOrdering::Release);
        let Some(open) = guard.as_mut() else {
            // Ended by the sweep: its status, once.
            if std::mem::replace(&mut this.told, true) {
                return Poll::Ready(None);
            }
            let status = crate::grpc::status(crate::error::Error::ResponseStalled);
            let (mut parts, _) = status.into_http::<Body>().into_parts();
            parts.headers.remove(http::header::CONTENT_TYPE);
            return Poll::Ready(Some(Ok(Frame::trailers(parts.headers))));
        };
        if !open.rest.is_empty() {
            let frame = Frame::data(piece(&mut open.rest));
            watch.waiting_since.store(now_ms(), AtomicOrdering::Release);
            return Poll::Ready(Some(Ok(frame)));
        }
        let frame = std::task::ready!(Pin::new(&mut open.inner).poll_frame(cx));
        let frame = match frame {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(mut data) => {
                    if data.len() > PIECE_BYTES {
                        open.rest = data;
                        data = piece(&mut open.rest);
                    }
                    watch.waiting_since.store(now_ms(), AtomicOrdering::Release);
                    Some(Ok(Frame::data(data)))
                }
                Err(frame) => {
                    // Trailers are the last frame: the call has ended (counted before the
                    // client hears of it, so a client that reads the metrics next sees its
                    // call).
                    if let Some(trailers) = frame.trailers_ref() {
                        if let Some(mut call) = open.call.take() {
                            call.code = code(trailers).or(Some(2));
                        }
                    }
                    Some(Ok(frame))
                }
            },
            Some(Err(status)) => {
                if let Some(call) = &mut open.call {
                    call.code.get_or_insert(2);
                }
                open.call = None;
                Some(Err(status))
            }
            None => {
                open.call = None;
                None
            }
        };
        if open.rest.is_empty() && open.inner.is_end_stream() {
            open.call = None;
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        match self.watch.open.lock() {
            Ok(open) => match open.as_ref() {
                Some(open) => open.rest.is_empty() && open.inner.is_end_stream(),
                None => self.told,
            },
            Err(_) => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.watch.open.lock() {
            Ok(open) => match open.as_ref() {
                Some(open) if open.rest.is_empty() => open.inner.size_hint(),
                Some(open) => {
                    let inner = open.inner.size_hint();
                    let mut hint = SizeHint::new();
                    hint.set_lower(inner.lower().saturating_add(open.rest.len() as u64));
                    if let Some(upper) = inner.upper() {
                        hint.set_upper(upper.saturating_add(open.rest.len() as u64));
                    }
                    hint
                }
                None => SizeHint::default(),
            },
            Err(_) => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod framing_tests {
    use super::Framing;

    /// (name, chunks as the transport delivers them, whether they are one message at most).
    const CASES: &[(&str, &[&[u8]], bool)] = &[
        ("one message", &[b"\x00\x00\x00\x00\x03abc"], true),
        ("one empty message", &[b"\x00\x00\x00\x00\x00"], true),
        ("prefix split across chunks", &[b"\x00\x00", b"\x00\x00\x02a", b"b"], true),
        ("nothing", &[], true),
        ("a second message", &[b"\x00\x00\x00\x00\x01a\x00\x00\x00\x00\x01b"], false),
        ("a second empty message", &[b"\x00\x00\x00\x00\x00", b"\x00"], false),
        ("a second after a split payload", &[b"\x00\x00\x00\x00\x02a", b"b", b"\x00"], false),
    ];

    #[test]
    fn a_message_boundary_is_where_the_last_chunk_ends_a_message() {
        let mut f = Framing::default();
        assert!(f.at_boundary(), "nothing read");
        f.feed(b"\x00\x00\x00");
        assert!(!f.at_boundary(), "inside a prefix");
        f.feed(b"\x00\x02a");
        assert!(!f.at_boundary(), "inside a payload");
        f.feed(b"b");
        assert!(f.at_boundary(), "at the end of a message");
    }

    #[test]
    fn a_second_message_is_seen_wherever_the_chunks_break() {
        for (name, chunks, one) in CASES {
            let mut f = Framing::default();
            let ok = chunks.iter().all(|c| f.feed(c));
            assert_eq!(ok, *one, "{name}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, traceparent, trace id).
    const TRACEPARENTS: &[(&str, &str, Option<&str>)] = &[
        ("valid", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Some("4bf92f3577b34da6a3ce929d0e0e4736")),
        ("later version with more fields", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz", Some("4bf92f3577b34da6a3ce929d0e0e4736")),
        ("version 00 with more fields", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz", None),
        ("version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", None),
        ("upper case", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", None),
        ("zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", None),
        ("zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", None),
        ("short", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", None),
        ("empty", "", None),
        ("non-ASCII", "00-4bf92f3577b34da6a3ce929d0e0e47é-00f067aa0ba902b7-01", None),
    ];

    #[test]
    fn traceparent_table() {
        for &(name, value, want) in TRACEPARENTS {
            let mut headers = HeaderMap::new();
            headers.insert("traceparent", HeaderValue::from_bytes(value.as_bytes()).unwrap());
            let got = trace_id(&headers);
            assert_eq!(got.as_ref().map(|t| std::str::from_utf8(t).unwrap()), want, "{name}");
        }
    }

    /// (name, x-request-id, kept).
    const REQUEST_IDS: &[(&str, &[u8], bool)] = &[
        ("uuid", b"0b5d3c1e-8a1f-4b8e-9c1a-2f3e4d5c6b7a", true),
        ("printable with spaces", b"batch 7 / doc 3", true),
        ("128 characters", &[b'a'; 128], true),
        ("129 characters", &[b'a'; 129], false),
        ("empty", b"", false),
        ("tab", b"a\tb", false),
        ("non-ASCII", "é".as_bytes(), false),
    ];

    #[test]
    fn request_id_table() {
        for &(name, value, kept) in REQUEST_IDS {
            let mut headers = HeaderMap::new();
            headers.insert(REQUEST_ID, HeaderValue::from_bytes(value).unwrap());
            let got = request_id(&headers);
            if kept {
                assert_eq!(got.as_bytes(), value, "{name}");
            } else {
                assert_eq!(got.len(), 32, "{name}");
                assert!(got.as_bytes().iter().all(u8::is_ascii_hexdigit), "{name}");
            }
        }
        let (a, b) = (request_id(&HeaderMap::new()), request_id(&HeaderMap::new()));
        assert_ne!(a, b);
    }

    #[test]
    fn status_codes_from_headers() {
        for (value, want) in [("0", Some(0)), ("3", Some(3)), ("16", Some(16)), ("17", Some(2)), ("x", Some(2))] {
            let mut headers = HeaderMap::new();
            headers.insert("grpc-status", HeaderValue::from_static(value));
            assert_eq!(code(&headers), want, "{value}");
        }
        assert_eq!(code(&HeaderMap::new()), None);
    }
}
