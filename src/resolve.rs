//! From raw matches to the mentions of a response: which entry each name refers to, which
//! figures survive beside the names, and how mentions group into entities.
//!
//! Rules, in order:
//! 1. Each name match refers to its best-ranked candidate whose case policy accepts the text
//!    (and whose gazetteer is selected). A `weak` alias needs evidence: its entry must also be
//!    the choice of some match through a non-weak alias in the same document; otherwise the
//!    next candidate is tried, and the match is dropped when none is left.
//! 2. Names found by rules ([`crate::names`]) replace the gazetteer names strictly inside
//!    them, and are tied together by co-reference, over the whole document:
//!    - the same words typed twice are one entity;
//!    - a single word (or a title and a word) equal to the surname of a person named in full
//!      ("Okafor", "Ms Okafor" after "Ngozi Okafor"), or to the first word of an organisation
//!      found by a rule ("Acme" after "Acme Corp."), joins that entity;
//!    - an acronym in parentheses right after a name whose initials it spells ("(OECD)") makes
//!      that name an organisation and joins it; the acronym's later uses join it too, and so do
//!      capital words spelling a found organisation's initials;
//!    - one sense per document: a single-word gazetteer name equal to a person's surname
//!      ("Jordan" after "Michael Jordan") is that person;
//!    - an entity found by rules gets a document-scoped id, `doc:<kind>:<slug of the longest
//!      form>`, and the longest form as its canonical name.
//! 3. A figure that overlaps a name is dropped ("Channel 4 News" is a name, not a 4), unless
//!    the names it overlaps lie strictly inside it ("US" in "US$4.7 billion").
//! 4. Mentions are returned in text order; entities in order of first mention.
//!
//! The automaton and the case rules belong to [`crate::matcher`]; the figure scanner to
//! [`crate::figures`]; the cue rules to [`crate::names`].

/// The per-document maps, some keyed by text from the client's document: foldhash, seeded at
/// random per process like std's SipHash (so a text cannot be made of colliding keys ahead of
/// time), and much cheaper for short keys; SipHash was about 3% of the engine's instructions on
/// the bench article.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use crate::figures::FigureMatch;
use crate::gazetteer::{Gazetteers, Kind};
use crate::matcher::{allowed, Candidate, Hit, Matcher};
use crate::mention::{Alternative, Entity, EntityKind, Evidence, Found, Mention, Method, Rule, Target};
use crate::names::Name;
use crate::text::fold;

/// What resolution knows about an entry beyond its names, computed once per gazetteer set.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// ISO 3166-1 alpha-2, upper case; `[0, 0]` when the entry gives none.
    pub country: [u8; 2],
    /// A country (not a subdivision, a city or a region).
    pub is_country: bool,
    /// An ISO 3166-2 code: the subdivision the entry is ("US-TX"), or for a city the
    /// subdivision it lies in where GeoNames' first-level code is the ISO one ("US" + "TX").
    pub subdivision: Option<Box<str>>,
    /// The entry is a first-level subdivision.
    pub is_subdivision: bool,
}

impl Profile {
    /// The profile of one entry, from its attributes.
    pub fn of(e: &crate::gazetteer::Entry, is_country: bool) -> Profile {
        let get = |key: &str| e.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let country = get("country").filter(|c| c.len() == 2).map_or([0, 0], |c| {
            let b = c.as_bytes();
            [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]
        });
        let own = get("subdivision").map(Box::from);
        let is_subdivision = own.is_some();
        let subdivision = own.or_else(|| {
            let admin1 = get("admin1")?;
            (admin1.len() == 2 && admin1.bytes().all(|b| b.is_ascii_uppercase()) && country != [0, 0])
                .then(|| format!("{}{}-{admin1}", country[0] as char, country[1] as char).into())
        });
        Profile { country, is_country, subdivision, is_subdivision }
    }
}

/// The document around the names: entry profiles, and whether a title cue ends right before
/// a position ("President" before "Jordan").
pub struct Context<'a> {
    pub profiles: &'a [Profile],
    pub title_before: &'a dyn Fn(usize) -> bool,
    /// Fill [`Mention::alternatives`].
    pub alternatives: bool,
}

