//! The `gazette` command: `serve`, `extract`, `check` and `bench`.
//!
//! Parses flags (each with a `GAZETTE_*` environment variable), sets up logging and calls the
//! library. `run` returns `anyhow::Result`; `main` only reports.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use gazette::{Encoding, Extractor, Folders, Limits, LogFormat, Names, Options};

/// mimalloc instead of the system allocator: per-thread free lists make the many small
/// allocations of an extraction and its response cheaper, and it returns freed memory to the
/// system (pages unused for a short while are purged), so that the resident size falls back
/// after a burst of large requests instead of staying at its peak as with glibc's arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "gazette", version, about = "Finds persons, places, organisations and figures in news text")]
struct Cli {
    /// A folder of your own gazetteer files (*.tsv) and cues (cues/*.tsv), added to the default
    /// folder's: a file replaces the default of the same name, an entry the default of the same
    /// id. The default folder is the first that exists of ./gazetteers, gazetteers beside the
    /// executable, ../share/gazette/gazetteers beside it, /usr/share/gazette/gazetteers, and
    /// the source tree's gazetteers that the binary was built from.
    #[arg(long, global = true, env = "GAZETTE_GAZETTEERS")]
    gazetteers: Option<PathBuf>,
    /// Load only the --gazetteers folder's *.tsv, not the default ones; the cues are its cues/,
    /// or the default folder's when it has none.
    #[arg(long, global = true, env = "GAZETTE_NO_DEFAULT_GAZETTEERS", value_parser = clap::builder::BoolishValueParser::new())]
    no_default_gazetteers: bool,
    /// Switch the names stage off: no cue files load, and every call finds only the names a gazetteer holds, as with known_only (--known-only) on each call.
    #[arg(long, global = true, env = "GAZETTE_NO_NAMES", value_parser = clap::builder::BoolishValueParser::new())]
    no_names: bool,
    /// Log format (logs go to standard error; filter with RUST_LOG).
    #[arg(long, global = true, env = "GAZETTE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Largest gazetteer set loaded, in bytes of its *.tsv files (a set takes about 25 bytes of memory per byte); a larger one is refused and, on a reload, the set serving stays.
    #[arg(long, global = true, env = "GAZETTE_MAX_GAZETTEER_BYTES", default_value_t = gazette::DEFAULT_MAX_SET_BYTES)]
    max_gazetteer_bytes: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gRPC service.
    Serve(Box<ServeArgs>),
    /// Extract from files (or standard input) in-process; print one ExtractResponse per input
    /// as a line of protobuf JSON.
    Extract(ExtractArgs),
    /// Validate the gazetteers and print their counts.
    Check {
        /// List every alias text claimed by several entries.
        #[arg(long)]
        verbose: bool,
    },
    /// Measure the engine's MB/s and Extract calls per second over loopback.
    Bench(gazette::bench::Args),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on, host:port (the host may be a name: the first of its addresses that binds).
    #[arg(long, env = "GAZETTE_ADDR", default_value = "127.0.0.1:50051")]
    addr: String,
    /// Address for Prometheus metrics (GET /metrics over HTTP/1.1), host:port; off unless set.
    #[arg(long, env = "GAZETTE_METRICS_ADDR")]
    metrics_addr: Option<String>,
    /// Tokio worker threads (default: one per core).
    #[arg(long, env = "GAZETTE_WORKERS")]
    workers: Option<usize>,
    /// Largest text accepted, in bytes.
    #[arg(long, env = "GAZETTE_MAX_TEXT_BYTES", default_value_t = Limits::default().max_text_bytes)]
    max_text_bytes: usize,
    /// Largest gRPC message, in bytes.
    #[arg(long, env = "GAZETTE_MAX_MESSAGE_BYTES", default_value_t = Limits::default().max_message_bytes)]
    max_message_bytes: usize,
    /// HTTP/2 streams at once per connection.
    #[arg(long, env = "GAZETTE_MAX_CONCURRENT_STREAMS", default_value_t = Limits::default().max_concurrent_streams)]
    max_concurrent_streams: u32,
    /// Documents of one ExtractBatch stream extracted at once.
    #[arg(long, env = "GAZETTE_BATCH_IN_FLIGHT", default_value_t = Limits::default().batch_in_flight)]
    batch_in_flight: usize,
    /// Seconds in-flight calls may run after SIGTERM or SIGINT.
    #[arg(long, env = "GAZETTE_DRAIN_TIMEOUT_SECS", default_value_t = Limits::default().drain_timeout.as_secs())]
    drain_timeout_secs: u64,
    /// Connections open at once; beyond, new ones wait in the listen backlog.
    #[arg(long, env = "GAZETTE_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a new connection may take to send the HTTP/2 preface.
    #[arg(long, env = "GAZETTE_HANDSHAKE_TIMEOUT_SECS", default_value_t = Limits::default().handshake_timeout.as_secs())]
    handshake_timeout_secs: u64,
    /// Bytes in flight over all calls (texts, unread streamed responses); beyond, RESOURCE_EXHAUSTED.
    #[arg(long, env = "GAZETTE_MAX_BYTES_IN_FLIGHT", default_value_t = Limits::default().max_bytes_in_flight)]
    max_bytes_in_flight: usize,
    /// Bytes in flight over the calls of one connection; beyond, RESOURCE_EXHAUSTED.
    #[arg(long, env = "GAZETTE_MAX_CONNECTION_BYTES_IN_FLIGHT", default_value_t = Limits::default().max_connection_bytes_in_flight)]
    max_connection_bytes_in_flight: usize,
    /// Large texts (64 KiB or more) extracted at once on blocking threads (default: one per core).
    #[arg(long, env = "GAZETTE_EXTRACT_THREADS")]
    extract_threads: Option<usize>,
    /// Serve TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "GAZETTE_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "GAZETTE_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Mutual TLS: only clients with a certificate signed by a CA in this PEM file may connect.
    #[arg(long, env = "GAZETTE_TLS_CLIENT_CA", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Calls to EntityExtractor need `authorization: Bearer <the token in this file>`
    /// (health and reflection stay open); read at start.
    #[arg(long, env = "GAZETTE_AUTH_TOKEN_FILE")]
    auth_token_file: Option<PathBuf>,
    /// Do not reload when the gazetteer directory changes (SIGHUP still reloads).
    #[arg(long, env = "GAZETTE_NO_WATCH", value_parser = clap::builder::BoolishValueParser::new())]
    no_watch: bool,
    /// HTTP/2 keepalive: PING a connection after this long without frames (e.g. 30s).
    #[arg(long, env = "GAZETTE_KEEPALIVE_INTERVAL", value_parser = positive_duration, default_value = "30s")]
    keepalive_interval: Duration,
    /// Close a connection whose keepalive PING is not answered within this long.
    #[arg(long, env = "GAZETTE_KEEPALIVE_TIMEOUT", value_parser = positive_duration, default_value = "10s")]
    keepalive_timeout: Duration,
    /// Send GOAWAY to a connection this long after it opened, so that clients reconnect and re-resolve (e.g. 5m); default: never.
    #[arg(long, env = "GAZETTE_MAX_CONNECTION_AGE", value_parser = positive_duration)]
    max_connection_age: Option<Duration>,
    /// After GOAWAY, close the connection under its calls still open after this long; default: wait for them.
    #[arg(long, env = "GAZETTE_MAX_CONNECTION_AGE_GRACE", value_parser = duration, requires = "max_connection_age")]
    max_connection_age_grace: Option<Duration>,
    /// End EntityExtractor calls still running after this long with DEADLINE_EXCEEDED (e.g. 2m); default: only the client's deadline.
    #[arg(long, env = "GAZETTE_MAX_CALL_DURATION", value_parser = positive_duration)]
    max_call_duration: Option<Duration>,
    /// EntityExtractor calls open at once; beyond, RESOURCE_EXHAUSTED at once (health is not counted); default: no cap.
    #[arg(long, env = "GAZETTE_MAX_CALLS_IN_FLIGHT", value_parser = clap::value_parser!(u64).range(1..))]
    max_calls_in_flight: Option<u64>,
    /// EntityExtractor calls one connection may have open at once, so that one client cannot take every place; default: a quarter of --max-calls-in-flight (at least 1) when that is set, else no cap.
    #[arg(long, env = "GAZETTE_MAX_CONNECTION_CALLS_IN_FLIGHT", value_parser = clap::value_parser!(u64).range(1..))]
    max_connection_calls_in_flight: Option<u64>,
    /// Do not answer JSON over HTTP (POST /v1/extract, /v1/extract:batch) on --addr: gRPC only, HTTP/2 only.
    #[arg(long, env = "GAZETTE_NO_HTTP", value_parser = clap::builder::BoolishValueParser::new())]
    no_http: bool,
    /// The page at GET / (paste text, see what was found): auto serves it when --addr is a loopback address.
    #[arg(long, env = "GAZETTE_PAGE", value_enum, default_value_t = Page::Auto)]
    page: Page,
    /// End a call whose response the client has not read for this long (its flow-control window stays closed) with RESOURCE_EXHAUSTED, freeing its memory; 0 turns it off.
    #[arg(long, env = "GAZETTE_RESPONSE_STALL_TIMEOUT", value_parser = duration, default_value = "30s")]
    response_stall_timeout: Duration,
    /// Send GOAWAY to a connection that has had no call open for this long (its client reconnects when it needs to); 0 turns it off.
    #[arg(long, env = "GAZETTE_IDLE_TIMEOUT", value_parser = duration, default_value = "5m")]
    idle_timeout: Duration,
}

