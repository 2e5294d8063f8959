//! The ACL evaluator: a policy (before the first NUL) and request paths (one per line after
//! it), evaluated with Vault's path matching and priority rules.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vault_istio::vault::acl::{Acl, Operation};
use vault_istio::vault::policy::parse_policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (policy, paths) = text.split_once('\0').unwrap_or((text, "secret/data/x\nsys/mounts"));
    let Ok(policy) = parse_policy("fuzz", policy) else {
        return;
    };
    let acl = Acl::new(&[policy]);
    for path in paths.lines().take(64) {
        let _ = acl.capabilities(path);
        let _ = acl.allows(Operation::Read, path);
        let _ = acl.allows(Operation::Update, path);
        let _ = acl.deciding_rule(path);
    }
});
