//! The YAML source parser: any text gives documents or an error with a position.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(docs) = vault_istio::source::yaml::parse(text) {
        // Recognition walks every node the parser built.
        let _ = vault_istio::source::recognize("fuzz.yaml", &docs);
    }
});