/// The longest duration a flag takes: ten years. Longer ones would overflow the clock
/// arithmetic of the timers they set (and mean "never" anyway).
const LONGEST: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A duration such as `500ms`, `30s`, `5m`, `1h`, at most ten years.
fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 500ms, 30s, 5m, 1h)"))?;
    if d > LONGEST {
        return Err(format!("{s} is longer than ten years, the most a duration flag takes"));
    }
    Ok(d)
}

/// [`duration`], and more than zero.
fn positive_duration(s: &str) -> Result<Duration, String> {
    let d = duration(s)?;
    if d.is_zero() {
        return Err("must be more than zero".to_owned());
    }
    Ok(d)
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// Files to read; standard input when none.
    files: Vec<PathBuf>,
    /// Unit of the offsets printed.
    #[arg(long, value_enum, default_value_t = Offsets::Utf8)]
    offsets: Offsets,
    /// Inputs are JSON Lines of {"id": ..., "text": ...}, one document a line.
    #[arg(long)]
    jsonl: bool,
    /// Document id for standard input (files use their file name).
    #[arg(long, default_value = "stdin")]
    id: String,
    /// Date the texts were written (YYYY-MM-DD), to resolve "Friday".
    #[arg(long)]
    reference_date: Option<String>,
    /// Only names that a gazetteer entry holds: no names found by rules, no co-reference.
    #[arg(long)]
    known_only: bool,
    /// Also list the other entries each name could refer to (the request's
    /// `include_alternatives`).
    #[arg(long)]
    alternatives: bool,
    /// Write the page's view of the document (its text with the mentions highlighted, and a
    /// table of them) to this HTML file instead of printing JSON; one document (a file or
    /// standard input), offsets in UTF-16 for the page's script.
    #[arg(long, value_name = "FILE", conflicts_with = "jsonl")]
    html: Option<PathBuf>,
}

