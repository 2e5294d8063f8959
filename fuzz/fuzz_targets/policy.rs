//! The Vault policy parser (HCL and JSON).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = vault_istio::vault::policy::parse_policy("fuzz", text);
});
