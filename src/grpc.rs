//! The gRPC adapter: generated `gazette.v1` code, the `EntityExtractor` service over the
//! engine, and the one mapping from [`Error`] to [`tonic::Status`].
//!
//! Each RPC validates its request, calls [`Extractor::extract`], and converts the result.
//! The engine is swapped atomically on reload ([`State::install`]); a call keeps the extractor
//! it started with. Server concerns (listening, health, reflection, shutdown) live in
//! [`crate::server`].

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use futures_util::{Stream, StreamExt};
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

    /// The encoded descriptor set of `gazette.v1`, for reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gazette_descriptor.bin"));
}

/// Texts at least this large are extracted on the blocking pool, so that one large document
/// does not stall the other calls on a runtime worker.
const BLOCKING_TEXT_BYTES: usize = 64 * 1024;

/// What the service serves from: the current extractor (none until the gazetteers are
/// loaded), whether the server is draining, and whether the drain deadline has passed.
#[derive(Debug)]
pub struct State {
    extractor: ArcSwapOption<Extractor>,
    draining: AtomicBool,
    cut: tokio::sync::watch::Sender<bool>,
}

impl Default for State {
    fn default() -> State {
        State { extractor: ArcSwapOption::empty(), draining: AtomicBool::new(false), cut: tokio::sync::watch::Sender::new(false) }
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

    /// From now on new calls get UNAVAILABLE.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// The drain deadline has passed: every call still open ends now with UNAVAILABLE, a
    /// status the client can act on (retry elsewhere) rather than a reset connection.
    pub fn cut(&self) {
        self.cut.send_replace(true);
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

/// `stream` until the server cuts the open calls, then one UNAVAILABLE status to end it;
/// `admission` is held until the stream ends or is dropped.
fn until_cut<T: Send + 'static>(state: &State, stream: BoxStream<T>, admission: Option<Admission>) -> BoxStream<T> {
    let cut: Pin<Box<dyn std::future::Future<Output = ()> + Send>> = Box::pin(state.cut_off());
    Box::pin(futures_util::stream::unfold((stream, cut, admission, false), |(mut stream, mut cut, admission, done)| async move {
        if done {
            return None;
        }
        tokio::select! {
            biased;
            () = &mut cut => Some((Err(cut_status()), (stream, cut, admission, true))),
            item = stream.next() => item.map(|item| (item, (stream, cut, admission, false))),
        }
    }))
}

/// The `EntityExtractor` service.
#[derive(Debug, Clone)]
pub struct Service {
    state: Arc<State>,
    limits: Arc<Limits>,
    /// Text bytes in flight, over all connections: a document holds its share from admission
    /// until its response is handed over (`Extract`, a batch document) or fully read by the
    /// client (`ExtractStream`), so that slow readers cannot pin memory without bound.
    budget: Arc<tokio::sync::Semaphore>,
}

/// A document's share of the text budget; returned when dropped.
type Admission = tokio::sync::OwnedSemaphorePermit;

impl Service {
    pub fn new(state: Arc<State>, limits: Limits) -> Service {
        let budget = Arc::new(tokio::sync::Semaphore::new(limits.max_bytes_in_flight.min(tokio::sync::Semaphore::MAX_PERMITS)));
        Service { state, limits: Arc::new(limits), budget }
    }

    /// Takes `len` bytes of the budget, or RESOURCE_EXHAUSTED when they are not free now.
    fn admit(&self, len: usize) -> Result<Admission, Status> {
        let limit = self.limits.max_bytes_in_flight;
        let n = u32::try_from(len.max(1)).unwrap_or(u32::MAX);
        self.budget.clone().try_acquire_many_owned(n).map_err(|_| {
            status(Error::Busy { len, in_flight: limit.saturating_sub(self.budget.available_permits()), limit })
        })
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
    /// document of a batch.
    async fn run(&self, extractor: Arc<Extractor>, mut request: pb::ExtractRequest) -> Result<pb::ExtractResponse, Status> {
        let text = std::mem::take(&mut request.text);
        let (text, options, encoding) = self.prepare(text, &request)?;
        let _admission = self.admit(text.len())?;
        let extraction = run_engine(extractor.clone(), text.clone(), options).await?;
        let response = response(&extractor, &text, request.document_id, extraction, encoding);
        // Checked here, not by tonic's encoder, so that the client learns why and what to do
        // instead, and a batch can give this one document an error and go on.
        self.fits(prost::Message::encoded_len(&response))?;
        Ok(response)
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

/// Runs the engine inline for ordinary documents, on the blocking pool for large ones.
async fn run_engine(extractor: Arc<Extractor>, text: Arc<str>, options: Options) -> Result<Extraction, Status> {
    if text.len() < BLOCKING_TEXT_BYTES {
        return extractor.extract(&text, &options).map_err(status);
    }
    tokio::task::spawn_blocking(move || extractor.extract(&text, &options))
        .await
        .map_err(|e| Status::internal(format!("extraction task failed: {e}")))?
        .map_err(status)
}

/// The one mapping from library errors to gRPC statuses.
pub fn status(error: Error) -> Status {
    let code = match &error {
        Error::EmptyText | Error::TextTooLong { .. } | Error::UnknownGazetteer { .. } | Error::InvalidArgument { .. } => {
            tonic::Code::InvalidArgument
        }
        Error::Gazetteer { .. }
        | Error::DuplicateId { .. }
        | Error::Io { .. }
        | Error::NoGazetteers { .. }
        | Error::Automaton(_) => tonic::Code::FailedPrecondition,
        Error::ResponseTooLarge { .. } => tonic::Code::OutOfRange,
        Error::Busy { .. } => tonic::Code::ResourceExhausted,
        Error::Serve(_) => tonic::Code::Internal,
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
            message: format!("{} is not a date of the form YYYY-MM-DD", crate::error::quote(s)),
        })?),
    };
    Ok((Options { kinds, gazetteers: request.gazetteers.clone(), reference_date, known_only: request.known_only }, encoding))
}

fn response(x: &Extractor, text: &str, document_id: String, e: Extraction, encoding: Encoding) -> pb::ExtractResponse {
    let spans = offsets(text, &e.mentions, encoding);
    pb::ExtractResponse {
        document_id,
        mentions: e.mentions.iter().zip(spans).map(|(m, span)| mention(x, &e, text, m, span)).collect(),
        entities: entities(x, &e),
        gazetteer_version: x.gazetteers().version.clone(),
    }
}

/// The id, canonical name and gazetteer of what a name refers to.
fn identity(x: &Extractor, e: &Extraction, target: Option<Target>) -> (String, String, String) {
    match target {
        Some(Target::Entry(k)) => {
            let entry = x.entry(k);
            (entry.id.clone(), entry.canonical.clone(), x.gazetteer_name(entry).to_owned())
        }
        Some(Target::Found(k)) => {
            let f = &e.found[k];
            (f.id.clone(), f.canonical.clone(), String::new())
        }
        None => Default::default(),
    }
}

fn mention(x: &Extractor, e: &Extraction, text: &str, m: &Mention, (start, end): (u64, u64)) -> pb::Mention {
    let (entity_id, canonical_name, gazetteer) = identity(x, e, m.target);
    pb::Mention {
        kind: entity_kind(m.kind) as i32,
        text: text[m.start..m.end].to_owned(),
        start,
        end,
        entity_id,
        canonical_name,
        gazetteer,
        figure: m.figure.as_ref().map(figure),
        method: match m.method {
            Method::Exact => pb::MatchMethod::Exact,
            Method::Folded => pb::MatchMethod::Folded,
            Method::Alias => pb::MatchMethod::Alias,
            Method::Pattern => pb::MatchMethod::Pattern,
            Method::Rule => pb::MatchMethod::Rule,
            Method::Coreference => pb::MatchMethod::Coreference,
        } as i32,
        evidence: match m.evidence {
            Some(Evidence::Cue { rule, start, end }) => format!("{}:{}", rule.as_str(), &text[start..end]),
            Some(Evidence::Coreference { antecedent }) => format!("coreference:{antecedent}"),
            None => String::new(),
        },
    }
}

fn entities(x: &Extractor, e: &Extraction) -> Vec<pb::Entity> {
    e.entities
        .iter()
        .map(|g| {
            let (entity_id, canonical_name, gazetteer) = identity(x, e, Some(g.target));
            pb::Entity { entity_id, kind: entity_kind(g.kind) as i32, canonical_name, mention_indexes: g.mentions.clone(), gazetteer }
        })
        .collect()
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
    crate::grpc::json::response(&response(x, text, document_id, e, encoding))
}

mod json;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl pb::entity_extractor_server::EntityExtractor for Service {
    async fn extract(&self, request: Request<pb::ExtractRequest>) -> Result<Response<pb::ExtractResponse>, Status> {
        let extractor = self.extractor()?;
        tokio::select! {
            result = self.run(extractor, request.into_inner()) => result.map(Response::new),
            () = self.state.cut_off() => Err(cut_status()),
        }
    }

    type ExtractStreamStream = BoxStream<pb::ExtractStreamResponse>;

    async fn extract_stream(
        &self,
        request: Request<pb::ExtractStreamRequest>,
    ) -> Result<Response<Self::ExtractStreamStream>, Status> {
        let mut request = request.into_inner().request.ok_or_else(|| Status::invalid_argument("request is required"))?;
        let text = std::mem::take(&mut request.text);
        let extractor = self.extractor()?;
        let (text, options, encoding) = self.prepare(text, &request)?;
        let admission = self.admit(text.len())?;
        let mut extraction = run_engine(extractor.clone(), text.clone(), options).await?;
        let spans = offsets(&text, &extraction.mentions, encoding);
        let summary = pb::ExtractStreamSummary {
            document_id: request.document_id,
            entities: entities(&extractor, &extraction),
            gazetteer_version: extractor.gazetteers().version.clone(),
            mention_count: extraction.mentions.len() as u32,
        };
        // Mentions are converted one by one as the client reads them, in text order; the
        // summary closes the stream.
        let all = std::mem::take(&mut extraction.mentions);
        let mentions = all.into_iter().zip(spans).map(move |(m, span)| {
            Ok(pb::ExtractStreamResponse {
                event: Some(pb::extract_stream_response::Event::Mention(mention(&extractor, &extraction, &text, &m, span))),
            })
        });
        let closing = std::iter::once(Ok(pb::ExtractStreamResponse {
            event: Some(pb::extract_stream_response::Event::Summary(summary)),
        }));
        // The text's share of the budget is returned when the stream ends or is dropped.
        Ok(Response::new(until_cut(&self.state, Box::pin(tokio_stream::iter(mentions.chain(closing))), Some(admission))))
    }

    type ExtractBatchStream = BoxStream<pb::ExtractBatchResponse>;

    async fn extract_batch(
        &self,
        request: Request<Streaming<pb::ExtractBatchRequest>>,
    ) -> Result<Response<Self::ExtractBatchStream>, Status> {
        // The whole stream uses the extractor it started with, also while the server drains
        // or after a reload: an open stream is a call in flight.
        let extractor = self.extractor()?;
        let this = self.clone();
        let in_flight = self.limits.batch_in_flight.max(1);
        // `buffered` pulls a new document only while fewer than `in_flight` are being
        // extracted, and results leave in request order as the client reads them: a slow
        // reader slows the reading of its own stream, nothing else.
        let results = request
            .into_inner()
            .map(move |item| {
                let (this, extractor) = (this.clone(), extractor.clone());
                let this_fits = this.clone();
                async move {
                    let batch = match item {
                        Ok(batch) => batch,
                        // The stream itself failed (cancelled, undecodable message): end it.
                        Err(status) => return Err(status),
                    };
                    let Some(request) = batch.request else {
                        return Ok(batch_error(String::new(), Status::invalid_argument("request is required")));
                    };
                    let document_id = request.document_id.clone();
                    let outcome = tokio::spawn(async move { this.run(extractor, request).await }).await;
                    Ok(match outcome {
                        Ok(Ok(response)) => {
                            let ok = pb::ExtractBatchResponse {
                                document_id,
                                result: Some(pb::extract_batch_response::Result::Response(response)),
                            };
                            // The wrapper adds a few bytes to a response that just fitted.
                            match this_fits.fits(prost::Message::encoded_len(&ok)) {
                                Ok(()) => ok,
                                Err(status) => batch_error(ok.document_id, status),
                            }
                        }
                        Ok(Err(status)) => batch_error(document_id, status),
                        Err(e) => batch_error(document_id, Status::internal(format!("extraction task failed: {e}"))),
                    })
                }
            })
            .buffered(in_flight);
        Ok(Response::new(until_cut(&self.state, Box::pin(results), None)))
    }

    async fn list_gazetteers(
        &self,
        _request: Request<pb::ListGazetteersRequest>,
    ) -> Result<Response<pb::ListGazetteersResponse>, Status> {
        let x = self.extractor()?;
        let g = x.gazetteers();
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
            gazetteer_version: g.version.clone(),
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
