//! `lint` end to end on one file: parse, recognise istiod and gateway objects, every rule,
//! and the three report formats.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vault_istio::report::{RenderInput, json, sarif, text};
use vault_istio::{Options, SourceFile, lint};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let sources = [SourceFile::new("fuzz.yaml", input)];
    let report = lint(&sources, &Options::default());
    let _ = text::render(&RenderInput::lint(&report, &sources), false);
    let _ = json::render(&report);
    let _ = sarif::render(&report.findings);
});
