//! The Gateway/DestinationRule/gateway-workload readers and the gateway rules on them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vault_istio::gateway::{IstioVersion, Kind, read};
use vault_istio::rules::{GatewayTarget, RULES, check_gateways};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = vault_istio::source::yaml::parse(text) else {
        return;
    };
    for kind in [Kind::Auto, Kind::Gateway] {
        let inventory = read("fuzz.yaml", &docs, kind);
        let rules = RULES.to_vec();
        for version in [IstioVersion { major: 1, minor: 20 }, IstioVersion::NEWEST] {
            let target = GatewayTarget {
                inventory: &inventory,
                istio_version: version,
                version_given: true,
                scoped_to_namespace: data.len() % 2 == 0,
                live: None,
            };
            let mut out = Vec::new();
            check_gateways(&target, &rules, &mut out);
        }
    }
});
