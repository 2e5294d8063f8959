//! VI6xx: several clusters' CA bundles together (one shared root of trust).

pub mod vi601_cross_cluster_untrusted;
pub mod vi602_shared_intermediate_key;
pub mod vi603_clusters_roots_differ;