/// Score weights (docs/found.md, "Context decides"): the prior is `priority / 100`.
const SAME_COUNTRY: f32 = 0.5;
const SAME_COUNTRY_MORE: f32 = 0.1;
const APPOSITION: f32 = 2.0;
const APPOSITION_SUBDIVISION: f32 = 1.0;
const CONTAINS_CITY: f32 = 0.6;
const TITLE_PERSON: f32 = 2.0;

/// Confidence of a gazetteer name before ambiguity: by how it matched.
const EXACT: f32 = 0.97;
const FOLDED: f32 = 0.93;
const ALIAS: f32 = 0.9;
const WEAK_ALIAS: f32 = 0.8;

/// Turns accepted name hits into mentions (rule 1): each hit's candidates are scored by the
/// document (see [`score`]), the best wins, and the margin over the next gives the confidence.
pub fn names(
    gazetteers: &Gazetteers,
    matcher: &Matcher,
    text: &str,
    hits: &[Hit],
    files: Option<&[bool]>,
    ctx: &Context<'_>,
    out: &mut Vec<Mention>,
) {
    // The candidates of each hit that its gazetteer selection and case policy let through,
    // found once: `passing[bounds[k]..bounds[k + 1]]` for hit `k`.
    let mut passing: Vec<&Candidate> = Vec::with_capacity(hits.len() * 2);
    let mut bounds: Vec<usize> = Vec::with_capacity(hits.len() + 1);
    bounds.push(0);
    for h in hits {
        let original = &text[h.start..h.end];
        passing.extend(matcher.candidates(h.pattern).iter().filter(|c| allowed(c, files) && c.accepts(original)));
        bounds.push(passing.len());
    }
    let of = |k: usize| passing[bounds[k]..bounds[k + 1]].iter().copied();
    // First pass: the best candidate of each hit, which is final unless it is weak; entries
    // chosen through a non-weak alias are the evidence weak aliases need.
    let mut evidenced: Vec<u32> = Vec::new();
    for k in 0..hits.len() {
        let mut candidates = of(k);
        let first = candidates.next();
        let strong = match first {
            Some(c) if c.weak => candidates.find(|c| !c.weak),
            other => other,
        };
        evidenced.extend(strong.map(|c| c.entry));
    }
    evidenced.sort_unstable();
    evidenced.dedup();
    let is_evidenced = |c: &Candidate| !c.weak || evidenced.binary_search(&c.entry).is_ok();

    // The document's countries and subdivisions: from hits whose eligible candidates all
    // agree on one (with the hit, so that a name does not support itself).
    // Counted per country and per subdivision, with what each hit lent, so that a hit can
    // leave itself out in constant time (the document may hold a million names).
    let mut support: HashMap<[u8; 2], usize> = HashMap::default();
    let mut lent: Vec<Option<[u8; 2]>> = vec![None; hits.len()];
    let mut regions: HashMap<&str, usize> = HashMap::default();
    let mut lent_region: Vec<Option<&str>> = vec![None; hits.len()];
    for k in 0..hits.len() {
        let mut eligible = of(k).filter(|c| is_evidenced(c));
        let Some(first) = eligible.next() else { continue };
        let p = &ctx.profiles[first.entry as usize];
        // The country is the document's when every other reading is clearly less prominent
        // ("Melbourne": Australia's city far above Florida's).
        let top = gazetteers.entries[first.entry as usize].priority as u32;
        let same = eligible.all(|c| ctx.profiles[c.entry as usize].country == p.country || (gazetteers.entries[c.entry as usize].priority as u32) * 100 < top * 85);
        if same && p.country != [0, 0] {
            *support.entry(p.country).or_default() += 1;
            lent[k] = Some(p.country);
        }
        if let (true, Some(sub)) = (of(k).filter(|c| is_evidenced(c)).count() == 1, &p.subdivision) {
            if !p.is_subdivision {
                *regions.entry(sub).or_default() += 1;
                lent_region[k] = Some(sub);
            }
        }
    }

    struct Choice {
        entry: u32,
        method: Method,
        confidence: f32,
        local: bool,
        alternatives: Vec<Alternative>,
    }
    let mut choices: Vec<Option<Choice>> = Vec::with_capacity(hits.len());
    let mut scored: Vec<(f32, &Candidate, bool, bool)> = Vec::new();
    for (k, h) in hits.iter().enumerate() {
        let original = &text[h.start..h.end];
        scored.clear();
        // "X, <region>": the hits on either side of ", " and their candidates, weak ones too
        // ("Kingston, Ontario": the city of Canada, and the province).
        let next = hits.get(k + 1).filter(|n| n.start == h.end + 2 && text[h.end..n.start].starts_with(", ")).map(|_| k + 1);
        let prev = k.checked_sub(1).filter(|&p| h.start == hits[p].end + 2 && text[hits[p].end..h.start].starts_with(", "));
        let profiles_of = |n: usize| of(n).map(|c| &ctx.profiles[c.entry as usize]);
        // Asked only where a person is among the readings.
        let title = of(k).any(|c| gazetteers.entries[c.entry as usize].kind == Kind::Person) && ctx.title_before(h.start);
        for c in of(k) {
            let p = &ctx.profiles[c.entry as usize];
            let entry = &gazetteers.entries[c.entry as usize];
            let mut local = false;
            let mut local_support = false;
            let mut s = entry.priority as f32 / 100.0;
            if p.country != [0, 0] {
                let n = support.get(&p.country).copied().unwrap_or(0) - usize::from(lent[k] == Some(p.country));
                if n > 0 {
                    s += SAME_COUNTRY + SAME_COUNTRY_MORE * (n - 1).min(2) as f32;
                }
                if let Some(n) = next {
                    let mut regions = profiles_of(n).filter(|a| (a.is_country || a.is_subdivision) && a.country == p.country).peekable();
                    if regions.peek().is_some() {
                        s += APPOSITION;
                        local = true;
                        if regions.any(|a| a.is_subdivision && a.subdivision.is_some() && a.subdivision == p.subdivision) {
                            s += APPOSITION_SUBDIVISION;
                        }
                    }
                }
                if let Some(before) = prev.filter(|_| p.is_country || p.is_subdivision) {
                    if profiles_of(before).any(|b| !b.is_country && b.country == p.country) {
                        s += APPOSITION;
                        local = true;
                    }
                }
                // A first-level subdivision whose short name is weak ("Victoria" for the
                // Australian state) is eligible when its country is named in the document.
                if p.is_subdivision && n > 0 {
                    local_support = true;
                }
            }
            // "the Treasury", "the Fed": a public body's weak short name after a lowercase
            // "the" inside a sentence (at a sentence's start, "Treasury is the right word" is
            // no name; and "the Dow" is an index, not the company: companies are left out).
            if c.weak && entry.kind == Kind::Organization && (the_before(text, h.start) || public_word_after(text, h.end)) && is_public_body(entry) {
                local_support = true;
            }
            if p.is_subdivision {
                if let Some(sub) = &p.subdivision {
                    if regions.get(&**sub).copied().unwrap_or(0) > usize::from(lent_region[k] == Some(&**sub)) {
                        s += CONTAINS_CITY;
                    }
                }
            }
            if title && entry.kind == Kind::Person {
                s += TITLE_PERSON;
                local = true;
            }
            // A weak alias needs evidence: its entry named strongly in the document, or a
            // local cue ("Victoria, Canada" is an alias; "Kingston, Ontario" an apposition).
            let eligible = is_evidenced(c) || local || local_support;
            scored.push((s, c, eligible, local));
        }
        scored.retain(|x| x.2);
        // Best first; equal scores keep the gazetteer's order (priority, then id).
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        // One entry may own the text twice (its canonical name and an alias that fold alike).
        let mut seen: Vec<u32> = Vec::with_capacity(scored.len());
        scored.retain(|x| {
            let fresh = !seen.contains(&x.1.entry);
            seen.push(x.1.entry);
            fresh
        });
        let Some(&(best, c, _, local)) = scored.first() else {
            choices.push(None);
            continue;
        };
        let method = match (c.alias, c.is_verbatim(original)) {
            (0, true) => Method::Exact,
            (0, false) => Method::Folded,
            _ => Method::Alias,
        };
        let base = match method {
            Method::Exact => EXACT,
            Method::Folded => FOLDED,
            _ if c.weak => WEAK_ALIAS,
            _ => ALIAS,
        };
        let second = scored.get(1).map_or(0.0, |x| x.0);
        let margin = if best > 0.0 { ((best - second) / best).clamp(0.0, 1.0) } else { 0.0 };
        let confidence = round3(base * (0.5 + 0.5 * margin));
        let alternatives = if ctx.alternatives {
            scored[1..]
                .iter()
                .map(|&(s, alt, _, _)| Alternative {
                    entry: alt.entry as usize,
                    // Below the winner's even on equal scores: the winner won the tie.
                    confidence: round3(base * 0.5 * (s / best.max(f32::MIN_POSITIVE)).min(1.0) * 0.99),
                })
                .collect()
        } else {
            Vec::new()
        };
        choices.push(Some(Choice { entry: c.entry, method, confidence, local, alternatives }));
    }
    // One sense per document: a name decided by a local cue (an apposition, a title) means
    // the same wherever else the same text appears without one.
    let mut decided: HashMap<u32, (u32, Method, f32)> = HashMap::default();
    for (h, c) in hits.iter().zip(&choices) {
        if let Some(c) = c.as_ref().filter(|c| c.local) {
            decided.entry(h.pattern).or_insert((c.entry, c.method, c.confidence));
        }
    }
    for (h, choice) in hits.iter().zip(choices) {
        // A weak alias with no evidence of its own takes the sense decided elsewhere
        // ("Clinton" after "President Clinton").
        let choice = choice.or_else(|| {
            let &(entry, method, confidence) = decided.get(&h.pattern)?;
            Some(Choice { entry, method, confidence: round3(confidence * 0.9), local: false, alternatives: Vec::new() })
        });
        let Some(mut c) = choice else { continue };
        if let Some(&(entry, _, _)) = decided.get(&h.pattern).filter(|_| !c.local) {
            if let Some(k) = c.alternatives.iter().position(|a| a.entry == entry as usize) {
                // The alternative becomes the choice, the former choice an alternative.
                let former = Alternative { entry: c.entry as usize, confidence: c.alternatives[k].confidence };
                c.alternatives[k] = former;
                c.entry = entry;
            } else if c.entry != entry && !ctx.alternatives {
                c.entry = entry;
            }
        }
        let entry = &gazetteers.entries[c.entry as usize];
        let kind = match entry.kind {
            Kind::Person => EntityKind::Person,
            Kind::Place => EntityKind::Place,
            Kind::Organization => EntityKind::Organization,
        };
        let (start, end) = if kind == EntityKind::Organization { organisation_span(text, h.start, h.end) } else { (h.start, h.end) };
        out.push(Mention {
            start,
            end,
            kind,
            method: c.method,
            target: Some(Target::Entry(c.entry as usize)),
            evidence: None,
            figure: None,
            confidence: c.confidence,
            alternatives: c.alternatives,
        });
    }
}

