//! The gRPC adapter: generated `gazette.v1` code, the `EntityExtractor` service over the
//! engine, and the one mapping from [`Error`] to [`tonic::Status`].
//!
//! Each RPC validates its request, admits its text into the byte budgets (global, and per
//! [`Connection`]), calls [`Extractor::extract_with`] (large texts on a bounded number of
//! blocking threads), and converts the result. A call's work stops when the call does: its
//! client cancels or resets it, its deadline passes (the client's `grpc-timeout` or the server's maximum; [`Deadlines`] reads
//! them), or
//! the server cuts it at the drain deadline. The engine is swapped atomically on reload
//! ([`State::install`]); a call keeps the extractor it started with. Server concerns
//! (listening, health, reflection, shutdown) live in [`crate::server`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use futures_util::{Stream, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{Request, Response, Status, Streaming};

use crate::config::Limits;
use crate::error::Error;
use crate::extract::{offsets, Encoding, Extractor, Options};
use crate::mention::{EntityKind, Evidence, Extraction, Method, Mention, Target};
use crate::figures::{Date, Figure, FigureKind, Qualifier};
use crate::gazetteer::Kind;

/// Code generated from `proto/gazette/v1/gazette.proto`.
#[allow(clippy::all, missing_docs)]
pub mod pb {
    tonic::include_proto!("gazette.v1");

    /// `ExtractResponse` is written by hand (build.rs maps it): see [`super::wire`].
    pub use super::wire::ExtractResponse;

    /// The encoded descriptor set of `gazette.v1`, for reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gazette_descriptor.bin"));
}

/// The codec of the generated `EntityExtractor` code (build.rs names it): prost's, except that a
/// message is encoded into one vector first and copied into tonic's buffer in one piece.
/// prost writes a response field by field, each tag and length a `put_u8` at a time; into
/// tonic's buffer each such write pays for its capacity checks (about half the cost of a
/// response in the profile), into a vector it is a push. Decoding is prost's.
pub mod codec {
    use std::marker::PhantomData;

    use prost::bytes::BufMut;
    use prost::Message;
    use tonic::codec::{DecodeBuf, EncodeBuf};
    use tonic::Status;

    #[derive(Debug, Clone)]
    pub struct Codec<T, U>(PhantomData<(T, U)>);

    impl<T, U> Default for Codec<T, U> {
        fn default() -> Self {
            Codec(PhantomData)
        }
    }

    impl<T, U> tonic::codec::Codec for Codec<T, U>
    where
        T: Message + Send + 'static,
        U: Message + Default + Send + 'static,
    {
        type Encode = T;
        type Decode = U;
        type Encoder = Encoder<T>;
        type Decoder = Decoder<U>;

        fn encoder(&mut self) -> Encoder<T> {
            Encoder(PhantomData)
        }

        fn decoder(&mut self) -> Decoder<U> {
            Decoder(tonic_prost::ProstDecoder::default())
        }
    }

    #[derive(Debug, Clone)]
    pub struct Encoder<T>(PhantomData<T>);

    impl<T: Message> tonic::codec::Encoder for Encoder<T> {
        type Item = T;
        type Error = Status;

        fn encode(&mut self, item: T, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
            buf.put_slice(&item.encode_to_vec());
            Ok(())
        }
    }

    #[derive(Debug)]
    pub struct Decoder<U>(tonic_prost::ProstDecoder<U>);

    impl<U: Message + Default> tonic::codec::Decoder for Decoder<U> {
        type Item = U;
        type Error = Status;

        fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
            self.0.decode(buf)
        }
    }
}

/// Texts at least this large are extracted on the blocking pool, so that one large document
/// does not stall the other calls on a runtime worker.
/// How long a streamed chunk's mentions wait for room in the bytes-in-flight budgets before the
/// stream ends with RESOURCE_EXHAUSTED (see [`Service::admit_waiting`]).
const SHARE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The part of `--max-bytes-in-flight` (one eighth) that only connections with nothing in
/// flight may take.
const RESERVE_PART: usize = 8;

const BLOCKING_TEXT_BYTES: usize = 64 * 1024;

/// What the service serves from: the current extractor (none until the gazetteers are
/// loaded), whether the server is draining, and whether the drain deadline has passed.
#[derive(Debug)]
pub struct State {
    extractor: ArcSwapOption<Extractor>,
    draining: AtomicBool,
    cut: tokio::sync::watch::Sender<bool>,
    /// Extractions running on blocking threads now.
    running: tokio::sync::watch::Sender<usize>,
    /// The outcome of the last load of the gazetteer directory, for ListGazetteers.
    last_reload: ArcSwapOption<Reload>,
}

/// One load of the gazetteer directory (at start-up, on SIGHUP or on a change the directory
/// watch saw): when it ended, and why it failed if it did (the data serving then stayed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reload {
    pub at: std::time::SystemTime,
    /// The error with its file and line; `None` when the load succeeded.
    pub error: Option<String>,
}

impl Default for State {
    fn default() -> State {
        State {
            extractor: ArcSwapOption::empty(),
            draining: AtomicBool::new(false),
            cut: tokio::sync::watch::Sender::new(false),
            running: tokio::sync::watch::Sender::new(0),
            last_reload: ArcSwapOption::empty(),
        }
    }
}

impl State {
    /// Serves `extractor` from now on; calls in flight finish with the one they started with.
    pub fn install(&self, extractor: Extractor) -> Arc<Extractor> {
        let extractor = Arc::new(extractor);
        self.extractor.store(Some(extractor.clone()));
        extractor
    }

    /// The extractor being served, if loaded.
    pub fn current(&self) -> Option<Arc<Extractor>> {
        self.extractor.load_full()
    }

    /// Records the outcome of a load of the gazetteer directory.
    pub fn record_reload(&self, reload: Reload) {
        self.last_reload.store(Some(Arc::new(reload)));
    }

    /// The outcome of the last load of the gazetteer directory, if there was one.
    pub fn last_reload(&self) -> Option<Arc<Reload>> {
        self.last_reload.load_full()
    }

    /// From now on new calls get UNAVAILABLE.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// The drain deadline has passed: every call still open ends now with UNAVAILABLE, a
    /// status the client can act on (retry elsewhere) rather than a reset connection.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// The number of extractions running on blocking threads, as it changes: one counts from
    /// when its thread starts the work until the work has ended or stopped.
    pub fn running(&self) -> tokio::sync::watch::Receiver<usize> {
        self.running.subscribe()
    }

    /// Resolves once [`State::cut`] has been called.
    fn cut_off(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.cut.subscribe();
        async move {
            if rx.wait_for(|&cut| cut).await.is_err() {
                // The state is gone, and with it the server: nothing will cut.
                std::future::pending::<()>().await;
            }
        }
    }
}

fn cut_status() -> Status {
    Status::unavailable("server is shutting down and its drain timeout has passed; retry on another instance")
}

/// `stream` until the server cuts the open calls (then one UNAVAILABLE status ends it) or the
/// call's deadline passes (then DEADLINE_EXCEEDED); `admission` is held until the stream ends
/// or is dropped.
fn until_cut<T: Send + 'static>(state: &State, deadline: Option<Deadline>, stream: BoxStream<T>, admission: Option<Admission>) -> BoxStream<T> {
    let cut: Pin<Box<dyn Future<Output = Status> + Send>> = Box::pin(ended(state, deadline));
    Box::pin(futures_util::stream::unfold((stream, cut, admission, false), |(mut stream, mut cut, admission, done)| async move {
        if done {
            return None;
        }
        tokio::select! {
            biased;
            status = &mut cut => Some((Err(status), (stream, cut, admission, true))),
            item = stream.next() => item.map(|item| (item, (stream, cut, admission, false))),
        }
    }))
}

