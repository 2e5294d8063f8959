//! `lint` on gateway inputs, as a user runs it: the Gateway and the gateway's chart values
//! in separate files, `--kind` for values that fit both charts, `--istio-version`, and
//! broken Gateway/DestinationRule shapes reported with file and line, never a panic.

mod common;
use common::*;

const VALUES: &str = r#"name: istio-ingressgateway
service:
  type: LoadBalancer
podAnnotations:
  vault.hashicorp.com/agent-inject: "true"
  vault.hashicorp.com/role: ingress
  vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
  vault.hashicorp.com/agent-inject-template-tls.crt: |
    {{- with secret "kv/ingress/tls" }}{{ .Data.cert }}{{ end }}
  vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
  vault.hashicorp.com/agent-inject-template-tls.key: |
    {{- with secret "kv/ingress/tls" }}{{ .Data.key }}{{ end }}
"#;

fn gateway(cert: &str) -> String {
    format!(
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop
  namespace: istio-ingress
spec:
  selector:
    istio: ingressgateway
  servers:
    - port: {{number: 443, name: https, protocol: HTTPS}}
      hosts: ["shop.example.com"]
      tls:
        mode: SIMPLE
        serverCertificate: {cert}
        privateKey: /vault/secrets/tls.key
"#
    )
}

fn codes(r: &Run) -> Vec<String> {
    r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_gateway_and_its_values_in_separate_files_are_judged_together() {
    let dir = scratch("gateway-pair");
    std::fs::write(dir.join("values.yaml"), VALUES).unwrap();
    std::fs::write(dir.join("gateway.yaml"), gateway("/vault/secrets/tls.crt")).unwrap();
    let d = dir.to_str().unwrap();
    let ok = run(&["lint", d]);
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert!(
        ok.stderr.contains("no issues found") && ok.stderr.contains("2 gateway objects"),
        "{}",
        ok.stderr
    );
    let json = run(&["lint", d, "-o", "json"]).json();
    let kinds: Vec<&str> = json["gateways"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["istio/gateway Helm values", "Gateway"]);

    // A path the values do not render: an error at the Gateway's line, exit 1.
    std::fs::write(dir.join("gateway.yaml"), gateway("/vault/secrets/cert.pem")).unwrap();
    let bad = run(&["lint", d]);
    assert_eq!(bad.code, 1, "{}\n{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains("VI701"), "{}", bad.stdout);
    assert!(bad.stdout.contains("gateway.yaml:14:"), "{}", bad.stdout);
    assert!(
        bad.stdout.contains("did you mean `/vault/secrets/tls.crt`"),
        "{}",
        bad.stdout
    );
    // The Gateway alone: nothing to match against, so no VI701 and no guess.
    let alone = run(&[
        "lint",
        dir.join("gateway.yaml").to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(codes(&alone), Vec::<String>::new(), "{}", alone.stdout);
}

#[test]
fn kind_decides_values_that_fit_both_charts() {
    let dir = scratch("gateway-kind");
    // The gateway chart's `service` key decides: gateway values, nothing to say.
    let f = dir.join("values.yaml");
    std::fs::write(&f, VALUES).unwrap();
    let f = f.to_str().unwrap();
    let auto = run(&["lint", f, "-o", "json"]);
    assert_eq!(codes(&auto), Vec::<String>::new(), "{}", auto.stdout);
    assert_eq!(auto.json()["summary"]["configurations"], 0);
    // The keys decide, so --kind istiod does not turn it into istiod's.
    let forced = run(&["lint", f, "--kind", "istiod", "-o", "json"]);
    assert_eq!(
        forced.json()["summary"]["configurations"],
        0,
        "{}",
        forced.stdout
    );

    // Only Vault annotations in podAnnotations: read as istiod's, and VI725 says so.
    let only = dir.join("only-annotations.yaml");
    let text: String = VALUES.lines().skip(3).collect::<Vec<_>>().join("\n");
    std::fs::write(&only, text).unwrap();
    let only = only.to_str().unwrap();
    let guessed = run(&["lint", only, "-o", "json"]);
    assert!(
        codes(&guessed).contains(&"VI725".to_string()),
        "{}",
        guessed.stdout
    );
    assert_eq!(guessed.json()["summary"]["configurations"], 1);
    // --kind istiod confirms the guess: istiod's rules, no note.
    let istiod = run(&["lint", only, "--kind", "istiod", "-o", "json"]);
    let c = codes(&istiod);
    assert!(
        !c.is_empty()
            && c.iter()
                .all(|c| c.starts_with("VI1") || c.starts_with("VI2")),
        "{c:?}"
    );
    // --kind gateway: a gateway, no istiod rule, no note.
    let gw = run(&["lint", only, "--kind", "gateway", "-o", "json"]);
    assert_eq!(codes(&gw), Vec::<String>::new(), "{}", gw.stdout);
    assert_eq!(gw.json()["summary"]["configurations"], 0);

    // --kind settles only what the keys leave open: istiod values (ROOT_CA_DIR, the CA
    // files) stay istiod's, and the legacy gateways chart's values (with its meshConfig)
    // stay a gateway's.
    let istiod = run(&[
        "lint",
        "manifests/examples/istiod-values-1.24.yaml",
        "--kind",
        "gateway",
        "-o",
        "json",
    ]);
    assert_eq!(
        istiod.json()["summary"]["configurations"],
        1,
        "{}",
        istiod.stdout
    );
    let legacy = dir.join("legacy.yaml");
    std::fs::write(&legacy, "meshConfig: {}\ngateways:\n  istio-ingressgateway:\n    podAnnotations:\n      vault.hashicorp.com/agent-inject: \"true\"\n  securityContext: {}\n").unwrap();
    let legacy = run(&["lint", legacy.to_str().unwrap(), "-o", "json"]);
    let json = legacy.json();
    assert_eq!(json["summary"]["configurations"], 0, "{}", legacy.stdout);
    assert_eq!(
        json["gateways"].as_array().unwrap().len(),
        1,
        "{}",
        legacy.stdout
    );
}

#[test]
fn istio_version_is_validated() {
    let dir = scratch("gateway-version");
    let f = dir.join("gateway.yaml");
    std::fs::write(&f, gateway("/vault/secrets/tls.crt")).unwrap();
    let r = run(&["lint", f.to_str().unwrap(), "--istio-version", "banana"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not an Istio version such as 1.26"),
        "{}",
        r.stderr
    );
    let r = run(&["lint", f.to_str().unwrap(), "--istio-version", "1.26.2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn broken_gateway_shapes_are_findings_with_file_and_line() {
    let dir = scratch("gateway-broken");
    let f = dir.join("broken.yaml");
    std::fs::write(
        &f,
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: a}
spec:
  servers: null
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: b}
spec:
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: shop.example.com
      tls: {mode: STRICT}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: c}
spec:
  host: api.example.com
  trafficPolicy: "tls"
"#,
    )
    .unwrap();
    let f = f.to_str().unwrap();
    let r = run(&["lint", f]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for at in [":5:", ":13:", ":14:", ":21:"] {
        assert!(
            r.stdout.contains(&format!("broken.yaml{at}")),
            "no finding at {at}:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains("`mode: STRICT` is not a TLS mode"),
        "{}",
        r.stdout
    );
}
