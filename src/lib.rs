//! gazette finds the persons, places, organisations and numeric figures in news text.
//!
//! The engine ([`Extractor`]) folds a document once, runs an Aho-Corasick automaton built from
//! gazetteer files over it, scans the same folded text for figures, and returns mentions with
//! offsets into the original text. The [`grpc`] module adapts it to the `gazette.v1` protobuf
//! contract (and to JSON over HTTP, with the page that shows what was found) and [`server`]
//! runs it as a tonic service with health, reflection and limits.

pub mod bench;
mod config;
mod error;
mod extract;
mod figures;
mod gazetteer;
pub mod grpc;
mod matcher;
mod mention;
mod names;
mod resolve;
pub mod server;
mod text;

pub use config::{Limits, LogFormat};
pub use error::{Error, Result};
pub use extract::{offsets, Encoding, Extractor, Options};
pub use mention::{Alternative, Entity, EntityKind, Evidence, Extraction, Found, Method, Mention, Rule, Target};
pub use names::Cues;
pub use figures::{Date, Figure, FigureKind, Qualifier};
pub use gazetteer::{max_set_bytes, set_max_set_bytes, CasePolicy, Entry, File, Folders, Gazetteers, Kind, Names, SharedAlias, DEFAULT_MAX_SET_BYTES};
