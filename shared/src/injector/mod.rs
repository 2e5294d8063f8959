//! The Vault Agent Injector (vault-k8s) as data and semantics: the annotation catalog, the
//! Go value parsers it uses, and the typed view of one pod's annotations.

pub mod catalog;
pub mod config;
pub mod values;

pub use config::{InjectorConfig, SecretFile};
