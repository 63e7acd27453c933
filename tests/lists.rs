//! The larger derived lists in the default gazetteers (`persons-wikidata.tsv`, `orgs-sp500.tsv`,
//! `orgs-clubs.tsv`, built by `gazetteers/tools/build_lists.py`; `orgs-parties.tsv`,
//! `orgs-ror.tsv`, `orgs-nsi.tsv`, `orgs-sec.tsv`, built by `gazetteers/tools/build_orgs.py`): their names are found with the
//! source's ids, their one-word forms only beside a fuller name, and the curated entries keep
//! the names they share with them. Sentences written for this test.

use std::path::Path;

use gazette::{Encoding, Extractor, Options};

fn default_extractor() -> &'static Extractor {
    static LOADED: std::sync::OnceLock<Extractor> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| {
        Extractor::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers")).expect("default gazetteers load")
    })
}

/// `(text, entity id)` of every mention of `text`, as the service returns them.
fn mentions(text: &str) -> Vec<(String, String)> {
    let extractor = default_extractor();
    let extraction = extractor.extract(text, &Options::default()).expect("extracts");
    let json = gazette::grpc::extract_json(extractor, text, "t".to_owned(), extraction, Encoding::CodePoint);
    json["mentions"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    (
                        m["text"].as_str().unwrap_or_default().to_owned(),
                        m["entityId"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn derived_names_are_found_with_their_ids() {
    // name, text, mention text, expected entity id
    let cases = [
        ("politician, full name", "Horst Seehofer told reporters in Munich that talks had failed.", "Horst Seehofer", "wikidata:Q44612"),
        ("politician, diacritics folded", "Cem Ozdemir criticised the budget on Tuesday.", "Cem Ozdemir", "wikidata:Q12839"),
        ("senator", "The vote was delayed after Joe Manchin withheld his support.", "Joe Manchin", "wikidata:Q538868"),
        ("company without designator", "Valero Energy raised its dividend for the third year.", "Valero Energy", "org:sp500-vlo"),
        ("company, full name", "Danaher Corporation agreed to buy the maker of lab tools.", "Danaher Corporation", "org:sp500-dhr"),
        ("company, one word beside its full name", "Danaher Corporation said on Monday that Danaher would cut jobs.", "Danaher", "org:sp500-dhr"),
        ("club", "Queens Park Rangers beat the league leaders 2-1 on Saturday.", "Queens Park Rangers", "org:club-gb-queens-park-rangers-fc"),
        ("club, plain words beside the full name", "Port Vale FC lost again; Port Vale have not won since May.", "Port Vale", "org:club-gb-port-vale-fc"),
        ("club, two words", "Hansa Rostock sacked their coach after the defeat.", "Hansa Rostock", "org:club-de-hansa-rostock"),
        ("curated entry keeps its name", "Emmanuel Macron met the ministers in Paris.", "Emmanuel Macron", "person:emmanuel-macron"),
        ("brand with its QID (orgs-nsi)", "Rabobank cut its forecast for Dutch growth.", "Rabobank", "wikidata:Q252004"),
        ("university (orgs-ror)", "Researchers at Shantou University published the data.", "Shantou University", "wikidata:Q835075"),
        ("party (orgs-parties)", "The Pan Africanist Congress called for a boycott.", "Pan Africanist Congress", "wikidata:Q775460"),
        ("SEC company with CIK (orgs-sec)", "Magna International Inc raised its outlook.", "Magna International Inc", "org:sec-749098"),
    ];
    for (name, text, want_text, want_id) in cases {
        let got = mentions(text);
        assert!(
            got.iter().any(|(t, id)| t == want_text && id == want_id),
            "{name}: expected {want_text:?} as {want_id} in {text:?}, got {got:?}"
        );
    }
}

#[test]
fn one_word_forms_alone_are_not_the_derived_entries() {
    // name, text, entity id that must not appear
    let cases = [
        ("a river, not the club", "Ships sailed up the Clyde to Glasgow at dawn.", "org:club-gb-clyde"),
        ("a town, not the club", "The ferry from Stranraer was cancelled because of the storm.", "org:club-gb-stranraer"),
        ("a surname alone", "Danaher said the report was wrong.", "org:sp500-dhr"),
        ("a common word", "The carnival drew thousands to the Carnival parade downtown.", "org:sp500-ccl"),
        ("a founder's name alone", "Ralph Lauren showed his new collection in New York.", "org:sp500-rl"),
        ("plain words alone", "Port Vale is a name that two quiet streets share.", "org:club-gb-port-vale-fc"),
        ("a surname's plural, not the card shop", "The Clintons arrived at the dinner late.", "wikidata:Q5134299"),
        ("a common word, not the chemist", "Boots were muddy after the walk.", "wikidata:Q6123139"),
        ("a place, not the clothing brand", "Camp David talks resumed on Sunday.", "wikidata:Q50540636"),
    ];
    for (name, text, banned) in cases {
        let got = mentions(text);
        assert!(!got.iter().any(|(_, id)| id == banned), "{name}: {banned} must not be found in {text:?}, got {got:?}");
    }
}
