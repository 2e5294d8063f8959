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

// --- Every command, every format, every way a key comes in ------------------------------

const C1: &str = "tests/fixtures/upstream-seed/certs/istiod-cluster1";
const C2: &str = "tests/fixtures/upstream-seed/certs/istiod-cluster2";

/// Every form a key's bytes could leave in: 12-character pieces of its PEM body lines;
/// 16-character pieces of the base64 of the whole PEM text at each alignment (how a Secret's
/// `data:` holds it); and the hex of 16-byte windows of its DER (plain, upper case, and
/// colon-separated as OpenSSL prints), skipping what the public certificate shows too.
fn key_forms(key_pem: &str, public: &str) -> Vec<String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let body: String = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = b64.decode(&body).expect("the key is PEM");
    let mut forms: Vec<String> = Vec::new();
    for line in key_pem.lines().filter(|l| !l.starts_with("-----")) {
        for piece in line.as_bytes().chunks(12).filter(|c| c.len() == 12) {
            forms.push(String::from_utf8(piece.to_vec()).unwrap());
        }
    }
    for shift in 0..3 {
        let encoded = b64.encode(&key_pem.as_bytes()[shift..]);
        // Past the first 40 characters (the BEGIN line's encoding is not secret).
        for piece in encoded.as_bytes()[40..]
            .chunks(16)
            .filter(|c| c.len() == 16)
        {
            forms.push(String::from_utf8(piece.to_vec()).unwrap());
        }
    }
    for window in der[16..].chunks(16).filter(|c| c.len() == 16) {
        let hex: Vec<String> = window.iter().map(|b| format!("{b:02x}")).collect();
        forms.push(hex.concat());
        forms.push(hex.concat().to_uppercase());
        forms.push(hex.join(":"));
    }
    forms.retain(|f| !public.contains(f.as_str()));
    forms
}

fn assert_no_key(what: &str, outputs: &[&str], forms: &[String]) {
    for out in outputs {
        for f in forms {
            assert!(
                !out.contains(f.as_str()),
                "{what}: key material `{f}` in the output"
            );
        }
    }
}

fn public_of(dir: &str) -> String {
    ["ca-cert.pem", "cert-chain.pem", "root-cert.pem"]
        .iter()
        .map(|f| std::fs::read_to_string(root().join(dir).join(f)).unwrap())
        .collect()
}

/// `verify` over the four ways a bundle with a key comes in (a directory, a `cacerts` Secret
/// manifest with `data:`, one with `stringData:`, `vault kv get -format=json`), each with
/// the wrong key (so findings are about the key) and the right one, in text (coloured),
/// JSON and SARIF.
#[test]
fn verify_never_shows_a_key_in_any_input_form_or_format() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = scratch("hygiene-verify");
    let key1 = std::fs::read_to_string(root().join(C1).join("ca-key.pem")).unwrap();
    let key2 = std::fs::read_to_string(root().join(C2).join("ca-key.pem")).unwrap();
    let public = public_of(C1) + &public_of(C2);
    let forms: Vec<String> = key_forms(&key1, &public)
        .into_iter()
        .chain(key_forms(&key2, &public))
        .collect();
    let file = |f: &str| std::fs::read_to_string(root().join(C1).join(f)).unwrap();
    // A `cacerts` Secret manifest with `field:` (data or stringData) holding `body`.
    let secret = |name: &str, field: &str, body: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: cacerts, namespace: istio-system}}\n{field}:\n{body}"),
        )
        .unwrap();
        path
    };
    let mut inputs = Vec::new();
    for (label, key) in [("right", &key1), ("wrong", &key2)] {
        let bundle = dir.join(format!("{label}-dir"));
        std::fs::create_dir_all(&bundle).unwrap();
        for f in ["ca-cert.pem", "cert-chain.pem", "root-cert.pem"] {
            std::fs::write(bundle.join(f), file(f)).unwrap();
        }
        std::fs::write(bundle.join("ca-key.pem"), key).unwrap();
        inputs.push(bundle);

        let members = [
            ("ca-cert.pem", file("ca-cert.pem")),
            ("ca-key.pem", key.to_string()),
            ("cert-chain.pem", file("cert-chain.pem")),
            ("root-cert.pem", file("root-cert.pem")),
        ];
        let data: String = members
            .iter()
            .map(|(k, v)| format!("  {k}: {}\n", b64.encode(v)))
            .collect();
        inputs.push(secret(&format!("{label}-secret.yaml"), "data", &data));

        let string_data: String = members
            .iter()
            .map(|(k, v)| {
                let indented: String = v.lines().map(|l| format!("    {l}\n")).collect();
                format!("  {k}: |\n{indented}")
            })
            .collect();
        inputs.push(secret(
            &format!("{label}-string-secret.yaml"),
            "stringData",
            &string_data,
        ));

        let kv = serde_json::json!({
            "request_id": "5c2e…",
            "data": {
                "data": {
                    "ca_cert": file("ca-cert.pem"),
                    "ca_key": key,
                    "cert_chain": file("cert-chain.pem"),
                    "root_cert": file("root-cert.pem"),
                },
                "metadata": {"version": 1}
            }
        });
        let json = dir.join(format!("{label}-kv.json"));
        std::fs::write(&json, serde_json::to_string_pretty(&kv).unwrap()).unwrap();
        inputs.push(json);
    }
    let mut judged = 0;
    for input in &inputs {
        let path = input.to_str().unwrap();
        for fmt in ["text", "json", "sarif"] {
            let r = run(&[
                "verify",
                "-o",
                fmt,
                "--color",
                "always",
                "--at",
                "2024-11-01T00:00:00Z",
                path,
            ]);
            assert!(r.code == 0 || r.code == 1, "{path} {fmt}: {}", r.stderr);
            assert_no_key(
                &format!("verify {path} -o {fmt}"),
                &[&r.stdout, &r.stderr],
                &forms,
            );
            judged += 1;
        }
        // The wrong key is reported (so the outputs above did talk about the key).
        if path.contains("wrong") {
            let r = run(&["verify", "-o", "json", "--at", "2024-11-01T00:00:00Z", path]);
            assert!(r.stdout.contains("\"VI30"), "{path}: {}", r.stdout);
            assert!(
                r.stdout.contains("ca-key.pem") || r.stdout.contains("ca_key"),
                "{path}: {}",
                r.stdout
            );
        }
    }
    assert_eq!(judged, 24);
}