/// The span of an organisation's name matched at `start..end`, as names are written (the dev
/// sets' conventions, `../shared/eval/README.md`): without a leading "The" ("The Wall Street
/// Journal" is named "Wall Street Journal"; the entry keeps its full name) and without a final
/// possessive that the alias holds and no capitalised word follows ("Moody's said" names
/// "Moody"; "Standard & Poor's Corp." is whole).
fn organisation_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let name = &text[start..end];
    let mut s = start;
    if let Some(rest) = name.strip_prefix("The ").or_else(|| name.strip_prefix("the ")) {
        if rest.starts_with(|c: char| c.is_uppercase()) {
            s = end - rest.len();
        }
    }
    let mut e = end;
    // Not when a capitalised word carries the name on: "Standard & Poor's Corp.".
    let after = &text[end..];
    let after_ok = after.chars().next().is_none_or(|c| !c.is_alphanumeric())
        && !after.strip_prefix(' ').is_some_and(|r| r.starts_with(|c: char| c.is_uppercase()));
    for possessive in ["'s", "\u{2019}s"] {
        if let Some(rest) = text[s..e].strip_suffix(possessive) {
            if after_ok && rest.ends_with(|c: char| c.is_alphanumeric()) && rest.len() >= 2 {
                e = s + rest.len();
            }
        }
    }
    (s, e)
}

