//! The mention and entity types every stage shares: what the matcher, the figure scanner, the
//! names stage and resolution produce, and what the gRPC adapter converts.
//!
//! This module owns only the types. Finding mentions belongs to the stages
//! ([`crate::matcher`], [`crate::figures`], [`crate::names`]); deciding which entity a mention
//! refers to belongs to [`crate::resolve`]; the engine's face is [`crate::extract`].

use crate::figures::Figure;

/// What a mention is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Person,
    Place,
    Organization,
    Figure,
}

/// How a mention was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The canonical name, as written in the gazetteer.
    Exact,
    /// The canonical name up to case, diacritics, quotes, dashes and spaces.
    Folded,
    /// An alias of the entry.
    Alias,
    /// A figure found by the scanner.
    Pattern,
    /// A name no gazetteer holds, found by a rule over cue words ([`Evidence::Cue`]).
    Rule,
    /// A shorter form of a name found elsewhere in the same document ([`Evidence::Coreference`]).
    Coreference,
}

/// The rule of the names stage that typed a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A title or role before the name ("President", "Mr", "spokesman").
    Title,
    /// A known given name first ("Ngozi Okafor").
    GivenName,
    /// Initials before a capitalised word ("J. Smith").
    Initials,
    /// A family name written first, then a given name of syllables ("Wang Yi").
    FamilyName,
    /// A person suffix last ("Jr.").
    Suffix,
    /// A known surname last, after a capitalised word.
    Surname,
    /// An organisation designator or head word last ("Inc.", "Party").
    Designator,
    /// An organisation head word first ("Ministry of").
    OrgHead,
    /// A place key last or first ("Province", "Mount").
    PlaceKey,
    /// Apposition to a known country or first-level subdivision ("Springfield, Illinois").
    Apposition,
    /// An acronym defined beside its long form ("(OECD)").
    Acronym,
    /// A club in a results or standings line, or in "X v Y".
    Team,
    /// A country in parentheses after a name ("Gete Wami (Ethiopia)").
    Nationality,
    /// Words around a name that only an organisation has ("shares of X", "X's chairman",
    /// "X, a Nairobi-based lender"), there or at another use of the name in the document.
    OrgContext,
    /// "said X." ending a quotation's attribution: the speaker.
    Said,
    /// A player on a cricket scorecard ("c Vaas b Chandana", "Vaas 7-0-29-0").
    Scorecard,
}

impl Rule {
    /// The rule's name in a mention's `evidence` ("title:President").
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Title => "title",
            Rule::GivenName => "given-name",
            Rule::Initials => "initials",
            Rule::FamilyName => "family-name",
            Rule::Suffix => "suffix",
            Rule::Surname => "surname",
            Rule::Designator => "designator",
            Rule::OrgHead => "org-head",
            Rule::PlaceKey => "place-key",
            Rule::Apposition => "apposition",
            Rule::Acronym => "acronym",
            Rule::Team => "team",
            Rule::Nationality => "nationality",
            Rule::OrgContext => "org-context",
            Rule::Said => "said",
            Rule::Scorecard => "scorecard",
        }
    }
}

/// Why a name that no gazetteer entry matched is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A rule and its cue: the cue's UTF-8 byte span in the original text.
    Cue { rule: Rule, start: usize, end: usize },
    /// Tied to the document's mention with this index (a full name, a long form).
    Coreference { antecedent: u32 },
}

/// What a name mention refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A gazetteer entry, by index ([`crate::Extractor::entry`]).
    Entry(usize),
    /// An entity found by rules in this document, by index into [`Extraction::found`].
    Found(usize),
}

/// Another entry a name mention could refer to, with the confidence it would have had.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alternative {
    /// Index of the gazetteer entry ([`crate::Extractor::entry`]).
    pub entry: usize,
    pub confidence: f32,
}

/// One mention, in UTF-8 byte offsets of the original text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub kind: EntityKind,
    pub method: Method,
    /// `None` for figures.
    pub target: Option<Target>,
    /// Set for [`Method::Rule`] and [`Method::Coreference`].
    pub evidence: Option<Evidence>,
    pub figure: Option<Figure>,
    /// How sure the engine is of the name and its referent, in [0, 1] (docs/found.md, "How sure");
    /// 0 for figures.
    pub confidence: f32,
    /// The other entries the name could refer to, best first, when the request asked for
    /// them; each with a confidence below the mention's.
    pub alternatives: Vec<Alternative>,
}

impl Mention {
    /// The gazetteer entry this mention refers to, if any.
    pub fn entry(&self) -> Option<usize> {
        match self.target {
            Some(Target::Entry(k)) => Some(k),
            _ => None,
        }
    }
}

/// An entity no gazetteer holds, found by rules in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Document-scoped id: `doc:person:ngozi-okafor`.
    pub id: String,
    pub kind: EntityKind,
    /// The longest form seen in the document.
    pub canonical: String,
}

/// One distinct entity and the indexes of its mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub target: Target,
    pub kind: EntityKind,
    pub mentions: Vec<u32>,
}

/// The result for one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    /// In text order, never overlapping.
    pub mentions: Vec<Mention>,
    /// In order of first mention.
    pub entities: Vec<Entity>,
    /// The entities found by rules, referred to by [`Target::Found`].
    pub found: Vec<Found>,
}
