//! The life of each connection once the accept loop ([`super::accept`]) handed it on: hyper's
//! HTTP/2 server (and HTTP/1.1, for JSON over HTTP) over the router, and the ways a connection is asked to end gracefully (GOAWAY;
//! the calls it has open finish, then it closes): the server shuts down, the connection reached
//! `--max-connection-age`, it has had no call open for `--idle-timeout`, or the accept loop,
//! out of connection permits, asked the connection idle the longest to yield its permit to a
//! new one ([`Idle::yield_one`]).
//!
//! A connection asked to end while it has no call open is closed [`CLOSE_GRACE`] after its
//! GOAWAY even if the client never answers the GOAWAY's PING: a silent peer must not keep its
//! permit. One with calls open keeps it until they end (or until age + grace, which
//! [`super::accept::Conn`] enforces under hyper).
//!
//! gazette used tonic's `Server` for this until it needed the idle timeout and the yield:
//! tonic's connection loop knows only its server-wide signal and the maximum age. The hyper
//! settings below are the ones tonic applied; tonic's per-call `grpc-timeout` timer is
//! deliberately not: [`crate::grpc::Deadlines`] reads the header for the extraction service
//! and answers DEADLINE_EXCEEDED, where tonic's timer answered CANCELLED for very short
//! timeouts and ignored malformed ones. What a call does belongs to [`super::calls`] and
//! [`crate::grpc`].

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{mpsc, watch, Notify};
use tonic::transport::server::Connected;

use super::accept::Conn;
use crate::config::Limits;

/// How long a connection with no call open has, after its GOAWAY, to close before it is
/// dropped.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What one connection is doing, shared by its task, its calls ([`super::calls`] counts them
/// in and out) and the accept loop's registry of idle connections.
#[derive(Debug)]
pub struct Activity {
    /// Calls of any service open on the connection now.
    open: AtomicUsize,
    /// When the last call ended, or the connection was accepted: [`now_ms`].
    idle_since: AtomicU64,
    /// The connection sent its preface (and its TLS handshake): it is no longer the first to
    /// yield.
    ready: AtomicBool,
    /// The connection was asked to yield (once).
    asked: AtomicBool,
    /// Woken when it is asked.
    yield_now: Notify,
}

/// A call's place in its connection's [`Activity`], given back when dropped.
#[derive(Debug)]
pub struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        // The stamp first: a connection whose count reaches 0 is idle from now.
        self.0.idle_since.store(now_ms(), Ordering::Release);
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity { open: AtomicUsize::new(0), idle_since: AtomicU64::new(now_ms()), ready: AtomicBool::new(false), asked: AtomicBool::new(false), yield_now: Notify::new() })
    }

    /// Marks the handshake done.
    pub fn opened(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Counts a call in until the returned guard is dropped.
    pub fn enter(self: &Arc<Activity>) -> Busy {
        self.open.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    /// How long the connection has had no call open; none while it has one.
    fn idle_for(&self, now: u64) -> Option<Duration> {
        (self.open.load(Ordering::Acquire) == 0).then(|| Duration::from_millis(now.saturating_sub(self.idle_since.load(Ordering::Acquire))))
    }

    /// Resolves once the connection is asked to yield its permit.
    pub async fn asked(&self) {
        let notified = self.yield_now.notified();
        if self.asked.load(Ordering::Acquire) {
            return;
        }
        notified.await
    }
}

/// Milliseconds since the first use in the process, plus one.
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_millis()).map_or(u64::MAX, |ms| ms.saturating_add(1))
}

/// How long a connection must have had no call open (or have been in its handshake) before
/// it may be asked to yield: without it, clients that reconnect as soon as they are closed
/// would take each other's permits in a loop as fast as the server accepts.
pub const YIELD_MIN_IDLE: Duration = Duration::from_secs(1);

/// The accept loop's registry of every open connection, for choosing one to yield.
#[derive(Debug, Default)]
pub struct Idle {
    connections: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    all: Vec<Weak<Activity>>,
    /// The length at which the closed connections are next forgotten: twice the open ones
    /// after the last time, so that the registry stays within twice the open connections at
    /// a constant cost per connection.
    prune_at: usize,
}

impl Idle {
    /// A new connection's activity, registered: idle from now.
    pub fn register(&self) -> Arc<Activity> {
        let activity = Activity::new();
        if let Ok(mut r) = self.connections.lock() {
            if r.all.len() >= r.prune_at {
                r.all.retain(|w| w.strong_count() > 0);
                r.prune_at = (2 * r.all.len()).max(64);
            }
            r.all.push(Arc::downgrade(&activity));
        }
        activity
    }

    /// Asks a connection with no call open to end, so that its permit goes to a new
    /// connection: the oldest of those still in their handshake, else the one idle the
    /// longest, of those idle for [`YIELD_MIN_IDLE`] at least; false when there is none (all
    /// have a call open, were asked already, or are new). Forgets the connections that
    /// closed.
    pub fn yield_one(&self) -> bool {
        self.yield_at(now_ms())
    }

