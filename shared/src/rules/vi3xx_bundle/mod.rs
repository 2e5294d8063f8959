//! VI3xx: one cluster's CA bundle (`ca-key.pem`, `ca-cert.pem`, `cert-chain.pem`,
//! `root-cert.pem`), checked as istiod and Envoy will check it.

pub mod vi301_bundle_file_missing;
pub mod vi302_pem_not_decodable;
pub mod vi303_pem_type_wrong;
pub mod vi304_key_unsupported;
pub mod vi305_key_cert_mismatch;
pub mod vi306_ca_cert_not_ca;
pub mod vi307_ca_missing_key_cert_sign;
pub mod vi308_eku_incompatible;
pub mod vi309_unhandled_critical_extension;
pub mod vi310_insecure_signature_algorithm;
pub mod vi311_weak_key;
pub mod vi312_signature_invalid;
pub mod vi313_chain_incomplete;
pub mod vi314_cert_chain_order;
pub mod vi315_path_length_exceeded;
pub mod vi316_root_not_self_signed;
pub mod vi317_extra_roots;
pub mod vi318_certificate_expired;
pub mod vi319_certificate_expires_soon;
pub mod vi320_ca_cert_extra_blocks;
pub mod vi321_intermediate_not_ca;
pub mod vi322_go_parse_error;

/// `2024-11-16` for a Unix time (UTC).
pub fn date(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .map_or_else(|_| format!("@{ts}"), |t| t.date().to_string())
}

/// `2024-11-16 22:01:54 UTC`.
pub(crate) fn date_time(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts).map_or_else(
        |_| format!("@{ts}"),
        |t| {
            format!(
                "{} {:02}:{:02}:{:02} UTC",
                t.date(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    )
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days(from: i64, to: i64) -> i64 {
    (to - from).div_euclid(86_400)
}
