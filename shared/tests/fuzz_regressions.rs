//! Inputs the fuzzers (fuzz/) found, kept so they stay fixed. Each must end quickly with a
//! clear result; the time bound only guards against a hang.

use std::time::{Duration, Instant};
use vault_istio::vault::acl::{Acl, Operation};
use vault_istio::vault::policy::{PolicyError, parse_policy};

const HANG_GUARD: Duration = Duration::from_secs(5);

/// The `acl` target's finds: "policies" on which hcl-edit backtracked for over 20 s (unclosed
/// index expressions with `<` operators; heredocs and unclosed comments scanned again and
/// again). A policy is now checked lexically first: each is a quick syntax error.
#[test]
fn acl_hangs_are_quick_syntax_errors() {
    for (name, input, says) in [
        (
            "timeout-04fe00d7",
            &include_bytes!("data/fuzz/acl-timeout-04fe00d7.bin")[..],
            "`<` is not part of a Vault policy",
        ),
        (
            "timeout-dec48521",
            &include_bytes!("data/fuzz/acl-timeout-dec48521.bin")[..],
            "never closed",
        ),
        (
            "slow-f8e8637a",
            &include_bytes!("data/fuzz/acl-slow-f8e8637a.bin")[..],
            "",
        ),
    ] {
        let text = String::from_utf8_lossy(input);
        let policy = text.split('\0').next().unwrap();
        let started = Instant::now();
        let result = parse_policy("fuzz", policy);
        assert!(
            started.elapsed() < HANG_GUARD,
            "{name}: {:?}",
            started.elapsed()
        );
        match result {
            Err(PolicyError::Syntax { message, line }) => {
                assert!(message.contains(says), "{name}: {message}");
                assert!(line.is_some(), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// What the lexical check refuses, and what it lets through to the parser.
#[test]
fn the_lexical_check_refuses_what_no_vault_policy_holds() {
    for (policy, says) in [
        (
            "path \"a\" {\n  capabilities = [\"read\"]\n",
            "`{` is never closed",
        ),
        (
            "path \"a\" { capabilities = [\"read\"] }\n/* open",
            "comment is never closed",
        ),
        (
            "path \"a\" { capabilities = [\"read\" }",
            "`}` closes the `[`",
        ),
        (
            "path \"a\" { capabilities = upper(\"read\") }",
            "`(` is not part",
        ),
        ("path \"a\" { x = 1 + 2 }", "`+` is not part"),
        ("path \"a\nb\" {}", "string is never closed"),
        (
            "path \"a\" { x = <<EOF\nabc\n",
            "heredoc `EOF` is never closed",
        ),
    ] {
        let err = parse_policy("p", policy).unwrap_err();
        assert!(
            matches!(&err, PolicyError::Syntax { .. }) && err.to_string().contains(says),
            "{policy:?}: {err}"
        );
    }
    let err = parse_policy(
        "p",
        "path \"secret/${var.x}\" { capabilities = [\"read\"] }",
    )
    .unwrap_err();
    assert!(matches!(err, PolicyError::Unsupported(_)), "{err}");
    // Heredocs, `$${`, comments of every kind, `:` in maps: still read.
    let ok = "# c\n// c\n/* c */\npath \"a/$${x}\" {\n  capabilities = [\"read\"]\n  allowed_parameters = { \"k\": [] }\n  comment = <<EOT\n  { [ unbalanced in a heredoc\nEOT\n}\n";
    let policy = parse_policy("ok", ok).unwrap();
    assert_eq!(policy.rules.len(), 1);
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
