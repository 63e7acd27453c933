//! The gazetteer line format: six tab-separated columns per entry, `#` comments.
//!
//! `id <TAB> kind <TAB> canonical <TAB> aliases <TAB> priority <TAB> attributes`
//!
//! Aliases are separated by `|`, each optionally followed by `@` and comma-separated flags
//! (`exact`, `cap`, `any`, `weak`); attributes are `key=value` pairs separated by `;`.
//! `docs/gazetteers.md` documents the format for users; this module turns lines into
//! [`Entry`] values and rejects anything malformed with the file and line. Cross-file checks (duplicate ids) belong
//! to the parent module.

use std::path::Path;

use super::{Alias, CasePolicy, Entry, Kind};
use crate::error::{Error, Result};
use crate::text::{fold, is_word_char};

/// The highest priority a line may give.
pub const MAX_PRIORITY: u16 = 1000;

/// Parses a whole file. `file` is the file's index, stored in each entry.
pub fn parse(path: &Path, text: &str, file: usize) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let entry = parse_line(line, file, n + 1)
            .map_err(|message| Error::Gazetteer { path: path.to_path_buf(), line: n + 1, message })?;
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_line(line: &str, file: usize, number: usize) -> Result<Entry, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    if cols.len() != 6 {
        return Err(format!(
            "expected 6 tab-separated columns (id, kind, canonical, aliases, priority, attributes), found {}",
            cols.len()
        ));
    }
    let id = cols[0].trim();
    if id.is_empty() {
        return Err("empty id".to_owned());
    }
    if let Some(bad) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-'))) {
        return Err(format!("id {id:?} has the character {bad:?}; ids use only A-Z a-z 0-9 : . _ -"));
    }
    let kind = match cols[1].trim() {
        "person" => Kind::Person,
        "place" => Kind::Place,
        "organization" => Kind::Organization,
        other => return Err(format!("unknown kind {other:?}; expected person, place or organization")),
    };
    let canonical = cols[2].trim();
    if canonical.is_empty() {
        return Err("empty canonical name".to_owned());
    }
    let mut aliases = Vec::new();
    if !cols[3].trim().is_empty() {
        for raw in cols[3].split('|') {
            aliases.push(parse_alias(raw)?);
        }
    }
    // The canonical name is matched too, with its default policy, unless the aliases list the
    // same text with flags of their own.
    if !aliases.iter().any(|a: &Alias| a.text == canonical) {
        check_matchable(canonical)?;
        aliases.insert(0, Alias { text: canonical.to_owned(), case: default_case(canonical), weak: false });
    } else if let Some(k) = aliases.iter().position(|a| a.text == canonical) {
        let alias = aliases.remove(k);
        aliases.insert(0, alias);
    }
    let priority_text = cols[4].trim();
    let priority = priority_text
        .parse::<u16>()
        .ok()
        .filter(|&p| p <= MAX_PRIORITY)
        .ok_or_else(|| format!("priority {priority_text:?} is not an integer from 0 to {MAX_PRIORITY}"))?;
    let attributes = parse_attributes(cols[5].trim())?;
    Ok(Entry { id: id.to_owned(), kind, canonical: canonical.to_owned(), aliases, priority, attributes, file, line: number })
}

fn parse_alias(raw: &str) -> Result<Alias, String> {
    let (text, flags) = match raw.split_once('@') {
        Some((text, flags)) => (text.trim(), Some(flags)),
        None => (raw.trim(), None),
    };
    if text.is_empty() {
        return Err(format!("empty alias in {raw:?} (two `|` in a row, or a `|` at an end?)"));
    }
    check_matchable(text)?;
    let mut case = None;
    let mut weak = false;
    for flag in flags.into_iter().flat_map(|f| f.split(',')) {
        let set = match flag.trim() {
            "exact" => Some(CasePolicy::Exact),
            "cap" => Some(CasePolicy::Capitalized),
            "any" => Some(CasePolicy::Any),
            "weak" => {
                weak = true;
                None
            }
            other => return Err(format!("alias {text:?}: unknown flag {other:?}; expected exact, cap, any or weak")),
        };
        if let Some(policy) = set {
            if case.replace(policy).is_some() {
                return Err(format!("alias {text:?}: more than one case flag"));
            }
        }
    }
    Ok(Alias { text: text.to_owned(), case: case.unwrap_or_else(|| default_case(text)), weak })
}

/// Acronyms (no lowercase letter, at most five letters: `US`, `U.S.`, `NATO`) match their
/// exact case; every other name needs its capitals.
pub fn default_case(text: &str) -> CasePolicy {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters <= 5 && !text.chars().any(char::is_lowercase) {
        CasePolicy::Exact
    } else {
        CasePolicy::Capitalized
    }
}

fn check_matchable(text: &str) -> Result<(), String> {
    if !fold(text).chars().any(is_word_char) {
        return Err(format!("name {text:?} has no letter or digit to match"));
    }
    Ok(())
}

