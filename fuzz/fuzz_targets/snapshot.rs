//! The saved-snapshot loader (`audit --from-snapshot`: files users pass around) and the
//! audit rules on whatever it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vault_istio::audit::{self, snapshot::Saved};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(saved) = Saved::parse(text) else {
        return;
    };
    let options = audit::Options {
        now: Some(1_730_419_200),
        ..Default::default()
    };
    let _ = audit::evaluate_with_vault(&saved.clusters, saved.vault.as_ref(), &options);
});