/// `verify --gateway` over a gateway's files with its key, and with a key that does not
/// match; `lint` and `post-render` over manifests that carry a `cacerts` Secret and a
/// gateway's TLS Secret next to istiod.
#[test]
fn gateway_files_lint_and_post_render_never_show_a_key() {
    let certs = vault_istio_testbed::pki::GatewayCerts::generate(&["shop.example.com"]).unwrap();
    let dir = scratch("hygiene-gateway");
    let good = dir.join("good");
    certs.write_dir(&good, false).unwrap();
    let tls_key = std::fs::read_to_string(good.join("tls.key")).unwrap();
    let tls_crt = std::fs::read_to_string(good.join("tls.crt")).unwrap();
    let other = vault_istio_testbed::pki::GatewayCerts::generate(&["shop.example.com"]).unwrap();
    let bad = dir.join("bad");
    other.write_dir(&bad, false).unwrap();
    std::fs::write(bad.join("tls.crt"), &tls_crt).unwrap(); // key of another issuance
    let other_key = std::fs::read_to_string(bad.join("tls.key")).unwrap();
    let key1 = std::fs::read_to_string(root().join(C1).join("ca-key.pem")).unwrap();
    let public = tls_crt.clone() + &public_of(C1);
    let forms: Vec<String> = key_forms(&tls_key, &public)
        .into_iter()
        .chain(key_forms(&other_key, &public))
        .chain(key_forms(&key1, &public))
        .collect();

    let mut outputs: Vec<Run> = Vec::new();
    for d in [&good, &bad] {
        for fmt in ["text", "json", "sarif"] {
            outputs.push(run(&[
                "verify",
                "-o",
                fmt,
                "--color",
                "always",
                "--gateway",
                d.to_str().unwrap(),
                "--host",
                "shop.example.com",
            ]));
        }
    }
    assert!(
        outputs[3..].iter().all(|r| r.code == 1),
        "the mismatched key is a finding"
    );

    // Manifests with keys in them, next to istiod: as files and through post-render.
    let indented = |t: &str| -> String { t.lines().map(|l| format!("    {l}\n")).collect() };
    let manifests = format!(
        "{}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: cacerts, namespace: istio-system}}\nstringData:\n  ca-key.pem: |\n{}---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {{name: shop-cert, namespace: istio-ingress}}\nstringData:\n  tls.key: |\n{}",
        std::fs::read_to_string(root().join("manifests/examples/istiod-deployment.yaml")).unwrap(),
        indented(&key1),
        indented(&tls_key)
    );
    let file = dir.join("manifests.yaml");
    std::fs::write(&file, &manifests).unwrap();
    for fmt in ["text", "json", "sarif"] {
        outputs.push(run(&[
            "lint",
            "-o",
            fmt,
            "--color",
            "always",
            file.to_str().unwrap(),
        ]));
        let r = run_stdin(
            &["post-render", "-o", fmt, "--fail-on", "info"],
            manifests.as_bytes(),
        );
        // post-render passes the manifests through on success; only stderr is ours then.
        outputs.push(Run {
            stdout: if r.code == 0 { String::new() } else { r.stdout },
            ..r
        });
    }
    for r in &outputs {
        assert!(r.code <= 1, "{}", r.stderr);
        assert_no_key("gateway/lint/post-render", &[&r.stdout, &r.stderr], &forms);
    }
}

