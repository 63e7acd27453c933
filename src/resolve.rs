//! From raw matches to the mentions of a response: which entry each name refers to, which
//! figures survive beside the names, and how mentions group into entities.
//!
//! Rules, in order:
//! 1. Each name match refers to its best-ranked candidate whose case policy accepts the text
//!    (and whose gazetteer is selected). A `weak` alias needs evidence: its entry must also be
//!    the choice of some match through a non-weak alias in the same document; otherwise the
//!    next candidate is tried, and the match is dropped when none is left.
//! 2. A figure that overlaps a name is dropped ("Channel 4 News" is a name, not a 4), unless
//!    the names it overlaps lie strictly inside it ("US" in "US$4.7 billion").
//! 3. Mentions are returned in text order; entities in order of first mention.
//!
//! The automaton and the case rules belong to [`crate::matcher`]; the figure scanner to
//! [`crate::figures`].

use std::collections::HashMap;

use crate::extract::{Entity, EntityKind, Mention, Method};
use crate::figures::FigureMatch;
use crate::gazetteer::{Gazetteers, Kind};
use crate::matcher::{allowed, Candidate, Hit, Matcher};

/// Turns accepted name hits into mentions (rule 1).
pub fn names(
    gazetteers: &Gazetteers,
    matcher: &Matcher,
    text: &str,
    hits: &[Hit],
    files: Option<&[bool]>,
    out: &mut Vec<Mention>,
) {
    let passes = |c: &Candidate, original: &str| allowed(c, files) && c.accepts(original);
    // First pass: the best candidate of each hit, which is final unless it is weak; entries
    // chosen through a non-weak alias are the evidence weak aliases need.
    let mut chosen: Vec<Option<&Candidate>> = Vec::with_capacity(hits.len());
    let mut evidenced: Vec<u32> = Vec::new();
    for h in hits {
        let original = &text[h.start..h.end];
        let mut candidates = matcher.candidates(h.pattern).iter().filter(|c| passes(c, original));
        let first = candidates.next();
        let strong = match first {
            Some(c) if c.weak => candidates.find(|c| !c.weak),
            other => other,
        };
        evidenced.extend(strong.map(|c| c.entry));
        chosen.push(first);
    }
    evidenced.sort_unstable();
    evidenced.dedup();
    for (h, first) in hits.iter().zip(chosen) {
        let original = &text[h.start..h.end];
        let chosen = match first {
            Some(c) if c.weak && evidenced.binary_search(&c.entry).is_err() => matcher
                .candidates(h.pattern)
                .iter()
                .find(|c| passes(c, original) && (!c.weak || evidenced.binary_search(&c.entry).is_ok())),
            other => other,
        };
        let Some(c) = chosen else { continue };
        let entry = &gazetteers.entries[c.entry as usize];
        let method = match (c.alias, c.is_verbatim(original)) {
            (0, true) => Method::Exact,
            (0, false) => Method::Folded,
            _ => Method::Alias,
        };
        out.push(Mention {
            start: h.start,
            end: h.end,
            kind: match entry.kind {
                Kind::Person => EntityKind::Person,
                Kind::Place => EntityKind::Place,
                Kind::Organization => EntityKind::Organization,
            },
            method,
            entry: Some(c.entry as usize),
            figure: None,
        });
    }
}

