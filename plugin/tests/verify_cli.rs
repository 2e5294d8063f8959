//! `verify` as a user runs it, on the article's real bundles and the input forms users have.

mod common;
use base64::Engine as _;
use common::*;

const CERTS: &str = "tests/fixtures/upstream-seed/certs";
const C1: &str = "tests/fixtures/upstream-seed/certs/istiod-cluster1";
const C2: &str = "tests/fixtures/upstream-seed/certs/istiod-cluster2";
/// Before the intermediates expired (2024-11-16).
const BEFORE_EXPIRY: &str = "2023-06-01T00:00:00Z";
const FILES: [&str; 4] = [
    "ca-key.pem",
    "ca-cert.pem",
    "cert-chain.pem",
    "root-cert.pem",
];

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap()
}

/// The bundle in `dir` as Vault KV fields (`ca_key`, `ca_cert`, ...).
fn vault_fields(dir: &str) -> serde_json::Map<String, serde_json::Value> {
    FILES
        .iter()
        .map(|f| {
            (
                f.trim_end_matches(".pem").replace('-', "_"),
                read(&format!("{dir}/{f}")).into(),
            )
        })
        .collect()
}

/// The bundle in `dir` as a Secret's base64 `data`.
fn secret_data(dir: &str) -> serde_json::Map<String, serde_json::Value> {
    FILES
        .iter()
        .map(|f| {
            (
                f.to_string(),
                base64::engine::general_purpose::STANDARD
                    .encode(read(&format!("{dir}/{f}")))
                    .into(),
            )
        })
        .collect()
}

