//! Runs the service: gazette's `EntityExtractor`, `grpc.health.v1` health and reflection (v1
//! and v1alpha), and on the same port JSON over HTTP and the page ([`Http`],
//! [`crate::grpc::http`]), with the limits of [`Limits`], over a listener the caller bound,
//! until a shutdown signal; then drains in-flight calls for at most `drain_timeout`.
//!
//! Health is NOT_SERVING until an extractor is installed ([`Handle::install`]) and again from
//! the moment shutdown starts; calls that arrive meanwhile get UNAVAILABLE. Every call passes
//! through [`calls`] (metrics, access log, request ids, the cap on calls in flight); the
//! metrics are served by [`serve_metrics`] on an address of their own. Reloads are
//! serialised and their outcome recorded for ListGazetteers ([`Handle::reload`]); the
//! directory watch ([`watch`]) is one of their triggers. [`Security`] adds TLS ([`Tls`]) and a
//! bearer token ([`crate::grpc::Token`]) on the extraction service; health and reflection stay
//! open. Signals and the command line belong to `main.rs`; the RPCs themselves to
//! [`crate::grpc`].

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tokio::sync::Notify;
use tonic_health::server::{HealthReporter, HealthService};
use tonic_health::ServingStatus;

use crate::config::Limits;
use crate::error::{Error, Result};
use crate::extract::Extractor;
use crate::gazetteer::Folders;
use crate::grpc::pb::entity_extractor_server::EntityExtractorServer;
use crate::grpc::{pb, Guard, Service, State, Token};

mod accept;
mod calls;
mod connection;
mod metrics;
mod tls;
mod watch;

pub use crate::grpc::Reload;
pub use metrics::Metrics;
pub use tls::Tls;
pub use watch::{watch, Watch, QUIET};

/// How long connections have, after the drain deadline, to receive the UNAVAILABLE statuses
/// of their cut calls before they are dropped.
const CUT_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

type Named = EntityExtractorServer<Service>;

/// What the process keeps to change the running server: install or reload the gazetteers.
#[derive(Debug, Clone)]
pub struct Handle {
    state: Arc<State>,
    health: HealthReporter,
    /// Held for the whole of a reload: a SIGHUP and a watch event never load at once.
    reloading: Arc<tokio::sync::Mutex<()>>,
    metrics: Arc<Metrics>,
}

impl Handle {
    /// A server state with nothing loaded: health NOT_SERVING, calls UNAVAILABLE.
    pub async fn new() -> Handle {
        let health = HealthReporter::new();
        health.set_service_status("", ServingStatus::NotServing).await;
        health.set_not_serving::<Named>().await;
        Handle { state: Arc::new(State::default()), health, reloading: Arc::default(), metrics: Arc::default() }
    }

    /// Serves `extractor` from now on and reports SERVING.
    pub async fn install(&self, extractor: Extractor) -> Arc<Extractor> {
        self.install_loaded(extractor, None).await
    }

    /// [`Handle::install`], with how long the load took when known (for the metrics).
    async fn install_loaded(&self, extractor: Extractor, took: Option<std::time::Duration>) -> Arc<Extractor> {
        self.metrics.installed(&extractor, took);
        let installed = self.state.install(extractor);
        self.health.set_service_status("", ServingStatus::Serving).await;
        self.health.set_serving::<Named>().await;
        installed
    }

    /// Loads `from` (a folder, or the defaults and the user's folder: [`Folders`]) again and
    /// serves it if, and only if, it loads cleanly: a bad file leaves
    /// the data already serving in place and returns the error. One reload at a time: a call
    /// made while another runs waits for it, then loads. The outcome is recorded
    /// ([`Handle::last_reload`], ListGazetteers) and counted in the metrics
    /// (`gazette_reloads_total`) whatever asks for it: the first load, SIGHUP, the watch.
    pub async fn reload(&self, from: impl Into<Folders>) -> Result<Arc<Extractor>> {
        let folders: Folders = from.into();
        let _one_at_a_time = self.reloading.lock().await;
        let started = Instant::now();
        let loaded = tokio::task::spawn_blocking(move || Extractor::load_folders(&folders))
            .await
            .map_err(|e| Error::Serve(format!("reload task failed: {e}")))
            .and_then(|loaded| loaded);
        let at = std::time::SystemTime::now();
        match loaded {
            Ok(extractor) => {
                let installed = self.install_loaded(extractor, Some(started.elapsed())).await;
                self.state.record_reload(Reload { at, error: None });
                Ok(installed)
            }
            Err(e) => {
                self.metrics.load_failed();
                self.state.record_reload(Reload { at, error: Some(e.to_string()) });
                Err(e)
            }
        }
    }