/// Merges figures into the name mentions (both in text order, each without overlaps). A
/// figure that overlaps a name is dropped, unless every name it overlaps lies strictly inside
/// it: then the names are part of the figure and are dropped instead ("US" in "US$4.7
/// billion") (rule 2).
pub fn merge_figures(names: Vec<Mention>, figures: Vec<FigureMatch>) -> Vec<Mention> {
    if figures.is_empty() {
        return names;
    }
    let mut keep_name = vec![true; names.len()];
    let mut keep_figure = vec![true; figures.len()];
    let mut first = 0; // the first name that can still overlap a figure
    for (k, f) in figures.iter().enumerate() {
        while first < names.len() && names[first].end <= f.start {
            first += 1;
        }
        let overlapping = names[first..].iter().take_while(|n| n.start < f.end).count();
        if overlapping == 0 {
            continue;
        }
        let swallowed = names[first..first + overlapping]
            .iter()
            .all(|n| f.start <= n.start && n.end <= f.end && n.end - n.start < f.end - f.start);
        if swallowed {
            keep_name[first..first + overlapping].iter_mut().for_each(|keep| *keep = false);
        } else {
            keep_figure[k] = false;
        }
    }
    let figures = figures.into_iter().zip(keep_figure).filter(|(_, keep)| *keep).map(|(f, _)| Mention {
        start: f.start,
        end: f.end,
        kind: EntityKind::Figure,
        method: Method::Pattern,
        entry: None,
        figure: Some(f.figure),
    });
    let mut names = names.into_iter().zip(keep_name).filter(|(_, keep)| *keep).map(|(n, _)| n).peekable();
    let mut out = Vec::with_capacity(names.size_hint().1.unwrap_or(0) + figures.size_hint().1.unwrap_or(0));
    for f in figures {
        while let Some(n) = names.next_if(|n| n.start < f.start) {
            out.push(n);
        }
        out.push(f);
    }
    out.extend(names);
    out
}

/// Groups name mentions by entry, in order of first mention (rule 3).
pub fn group(mentions: &[Mention]) -> Vec<Entity> {
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut entities: Vec<Entity> = Vec::new();
    for (k, m) in mentions.iter().enumerate() {
        let Some(entry) = m.entry else { continue };
        let slot = *index.entry(entry).or_insert_with(|| {
            entities.push(Entity { entry, kind: m.kind, mentions: Vec::new() });
            entities.len() - 1
        });
        entities[slot].mentions.push(k as u32);
    }
    entities
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{Figure, FigureKind, Qualifier};

    fn name(start: usize, end: usize, entry: usize) -> Mention {
        Mention { start, end, kind: EntityKind::Place, method: Method::Exact, entry: Some(entry), figure: None }
    }

    fn figure(start: usize, end: usize) -> FigureMatch {
        FigureMatch {
            start,
            end,
            figure: Figure {
                kind: FigureKind::Cardinal,
                value: 4.0,
                value_max: None,
                unit: String::new(),
                date: String::new(),
                approximate: false,
                qualifier: Qualifier::None,
            },
        }
    }

    /// (name, names, figures, expected spans)
    #[allow(clippy::type_complexity)]
    const MERGE: &[(&str, &[(usize, usize)], &[(usize, usize)], &[(usize, usize)])] = &[
        ("disjoint interleave", &[(0, 5), (20, 25)], &[(10, 12), (30, 31)], &[(0, 5), (10, 12), (20, 25), (30, 31)]),
        ("figure inside name dropped", &[(0, 14)], &[(8, 9)], &[(0, 14)]),
        ("figure overlapping name start dropped", &[(5, 10)], &[(3, 6)], &[(5, 10)]),
        ("figure touching name kept", &[(0, 5)], &[(5, 7)], &[(0, 5), (5, 7)]),
        ("name strictly inside a figure dropped", &[(0, 2), (20, 25)], &[(0, 14)], &[(0, 14), (20, 25)]),
        ("figure equal to a name dropped", &[(3, 8)], &[(3, 8)], &[(3, 8)]),
        ("figure over a name and past another dropped", &[(0, 2), (10, 16)], &[(0, 12)], &[(0, 2), (10, 16)]),
        ("no names", &[], &[(1, 2)], &[(1, 2)]),
    ];

    #[test]
    fn merge_table() {
        for &(label, ns, fs, want) in MERGE {
            let names = ns.iter().enumerate().map(|(k, &(s, e))| name(s, e, k)).collect();
            let figures = fs.iter().map(|&(s, e)| figure(s, e)).collect();
            let got: Vec<(usize, usize)> = merge_figures(names, figures).iter().map(|m| (m.start, m.end)).collect();
            assert_eq!(got, want, "{label}");
        }
    }

    #[test]
    fn groups_in_order_of_first_mention() {
        let ms = vec![name(0, 1, 7), name(2, 3, 3), name(4, 5, 7)];
        let got: Vec<(usize, Vec<u32>)> = group(&ms).into_iter().map(|e| (e.entry, e.mentions)).collect();
        assert_eq!(got, vec![(7, vec![0, 2]), (3, vec![1])]);
    }
}
