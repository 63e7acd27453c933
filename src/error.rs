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
    /// The matching automaton could not be built from the aliases.
    #[error("cannot build the name automaton: {0}")]
    Automaton(String),
    /// A request's text is empty.
    #[error("text is empty: send the document's text in the `text` field")]
    EmptyText,
    /// A request's text exceeds the configured limit.
    #[error("text is {len} bytes, over the limit of {limit} bytes (--max-text-bytes / GAZETTE_MAX_TEXT_BYTES); split the document")]
    TextTooLong { len: usize, limit: usize },
    /// A request names a gazetteer that is not loaded.
    #[error("unknown gazetteer {name:?}; loaded gazetteers: {}", known.join(", "))]
    UnknownGazetteer { name: String, known: Vec<String> },
    /// The server could not be set up or failed while serving.
    #[error("server: {0}")]
    Serve(String),
    /// A request's field has a value outside its domain (an unknown enum number, a malformed
    /// date).
    #[error("invalid {field}: {message}")]
    InvalidArgument { field: &'static str, message: String },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
