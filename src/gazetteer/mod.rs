//! The gazetteer data model: entries, their aliases and case policies, and the set of files
//! loaded from a directory.
//!
//! This module owns what an entry *is* and how a directory of files (or the defaults with the
//! user's folder laid over them, [`folders`]) becomes one consistent set (unique ids, content
//! versions). The line format itself lives in [`parse`]; how aliases are
//! matched in text belongs to [`crate::matcher`].

pub mod folders;
mod parse;

pub use folders::{Folders, Names};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::text::fold;

/// What a gazetteer entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Person,
    Place,
    Organization,
}

impl Kind {
    /// The word used in gazetteer files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Place => "place",
            Kind::Organization => "organization",
        }
    }
}

/// Which spellings of an alias match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasePolicy {
    /// Only the case (and diacritics) written in the gazetteer: acronyms such as `US`, `UN`.
    Exact,
    /// Folded text, but every word capitalised in the alias must be capitalised in the text
    /// (or the whole match is in capitals).
    Capitalized,
    /// Any case.
    Any,
}

/// One name of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub text: String,
    pub case: CasePolicy,
    /// Reported only when a non-weak alias of the same entry occurs in the same document.
    pub weak: bool,
}

/// One entity: a person, place or organisation with its names.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub kind: Kind,
    pub canonical: String,
    /// The canonical name first, then the aliases of the file, in file order.
    pub aliases: Vec<Alias>,
    /// Higher wins when one alias names several entries.
    pub priority: u16,
    pub attributes: Vec<(String, String)>,
    /// Index of the file in [`Gazetteers::files`].
    pub file: usize,
    pub line: usize,
}

/// One loaded file.
#[derive(Debug, Clone)]
pub struct File {
    /// The file stem: `places` for `places.tsv`.
    pub name: String,
    pub path: PathBuf,
    pub kinds: Vec<Kind>,
    pub entry_count: usize,
    pub alias_count: usize,
    /// Entries of a lower layer (the defaults) that entries of this file replaced, by id.
    pub replaced: usize,
    /// First 16 hex digits of the SHA-256 of the file's bytes.
    pub version: String,
    pub loaded_at: SystemTime,
}

/// Every entry of every file of a gazetteer directory.
#[derive(Debug, Clone)]
pub struct Gazetteers {
    pub files: Vec<File>,
    pub entries: Vec<Entry>,
    /// Hash over all files' names and versions.
    pub version: String,
    /// Default files not loaded because the user's folder has a file of the same name.
    pub replaced_files: Vec<PathBuf>,
}

/// An alias text (folded) that several entries claim: reported by `gazette check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAlias {
    pub folded: String,
    /// Entry indexes, highest priority first (the one that wins).
    pub entries: Vec<usize>,
}

/// The default of [`max_set_bytes`]: 64 MiB of TSV, about four times the default set (which
/// takes about 340 MB built).
pub const DEFAULT_MAX_SET_BYTES: u64 = 64 << 20;

static MAX_SET_BYTES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(DEFAULT_MAX_SET_BYTES);

