//! Server limits and logging settings, with the defaults the README documents.
//!
//! The command line (`main.rs`) fills these from flags and `GAZETTE_*` environment variables;
//! the server and the gRPC adapter read them. Nothing here parses anything.

use std::time::Duration;

/// Limits set on purpose: every one is documented in the README's configuration table.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest `text` accepted, in UTF-8 bytes; over it a request gets INVALID_ARGUMENT.
    pub max_text_bytes: usize,
    /// Largest gRPC message decoded or encoded, in bytes.
    pub max_message_bytes: usize,
    /// HTTP/2 streams (calls) at once per connection.
    pub max_concurrent_streams: u32,
    /// Documents of one ExtractBatch stream being extracted at once; the stream is not read
    /// further until one finishes (backpressure).
    pub batch_in_flight: usize,
    /// HTTP/2 header list size, in bytes.
    pub max_header_list_bytes: u32,
    /// Streams reset by the client before the server accepted them, before the connection is
    /// closed with GOAWAY (HTTP/2 rapid-reset protection).
    pub max_pending_accept_resets: usize,
    /// Streams the server reset because of protocol errors, before GOAWAY.
    pub max_local_error_resets: usize,
    /// How long in-flight calls may run after a shutdown signal.
    pub drain_timeout: Duration,
    /// Connections open at once; beyond, new ones wait in the listen backlog.
    pub max_connections: usize,
    /// How long a new connection may take to send the HTTP/2 preface before it is closed.
    pub handshake_timeout: Duration,
    /// Bytes in flight over all calls (texts, and the responses ExtractStream holds until
    /// they are read); a document beyond it gets RESOURCE_EXHAUSTED.
    pub max_bytes_in_flight: usize,
    /// The same, for the calls of one connection.
    pub max_connection_bytes_in_flight: usize,
    /// Large texts (64 KiB or more) extracted at once, each on a blocking thread; the others
    /// wait their turn. Smaller texts run on the async workers.
    pub extract_threads: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_text_bytes: 4 * 1024 * 1024,
            max_message_bytes: 8 * 1024 * 1024,
            max_concurrent_streams: 256,
            batch_in_flight: 8,
            max_header_list_bytes: 16 * 1024,
            max_pending_accept_resets: 20,
            max_local_error_resets: 1024,
            drain_timeout: Duration::from_secs(10),
            max_connections: 1024,
            handshake_timeout: Duration::from_secs(10),
            max_bytes_in_flight: 64 * 1024 * 1024,
            max_connection_bytes_in_flight: 32 * 1024 * 1024,
            extract_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}