fn parse_attributes(col: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for pair in col.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("attribute {pair:?} is not key=value"))?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(format!("attribute key {key:?} must be lowercase letters, digits and _"));
        }
        if value.is_empty() {
            return Err(format!("attribute {key:?} has an empty value"));
        }
        let valid = match key {
            "wikidata" => value.len() > 1 && value.starts_with('Q') && value[1..].bytes().all(|b| b.is_ascii_digit()),
            "geonames" | "population" => value.bytes().all(|b| b.is_ascii_digit()),
            "country" => value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()),
            _ => true,
        };
        if !valid {
            let want = match key {
                "wikidata" => "Q followed by digits",
                "country" => "an ISO 3166-1 alpha-2 code such as FR",
                _ => "digits only",
            };
            return Err(format!("attribute {key}={value:?}: expected {want}"));
        }
        out.push((key.to_owned(), value.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, line, expected error) for malformed lines.
    const BAD: &[(&str, &str, &str)] = &[
        ("too few columns", "a\tplace\tParis", "expected 6 tab-separated columns (id, kind, canonical, aliases, priority, attributes), found 3"),
        ("too many columns", "a\tplace\tParis\t\t1\t\textra", "expected 6 tab-separated columns (id, kind, canonical, aliases, priority, attributes), found 7"),
        ("empty id", "\tplace\tParis\t\t1\t", "empty id"),
        ("bad id char", "a b\tplace\tParis\t\t1\t", "id \"a b\" has the character ' '; ids use only A-Z a-z 0-9 : . _ -"),
        ("unknown kind", "a\tcity\tParis\t\t1\t", "unknown kind \"city\"; expected person, place or organization"),
        ("empty canonical", "a\tplace\t \t\t1\t", "empty canonical name"),
        ("no letters", "a\tplace\t---\t\t1\t", "name \"---\" has no letter or digit to match"),
        ("empty alias", "a\tplace\tParis\tParee||Lutetia\t1\t", "empty alias in \"\" (two `|` in a row, or a `|` at an end?)"),
        ("unknown flag", "a\tplace\tParis\tParee@loud\t1\t", "alias \"Paree\": unknown flag \"loud\"; expected exact, cap, any or weak"),
        ("two case flags", "a\tplace\tParis\tParee@exact,any\t1\t", "alias \"Paree\": more than one case flag"),
        ("priority not a number", "a\tplace\tParis\t\thigh\t", "priority \"high\" is not an integer from 0 to 1000"),
        ("priority too big", "a\tplace\tParis\t\t1001\t", "priority \"1001\" is not an integer from 0 to 1000"),
        ("attribute without =", "a\tplace\tParis\t\t1\tcountry", "attribute \"country\" is not key=value"),
        ("attribute bad key", "a\tplace\tParis\t\t1\tCountry=FR", "attribute key \"Country\" must be lowercase letters, digits and _"),
        ("attribute empty value", "a\tplace\tParis\t\t1\tnote=", "attribute \"note\" has an empty value"),
        ("bad wikidata", "a\tplace\tParis\t\t1\twikidata=90", "attribute wikidata=\"90\": expected Q followed by digits"),
        ("bad country", "a\tplace\tParis\t\t1\tcountry=fra", "attribute country=\"fra\": expected an ISO 3166-1 alpha-2 code such as FR"),
        ("bad geonames", "a\tplace\tParis\t\t1\tgeonames=29x", "attribute geonames=\"29x\": expected digits only"),
    ];

    #[test]
    fn malformed_lines_are_reported_with_file_and_line() {
        for &(name, line, want) in BAD {
            let text = format!("# header\n\n{line}\n");
            let err = parse(Path::new("g/places.tsv"), &text, 0).expect_err(name);
            assert_eq!(err.to_string(), format!("g/places.tsv:3: {want}"), "{name}");
        }
    }

    #[test]
    fn parses_a_full_line() {
        let text = "p:1\tplace\tUnited States\tU.S.|US|USA|America|Amerika@any,weak\t100\tcountry=US; geonames=6252001;wikidata=Q30\r\n";
        let entries = parse(Path::new("x.tsv"), text, 7).unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!((e.id.as_str(), e.kind, e.canonical.as_str(), e.priority, e.file, e.line), ("p:1", Kind::Place, "United States", 100, 7, 1));
        let got: Vec<(&str, CasePolicy, bool)> = e.aliases.iter().map(|a| (a.text.as_str(), a.case, a.weak)).collect();
        assert_eq!(
            got,
            vec![
                ("United States", CasePolicy::Capitalized, false),
                ("U.S.", CasePolicy::Exact, false),
                ("US", CasePolicy::Exact, false),
                ("USA", CasePolicy::Exact, false),
                ("America", CasePolicy::Capitalized, false),
                ("Amerika", CasePolicy::Any, true),
            ]
        );
        assert_eq!(e.attributes, vec![("country".into(), "US".into()), ("geonames".into(), "6252001".into()), ("wikidata".into(), "Q30".into())]);
    }

    #[test]
    fn canonical_listed_as_alias_keeps_its_flags() {
        let e = &parse(Path::new("x.tsv"), "o:1\torganization\tNATO\tNATO@any|Nato\t85\t", 0).unwrap()[0];
        assert_eq!(e.aliases.len(), 2);
        assert_eq!((e.aliases[0].text.as_str(), e.aliases[0].case), ("NATO", CasePolicy::Any));
    }

    /// (alias, default policy)
    const DEFAULT_CASE: &[(&str, CasePolicy)] = &[
        ("US", CasePolicy::Exact),
        ("U.S.", CasePolicy::Exact),
        ("IAEA", CasePolicy::Exact),
        ("UNHCR", CasePolicy::Exact),
        ("UNICEF", CasePolicy::Capitalized),
        ("Nato", CasePolicy::Capitalized),
        ("Paris", CasePolicy::Capitalized),
        ("G7", CasePolicy::Exact),
    ];

    #[test]
    fn default_case_policy() {
        for &(alias, want) in DEFAULT_CASE {
            assert_eq!(default_case(alias), want, "{alias}");
        }
    }
}
