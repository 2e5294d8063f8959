//! Inputs the fuzzers (fuzz/) found, kept so they stay fixed. Each must end quickly with a
//! clear result; the time bound only guards against a hang.

use std::time::{Duration, Instant};
use vault_istio::vault::acl::{Acl, Operation};
use vault_istio::vault::policy::{PolicyError, parse_policy};

const HANG_GUARD: Duration = Duration::from_secs(5);

/// The `acl` target's first find: a 460-byte "policy" of unclosed index expressions that the
/// HCL parser backtracked on for minutes. Brackets are now checked before it runs.
#[test]
fn acl_timeout_04fe00d7_is_a_quick_syntax_error() {
    let input = include_bytes!("data/fuzz/acl-timeout-04fe00d7.bin");
    let text = std::str::from_utf8(input).unwrap();
    let started = Instant::now();
    let result = parse_policy("fuzz", text);
    assert!(started.elapsed() < HANG_GUARD, "{:?}", started.elapsed());
    match result {
        Err(PolicyError::Syntax { message, line }) => {
            assert!(
                message.contains("never closed") || message.contains("nest"),
                "{message}"
            );
            assert_eq!(line, Some(1));
        }
        other => panic!("{other:?}"),
    }
}

/// The same shape balanced, and nested deeper than any policy needs: refused quickly; a
/// real policy at the depth Vault's own need (block, map, list) still parses.
#[test]
fn deep_but_balanced_expressions_are_refused_and_real_policies_still_parse() {
    let deep = format!(
        "path \"secret/*\" {{\n  capabilities = {}\"read\"{}\n}}\n",
        "[".repeat(40),
        "]".repeat(40)
    );
    let started = Instant::now();
    let err = parse_policy("deep", &deep).unwrap_err();
    assert!(started.elapsed() < HANG_GUARD);
    assert!(err.to_string().contains("nest more than 8 deep"), "{err}");

    let real = r#"
# comments with [ brackets ( that do not close
path "pki_int/issue/ingress" {
  capabilities = ["update"]
  allowed_parameters = {
    "ttl" = ["72h"]
    "common_name" = []
  }
  /* a block comment with } */
}
path "secret/data/{{identity.entity.name}}/*" {
  capabilities = ["create", "read"]
}
"#;
    let policy = parse_policy("real", real).unwrap();
    let acl = Acl::new(&[policy]);
    assert!(acl.allows(Operation::Update, "pki_int/issue/ingress"));
}
