//! Accepting connections, with the limits a server open to a room (or a network) needs.
//!
//! warp's own server takes whatever comes: a connection that never sends its request stays
//! open for good, a thousand of them use up the process's file descriptors, a client that
//! stops reading holds its unsent events in memory, and a clean stop waits for all of them.
//! So debrief accepts connections itself and hands each to hyper with:
//! - a **header-read timeout**: a request's headers must arrive within [`Limits::headers`],
//!   and an idle keep-alive connection is closed after as long;
//! - a **connection limit**: past [`Limits::connections`], a new connection is closed at once
//!   (the descriptor limit is raised first where the system allows);
//! - a **write-stall timeout**: a client that reads nothing for [`Limits::stalled`] is
//!   dropped, so an event stream nobody reads cannot pile up; the page reconnects and fetches
//!   the state;
//! - a **bounded stop**: once the stop signal comes, no connection is accepted, and those
//!   still open get [`Limits::stop`] to finish before they are closed.
//!
//! Each request carries the client's address as a [`Client`] extension, for rate limits.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The address a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client(pub SocketAddr);

/// The limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub headers: Duration,
    pub connections: usize,
    pub stalled: Duration,
    pub stop: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            headers: Duration::from_secs(10),
            connections: connection_limit(),
            stalled: Duration::from_secs(30),
            stop: Duration::from_secs(4),
        }
    }
}

/// How many connections to take at once: 4,096, or fewer when the process may not open that
/// many files (some are kept for the incident's files, logs and the journal). Raises the
/// soft limit on open files to the hard one first.
fn connection_limit() -> usize {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        let mut soft = limit.current.unwrap_or(u64::MAX);
        let wanted = limit.maximum.unwrap_or(u64::MAX).min(65_536);
        if soft < wanted {
            let raised = rustix::process::Rlimit {
                current: Some(wanted),
                maximum: limit.maximum,
            };
            if setrlimit(Resource::Nofile, raised).is_ok() {
                soft = wanted;
            }
        }
        (soft.saturating_sub(256) as usize).clamp(64, 4096)
    }
    #[cfg(not(unix))]
    {
        1024
    }
}

/// Serves `service` on `listener` until `stop` completes, within `limits`.
pub async fn serve<S, B>(
    listener: TcpListener,
    service: S,
    stop: impl Future<Output = ()>,
    limits: Limits,
) where
    S: tower_service::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<B>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.connections));
    let mut stop = std::pin::pin!(stop);
    let mut last_warning: Option<tokio::time::Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors, or the peer gave up before the accept: wait a
                    // moment rather than spin.
                    tracing::debug!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(stream);
            if last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                last_warning = Some(tokio::time::Instant::now());
                tracing::warn!(
                    "{} connections are open, the most debrief takes; refusing new ones until some close",
                    limits.connections
                );
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Stalling::new(stream, limits.stalled));
        let inner = service.clone();
        let per_request = hyper::service::service_fn(move |mut request| {
            request.extensions_mut().insert(Client(peer));
            let mut inner = inner.clone();
            async move { tower_service::Service::call(&mut inner, request).await }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.headers)
            .serve_connection(io, per_request);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // A client that goes away, or times out, is not the server's error.
                tracing::debug!("connection from {peer}: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.stop) => {
            tracing::debug!("closing the connections still open");
        }
    }
}

/// A stream whose writes fail once they have waited `limit` for the client to read.
struct Stalling {
    stream: TcpStream,
    limit: Duration,
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Stalling {
    fn new(stream: TcpStream, limit: Duration) -> Stalling {
        Stalling {
            stream,
            limit,
            waiting: None,
        }
    }

    /// Passes a ready write through; for a pending one, starts or checks the clock.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(result) => {
                self.waiting = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let limit = self.limit;
                let timer = self
                    .waiting
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client stopped reading",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
