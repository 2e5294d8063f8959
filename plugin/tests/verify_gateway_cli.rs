//! `verify --gateway` as a user runs it: a directory the Vault Agent Injector rendered a
//! gateway's files into (`tls.crt`, `tls.key`, `ca.crt`; or `client.crt`, `client.key`),
//! checked against `--host` or the hosts of a Gateway manifest, in every output format.

mod common;
use common::*;
use vault_istio_testbed::pki::GatewayCerts;

fn certs() -> GatewayCerts {
    GatewayCerts::generate(&["shop.example.com", "api.example.com"]).expect("certificates")
}

fn gateway_yaml(cert: &str, hosts: &[&str]) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: shop\n  namespace: istio-ingress\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n    - port: {{number: 443, name: https, protocol: HTTPS}}\n      hosts: [{}]\n      tls:\n        mode: SIMPLE\n        serverCertificate: {cert}\n        privateKey: /vault/secrets/tls.key\n",
        hosts
            .iter()
            .map(|h| format!("\"{h}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn healthy_directory_exits_0_with_the_chain_and_a_summary() {
    let dir = scratch("gw-healthy");
    certs().write_dir(&dir, false).unwrap();
    let r = run(&[
        "verify",
        "--gateway",
        s(&dir),
        "--host",
        "shop.example.com,api.example.com",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("no issues found (0 errors, 0 warnings, 0 infos in 1 served certificate)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout
            .contains("leaf: CN=shop.example.com, O=Example  [ECDSA P-256, not after"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(tls.crt #1)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("└─ issuer: CN=Issuing CA, O=Example"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(ca.crt #1)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("key: ECDSA P-256, matches the leaf"),
        "{}",
        r.stdout
    );
    // A trailing slash names the same directory.
    let r = run(&["verify", "--gateway", &format!("{}/", s(&dir))]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn ca_first_file_is_vi741_with_the_file_and_line() {
    let dir = scratch("gw-ca-first");
    certs().write_dir(&dir, true).unwrap();
    let r = run(&["verify", "--color", "never", "--gateway", s(&dir)]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("error[VI741]"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("--> {}/tls.crt:1 (PEM block 1)", s(&dir))),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("1 error, 0 warnings, 0 infos in 1 served certificate"),
        "{}",
        r.stdout
    );
    // SARIF: valid, pointing at the file and line.
    let r = run(&["verify", "-o", "sarif", "--gateway", s(&dir)]);
    assert_eq!(r.code, 1);
    let doc = r.json();
    let errors = sarif_schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let res = &doc["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "VI741");
    let loc = &res["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/tls.crt"),
        "{loc}"
    );
    assert_eq!(loc["region"]["startLine"], 1);
    // JSON: the envelope, with the served files.
    let r = run(&["verify", "-o", "json", "--gateway", s(&dir)]);
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["summary"]["served"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(
        v["served"][0]["chain"][0]["subject"],
        "CN=shop.example.com, O=Example"
    );
    assert_eq!(v["served"][0]["chain"][0]["block"], 2);
    assert_eq!(v["served"][0]["key_matches"], true);
    assert_eq!(v["findings"][0]["code"], "VI741");
    assert_eq!(v["findings"][0]["location"]["line"], 1);
    // --exit-zero and --ignore as everywhere.
    assert_eq!(
        run(&["verify", "--exit-zero", "--gateway", s(&dir)]).code,
        0
    );
    assert_eq!(
        run(&["verify", "--ignore", "VI741", "--gateway", s(&dir)]).code,
        0
    );
}

#[test]
fn gateway_file_gives_the_hosts_of_the_servers_using_the_file() {
    let dir = scratch("gw-hosts");
    certs().write_dir(&dir, false).unwrap();
    let gw = dir.join("gateway.yaml");
    std::fs::write(
        &gw,
        gateway_yaml(
            "/vault/secrets/tls.crt",
            &["istio-ingress/shop.example.com", "www.example.com"],
        ),
    )
    .unwrap();
    let r = run(&[
        "verify",
        "--color",
        "never",
        "--gateway",
        s(&dir),
        "--gateway-file",
        s(&gw),
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("error[VI746]"), "{}", r.stdout);
    assert!(
        r.stdout.contains("host `www.example.com` is not covered"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("host `shop.example.com`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("hosts: istio-ingress/shop.example.com, www.example.com"),
        "{}",
        r.stdout
    );
    // From stdin too, as `kubectl get gateway -o yaml | ...`.
    let r = run_stdin(
        &["verify", "--gateway", s(&dir), "--gateway-file", "-"],
        gateway_yaml("/vault/secrets/tls.crt", &["shop.example.com"]).as_bytes(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // No server serves tls.crt: said, exit 2.
    std::fs::write(
        &gw,
        gateway_yaml("/etc/certs/other.crt", &["x.example.com"]),
    )
    .unwrap();
    let r = run(&["verify", "--gateway", s(&dir), "--gateway-file", s(&gw)]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("no Gateway server has a serverCertificate named `tls.crt`")
            && r.stderr.contains("`/etc/certs/other.crt`"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_files_are_said_clearly() {
    // Neither pair: exit 2, naming the directory and the files looked for.
    let empty = scratch("gw-empty");
    let r = run(&["verify", "--gateway", s(&empty)]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(s(&empty))
            && r.stderr
                .contains("no tls.crt (with tls.key) or client.crt (with client.key) here"),
        "{}",
        r.stderr
    );
    let r = run(&["verify", "--gateway", "no/such/dir"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no/such/dir: no such directory"),
        "{}",
        r.stderr
    );
    // The certificate without its key: VI740 names the key file.
    let dir = scratch("gw-no-key");
    certs().write_dir(&dir, false).unwrap();
    std::fs::remove_file(dir.join("tls.key")).unwrap();
    let r = run(&["verify", "--gateway", s(&dir)]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains(&format!("`{}/tls.key` is missing", s(&dir))),
        "{}",
        r.stdout
    );
    // Flags that need --gateway, and --gateway with bundle paths: usage errors.
    let r = run(&["verify", "--host", "shop.example.com", "certs/x"]);
    assert_eq!(r.code, 2);
    let r = run(&[
        "verify",
        "--gateway",
        s(&dir),
        "tests/fixtures/upstream-seed/certs/istiod-cluster1",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
}

#[test]
fn egress_client_files() {
    let dir = scratch("gw-client");
    let c = certs();
    std::fs::write(
        dir.join("client.crt"),
        format!("{}{}", c.leaf_pem, c.issuing_pem),
    )
    .unwrap();
    std::fs::write(dir.join("client.key"), &c.key_pem).unwrap();
    std::fs::write(dir.join("ca.crt"), &c.root_pem).unwrap();
    let r = run(&["verify", "-o", "json", "--gateway", s(&dir)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["served"][0]["client"], true);
    assert!(
        v["served"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("client.crt")
    );
    // Hosts do not apply to a client certificate: said, not checked.
    let r = run(&["verify", "--gateway", s(&dir), "--host", "x.example.com"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("apply to served certificates only"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_private_key_bytes_in_any_output() {
    let c = certs();
    let other = certs();
    let dir = scratch("gw-hygiene");
    c.write_dir(&dir, true).unwrap();
    // A key that matches nothing, plus the CA-first order.
    std::fs::write(dir.join("tls.key"), &other.key_pem).unwrap();
    for fmt in ["text", "json", "sarif"] {
        let r = run(&[
            "verify",
            "-o",
            fmt,
            "--gateway",
            s(&dir),
            "--host",
            "www.example.com",
        ]);
        assert_eq!(r.code, 1, "{fmt}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("VI742"), "{fmt}: {}", r.stdout);
        let body: String = other
            .key_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(body.len() > 40);
        for piece in body.as_bytes().chunks(12).filter(|c| c.len() >= 8) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                !r.stdout.contains(piece) && !r.stderr.contains(piece),
                "{fmt}: key material leaked"
            );
        }
    }
}
