//! Which folders a set is loaded from, and how they combine: the default folder, the user's
//! folder laid over it, and where the names stage's cues come from.
//!
//! The user's folder (`--gazetteers`) is laid over the defaults like an overlay: a file of it
//! replaces the default file of the same name (in `cues/` too), its other files add to the
//! default ones, and an entry of it whose id a default entry has replaces that entry. With
//! `--no-default-gazetteers` only the user's `*.tsv` load; the cues are then the user's
//! `cues/` if it has one, else the defaults' (the names stage never turns off unless asked:
//! `--no-names`). Reading and parsing the files belongs to the parent module and to
//! [`crate::names`]; finding the default folder, to the command line.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Whether the names stage's cue files load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// No cues: the names stage finds nothing beyond the gazetteers (`--no-names`).
    Off,
    /// The cues found, if any: a folder loaded as it is ([`Folders::one`]).
    AsFound,
    /// Cues must be found: a set without any `cues/` folder is an error saying where it looked.
    On,
}

/// The folders one gazetteer set loads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    /// The default gazetteers (and their `cues/`).
    pub defaults: Option<PathBuf>,
    /// The user's folder (`--gazetteers`), laid over the defaults.
    pub custom: Option<PathBuf>,
    /// Whether the defaults' `*.tsv` load (false: `--no-default-gazetteers`).
    pub default_gazetteers: bool,
    pub names: Names,
}

impl Folders {
    /// One folder as it is: its `*.tsv`, and its `cues/` if it has one.
    pub fn one(dir: impl Into<PathBuf>) -> Folders {
        Folders { defaults: Some(dir.into()), custom: None, default_gazetteers: true, names: Names::AsFound }
    }

    /// The folders whose `*.tsv` load, lowest layer first.
    pub fn gazetteer_layers(&self) -> Vec<&Path> {
        let defaults = self.defaults.as_deref().filter(|_| self.default_gazetteers || self.custom.is_none());
        defaults.into_iter().chain(self.custom.as_deref()).collect()
    }

    /// The `cues/` folders that load, lowest layer first; an error if cues are required and
    /// there are none.
    pub fn cue_layers(&self) -> Result<Vec<PathBuf>> {
        if self.names == Names::Off {
            return Ok(Vec::new());
        }
        let cues = |dir: &Option<PathBuf>| dir.as_ref().map(|d| d.join("cues")).filter(|d| d.is_dir());
        let (defaults, custom) = (cues(&self.defaults), cues(&self.custom));
        let layers: Vec<PathBuf> = match (self.default_gazetteers, custom) {
            // Only the user's folder: its own cues whole, else the defaults' (never none).
            (false, Some(custom)) => vec![custom],
            (false, None) => defaults.into_iter().collect(),
            (true, custom) => defaults.into_iter().chain(custom).collect(),
        };
        if layers.is_empty() && self.names == Names::On {
            let searched: Vec<PathBuf> = [&self.custom, &self.defaults].into_iter().flatten().map(|d| d.join("cues")).collect();
            return Err(Error::NoCues { searched });
        }
        Ok(layers)
    }

    /// Every folder a load reads: what a reload watches.
    pub fn watched(&self) -> Vec<&Path> {
        let mut dirs: Vec<&Path> = self.gazetteer_layers();
        if let Some(d) = self.defaults.as_deref().filter(|d| !dirs.contains(d) && self.names != Names::Off) {
            dirs.push(d);
        }
        dirs
    }
}

impl From<&Path> for Folders {
    fn from(dir: &Path) -> Folders {
        Folders::one(dir)
    }
}

impl From<&PathBuf> for Folders {
    fn from(dir: &PathBuf) -> Folders {
        Folders::one(dir.clone())
    }
}

impl From<&Folders> for Folders {
    fn from(folders: &Folders) -> Folders {
        folders.clone()
    }
}

/// `gazetteers (defaults) + /etc/custom (custom)`, as the logs and `gazette check` name them.
impl fmt::Display for Folders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        match (&self.defaults, &self.custom) {
            (Some(d), None) => parts.push(d.display().to_string()),
            (Some(d), Some(_)) if self.default_gazetteers => parts.push(format!("{} (defaults)", d.display())),
            (Some(d), Some(_)) if self.names != Names::Off => parts.push(format!("{} (defaults' cues only)", d.display())),
            _ => {}
        }
        if let Some(c) = &self.custom {
            parts.push(match self.defaults.is_some() {
                true => format!("{} (custom)", c.display()),
                false => c.display().to_string(),
            });
        }
        if self.names == Names::Off {
            parts.push("no cues (--no-names)".to_owned());
        }
        write!(f, "{}", parts.join(" + "))
    }
}

/// The `*.tsv` files of `layers` laid over each other: a later layer's file replaces an
/// earlier one's of the same name. Returns `(path, layer)` in layer order then name order, and
/// the paths replaced.
pub fn overlay(layers: &[&Path]) -> Result<(Vec<(PathBuf, usize)>, Vec<PathBuf>)> {
    let mut files: Vec<(PathBuf, usize)> = Vec::new();
    let mut replaced = Vec::new();
    for (layer, dir) in layers.iter().enumerate() {
        let io = |error| Error::Io { path: dir.to_path_buf(), error };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()).map_err(io))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
            .collect();
        paths.sort();
        for path in paths {
            if let Some(k) = files.iter().position(|(p, l)| *l < layer && p.file_name() == path.file_name()) {
                replaced.push(files.remove(k).0);
            }
            files.push((path, layer));
        }
    }
    Ok((files, replaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folders(defaults: bool, custom: bool, default_gazetteers: bool, names: Names) -> Folders {
        Folders {
            defaults: defaults.then(|| PathBuf::from("d")),
            custom: custom.then(|| PathBuf::from("c")),
            default_gazetteers,
            names,
        }
    }

    /// (name, folders, gazetteer layers, shown as).
    #[test]
    fn layers_and_display_table() {
        let cases = [
            ("one folder", Folders::one("d"), vec!["d"], "d"),
            ("defaults and custom", folders(true, true, true, Names::On), vec!["d", "c"], "d (defaults) + c (custom)"),
            ("custom only", folders(true, true, false, Names::On), vec!["c"], "d (defaults' cues only) + c (custom)"),
            ("custom only, no names", folders(true, true, false, Names::Off), vec!["c"], "c (custom) + no cues (--no-names)"),
            ("no default folder found", folders(false, true, false, Names::On), vec!["c"], "c"),
        ];
        for (name, f, layers, shown) in cases {
            assert_eq!(f.gazetteer_layers(), layers.iter().map(Path::new).collect::<Vec<_>>(), "{name}");
            assert_eq!(f.to_string(), shown, "{name}");
        }
    }

    #[test]
    fn no_cues_anywhere_is_an_error_unless_names_are_off() {
        let f = Folders {
            defaults: Some(PathBuf::from("/nonexistent/d")),
            custom: Some(PathBuf::from("/nonexistent/c")),
            default_gazetteers: false,
            names: Names::On,
        };
        assert_eq!(
            f.cue_layers().unwrap_err().to_string(),
            "no cue files for the names stage: /nonexistent/c/cues and /nonexistent/d/cues are not folders; pass --no-names (GAZETTE_NO_NAMES=true) to run without it"
        );
        assert_eq!(Folders { names: Names::Off, ..f.clone() }.cue_layers().unwrap(), Vec::<PathBuf>::new());
        assert_eq!(Folders { names: Names::AsFound, ..f }.cue_layers().unwrap(), Vec::<PathBuf>::new());
    }
}
