//! The accept loop in front of the connections: a cap on open connections and who yields at
//! it, a deadline for the TLS handshake and the HTTP/2 preface, and a back-off on accept
//! errors.
//!
//! A failed `accept` is retried after a pause, not at once (at the file-descriptor limit,
//! EMFILE, retrying at once spins a core). A connection is handed on only once its first 24
//! bytes are the HTTP/2 preface (gRPC is HTTP/2 with prior knowledge) or, when JSON over HTTP
//! is on, once its first bytes are those of an HTTP/1.1 request (a method in capitals; hyper's
//! own header read timeout, 30 s, then bounds the rest of its headers and every idle wait
//! between requests), and it holds a permit of the connection cap for as long as it is open.
//! At the cap, the new connection takes the permit of one with no call open
//! ([`Idle::yield_one`]): one still in its handshake first, else the one idle the longest,
//! which gets GOAWAY; so idle pools and silent sockets cannot lock new clients out. Each
//! connection gets its own byte budget ([`crate::grpc::Connection`]), handed to every call
//! made on it, and, with a maximum connection age and grace, a hard end:
//! [`super::connection`] sends GOAWAY at the age, and a connection still open at age + grace
//! fails its next read or write, which closes it. What happens on a connection otherwise
//! belongs to [`super::connection`] and hyper.
//!
//! With TLS ([`super::tls`]) the preface is only visible after the handshake: each
//! connection's task runs the handshake, then reads the first bytes through TLS the same way
//! and hands them to hyper again before the rest; both within the one handshake timeout, off the accept loop, so
//! a slow or silent client holds only its own task and its permit. A plaintext client at a TLS
//! server fails the handshake and is closed.
//!
//! Writes are coalesced. h2 flushes a large DATA frame on its own before it buffers the
//! next frame, so every unary response cost two `writev` calls: headers and message, then a
//! 10-byte trailers frame; on loopback each send also runs the receiver's TCP path and wakes
//! it, a fifth of the server's time. [`Conn`] copies what hyper writes into one buffer and
//! holds a flush back by one turn of the scheduler: the connection task is woken again at
//! once, so the trailers, and the responses of any other calls finished in the meantime, go
//! out in the same write. A turn is all the delay there is: the next flush writes, and a
//! buffer past [`COALESCE_BYTES`] is written without waiting.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tonic::transport::server::Connected;

use super::connection::{Activity, Idle};
use super::tls::Tls;
use crate::config::Limits;
use crate::grpc::Connection;

/// What every HTTP/2 connection sends first (RFC 9113, section 3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Bytes held for a coalesced write at most; more is written at once.
const COALESCE_BYTES: usize = 64 * 1024;

/// The write buffer's capacity a connection keeps between writes: enough for a few ordinary
/// responses; at the default cap of 1,024 connections at most 32 MiB in all.
const KEEP_BYTES: usize = 32 * 1024;

/// How often a connection waiting for a permit asks again for one to yield, while every open
/// connection has a call.
const YIELD_RETRY: Duration = Duration::from_millis(100);

/// The first and the longest pause after a failed `accept`.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

/// The first bytes of a connection, read to tell what it speaks, and handed to hyper before
/// the rest.
#[derive(Debug, Clone, Copy, Default)]
struct Head {
    bytes: [u8; PREFACE.len()],
    len: usize,
    /// How many of them hyper has read.
    replayed: usize,
}

/// An accepted connection that sent the preface (or, with HTTP/1.1 on, the start of a
/// request); the permit is released when it closes.
#[derive(Debug)]
pub struct Conn {
    stream: Stream,
    /// What was read to check the opening, not yet all handed to hyper.
    head: Head,
    _permit: OwnedSemaphorePermit,
    info: Connection,
    /// Its calls, and whether it was asked to yield its permit ([`Idle`]).
    activity: Arc<Activity>,
    /// When the connection is closed whatever it is doing: its maximum age plus grace.
    end: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Bytes hyper wrote that are not on the socket yet; `out[sent..]` remains.
    out: Vec<u8>,
    sent: usize,
    /// A flush was held back: the next one writes.
    held: bool,
}

impl Conn {
    /// What the connection is doing, for [`super::connection`].
    pub fn activity(&self) -> Arc<Activity> {
        self.activity.clone()
    }