/// Three decimals: confidences are evidence in round figures, and stable output diffs well.
fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

impl Context<'_> {
    fn title_before(&self, at: usize) -> bool {
        (self.title_before)(at)
    }
}

/// Confidence of the names found by rules and co-reference (docs/found.md, "How sure"); gazetteer
/// names have theirs from [`names`]. Called once the mentions are final.
pub fn confidence(mentions: &mut [Mention]) {
    for m in mentions.iter_mut() {
        match (m.method, m.evidence) {
            (Method::Rule, Some(Evidence::Cue { rule, .. })) => {
                m.confidence = rule_confidence(rule);
                m.alternatives.clear();
            }
            (Method::Rule, _) => m.confidence = 0.6,
            (Method::Coreference, _) => {
                m.confidence = 0.8;
                m.alternatives.clear();
            }
            _ => {}
        }
    }
    // A shorter form is never surer than the full name it points to ("Okafor" after "Ngozi
    // Okafor" found by its given name at 0.75 is 0.75, not 0.8).
    for k in 0..mentions.len() {
        let (Method::Coreference, Some(Evidence::Coreference { antecedent })) = (mentions[k].method, mentions[k].evidence) else { continue };
        let at = mentions.partition_point(|m| m.start < antecedent as usize);
        if let Some(full) = mentions.get(at).filter(|m| m.start == antecedent as usize && m.method != Method::Coreference) {
            let cap = full.confidence;
            mentions[k].confidence = mentions[k].confidence.min(cap);
        }
    }
}