/// Resolves with the status that ends a call: UNAVAILABLE when the server cuts the open calls,
/// DEADLINE_EXCEEDED when the call's deadline passes; never if neither happens.
fn ended(state: &State, deadline: Option<Deadline>) -> impl Future<Output = Status> + Send + 'static {
    let cut = state.cut_off();
    async move {
        let passed = async {
            match deadline {
                Some(d) => {
                    tokio::time::sleep_until(d.at).await;
                    status(match d.by_server {
                        true => Error::CallTooLong { limit: d.timeout },
                        false => Error::DeadlineExceeded { timeout: d.timeout },
                    })
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = cut => cut_status(),
            status = passed => status,
        }
    }
}

/// `work` until it ends, or until the call ends first (see [`ended`]): then `work` is dropped,
/// which stops its extraction (see [`Service::run_engine`]).
async fn bounded<T>(state: &State, deadline: Option<Deadline>, work: impl Future<Output = Result<T, Status>>) -> Result<T, Status> {
    tokio::select! {
        result = work => result,
        status = ended(state, deadline) => Err(status),
    }
}

/// When a call must end: the client's `grpc-timeout`, or the server's `--max-call-duration`
/// if that is sooner, from when the call arrived.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: tokio::time::Instant,
    timeout: Duration,
    /// The server's maximum set it (it was sooner than the client's deadline, or the client
    /// set none).
    by_server: bool,
}

/// Reads a call's `grpc-timeout` header into a [`Deadline`] in its extensions, as the call
/// arrives (a tonic interceptor: it runs before the request message is read), capped by the
/// server's maximum call duration.
///
/// tonic enforces the header too, but answers CANCELLED ("Timeout expired"); gRPC says
/// DEADLINE_EXCEEDED, which clients treat differently. Our deadline is taken 1 ms early so
/// that it always fires before tonic's, which tonic arms a moment after this runs; a timeout
/// of 1 ms or less, which that cannot race, is answered DEADLINE_EXCEEDED at once. A header
/// that does not parse is INVALID_ARGUMENT, naming it (tonic would ignore it, and the client
/// would believe it had a deadline). The server's maximum ends a call the same way, with
/// DEADLINE_EXCEEDED.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deadlines {
    /// The longest any call may run (`--max-call-duration`); none: only the client's.
    pub max: Option<Duration>,
}

impl tonic::service::Interceptor for Deadlines {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(deadline) = self.read(request.metadata().as_ref())? {
            request.extensions_mut().insert(deadline);
        }
        Ok(request)
    }
}

impl Deadlines {
    /// The deadline a call with `headers` gets, if any (JSON over HTTP reads the same header).
    pub(crate) fn read(&self, headers: &::http::HeaderMap) -> Result<Option<Deadline>, Status> {
        let client = match headers.get("grpc-timeout") {
            None => None,
            Some(v) => match v.to_str().ok().and_then(parse_timeout) {
                Some(t) => Some(t),
                None => {
                    let shown = String::from_utf8_lossy(v.as_bytes()).chars().take(32).collect::<String>();
                    return Err(Status::invalid_argument(format!(
                        "malformed grpc-timeout header {shown:?}: expected at most 8 digits and a unit (H, M, S, m, u, n), as \"500m\""
                    )));
                }
            },
        };
        if let Some(t) = client.filter(|t| *t <= Duration::from_millis(1)) {
            return Err(crate::grpc::status(Error::DeadlineExceeded { timeout: t }));
        }
        let (timeout, by_server) = match (client, self.max) {
            (Some(c), Some(m)) if m < c => (m, true),
            (Some(c), _) => (c, false),
            (None, Some(m)) => (m, true),
            (None, None) => return Ok(None),
        };
        // Beyond the clock's range (a library caller's maximum): no deadline at all.
        let Some(at) = tokio::time::Instant::now().checked_add(timeout.saturating_sub(Duration::from_millis(1))) else {
            return Ok(None);
        };
        Ok(Some(Deadline { at, timeout, by_server }))
    }
}

/// A `grpc-timeout` value: at most 8 digits and a unit (H, M, S, m, u, n).
fn parse_timeout(value: &str) -> Option<Duration> {
    // The unit is one ASCII byte: only then is cutting it off a character boundary.
    let unit = *value.as_bytes().last().filter(|b| b.is_ascii())?;
    let digits = &value[..value.len() - 1];
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        b'H' => Duration::from_secs(n * 3600),
        b'M' => Duration::from_secs(n * 60),
        b'S' => Duration::from_secs(n),
        b'm' => Duration::from_millis(n),
        b'u' => Duration::from_micros(n),
        b'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

/// The connection a call came on, as the server's accept loop describes it (tonic puts it in
/// every request's extensions): its own budget of bytes in flight, so that one connection
/// cannot take the whole server's budget.
#[derive(Debug, Clone)]
pub struct Connection {
    budget: Arc<Semaphore>,
    limit: usize,
    peer: Option<std::net::SocketAddr>,
    /// EntityExtractor calls of this connection open now (`--max-connection-calls-in-flight`).
    calls: Arc<std::sync::atomic::AtomicUsize>,
}

/// A call's place under `--max-connection-calls-in-flight`, given back when dropped.
#[derive(Debug)]
pub struct ConnectionCall(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for ConnectionCall {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl Connection {
    /// A connection from `peer` that may have `limit` bytes in flight at once.
    pub fn new(limit: usize, peer: Option<std::net::SocketAddr>) -> Connection {
        Connection { budget: Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS))), limit, peer, calls: Arc::default() }
    }

    /// A place for one more call of this connection, if fewer than `limit` are open.
    pub fn enter(&self, limit: usize) -> Option<ConnectionCall> {
        use std::sync::atomic::Ordering;
        self.calls.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1)).ok()?;
        Some(ConnectionCall(self.calls.clone()))
    }

    /// Whether the connection's calls hold bytes of its budget now.
    fn busy(&self) -> bool {
        self.budget.available_permits() < self.limit.min(Semaphore::MAX_PERMITS)
    }

    /// The client's address, for the access log.
    pub fn peer(&self) -> Option<std::net::SocketAddr> {
        self.peer
    }
}

/// What a call's documents amounted to, for metrics and the access log: the server puts one
/// in each call's extensions (as an `Arc<Tally>`) and reads it when the call ends; the service
/// adds each document's text once admitted, and its mentions once found.
#[derive(Debug, Default)]
pub struct Tally {
    text_bytes: AtomicU64,
    mentions: AtomicU64,
    /// The budget share of an `Extract` response, held from when it is built until the call
    /// ends: the server's call layer ends a call only once the transport has taken all of its
    /// response (or the call is dropped), so its bytes are counted while they wait for a
    /// client that does not read.
    response: std::sync::Mutex<Option<Admission>>,
}