    fn yield_at(&self, now: u64) -> bool {
        let Ok(mut r) = self.connections.lock() else { return false };
        r.all.retain(|w| w.strong_count() > 0);
        let oldest = r
            .all
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|a| !a.asked.load(Ordering::Acquire))
            .filter_map(|a| a.idle_for(now).filter(|d| *d >= YIELD_MIN_IDLE).map(|d| ((!a.ready.load(Ordering::Acquire), d), a)))
            .max_by_key(|(key, _)| *key);
        drop(r);
        match oldest {
            Some(((handshaking, idle), activity)) => {
                tracing::debug!(handshaking, idle_ms = idle.as_millis() as u64, "connection permits all taken; the longest-idle connection yields");
                activity.asked.store(true, Ordering::Release);
                activity.yield_now.notify_waiters();
                true
            }
            None => false,
        }
    }
}

/// Tags every request of one connection with its byte budget ([`crate::grpc::Connection`])
/// and its [`Activity`], as tonic's server did with the connection's `ConnectInfo`.
#[derive(Debug, Clone)]
struct Tagged<S> {
    inner: S,
    info: crate::grpc::Connection,
    activity: Arc<Activity>,
}

impl<S, B> tower_service::Service<Request<B>> for Tagged<S>
where
    S: tower_service::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> S::Future {
        request.extensions_mut().insert(self.info.clone());
        request.extensions_mut().insert(self.activity.clone());
        self.inner.call(request)
    }
}

/// Serves every connection `incoming` yields with `service` (HTTP/2, and HTTP/1.1 too when
/// `http1`) until `signal` resolves; then stops taking connections (dropping `incoming`, which
/// closes the listener), sends GOAWAY on every open one, and resolves once all have closed.
pub async fn serve<S, B>(mut incoming: mpsc::Receiver<io::Result<Conn>>, service: S, limits: &Limits, http1: bool, signal: impl Future<Output = ()>)
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    if !http1 {
        builder = builder.http2_only();
    }
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.max_concurrent_streams)
        .keep_alive_interval(limits.keepalive_interval)
        .keep_alive_timeout(limits.keepalive_timeout)
        .max_pending_accept_reset_streams(limits.max_pending_accept_resets)
        .max_local_error_reset_streams(limits.max_local_error_resets)
        .max_header_list_size(limits.max_header_list_bytes);
    // hyper enforces its HTTP/1.1 header read timeout (30 s) only with a timer.
    builder.http1().timer(TokioTimer::new());
    let ends = Ends { age: limits.max_connection_age, idle: limits.idle_timeout };
    let (stop, stopped) = watch::channel(false);
    let mut signal = pin!(signal);
    loop {
        let conn = tokio::select! {
            () = &mut signal => break,
            conn = incoming.recv() => match conn {
                Some(Ok(conn)) => conn,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "connection not opened");
                    continue;
                }
                None => break,
            },
        };
        let activity = conn.activity();
        let tagged = Tagged { inner: service.clone(), info: conn.connect_info(), activity: activity.clone() };
        let served = builder.serve_connection(TokioIo::new(conn), TowerToHyperService::new(tagged)).into_owned();
        tokio::spawn(life(served, activity, ends, stopped.clone()));
    }
    drop(incoming);
    let _ = stop.send(true);
    drop(stopped);
    stop.closed().await;
}

/// When a connection is asked to end, besides the server's shutdown.
#[derive(Debug, Clone, Copy)]
struct Ends {
    age: Option<Duration>,
    idle: Option<Duration>,
}

/// Why a connection was asked to end (for its log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Shutdown,
    Age,
    Idle,
    Yield,
}

