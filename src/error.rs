//! The library's one error type.
//!
//! Every failure a caller can act on has its own variant carrying the context needed to act:
//! the file and line of a bad gazetteer entry, the limit a request exceeded. The gRPC layer maps
//! these to status codes in one place (`grpc::status`); nothing here knows about gRPC.

use std::path::PathBuf;

/// What went wrong, with what a person needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A gazetteer file has a malformed line.
    #[error("{}:{line}: {message}", path.display())]
    Gazetteer { path: PathBuf, line: usize, message: String },
    /// The same id is defined twice.
    #[error("{}:{line}: duplicate id {id:?}, first defined at {}:{first_line}", path.display(), first_path.display())]
    DuplicateId { id: String, path: PathBuf, line: usize, first_path: PathBuf, first_line: usize },
    /// A gazetteer file or directory could not be read.
    #[error("{}: {error}", path.display())]
    Io { path: PathBuf, error: std::io::Error },
    /// The gazetteer directory holds no `*.tsv` file.
    #[error("{}: no gazetteer files (*.tsv) in this directory", path.display())]
    NoGazetteers { path: PathBuf },
    /// Cues are required (the names stage is on) and none of the folders has a `cues/`.
    #[error("no cue files for the names stage: {} {} not folders; pass --no-names (GAZETTE_NO_NAMES=true) to run without it", searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" and "), if searched.len() == 1 { "is" } else { "are" })]
    NoCues { searched: Vec<PathBuf> },

    /// The gazetteer files of `folders` (one, or the defaults and the user's folder: `a + b`)
    /// are larger than the limit in all.
    #[error("{folders}: the gazetteer files are {bytes} bytes, over the limit of {limit} bytes (--max-gazetteer-bytes / GAZETTE_MAX_GAZETTEER_BYTES; a set takes about 25 bytes of memory per byte of its files)")]
    GazetteersTooLarge { folders: String, bytes: u64, limit: u64 },

    #[error("{}: a gazetteer must be a regular file (this is {what})", path.display())]
    NotAFile { path: PathBuf, what: &'static str },
    /// The matching automaton could not be built from the aliases.
    #[error("cannot build the name automaton: {0}")]
    Automaton(String),
    /// A request's text is empty.
    #[error("text is empty: send the document's text in the `text` field")]
    EmptyText,
    /// A request's text exceeds the configured limit.
    #[error("text is {len} bytes, over the limit of {limit} bytes (--max-text-bytes / GAZETTE_MAX_TEXT_BYTES); split the document")]
    TextTooLong { len: usize, limit: usize },
    /// A response would exceed the message limit although its text is within the text limit
    /// (a text dense with mentions).
    #[error("the response is {len} bytes, over the message limit of {limit} bytes (--max-message-bytes / GAZETTE_MAX_MESSAGE_BYTES), though the text is within the text limit of {text_limit} bytes (--max-text-bytes); use ExtractStream, which sends one message per mention, or split the document")]
    ResponseTooLarge { len: usize, limit: usize, text_limit: usize },
    /// Admitting a text (or a streamed response) would take the bytes in flight over the
    /// server's budget.
    /// `reserved` bytes of it are kept for connections with nothing in flight (0 when the
    /// call's connection has nothing in flight).
    #[error("server busy: a {what} of {len} bytes would take the bytes in flight ({in_flight} bytes) over the limit of {limit} bytes (--max-bytes-in-flight){}; retry with backoff", if *reserved > 0 { format!(" less the {reserved} bytes kept for connections with nothing in flight") } else { String::new() })]
    Busy { what: &'static str, len: usize, in_flight: usize, limit: usize, reserved: usize },
    /// Admitting a text (or a streamed response) would take one connection's bytes in flight
    /// over its budget.
    #[error("connection busy: a {what} of {len} bytes would take this connection's bytes in flight ({in_flight} bytes) over its limit of {limit} bytes (--max-connection-bytes-in-flight); read the streams already open, or retry with backoff")]
    ConnectionBusy { what: &'static str, len: usize, in_flight: usize, limit: usize },
    /// A call arrived while `limit` calls were in flight, the server's cap.
    #[error("server busy: {limit} calls in flight, its limit (--max-calls-in-flight / GAZETTE_MAX_CALLS_IN_FLIGHT); retry after the pushback (grpc-retry-pushback-ms), with backoff, or on another instance")]
    CallsInFlight { limit: usize },

    #[error("connection busy: {limit} calls in flight on this connection, its share (--max-connection-calls-in-flight / GAZETTE_MAX_CONNECTION_CALLS_IN_FLIGHT); finish or cancel the calls already open, or retry after the pushback (grpc-retry-pushback-ms) with backoff")]
    ConnectionCallsInFlight { limit: usize },
    /// A response waited longer than `--response-stall-timeout` for the client to read it;
    /// the server dropped it to free its memory.
    #[error("the response waited for the client to read it longer than --response-stall-timeout (GAZETTE_RESPONSE_STALL_TIMEOUT) allows (its HTTP/2 flow-control window stayed closed) and was dropped to free the server's memory; read responses as they arrive")]
    ResponseStalled,
    /// A method that takes one request message was sent a second (a cardinality violation,
    /// answered INTERNAL as grpc-go and grpc-java do).
    #[error("{method} takes exactly one request message and the client sent a second; make one call per request, or send many documents on one ExtractBatch stream")]
    SecondRequestMessage { method: &'static str },
    /// The extraction was stopped by its caller (the client cancelled, or the server cut
    /// the call) before it finished.
    #[error("extraction stopped: the call was cancelled")]
    Cancelled,
    /// The client's deadline (`grpc-timeout`) passed before the call finished; its work was
    /// stopped.
    #[error("the deadline of {timeout:?} set by the client (grpc-timeout) has passed; the extraction was stopped")]
    DeadlineExceeded { timeout: std::time::Duration },
    /// The call ran for the server's maximum call duration (sooner than any deadline the
    /// client set); its work was stopped.
    #[error("the call ran for the server's maximum of {limit:?} (--max-call-duration / GAZETTE_MAX_CALL_DURATION) and was stopped; split the document, or send a batch's documents over several streams")]
    CallTooLong { limit: std::time::Duration },
    /// A request names a gazetteer that is not loaded.
    #[error("unknown gazetteer {}; loaded gazetteers: {}", quote(name), known.join(", "))]
    UnknownGazetteer { name: String, known: Vec<String> },
    /// A TLS certificate, key or CA file, or the token file, is unreadable or unusable.
    #[error("{}: {message}", path.display())]
    Credentials { path: PathBuf, message: String },
    /// The server could not be set up or failed while serving.
    #[error("server: {0}")]
    Serve(String),
    /// A JSON over HTTP request (the body, or a line of a batch) is not an `ExtractRequest` in
    /// the proto3 JSON mapping; `message` says where and why.
    #[error("{what} is not an ExtractRequest in proto3 JSON: {message}; send e.g. {{\"text\": \"...\", \"kinds\": [\"ENTITY_KIND_PLACE\"]}}")]
    Json { what: String, message: String },
    /// A JSON over HTTP request body (or one line of a batch) is larger than the message
    /// limit.
    #[error("{what} is over the message limit of {limit} bytes (--max-message-bytes / GAZETTE_MAX_MESSAGE_BYTES); split the document")]
    BodyTooLarge { what: String, limit: usize },
    /// An ExtractStream or ExtractBatch message without its `request` field (often the
    /// ExtractRequest's fields sent at the top level instead).
    #[error("request is required: send {{\"request\": {{\"text\": \"...\"}}}} (the ExtractRequest goes in the \"request\" field)")]
    MissingRequest,
    /// A request's field has a value outside its domain (an unknown enum number, a malformed
    /// date).
    #[error("invalid {field}: {message}")]
    InvalidArgument { field: &'static str, message: String },
}

/// The longest piece of client input an error message quotes, in characters.
pub const QUOTE_CHARS: usize = 100;

/// Client input as an error message quotes it: Rust-escaped in double quotes, at most
/// [`QUOTE_CHARS`] characters of it, then its total length, so that a status message stays
/// small whatever the client sent (clients reject oversized `grpc-message` headers).
pub fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        None => format!("{s:?}"),
        Some((cut, _)) => format!("{:?}... ({} characters)", &s[..cut], s.chars().count()),
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, input, expected quote).
    const QUOTES: &[(&str, &str, &str)] = &[
        ("short", "nope", "\"nope\""),
        ("escaped", "a\"b\n", "\"a\\\"b\\n\""),
    ];

    #[test]
    fn quote_table() {
        for &(name, input, want) in &QUOTES[..2] {
            assert_eq!(quote(input), want, "{name}");
        }
        let at_limit = "x".repeat(QUOTE_CHARS);
        assert_eq!(quote(&at_limit), format!("\"{at_limit}\""));
        // Regression: a 20,000-character gazetteer name came back whole in grpc-message.
        let long = "é".repeat(20_000);
        assert_eq!(quote(&long), format!("\"{}\"... (20000 characters)", "é".repeat(QUOTE_CHARS)));
        let message = Error::UnknownGazetteer { name: long, known: vec!["places".into()] }.to_string();
        assert!(message.len() < 400, "{}", message.len());
    }
}