impl Tally {
    fn text(&self, bytes: usize) {
        self.text_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn mentions(&self, n: usize) {
        self.mentions.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Holds `share` until the tally is dropped (the call's end).
    fn hold(&self, share: Admission) {
        if let Ok(mut held) = self.response.lock() {
            *held = Some(share);
        }
    }

    /// (text bytes, mentions) so far.
    pub fn get(&self) -> (u64, u64) {
        (self.text_bytes.load(Ordering::Relaxed), self.mentions.load(Ordering::Relaxed))
    }
}

/// A stream of results with their budget shares: each share is held until the stream is
/// asked for the next result (its result has been encoded and handed on by then), or the
/// stream is dropped.
struct Shared<T> {
    stream: BoxStream<(T, Option<Admission>)>,
    held: Option<Admission>,
}

impl<T> Stream for Shared<T> {
    type Item = Result<T, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        let this = &mut *self;
        this.held = None;
        match std::task::ready!(this.stream.as_mut().poll_next(cx)) {
            Some(Ok((item, share))) => {
                this.held = share;
                std::task::Poll::Ready(Some(Ok(item)))
            }
            Some(Err(status)) => std::task::Poll::Ready(Some(Err(status))),
            None => std::task::Poll::Ready(None),
        }
    }
}

/// Sets its flag when dropped: the extraction that reads the flag stops. Held by the future
/// that waits for the extraction, so that whatever drops the call (the client cancelling or
/// resetting its stream, a deadline, the drain cut) stops the work too.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Counts an extraction in [`State::running`] while alive.
struct Running<'a>(&'a State);

impl Running<'_> {
    fn start(state: &State) -> Running<'_> {
        state.running.send_modify(|n| *n += 1);
        Running(state)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.send_modify(|n| *n -= 1);
    }
}

/// A spawned task that is aborted when its handle is dropped (a batch stream that ends stops
/// the documents it was extracting).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The deadline, the connection and the tally of a call, from its extensions.
fn call_context<T>(request: &Request<T>) -> (Option<Deadline>, Option<Connection>, Option<Arc<Tally>>) {
    let x = request.extensions();
    (x.get::<Deadline>().copied(), x.get::<Connection>().cloned(), x.get::<Arc<Tally>>().cloned())
}

/// What one mention not yet streamed holds in memory: the engine's mention and its converted
/// offsets (its text and names are read from shared data when it is sent).
const MENTION_BYTES: usize = std::mem::size_of::<Mention>() + std::mem::size_of::<(u64, u64)>();

/// The `EntityExtractor` service.
#[derive(Debug, Clone)]
pub struct Service {
    state: Arc<State>,
    limits: Arc<Limits>,
    /// Text bytes in flight, over all connections: a document holds its share from admission
    /// until its response is handed over (`Extract`, a batch document) or fully read by the
    /// client (`ExtractStream`), so that slow readers cannot pin memory without bound.
    budget: Arc<Semaphore>,
    /// Extractions running on blocking threads: at most `--extract-threads`.
    threads: Arc<Semaphore>,
}

/// A request checked and admitted: its text holds its share of the budgets.
struct Admitted {
    text: Arc<str>,
    options: Options,
    encoding: Encoding,
    admission: Admission,
    document_id: String,
}

/// A document's share of the byte budgets, global and of its connection; returned when
/// dropped.
#[derive(Debug)]
struct Admission {
    global: OwnedSemaphorePermit,
    connection: Option<OwnedSemaphorePermit>,
}

impl Admission {
    /// Returns `n` bytes of the share now (a streamed message the client has taken).
    fn release(&mut self, n: usize) {
        drop(self.global.split(n));
        if let Some(c) = &mut self.connection {
            drop(c.split(n));
        }
    }

    /// Adds `other`'s bytes to this share.
    fn merge(&mut self, other: Admission) {
        self.global.merge(other.global);
        match (&mut self.connection, other.connection) {
            (Some(c), Some(o)) => c.merge(o),
            (c @ None, o) => *c = o,
            (Some(_), None) => {}
        }
    }
}

/// Takes `len.0` bytes of `what` from the global budget and `len.1` from the connection's, or
/// RESOURCE_EXHAUSTED naming the limit; with `reserve`, the global budget's last
/// [`RESERVE_PART`] is not taken.
fn take(budget: &Arc<Semaphore>, limit: usize, what: &'static str, len: (usize, usize), connection: Option<&Connection>, reserve: bool) -> Result<Admission, Status> {
    let (len, conn_len) = len;
    let n = u32::try_from(len.max(1)).unwrap_or(u32::MAX);
    let kept = if reserve { limit / RESERVE_PART } else { 0 };
    let busy = || status(Error::Busy { what, len, in_flight: limit.saturating_sub(budget.available_permits()), limit, reserved: kept });
    let connection = match connection {
        Some(c) => Some(c.budget.clone().try_acquire_many_owned(u32::try_from(conn_len.max(1)).unwrap_or(u32::MAX)).map_err(|_| {
            status(Error::ConnectionBusy { what, len: conn_len, in_flight: c.limit.saturating_sub(c.budget.available_permits()), limit: c.limit })
        })?),
        None => None,
    };
    if budget.available_permits() < (n as usize).saturating_add(kept) {
        return Err(busy());
    }
    let global = budget.clone().try_acquire_many_owned(n).map_err(|_| busy())?;
    Ok(Admission { global, connection })
}

/// The byte budgets as seen by the call layer, which counts the bytes of a request message
/// while it arrives, before tonic decodes it and the service admits its text: a client that
/// sends messages slowly, or never finishes one, holds budget, not memory outside it.
#[derive(Debug, Clone)]
pub struct Arriving {
    budget: Arc<Semaphore>,
    limit: usize,
}

/// Bytes of a request message that has not fully arrived, held in the budgets.
#[derive(Debug, Default)]
pub struct Held(Option<Admission>);

impl Arriving {
    /// Adds `len` bytes of a message arriving on `connection` to `held`, keeping the reserve
    /// when the connection already has bytes in flight; RESOURCE_EXHAUSTED when they do not
    /// fit.
    pub fn take(&self, held: &mut Held, len: usize, connection: Option<&Connection>) -> Result<(), Status> {
        if len == 0 {
            return Ok(());
        }
        let share = take(&self.budget, self.limit, "request message", (len, len), connection, connection.is_some_and(Connection::busy))?;
        match &mut held.0 {
            Some(h) => h.merge(share),
            none => *none = Some(share),
        }
        Ok(())
    }
}

impl Held {
    /// Returns the bytes: the message has arrived (the service admits its text next).
    pub fn release(&mut self) {
        self.0 = None;
    }
}

impl Service {
    pub fn new(state: Arc<State>, limits: Limits) -> Service {
        let budget = Arc::new(Semaphore::new(limits.max_bytes_in_flight.min(Semaphore::MAX_PERMITS)));
        let threads = Arc::new(Semaphore::new(limits.extract_threads.clamp(1, Semaphore::MAX_PERMITS)));
        Service { state, limits: Arc::new(limits), budget, threads }
    }

    /// Takes `len` bytes of `what` (a text, a streamed response) from the call's connection's
    /// budget and from the global one, or RESOURCE_EXHAUSTED naming the limit when they are not
    /// free now. A connection that already has bytes in flight may not take the global budget's
    /// last [`RESERVE_PART`]: that is kept for connections with nothing in flight, so that
    /// clients holding the budget (slow readers, large batches) cannot refuse everyone else.
    fn admit(&self, what: &'static str, len: usize, connection: Option<&Connection>) -> Result<Admission, Status> {
        self.try_admit(what, len, len, connection, connection.is_some_and(Connection::busy))
    }

    /// [`Service::admit`] of `conn_len` bytes from the connection's budget and `len` from the
    /// global one, keeping the reserve when `reserve` says.
    fn try_admit(&self, what: &'static str, len: usize, conn_len: usize, connection: Option<&Connection>, reserve: bool) -> Result<Admission, Status> {
        take(&self.budget, self.limits.max_bytes_in_flight, what, (len, conn_len), connection, reserve)
    }

