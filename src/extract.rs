//! The engine's face: `Extractor::extract(text, options) -> Extraction`.
//!
//! An [`Extractor`] holds the loaded gazetteers, their automaton, the cue gazetteers and the
//! figure scanner behind one `Arc`: cheap to clone, `Send + Sync`, built once and shared by
//! every request. A call runs the pipeline over one folded copy of the text: fold -> match ->
//! figures -> names -> resolve, each stage reading what the one before produced. Offsets are
//! UTF-8 bytes; [`offsets`] converts a whole response to UTF-16 or code points in one linear
//! pass. The types a call returns live in [`crate::mention`].
//!
//! Nothing here knows about gRPC or tokio; request limits (text size) are the server's.

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::figures::{Date, Scanner};
use crate::gazetteer::{Entry, Folders, Gazetteers, Kind, Names};
use crate::matcher::Matcher;
use crate::mention::{EntityKind, Extraction, Mention};
use crate::names::{self, Cues, Known};
use crate::resolve;
use crate::text::Folded;

/// What to extract.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these kinds; empty means all.
    pub kinds: Vec<EntityKind>,
    /// Only these gazetteers, by name; empty means all.
    pub gazetteers: Vec<String>,
    /// The day the text was written, to resolve "Friday".
    pub reference_date: Option<Date>,
    /// Only names that a gazetteer entry holds: no rules, no co-reference.
    pub known_only: bool,
    /// Fill each name mention's `alternatives`: the other entries it could refer to.
    pub include_alternatives: bool,
}

impl Options {
    fn wants(&self, kind: EntityKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// The unit of offsets in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    Utf16,
    CodePoint,
}

/// The loaded data and the machinery built from it.
#[derive(Clone, Debug)]
pub struct Extractor {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    gazetteers: Gazetteers,
    matcher: Matcher,
    cues: Cues,
    /// Whether the names stage runs (off: `--no-names`, every call as if `known_only`).
    names: bool,
    /// Content version of the gazetteers and the cues together.
    version: String,
    /// Per entry: `(region, country)`: a country or first-level subdivision ("X, Illinois"
    /// makes X a place), and whether it is a country.
    region: Vec<(bool, bool)>,
    /// Per entry: what resolution scores candidates by.
    profiles: Vec<resolve::Profile>,
    scanner: Scanner,
}

impl Extractor {
    /// Loads every gazetteer file of `dir` and its cue files (`dir/cues/*.tsv`), and builds
    /// the automata.
    pub fn load(dir: &Path) -> Result<Extractor> {
        Extractor::load_folders(&Folders::one(dir))
    }

    /// [`Extractor::load`] over `folders`: the defaults with the user's folder laid over them
    /// (see [`Folders`]).
    pub fn load_folders(folders: &Folders) -> Result<Extractor> {
        // The cue files load on a second thread while the gazetteers load and their automaton
        // builds (an eighth of the start-up's work, off the critical path on two cores).
        std::thread::scope(|scope| {
            let cues = scope.spawn(|| Cues::load_folders(folders));
            let gazetteers = Gazetteers::load_folders(folders);
            let cues = cues.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Extractor::build(gazetteers?, cues?, folders.names != Names::Off)
        })
    }

    /// Builds the automaton over already loaded gazetteers, without cues (no names beyond
    /// the gazetteers).
    pub fn new(gazetteers: Gazetteers) -> Result<Extractor> {
        Extractor::with_cues(gazetteers, Cues::empty())
    }

    /// Builds the automata over already loaded gazetteers and cues.
    pub fn with_cues(gazetteers: Gazetteers, cues: Cues) -> Result<Extractor> {
        Extractor::build(gazetteers, cues, true)
    }

    /// [`Extractor::with_cues`]; without `names`, every call is `known_only` (`--no-names`).
    fn build(gazetteers: Gazetteers, cues: Cues, names: bool) -> Result<Extractor> {
        let matcher = Matcher::build(&gazetteers)?;
        let region: Vec<(bool, bool)> = gazetteers.entries.iter().map(|e| (is_region(e), is_country(e))).collect();
        let profiles = gazetteers.entries.iter().zip(&region).map(|(e, r)| resolve::Profile::of(e, r.1)).collect();
        // For the names stage a country is also a nation inside a state that fields its own
        // national sides (England, Scotland, Wales: `type=country`).
        let region = gazetteers.entries.iter().zip(region).map(|(e, (r, c))| (r, c || is_nation(e))).collect();
        // The cues change results as much as the gazetteers do: both make the version.
        let version = if cues.digest().is_empty() {
            gazetteers.version.clone()
        } else {
            use sha2::Digest;
            let d = sha2::Sha256::new().chain_update(gazetteers.version.as_bytes()).chain_update(cues.digest()).finalize();
            d.iter().take(8).map(|b| format!("{b:02x}")).collect()
        };
        Ok(Extractor { inner: Arc::new(Inner { gazetteers, matcher, cues, names, version, region, profiles, scanner: Scanner::new() }) })
    }