/// A snapshot file is something users pass around and may edit: a key pasted where a
/// certificate belongs in it is read without its bytes, and no output shows them.
#[test]
fn a_key_pasted_into_a_saved_snapshot_never_reaches_an_output() {
    let key1 = std::fs::read_to_string(root().join(C1).join("ca-key.pem")).unwrap();
    let forms = key_forms(&key1, &public_of(C1));
    let snapshot = serde_json::json!([{
        "cluster": "cluster1",
        "istioNamespace": "istio-system",
        "istiod": [{
            "name": "istiod",
            "namespace": "istio-system",
            "manifest": std::fs::read_to_string(root().join("manifests/examples/istiod-deployment.yaml")).unwrap()
                .replace("vault.hashicorp.com/agent-inject: \"true\"", &format!("vault.hashicorp.com/agent-inject: \"true\"\n        vault.hashicorp.com/ca-cert: {:?}", key1)),
            "pods": []
        }],
        "serverCa": key1,
    }]);
    let dir = scratch("hygiene-snapshot");
    let path = dir.join("snapshot.json");
    std::fs::write(&path, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    for fmt in ["text", "json", "sarif"] {
        let r = run(&[
            "audit",
            "--from-snapshot",
            path.to_str().unwrap(),
            "-o",
            fmt,
            "--color",
            "always",
        ]);
        assert!(r.code <= 1, "{fmt}: {}", r.stderr);
        assert!(
            r.stdout.contains("VI"),
            "{fmt}: findings were reported: {}",
            r.stdout
        );
        assert_no_key(
            &format!("audit --from-snapshot -o {fmt}"),
            &[&r.stdout, &r.stderr],
            &forms,
        );
        let saved = dir.join(format!("resaved-{fmt}.json"));
        let r = run(&[
            "audit",
            "--from-snapshot",
            path.to_str().unwrap(),
            "-o",
            fmt,
            "--save-snapshot",
            saved.to_str().unwrap(),
        ]);
        assert!(r.code <= 1, "{fmt}: {}", r.stderr);
        assert_no_key(
            "a snapshot saved again",
            &[&std::fs::read_to_string(&saved).unwrap()],
            &forms,
        );
    }
}

/// The commands that take no key still quote what they are given: a key pasted into a
/// render config value, or passed as an argument, never shows in their errors.
#[test]
fn render_and_usage_errors_never_show_a_key() {
    let key1 = std::fs::read_to_string(root().join(C1).join("ca-key.pem")).unwrap();
    let forms = key_forms(&key1, &public_of(C1));
    let indented: String = key1.lines().map(|l| format!("      {l}\n")).collect();
    let dir = scratch("hygiene-render");
    let mut outputs = Vec::new();
    for (n, config) in [
        format!("clusters:\n  - name: cluster1\n    kubernetesHost: |\n{indented}kv: {{version: 2}}\n"),
        format!("clusters:\n  - name: |\n{indented}    kubernetesHost: https://a:6443\n"),
        format!("clusters:\n  - name: cluster1\n    kubernetesHost: https://a:6443\n    kubernetesCaFile: {:?}\n", key1),
    ]
    .iter()
    .enumerate()
    {
        let f = dir.join(format!("render-{n}.yaml"));
        std::fs::write(&f, config).unwrap();
        let r = run(&["render", "-f", f.to_str().unwrap(), "--out-dir", dir.join("out").to_str().unwrap()]);
        assert_eq!(r.code, 2, "{n}: the config is refused: {}", r.stderr);
        outputs.push(r);
    }
    outputs.push(run(&["verify", "--expires-within", &key1, "x"]));
    outputs.push(run(&["lint", "--ignore", &key1, "x"]));
    outputs.push(run(&["explain", &key1]));
    for r in &outputs {
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(!r.stderr.is_empty());
        assert_no_key("render/usage", &[&r.stdout, &r.stderr], &forms);
    }
}