    /// A handle on the byte budgets for the bytes of request messages still arriving
    /// ([`Arriving`]).
    pub fn arriving(&self) -> Arriving {
        Arriving { budget: self.budget.clone(), limit: self.limits.max_bytes_in_flight }
    }

    /// Takes `len` bytes of `what` from both budgets as [`Service::admit`] does (keeping the
    /// reserve: the call holds bytes already), trying again as other calls return their shares
    /// for at most [`SHARE_WAIT`] (a streamed chunk's mentions, a response larger than its
    /// text: other calls return their shares as their clients read). The call already holds
    /// `held` bytes (its text); a share larger than what a budget leaves beside them takes the
    /// rest of that budget, so that a call never waits for itself. The wait is bounded because
    /// two calls waiting for each other's shares would otherwise wait forever; then
    /// RESOURCE_EXHAUSTED, as for a text that does not fit. It polls rather than queueing on
    /// the semaphore: a queued waiter would be given every byte returned, ahead of the small
    /// texts of other connections.
    async fn admit_waiting(&self, what: &'static str, len: usize, held: usize, connection: Option<&Connection>) -> Result<Admission, Status> {
        let take = |limit: usize| len.clamp(1, limit.saturating_sub(held).max(1));
        let global_len = take(self.limits.max_bytes_in_flight - self.limits.max_bytes_in_flight / RESERVE_PART);
        let conn_len = connection.map_or(len, |c| take(c.limit));
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match self.try_admit(what, global_len, conn_len, connection, true) {
                Ok(admission) => return Ok(admission),
                Err(status) if started.elapsed() >= SHARE_WAIT => return Err(status),
                Err(_) => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
            }
        }
    }

    /// The stream of a document of several chunks: the first is extracted before the call
    /// answers (so that what is wrong with the request is the call's status), the others as
    /// the client reads, two at a time on the blocking pool; each chunk's mentions leave as
    /// soon as it is done, holding their share of the budgets until the client has taken them.
    #[allow(clippy::too_many_arguments)]
    async fn stream_chunks(
        &self,
        extractor: Arc<Extractor>,
        text: Arc<str>,
        chunks: Vec<stream::Chunk>,
        options: Options,
        encoding: Encoding,
        document_id: String,
        deadline: Option<Deadline>,
        connection: Option<Connection>,
        tally: Option<Arc<Tally>>,
    ) -> Result<BoxStream<pb::ExtractStreamResponse>, Status> {
        let run = {
            let (this, extractor, text) = (self.clone(), extractor.clone(), text.clone());
            move |chunk: stream::Chunk| {
                let (this, extractor, options) = (this.clone(), extractor.clone(), options.clone());
                let part: Arc<str> = Arc::from(&text[chunk.range()]);
                async move { this.run_engine_on(extractor, part, options, false).await.map(|e| (chunk, e)) }
            }
        };
        let mut chunks = chunks.into_iter();
        let first = chunks.next().map(&run);
        let first = match first {
            Some(first) => bounded(&self.state, deadline, first).await?,
            None => return Err(Status::internal("a streamed document without chunks")),
        };
        let parts = futures_util::stream::once(std::future::ready(Ok(first))).chain(futures_util::stream::iter(chunks).map(run).buffered(2));
        struct Out {
            parts: BoxStream<(stream::Chunk, Extraction)>,
            pending: std::vec::IntoIter<pb::Mention>,
            share: Option<Admission>,
            assembly: stream::Assembly,
            summary: Option<(String, String)>,
        }
        let out = Out {
            parts: Box::pin(parts),
            pending: Vec::new().into_iter(),
            share: None,
            assembly: stream::Assembly::new(encoding),
            summary: Some((document_id, extractor.version().to_owned())),
        };
        let this = self.clone();
        let messages = futures_util::stream::unfold(out, move |mut out| {
            let (this, extractor, text, connection, tally) = (this.clone(), extractor.clone(), text.clone(), connection.clone(), tally.clone());
            async move {
                loop {
                    // Ended by its summary or an error.
                    out.summary.as_ref()?;
                    if let Some(m) = out.pending.next() {
                        if let Some(share) = &mut out.share {
                            share.release(prost::Message::encoded_len(&m));
                        }
                        let event = pb::extract_stream_response::Event::Mention(m);
                        return Some((Ok(pb::ExtractStreamResponse { event: Some(event) }), out));
                    }
                    out.share = None;
                    match out.parts.next().await {
                        Some(Ok((chunk, extraction))) => {
                            let mentions = out.assembly.add(&extractor, &text, &chunk, extraction);
                            if let Some(t) = &tally {
                                t.mentions(mentions.len());
                            }
                            let len = mentions.iter().map(prost::Message::encoded_len).sum();
                            match this.admit_waiting("streamed chunk's mentions", len, text.len(), connection.as_ref()).await {
                                Ok(share) => out.share = Some(share),
                                Err(status) => {
                                    out.summary = None;
                                    return Some((Err(status), out));
                                }
                            }
                            out.pending = mentions.into_iter();
                        }
                        Some(Err(status)) => {
                            out.summary = None;
                            return Some((Err(status), out));
                        }
                        None => {
                            let (document_id, version) = out.summary.take()?;
                            let assembly = std::mem::replace(&mut out.assembly, stream::Assembly::new(encoding));
                            let event = pb::extract_stream_response::Event::Summary(assembly.finish(document_id, version));
                            return Some((Ok(pb::ExtractStreamResponse { event: Some(event) }), out));
                        }
                    }
                }
            }
        });
        Ok(Box::pin(messages))
    }

    /// Runs the engine inline for ordinary documents (under [`BLOCKING_TEXT_BYTES`]: at most a
    /// few milliseconds on the slowest input), and on the blocking pool for large ones, at
    /// most `--extract-threads` at once (the others wait their turn here, still cancellable).
    /// Dropping the returned future stops the extraction within one check of the engine (16
    /// KiB of text).
    async fn run_engine(&self, extractor: Arc<Extractor>, text: Arc<str>, options: Options) -> Result<Extraction, Status> {
        let inline = text.len() < BLOCKING_TEXT_BYTES;
        self.run_engine_on(extractor, text, options, inline).await
    }

    /// [`Service::run_engine`], inline on the caller's worker or on the blocking pool as told
    /// (the chunks of a streamed large document all go to the pool: they are one large text).
    async fn run_engine_on(&self, extractor: Arc<Extractor>, text: Arc<str>, options: Options, inline: bool) -> Result<Extraction, Status> {
        if inline {
            return extractor.extract(&text, &options).map_err(status);
        }
        let thread = self.threads.clone().acquire_owned().await.map_err(|e| Status::internal(format!("extraction pool closed: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let _stop_on_drop = StopOnDrop(stop.clone());
        let state = self.state.clone();
        let task = tokio::task::spawn_blocking(move || {
            // The thread's permit is returned, and the gauge lowered, when the work has
            // actually stopped.
            let _thread = thread;
            let _running = Running::start(&state);
            tracing::debug!(bytes = text.len(), "extracting on a blocking thread");
            let result = extractor.extract_with(&text, &options, &|| stop.load(Ordering::Relaxed));
            if let Err(Error::Cancelled) = result {
                tracing::debug!(bytes = text.len(), "extraction stopped: its call ended");
            }
            result
        });
        task.await.map_err(|e| Status::internal(format!("extraction task failed: {e}")))?.map_err(status)
    }

    /// The documents of a batch, each extracted as it is read, at most `--batch-in-flight` at
    /// once, their results in order: `ExtractBatch`, and JSON lines over HTTP. A document that
    /// could not be read (`Ok(Err((document_id, status)))`) gets its error and the batch goes
    /// on; an `Err` ends it. `structs` as for [`Service::run_admitted`].
    fn batch(
        &self,
        extractor: Arc<Extractor>,
        documents: impl Stream<Item = Result<Result<pb::ExtractRequest, (String, Status)>, Status>> + Send + 'static,
        connection: Option<Connection>,
        tally: Option<Arc<Tally>>,
        structs: bool,
    ) -> Shared<pb::ExtractBatchResponse> {
        let this = self.clone();
        let in_flight = self.limits.batch_in_flight.max(1);
        // `buffered` pulls a new document only while fewer than `in_flight` are being
        // extracted, and results leave in request order as the client reads them: a slow
        // reader slows the reading of its own stream, nothing else.
        let results = documents
            .map(move |item| {
                let (this, extractor, connection, tally) = (this.clone(), extractor.clone(), connection.clone(), tally.clone());
                let this_fits = this.clone();
                // Checked and admitted as it is read (here, not in the future below): a
                // document over the budgets is answered at once and its text dropped, instead
                // of waiting in the pipeline.
                let admitted = item.map(|document| {
                    document.and_then(|request| {
                        let document_id = request.document_id.clone();
                        this.accept(request, connection.as_ref(), tally.as_deref()).map_err(|status| (document_id, status))
                    })
                });
                async move {
                    let admitted = match admitted {
                        Ok(Ok(admitted)) => admitted,
                        Ok(Err((document_id, status))) => return Ok((batch_error(document_id, status), None)),
                        // The stream itself failed (cancelled, undecodable message): end it.
                        Err(status) => return Err(status),
                    };
                    let document_id = admitted.document_id.clone();
                    // Each document on a task of its own, so that a batch uses several workers;
                    // aborted (and its extraction stopped) if the stream ends first.
                    let task = AbortOnDrop(tokio::spawn(async move { this.run_admitted(extractor, admitted, connection.as_ref(), tally.as_deref(), structs).await }));
                    let outcome = task.await;
                    Ok(match outcome {
                        Ok(Ok((response, share))) => {
                            let ok = pb::ExtractBatchResponse {
                                document_id,
                                result: Some(pb::extract_batch_response::Result::Response(response)),
                            };
                            // The wrapper adds a few bytes to a response that just fitted.
                            match this_fits.fits(prost::Message::encoded_len(&ok)) {
                                Ok(()) => (ok, Some(share)),
                                Err(status) => (batch_error(ok.document_id, status), None),
                            }
                        }
                        Ok(Err(status)) => (batch_error(document_id, status), None),
                        Err(e) => (batch_error(document_id, Status::internal(format!("extraction task failed: {e}"))), None),
                    })
                }
            })
            .buffered(in_flight);
        // Each result keeps its share while it waits in the pipeline and until the encoder
        // asks for the next one (the server's call layer hands a message to the transport in
        // pieces, asking for the next only when it has taken the last).
        Shared { stream: Box::pin(results), held: None }
    }

    fn extractor(&self) -> Result<Arc<Extractor>, Status> {
        if self.state.draining.load(Ordering::SeqCst) {
            return Err(Status::unavailable("server is shutting down; retry on another instance"));
        }
        self.state
            .current()
            .ok_or_else(|| Status::unavailable("gazetteers are still loading; wait for health status SERVING"))
    }

    /// Validates and runs one request with `extractor`: the whole of `Extract`, and one
    /// document of a batch. The response comes with its share of the byte budgets (its encoded
    /// size, taken before the text's share is returned), which the caller holds until the
    /// transport has taken the response.
    async fn run(&self, extractor: Arc<Extractor>, request: pb::ExtractRequest, connection: Option<&Connection>, tally: Option<&Tally>, structs: bool) -> Result<(pb::ExtractResponse, Admission), Status> {
        let admitted = self.accept(request, connection, tally)?;
        self.run_admitted(extractor, admitted, connection, tally, structs).await
    }

    /// The part of [`Service::run`] that checks a request and takes its text's share of the
    /// budgets, at once: a batch does it as it reads each document, so that a document it
    /// cannot admit is not kept waiting in memory.
    fn accept(&self, mut request: pb::ExtractRequest, connection: Option<&Connection>, tally: Option<&Tally>) -> Result<Admitted, Status> {
        let text = std::mem::take(&mut request.text);
        let (text, options, encoding) = self.prepare(text, &request)?;
        let admission = self.admit("text", text.len(), connection)?;
        if let Some(t) = tally {
            t.text(text.len());
        }
        Ok(Admitted { text, options, encoding, admission, document_id: request.document_id })
    }

    /// The rest of [`Service::run`]: extraction and response.
    /// With `structs`, the response is built as prost structs (for JSON, which is written from
    /// them) instead of encoded for the wire.
    async fn run_admitted(&self, extractor: Arc<Extractor>, admitted: Admitted, connection: Option<&Connection>, tally: Option<&Tally>, structs: bool) -> Result<(pb::ExtractResponse, Admission), Status> {
        let Admitted { text, options, encoding, admission, document_id } = admitted;
        let extraction = self.run_engine(extractor.clone(), text.clone(), options).await?;
        if let Some(t) = tally {
            t.mentions(extraction.mentions.len());
        }
        let response = if structs {
            response(&extractor, &text, document_id, extraction, encoding)
        } else {
            // Written straight from the extraction (`wire`): no string is copied into a struct.
            let mut body = Vec::with_capacity(128 * extraction.mentions.len() + 256 * extraction.entities.len());
            wire::encode_body(&extractor, &text, &extraction, encoding, &mut body);
            drop(extraction);
            pb::ExtractResponse::encoded(document_id, body, extractor.version().to_owned())
        };
        // Checked here, not by tonic's encoder, so that the client learns why and what to do
        // instead, and a batch can give this one document an error and go on.
        let len = prost::Message::encoded_len(&response);
        self.fits(len)?;
        // Only the response is kept from here on (the extraction is many times its size).
        drop(text);
        // The text's share becomes the response's: the part beyond the text's is taken while
        // the text's is still held, so the call never counts less than it holds.
        let mut share = admission;
        let held = share.global.num_permits();
        if len < held {
            share.release(held - len.max(1));
        } else if len > held {
            let more = self.admit_waiting("response", len - held, held, connection).await?;
            share.merge(more);
        }
        Ok((response, share))
    }

    /// Whether a message of `len` bytes can be sent.
    fn fits(&self, len: usize) -> Result<(), Status> {
        if len > self.limits.max_message_bytes {
            return Err(status(Error::ResponseTooLarge {
                len,
                limit: self.limits.max_message_bytes,
                text_limit: self.limits.max_text_bytes,
            }));
        }
        Ok(())
    }

    fn prepare(&self, text: String, request: &pb::ExtractRequest) -> Result<(Arc<str>, Options, Encoding), Status> {
        if text.len() > self.limits.max_text_bytes {
            return Err(status(Error::TextTooLong { len: text.len(), limit: self.limits.max_text_bytes }));
        }
        let (options, encoding) = options(request).map_err(status)?;
        Ok((text.into(), options, encoding))
    }
}

/// The one mapping from library errors to gRPC statuses.
pub fn status(error: Error) -> Status {
    let code = match &error {
        Error::EmptyText
        | Error::TextTooLong { .. }
        | Error::UnknownGazetteer { .. }
        | Error::InvalidArgument { .. }
        | Error::Json { .. }
        | Error::MissingRequest => {
            tonic::Code::InvalidArgument
        }
        Error::Gazetteer { .. }
        | Error::DuplicateId { .. }
        | Error::Io { .. }
        | Error::NoGazetteers { .. }
        | Error::NoCues { .. }
        | Error::GazetteersTooLarge { .. }
        | Error::NotAFile { .. }
        | Error::Automaton(_) => tonic::Code::FailedPrecondition,
        // As tonic answers a gRPC message over the limit.
        Error::ResponseTooLarge { .. } | Error::BodyTooLarge { .. } => tonic::Code::OutOfRange,
        Error::Busy { .. } | Error::ConnectionBusy { .. } | Error::CallsInFlight { .. } | Error::ConnectionCallsInFlight { .. } | Error::ResponseStalled => {
            tonic::Code::ResourceExhausted
        }
        Error::Cancelled => tonic::Code::Cancelled,
        Error::DeadlineExceeded { .. } | Error::CallTooLong { .. } => tonic::Code::DeadlineExceeded,
        Error::Serve(_) | Error::Credentials { .. } | Error::SecondRequestMessage { .. } => tonic::Code::Internal,
    };
    Status::new(code, error.to_string())
}

/// The engine's options from a request, every enum value checked.
fn options(request: &pb::ExtractRequest) -> Result<(Options, Encoding), Error> {
    let encoding = match pb::OffsetEncoding::try_from(request.offset_encoding) {
        Ok(pb::OffsetEncoding::Unspecified | pb::OffsetEncoding::Utf8) => Encoding::Utf8,
        Ok(pb::OffsetEncoding::Utf16) => Encoding::Utf16,
        Ok(pb::OffsetEncoding::Codepoint) => Encoding::CodePoint,
        Err(_) => {
            return Err(Error::InvalidArgument {
                field: "offset_encoding",
                message: format!("unknown value {}; use OFFSET_ENCODING_UTF8, _UTF16 or _CODEPOINT", request.offset_encoding),
            })
        }
    };
    let mut kinds = Vec::with_capacity(request.kinds.len());
    for &k in &request.kinds {
        kinds.push(match pb::EntityKind::try_from(k) {
            Ok(pb::EntityKind::Person) => EntityKind::Person,
            Ok(pb::EntityKind::Place) => EntityKind::Place,
            Ok(pb::EntityKind::Organization) => EntityKind::Organization,
            Ok(pb::EntityKind::Figure) => EntityKind::Figure,
            Ok(pb::EntityKind::Unspecified) | Err(_) => {
                return Err(Error::InvalidArgument {
                    field: "kinds",
                    message: format!("{k} is not an entity kind; use ENTITY_KIND_PERSON, _PLACE, _ORGANIZATION or _FIGURE, or leave kinds empty for all"),
                })
            }
        });
    }
    let reference_date = match request.reference_date.as_str() {
        "" => None,
        s => Some(Date::parse_iso(s).ok_or_else(|| Error::InvalidArgument {
            field: "reference_date",
            message: format!("{} is not a date of the form YYYY-MM-DD from the year 1000 on", crate::error::quote(s)),
        })?),
    };
    Ok((Options { kinds, gazetteers: request.gazetteers.clone(), reference_date, known_only: request.known_only, include_alternatives: request.include_alternatives }, encoding))
}

fn response(x: &Extractor, text: &str, document_id: String, e: Extraction, encoding: Encoding) -> pb::ExtractResponse {
    let spans = offsets(text, &e.mentions, encoding);
    pb::ExtractResponse {
        document_id,
        mentions: e.mentions.iter().zip(spans).map(|(m, span)| mention(x, &e, text, m, span)).collect(),
        entities: entities(x, &e),
        gazetteer_version: x.version().to_owned(),
        ..Default::default()
    }
}

/// The id, canonical name and gazetteer of what a name refers to, borrowed.
fn identity<'a>(x: &'a Extractor, e: &'a Extraction, target: Option<Target>) -> (&'a str, &'a str, &'a str) {
    match target {
        Some(Target::Entry(k)) => {
            let entry = x.entry(k);
            (&entry.id, &entry.canonical, x.gazetteer_name(entry))
        }
        Some(Target::Found(k)) => {
            let f = &e.found[k];
            (&f.id, &f.canonical, "")
        }
        None => ("", "", ""),
    }
}

fn method(m: &Mention) -> pb::MatchMethod {
    match m.method {
        Method::Exact => pb::MatchMethod::Exact,
        Method::Folded => pb::MatchMethod::Folded,
        Method::Alias => pb::MatchMethod::Alias,
        Method::Pattern => pb::MatchMethod::Pattern,
        Method::Rule => pb::MatchMethod::Rule,
        Method::Coreference => pb::MatchMethod::Coreference,
    }
}

/// Why a name found by rules was found; empty for the others.
fn evidence(m: &Mention, text: &str) -> String {
    match m.evidence {
        Some(Evidence::Cue { rule, start, end }) => format!("{}:{}", rule.as_str(), &text[start..end]),
        Some(Evidence::Coreference { antecedent }) => format!("coreference:{antecedent}"),
        None => String::new(),
    }
}

fn alternatives(x: &Extractor, m: &Mention) -> Vec<pb::Alternative> {
    m.alternatives
        .iter()
        .map(|a| {
            let entry = x.entry(a.entry);
            pb::Alternative {
                entity_id: entry.id.clone(),
                canonical_name: entry.canonical.clone(),
                kind: entity_kind(match entry.kind {
                    crate::gazetteer::Kind::Person => EntityKind::Person,
                    crate::gazetteer::Kind::Place => EntityKind::Place,
                    crate::gazetteer::Kind::Organization => EntityKind::Organization,
                }) as i32,
                gazetteer: x.gazetteer_name(entry).to_owned(),
                confidence: a.confidence,
                attributes: Some(attributes(x, a.entry)),
            }
        })
        .collect()
}

fn mention(x: &Extractor, e: &Extraction, text: &str, m: &Mention, (start, end): (u64, u64)) -> pb::Mention {
    let (entity_id, canonical_name, gazetteer) = identity(x, e, m.target);
    pb::Mention {
        kind: entity_kind(m.kind) as i32,
        text: text[m.start..m.end].to_owned(),
        start,
        end,
        entity_id: entity_id.to_owned(),
        canonical_name: canonical_name.to_owned(),
        gazetteer: gazetteer.to_owned(),
        figure: m.figure.as_ref().map(figure),
        method: method(m) as i32,
        evidence: evidence(m, text),
        confidence: m.confidence,
        alternatives: alternatives(x, m),
    }
}

/// An entry's attributes in the contract's form (`EntityAttributes`), borrowed from the
/// gazetteer: the common ones typed, the rest in `other` (a later value of a key wins, as in
/// the map it becomes).
#[derive(Default)]
struct Attributes<'a> {
    country: &'a str,
    place_type: &'a str,
    geonames_id: &'a str,
    wikidata_id: &'a str,
    population: Option<u64>,
    subdivision: &'a str,
    role: &'a str,
    other: Vec<(&'a str, &'a str)>,
}