    /// Writes the held bytes to the socket.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.out.len() {
            let rest = &self.out[self.sent..];
            let n = std::task::ready!(match &mut self.stream {
                Stream::Plain(s) => Pin::new(s).poll_write(cx, rest),
                Stream::Tls(s) => Pin::new(s).poll_write(cx, rest),
            })?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.out.clear();
        self.sent = 0;
        self.held = false;
        if self.out.capacity() > KEEP_BYTES {
            // A large response passed through: keep an idle connection small.
            self.out = Vec::new();
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `bufs` into the buffer, first writing it out if it is full.
    fn poll_hold(&mut self, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        self.ended(cx)?;
        if self.out.len() - self.sent >= COALESCE_BYTES {
            std::task::ready!(self.poll_drain(cx))?;
        }
        let mut n = 0;
        for b in bufs {
            self.out.extend_from_slice(b);
            n += b.len();
        }
        Poll::Ready(Ok(n))
    }

    /// Err once the connection's end has come (and from then on).
    fn ended(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if let Some(end) = &mut self.end {
            if end.as_mut().poll(cx).is_ready() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "connection reached its maximum age and grace"));
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// Accepts on `listener` until the returned receiver is dropped (tonic drops it when it stops
/// accepting, at shutdown): at most `max_connections` open at once (beyond, new ones wait in
/// the listen backlog), each admitted only once it sent the preface (or, when `http1`, the
/// start of an HTTP/1.1 request) within the handshake timeout.
pub fn spawn(listener: TcpListener, limits: &Limits, tls: Option<Tls>, http1: bool) -> mpsc::Receiver<io::Result<Conn>> {
    let (max_connections, handshake, budget) = (limits.max_connections, limits.handshake_timeout, limits.max_connection_bytes_in_flight);
    let lifetime = limits.max_connection_age.zip(limits.max_connection_age_grace).map(|(age, grace)| age.saturating_add(grace));
    let (tx, rx) = mpsc::channel(16);
    let permits = Arc::new(Semaphore::new(max_connections.max(1)));
    let idle = Arc::new(Idle::default());
    tokio::spawn(async move {
        let mut pause = BACKOFF.0;
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = tx.closed() => return,
            };
            let (stream, peer) = match accepted {
                Ok((stream, peer)) => {
                    pause = BACKOFF.0;
                    (stream, peer)
                }
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS...: retrying at once would spin while nothing
                    // can change; wait, longer each time, for connections to close.
                    tracing::warn!(error = %e, pause_ms = pause.as_millis() as u64, "accept failed; pausing");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(BACKOFF.1);
                    continue;
                }
            };
            // A permit for it: when all are taken, the connection idle the longest (one still
            // in its handshake first) is asked to yield its own; when every connection has a
            // call open, this one waits for one to close, and the connections behind it wait
            // in the listen backlog.
            let permit = match permits.clone().try_acquire_owned() {
                Ok(p) => p,
                Err(_) => {
                    // Asked again while none yielded: a connection whose call ends becomes
                    // idle, and so the next to yield.
                    let mut asked = idle.yield_one();
                    let mut again = tokio::time::interval(YIELD_RETRY);
                    again.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tokio::select! {
                            permit = permits.clone().acquire_owned() => match permit {
                                Ok(p) => break p,
                                Err(_) => return,
                            },
                            _ = again.tick(), if !asked => asked = idle.yield_one(),
                            () = tx.closed() => return,
                        }
                    }
                }
            };
            let activity = idle.register();
            let _ = stream.set_nodelay(true);
            let (tx, tls) = (tx.clone(), tls.clone());
            tokio::spawn(async move {
                let opened = async {
                    match tls {
                        None => {
                            let mut stream = stream;
                            opening(&mut stream, http1).await.map(|head| (Stream::Plain(stream), head))
                        }
                        Some(tls) => {
                            let mut stream = tls.acceptor().accept(stream).await?;
                            let head = opening(&mut stream, http1).await?;
                            Ok((Stream::Tls(Box::new(stream)), head))
                        }
                    }
                };
                let opened = async {
                    tokio::select! {
                        opened = opened => opened,
                        () = activity.asked() => Err(io::Error::new(io::ErrorKind::ConnectionAborted, "yielded its permit to a newer connection")),
                    }
                };
                match tokio::time::timeout(handshake, opened).await {
                    Ok(Ok((stream, head))) => {
                        activity.opened();
                        let end = lifetime.map(|d| Box::pin(tokio::time::sleep(d)));
                        let conn = Conn {
                            stream,
                            head,
                            _permit: permit,
                            info: Connection::new(budget, Some(peer)),
                            activity,
                            end,
                            out: Vec::new(),
                            sent: 0,
                            held: false,
                        };
                        let _ = tx.send(Ok(conn)).await;
                    }
                    Ok(Err(e)) => tracing::debug!(error = %e, "connection closed before its TLS handshake or HTTP/2 preface completed"),
                    Err(_) => tracing::debug!(timeout = ?handshake, "no TLS handshake or HTTP/2 preface in time; connection closed"),
                }
            });
        }
    });
    rx
}

