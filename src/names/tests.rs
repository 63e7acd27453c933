//! The names stage and the co-reference after it, through the engine: a small gazetteer and a
//! small cue set written here, and sentences of our own.

use std::path::PathBuf;

use crate::extract::{Extractor, Options};
use crate::gazetteer::Gazetteers;
use crate::mention::{EntityKind, Evidence, Method, Target};
use crate::names::Cues;

const GAZETTEER: &str = "\
geonames:1\tplace\tJordan\t\t100\tgeonames=1;country=JO
geonames:2\tplace\tNigeria\t\t100\tgeonames=2;country=NG
iso3166-2:US-IL\tplace\tIllinois\t\t60\tsubdivision=US-IL;country=US
geonames:3\tplace\tManchester\t\t70\tgeonames=3;country=GB;admin1=ENG
geonames:4\tplace\tParis\t\t90\tgeonames=4;country=FR;admin1=11
geonames:5\tplace\tUnited States\tU.S.|US\t100\tgeonames=5;country=US
person:vladimir-putin\tperson\tVladimir Putin\tPutin\t85\t
org:un\torganization\tUnited Nations\tUN\t85\t
iso3166-2:GB-ENG\tplace\tEngland\t\t60\tsubdivision=GB-ENG;country=GB;type=country
org:kandor-treasury\torganization\tKandor Treasury\tTreasury@weak\t85\ttype=ministry
org:dow\torganization\tDow Inc.\tDow@weak\t70\ttype=company
org:amex\torganization\tAmerican Wexpress\t\t80\ttype=company
org:kodar\torganization\tEastman Kodar Co.\t\t70\ttype=company
org:kandor-times\torganization\tThe Kandor Times\t\t80\ttype=newspaper
org:zorbys\torganization\tZorby's\t\t80\ttype=company
";

const CUES: &str = "\
Ngozi\tgiven\t
Michael\tgiven\t
John\tgiven\t
Mohammed\tgiven\t
Paris\tgiven\tambiguous
Hilton\tsurname\t
Smith\tsurname\t
Wang\tfamily-first\t
yi\tsyllable\t
ze\tsyllable\t
min\tsyllable\t
of\tconnector\t
of\tcommon\t
the\tconnector\t
al\tconnector\t
Jr.\tsuffix\t
President\ttitle\t
Prime Minister\ttitle\t
Ms\ttitle\t
Mr\ttitle\t
spokesman\ttitle\t
Inc.\torg-end\t
Newsroom\torg-end\t
Party\torg-end\t
United\torg-end\tweak
Ministry of\torg-start\t
Province\tplace-end\t
Ministry\torg-end\t
and\tconnector\t
and\tcommon\t
In\tcommon\t
Mount\tplace-start\t
The\tcommon\t
However\tcommon\t
Later\tcommon\t
Police\tcommon\t
Government\tcommon\t
said\tcommon\t
Russian\tdemonym\t
Reading\tcommon\t
Trade\tcommon\t
Works\tcommon\t
American\tdemonym\t
Corp.\torg-end\t
Co.\torg-end\t
Holdings\torg-end\t
Farmers\tcommon\t
Blue\tcommon\t
Great\tcommon\t
";

fn extractor() -> Extractor {
    let g = Gazetteers::from_sources(vec![(PathBuf::from("t.tsv"), GAZETTEER.as_bytes().to_vec())]).unwrap();
    let cues = Cues::from_sources(&[(PathBuf::from("cues/t.tsv"), CUES.as_bytes().to_vec())]).unwrap();
    Extractor::with_cues(g, cues).unwrap()
}

/// What a name mention looks like in a test: its text, kind, and evidence ("title:President",
/// "coreference:<text of the antecedent>", "" for gazetteer names).
fn names(x: &Extractor, text: &str, options: &Options) -> Vec<(String, EntityKind, String)> {
    let e = x.extract(text, options).unwrap();
    e.mentions
        .iter()
        .filter(|m| m.kind != EntityKind::Figure)
        .map(|m| {
            let evidence = match m.evidence {
                Some(Evidence::Cue { rule, start, end }) => format!("{}:{}", rule.as_str(), &text[start..end]),
                Some(Evidence::Coreference { antecedent }) => {
                    let a = &e.mentions[antecedent as usize];
                    format!("coreference:{}", &text[a.start..a.end])
                }
                None => String::new(),
            };
            (text[m.start..m.end].to_owned(), m.kind, evidence)
        })
        .collect()
}