fn attributes_of(x: &Extractor, k: usize) -> Attributes<'_> {
    let entry = x.entry(k);
    let mut a = Attributes::default();
    let mut place_type = "";
    for (key, value) in &entry.attributes {
        match key.as_str() {
            "country" => a.country = value,
            "geonames" => a.geonames_id = value,
            "wikidata" => a.wikidata_id = value,
            "population" => a.population = value.parse().ok(),
            "subdivision" => a.subdivision = value,
            "role" => a.role = value,
            "type" if entry.kind == crate::gazetteer::Kind::Place => place_type = value,
            "type" => a.role = value,
            _ => a.other.push((key, value)),
        }
    }
    if entry.kind == crate::gazetteer::Kind::Place {
        let profile = x.profile(k);
        a.place_type = if profile.is_country {
            "country"
        } else if !a.subdivision.is_empty() {
            "subdivision"
        } else if matches!(place_type, "region" | "continent" | "territory") {
            place_type
        } else if !a.geonames_id.is_empty() {
            "city"
        } else {
            place_type
        };
        if a.subdivision.is_empty() {
            a.subdivision = profile.subdivision.as_deref().unwrap_or_default();
        }
        if !place_type.is_empty() && place_type != a.place_type {
            a.other.push(("type", place_type));
        }
    }
    a
}