/// Reads the first bytes and checks that they are the HTTP/2 preface or, when `http1`, the
/// start of an HTTP/1.1 request (an upper-case letter, the first of its method, where the
/// preface has another byte); the connection replays them to hyper, which reads the rest. A
/// client that sends part of the preface and waits costs nothing while it waits (the read
/// sleeps until more bytes come), and a wrong byte closes it at once.
async fn opening<S: AsyncRead + Unpin>(stream: &mut S, http1: bool) -> io::Result<Head> {
    let mut head = Head::default();
    while head.len < PREFACE.len() {
        let read = stream.read(&mut head.bytes[head.len..]).await?;
        if read == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        head.len += read;
        if head.bytes[..head.len] != PREFACE[..head.len] {
            if http1 && head.bytes[0].is_ascii_uppercase() {
                return Ok(head);
            }
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not an HTTP/2 preface"));
        }
    }
    Ok(head)
}

impl Connected for Conn {
    type ConnectInfo = Connection;

    fn connect_info(&self) -> Connection {
        self.info.clone()
    }
}

impl AsyncRead for Conn {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.ended(cx)?;
        let head = &mut self.head;
        if head.replayed < head.len {
            let rest = &head.bytes[head.replayed..head.len];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            head.replayed += n;
            return Poll::Ready(Ok(()));
        }
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_hold(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        self.poll_hold(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.sent < self.out.len() {
            if !self.held && self.out.len() - self.sent < COALESCE_BYTES {
                // Hold the bytes for one turn: h2 flushes after every large frame, and the
                // frames that follow (trailers, other responses) come in this poll or the
                // next. The wake makes sure there is a next one.
                self.held = true;
                cx.waker().wake_by_ref();
                return Poll::Ready(Ok(()));
            }
            self.ended(cx)?;
            std::task::ready!(self.poll_drain(cx))?;
        }
        self.held = false;
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_drain(cx))?;
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    /// Counts its wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A `Conn` over a real loopback connection, and the client's end of it.
    async fn pair() -> (Conn, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        let permit = Arc::new(Semaphore::new(1)).acquire_owned().await.unwrap();
        let conn = Conn {
            stream: Stream::Plain(server),
            head: Head::default(),
            _permit: permit,
            info: Connection::new(1 << 20, Some(peer)),
            activity: Idle::default().register(),
            end: None,
            out: Vec::new(),
            sent: 0,
            held: false,
        };
        (conn, client)
    }

    /// What the client can read without waiting (the server's writes to loopback are there
    /// once they returned).
    async fn received(client: &TcpStream) -> Vec<u8> {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match client.try_read(&mut buf) {
                Ok(0) => return got,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return got,
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// Polls `f` once; it must be ready.
    fn now<T>(f: Poll<io::Result<T>>) -> T {
        match f {
            Poll::Ready(r) => r.unwrap(),
            Poll::Pending => panic!("pending"),
        }
    }

    #[tokio::test]
    async fn a_flush_is_held_one_turn_and_the_next_frames_go_with_it() {
        let (mut conn, client) = pair().await;
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut conn = Pin::new(&mut conn);

        assert_eq!(now(conn.as_mut().poll_write_vectored(&mut cx, &[io::IoSlice::new(b"head"), io::IoSlice::new(b"data")])), 8);
        now(conn.as_mut().poll_flush(&mut cx));
        // Held: nothing on the wire, and the task is woken so that a next flush comes.
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(received(&client).await, b"");

        assert_eq!(now(conn.as_mut().poll_write(&mut cx, b"trailers")), 8);
        now(conn.as_mut().poll_flush(&mut cx));
        tokio::task::yield_now().await;
        assert_eq!(received(&client).await, b"headdatatrailers");
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "a flush that wrote does not wake");

        // A held flush with nothing after it is written by the next flush alone.
        now(conn.as_mut().poll_write(&mut cx, b"ping"));
        now(conn.as_mut().poll_flush(&mut cx));
        assert_eq!(received(&client).await, b"");
        now(conn.as_mut().poll_flush(&mut cx));
        tokio::task::yield_now().await;
        assert_eq!(received(&client).await, b"ping");
        // An empty flush holds nothing.
        now(conn.as_mut().poll_flush(&mut cx));
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_full_buffer_and_a_shutdown_write_at_once() {
        let (mut conn, client) = pair().await;
        let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let mut conn = Pin::new(&mut conn);
        let big = vec![7u8; COALESCE_BYTES];
        now(conn.as_mut().poll_write(&mut cx, &big));
        // Past the cap: this flush writes instead of holding.
        now(conn.as_mut().poll_flush(&mut cx));
        tokio::task::yield_now().await;
        let mut got = received(&client).await;
        while got.len() < big.len() {
            client.readable().await.unwrap();
            got.extend(received(&client).await);
        }
        assert_eq!(got, big);

        now(conn.as_mut().poll_write(&mut cx, b"last words"));
        now(conn.as_mut().poll_shutdown(&mut cx));
        let mut rest = Vec::new();
        loop {
            client.readable().await.unwrap();
            let mut buf = [0u8; 64];
            match client.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => rest.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(rest, b"last words");
    }
}