/// Drives one connection to its end; `stopped` turns true at shutdown, and dropping it
/// tells [`serve`] the connection is gone.
async fn life<C, E>(served: C, activity: Arc<Activity>, ends: Ends, mut stopped: watch::Receiver<bool>)
where
    C: Future<Output = Result<(), E>> + GracefulShutdown,
    E: std::fmt::Display,
{
    let mut served = pin!(served);
    let far = Duration::from_secs(100 * 365 * 24 * 3600);
    let start = tokio::time::Instant::now();
    let age = tokio::time::sleep_until(start + ends.age.unwrap_or(far));
    let mut age = pin!(age);
    let check = tokio::time::sleep_until(start + ends.idle.unwrap_or(far));
    let mut check = pin!(check);
    let close = tokio::time::sleep_until(start + far);
    let mut close = pin!(close);
    let mut asked = pin!(activity.asked());
    let mut ending: Option<Why> = None;
    let mut closing = false;
    loop {
        let why = tokio::select! {
            result = &mut served => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            changed = stopped.changed(), if ending.is_none() => match changed {
                Ok(()) if !*stopped.borrow() => continue,
                _ => Why::Shutdown,
            },
            () = &mut age, if ending.is_none() && ends.age.is_some() => Why::Age,
            () = &mut asked, if ending.is_none() => Why::Yield,
            () = &mut check, if ending.is_none() && ends.idle.is_some() => {
                let idle = ends.idle.unwrap_or(far);
                match activity.idle_for(now_ms()) {
                    Some(d) if d >= idle => Why::Idle,
                    Some(d) => {
                        check.as_mut().reset(tokio::time::Instant::now() + (idle - d));
                        continue;
                    }
                    None => {
                        check.as_mut().reset(tokio::time::Instant::now() + idle);
                        continue;
                    }
                }
            }
            () = &mut close, if closing => {
                if activity.open.load(Ordering::Acquire) == 0 {
                    tracing::debug!(reason = ?ending, "connection did not close after its GOAWAY; dropped");
                    break;
                }
                // A call came in before the GOAWAY took: it finishes, and the connection
                // closes after it (or at age + grace).
                closing = false;
                continue;
            }
        };
        tracing::debug!(reason = ?why, "GOAWAY");
        ending = Some(why);
        served.as_mut().graceful_shutdown();
        if why != Why::Shutdown && why != Why::Age {
            closing = true;
            close.as_mut().reset(tokio::time::Instant::now() + CLOSE_GRACE);
        }
    }
    drop(stopped);
}

/// A served connection that can be asked to end gracefully: lets [`life`] name hyper's
/// connection type by what it needs of it.
trait GracefulShutdown {
    fn graceful_shutdown(self: std::pin::Pin<&mut Self>);
}

impl<I, S, E, B> GracefulShutdown for hyper_util::server::conn::auto::Connection<'static, I, S, E>
where
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: hyper_util::server::conn::auto::HttpServerConnExec<S::Future, B>,
{
    fn graceful_shutdown(self: std::pin::Pin<&mut Self>) {
        hyper_util::server::conn::auto::Connection::graceful_shutdown(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock reading for the tests: late enough to be idle for a while.
    const NOW: u64 = 100_000;

    #[test]
    fn the_longest_idle_connection_yields_and_a_busy_one_never() {
        let idle = Idle::default();
        let (a, b, c, d) = (idle.register(), idle.register(), idle.register(), idle.register());
        for x in [&a, &b, &c] {
            x.opened();
        }
        let _call_a = a.enter();
        assert!(!idle.yield_one(), "none has been idle long enough");
        for x in [&b, &c, &d] {
            x.idle_since.store(1, Ordering::Release);
        }
        let fresh = idle.register();
        fresh.idle_since.store(NOW - 10, Ordering::Release);
        assert!(idle.yield_at(NOW));
        assert!(d.asked.load(Ordering::Acquire), "one still in its handshake yields first");
        // b went idle before c: stamp them apart.
        b.idle_since.store(0, Ordering::Release);
        c.idle_since.store(NOW - 2_000, Ordering::Release);
        assert!(idle.yield_at(NOW));
        assert!(b.asked.load(Ordering::Acquire), "the longest idle yields");
        assert!(!c.asked.load(Ordering::Acquire));
        assert!(idle.yield_at(NOW));
        assert!(c.asked.load(Ordering::Acquire), "then the next");
        assert!(!idle.yield_at(NOW), "a connection with a call open never yields");
        assert!(!a.asked.load(Ordering::Acquire));
        assert!(!fresh.asked.load(Ordering::Acquire), "in its handshake, but not for long enough");
        drop((b, c, d, fresh));
        assert_eq!(idle.connections.lock().unwrap().all.iter().filter(|w| w.strong_count() > 0).count(), 1);
    }

    #[test]
    fn closed_connections_are_forgotten_as_new_ones_come() {
        let idle = Idle::default();
        let open: Vec<_> = (0..10).map(|_| idle.register()).collect();
        for _ in 0..10_000 {
            drop(idle.register());
        }
        let r = idle.connections.lock().unwrap();
        assert!(r.all.len() <= 64 + 1, "{} entries for 10 open connections", r.all.len());
        assert_eq!(r.all.iter().filter(|w| w.strong_count() > 0).count(), open.len());
    }

    #[test]
    fn a_call_counts_in_and_out() {
        let a = Activity::new();
        let busy = a.enter();
        assert_eq!(a.idle_for(now_ms()), None);
        drop(busy);
        assert!(a.idle_for(now_ms()).is_some());
    }

    #[tokio::test]
    async fn asked_resolves_when_the_ask_came_first() {
        let idle = Idle::default();
        let a = idle.register();
        a.idle_since.store(0, Ordering::Release);
        assert!(idle.yield_at(NOW));
        tokio::time::timeout(Duration::from_secs(5), a.asked()).await.expect("asked before waiting still resolves");
    }
}