fn attributes(x: &Extractor, k: usize) -> pb::EntityAttributes {
    let a = attributes_of(x, k);
    pb::EntityAttributes {
        country: a.country.to_owned(),
        place_type: a.place_type.to_owned(),
        geonames_id: a.geonames_id.to_owned(),
        wikidata_id: a.wikidata_id.to_owned(),
        population: a.population,
        subdivision: a.subdivision.to_owned(),
        role: a.role.to_owned(),
        other: a.other.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect(),
    }
}

fn entities(x: &Extractor, e: &Extraction) -> Vec<pb::Entity> {
    entities_of(x, e, Some)
}

/// The entities of `e`, each mention index mapped by `index` (an index it maps to `None` is
/// left out: a mention a chunk of a stream does not keep).
fn entities_of(x: &Extractor, e: &Extraction, index: impl Fn(u32) -> Option<u32>) -> Vec<pb::Entity> {
    e.entities
        .iter()
        .map(|g| {
            let (entity_id, canonical_name, gazetteer) = identity(x, e, Some(g.target));
            let attributes = match g.target {
                Target::Entry(k) => Some(attributes(x, k)),
                Target::Found(_) => None,
            };
            pb::Entity {
                entity_id: entity_id.to_owned(),
                kind: entity_kind(g.kind) as i32,
                canonical_name: canonical_name.to_owned(),
                mention_indexes: g.mentions.iter().filter_map(|&i| index(i)).collect(),
                gazetteer: gazetteer.to_owned(),
                attributes,
                confidence: entity_confidence(e, g),
            }
        })
        .collect()
}

