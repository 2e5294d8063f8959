//! The scripts `render` generates, run for real: against an OpenBao dev server through the
//! `vault` → `bao` shim, for KV v1 and v2, then checked through the API, run a second time
//! (they must be re-runnable), and the resulting policy exercised with a token.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use std::path::Path;
use vault_istio::SourceFile;
use vault_istio::render::{self, RenderConfig};
use vault_istio_testbed::openbao::OpenBao;

const CLUSTERS: [&str; 2] = ["cluster1", "cluster2"];
const FILES: [(&str, &str); 4] = [
    ("ca_key", "ca-key.pem"),
    ("ca_cert", "ca-cert.pem"),
    ("cert_chain", "cert-chain.pem"),
    ("root_cert", "root-cert.pem"),
];

fn ok(bao: &OpenBao, method: &str, path: &str) -> Result<Value> {
    let (status, answer) = bao.request(method, path, None)?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path} answered {status}: {answer}"
    );
    Ok(answer)
}

/// Lays out what the script reads: the article's certificates per cluster, a CA file and
/// a token reviewer JWT, and writes the rendered files to `<dir>/out/<cluster>/`.
fn prepare(dir: &Path, kv_version: u8) -> Result<Vec<render::ClusterFiles>> {
    let seed = vault_istio_testbed::upstream_seed();
    let mut config = String::from("clusters:\n");
    for c in CLUSTERS {
        let certs = dir.join(format!("certs/istiod-{c}"));
        std::fs::create_dir_all(&certs)?;
        for (_, f) in FILES {
            std::fs::copy(seed.join(format!("certs/istiod-{c}/{f}")), certs.join(f))?;
        }
        std::fs::create_dir_all(dir.join("output"))?;
        // Any PEM certificate will do as the API server's CA: Vault stores it.
        std::fs::copy(
            seed.join("certs/root-cert.pem"),
            dir.join(format!("output/{c}-ca.pem")),
        )?;
        std::fs::write(
            dir.join(format!("output/{c}.jwt")),
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln",
        )?;
        config.push_str(&format!(
            "  - name: {c}\n    kubernetesHost: https://{c}.example.test:6443\n    kubernetesCaFile: output/{c}-ca.pem\n    tokenReviewerJwtFile: output/{c}.jwt\n"
        ));
    }
    config.push_str(&format!("kv:\n  version: {kv_version}\n"));
    let cfg = RenderConfig::parse(&SourceFile::new("render.yaml", config))?;
    let rendered = render::render(&cfg)?;
    for c in &rendered {
        let out = dir.join("out").join(&c.cluster);
        std::fs::create_dir_all(&out)?;
        for f in &c.files {
            std::fs::write(out.join(&f.name), &f.content)?;
        }
    }
    Ok(rendered)
}

fn run_setup(bao: &OpenBao, dir: &Path, cluster: &str) -> Result<()> {
    bao.run_script(Path::new(&format!("out/{cluster}/vault-setup.sh")), dir)
}

