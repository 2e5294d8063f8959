//! VI7xx: gateways whose TLS files come from Vault — Istio `Gateway` servers and
//! `DestinationRule` client settings that name files, and the gateway pods that must have
//! them (reference: docs/rules.md; the facts behind each rule are in its docs).

mod live;
mod pki;
pub mod vi701_tls_file_not_rendered;
pub mod vi702_tls_mode_omitted;
pub mod vi703_tls_required_file_missing;
pub mod vi704_credential_name_with_files;
pub mod vi705_files_on_istio_mutual_or_passthrough;
pub mod vi706_files_on_http_port;
pub mod vi707_tls_file_path_invalid;
pub mod vi708_spki_pinning_ignored_with_files;
pub mod vi709_san_without_client_validation;
pub mod vi710_crl_invalid;
pub mod vi711_selector_matches_no_gateway;
pub mod vi713_selector_matches_pod_without_files;
pub mod vi714_perms_unreadable_by_proxy;
pub mod vi715_run_as_same_user_on_legacy_gateway;
pub mod vi716_inject_containers_excludes_proxy;
pub mod vi717_prepopulate_only_with_expiring_cert;
pub mod vi718_split_pki_issuance;
pub mod vi719_chain_not_leaf_first;
pub mod vi720_leaf_without_chain;
pub mod vi721_cert_san_misses_gateway_hosts;
pub mod vi722_gateway_api_with_vault_files;
pub mod vi723_infrastructure_annotations_over_limit;
pub mod vi724_gateway_config_malformed;
pub mod vi725_values_kind_assumed;
pub mod vi730_dr_mutual_missing_client_files;
pub mod vi731_dr_credential_name_with_files;
pub mod vi732_dr_files_unscoped;
pub mod vi733_dr_ca_omitted_private_pki;
pub mod vi734_dr_istio_mutual_with_files;
pub mod vi740_served_cert_unreadable;
pub mod vi741_served_cert_not_leaf_first;
pub mod vi742_served_key_mismatch;
pub mod vi743_served_chain_incomplete;
pub mod vi744_served_eku_wrong;
pub mod vi745_served_cert_validity;
pub mod vi746_served_cert_san_misses_host;
pub mod vi750_gateway_selects_no_running_pod;
pub mod vi751_gateway_selects_several_workloads;
pub mod vi752_gateway_pod_not_injected;
pub mod vi753_gateway_files_not_mounted_in_proxy;
pub mod vi754_gateway_proxy_file_cert_error;
pub mod vi755_gateway_proxy_cert_not_watched;

use crate::gateway::{IstioGateway, Located, Server, Tls};
use crate::model::Place;

/// `at`, moved to `place` in the same file and document.
pub(crate) fn at(object: &Located, place: &Place) -> Located {
    Located {
        file: object.file.clone(),
        document: object.document,
        place: place.clone(),
    }
}

/// `Gateway ns/name` (or `Gateway name`), as findings name it.
pub(crate) fn gateway_name(gw: &IstioGateway) -> String {
    match &gw.namespace {
        Some(ns) => format!("Gateway {ns}/{}", gw.name),
        None => format!("Gateway {}", gw.name),
    }
}

/// `DestinationRule ns/name` (or `DestinationRule name`), as findings name it.
pub(crate) fn dr_name(dr: &crate::gateway::DestinationRule) -> String {
    match &dr.namespace {
        Some(ns) => format!("DestinationRule {ns}/{}", dr.name),
        None => format!("DestinationRule {}", dr.name),
    }
}

/// Every TLS block of every DestinationRule with its mode (DISABLE when `mode` is
/// absent; `read` drops blocks whose mode is not a client TLS mode).
pub(crate) fn dr_tls(
    rules: &[crate::gateway::DestinationRule],
) -> impl Iterator<
    Item = (
        &crate::gateway::DestinationRule,
        &crate::gateway::DrTls,
        crate::gateway::Mode,
    ),
> {
    use crate::gateway::Mode;
    rules.iter().flat_map(|dr| {
        dr.tls
            .iter()
            .map(move |d| (dr, d, d.tls.mode(Mode::Disable).unwrap_or(Mode::Disable)))
    })
}

/// The client file fields a DestinationRule's TLS block makes the proxy load
/// (`constructUpstreamTLS`): SIMPLE or MUTUAL without `credentialName`; the certificate and
/// key only under MUTUAL, the CA and CRL unless `insecureSkipVerify` is true.
pub(crate) fn dr_used_files(tls: &Tls) -> Vec<&crate::gateway::Field> {
    use crate::gateway::{CLIENT_FILE_FIELDS, Mode};
    let mode = tls.mode(Mode::Disable);
    if !matches!(mode, Some(Mode::Simple | Mode::Mutual)) || tls.text("credentialName").is_some() {
        return Vec::new();
    }
    let skip_verify = tls
        .text("insecureSkipVerify")
        .is_some_and(|t| t.eq_ignore_ascii_case("true"));
    tls.files(CLIENT_FILE_FIELDS)
        .into_iter()
        .filter(|f| match f.key.as_str() {
            "clientCertificate" | "privateKey" => mode == Some(Mode::Mutual),
            _ => !skip_verify,
        })
        .collect()
}

