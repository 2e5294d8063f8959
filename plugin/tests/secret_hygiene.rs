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
    // A template that is the key itself, with an unclosed action on the last body line,
    // so a finding (VI111) points straight at a line of key material.
    let mut lines: Vec<String> = key.lines().map(|l| format!("      {l}")).collect();
    let last_body = lines.len() - 2;
    lines[last_body].push_str("{{ .Data.x");
    let pointed = lines.join("\n") + "\n";
    let values = format!(
        "pilot:\n  podAnnotations:\n    vault.hashicorp.com/agent-inject: {q}\n    vault.hashicorp.com/agent-revoke-grace: {q}\n    vault.hashicorp.com/ca-cert: {q}\n    vault.hashicorp.com/agent-inject-perms-ca-key.pem: {q}\n    vault.hashicorp.com/service: {q}\n    vault.hashicorp.com/auth-path: {q}\n    vault.hashicorp.com/agent-inject-template-ca-key.pem: |\n{indented}    vault.hashicorp.com/agent-inject-template-ca-cert.pem: |\n{pointed}",
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
        assert!(
            r.stdout.contains("VI111"),
            "{fmt}: the finding inside the key was reported"
        );
        for out in [&r.stdout, &r.stderr] {
            for line in &body_lines {
                // Any 12-character piece of a key line is enough to call it leaked
                // (the last, shorter piece of each line included).
                for piece in line.as_bytes().chunks(12).filter(|c| c.len() >= 8) {
                    let piece = std::str::from_utf8(piece).unwrap();
                    assert!(!out.contains(piece), "{fmt}: key material leaked: {piece}");
                }
            }
        }
    }
}