/// Whether `GET /` serves the page.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Page {
    /// On when the listen address is loopback (127.0.0.1, ::1, localhost), off otherwise.
    Auto,
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum Offsets {
    Utf8,
    Utf16,
    Codepoint,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gazette: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    gazette::set_max_set_bytes(cli.max_gazetteer_bytes);
    // The bench's server would log every call it measures; RUST_LOG still asks for them.
    let default_level = if matches!(cli.command, Command::Bench(_)) { "warn" } else { "info" };
    init_logging(cli.log_format, default_level);
    let folders = gazetteer_folders(cli.gazetteers, cli.no_default_gazetteers, cli.no_names)?;
    match cli.command {
        Command::Serve(args) => serve(&folders, *args),
        Command::Extract(args) => extract(&folders, args),
        Command::Check { verbose } => check(&folders, verbose),
        Command::Bench(args) => {
            gazette::bench::run(&folders, &args)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The folders to load: the default folder (the first that exists, see the `--gazetteers`
/// flag) with the user's folder laid over it; an error names every place searched and the
/// flag. With `--no-default-gazetteers` a missing default folder is no error when the user's
/// folder has its own cues (or `--no-names` asks for none).
fn gazetteer_folders(asked: Option<PathBuf>, no_defaults: bool, no_names: bool) -> anyhow::Result<Folders> {
    if no_defaults && asked.is_none() {
        bail!("--no-default-gazetteers (GAZETTE_NO_DEFAULT_GAZETTEERS) loads only the folder of --gazetteers DIR (GAZETTE_GAZETTEERS), and none is given");
    }
    if let Some(dir) = &asked {
        if !dir.is_dir() {
            bail!("the gazetteer directory {} (--gazetteers / GAZETTE_GAZETTEERS) is not a directory", dir.display());
        }
    }
    let mut searched = vec![PathBuf::from("gazetteers")];
    if let Some(bin) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        searched.push(bin.join("gazetteers"));
        searched.push(bin.join("../share/gazette/gazetteers"));
    }
    searched.push(PathBuf::from("/usr/share/gazette/gazetteers"));
    searched.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers"));
    let defaults = searched.iter().find(|d| d.is_dir()).cloned();
    let names = if no_names { Names::Off } else { Names::On };
    // The default folder named again (an image's old GAZETTE_GAZETTEERS): just the defaults.
    let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    let custom = asked.filter(|c| !defaults.as_deref().is_some_and(|d| same(c, d)));
    let needs_defaults = !no_defaults || (!no_names && !custom.as_ref().is_some_and(|c| c.join("cues").is_dir()));
    if defaults.is_none() && (needs_defaults || custom.is_none()) {
        let list: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
        let why = match (no_defaults, custom.is_some()) {
            (true, true) => " (with --no-default-gazetteers, for the default cues: its folder has no cues/; pass --no-names to run without them)",
            _ => "",
        };
        bail!("no default gazetteer directory found{why}; searched {}: put the defaults in one of them, or pass --gazetteers DIR (GAZETTE_GAZETTEERS) with --no-default-gazetteers to use only DIR", list.join(", "));
    }
    Ok(Folders { defaults, custom, default_gazetteers: !no_defaults, names })
}

fn init_logging(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn serve(folders: &Folders, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.enable_all().build().context("cannot start the tokio runtime")?;
    let limits = Limits {
        max_text_bytes: args.max_text_bytes,
        max_message_bytes: args.max_message_bytes,
        max_concurrent_streams: args.max_concurrent_streams,
        batch_in_flight: args.batch_in_flight,
        drain_timeout: Duration::from_secs(args.drain_timeout_secs),
        max_connections: args.max_connections,
        handshake_timeout: Duration::from_secs(args.handshake_timeout_secs),
        max_bytes_in_flight: args.max_bytes_in_flight,
        max_connection_bytes_in_flight: args.max_connection_bytes_in_flight,
        extract_threads: args.extract_threads.unwrap_or(Limits::default().extract_threads).max(1),
        keepalive_interval: args.keepalive_interval,
        keepalive_timeout: args.keepalive_timeout,
        max_connection_age: args.max_connection_age,
        max_connection_age_grace: args.max_connection_age_grace,
        max_call_duration: args.max_call_duration,
        max_calls_in_flight: args.max_calls_in_flight.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        max_connection_calls_in_flight: args
            .max_connection_calls_in_flight
            .or(args.max_calls_in_flight.map(|n| (n / 4).max(1)))
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        response_stall_timeout: Some(args.response_stall_timeout).filter(|d| !d.is_zero()),
        idle_timeout: Some(args.idle_timeout).filter(|d| !d.is_zero()),
        ..Limits::default()
    };
    // Credentials are read before anything listens: a bad file stops the start, naming it.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(gazette::server::Tls::load(cert, key, args.tls_client_ca.as_deref())?),
        _ => None,
    };
    let token = args.auth_token_file.as_deref().map(gazette::grpc::Token::load).transpose()?;
    let (tls_on, mtls_on, token_on) = (tls.is_some(), tls.as_ref().is_some_and(|t| t.mutual()), token.is_some());
    let security = gazette::server::Security { tls, token };
    let result = runtime.block_on(async move {
        let started = std::time::Instant::now();
        let listener = gazette::server::bind(&args.addr).await.context("--addr")?;
        // The bound address: with port 0 the system chose it.
        let addr = listener.local_addr().context("--addr")?;
        let handle = gazette::server::Handle::new().await;
        if let Some(metrics_addr) = &args.metrics_addr {
            let metrics = gazette::server::bind(metrics_addr).await.context("--metrics-addr")?;
            let bound = metrics.local_addr().context("--metrics-addr")?;
            tracing::info!(addr = %bound, "metrics at GET /metrics");
            tokio::spawn(gazette::server::serve_metrics(metrics, handle.clone(), std::future::pending()));
        }
        let page = match args.page {
            Page::On => true,
            Page::Off => false,
            Page::Auto => addr.ip().is_loopback(),
        };
        let http = gazette::server::Http { json: !args.no_http, page };
        let server = tokio::spawn(gazette::server::serve_with_http(listener, handle.clone(), limits, security, http, shutdown_signal()));
        tracing::info!(%addr, gazetteers = %folders, tls = tls_on, mtls = mtls_on, token = token_on, watch = !args.no_watch, http = http.json, page, "listening; loading gazetteers (health NOT_SERVING)");
        // Watching from before the first load: a change while it runs is not missed.
        let _watch = match args.no_watch {
            true => None,
            false => match gazette::server::watch(handle.clone(), folders) {
                Ok(w) => Some(w),
                // No directory: the load below says so in its own words.
                Err(_) if !folders.watched().iter().all(|d| d.is_dir()) => None,
                Err(e) => {
                    server.abort();
                    bail!("{e}");
                }
            },
        };
        // Load while already answering health checks; refuse to run on bad data.
        let loaded = match handle.reload(folders).await {
            Ok(x) => x,
            Err(e) => {
                server.abort();
                bail!("cannot load gazetteers: {e}");
            }
        };
        let g = loaded.gazetteers();
        tracing::info!(
            files = g.files.len(),
            entries = g.entries.len(),
            patterns = loaded.pattern_count(),
            version = %loaded.version(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "gazetteers loaded; SERVING"
        );
        spawn_reload_on_sighup(handle, folders.clone());
        server.await.context("server task failed")??;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    });
    // Dropping a runtime waits for its blocking threads without bound. Cut calls stop their
    // extraction within milliseconds, so this only guards against work that does not.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// SIGHUP reloads the gazetteers; a failed reload is logged and the old data keeps serving.
fn spawn_reload_on_sighup(handle: gazette::server::Handle, folders: Folders) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
        while hup.recv().await.is_some() {
            handle.reload_logged(&folders, "SIGHUP").await;
        }
    });
}

fn extract(folders: &Folders, args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let extractor = Extractor::load_folders(folders)?;
    if let Some(out) = &args.html {
        return extract_html(&extractor, &args, out);
    }
    let encoding = match args.offsets {
        Offsets::Utf8 => Encoding::Utf8,
        Offsets::Utf16 => Encoding::Utf16,
        Offsets::Codepoint => Encoding::CodePoint,
    };
    let reference_date = match &args.reference_date {
        Some(s) => Some(gazette::Date::parse_iso(s).with_context(|| format!("--reference-date {s:?} is not YYYY-MM-DD from the year 1000 on"))?),
        None => None,
    };
    let options = Options { reference_date, known_only: args.known_only, include_alternatives: args.alternatives, ..Options::default() };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // A bad document (a line that is not JSON, a lone surrogate, an empty text) is reported
    // with where it is, and the others go on; the exit status says that something failed.
    let mut failed = 0usize;
    let mut emit = |id: String, text: &str| -> anyhow::Result<()> {
        let extraction = extractor.extract(text, &options)?;
        let json = gazette::grpc::extract_json_text(&extractor, text, id, extraction, encoding);
        writeln!(out, "{json}")?;
        Ok(())
    };
    let mut report = |at: &str, e: anyhow::Error| {
        eprintln!("gazette: {at}: {e:#}");
        failed += 1;
    };
    let mut inputs: Vec<(String, Box<dyn Read>)> = Vec::new();
    if args.files.is_empty() {
        inputs.push((args.id.clone(), Box::new(std::io::stdin())));
    }
    for path in &args.files {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        inputs.push((name, Box::new(file)));
    }
    for (name, input) in inputs {
        if args.jsonl {
            for (n, line) in std::io::BufReader::new(input).split(b'\n').enumerate() {
                let at = format!("{name}:{}", n + 1);
                // Bytes, not `lines()`: a line of invalid UTF-8 is one bad line, not the end.
                let line = line.with_context(|| format!("{at}: cannot read"))?;
                let doc = std::str::from_utf8(&line)
                    .context("not UTF-8")
                    .and_then(|l| match l.trim().is_empty() {
                        true => Ok(None),
                        false => serde_json::from_str::<JsonlDoc>(l).map(Some).context("not a {\"id\", \"text\"} object"),
                    });
                let result = match doc {
                    Ok(None) => Ok(()),
                    Ok(Some(doc)) => emit(doc.id.unwrap_or_else(|| at.clone()), &doc.text),
                    Err(e) => Err(e),
                };
                match result {
                    Err(e) if broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
                    Err(e) => report(&at, e),
                    Ok(()) => {}
                }
            }
        } else {
            let mut text = String::new();
            let result = std::io::BufReader::new(input)
                .read_to_string(&mut text)
                .context("cannot read as UTF-8")
                .and_then(|_| emit(name.clone(), &text));
            match result {
                Err(e) if broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
                Err(e) => report(&name, e),
                Ok(()) => {}
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        result => result?,
    }
    if failed > 0 {
        eprintln!("gazette: {failed} document(s) failed");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `gazette extract --html FILE`: one document's view, written to FILE.
fn extract_html(extractor: &Extractor, args: &ExtractArgs, out: &Path) -> anyhow::Result<ExitCode> {
    let (id, text) = match args.files.as_slice() {
        [] => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).context("cannot read standard input as UTF-8")?;
            (args.id.clone(), text)
        }
        [path] => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {} as UTF-8", path.display()))?;
            (path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), text)
        }
        _ => bail!("--html writes the view of one document: give one file (or none, for standard input)"),
    };
    let reference_date = match &args.reference_date {
        Some(s) => Some(gazette::Date::parse_iso(s).with_context(|| format!("--reference-date {s:?} is not YYYY-MM-DD from the year 1000 on"))?),
        None => None,
    };
    let options = Options { reference_date, known_only: args.known_only, include_alternatives: args.alternatives, ..Options::default() };
    let extraction = extractor.extract(&text, &options)?;
    let html = gazette::grpc::extract_page(extractor, &text, id, extraction);
    std::fs::write(out, html).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Deserialize)]
struct JsonlDoc {
    #[serde(alias = "document_id", alias = "documentId")]
    id: Option<String>,
    text: String,
}

fn check(folders: &Folders, verbose: bool) -> anyhow::Result<ExitCode> {
    use std::fmt::Write as _;
    let started = std::time::Instant::now();
    let extractor = Extractor::load_folders(folders)?;
    let g = extractor.gazetteers();
    // Written at the end in one piece: a reader that closes the pipe early (`| head`) ends
    // the command quietly instead of a panic in `println!`.
    let mut out = String::new();
    for dir in folders.gazetteer_layers() {
        let role = match (folders.custom.as_deref() == Some(dir), folders.default_gazetteers) {
            (false, _) => "the defaults",
            (true, true) => "custom, added to the defaults",
            (true, false) => "custom, alone: --no-default-gazetteers",
        };
        writeln!(out, "gazetteers in {} ({role})", dir.display())?;
    }
    for path in &g.replaced_files {
        writeln!(out, "  {} not loaded: the custom folder has a file of the same name", path.display())?;
    }
    match extractor.cues().dirs() {
        [] => writeln!(out, "cues: none; the names stage is off (--no-names)")?,
        dirs => {
            let dirs: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            writeln!(out, "cues in {}", dirs.join(" + "))?;
        }
    }
    for path in extractor.cues().replaced() {
        writeln!(out, "  {} not loaded: the custom cues/ has a file of the same name", path.display())?;
    }
    writeln!(out, "{:<24} {:<28} {:>8} {:>8}  version", "gazetteer", "kinds", "entries", "aliases")?;
    for f in &g.files {
        let kinds: Vec<&str> = f.kinds.iter().map(|k| k.as_str()).collect();
        let custom = folders.custom.as_deref().is_some_and(|c| f.path.parent() == Some(c));
        let mark = match (custom && folders.gazetteer_layers().len() > 1, f.replaced) {
            (false, _) => String::new(),
            (true, 0) => "  (custom)".to_owned(),
            (true, n) => format!("  (custom; replaces {n} default entries by id)"),
        };
        writeln!(out, "{:<24} {:<28} {:>8} {:>8}  {}{mark}", f.name, kinds.join(","), f.entry_count, f.alias_count, f.version)?;
    }
    let aliases: usize = g.files.iter().map(|f| f.alias_count).sum();
    writeln!(
        out,
        "{:<24} {:<28} {:>8} {:>8}  {}",
        "total",
        format!("{} distinct alias texts", extractor.pattern_count()),
        g.entries.len(),
        aliases,
        extractor.version()
    )?;
    let cues = extractor.cues();
    for (name, lines) in cues.files() {
        writeln!(out, "{:<24} {:<28} {:>8}", format!("cues/{name}"), "cues", lines)?;
    }
    writeln!(out, "{} distinct cue texts in {} cue files", cues.pattern_count(), cues.files().len())?;
    let shared = g.shared_aliases();
    writeln!(out, "{} alias texts are claimed by several entries (the highest priority wins, then the lower id)", shared.len())?;
    let shown = if verbose { shared.len() } else { shared.len().min(20) };
    for s in &shared[..shown] {
        let owners: Vec<String> = s
            .entries
            .iter()
            .map(|&k| format!("{} ({})", g.entries[k].id, g.entries[k].priority))
            .collect();
        writeln!(out, "  {:?}: {}", s.folded, owners.join(", "))?;
    }
    if shown < shared.len() {
        writeln!(out, "  ... {} more (--verbose lists all)", shared.len() - shown)?;
    }
    writeln!(out, "ok: loaded and built in {} ms", started.elapsed().as_millis())?;
    print_all(&out)
}

/// Writes `text` to standard output; a reader gone (a closed pipe) is a quiet success, as for
/// other command-line tools.
fn print_all(text: &str) -> anyhow::Result<ExitCode> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// Whether `e` is a write to a closed pipe (the reader of standard output has gone).
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
