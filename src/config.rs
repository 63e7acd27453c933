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
    /// Connections open at once; beyond, the one idle the longest yields its place to a new
    /// one, and when every one has a call open new ones wait in the listen backlog.
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
    /// HTTP/2 keepalive: a PING after this long without frames from the client.
    pub keepalive_interval: Duration,
    /// A connection whose PING is not answered within this long is closed.
    pub keepalive_timeout: Duration,
    /// After this long a connection gets GOAWAY (its calls finish; the client reconnects and
    /// re-resolves); none: connections live for ever.
    pub max_connection_age: Option<Duration>,
    /// How long calls may go on after GOAWAY before the connection is closed under them; none:
    /// until they end.
    pub max_connection_age_grace: Option<Duration>,
    /// The longest an EntityExtractor call may run, whatever deadline its client set; beyond
    /// it the call ends with DEADLINE_EXCEEDED.
    pub max_call_duration: Option<Duration>,
    /// EntityExtractor calls open at once over all connections; beyond, a call gets
    /// RESOURCE_EXHAUSTED at once (health and reflection are not counted).
    pub max_calls_in_flight: Option<usize>,
    /// The same, for the calls of one connection, so that one client cannot take every place
    /// under the cap; none: only the server-wide cap.
    pub max_connection_calls_in_flight: Option<usize>,
    /// A call whose response the transport has not taken for this long (the client does not
    /// read: its flow-control window stays closed) is ended with RESOURCE_EXHAUSTED and its
    /// memory freed; none: responses wait for ever.
    pub response_stall_timeout: Option<Duration>,
    /// A connection with no call open for this long gets GOAWAY (its client reconnects when it
    /// needs to); none: idle connections stay open.
    pub idle_timeout: Option<Duration>,
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
            keepalive_interval: Duration::from_secs(30),
            keepalive_timeout: Duration::from_secs(10),
            max_connection_age: None,
            max_connection_age_grace: None,
            max_call_duration: None,
            max_calls_in_flight: None,
            max_connection_calls_in_flight: None,
            response_stall_timeout: Some(Duration::from_secs(30)),
            idle_timeout: Some(Duration::from_secs(300)),
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