use EntityKind::{Organization as O, Person as P, Place as L};

/// (name, text, expected (mention, kind, evidence))
#[allow(clippy::type_complexity)]
const CASES: &[(&str, &str, &[(&str, EntityKind, &str)])] = &[
    ("given name", "Ngozi Okafor arrived.", &[("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("surname later joins", "Ngozi Okafor arrived. Later Okafor left.", &[("Ngozi Okafor", P, "given-name:Ngozi"), ("Okafor", P, "coreference:Ngozi Okafor")]),
    ("title and surname joins", "Ngozi Okafor arrived. Ms Okafor left.", &[("Ngozi Okafor", P, "given-name:Ngozi"), ("Okafor", P, "coreference:Ngozi Okafor")]),
    ("surname before the full name", "Okafor wins. Ngozi Okafor arrived.", &[("Okafor", P, "coreference:Ngozi Okafor"), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("given name alone joins", "Ngozi Okafor arrived. Later Ngozi left.", &[("Ngozi Okafor", P, "given-name:Ngozi"), ("Ngozi", P, "coreference:Ngozi Okafor")]),
    ("title", "President Adeyemi spoke.", &[("Adeyemi", P, "title:President")]),
    ("multi-word title", "Prime Minister Kofi Mensah spoke.", &[("Kofi Mensah", P, "title:Prime Minister")]),
    ("demonym and title", "Russian President Vladimir Putin spoke.", &[("Vladimir Putin", P, "")]),
    ("lowercase role", "said spokesman Tunde Bakare.", &[("Tunde Bakare", P, "title:spokesman")]),
    ("initials", "J. R. Ewing arrived.", &[("J. R. Ewing", P, "initials:J.")]),
    ("suffix", "Later Kwesi Appiah Jr. arrived.", &[("Kwesi Appiah Jr.", P, "suffix:Jr.")]),
    ("surname last", "Later Tolu Smith arrived.", &[("Tolu Smith", P, "surname:Smith")]),
    ("family first", "Later Wang Yi arrived.", &[("Wang Yi", P, "family-name:Wang")]),
    ("family first two syllables", "Later Wang Zemin arrived.", &[("Wang Zemin", P, "family-name:Wang")]),
    ("particle", "Later Mohammed al-Rashid arrived.", &[("Mohammed al-Rashid", P, "given-name:Mohammed")]),
    ("designator", "He joined Zentrix Inc. last year.", &[("Zentrix Inc.", O, "designator:Inc.")]),
    ("designator short form joins", "He joined Zentrix Inc. last year. Zentrix grew.", &[("Zentrix Inc.", O, "designator:Inc."), ("Zentrix", O, "coreference:Zentrix Inc.")]),
    ("head word", "the Green Dawn Party won.", &[("Green Dawn Party", O, "designator:Party")]),
    ("org head with of", "the Ministry of Fisheries said.", &[("Ministry of Fisheries", O, "org-head:Ministry of")]),
    ("weak designator over a place", "Manchester United won.", &[("Manchester United", O, "designator:United")]),
    ("place key", "in Kandor Province today.", &[("Kandor Province", L, "place-key:Province")]),
    ("place start", "climbed Mount Elbrai twice.", &[("Mount Elbrai", L, "place-key:Mount")]),
    ("apposition", "born in Springvale, Illinois.", &[("Springvale", L, "apposition:Illinois"), ("Illinois", L, "")]),
    ("dateline", "LAGOS, Nigeria (Reuters) - Rain fell.", &[("LAGOS", L, "apposition:Nigeria"), ("Nigeria", L, "")]),
    ("given name beats a place inside", "Michael Jordan scored.", &[("Michael Jordan", P, "given-name:Michael")]),
    ("one sense per document", "Michael Jordan scored. Jordan smiled.", &[("Michael Jordan", P, "given-name:Michael"), ("Jordan", P, "coreference:Michael Jordan")]),
    ("ambiguous given needs a surname", "Paris Hilton sang.", &[("Paris Hilton", P, "given-name:Paris")]),
    ("ambiguous given alone is the place", "Paris Gardens opened.", &[("Paris", L, "")]),
    ("acronym defined", "the Zentrix Holding Group (ZHG) grew. ZHG fell.", &[("Zentrix Holding Group", O, "acronym:ZHG"), ("ZHG", O, "coreference:Zentrix Holding Group"), ("ZHG", O, "coreference:Zentrix Holding Group")]),
    ("sentence-initial common word", "However Ngozi Okafor left.", &[("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("no evidence, no name", "Police said Harlan Vesk left.", &[]),
    ("common capitalised words", "The Government said so.", &[]),
    ("known person kept", "President Vladimir Putin spoke.", &[("Vladimir Putin", P, "")]),
    ("possessive splits", "Nigeria's Ngozi Okafor spoke.", &[("Nigeria", L, ""), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("headline only by co-reference", "OKAFOR WINS\nNgozi Okafor won.", &[("OKAFOR", P, "coreference:Ngozi Okafor"), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("line break splits", "John\nSmith", &[]),
    ("ampersand makes an organisation", "He joined Harlow & Venn last year.", &[("Harlow & Venn", O, "designator:&")]),
    ("and inside an organisation", "the Trade and Fisheries Ministry said.", &[("Trade and Fisheries Ministry", O, "designator:Ministry")]),
    ("and between two organisations", "the Green Dawn Party and Blue Dawn Party met.", &[("Green Dawn Party", O, "designator:Party"), ("Blue Dawn Party", O, "designator:Party")]),
    ("sentence-final abbreviation keeps its dot out", "He joined Zentrix Inc.\nIt grew.", &[("Zentrix Inc", O, "designator:Inc")]),
    ("honorific beats a place key", "Later Mr Province spoke.", &[("Province", P, "title:Mr")]),
    ("results line", "Kandor 2 Manchester 1\n", &[("Kandor", O, "team:2"), ("Manchester", O, "team:1")]),
    ("standings line and prose", "Manchester 71 64 .526\nManchester lost again.", &[("Manchester", O, "team:71"), ("Manchester", O, "coreference:Manchester")]),
    ("versus", "Later Kandor v Manchester.", &[("Kandor", O, "team:v"), ("Manchester", O, "team:v")]),
    ("a number after a place in prose is no score", "In Manchester 2 people died.", &[("Manchester", L, "")]),
    ("a year after a dateline is no score", "MANCHESTER 1996-08-30\nRain fell.", &[("MANCHESTER", L, "")]),
    ("nationality", "Later Tunde Bakare (Nigeria) won.", &[("Tunde Bakare", P, "nationality:Nigeria"), ("Nigeria", L, "")]),
    ("nationality with a score is a team", "Kandor Rovers (Nigeria) 75 Later\n", &[("Nigeria", L, "")]),
    ("countries are national sides, not clubs", "Nigeria 2 Manchester 1\n", &[("Nigeria", L, ""), ("Manchester", O, "team:1")]),
    ("home nations are national sides, not clubs", "England 2 Manchester 1\n", &[("England", L, ""), ("Manchester", O, "team:1")]),
    ("initials written together", "Later J.P. Kandor Inc. rose.", &[("J.P. Kandor Inc.", O, "designator:Inc.")]),
    ("partners listed before the ampersand", "He joined Harlow, Venn & Kandor last year.", &[("Harlow, Venn & Kandor", O, "designator:&")]),
    ("a place before a firm is no partner", "In Manchester, Venn & Kandor grew.", &[("Manchester", L, ""), ("Venn & Kandor", O, "designator:&")]),
    ("result verb in a sports report", "The striker scored two goals in the league. Kandor beat Manchester.", &[("Kandor", O, "team:beat"), ("Manchester", O, "team:beat")]),
    ("result verb outside sport", "Later Kandor beat Manchester to the contract.", &[("Manchester", L, "")]),
    ("against in a sports report", "The striker scored twice in the league. They lost against Manchester.", &[("Manchester", O, "team:against")]),
    ("against outside sport", "They campaigned against Manchester.", &[("Manchester", L, "")]),
    ("a role after a club", "The league goals came late. Manchester captain Ngozi Okafor scored.", &[("Manchester", O, "team:captain"), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("a common word is a club all through a sports report", "The fans of Reading cheered. The striker scored in the league. Kandor beat Reading.", &[("Reading", O, "team:beat"), ("Kandor", O, "team:beat"), ("Reading", O, "coreference:Reading")]),
    ("a player after a club's possessive in a sports report", "The striker scored two goals in the league. Manchester's Ngozi Okafor scored.", &[("Manchester", O, "team:'s"), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("a side's two innings after a colon in a sports report", "The bowler took two wickets in the innings. Scores at the close: Manchester 363 and 144.", &[("Manchester", O, "team:363")]),
    ("a line of results ends with its full stop", "The bowler took two wickets in the innings. Close: Kandor 214, Manchester 108-3.", &[("Kandor", O, "team:214"), ("Manchester", O, "team:108")]),
    ("a wire sports slug makes a sports report", "SOCCER - RESULTS\nLater they lost to Manchester.", &[("Manchester", O, "team:lost to")]),
    ("a transfer in a sports report", "The striker scored twice in the league. He joined Manchester last year.", &[("Manchester", O, "team:joined")]),
    ("a club's verb and a number in a sports report", "The bowler took two wickets in the innings. Manchester had reached 372.", &[("Manchester", O, "team:had reached")]),
    ("a role with a hyphen after a club", "The bowler took two wickets in the innings. Manchester all-rounder Ngozi Okafor scored.", &[("Manchester", O, "team:all-rounder"), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("a final score after the in a sports report", "The pitcher hit a homer in the inning. Later Kandor beat the Tigers 6-2.", &[("Kandor", O, "team:beat"), ("Tigers", O, "team:beat")]),
    ("a place by its place key in a results line", "Later 5 Kandor Palace 4 1 2\n", &[("Kandor Palace", O, "team:4")]),
    ("a two-word city in a results line", "Seattle 9 San Diego 1 Kandor 2\n", &[("Seattle", O, "team:9"), ("San Diego", O, "team:1"), ("Kandor", O, "team:2")]),
    ("a result after a club's possessive in a sports report", "The pitcher hit a homer in the inning. Later Manchester's lead grew.", &[("Manchester", O, "team:lead")]),
    ("a final score after a club and a in a sports report", "The pitcher hit a homer in the inning. It gave Manchester a 4-2 lead.", &[("Manchester", O, "team:4-2")]),
    ("a side carried to a total in a sports report", "The bowler took two wickets in the innings. They won by reducing Manchester to 133 for five.", &[("Manchester", O, "team:reducing")]),
    ("a person after a place's possessive outside sport", "Later Manchester's Ngozi Okafor spoke.", &[("Manchester", L, ""), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("a reporters' desk", "-- Manchester Newsroom +44 171", &[("Manchester Newsroom", O, "designator:Newsroom")]),
    ("a common word outside sport", "Later Kandor beat Reading to the deal.", &[]),
    ("a public body's weak name after a lowercase the", "Later the Treasury said so.", &[("Treasury", O, "")]),
    ("a weak name at a sentence's start", "Treasury is the right word.", &[]),
    ("a company's weak name after the", "Later the Dow fell.", &[]),
    // A sentence's first common word before a designator.
    ("a common word first before a designator", "Reading Rail Inc. grew.", &[("Reading Rail Inc.", O, "designator:Inc.")]),
    ("a gazetteer name the common word starts", "American Wexpress Inc. grew.", &[("American Wexpress Inc.", O, "designator:Inc.")]),
    ("a function word first before a designator", "The Zentrix Inc. deal grew.", &[("Zentrix Inc.", O, "designator:Inc.")]),
    ("an adverb first before a designator", "However Zentrix Inc. grew.", &[("Zentrix Inc.", O, "designator:Inc.")]),
    ("a demonym first before a designator", "Russian Zentrix Inc. grew.", &[("Zentrix Inc.", O, "designator:Inc.")]),
    ("a common word first without a designator", "Reading Rail grew.", &[]),
    // A common connector joins a designator only after a common word.
    ("and after a common word", "the Works and Fisheries Ministry said.", &[("Works and Fisheries Ministry", O, "designator:Ministry")]),
    ("and after a gazetteer name", "Later Manchester and Fisheries Ministry met.", &[("Manchester", L, ""), ("Fisheries Ministry", O, "designator:Ministry")]),
    ("of after a person", "said Michael Smith of Zentrix Inc. today.", &[("Michael Smith", P, "given-name:Michael"), ("Zentrix Inc.", O, "designator:Inc.")]),
    ("of after a capital word of no name", "Later Kandor of Zentrix Inc. spoke.", &[("Zentrix Inc.", O, "designator:Inc.")]),
    ("a public body's weak name before a word only a body has", "Later Treasury officials said so.", &[("Treasury", O, "")]),
    ("a public body's weak name before bonds", "He sold Treasury bonds.", &[("Treasury", O, "")]),
    ("said before a speaker", "\"We won,\" said Kwabena Osei.", &[("Kwabena Osei", P, "said:said")]),
    ("said before a speaker, then the surname", "\"We won,\" said Osei. Later Osei left.", &[("Osei", P, "said:said"), ("Osei", P, "coreference:Osei")]),
    ("a speaker after a quotation", "\"We won,\" Osei said.", &[("Osei", P, "said:said")]),
    ("a speaker after a quotation, told", "\"We won,\" Osei told Kandor.", &[("Osei", P, "said:told")]),
    ("a time after a nationality is an athlete's", "1. Tunde Bakare (Nigeria) 13:06.12\n", &[("Tunde Bakare", P, "nationality:Nigeria"), ("Nigeria", L, "")]),
    ("a scorecard's bowler", "The batsman scored in the innings. The wicket fell.\nJ. Smith c Osei b Mensah 13\n", &[("J. Smith", P, "initials:J."), ("Osei", P, "scorecard:c"), ("Mensah", P, "scorecard:b")]),
    ("bowling figures", "The batsman scored in the innings. The wicket fell.\nBowling: Osei 7-0-29-0, Mensah 10-1-41-2\n", &[("Osei", P, "scorecard:7-0-29-0"), ("Mensah", P, "scorecard:10-1-41-2")]),
    // Organisations known by a bare name, from the words around them.
    ("shares of", "He bought shares of Zorvex last year.", &[("Zorvex", O, "org-context:shares of")]),
    ("analyst at", "said an analyst at Brightwater Lamb today.", &[("Brightwater Lamb", O, "org-context:analyst at")]),
    ("possessive and board", "Later Zorvex's board met.", &[("Zorvex", O, "org-context:board")]),
    ("possessive and chief executive", "He is Zorvex's chief executive.", &[("Zorvex", O, "org-context:chief executive")]),
    ("officials after", "Later Zorvex officials declined to comment.", &[("Zorvex", O, "org-context:officials")]),
    ("apposition with an organisation head", "He joined Zorvex, a Nairobi-based lender, in May.", &[("Zorvex", O, "org-context:lender")]),
    ("apposition with a head and of", "He joined Zorvex, a unit of Kandor Inc., in May.", &[("Zorvex", O, "org-context:unit"), ("Kandor Inc.", O, "designator:Inc.")]),
    ("based in", "He joined Zorvex, based in Manchester, in May.", &[("Zorvex", O, "org-context:based"), ("Manchester", L, "")]),
    ("an acronym after the", "Later the ZRB said so.", &[("ZRB", O, "org-context:the")]),
    ("an acronym after the, then alone", "The ZRB grew. Later ZRB fell.", &[("ZRB", O, "org-context:The"), ("ZRB", O, "coreference:ZRB")]),
    ("an acronym with a possessive cue", "Later ZRB's chairman spoke.", &[("ZRB", O, "org-context:chairman")]),
    ("a firm named after a person", "Later Michael Zorvex's board met. Michael Zorvex grew.", &[("Michael Zorvex", O, "org-context:board"), ("Michael Zorvex", O, "org-context:board")]),
    ("a modifier before the noun", "Later Zorvex vice chairman Ngozi Okafor spoke.", &[("Zorvex", O, "org-context:chairman"), ("Ngozi Okafor", P, "given-name:Ngozi")]),
    ("acquire", "He agreed to acquire Zorvex last year.", &[("Zorvex", O, "org-context:acquire")]),
    ("one sense per document, before the cue", "Later Zorvex grew. He bought shares of Zorvex.", &[("Zorvex", O, "org-context:shares of"), ("Zorvex", O, "coreference:Zorvex")]),
    // Short forms of organisations.
    ("the words before the designator", "Blue Zorvex Inc. grew. Later Blue Zorvex fell.", &[("Blue Zorvex Inc.", O, "designator:Inc."), ("Blue Zorvex", O, "coreference:Blue Zorvex Inc.")]),
    ("a short form before the full name", "Later Blue Zorvex fell. Blue Zorvex Inc. grew.", &[("Blue Zorvex", O, "coreference:Blue Zorvex Inc."), ("Blue Zorvex Inc.", O, "designator:Inc.")]),
    ("a common word before the designator words", "He sold Farmers Holdings Inc. in May. Regulators watch Farmers closely.", &[("Farmers Holdings Inc.", O, "designator:Inc."), ("Farmers", O, "coreference:Farmers Holdings Inc.")]),
    ("the last word after a common one", "Great Northern Zorbak Corp. rose. He praised Zorbak.", &[("Great Northern Zorbak Corp.", O, "designator:Corp."), ("Zorbak", O, "coreference:Great Northern Zorbak Corp.")]),
    ("a short form before a title", "Blue Zorvex Inc. grew. Later Blue Zorvex President Ngozi Okafor spoke.", &[("Blue Zorvex Inc.", O, "designator:Inc."), ("Blue Zorvex", O, "coreference:Blue Zorvex Inc."), ("Ngozi Okafor", P, "title:President")]),
    ("a gazetteer's company by its first word", "Eastman Kodar Co. grew. Later Eastman fell.", &[("Eastman Kodar Co.", O, ""), ("Eastman", O, "coreference:Eastman Kodar Co.")]),
    ("a partner of a firm", "Goldman, Zachs & Co. grew. Later Goldman fell.", &[("Goldman, Zachs & Co.", O, "designator:&"), ("Goldman", O, "coreference:Goldman, Zachs & Co.")]),
    // An organisation's span as names are written.
    ("the article before a newspaper's name", "He read The Kandor Times.", &[("Kandor Times", O, "")]),
    ("a company's possessive", "Later Zorby's said so.", &[("Zorby", O, "")]),
];

/// Words that look like an organisation's context but are not.
#[allow(clippy::type_complexity)]
const NOT_ORGANISATIONS: &[(&str, &str, &[(&str, EntityKind, &str)])] = &[
    ("a cue word apart from the name", "Later Zorvex spoke of shares and boards.", &[]),
    ("a person's possessive", "Later Zorvex's wife spoke.", &[]),
    ("a person's apposition", "Later Zorvex, a Nairobi-based lawyer, spoke.", &[]),
    ("a head noun inside a longer phrase", "Later Zorvex, the company's chairman, spoke.", &[]),
    ("a head noun after the apposition", "Later Zorvex, a lawyer who joined the firm, spoke.", &[]),
    ("a market after a place", "In Manchester the Kandor stock exchange fell.", &[("Manchester", L, "")]),
    ("a cue word at a sentence's start", "Shares rose. Zorvex smiled.", &[]),
    ("a person's surname in the document", "Later Ngozi Zorvex spoke. Ms Zorvex's board met.", &[("Ngozi Zorvex", P, "given-name:Ngozi"), ("Zorvex", P, "coreference:Ngozi Zorvex")]),
    ("a common word with a cue", "Later Reading officials spoke.", &[]),
    ("an acronym alone", "Later ZRB said so.", &[]),
    ("a person's spokesman", "said a spokesman for Michael Zorvex today.", &[("Michael Zorvex", P, "given-name:Michael")]),
    ("a person without an organisation's context", "Later Michael Zorvex's wife spoke.", &[("Michael Zorvex", P, "given-name:Michael")]),
    ("a modifier before another noun", "Later Zorvex vice squad spoke.", &[]),
    ("a dismissal's letter outside sport", "Later plan b Osei left.", &[]),
    ("figures that are no bowler's outside sport", "Later Osei 7-0-29-0 won.", &[]),
    ("said before a subject", "He said Osei would win.", &[]),
    ("a name before said without a quotation", "Later Osei said so.", &[]),
    ("said before an acronym", "\"We won,\" said ZRB.", &[]),
    ("a generic acronym after the", "Later the GDP grew.", &[]),
    ("an acronym after the in a headline", "THE ZRB GREW\nRain fell.", &[]),
    ("an acronym after the, then a capitalised word", "Later the ZRB Kandor grew.", &[]),
    ("an acronym defined by lowercase words", "He took diethylzorb (ZRB). Later the ZRB cases grew.", &[]),
    ("a public body's weak name before another word", "Later Treasury rules changed.", &[]),
    ("a company's weak name before bonds", "Later Dow bonds fell.", &[]),
    ("a short form's common word at a sentence's start", "He sold Farmers Holdings Inc. in May. Farmers are angry.", &[("Farmers Holdings Inc.", O, "designator:Inc.")]),
    ("a short form inside a longer name", "Blue Zorvex Inc. grew. Later Blue Zorvex Kandor fell.", &[("Blue Zorvex Inc.", O, "designator:Inc.")]),
    ("a short form after of and a capitalised word", "Eastman Kodar Co. grew. The Bank of Eastman fell.", &[("Eastman Kodar Co.", O, "")]),
    ("a short form that is a person's surname here", "Zorvex Kandor Inc. grew. Later Ngozi Kandor spoke. Ms Kandor left.", &[("Zorvex Kandor Inc.", O, "designator:Inc."), ("Ngozi Kandor", P, "given-name:Ngozi"), ("Kandor", P, "coreference:Ngozi Kandor")]),
    ("a transfer word outside sport", "He joined Manchester last year.", &[("Manchester", L, "")]),
    ("a verb and a number outside sport", "Later Manchester reached 372 cases.", &[("Manchester", L, "")]),
    ("a wire slug of no sport", "ECONOMY - Rates rose\nLater they lost to Manchester.", &[("Manchester", L, "")]),
    ("two numbers outside sport", "Votes at the close: Manchester 363 and 144.", &[("Manchester", L, "")]),
    ("a lead after a place's possessive outside sport", "Later Manchester's lead in exports grew.", &[("Manchester", L, "")]),
    ("a total outside sport", "The storm reduced Manchester to 133 buses.", &[("Manchester", L, "")]),
    ("a company's possessive before a capitalised word", "Later Zorby's Kandor grew.", &[("Zorby's", O, "")]),
];

#[test]
fn not_organisations_table() {
    let x = extractor();
    let mut failed = Vec::new();
    for &(name, text, want) in NOT_ORGANISATIONS {
        let want: Vec<(String, EntityKind, String)> = want.iter().map(|&(t, k, e)| (t.to_owned(), k, e.to_owned())).collect();
        let got = names(&x, text, &Options::default());
        if got != want {
            failed.push(format!("{name}: {text}\n   got {got:?}\n  want {want:?}"));
        }
    }
    assert!(failed.is_empty(), "{} of {} cases failed:\n{}", failed.len(), NOT_ORGANISATIONS.len(), failed.join("\n"));
}

#[test]
fn names_table() {
    let x = extractor();
    let mut failed = Vec::new();
    for &(name, text, want) in CASES {
        let want: Vec<(String, EntityKind, String)> = want.iter().map(|&(t, k, e)| (t.to_owned(), k, e.to_owned())).collect();
        let got = names(&x, text, &Options::default());
        if got != want {
            failed.push(format!("{name}: {text}\n   got {got:?}\n  want {want:?}"));
        }
    }
    assert!(failed.is_empty(), "{} of {} cases failed:\n{}", failed.len(), CASES.len(), failed.join("\n"));
}

#[test]
fn known_only_finds_only_gazetteer_names() {
    let x = extractor();
    let opts = Options { known_only: true, ..Options::default() };
    let got = names(&x, "Michael Jordan met Ngozi Okafor.", &opts);
    assert_eq!(got, vec![("Jordan".to_owned(), L, String::new())]);
}

#[test]
fn found_entities_have_document_ids_and_the_longest_form() {
    let x = extractor();
    let e = x.extract("Okafor spoke. President Ngozi Okafor arrived. Ms Okafor left.", &Options::default()).unwrap();
    let persons: Vec<_> = e.entities.iter().filter(|g| g.kind == EntityKind::Person).collect();
    assert_eq!(persons.len(), 1, "{:?}", e.mentions);
    assert_eq!(persons[0].mentions, vec![0, 1, 2]);
    let Target::Found(k) = persons[0].target else { panic!("not a found entity") };
    assert_eq!(e.found[k].id, "doc:person:ngozi-okafor");
    assert_eq!(e.found[k].canonical, "Ngozi Okafor");
    assert_eq!(e.mentions[1].method, Method::Rule);
    assert_eq!(e.mentions[0].method, Method::Coreference);
    assert_eq!(e.mentions[2].method, Method::Coreference);
}

/// Words and separators that exercise every rule, in any order: whatever the text, extraction
/// never panics, mentions are in order and never overlap, spans and evidence lie on character
/// boundaries, and every reference points at something that exists.
const VOCABULARY: &[&str] = &[
    "Ngozi", "Okafor", "Michael", "Jordan", "Paris", "Hilton", "Wang", "Zemin", "Yi", "al-Rashid", "O'Brien", "J.", "R.",
    "Jr.", "President", "Prime", "Minister", "Mr", "Ms", "spokesman", "Zentrix", "Inc.", "Party", "United", "Ministry",
    "of", "the", "and", "&", "Province", "Mount", "Manchester", "Nigeria", "Illinois", "Kandor", "ZHG", "OKAFOR", "UN",
    "U.S.", "v", "AT", "2", "71", "1996-08-30", "(", ")", ",", ".", "'s", "-", "\n", "Ü", "É", "—", "\u{301}", "👋🏽", "Later",
    "However", "Russian", "said", "shares of", "board", "officials", "a", "lender", "based in", "'s chief executive", "\u{2019}s",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn any_sequence_of_name_words_is_safe(
        words in proptest::collection::vec(proptest::sample::select(VOCABULARY), 1..40),
        seps in proptest::collection::vec(proptest::sample::select(&[" ", "", "  ", ", ", "\n", " (", ") "][..]), 40),
    ) {
        let text: String = words.iter().zip(&seps).flat_map(|(w, s)| [*w, *s]).collect();
        let x = extractor();
        let e = x.extract(&text, &Options::default()).unwrap();
        let mut end = 0;
        for m in &e.mentions {
            proptest::prop_assert!(m.start >= end && m.start < m.end, "{text:?}: {m:?}");
            proptest::prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
            end = m.end;
            match m.evidence {
                Some(Evidence::Cue { start, end, .. }) => {
                    proptest::prop_assert!(start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end));
                }
                Some(Evidence::Coreference { antecedent }) => {
                    proptest::prop_assert!((antecedent as usize) < e.mentions.len());
                    proptest::prop_assert_eq!(e.mentions[antecedent as usize].target, m.target);
                }
                None => {}
            }
            if let Some(Target::Found(k)) = m.target {
                proptest::prop_assert!(k < e.found.len());
                proptest::prop_assert!(e.found[k].id.starts_with("doc:"));
            }
        }
        for g in &e.entities {
            proptest::prop_assert!(g.mentions.iter().all(|&k| e.mentions[k as usize].target == Some(g.target)));
        }
    }
}

#[test]
fn sports_words_are_sorted_single_words() {
    let words = super::SPORTS_WORDS;
    assert!(words.windows(2).all(|w| w[0] < w[1]), "SPORTS_WORDS must be sorted for its binary search");
    assert!(words.iter().all(|w| w.bytes().all(|b| b.is_ascii_lowercase())), "folded words are lowercase letters only");
}

#[test]
fn generic_acronyms_are_sorted_folded_words() {
    let words = super::GENERIC_ACRONYMS;
    assert!(words.windows(2).all(|w| w[0] < w[1]), "GENERIC_ACRONYMS must be sorted for its binary search");
    assert!(words.iter().all(|w| w.bytes().all(|b| b.is_ascii_lowercase())), "folded words are lowercase letters only");
}

#[test]
fn openers_are_sorted_single_words() {
    let words = super::OPENERS;
    assert!(words.windows(2).all(|w| w[0] < w[1]), "OPENERS must be sorted for its binary search");
    assert!(words.iter().all(|w| w.bytes().all(|b| b.is_ascii_lowercase())), "folded words are lowercase letters only");
}

/// A shorter form is never surer than the full name it points to: "Okafor" after "Ngozi Okafor"
/// (a given name's rule, 0.75) is 0.75; after "President Ngozi Okafor" (a title's, 0.85), 0.8.
#[test]
fn a_short_form_is_never_surer_than_its_full_name() {
    let x = extractor();
    for (text, full, short) in [("Ngozi Okafor arrived. Later Okafor left.", 0.75, 0.75), ("President Ngozi Okafor arrived. Later Okafor left.", 0.85, 0.8)] {
        let e = x.extract(text, &Options::default()).unwrap();
        let got: Vec<(Method, f32)> = e.mentions.iter().map(|m| (m.method, m.confidence)).collect();
        assert_eq!(got, vec![(Method::Rule, full), (Method::Coreference, short)], "{text}");
    }
}
