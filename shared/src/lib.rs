//! The vault-istio engine: everything that decides, nothing that does I/O.
//!
//! ```text
//! SourceFile ─► source::yaml (nodes with positions) ─► source::recognize ─► IstiodSpec
//!            ─► rules (with injector + template) ─► Vec<Finding> ─► report::{text,json,sarif}
//! ```
//! The CLI (`plugin/`) and the page (`web/`) only gather input and show output.
//! **Invariant:** no file system, network, clock, environment or threads here; the crate
//! builds for `wasm32-unknown-unknown`.

pub mod audit;
pub mod bundle;
pub mod finding;
pub mod gateway;
pub mod injector;
pub mod lint;
pub mod model;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
pub mod template;
pub mod vault;
pub mod verify;

pub use finding::{Finding, Location, Severity, Summary};
pub use lint::{Options, Report, lint};
pub use source::SourceFile;

/// The engine's version, reported in JSON and SARIF output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