fn check_cluster(
    bao: &OpenBao,
    dir: &Path,
    files: &render::ClusterFiles,
    kv_version: u8,
) -> Result<()> {
    let c = &files.cluster;
    let auth = ok(bao, "GET", "sys/auth")?;
    assert_eq!(
        auth[format!("kubernetes-{c}/")]["type"],
        "kubernetes",
        "{auth}"
    );
    let config = ok(bao, "GET", &format!("auth/kubernetes-{c}/config"))?;
    assert_eq!(
        config["data"]["kubernetes_host"],
        format!("https://{c}.example.test:6443"),
        "{config}"
    );
    assert_eq!(config["data"]["token_reviewer_jwt_set"], true, "{config}");
    assert!(
        config["data"]["kubernetes_ca_cert"]
            .as_str()
            .unwrap_or("")
            .contains("BEGIN CERTIFICATE"),
        "{config}"
    );

    let mounts = ok(bao, "GET", "sys/mounts")?;
    let mount = &mounts[format!("kubernetes-{c}-secrets/")];
    assert_eq!(mount["type"], "kv", "{mounts}");
    let version = mount["options"]["version"].as_str().unwrap_or("1");
    assert_eq!(version, kv_version.to_string(), "{mount}");

    let (read_path, fields) = if kv_version == 2 {
        let p = format!("kubernetes-{c}-secrets/data/istiod-service/certs");
        let v = ok(bao, "GET", &p)?;
        (p, v["data"]["data"].clone())
    } else {
        let p = format!("kubernetes-{c}-secrets/istiod-service/certs");
        let v = ok(bao, "GET", &p)?;
        (p, v["data"].clone())
    };
    for (field, file) in FILES {
        let expected = std::fs::read_to_string(dir.join(format!("certs/istiod-{c}/{file}")))?;
        assert_eq!(
            fields[field].as_str(),
            Some(expected.as_str()),
            "{c}: field {field}"
        );
    }

    let policy = ok(bao, "GET", &format!("sys/policies/acl/istiod-certs-{c}"))?;
    assert_eq!(
        policy["data"]["policy"].as_str(),
        files.file(render::POLICY),
        "{policy}"
    );
    let role = ok(bao, "GET", &format!("auth/kubernetes-{c}/role/istiod"))?;
    assert_eq!(
        role["data"]["bound_service_account_names"],
        json!(["istiod"]),
        "{role}"
    );
    assert_eq!(
        role["data"]["bound_service_account_namespaces"],
        json!(["istio-system"]),
        "{role}"
    );
    assert_eq!(
        role["data"]["token_policies"],
        json!([format!("istiod-certs-{c}")]),
        "{role}"
    );
    assert_eq!(role["data"]["token_ttl"], 86_400, "{role}");

    // A token with the policy reads the CA and nothing else of the mount.
    let token = ok_post(
        bao,
        "auth/token/create",
        &json!({"policies": [format!("istiod-certs-{c}")]}),
    )?;
    let token = token["auth"]["client_token"]
        .as_str()
        .context("client_token")?
        .to_string();
    let (status, _) = bao.request_as(&token, "GET", &read_path, None)?;
    assert_eq!(status, 200, "{c}: the token reads its CA");
    let other = if kv_version == 2 {
        format!("kubernetes-{c}-secrets/data/istiod-service/other")
    } else {
        format!("kubernetes-{c}-secrets/istiod-service/other")
    };
    let (status, _) = bao.request_as(&token, "GET", &other, None)?;
    assert_eq!(status, 403, "{c}: nothing else of the mount");
    Ok(())
}

fn ok_post(bao: &OpenBao, path: &str, body: &Value) -> Result<Value> {
    let (status, answer) = bao.request("POST", path, Some(body))?;
    ensure!(
        (200..300).contains(&status),
        "POST {path} answered {status}: {answer}"
    );
    Ok(answer)
}

fn round_trip(kv_version: u8) -> Result<()> {
    let Some(bao) = OpenBao::start()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let rendered = prepare(dir.path(), kv_version)?;
    for c in CLUSTERS {
        run_setup(&bao, dir.path(), c)?;
    }
    // Re-runnable: a second run finds the mounts and updates in place.
    for c in CLUSTERS {
        run_setup(&bao, dir.path(), c)?;
    }
    for files in &rendered {
        check_cluster(&bao, dir.path(), files, kv_version)?;
    }
    Ok(())
}

#[test]
fn generated_setup_scripts_configure_openbao_kv_v1() -> Result<()> {
    round_trip(1)
}

#[test]
fn generated_setup_scripts_configure_openbao_kv_v2() -> Result<()> {
    round_trip(2)
}

#[test]
fn a_setup_rendered_for_another_kv_version_stops_with_a_clear_error() -> Result<()> {
    let Some(bao) = OpenBao::start()? else {
        return Ok(());
    };
    let v1 = tempfile::tempdir()?;
    prepare(v1.path(), 1)?;
    run_setup(&bao, v1.path(), "cluster1")?;
    // The same mount, now rendered for KV v2: the script must not write a v1 secret that
    // the v2 annotations and policy would never find.
    let v2 = tempfile::tempdir()?;
    prepare(v2.path(), 2)?;
    let err = run_setup(&bao, v2.path(), "cluster1").expect_err("the version mismatch must fail");
    let msg = format!("{err:#}");
    assert!(
        msg.contains(
            "kubernetes-cluster1-secrets is a KV v1 mount, but this setup was rendered for KV v2"
        ),
        "{msg}"
    );
    Ok(())
}

