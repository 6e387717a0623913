// Follows unic-langid's lib.rs docs on its "macros" feature: langid!, langids!,
// lang!, script!, region!, variant!, and langid! in const items (without variants).
// dependency: unic-langid = { version = "0.9.0", features = ["macros"] }
use std::str::FromStr;
use unic_langid::subtags::{Language, Region, Script, Variant};
use unic_langid::{lang, langid, langids, region, script, variant, LanguageIdentifier};

const DEFAULT_LOCALE: LanguageIdentifier = langid!("en-US");
const FALLBACK_LOCALES: [LanguageIdentifier; 3] = [
    langid!("en"),
    langid!("sr-Cyrl"),
    langid!("zh-Hant-TW"),
];

fn negotiate(requested: &[LanguageIdentifier]) -> LanguageIdentifier {
    let available = langids!("es-AR", "en-US", "de", "fr-CA", "pt-BR");
    requested
        .iter()
        .find(|r| available.contains(r))
        .cloned()
        .unwrap_or(DEFAULT_LOCALE)
}

fn main() {
    let es_ar = langid!("es-AR");
    let en_us = langid!("en-US");

    assert_eq!(&es_ar.to_string(), "es-AR");
    assert_eq!(&en_us.to_string(), "en-US");

    let lang_ids = langids!("es-AR", "en-US", "de");

    assert_eq!(lang_ids[0], "es-AR");
    assert_eq!(lang_ids[1], "en-US");
    assert_eq!(lang_ids[2], "de");

    assert_eq!(lang!("pl"), "pl");
    assert_eq!(lang!("pl"), Language::from_str("pl").unwrap());

    assert_eq!(script!("latn"), "Latn");
    assert_eq!(script!("latn"), Script::from_str("Latn").unwrap());

    assert_eq!(region!("us"), "US");
    assert_eq!(region!("us"), Region::from_str("us").unwrap());

    assert_eq!(variant!("macos"), "macos");
    assert_eq!(variant!("macos"), Variant::from_str("macos").unwrap());

    let with_variants = langid!("de-Latn-DE-1996-fonipa");
    assert_eq!(with_variants.variants().len(), 2);
    let undetermined = langid!("und");
    assert_eq!(undetermined.to_string(), "und");

    let chosen = negotiate(&[langid!("it"), langid!("fr-CA")]);
    assert_eq!(chosen, "fr-CA");
    assert_eq!(FALLBACK_LOCALES.len(), 3);
}