    /// [`Handle::reload`], logged: for reloads nobody waits on (SIGHUP, the directory watch),
    /// named by `trigger`. A failure is logged with its file and line; the old data stays.
    pub async fn reload_logged(&self, from: impl Into<Folders>, trigger: &'static str) {
        match self.reload(from).await {
            Ok(x) => tracing::info!(trigger, version = %x.version(), entries = x.gazetteers().entries.len(), "gazetteers reloaded"),
            Err(e) => tracing::error!(trigger, error = %e, "reload failed; still serving the previous gazetteers"),
        }
    }

    /// When the gazetteer directory was last loaded by [`Handle::reload`], and the error if
    /// that load failed; `None` before the first.
    pub fn last_reload(&self) -> Option<Reload> {
        self.state.last_reload().map(|r| (*r).clone())
    }

    /// The server's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// How many extractions run on blocking threads now, as it changes (large texts; see
    /// `--extract-threads`): for tests and metrics.
    pub fn running(&self) -> tokio::sync::watch::Receiver<usize> {
        self.state.running()
    }

    /// The extractor being served, if any.
    pub fn current(&self) -> Option<Arc<Extractor>> {
        self.state.current()
    }
}

/// Binds `addr`, a `host:port` whose host may be a name (`localhost:50051`): the first of its
/// addresses that binds.
pub async fn bind(addr: &str) -> Result<TcpListener> {
    let resolved = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| Error::Serve(format!("cannot resolve {addr:?}: {e}; give host:port, e.g. 0.0.0.0:50051 or localhost:50051")))?;
    let mut failed = Vec::new();
    for a in resolved {
        match TcpListener::bind(a).await {
            Ok(listener) => return Ok(listener),
            Err(e) => failed.push(format!("{a}: {e}")),
        }
    }
    Err(Error::Serve(match failed.is_empty() {
        true => format!("{addr:?} resolves to no address"),
        false => format!("cannot listen on {addr:?}: {}", failed.join("; ")),
    }))
}

/// Serves the metrics of `handle` (`GET /metrics`) on `listener` until `shutdown` resolves.
pub async fn serve_metrics(listener: TcpListener, handle: Handle, shutdown: impl Future<Output = ()>) {
    metrics::serve(listener, handle.metrics, shutdown).await
}

/// Who may connect and call: TLS on every connection, a bearer token on the extraction
/// service. The default is neither (plaintext, no token).
#[derive(Debug, Clone, Default)]
pub struct Security {
    pub tls: Option<Tls>,
    pub token: Option<Token>,
}

/// Serves on `listener` until `shutdown` resolves, then drains; plaintext, no token.
pub async fn serve(
    listener: TcpListener,
    handle: Handle,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_with(listener, handle, limits, Security::default(), shutdown).await
}

/// What the server answers on its port beside gRPC: JSON over HTTP (HTTP/1.1 and HTTP/2, the
/// `/v1/extract` routes; on by default) and the page at `GET /` (off by default; the command
/// line turns it on for a loopback address).
#[derive(Debug, Clone, Copy)]
pub struct Http {
    pub json: bool,
    pub page: bool,
}

impl Default for Http {
    fn default() -> Http {
        Http { json: true, page: false }
    }
}

/// [`serve`] with TLS and a token as `security` says.
pub async fn serve_with(
    listener: TcpListener,
    handle: Handle,
    limits: Limits,
    security: Security,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_with_http(listener, handle, limits, security, Http::default(), shutdown).await
}