    /// Content hash of the gazetteers and the cues (first 16 hex digits of a SHA-256): changes
    /// whenever the data changes.
    pub fn version(&self) -> &str {
        &self.inner.version
    }

    /// The loaded cue gazetteers.
    pub fn cues(&self) -> &Cues {
        &self.inner.cues
    }

    /// The loaded gazetteers.
    pub fn gazetteers(&self) -> &Gazetteers {
        &self.inner.gazetteers
    }

    /// The number of distinct folded alias texts in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.inner.matcher.pattern_count()
    }

    /// A gazetteer entry by index (from [`Mention::entry`]).
    pub fn entry(&self, index: usize) -> &Entry {
        &self.inner.gazetteers.entries[index]
    }

    /// What resolution knows of an entry (country, subdivision): the attributes' typed part.
    pub(crate) fn profile(&self, index: usize) -> &resolve::Profile {
        &self.inner.profiles[index]
    }

    /// The name of the gazetteer file an entry comes from.
    pub fn gazetteer_name(&self, entry: &Entry) -> &str {
        &self.inner.gazetteers.files[entry.file].name
    }

    /// Finds the names and figures of `text`.
    pub fn extract(&self, text: &str, options: &Options) -> Result<Extraction> {
        self.extract_with(text, options, &|| false)
    }

    /// [`Extractor::extract`] that can be stopped: `stop` is asked between the stages and
    /// every 16 KiB of text inside the matcher's and the figure scanner's loops (the longest
    /// ones; folding, the names stage and resolution are asked about only at their ends), and
    /// once it says true the call ends with [`Error::Cancelled`]. `stop` must keep saying true
    /// once it has (a flag that is only ever set).
    pub fn extract_with(&self, text: &str, options: &Options, stop: &dyn Fn() -> bool) -> Result<Extraction> {
        let stopped = || if stop() { Err(Error::Cancelled) } else { Ok(()) };
        if text.is_empty() {
            return Err(Error::EmptyText);
        }
        let files = self.select(&options.gazetteers)?;
        let g = &self.inner.gazetteers;
        let folded = Folded::new(text);
        stopped()?;
        let names_wanted = [EntityKind::Person, EntityKind::Place, EntityKind::Organization].iter().any(|&k| options.wants(k));
        let figures_wanted = options.wants(EntityKind::Figure);
        // Names are matched whenever figures are wanted too: a figure inside a name is dropped.
        let mut known = Vec::new();
        if names_wanted || figures_wanted {
            let mut hits = Vec::new();
            self.inner.matcher.find(&folded, files.as_deref(), &mut hits, stop);
            stopped()?;
            let title_before = |at: usize| title_before(&self.inner.cues, text, at);
            let ctx = resolve::Context {
                profiles: &self.inner.profiles,
                title_before: &title_before,
                alternatives: options.include_alternatives,
            };
            resolve::names(g, &self.inner.matcher, text, &hits, files.as_deref(), &ctx, &mut known);
        }
        let mut figures = Vec::new();
        if figures_wanted {
            self.inner.scanner.scan_until(&folded, options.reference_date, &mut figures, stop);
            stopped()?;
        }
        let mut found = Vec::new();
        let names = if options.known_only || !self.inner.names || !(names_wanted || figures_wanted) {
            known
        } else {
            let claimed: Vec<Known> = known.iter().map(|m| self.known(m)).collect();
            let chunks = names::find(&self.inner.cues, &folded, &claimed, stop).ok_or(Error::Cancelled)?;
            stopped()?;
            resolve::coreference(text, known, chunks, &mut found)
        };
        let mut mentions = resolve::merge_figures(names, figures);
        if !options.kinds.is_empty() {
            mentions.retain(|m| options.wants(m.kind));
        }
        resolve::confidence(&mut mentions);
        let entities = resolve::group(&mut mentions);
        Ok(Extraction { mentions, entities, found })
    }

    /// A gazetteer mention as the names stage sees it.
    fn known(&self, m: &Mention) -> Known {
        Known {
            start: m.start,
            end: m.end,
            kind: m.kind,
            region: m.entry().is_some_and(|k| self.inner.region[k].0),
            country: m.entry().is_some_and(|k| self.inner.region[k].1),
        }
    }

