//! Vault as data: ACL policies (HCL or JSON, as Vault accepts both) and the ACL evaluator
//! that answers "does this set of policies grant capability C on path P" with Vault's own
//! path matching and priority rules (reference: vault.md §5).

pub mod acl;
pub mod policy;

pub use acl::{Acl, Operation};
pub use policy::{Capability, Policy, PolicyError, parse_policy};