/// The highest confidence among an entity's mentions.
fn entity_confidence(e: &Extraction, g: &crate::Entity) -> f32 {
    g.mentions.iter().filter_map(|&i| e.mentions.get(i as usize)).map(|m| m.confidence).fold(0.0, f32::max)
}

fn entity_kind(k: EntityKind) -> pb::EntityKind {
    match k {
        EntityKind::Person => pb::EntityKind::Person,
        EntityKind::Place => pb::EntityKind::Place,
        EntityKind::Organization => pb::EntityKind::Organization,
        EntityKind::Figure => pb::EntityKind::Figure,
    }
}

fn figure(f: &Figure) -> pb::Figure {
    pb::Figure {
        kind: match f.kind {
            FigureKind::Cardinal => pb::FigureKind::Cardinal,
            FigureKind::Ordinal => pb::FigureKind::Ordinal,
            FigureKind::Money => pb::FigureKind::Money,
            FigureKind::Percent => pb::FigureKind::Percent,
            FigureKind::Date => pb::FigureKind::Date,
            FigureKind::Quantity => pb::FigureKind::Quantity,
            FigureKind::Duration => pb::FigureKind::Duration,
            FigureKind::Time => pb::FigureKind::Time,
            FigureKind::Set => pb::FigureKind::Set,
        } as i32,
        value: f.value,
        value_max: f.value_max,
        unit: f.unit.clone(),
        date: f.date.clone(),
        approximate: f.approximate,
        qualifier: match f.qualifier {
            Qualifier::None => pb::Qualifier::Unspecified,
            Qualifier::AtLeast => pb::Qualifier::AtLeast,
            Qualifier::AtMost => pb::Qualifier::AtMost,
            Qualifier::About => pb::Qualifier::About,
            Qualifier::MoreThan => pb::Qualifier::MoreThan,
            Qualifier::LessThan => pb::Qualifier::LessThan,
            Qualifier::UpTo => pb::Qualifier::UpTo,
            Qualifier::Nearly => pb::Qualifier::Nearly,
            Qualifier::Exactly => pb::Qualifier::Exactly,
        } as i32,
    }
}

/// A response's JSON form, as `gazette extract` prints it: protobuf JSON field names, enums by
/// name, 64-bit integers as strings and default values omitted, like grpcurl.
pub fn extract_json(x: &Extractor, text: &str, document_id: String, e: Extraction, encoding: Encoding) -> serde_json::Value {
    serde_json::from_str(&extract_json_text(x, text, document_id, e, encoding)).unwrap_or_default()
}

/// [`extract_json`] as compact JSON text, as `gazette extract` prints it and JSON over HTTP
/// answers it.
pub fn extract_json_text(x: &Extractor, text: &str, document_id: String, e: Extraction, encoding: Encoding) -> String {
    // The writer writes UTF-8 only: its strings come from `&str`s.
    String::from_utf8(crate::grpc::json::response(&response(x, text, document_id, e, encoding))).unwrap_or_default()
}

/// The page's view of one document, as a self-contained HTML file (`gazette extract --html`):
/// the page of `GET /` with the text and its response (UTF-16 offsets, as the page's script
/// counts) embedded.
pub fn extract_page(x: &Extractor, text: &str, document_id: String, e: Extraction) -> String {
    let response = extract_json_text(x, text, document_id, e, Encoding::Utf16);
    let text = serde_json::to_string(text).unwrap_or_default();
    http::page(Some(&format!("{{\"text\":{text},\"response\":{response}}}")))
}

mod auth;
pub(crate) mod http;
mod json;
mod stream;
mod wire;