    /// Which files a request selected, by name; `None` for all.
    fn select(&self, names: &[String]) -> Result<Option<Vec<bool>>> {
        if names.is_empty() {
            return Ok(None);
        }
        let files = &self.inner.gazetteers.files;
        let mut selected = vec![false; files.len()];
        for name in names {
            match files.iter().position(|f| &f.name == name) {
                Some(k) => selected[k] = true,
                None => {
                    return Err(Error::UnknownGazetteer {
                        name: name.clone(),
                        known: files.iter().map(|f| f.name.clone()).collect(),
                    })
                }
            }
        }
        Ok(Some(selected))
    }
}

/// Whether a title cue ("President", "Gen.", "Mr") is the word right before byte `at`.
fn title_before(cues: &Cues, text: &str, at: usize) -> bool {
    let before = text[..at].trim_end_matches(' ');
    if before.len() + 1 != at && before.len() != at {
        return false;
    }
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[start..];
    !word.is_empty() && word.len() <= 40 && cues.is_title(word)
}

/// A country or a first-level subdivision.
fn is_region(e: &Entry) -> bool {
    e.kind == Kind::Place && (e.attributes.iter().any(|(k, _)| k == "subdivision") || is_country(e))
}

/// A place the data calls a country without being a state ("England": `type=country`).
fn is_nation(e: &Entry) -> bool {
    e.kind == Kind::Place && e.attributes.iter().any(|(k, v)| k == "type" && v == "country")
}

/// A country: a GeoNames place without a first-level code of its own that is no continent.
fn is_country(e: &Entry) -> bool {
    let has = |key: &str| e.attributes.iter().any(|(k, _)| k == key);
    e.kind == Kind::Place
        && e.id.starts_with("geonames:")
        && !has("admin1")
        && !has("subdivision")
        && !e.attributes.iter().any(|(k, v)| k == "type" && v == "continent")
}