/// The largest gazetteer set [`Gazetteers::load`] reads, in bytes of its `*.tsv` files: a
/// process-wide setting (`--max-gazetteer-bytes`), so that every load (the first, SIGHUP, the
/// directory watch, `check`) keeps to it.
pub fn max_set_bytes() -> u64 {
    MAX_SET_BYTES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets [`max_set_bytes`].
pub fn set_max_set_bytes(limit: u64) {
    MAX_SET_BYTES.store(limit, std::sync::atomic::Ordering::Relaxed);
}

impl Gazetteers {
    /// Loads every `*.tsv` file of `dir`, in file-name order. Any malformed line, duplicate id
    /// or unreadable file is an error naming the file and line: nothing is skipped silently.
    ///
    /// A `*.tsv` that is not a regular file (a directory, a broken link, a socket) is an
    /// error, and so is a set whose files are larger than [`max_set_bytes`] in all: both are
    /// found before anything is read.
    pub fn load(dir: &Path) -> Result<Gazetteers> {
        Gazetteers::load_folders(&Folders::one(dir))
    }

    /// [`Gazetteers::load`] over the gazetteer layers of `folders` (the defaults, then the
    /// user's folder laid over them; see [`folders`]): a user's file replaces the default file
    /// of the same name, and a user's entry replaces the default entry of the same id. An id
    /// twice within one folder is still an error naming both places.
    pub fn load_folders(folders: &Folders) -> Result<Gazetteers> {
        let layers = folders.gazetteer_layers();
        let (paths, replaced_files) = folders::overlay(&layers)?;
        if paths.is_empty() {
            let path = layers.last().map(|d| d.to_path_buf()).unwrap_or_default();
            return Err(Error::NoGazetteers { path });
        }
        let mut bytes = 0u64;
        for (path, _) in &paths {
            // Follows links (a ConfigMap's files are links to regular files).
            let meta = match std::fs::metadata(path) {
                Ok(meta) => meta,
                Err(_) if std::fs::symlink_metadata(path).is_ok() => {
                    return Err(Error::NotAFile { path: path.clone(), what: "a link to nothing" });
                }
                Err(error) => return Err(Error::Io { path: path.clone(), error }),
            };
            if !meta.is_file() {
                let what = if meta.is_dir() { "a directory" } else { "not a file" };
                return Err(Error::NotAFile { path: path.clone(), what });
            }
            bytes += meta.len();
        }
        let limit = max_set_bytes();
        if bytes > limit {
            let folders = layers.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(" + ");
            return Err(Error::GazetteersTooLarge { folders, bytes, limit });
        }
        let mut sources = Vec::with_capacity(paths.len());
        for (path, layer) in paths {
            let bytes = std::fs::read(&path).map_err(|source| Error::Io { path: path.clone(), error: source })?;
            sources.push((path, bytes, layer));
        }
        let mut set = Gazetteers::from_layers(sources)?;
        set.replaced_files = replaced_files;
        Ok(set)
    }

    /// Builds the set from file contents already in memory (`path` is used for the name and
    /// in error messages), all in one layer.
    pub fn from_sources(sources: Vec<(PathBuf, Vec<u8>)>) -> Result<Gazetteers> {
        Gazetteers::from_layers(sources.into_iter().map(|(p, b)| (p, b, 0)).collect())
    }

    /// [`Gazetteers::from_sources`] with each file's layer (0: the defaults, 1: the user's
    /// folder): an id defined again in a higher layer replaces the lower layer's entry; within
    /// one layer it is an error.
    pub fn from_layers(sources: Vec<(PathBuf, Vec<u8>, usize)>) -> Result<Gazetteers> {
        let now = SystemTime::now();
        let mut files = Vec::with_capacity(sources.len());
        let mut entries: Vec<Entry> = Vec::new();
        // id -> (file, line, entry index, layer)
        let mut ids: HashMap<String, (usize, usize, usize, usize)> = HashMap::new();
        let mut gone = Vec::new();
        let mut all = Sha256::new();
        for (index, (path, bytes, layer)) in sources.into_iter().enumerate() {
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let text = String::from_utf8(bytes).map_err(|e| {
                let bytes = e.as_bytes();
                let good = e.utf8_error().valid_up_to();
                Error::Gazetteer {
                    path: path.clone(),
                    line: 1 + bytes[..good].iter().filter(|&&b| b == b'\n').count(),
                    message: "not valid UTF-8".to_owned(),
                }
            })?;
            let digest = Sha256::digest(text.as_bytes());
            let version = hex16(&digest);
            all.update(name.as_bytes());
            all.update([0]);
            all.update(digest);
            let parsed = parse::parse(&path, &text, index)?;
            let mut kinds: Vec<Kind> = Vec::new();
            let mut alias_count = 0;
            let mut replaced = 0;
            for (k, entry) in parsed.iter().enumerate() {
                let at = entries.len() + k;
                if let Some(&(first_file, first_line, first_at, first_layer)) = ids.get(&entry.id) {
                    if first_layer == layer {
                        let first_path = if first_file == index { path.clone() } else { files_path(&files, first_file) };
                        return Err(Error::DuplicateId {
                            id: entry.id.clone(),
                            path: path.clone(),
                            line: entry.line,
                            first_path,
                            first_line,
                        });
                    }
                    // The user's entry replaces the default one: the default file counts it no more.
                    let old: &Entry = &entries[first_at];
                    let file: &mut File = &mut files[first_file];
                    file.entry_count -= 1;
                    file.alias_count -= old.aliases.len();
                    gone.push(first_at);
                    replaced += 1;
                }
                ids.insert(entry.id.clone(), (index, entry.line, at, layer));
                if !kinds.contains(&entry.kind) {
                    kinds.push(entry.kind);
                }
                alias_count += entry.aliases.len();
            }
            kinds.sort();
            files.push(File {
                name,
                path,
                kinds,
                entry_count: parsed.len(),
                alias_count,
                replaced,
                version,
                loaded_at: now,
            });
            entries.extend(parsed);
        }
        if !gone.is_empty() {
            gone.sort_unstable();
            let mut k = 0;
            entries.retain(|_| {
                let keep = gone.binary_search(&k).is_err();
                k += 1;
                keep
            });
        }
        Ok(Gazetteers { files, entries, version: hex16(&all.finalize()), replaced_files: Vec::new() })
    }

    /// Alias texts that fold to the same string and belong to several entries, sorted by
    /// folded text. Not an error: priorities decide; `gazette check` lists them.
    pub fn shared_aliases(&self) -> Vec<SharedAlias> {
        let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, entry) in self.entries.iter().enumerate() {
            for alias in &entry.aliases {
                let owners = by_text.entry(fold(&alias.text)).or_default();
                if owners.last() != Some(&k) {
                    owners.push(k);
                }
            }
        }
        let mut shared: Vec<SharedAlias> = by_text
            .into_iter()
            .filter(|(_, owners)| owners.len() > 1)
            .map(|(folded, mut entries)| {
                entries.sort_by(|&a, &b| self.rank(a, b));
                SharedAlias { folded, entries }
            })
            .collect();
        shared.sort_by(|a, b| a.folded.cmp(&b.folded));
        shared
    }

    /// The documented tie-break between entries claiming one alias: higher priority first,
    /// then the lower id in byte order.
    pub fn rank(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (ea, eb) = (&self.entries[a], &self.entries[b]);
        eb.priority.cmp(&ea.priority).then_with(|| ea.id.cmp(&eb.id))
    }
}