/// The rendered gateway setup run against OpenBao with a real PKI mount: the ingress
/// gateway's policy issues exactly what its templates ask for (and the PKI role refuses
/// other names), the files rendered from one issuance hold the leaf first and a key that
/// matches it, and the egress gateway's policy reads its KV secret and nothing else.
#[test]
fn rendered_gateways_issue_and_read_from_openbao() -> Result<()> {
    use vault_istio::bundle::{pem, x509};
    use vault_istio::template::{self, Lookup};
    let Some(bao) = OpenBao::start()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let seed = vault_istio_testbed::upstream_seed();
    let certs = d.join("certs/istiod-cluster1");
    std::fs::create_dir_all(&certs)?;
    for (_, f) in FILES {
        std::fs::copy(
            seed.join(format!("certs/istiod-cluster1/{f}")),
            certs.join(f),
        )?;
    }
    std::fs::create_dir_all(d.join("output"))?;
    std::fs::copy(
        seed.join("certs/root-cert.pem"),
        d.join("output/cluster1-ca.pem"),
    )?;
    let cfg = RenderConfig::parse(&SourceFile::new(
        "render.yaml",
        r#"clusters:
  - name: cluster1
    kubernetesHost: https://cluster1.example.test:6443
    kubernetesCaFile: output/cluster1-ca.pem
kv: {version: 2}
gateways:
  - name: istio-ingressgateway
    hosts: ["shop.example.com", "api.example.com"]
    pki: {mount: pki_int, role: ingress, ttl: 72h}
  - name: istio-egressgateway
    direction: egress
    hosts: ["partner.example.org"]
    kv: {path: gateways/egress}
"#,
    ))?;
    let rendered = render::render(&cfg)?;
    let files = &rendered[0];
    let out = d.join("out/cluster1");
    std::fs::create_dir_all(&out)?;
    for f in &files.files {
        std::fs::write(out.join(&f.name), &f.content)?;
    }
    // The PKI mount and its CA are the operator's; the rest comes from the scripts.
    ok_post(
        &bao,
        "sys/mounts/pki_int",
        &json!({"type": "pki", "config": {"max_lease_ttl": "87600h"}}),
    )?;
    ok_post(
        &bao,
        "pki_int/root/generate/internal",
        &json!({"common_name": "Example Issuing CA", "ttl": "8760h"}),
    )?;
    run_setup(&bao, d, "cluster1")?;
    let egress_pem = std::fs::read_to_string(certs.join("ca-cert.pem"))?;
    ok_post(
        &bao,
        "kubernetes-cluster1-secrets/data/gateways/egress",
        &json!({"data": {"cert": egress_pem, "key": "unused", "ca": egress_pem}}),
    )?;
    for g in ["istio-ingressgateway", "istio-egressgateway"] {
        bao.run_script(
            Path::new(&format!("out/cluster1/gateway-{g}-vault-setup.sh")),
            d,
        )?;
    }
    let role = ok(
        &bao,
        "GET",
        "auth/kubernetes-cluster1/role/istio-ingressgateway",
    )?;
    assert_eq!(
        role["data"]["bound_service_account_names"],
        json!(["istio-ingressgateway"])
    );
    assert_eq!(
        role["data"]["bound_service_account_namespaces"],
        json!(["istio-ingress"])
    );

    let token_for = |policy: &str| -> Result<String> {
        let t = ok_post(&bao, "auth/token/create", &json!({"policies": [policy]}))?;
        Ok(t["auth"]["client_token"]
            .as_str()
            .context("client_token")?
            .to_string())
    };
    // The ingress templates' own `secret` call, as the agent would make it.
    let spec_text = files
        .file("gateway-istio-ingressgateway-values.yaml")
        .unwrap();
    let docs = vault_istio::source::yaml::parse(spec_text)?;
    let ann = |file: &str| -> String {
        docs[0]
            .root
            .path(&[
                "podAnnotations",
                &format!("vault.hashicorp.com/agent-inject-template-{file}"),
            ])
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let (crt_t, key_t) = (ann("tls.crt"), ann("tls.key"));
    let crt = template::parse(&crt_t, "{{", "}}");
    let key = template::parse(&key_t, "{{", "}}");
    let read = &crt.secret_reads[0];
    assert_eq!(read, &key.secret_reads[0], "one issuance for both files");
    let mut body = serde_json::Map::new();
    for a in &read.extra_args {
        let (k, v) = a.split_once('=').context("key=value")?;
        body.insert(k.to_string(), json!(v));
    }
    let ingress = token_for("gateway-istio-ingressgateway-cluster1")?;
    let path = read.path.clone().context("path")?;
    let (status, issued) = bao.request_as(&ingress, "POST", &path, Some(&Value::Object(body)))?;
    assert_eq!(status, 200, "{issued}");
    // Another name: the PKI role refuses it.
    let (status, refused) = bao.request_as(
        &ingress,
        "POST",
        &path,
        Some(&json!({"common_name": "evil.example.net"})),
    )?;
    assert_eq!(status, 400, "{refused}");
    // Nothing else of Vault for this token.
    let (status, _) = bao.request_as(
        &ingress,
        "GET",
        "kubernetes-cluster1-secrets/data/istiod-service/certs",
        None,
    )?;
    assert_eq!(status, 403);

    // What the agent writes from that issuance: leaf first, its issuer next, a matching key.
    let resolve = |_: &str, chain: &[String]| match chain {
        [d, f] if d == "Data" => issued["data"][f.as_str()]
            .as_str()
            .map_or(Lookup::MissingKey, |v| Lookup::Value(v.to_string())),
        _ => Lookup::Unknown,
    };
    let crt_file = crt.render(&crt_t, &resolve).text;
    let key_file = key.render(&key_t, &resolve).text;
    let blocks = pem::scan(&crt_file);
    assert_eq!(blocks.len(), 2, "{crt_file}");
    let leaf =
        x509::parse_certificate(blocks[0].der.as_ref().unwrap()).map_err(anyhow::Error::msg)?;
    let issuer =
        x509::parse_certificate(blocks[1].der.as_ref().unwrap()).map_err(anyhow::Error::msg)?;
    assert_eq!(leaf.issuer, issuer.subject);
    assert_eq!(leaf.dns_names, ["shop.example.com", "api.example.com"]);
    let key_block = &pem::scan(&key_file)[0];
    let private = x509::parse_private_key(&key_block.label, key_block.der.as_ref().unwrap())
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert!(private.matches(&leaf), "the key is the leaf's");
    // `verify --gateway` on those files with the Gateway's hosts: nothing to say.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let served = vault_istio::gateway::served::ServedInput {
        dir_label: "ingress".into(),
        cert: SourceFile::new("ingress/tls.crt", crt_file.clone()),
        key: Some(SourceFile::new("ingress/tls.key", key_file.clone())),
        ca: None,
        hosts: vec!["shop.example.com".into(), "api.example.com".into()],
        client: false,
    };
    let (findings, _) = vault_istio::gateway::served::verify_served(&[served], now, 86_400, &[]);
    // The issuer is a root (a one-level PKI), which clients hold: a leaf plus that root is
    // a complete chain.
    assert!(findings.is_empty(), "{findings:#?}");

    // The egress gateway reads its KV secret, and nothing else.
    let egress = token_for("gateway-istio-egressgateway-cluster1")?;
    let (status, _) = bao.request_as(
        &egress,
        "GET",
        "kubernetes-cluster1-secrets/data/gateways/egress",
        None,
    )?;
    assert_eq!(status, 200);
    let (status, _) = bao.request_as(
        &egress,
        "GET",
        "kubernetes-cluster1-secrets/data/istiod-service/certs",
        None,
    )?;
    assert_eq!(status, 403);
    Ok(())
}