/// Converts the mentions' byte offsets to `encoding`, in one pass over the text: returns
/// `(start, end)` per mention, in mention order.
pub fn offsets(text: &str, mentions: &[Mention], encoding: Encoding) -> Vec<(u64, u64)> {
    if encoding == Encoding::Utf8 {
        return mentions.iter().map(|m| (m.start as u64, m.end as u64)).collect();
    }
    // Every boundary to convert, sorted by byte position; slot 2k is mention k's start, 2k+1
    // its end.
    let mut order: Vec<(usize, usize)> =
        mentions.iter().enumerate().flat_map(|(k, m)| [(m.start, 2 * k), (m.end, 2 * k + 1)]).collect();
    order.sort_unstable();
    let mut converted = vec![0u64; order.len()];
    let (mut byte, mut units) = (0usize, 0u64);
    let mut chars = text.chars();
    for (pos, slot) in order {
        while byte < pos {
            let Some(c) = chars.next() else { break };
            byte += c.len_utf8();
            units += match encoding {
                Encoding::Utf16 => c.len_utf16() as u64,
                _ => 1,
            };
        }
        converted[slot] = units;
    }
    converted.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mention::Method;
    use std::path::PathBuf;

    fn extractor() -> Extractor {
        let data = "\
iran\tplace\tIran\t\t100\t
us\tplace\tUnited States\tUS|U.S.\t100\t
boris\tperson\tBoris Johnson\tJohnson@weak\t85\t
jackson-ms\tplace\tJohnson City\tJohnson\t40\t
putin\tperson\tVladimir Putin\tPutin\t85\t
";
        Extractor::new(Gazetteers::from_sources(vec![(PathBuf::from("t.tsv"), data.as_bytes().to_vec())]).unwrap()).unwrap()
    }

    fn ids(x: &Extractor, e: &Extraction) -> Vec<String> {
        e.mentions.iter().map(|m| m.entry().map_or("-".to_owned(), |k| x.entry(k).id.clone())).collect()
    }

    #[test]
    fn weak_alias_needs_evidence() {
        let x = extractor();
        let without = x.extract("Johnson said so.", &Options::default()).unwrap();
        // No "Boris Johnson" in the text: the weak alias falls through to the next candidate.
        assert_eq!(ids(&x, &without), vec!["jackson-ms"]);
        let with = x.extract("Boris Johnson spoke. Johnson said so.", &Options::default()).unwrap();
        assert_eq!(ids(&x, &with), vec!["boris", "boris"]);
        assert_eq!(with.entities.len(), 1);
        assert_eq!(with.entities[0].mentions, vec![0, 1]);
    }

    #[test]
    fn methods() {
        let x = extractor();
        let e = x.extract("Iran, IRAN, Putin, Vladimir Putin", &Options::default()).unwrap();
        let got: Vec<Method> = e.mentions.iter().map(|m| m.method).collect();
        assert_eq!(got, vec![Method::Exact, Method::Folded, Method::Alias, Method::Exact]);
    }

    #[test]
    fn kinds_filter() {
        let x = extractor();
        let opts = Options { kinds: vec![EntityKind::Person], ..Options::default() };
        let e = x.extract("Putin visited Iran.", &opts).unwrap();
        assert_eq!(ids(&x, &e), vec!["putin"]);
    }

    #[test]
    fn errors() {
        let x = extractor();
        assert!(matches!(x.extract("", &Options::default()), Err(Error::EmptyText)));
        let opts = Options { gazetteers: vec!["nope".into()], ..Options::default() };
        let err = x.extract("Iran", &opts).unwrap_err();
        assert_eq!(err.to_string(), "unknown gazetteer \"nope\"; loaded gazetteers: t");
    }

    #[test]
    fn version_covers_the_cues() {
        let gazetteers = || extractor().gazetteers().clone();
        let cues = |text: &str| Cues::from_sources(&[(PathBuf::from("cues/c.tsv"), text.as_bytes().to_vec())]).unwrap();
        let plain = Extractor::new(gazetteers()).unwrap();
        assert_eq!(plain.version(), plain.gazetteers().version);
        let a = Extractor::with_cues(gazetteers(), cues("Ngozi\tgiven\t\n")).unwrap();
        let b = Extractor::with_cues(gazetteers(), cues("Ngozi\tgiven\tambiguous\n")).unwrap();
        assert_ne!(a.version(), plain.version());
        assert_ne!(a.version(), b.version());
        assert_eq!(a.version().len(), 16);
    }

    #[test]
    fn extract_with_asks_stop_as_it_goes_and_stops_at_once() {
        let x = extractor();
        let text = "Putin visited Iran on 5 May. ".repeat(10_000);
        let asked = std::cell::Cell::new(0);
        let all = x.extract_with(&text, &Options::default(), &|| {
            asked.set(asked.get() + 1);
            false
        });
        assert_eq!(all.unwrap().mentions.len(), x.extract(&text, &Options::default()).unwrap().mentions.len());
        // 290,000 bytes: every 16 KiB in the matcher, the scanner, and the names stage's two
        // passes (17 each), and between the stages (4).
        assert_eq!(asked.get(), 72);
        for after in [1, 2, 10, 30] {
            let asked = std::cell::Cell::new(0);
            let stopped = x.extract_with(&text, &Options::default(), &|| {
                asked.set(asked.get() + 1);
                asked.get() >= after
            });
            assert!(matches!(stopped, Err(Error::Cancelled)), "after {after}");
            // Nothing more is done once `stop` has said true, beyond asking once more.
            assert!(asked.get() <= after + 1, "after {after}: asked {}", asked.get());
        }
    }

    /// (name, text, needle): the converted offsets of `needle` index the same characters in
    /// the text's UTF-16 and code-point forms.
    const OFFSETS: &[(&str, &str, &str)] = &[
        ("ascii", "Putin and Iran", "Iran"),
        ("after accents", "Zürich café Iran", "Iran"),
        ("after emoji (surrogate pair)", "👋🏽 Iran", "Iran"),
        ("after CJK", "伊朗 Iran", "Iran"),
        ("after combining mark", "Nicola\u{301}s Iran", "Iran"),
        ("after crlf", "a\r\n\r\nIran", "Iran"),
    ];

    #[test]
    fn offsets_table() {
        let x = extractor();
        for &(name, text, needle) in OFFSETS {
            let e = x.extract(text, &Options::default()).unwrap();
            let m = e.mentions.iter().find(|m| &text[m.start..m.end] == needle).unwrap_or_else(|| panic!("{name}"));
            let k = e.mentions.iter().position(|n| n == m).unwrap();
            let (s, t) = offsets(text, &e.mentions, Encoding::CodePoint)[k];
            let cps: Vec<char> = text.chars().collect();
            assert_eq!(cps[s as usize..t as usize].iter().collect::<String>(), needle, "{name} code points");
            let (s, t) = offsets(text, &e.mentions, Encoding::Utf16)[k];
            let units: Vec<u16> = text.encode_utf16().collect();
            assert_eq!(String::from_utf16(&units[s as usize..t as usize]).unwrap(), needle, "{name} utf16");
            assert_eq!(offsets(text, &e.mentions, Encoding::Utf8)[k], (m.start as u64, m.end as u64), "{name} utf8");
        }
    }
}
