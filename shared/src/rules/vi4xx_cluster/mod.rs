//! VI4xx: a live cluster, from its audit snapshot.

pub mod vi401_cluster_not_audited;
pub mod vi402_istiod_not_found;
pub mod vi403_injector_webhook_missing;
pub mod vi404_injector_failure_policy_ignore;
pub mod vi405_istiod_pod_not_injected;
pub mod vi406_istiod_self_signed;
pub mod vi407_cacerts_secret_leftover;
pub mod vi408_injector_unavailable;
pub mod vi409_token_reviewer_missing;
pub mod vi410_root_configmaps_inconsistent;
