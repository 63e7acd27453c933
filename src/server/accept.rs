//! The accept loop in front of tonic: a cap on open connections, a deadline for the TLS
//! handshake and the HTTP/2 preface, and a back-off on accept errors.
//!
//! tonic's own loop retries a failed `accept` at once, so at the file-descriptor limit
//! (EMFILE) it spins a core; and it hands every TCP connection to hyper, which waits for the
//! preface for ever. Here a connection is handed on only once its first 24 bytes are the
//! HTTP/2 preface (gazette speaks HTTP/2 with prior knowledge only), and it holds a permit of
//! the connection cap for as long as it is open. Each connection gets its own byte budget
//! ([`crate::grpc::Connection`]), which tonic hands to every call made on it, and, with a
//! maximum connection age and grace, a hard end: tonic sends GOAWAY at the age (see
//! [`super::serve`]), and a connection still open at age + grace fails its next read or write,
//! which closes it. (tonic's own grace does not do this: given one, it sends no GOAWAY at all
//! and only drops the connection at age + grace.) What happens on a connection otherwise
//! belongs to hyper and tonic ([`super::serve`] sets their limits).
//!
//! With TLS ([`super::tls`]) the preface is only visible after the handshake: each
//! connection's task runs the handshake, then reads the 24 bytes through TLS and hands them to
//! hyper again before the rest; both within the one handshake timeout, off the accept loop, so
//! a slow or silent client holds only its own task and its permit. A plaintext client at a TLS
//! server fails the handshake and is closed.

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

use super::tls::Tls;
use crate::config::Limits;
use crate::grpc::Connection;

/// What every HTTP/2 connection sends first (RFC 9113, section 3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The first and the longest pause after a failed `accept`.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

/// An accepted connection that sent the preface; the permit is released when it closes.
#[derive(Debug)]
pub struct Conn {
    stream: Stream,
    /// Preface bytes read (through TLS) to check them, not yet handed to hyper: the last
    /// `replay` bytes of [`PREFACE`].
    replay: usize,
    _permit: OwnedSemaphorePermit,
    info: Connection,
    /// When the connection is closed whatever it is doing: its maximum age plus grace.
    end: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Conn {
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
/// the listen backlog), each admitted only once it sent the preface within the handshake
/// timeout.
pub fn spawn(listener: TcpListener, limits: &Limits, tls: Option<Tls>) -> mpsc::Receiver<io::Result<Conn>> {
    let (max_connections, handshake, budget) = (limits.max_connections, limits.handshake_timeout, limits.max_connection_bytes_in_flight);
    let lifetime = limits.max_connection_age.zip(limits.max_connection_age_grace).map(|(age, grace)| age.saturating_add(grace));
    let (tx, rx) = mpsc::channel(16);
    let permits = Arc::new(Semaphore::new(max_connections.max(1)));
    tokio::spawn(async move {
        let mut pause = BACKOFF.0;
        loop {
            let permit = tokio::select! {
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => return,
                },
                () = tx.closed() => return,
            };
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
                    drop(permit);
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(BACKOFF.1);
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let (tx, tls) = (tx.clone(), tls.clone());
            tokio::spawn(async move {
                let opened = async {
                    match tls {
                        None => preface(&stream).await.map(|()| (Stream::Plain(stream), 0)),
                        Some(tls) => {
                            let mut stream = tls.acceptor().accept(stream).await?;
                            let mut buf = [0u8; PREFACE.len()];
                            stream.read_exact(&mut buf).await?;
                            if buf != *PREFACE {
                                return Err(io::Error::new(io::ErrorKind::InvalidData, "not an HTTP/2 preface"));
                            }
                            Ok((Stream::Tls(Box::new(stream)), PREFACE.len()))
                        }
                    }
                };
                match tokio::time::timeout(handshake, opened).await {
                    Ok(Ok((stream, replay))) => {
                        let end = lifetime.map(|d| Box::pin(tokio::time::sleep(d)));
                        let conn = Conn { stream, replay, _permit: permit, info: Connection::new(budget, Some(peer)), end };
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

/// Waits until the first 24 bytes have arrived (without consuming them: hyper reads them
/// again) and checks that they are the HTTP/2 preface.
async fn preface(stream: &TcpStream) -> io::Result<()> {
    let mut buf = [0u8; PREFACE.len()];
    loop {
        stream.readable().await?;
        let n = stream.peek(&mut buf).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        if buf[..n] != PREFACE[..n] {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not an HTTP/2 preface"));
        }
        if n == PREFACE.len() {
            return Ok(());
        }
        // Part of the preface: `readable` would answer at once; give the rest a moment.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
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
        if self.replay > 0 {
            let rest = &PREFACE[PREFACE.len() - self.replay..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            self.replay -= n;
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
        self.ended(cx)?;
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        self.ended(cx)?;
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.stream {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }
}