/// Every server of every Gateway with a `tls` block: (gateway, server, tls).
pub(crate) fn server_tls(
    gateways: &[IstioGateway],
) -> impl Iterator<Item = (&IstioGateway, &Server, &Tls)> {
    gateways.iter().flat_map(|g| {
        g.servers
            .iter()
            .filter_map(move |s| s.tls.as_ref().map(|t| (g, s, t)))
    })
}

/// Whether certificate name `san` covers `host`: equal (case-insensitive), or a
/// `*.suffix` wildcard covering exactly one more label. A wildcard host needs the same
/// wildcard.
pub(crate) fn covers(san: &str, host: &str) -> bool {
    let (san, host) = (san.to_ascii_lowercase(), host.to_ascii_lowercase());
    if san == host {
        return true;
    }
    match (san.strip_prefix("*."), host.split_once('.')) {
        (Some(suffix), Some((label, rest))) => label != "*" && !label.is_empty() && rest == suffix,
        _ => false,
    }
}

/// The name in a Gateway `hosts` entry: `ns/shop.example.com` → `shop.example.com`.
pub(crate) fn host_name(host: &str) -> &str {
    host.rsplit('/').next().unwrap_or(host)
}

/// `port 443 (HTTPS)` for messages; messages start with it (lower case, rule style).
pub(crate) fn port_label(s: &Server) -> String {
    match (s.port_number, &s.protocol) {
        (Some(n), Some(p)) => format!("port {n} ({p})"),
        (Some(n), None) => format!("port {n}"),
        (None, Some(p)) => format!("the {p} server"),
        (None, None) => format!("servers[{}]", s.index),
    }
}

/// The files the injector renders on a gateway workload's pods (absolute, cleaned); empty
/// when injection is off.
pub(crate) fn rendered_files(w: &crate::gateway::GatewayWorkload) -> Vec<String> {
    if !crate::rules::Target::new(&w.spec).injection_on() {
        return Vec::new();
    }
    crate::injector::InjectorConfig::from_spec(&w.spec)
        .secrets
        .iter()
        .map(|s| crate::injector::config::clean(&s.destination))
        .collect()
}

/// Where pilot-agent looks for a configured path: relative paths resolve against its
/// working directory `/`.
pub(crate) fn resolved(path: &str) -> String {
    if path.starts_with('/') {
        crate::injector::config::clean(path)
    } else {
        crate::injector::config::join_clean("/", path)
    }
}

/// The file fields of a server that pilot-agent really reads: TLS terminated with files
/// (SIMPLE, MUTUAL, OPTIONAL_MUTUAL) and no credential taking precedence on `version`.
/// SIMPLE reads only the certificate and key; `caCertificates` and `caCrl` matter only
/// when client certificates are checked.
pub(crate) fn used_files(
    tls: &Tls,
    version: crate::gateway::IstioVersion,
) -> Vec<&crate::gateway::Field> {
    use crate::gateway::{Mode, SERVER_FILE_FIELDS};
    let mode = tls.mode(Mode::Passthrough);
    let terminates = matches!(
        mode,
        Some(Mode::Simple | Mode::Mutual | Mode::OptionalMutual)
    );
    if !terminates || credential_in_effect(tls, version).is_some() {
        return Vec::new();
    }
    tls.files(SERVER_FILE_FIELDS)
        .into_iter()
        .filter(|f| {
            mode != Some(Mode::Simple)
                || matches!(f.key.as_str(), "serverCertificate" | "privateKey")
        })
        .collect()
}

/// The credential that takes precedence over certificate files on `version`:
/// `credentialName`, or `credentialNames` from Istio 1.27 (the 1.26 CRD has the field but
/// istiod ignores it; older CRDs do not know it).
pub(crate) fn credential_in_effect(
    tls: &Tls,
    version: crate::gateway::IstioVersion,
) -> Option<&crate::gateway::Field> {
    tls.credential()
        .filter(|f| f.key == "credentialName" || version.at_least(1, 27))
}

/// `tlsCertificates` when set to something other than a scalar (a list of pairs; `read`
/// keeps no scalar text for it, so an empty list counts too).
pub(crate) fn tls_certificates(tls: &Tls) -> Option<&crate::gateway::Field> {
    tls.field("tlsCertificates").filter(|f| f.text.is_none())
}

/// What a version-dependent finding says about the version it judged by:
/// `judged as Istio 1.26`, or `judged as Istio 1.30; pass --istio-version` when the
/// version was not given.
pub(crate) fn version_note(t: &crate::rules::GatewayTarget<'_>) -> String {
    if t.version_given {
        format!("judged as Istio {}", t.istio_version)
    } else {
        format!("judged as Istio {}; pass --istio-version", t.istio_version)
    }
}

#[cfg(test)]
mod tests {
    use super::{covers, host_name};

    #[test]
    fn wildcards_cover_one_label() {
        assert!(covers("shop.example.com", "SHOP.example.com"));
        assert!(covers("*.example.com", "shop.example.com"));
        assert!(!covers("*.example.com", "a.shop.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("shop.example.com", "*.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
    }

    #[test]
    fn host_names_drop_the_namespace() {
        assert_eq!(
            host_name("istio-ingress/shop.example.com"),
            "shop.example.com"
        );
        assert_eq!(host_name("./shop.example.com"), "shop.example.com");
        assert_eq!(host_name("*"), "*");
    }
}