fn files_path(files: &[File], index: usize) -> PathBuf {
    files.get(index).map(|f| f.path.clone()).unwrap_or_default()
}

fn hex16(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> Result<Gazetteers> {
        Gazetteers::from_sources(files.iter().map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec())).collect())
    }

    #[test]
    fn duplicate_id_names_both_places() {
        let err = load(&[
            ("a.tsv", "x:1\tplace\tParis\t\t90\t\n"),
            ("b.tsv", "# c\nx:1\tplace\tLyon\t\t60\t\n"),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "b.tsv:2: duplicate id \"x:1\", first defined at a.tsv:1");
    }

    fn layered(files: &[(&str, &str, usize)]) -> Result<Gazetteers> {
        Gazetteers::from_layers(files.iter().map(|(p, t, l)| (PathBuf::from(p), t.as_bytes().to_vec(), *l)).collect())
    }

    /// (name, files with their layer, ids and canonical names of the set, or the error).
    #[test]
    fn ids_across_layers_table() {
        let cases: &[(&str, &[(&str, &str, usize)], Result<&[(&str, &str)], &str>)] = &[
            (
                "a custom entry replaces the default one of its id",
                &[("d/a.tsv", "x:1\tplace\tParis\t\t90\t\ny:1\tplace\tLyon\t\t60\t\n", 0), ("c/mine.tsv", "x:1\tplace\tParis, Texas\t\t90\t\n", 1)],
                Ok(&[("y:1", "Lyon"), ("x:1", "Paris, Texas")]),
            ),
            (
                "twice in the custom folder is an error naming both places",
                &[("d/a.tsv", "x:1\tplace\tParis\t\t90\t\n", 0), ("c/m.tsv", "x:1\tplace\tA\t\t90\t\n", 1), ("c/n.tsv", "# c\nx:1\tplace\tB\t\t90\t\n", 1)],
                Err("c/n.tsv:2: duplicate id \"x:1\", first defined at c/m.tsv:1"),
            ),
            (
                "twice in the defaults is an error",
                &[("d/a.tsv", "x:1\tplace\tParis\t\t90\t\n", 0), ("d/b.tsv", "x:1\tplace\tLyon\t\t60\t\n", 0), ("c/m.tsv", "z:1\tplace\tZ\t\t1\t\n", 1)],
                Err("d/b.tsv:1: duplicate id \"x:1\", first defined at d/a.tsv:1"),
            ),
        ];
        for (name, files, want) in cases {
            let got = layered(files);
            match (got, want) {
                (Ok(g), Ok(want)) => {
                    let ids: Vec<(&str, &str)> = g.entries.iter().map(|e| (e.id.as_str(), e.canonical.as_str())).collect();
                    assert_eq!(&ids, want, "{name}");
                }
                (Err(e), Err(want)) => assert_eq!(&e.to_string(), want, "{name}"),
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn replaced_entries_leave_the_default_files_counts() {
        let g = layered(&[("d/a.tsv", "x:1\tplace\tParis\tParee\t90\t\ny:1\tplace\tLyon\t\t60\t\n", 0), ("c/mine.tsv", "x:1\tplace\tParis\t\t90\t\n", 1)]).unwrap();
        let counts: Vec<(&str, usize, usize, usize)> = g.files.iter().map(|f| (f.name.as_str(), f.entry_count, f.alias_count, f.replaced)).collect();
        assert_eq!(counts, [("a", 1, 1, 0), ("mine", 1, 1, 1)]);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = Gazetteers::from_sources(vec![(PathBuf::from("p.tsv"), b"a\tplace\tA\t\t1\t\nb\tplace\t\xff\t\t1\t\n".to_vec())])
            .unwrap_err();
        assert_eq!(err.to_string(), "p.tsv:2: not valid UTF-8");
    }

    #[test]
    fn counts_kinds_and_versions() {
        let g = load(&[("people.tsv", "p:1\tperson\tAda Lovelace\tLovelace\t85\t\no:1\torganization\tUN\t\t85\t\n")]).unwrap();
        let f = &g.files[0];
        assert_eq!(f.name, "people");
        assert_eq!(f.entry_count, 2);
        assert_eq!(f.alias_count, 3);
        assert_eq!(f.kinds, vec![Kind::Person, Kind::Organization]);
        assert_eq!(f.version.len(), 16);
        let g2 = load(&[("people.tsv", "p:1\tperson\tAda Lovelace\t\t85\t\n")]).unwrap();
        assert_ne!(g.version, g2.version);
    }

    #[test]
    fn shared_aliases_ranked_by_priority_then_id() {
        let g = load(&[(
            "p.tsv",
            "b\tplace\tParis\t\t44\tcountry=US\na\tplace\tParis\t\t63\tcountry=FR\nc\tplace\tParís\t\t63\t\nd\tplace\tLyon\t\t60\t\n",
        )])
        .unwrap();
        let shared = g.shared_aliases();
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0].folded, "paris");
        let ids: Vec<&str> = shared[0].entries.iter().map(|&k| g.entries[k].id.as_str()).collect();
        assert_eq!(ids, vec!["a", "c", "b"]);
    }

    #[test]
    fn empty_directory_is_an_error() {
        let dir = std::env::temp_dir().join(format!("gazette-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = Gazetteers::load(&dir).unwrap_err();
        assert!(matches!(err, Error::NoGazetteers { .. }), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