pub use auth::{Guard, Token};

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl pb::entity_extractor_server::EntityExtractor for Service {
    async fn extract(&self, request: Request<pb::ExtractRequest>) -> Result<Response<pb::ExtractResponse>, Status> {
        let extractor = self.extractor()?;
        let (deadline, connection, tally) = call_context(&request);
        let work = self.run(extractor, request.into_inner(), connection.as_ref(), tally.as_deref(), false);
        let (response, share) = bounded(&self.state, deadline, work).await?;
        // Held by the call (its tally) until the transport has taken the response; without
        // the call layer (a bare service), returned now.
        if let Some(t) = &tally {
            t.hold(share);
        }
        Ok(Response::new(response))
    }

    type ExtractStreamStream = BoxStream<pb::ExtractStreamResponse>;

    async fn extract_stream(
        &self,
        request: Request<pb::ExtractStreamRequest>,
    ) -> Result<Response<Self::ExtractStreamStream>, Status> {
        let (deadline, connection, tally) = call_context(&request);
        let mut request = request.into_inner().request.ok_or_else(|| status(Error::MissingRequest))?;
        let text = std::mem::take(&mut request.text);
        let extractor = self.extractor()?;
        let (text, options, encoding) = self.prepare(text, &request)?;
        let admission = self.admit("text", text.len(), connection.as_ref())?;
        if let Some(t) = &tally {
            t.text(text.len());
        }
        let chunks = stream::chunks(&text, stream::CHUNK_BYTES, stream::OVERLAP_BYTES);
        if chunks.len() > 1 {
            let stream = self.stream_chunks(extractor, text, chunks, options, encoding, request.document_id, deadline, connection, tally).await?;
            return Ok(Response::new(until_cut(&self.state, deadline, stream, Some(admission))));
        }
        let mut extraction = bounded(&self.state, deadline, self.run_engine(extractor.clone(), text.clone(), options)).await?;
        if let Some(t) = &tally {
            t.mentions(extraction.mentions.len());
        }
        let spans = offsets(&text, &extraction.mentions, encoding);
        let summary = pb::ExtractStreamSummary {
            document_id: request.document_id,
            entities: entities(&extractor, &extraction),
            gazetteer_version: extractor.version().to_owned(),
            mention_count: extraction.mentions.len() as u32,
            chunks: 1,
        };
        // What the stream holds until the client has read it, beside its text: the mentions
        // not yet sent and the summary. A reader that stops reading keeps it all; each message
        // taken returns its part.
        let pending = extraction.mentions.len().saturating_mul(MENTION_BYTES).saturating_add(prost::Message::encoded_len(&summary));
        let mut response_share = self.admit("streamed response", pending, connection.as_ref())?;
        // Mentions are converted one by one as the client reads them, in text order; the
        // summary closes the stream.
        let all = std::mem::take(&mut extraction.mentions);
        let mentions = all.into_iter().zip(spans).map(move |(m, span)| {
            response_share.release(MENTION_BYTES);
            Ok(pb::ExtractStreamResponse {
                event: Some(pb::extract_stream_response::Event::Mention(mention(&extractor, &extraction, &text, &m, span))),
            })
        });
        let closing = std::iter::once(Ok(pb::ExtractStreamResponse {
            event: Some(pb::extract_stream_response::Event::Summary(summary)),
        }));
        // The text's share, and what is left of the response's, are returned when the stream
        // ends or is dropped.
        Ok(Response::new(until_cut(&self.state, deadline, Box::pin(tokio_stream::iter(mentions.chain(closing))), Some(admission))))
    }

    type ExtractBatchStream = BoxStream<pb::ExtractBatchResponse>;

    async fn extract_batch(
        &self,
        request: Request<Streaming<pb::ExtractBatchRequest>>,
    ) -> Result<Response<Self::ExtractBatchStream>, Status> {
        // The whole stream uses the extractor it started with, also while the server drains
        // or after a reload: an open stream is a call in flight.
        let extractor = self.extractor()?;
        let (deadline, connection, tally) = call_context(&request);
        let documents = request.into_inner().map(|item| {
            item.map(|batch| batch.request.ok_or_else(|| (String::new(), status(Error::MissingRequest))))
        });
        let results = self.batch(extractor, documents, connection, tally, false);
        Ok(Response::new(until_cut(&self.state, deadline, Box::pin(results), None)))
    }

    async fn list_gazetteers(
        &self,
        _request: Request<pb::ListGazetteersRequest>,
    ) -> Result<Response<pb::ListGazetteersResponse>, Status> {
        let x = self.extractor()?;
        let g = x.gazetteers();
        let last = self.state.last_reload();
        Ok(Response::new(pb::ListGazetteersResponse {
            gazetteers: g
                .files
                .iter()
                .map(|f| pb::Gazetteer {
                    name: f.name.clone(),
                    kinds: f
                        .kinds
                        .iter()
                        .map(|k| match k {
                            Kind::Person => pb::EntityKind::Person,
                            Kind::Place => pb::EntityKind::Place,
                            Kind::Organization => pb::EntityKind::Organization,
                        } as i32)
                        .collect(),
                    entry_count: f.entry_count as u64,
                    alias_count: f.alias_count as u64,
                    version: f.version.clone(),
                    loaded_at: humantime::format_rfc3339_seconds(f.loaded_at).to_string(),
                    path: f.path.display().to_string(),
                })
                .collect(),
            gazetteer_version: x.version().to_owned(),
            last_reload_at: last.as_ref().map(|r| humantime::format_rfc3339_millis(r.at).to_string()).unwrap_or_default(),
            last_reload_error: last.and_then(|r| r.error.clone()).unwrap_or_default(),
        }))
    }
}

fn batch_error(document_id: String, status: Status) -> pb::ExtractBatchResponse {
    pb::ExtractBatchResponse {
        document_id,
        result: Some(pb::extract_batch_response::Result::Error(pb::BatchError {
            code: status.code() as i32,
            message: status.message().to_owned(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, grpc-timeout value, parsed).
    const TIMEOUTS: &[(&str, &str, Option<Duration>)] = &[
        ("milliseconds", "800m", Some(Duration::from_millis(800))),
        ("seconds", "3S", Some(Duration::from_secs(3))),
        ("hours", "1H", Some(Duration::from_secs(3600))),
        ("minutes", "2M", Some(Duration::from_secs(120))),
        ("microseconds", "1500u", Some(Duration::from_micros(1500))),
        ("nanoseconds", "99999999n", Some(Duration::from_nanos(99_999_999))),
        ("nine digits", "123456789m", None),
        ("no digits", "m", None),
        ("no unit", "100", None),
        ("unknown unit", "100x", None),
        ("sign", "-1S", None),
        ("empty", "", None),
        ("non-ASCII unit", "1é", None),
    ];

    /// The deadline set: its timeout in milliseconds, and whether the server's maximum set it.
    type Set = Option<(u64, bool)>;

    /// (name, client's grpc-timeout, server's maximum in milliseconds, deadline set).
    const DEADLINES: &[(&str, Option<&str>, Option<u64>, Set)] = &[
        ("neither", None, None, None),
        ("client only", Some("100m"), None, Some((100, false))),
        ("server only", None, Some(300), Some((300, true))),
        ("client sooner", Some("100m"), Some(300), Some((100, false))),
        ("server sooner", Some("1S"), Some(300), Some((300, true))),
        ("equal: the client's", Some("300m"), Some(300), Some((300, false))),
    ];

    #[test]
    fn deadline_table() {
        use tonic::service::Interceptor;
        for &(name, client, max, want) in DEADLINES {
            let mut request = Request::new(());
            if let Some(c) = client {
                request.metadata_mut().insert("grpc-timeout", c.parse().unwrap());
            }
            let mut deadlines = Deadlines { max: max.map(Duration::from_millis) };
            let request = deadlines.call(request).unwrap();
            let got = request.extensions().get::<Deadline>().map(|d| (d.timeout.as_millis() as u64, d.by_server));
            assert_eq!(got, want, "{name}");
        }
        // A malformed header is refused, naming it; a timeout of 1 ms or less has passed.
        for (value, code, says) in [
            ("soon", tonic::Code::InvalidArgument, "malformed grpc-timeout header \"soon\""),
            ("123456789S", tonic::Code::InvalidArgument, "at most 8 digits"),
            ("500u", tonic::Code::DeadlineExceeded, "deadline of 500"),
            ("1m", tonic::Code::DeadlineExceeded, "deadline of 1ms"),
        ] {
            let mut request = Request::new(());
            request.metadata_mut().insert("grpc-timeout", value.parse().unwrap());
            let status = Deadlines { max: Some(Duration::from_millis(300)) }.call(request).unwrap_err();
            assert_eq!(status.code(), code, "{value}: {status:?}");
            assert!(status.message().contains(says), "{value}: {}", status.message());
        }
        // A maximum beyond the clock's range sets no deadline, and does not panic.
        let mut endless = Deadlines { max: Some(Duration::MAX) };
        assert!(endless.call(Request::new(())).unwrap().extensions().get::<Deadline>().is_none());
    }

    #[test]
    fn timeout_table() {
        for &(name, value, want) in TIMEOUTS {
            assert_eq!(parse_timeout(value), want, "{name}");
        }
    }
}
