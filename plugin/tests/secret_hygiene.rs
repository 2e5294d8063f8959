//! Private key material never reaches any output, even when a user pastes a key into an
//! annotation that a finding quotes.

mod common;
use common::*;

const KEY: &str = "tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-key.pem";

/// YAML double-quoted form of a multi-line string.
fn dq(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

#[test]
fn pasted_key_never_appears_in_text_json_or_sarif() {
    let key = std::fs::read_to_string(root().join(KEY)).unwrap();
    let body_lines: Vec<&str> = key.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(body_lines.len() > 10);
    let indented: String = key.lines().map(|l| format!("      {l}\n")).collect();
    let values = format!(
        "pilot:\n  podAnnotations:\n    vault.hashicorp.com/agent-inject: {q}\n    vault.hashicorp.com/agent-revoke-grace: {q}\n    vault.hashicorp.com/ca-cert: {q}\n    vault.hashicorp.com/agent-inject-perms-ca-key.pem: {q}\n    vault.hashicorp.com/service: {q}\n    vault.hashicorp.com/auth-path: {q}\n    vault.hashicorp.com/agent-inject-template-ca-key.pem: |\n{indented}",
        q = dq(&key),
    );
    let dir = scratch("hygiene");
    let f = dir.join("values.yaml");
    std::fs::write(&f, values).unwrap();
    let path = f.to_str().unwrap();
    for fmt in ["text", "json", "sarif"] {
        let r = run(&["lint", "-o", fmt, "--color", "always", path]);
        assert_eq!(r.code, 1, "{fmt}: findings expected: {}", r.stderr);
        assert!(r.stdout.contains("VI1"), "{fmt}: findings were reported");
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains("PRIVATE KEY-----\n") && !out.contains("BEGIN RSA PRIVATE KEY"),
                "{fmt}: PEM header leaked"
            );
            for line in &body_lines {
                // Any 20-character piece of a key line is enough to call it leaked.
                for piece in line.as_bytes().chunks(20).filter(|c| c.len() == 20) {
                    let piece = std::str::from_utf8(piece).unwrap();
                    assert!(!out.contains(piece), "{fmt}: key material leaked: {piece}");
                }
            }
        }
    }
}