/// [`serve_with`], with JSON over HTTP and the page as `http` says.
pub async fn serve_with_http(
    listener: TcpListener,
    handle: Handle,
    limits: Limits,
    security: Security,
    http: Http,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1().map_err(|e| Error::Serve(e.to_string()))?;
    let reflection_v1alpha = reflection().build_v1alpha().map_err(|e| Error::Serve(e.to_string()))?;
    let health = tonic_health::pb::health_server::HealthServer::new(HealthService::from_health_reporter(handle.health.clone()));
    let service = Service::new(handle.state.clone(), limits.clone());
    let arriving = service.arriving();
    let extractor = EntityExtractorServer::new(service.clone())
        .max_decoding_message_size(limits.max_message_bytes)
        .max_encoding_message_size(limits.max_message_bytes)
        .accept_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Zstd)
        .send_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Zstd);
    // Checks each call's token (if one is set), then reads its `grpc-timeout`, as it arrives,
    // before its message, capped by the server's maximum. Health and reflection are not
    // guarded.
    let deadlines = crate::grpc::Deadlines { max: limits.max_call_duration };
    let guard = Guard::new(security.token, deadlines);
    let extractor = tonic::service::interceptor::InterceptedService::new(extractor, guard.clone());
    // gRPC by its paths (`/<service>/<method>`), JSON over HTTP and the page beside it on
    // theirs, sharing the service (and so its budgets), the guard and the call layer; any
    // other path gets UNIMPLEMENTED (gRPC) or a JSON 404.
    let mut routes = tonic::service::Routes::builder();
    routes.add_service(health).add_service(reflection_v1).add_service(reflection_v1alpha).add_service(extractor);
    let mut router = routes.routes().into_axum_router();
    if http.json || http.page {
        router = router.merge(crate::grpc::http::router(service, guard, http.json, http.page)?);
    }
    let router = router.fallback(crate::grpc::http::fallback);

    let draining = Arc::new(Notify::new());
    let signal = {
        let (handle, draining) = (handle.clone(), draining.clone());
        async move {
            shutdown.await;
            tracing::info!("shutting down: health NOT_SERVING, new calls UNAVAILABLE, draining in-flight calls");
            handle.state.drain();
            handle.health.set_service_status("", ServingStatus::NotServing).await;
            handle.health.set_not_serving::<Named>().await;
            draining.notify_one();
        }
    };
    // HTTP/1.1 beside HTTP/2 only for JSON and the page: otherwise a connection must open
    // with the HTTP/2 preface, as gRPC does.
    let http1 = http.json || http.page;
    let tls = match (security.tls, http1) {
        (Some(tls), true) => Some(tls.with_http1()),
        (tls, _) => tls,
    };
    let incoming = accept::spawn(listener, &limits, tls, http1);
    let layer = calls::Layer::new(handle.metrics.clone(), limits.max_calls_in_flight, limits.max_connection_calls_in_flight, limits.response_stall_timeout).arriving(arriving);
    let service = tower_layer::Layer::layer(&layer, tonic::service::Routes::from(router).prepare());
    let server = connection::serve(incoming, service, &limits, http1, signal);
    let deadline = async {
        draining.notified().await;
        tokio::time::sleep(limits.drain_timeout).await;
    };
    let mut server = std::pin::pin!(server);
    tokio::select! {
        () = &mut server => return Ok(()),
        () = deadline => {}
    }
    // The calls still open end with UNAVAILABLE; their connections then close gracefully. A
    // peer that does not read its statuses is dropped after a short grace.
    tracing::warn!(timeout = ?limits.drain_timeout, "drain timed out; ending the remaining calls with UNAVAILABLE");
    handle.state.cut();
    match tokio::time::timeout(CUT_GRACE, server).await {
        Ok(()) => Ok(()),
        Err(_) => {
            tracing::warn!(grace = ?CUT_GRACE, "connections still open after the cut; closing them");
            Ok(())
        }
    }
}
