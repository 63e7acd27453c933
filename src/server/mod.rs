//! Runs the service: gazette's `EntityExtractor`, `grpc.health.v1` health and reflection (v1
//! and v1alpha), with the limits of [`Limits`], over a listener the caller bound, until a
//! shutdown signal; then drains in-flight calls for at most `drain_timeout`.
//!
//! Health is NOT_SERVING until an extractor is installed ([`Handle::install`]) and again from
//! the moment shutdown starts; calls that arrive meanwhile get UNAVAILABLE. Reloads are
//! serialised and their outcome recorded for ListGazetteers ([`Handle::reload`]); the
//! directory watch ([`watch`]) is one of their triggers. [`Security`] adds TLS ([`Tls`]) and a
//! bearer token ([`crate::grpc::Token`]) on the extraction service; health and reflection stay
//! open. Signals and the command line belong to `main.rs`; the RPCs themselves to
//! [`crate::grpc`].

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tonic_health::server::{HealthReporter, HealthService};
use tonic_health::ServingStatus;

use crate::config::Limits;
use crate::error::{Error, Result};
use crate::extract::Extractor;
use crate::grpc::pb::entity_extractor_server::EntityExtractorServer;
use crate::grpc::{pb, Guard, Service, State, Token};

mod accept;
mod tls;
mod watch;

pub use crate::grpc::Reload;
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
}

impl Handle {
    /// A server state with nothing loaded: health NOT_SERVING, calls UNAVAILABLE.
    pub async fn new() -> Handle {
        let health = HealthReporter::new();
        health.set_service_status("", ServingStatus::NotServing).await;
        health.set_not_serving::<Named>().await;
        Handle { state: Arc::new(State::default()), health, reloading: Arc::default() }
    }

    /// Serves `extractor` from now on and reports SERVING.
    pub async fn install(&self, extractor: Extractor) -> Arc<Extractor> {
        let installed = self.state.install(extractor);
        self.health.set_service_status("", ServingStatus::Serving).await;
        self.health.set_serving::<Named>().await;
        installed
    }

    /// Loads `dir` again and serves it if, and only if, it loads cleanly: a bad file leaves
    /// the data already serving in place and returns the error. One reload at a time: a call
    /// made while another runs waits for it, then loads. The outcome is recorded
    /// ([`Handle::last_reload`], ListGazetteers).
    pub async fn reload(&self, dir: &Path) -> Result<Arc<Extractor>> {
        let _one_at_a_time = self.reloading.lock().await;
        let dir = dir.to_path_buf();
        let loaded = tokio::task::spawn_blocking(move || Extractor::load(&dir))
            .await
            .map_err(|e| Error::Serve(format!("reload task failed: {e}")))
            .and_then(|loaded| loaded);
        let at = std::time::SystemTime::now();
        match loaded {
            Ok(extractor) => {
                let installed = self.install(extractor).await;
                self.state.record_reload(Reload { at, error: None });
                Ok(installed)
            }
            Err(e) => {
                self.state.record_reload(Reload { at, error: Some(e.to_string()) });
                Err(e)
            }
        }
    }

    /// [`Handle::reload`], logged: for reloads nobody waits on (SIGHUP, the directory watch),
    /// named by `trigger`. A failure is logged with its file and line; the old data stays.
    pub async fn reload_logged(&self, dir: &Path, trigger: &'static str) {
        match self.reload(dir).await {
            Ok(x) => tracing::info!(trigger, version = %x.version(), entries = x.gazetteers().entries.len(), "gazetteers reloaded"),
            Err(e) => tracing::error!(trigger, error = %e, "reload failed; still serving the previous gazetteers"),
        }
    }

    /// When the gazetteer directory was last loaded by [`Handle::reload`], and the error if
    /// that load failed; `None` before the first.
    pub fn last_reload(&self) -> Option<Reload> {
        self.state.last_reload().map(|r| (*r).clone())
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

/// [`serve`] with TLS and a token as `security` says.
pub async fn serve_with(
    listener: TcpListener,
    handle: Handle,
    limits: Limits,
    security: Security,
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
    let extractor = EntityExtractorServer::new(Service::new(handle.state.clone(), limits.clone()))
        .max_decoding_message_size(limits.max_message_bytes)
        .max_encoding_message_size(limits.max_message_bytes);
    // Checks each call's token (if one is set), then reads its `grpc-timeout`, as it arrives,
    // before its message. Health and reflection are not guarded.
    let extractor = tonic::service::interceptor::InterceptedService::new(extractor, Guard::new(security.token));

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
    let incoming = tokio_stream::wrappers::ReceiverStream::new(accept::spawn(listener, &limits, security.tls));
    let server = tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .max_concurrent_streams(limits.max_concurrent_streams)
        .http2_max_header_list_size(limits.max_header_list_bytes)
        .http2_max_pending_accept_reset_streams(Some(limits.max_pending_accept_resets))
        .http2_max_local_error_reset_streams(Some(limits.max_local_error_resets))
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(std::time::Duration::from_secs(10)))
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(extractor)
        .serve_with_incoming_shutdown(incoming, signal);
    let deadline = async {
        draining.notified().await;
        tokio::time::sleep(limits.drain_timeout).await;
    };
    let mut server = std::pin::pin!(server);
    tokio::select! {
        result = &mut server => return result.map_err(|e| Error::Serve(e.to_string())),
        () = deadline => {}
    }
    // The calls still open end with UNAVAILABLE; their connections then close gracefully. A
    // peer that does not read its statuses is dropped after a short grace.
    tracing::warn!(timeout = ?limits.drain_timeout, "drain timed out; ending the remaining calls with UNAVAILABLE");
    handle.state.cut();
    match tokio::time::timeout(CUT_GRACE, server).await {
        Ok(result) => result.map_err(|e| Error::Serve(e.to_string())),
        Err(_) => {
            tracing::warn!(grace = ?CUT_GRACE, "connections still open after the cut; closing them");
            Ok(())
        }
    }
}