#[test]
fn article_bundles_expired_intermediates_and_a_shared_root() {
    let r = run(&["verify", C1, C2]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("error[VI318]"), "{}", r.stdout);
    assert!(r.stdout.contains("expired on 2024-11-16"), "{}", r.stdout);
    assert_eq!(
        r.stdout.matches("error[VI318]").count(),
        2,
        "one per cluster"
    );
    assert!(
        r.stdout
            .contains("both bundles share the root `CN=Root CA, O=Istio`"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("VI601"));
    // The chain tree: subject, key type, not-after, days left, source block.
    assert!(r.stdout.contains("ca-cert: CN=Intermediate CA, O=Istio, L=istiod-cluster1  [RSA 4096, not after 2024-11-16, expired"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("└─ root: CN=Root CA, O=Istio  [RSA 4096, not after 2032-11-14"),
        "{}",
        r.stdout
    );
    // A directory of per-cluster directories is the same two bundles.
    let r2 = run(&["verify", CERTS]);
    assert_eq!(r2.code, 1);
    assert_eq!(r2.stdout.matches("error[VI318]").count(), 2);
}

#[test]
fn before_expiry_the_article_bundles_are_clean() {
    let r = run(&["verify", "--at", BEFORE_EXPIRY, C1, C2]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("no issues found"), "{}", r.stderr);
    assert!(r.stdout.contains("534 days left"), "{}", r.stdout);
}

#[test]
fn expiry_warning_window_names_the_date() {
    // 2024-11-01 is 15 days before the intermediates expire.
    let r = run(&["verify", "--at", "2024-11-01T00:00:00Z", C1]);
    assert_eq!(r.code, 0, "warnings do not fail by default: {}", r.stdout);
    assert!(r.stdout.contains("warning[VI319]"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("expires on 2024-11-16 22:01:54 UTC, in 15 days"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "verify",
        "--at",
        "2024-11-01T00:00:00Z",
        "--expires-within",
        "7d",
        C1,
    ]);
    assert!(!r.stdout.contains("VI319"), "{}", r.stdout);
    let r = run(&[
        "verify",
        "--at",
        "2024-11-01T00:00:00Z",
        "--fail-on",
        "warning",
        C1,
    ]);
    assert_eq!(r.code, 1);
}

#[test]
fn secret_manifest_with_data_and_vault_json_v1_v2() {
    let dir = scratch("verify-forms");
    let mut secret = String::from(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\ndata:\n",
    );
    for (f, b64) in secret_data(C1) {
        secret.push_str(&format!("  {f}: {}\n", b64.as_str().unwrap_or_default()));
    }
    let secret_path = dir.join("cacerts.yaml");
    std::fs::write(&secret_path, &secret).unwrap();
    let r = run(&[
        "verify",
        "--at",
        BEFORE_EXPIRY,
        secret_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("Secret istio-system/cacerts"),
        "{}",
        r.stdout
    );

    let fields = vault_fields(C2);
    let v1 = serde_json::json!({ "request_id": "1", "data": fields });
    let v2 = serde_json::json!({ "data": { "data": fields, "metadata": { "version": 3 } } });
    for doc in [v1, v2] {
        let r = run_stdin(
            &["verify", "--at", BEFORE_EXPIRY, "-o", "json", "-"],
            doc.to_string().as_bytes(),
        );
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(
            v["bundles"][0]["chain"][0]["subject"],
            "CN=Intermediate CA, O=Istio, L=istiod-cluster2"
        );
        assert_eq!(v["bundles"][0]["key_matches"], true);
    }
    // Custom field names.
    let renamed = serde_json::json!({ "data": { "key": read(&format!("{C1}/ca-key.pem")), "cert": read(&format!("{C1}/ca-cert.pem")),
        "chain": read(&format!("{C1}/cert-chain.pem")), "root": read(&format!("{C1}/root-cert.pem")) } });
    let r = run_stdin(
        &[
            "verify",
            "--at",
            BEFORE_EXPIRY,
            "--field",
            "ca_key=key,ca_cert=cert",
            "--field",
            "cert_chain=chain",
            "--field",
            "root_cert=root",
            "-",
        ],
        renamed.to_string().as_bytes(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run_stdin(&["verify", "-"], renamed.to_string().as_bytes());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("it has: cert, chain, key, root")
            || r.stderr.contains("name them with --field"),
        "{}",
        r.stderr
    );
}

#[test]
fn named_files_and_missing_ones() {
    let r = run(&[
        "verify",
        "--at",
        BEFORE_EXPIRY,
        &format!("{C1}/ca-cert.pem"),
        &format!("{C1}/root-cert.pem"),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("`ca-key.pem` was not given"),
        "{}",
        r.stdout
    );
    let dir = scratch("verify-partial");
    for f in ["ca-cert.pem", "cert-chain.pem", "root-cert.pem"] {
        std::fs::copy(root().join(format!("{C1}/{f}")), dir.join(f)).unwrap();
    }
    let r = run(&["verify", "--at", BEFORE_EXPIRY, dir.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "ca-key.pem` is missing: istiod 1.26.0 and older silently fall back to a self-signed CA"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn vault_template_mistakes_get_a_pointed_hint() {
    let dir = scratch("verify-no-value");
    for f in FILES {
        std::fs::copy(root().join(format!("{C1}/{f}")), dir.join(f)).unwrap();
    }
    std::fs::write(dir.join("ca-cert.pem"), "<no value>\n").unwrap();
    std::fs::write(
        dir.join("root-cert.pem"),
        "data: map[root_cert:-----BEGIN CERTIFICATE-----]\nmetadata: map[version:1]\n",
    )
    .unwrap();
    let r = run(&["verify", "--at", BEFORE_EXPIRY, dir.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("`ca-cert.pem` holds no PEM block: the file says `<no value>`"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("`root-cert.pem` holds no PEM block: the file is a `data: map[...] metadata: map[...]` dump"), "{}", r.stdout);
}

#[test]
fn sarif_and_json_and_exit_codes() {
    for fmt in ["text", "json", "sarif"] {
        assert_eq!(run(&["verify", "-o", fmt, C1]).code, 1, "{fmt}");
        assert_eq!(
            run(&["verify", "-o", fmt, "--at", BEFORE_EXPIRY, C1]).code,
            0,
            "{fmt}"
        );
    }
    let r = run(&["verify", "-o", "sarif", C1, C2]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let errors = common::sarif_schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let res = &doc["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "VI318");
    assert_eq!(
        res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        format!("{C1}/ca-cert.pem")
    );
    assert_eq!(
        res["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    let r = run(&["verify", "-o", "json", C1, C2]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["bundles"], 2);
    assert_eq!(v["trust"]["mutual"], true);
    assert_eq!(v["trust"]["shared_roots"][0], "CN=Root CA, O=Istio");
}

#[test]
fn key_bytes_never_appear_in_any_format() {
    // A key that matches nothing (cluster2's key beside cluster1's certificate).
    let dir = scratch("verify-hygiene");
    for f in FILES {
        std::fs::copy(root().join(format!("{C1}/{f}")), dir.join(f)).unwrap();
    }
    std::fs::copy(
        root().join(format!("{C2}/ca-key.pem")),
        dir.join("ca-key.pem"),
    )
    .unwrap();
    let key = read(&format!("{C2}/ca-key.pem"));
    for fmt in ["text", "json", "sarif"] {
        let r = run(&[
            "verify",
            "-o",
            fmt,
            "--at",
            BEFORE_EXPIRY,
            dir.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 1, "{fmt}");
        assert!(
            r.stdout.contains("VI305"),
            "{fmt}: the mismatch is reported"
        );
        for line in key.lines().filter(|l| !l.starts_with("-----")) {
            for piece in line.as_bytes().chunks(12).filter(|c| c.len() >= 8) {
                let piece = std::str::from_utf8(piece).unwrap();
                assert!(
                    !r.stdout.contains(piece) && !r.stderr.contains(piece),
                    "{fmt}: key material leaked"
                );
            }
        }
    }
}

#[test]
fn inputs_that_are_not_bundles() {
    let r = run(&["verify"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nothing to verify"));
    let dir = scratch("verify-empty");
    let r = run(&["verify", dir.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no ca-key.pem, ca-cert.pem, cert-chain.pem or root-cert.pem"),
        "{}",
        r.stderr
    );
    let bad = dir.join("kv.json");
    std::fs::write(&bad, "{\"data\": ").unwrap();
    let r = run(&["verify", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("kv.json:1:") && r.stderr.contains("invalid JSON"),
        "{}",
        r.stderr
    );
    let r = run(&["verify", "--at", "yesterday", C1]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("RFC 3339"));
    let r = run(&["verify", "nope/"]);
    assert_eq!(r.code, 2);
}

#[test]
fn kubectl_secret_json_and_member_names_in_messages() {
    let data = secret_data(C1);
    // `kubectl get secret cacerts -n istio-system -o json`
    let secret = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": { "name": "cacerts", "namespace": "istio-system" },
        "data": data,
    });
    let r = run_stdin(
        &["verify", "--at", BEFORE_EXPIRY, "-"],
        secret.to_string().as_bytes(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("Secret istio-system/cacerts"),
        "{}",
        r.stdout
    );
    // Inside Vault JSON the member is the field, and messages say so.
    let fields = vault_fields(C1);
    let kv = serde_json::json!({ "data": fields });
    let r = run_stdin(&["verify", "-"], kv.to_string().as_bytes());
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("(ca_cert PEM block 1) expired on 2024-11-16"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(ca_cert #1)"), "{}", r.stdout);
}