/// How often a rule's typing is right, in round figures: a title or a designator says what a
/// name is; a surname after a capitalised word only suggests it.
fn rule_confidence(rule: Rule) -> f32 {
    match rule {
        Rule::Title | Rule::Designator | Rule::Acronym | Rule::OrgHead | Rule::Suffix => 0.85,
        Rule::Apposition | Rule::Nationality | Rule::PlaceKey => 0.8,
        Rule::GivenName | Rule::Initials | Rule::FamilyName | Rule::Team | Rule::Scorecard => 0.75,
        Rule::OrgContext => 0.7,
        Rule::Surname | Rule::Said => 0.65,
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
        target: None,
        evidence: None,
        figure: Some(f.figure),
        confidence: 0.0,
        alternatives: Vec::new(),
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

/// Groups name mentions by what they refer to, in order of first mention (rule 4), and turns
/// each co-reference's antecedent from a byte offset into a mention index.
pub fn group(mentions: &mut [Mention]) -> Vec<Entity> {
    let mut index: HashMap<Target, usize> = HashMap::default();
    let mut entities: Vec<Entity> = Vec::new();
    for (k, m) in mentions.iter().enumerate() {
        let Some(target) = m.target else { continue };
        let slot = *index.entry(target).or_insert_with(|| {
            entities.push(Entity { target, kind: m.kind, mentions: Vec::new() });
            entities.len() - 1
        });
        entities[slot].mentions.push(k as u32);
    }
    // An antecedent is the mention starting at its offset, or, where that one gave way to an
    // overlapping name, the entity's first mention.
    let starts: Vec<usize> = mentions.iter().map(|m| m.start).collect();
    let targets: Vec<Option<Target>> = mentions.iter().map(|m| m.target).collect();
    for m in mentions.iter_mut() {
        let target = m.target;
        let Some(Evidence::Coreference { antecedent }) = &mut m.evidence else { continue };
        let first = target.and_then(|t| index.get(&t)).map_or(0, |&e| entities[e].mentions[0]);
        *antecedent = match starts.binary_search(&(*antecedent as usize)) {
            Ok(k) if targets[k] == target => k as u32,
            _ => first,
        };
    }
    entities
}

/// What a shorter form may refer to: the entity, its kind and where its longest form is.
#[derive(Clone, Copy)]
struct Referent {
    target: Target,
    kind: EntityKind,
    at: usize,
}

/// Puts the names found by rules beside the gazetteer names and ties mentions of one entity
/// together (rule 2). `known` and `names` are in text order; returns the name mentions in text
/// order, with [`Evidence::Coreference`] antecedents as byte offsets (see [`group`]).
pub fn coreference(text: &str, known: Vec<Mention>, names: Vec<Name>, found: &mut Vec<Found>) -> Vec<Mention> {
    // Typed chunks replace the gazetteer names inside them.
    let mut keep = vec![true; known.len()];
    let mut first = 0;
    for n in names.iter().filter(|n| n.kind.is_some()) {
        while first < known.len() && known[first].end <= n.start {
            first += 1;
        }
        for (k, m) in known.iter().enumerate().skip(first).take_while(|(_, m)| m.start < n.end) {
            if n.start <= m.start && m.end <= n.end {
                keep[k] = false;
            }
        }
    }
    let known: Vec<Mention> = known.into_iter().zip(keep).filter(|(_, k)| *k).map(|(m, _)| m).collect();

    let mut forms: Vec<(usize, usize)> = Vec::new(); // per found entity: its longest form's span
    let mut by_key: HashMap<(EntityKind, &str), Referent> = HashMap::default();
    // Short forms: a surname, an organisation's first word, an acronym. `None` when two
    // entities claim one.
    let mut short: HashMap<String, Option<Referent>> = HashMap::default();
    // Given names of persons typed by them ("Alan" after "Alan Shearer"): for untyped words
    // only, never against a gazetteer's sense.
    let mut given: HashMap<String, Option<Referent>> = HashMap::default();
    let claim = |short: &mut HashMap<String, Option<Referent>>, key: String, r: Referent| {
        let slot = short.entry(key).or_insert(Some(r));
        if slot.is_some_and(|old| old.target != r.target) {
            *slot = None;
        }
    };
    let mut out: Vec<Mention> = Vec::with_capacity(known.len() + names.len());
    let new_entity = |found: &mut Vec<Found>, forms: &mut Vec<(usize, usize)>, kind, n: &Name| {
        found.push(Found { id: String::new(), kind, canonical: String::new() });
        forms.push((n.start, n.end));
        Referent { target: Target::Found(found.len() - 1), kind, at: n.start }
    };
    // Full names first: every typed chunk of two words or more.
    let mut referent_of: Vec<Option<Referent>> = vec![None; names.len()];
    for (k, n) in names.iter().enumerate() {
        let Some(kind) = n.kind else { continue };
        if n.words < 2 {
            continue;
        }
        let r = match by_key.get(&(kind, n.key.as_str())) {
            Some(&r) => r,
            None => {
                let r = new_entity(found, &mut forms, kind, n);
                by_key.insert((kind, n.key.as_str()), r);
                r
            }
        };
        if !n.head.is_empty() {
            claim(&mut short, n.head.clone(), r);
        }
        if !n.given.is_empty() {
            claim(&mut given, n.given.clone(), r);
        }
        if kind == EntityKind::Organization && n.initials.len() >= 2 {
            claim(&mut short, n.initials.to_lowercase(), r);
        }
        referent_of[k] = Some(r);
    }
    // Persons the gazetteers named in full lend their surnames too.
    for m in known.iter().filter(|m| m.kind == EntityKind::Person) {
        let words: Vec<&str> = text[m.start..m.end].split_whitespace().collect();
        if let (true, Some(last), Some(target)) = (words.len() >= 2, words.last(), m.target) {
            claim(&mut short, fold(last), Referent { target, kind: EntityKind::Person, at: m.start });
        }
    }
    // The organisation a short form stands for, by where its full name starts: a name typed
    // above or a gazetteer's.
    let referent_at = |at: usize, referent_of: &[Option<Referent>]| -> Option<Referent> {
        let p = names.partition_point(|n| n.start < at);
        if let Some(r) = names.get(p).filter(|n| n.start == at).and_then(|_| referent_of[p]) {
            return Some(r);
        }
        let m = known.get(known.partition_point(|m| m.start < at)).filter(|m| m.start == at && m.kind == EntityKind::Organization)?;
        Some(Referent { target: m.target?, kind: m.kind, at })
    };
    for (k, n) in names.iter().enumerate() {
        let evidence = n.rule.map(|(rule, start, end)| Evidence::Cue { rule, start, end });
        let mention = |n: &Name, kind, method, target, evidence| Mention {
            start: n.start,
            end: n.end,
            kind,
            method,
            target: Some(target),
            evidence,
            figure: None,
            confidence: 0.0,
            alternatives: Vec::new(),
        };
        let coref = |r: Referent| Some(Evidence::Coreference { antecedent: r.at as u32 });
        let same_kind = |r: &Referent| n.kind.is_none_or(|kind| kind == r.kind);
        if let Some(r) = referent_of[k] {
            out.push(mention(n, r.kind, Method::Rule, r.target, evidence));
        } else if let Some(r) = n.refers.and_then(|at| referent_at(at, &referent_of)) {
            out.push(mention(n, r.kind, Method::Coreference, r.target, coref(r)));
            referent_of[k] = Some(r);
        } else if let Some(r) = short.get(&n.key).copied().flatten().filter(same_kind) {
            out.push(mention(n, r.kind, Method::Coreference, r.target, coref(r)));
            referent_of[k] = Some(r);
        } else if let Some(r) = given.get(&n.key).copied().flatten().filter(|_| n.kind.is_none() && !short.contains_key(&n.key)) {
            out.push(mention(n, r.kind, Method::Coreference, r.target, coref(r)));
            referent_of[k] = Some(r);
        } else if let Some(r) = [EntityKind::Person, EntityKind::Organization, EntityKind::Place]
            .iter()
            .find_map(|&kind| by_key.get(&(kind, n.key.as_str())).copied())
            .filter(same_kind)
        {
            out.push(mention(n, r.kind, Method::Coreference, r.target, coref(r)));
            referent_of[k] = Some(r);
        } else if let Some(kind) = n.kind {
            let r = new_entity(found, &mut forms, kind, n);
            by_key.insert((kind, n.key.as_str()), r);
            if kind == EntityKind::Person {
                // "President Bush" lends "Bush" to the document's later "Bush administration".
                claim(&mut short, n.key.clone(), r);
            }
            out.push(mention(n, kind, Method::Rule, r.target, evidence));
            referent_of[k] = Some(r);
        } else if let Some(p) = k.checked_sub(1).filter(|&p| spells(text, &names[p], n)) {
            // "(OECD)" right after the name it spells: an organisation, unless already typed
            // otherwise.
            let r = match referent_of[p] {
                Some(r) if r.kind == EntityKind::Organization => r,
                Some(_) => continue,
                None => {
                    let long = &names[p];
                    let r = new_entity(found, &mut forms, EntityKind::Organization, long);
                    let cue = Some(Evidence::Cue { rule: Rule::Acronym, start: n.start, end: n.end });
                    out.push(mention(long, EntityKind::Organization, Method::Rule, r.target, cue));
                    referent_of[p] = Some(r);
                    r
                }
            };
            claim(&mut short, n.key.clone(), r);
            out.push(mention(n, r.kind, Method::Coreference, r.target, coref(r)));
            referent_of[k] = Some(r);
        }
    }
    // One sense per document: a place's name that is a club here ("Surrey 429-7" and then
    // "Surrey beat Kent").
    let mut known = known;
    let clubs: HashMap<&str, Referent> = names
        .iter()
        .zip(&referent_of)
        .filter(|(n, _)| n.rule.is_some_and(|r| r.0 == Rule::Team))
        .filter_map(|(n, r)| Some((n.key.as_str(), (*r)?)))
        .collect();
    if !clubs.is_empty() {
        for m in known.iter_mut().filter(|m| m.kind == EntityKind::Place) {
            if let Some(r) = clubs.get(fold(&text[m.start..m.end]).as_str()) {
                *m = Mention {
                    kind: EntityKind::Organization,
                    method: Method::Coreference,
                    target: Some(r.target),
                    evidence: Some(Evidence::Coreference { antecedent: r.at as u32 }),
                    ..m.clone()
                };
            }
        }
    }
    // One sense per document: a one-word gazetteer name that is a person's surname here.
    let persons = short.values().any(|r| r.is_some_and(|r| r.kind == EntityKind::Person));
    for m in known.iter_mut().filter(|m| persons && m.kind != EntityKind::Person) {
        let word = &text[m.start..m.end];
        if word.contains(char::is_whitespace) {
            continue;
        }
        if let Some(r) = short.get(&fold(word)).copied().flatten().filter(|r| r.kind == EntityKind::Person) {
            *m = Mention {
                kind: EntityKind::Person,
                method: Method::Coreference,
                target: Some(r.target),
                evidence: Some(Evidence::Coreference { antecedent: r.at as u32 }),
                ..m.clone()
            };
        }
    }
    // Canonical names and ids of the found entities: the longest form.
    for m in &out {
        if let Some(Target::Found(f)) = m.target {
            let (s, e) = forms[f];
            if text[m.start..m.end].chars().count() > text[s..e].chars().count() {
                forms[f] = (m.start, m.end);
            }
        }
    }
    for (f, &(s, e)) in found.iter_mut().zip(&forms) {
        f.canonical = text[s..e].split_whitespace().collect::<Vec<_>>().join(" ");
        f.id = format!("doc:{}:{}", kind_name(f.kind), slug(&f.canonical));
    }
    // Antecedents point at the longest form.
    for m in &mut out {
        if let (Some(Evidence::Coreference { antecedent }), Some(Target::Found(f))) = (&mut m.evidence, m.target) {
            *antecedent = forms[f].0 as u32;
        }
    }
    without_overlaps(known, out)
}

/// A government's body, a legislature, a court, a central bank, an armed or security service
/// or an intergovernmental one, by its `type=` attribute.
fn is_public_body(entry: &crate::gazetteer::Entry) -> bool {
    const TYPES: &[&str] = &[
        "ministry", "government_body", "legislature", "central_bank", "court", "regulator", "military", "intelligence",
        "police", "un_organ", "eu_institution", "intergovernmental",
    ];
    entry.attributes.iter().any(|(k, v)| k == "type" && TYPES.contains(&v.as_str()))
}

/// A word right after a public body's short name that only a body has ("Treasury officials",
/// "Treasury bonds", "House Speaker", "House vote"), as a word of its own.
fn public_word_after(text: &str, end: usize) -> bool {
    const WORDS: &[&str] = &[
        "bill", "bills", "bonds", "committee", "debate", "democrats", "floor", "leaders", "majority", "members",
        "minority", "notes", "official", "officials", "panel", "republicans", "secretary", "securities", "speaker",
        "spokesman", "spokeswoman", "vote", "yields",
    ];
    let Some(rest) = text[end..].strip_prefix(' ') else { return false };
    let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let boundary = rest[n..].chars().next().is_none_or(|c| !c.is_alphanumeric());
    boundary && n <= 11 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(&rest[..n]))
}

/// A lowercase "the" right before `start`, as a word of its own.
fn the_before(text: &str, start: usize) -> bool {
    text[..start].strip_suffix("the ").is_some_and(|b| !b.ends_with(|c: char| c.is_alphanumeric()))
}

/// Puts gazetteer names and names from rules in one list in text order: a gazetteer name
/// inside a name from rules yields to it; a name from rules that overlaps a gazetteer name
/// only in part yields to the gazetteer.
fn without_overlaps(known: Vec<Mention>, mut found: Vec<Mention>) -> Vec<Mention> {
    found.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let mut keep_known = vec![true; known.len()];
    let mut kept: Vec<Mention> = Vec::with_capacity(found.len());
    let mut first = 0;
    for f in found {
        if kept.last().is_some_and(|last| f.start < last.end) {
            continue;
        }
        while first < known.len() && known[first].end <= f.start {
            first += 1;
        }
        let touching = (first..known.len()).take_while(|&k| known[k].start < f.end);
        if touching.clone().any(|k| known[k].start < f.start || known[k].end > f.end) {
            continue;
        }
        touching.for_each(|k| keep_known[k] = false);
        kept.push(f);
    }
    let mut all: Vec<Mention> = known.into_iter().zip(keep_known).filter(|(_, k)| *k).map(|(m, _)| m).collect();
    all.append(&mut kept);
    all.sort_by_key(|m| m.start);
    all
}

/// Whether `acronym` is a capital word of 2 to 6 letters in parentheses right after `long`,
/// spelling the initials of its capitalised words: "Organisation for Economic Co-operation and
/// Development (OECD)".
fn spells(text: &str, long: &Name, acronym: &Name) -> bool {
    acronym.words == 1
        && acronym.upper
        && acronym.parenthesised
        && long.words >= 2
        && (2..=6).contains(&acronym.key.len())
        && text[long.end..acronym.start].trim() == "("
        && long.initials == acronym.key.to_uppercase()
}

fn kind_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "person",
        EntityKind::Place => "place",
        EntityKind::Organization => "organization",
        EntityKind::Figure => "figure",
    }
}

/// Lowercase letters and digits, other runs as one "-": "Ngozi Okafor" -> "ngozi-okafor".
fn slug(s: &str) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{Figure, FigureKind, Qualifier};

    fn name(start: usize, end: usize, entry: usize) -> Mention {
        Mention {
            start,
            end,
            kind: EntityKind::Place,
            method: Method::Exact,
            target: Some(Target::Entry(entry)),
            evidence: None,
            figure: None,
            confidence: 0.97,
            alternatives: Vec::new(),
        }
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
        let mut ms = vec![name(0, 1, 7), name(2, 3, 3), name(4, 5, 7)];
        let got: Vec<(Target, Vec<u32>)> = group(&mut ms).into_iter().map(|e| (e.target, e.mentions)).collect();
        assert_eq!(got, vec![(Target::Entry(7), vec![0, 2]), (Target::Entry(3), vec![1])]);
    }
}
