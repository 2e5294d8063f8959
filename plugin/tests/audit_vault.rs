//! `audit --vault` end to end: a real OpenBao dev server configured by the setup scripts
//! `render` generates for the article's two clusters, the Kubernetes API stand-ins
//! answering OpenBao's TokenReview calls, and the built binary reaching both the way a
//! user's shell does (a kubeconfig, `VAULT_ADDR`, `VAULT_TOKEN`).

use std::path::PathBuf;

mod common;
use common::{Run, run_with};
use serde_json::{Value, json};
use vault_istio_testbed::vault_env::{Certs, VaultEnv};

/// A started environment and a kubeconfig for it (contexts `cluster1`, `cluster2`).
struct Scenario {
    env: VaultEnv,
    kubeconfig: PathBuf,
    /// An empty HOME, so no `~/.vault-token` of the developer is read.
    home: tempfile::TempDir,
}

fn scenario(kv: u8, certs: Certs) -> Option<Scenario> {
    ready(VaultEnv::builder().kv_version(kv).certs(certs))
}

/// Starts the environment and writes its kubeconfig (`None`: skipped, no OpenBao here).
fn ready(builder: vault_istio_testbed::vault_env::VaultEnvBuilder) -> Option<Scenario> {
    let env = builder.start().expect("the environment starts")?;
    let kubeconfig = env.dir.path().join("kubeconfig");
    env.kubeconfig(&kubeconfig).expect("kubeconfig");
    Some(Scenario {
        env,
        kubeconfig,
        home: tempfile::tempdir().unwrap(),
    })
}

impl Scenario {
    fn bao(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self
            .env
            .bao
            .request(method, path, body.as_ref())
            .expect("OpenBao answers");
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {answer}"
        );
        answer
    }

    /// `audit --context cluster1 --context cluster2 <args>` with the root token.
    fn audit(&self, args: &[&str]) -> Run {
        self.audit_as(&self.env.bao.token, args)
    }

    fn audit_as(&self, token: &str, args: &[&str]) -> Run {
        let mut all = vec![
            "audit",
            "--kubeconfig",
            self.kubeconfig.to_str().unwrap(),
            "--context",
            "cluster1",
            "--context",
            "cluster2",
        ];
        all.extend_from_slice(args);
        run_with(
            &all,
            None,
            &[
                ("NO_COLOR", "1"),
                ("HOME", self.home.path().to_str().unwrap()),
                ("VAULT_ADDR", &self.env.bao.addr),
                ("VAULT_TOKEN", token),
            ],
        )
    }

    /// `-o json` findings whose code starts with one of `prefixes`.
    fn findings(&self, args: &[&str], prefixes: &[&str]) -> (Run, Vec<Value>) {
        let mut all = vec!["-o", "json"];
        all.extend_from_slice(args);
        let run = self.audit(&all);
        let json = run.json();
        let found = json["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| {
                let code = f["code"].as_str().unwrap_or_default();
                prefixes.iter().any(|p| code.starts_with(p))
            })
            .collect();
        (run, found)
    }
}

/// A CA as `vault kv put` stores it (the setup script's field names), without `without`.
fn fields(ca: &vault_istio_testbed::pki::ClusterCa, without: &[&str]) -> Value {
    let mut out = json!({
        "ca_key": ca.ca_key_pem,
        "ca_cert": ca.ca_cert_pem,
        "cert_chain": ca.cert_chain_pem,
        "root_cert": ca.root_cert_pem,
    });
    for f in without {
        out.as_object_mut().unwrap().remove(*f);
    }
    out
}

fn codes(found: &[Value]) -> Vec<&str> {
    found.iter().map(|f| f["code"].as_str().unwrap()).collect()
}

/// Vault, bundle and cross-cluster findings: what `--vault` adds.
const VAULT_SIDE: [&str; 3] = ["VI5", "VI3", "VI6"];

#[test]
fn the_articles_setup_in_vault_is_healthy() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    let (run, found) = s.findings(&["--vault"], &VAULT_SIDE);
    assert!(found.is_empty(), "{found:#?}\n{}", run.stderr);
    let vault = &run.json()["vault"];
    assert_eq!(vault["address"], json!(s.env.bao.addr), "{vault}");
    assert_eq!(
        vault["values_read"],
        json!([
            "kubernetes-cluster1-secrets/istiod-service/certs",
            "kubernetes-cluster2-secrets/istiod-service/certs"
        ]),
        "{vault}"
    );
    // VAULT_ADDR alone turns the Vault audit on; --no-vault turns it off.
    let run = s.audit(&["-o", "json"]);
    assert!(run.json()["vault"].is_object(), "{}", run.stdout);
    let run = s.audit(&["-o", "json", "--no-vault"]);
    assert!(run.json()["vault"].is_null(), "{}", run.stdout);
}

fn has<'a>(found: &'a [Value], code: &str, needle: &str) -> &'a Value {
    found
        .iter()
        .find(|f| f["code"] == code && f["message"].as_str().unwrap_or_default().contains(needle))
        .unwrap_or_else(|| panic!("no {code} with `{needle}` in {found:#?}"))
}

#[test]
fn login_check_succeeds_on_the_healthy_setup_and_revokes_its_token() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    let before = vault_state(&s);
    let (run, found) = s.findings(&["--login-check"], &VAULT_SIDE);
    assert!(found.is_empty(), "{found:#?}\n{}", run.stderr);
    assert_eq!(run.json()["vault"]["login_checks"], 2, "{}", run.stdout);
    // It wrote: one TokenRequest per cluster, and a Vault login whose token it revoked.
    // (The stand-in also records the TokenReview calls OpenBao made for those logins.)
    for c in &s.env.clusters {
        let writes: Vec<_> = c
            .kube
            .requests()
            .into_iter()
            .filter(|r| r.is_write() && !r.path.ends_with("/tokenreviews"))
            .collect();
        assert_eq!(writes.len(), 1, "{writes:?}");
        assert!(
            writes[0].path.ends_with("/serviceaccounts/istiod/token"),
            "{writes:?}"
        );
    }
    assert_eq!(vault_state(&s), before, "the login token was revoked");
}

#[test]
fn kv_v2_mount_with_the_articles_v1_templates() {
    let Some(s) = scenario(2, Certs::Fresh) else {
        return;
    };
    let (run, found) = s.findings(&[], &["VI5"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let f = has(
        &found,
        "VI509",
        "reads `.Data.ca_key` from `kubernetes-cluster1-secrets/istiod-service/certs`, a KV v2 mount",
    );
    assert_eq!(
        f["help"],
        "use `.Data.data.ca_key` in vault.hashicorp.com/agent-inject-template-ca-key.pem"
    );
    assert_eq!(
        f["location"]["path"],
        "kubernetes-cluster1-secrets/data/istiod-service/certs"
    );
    assert!(codes(&found).iter().all(|c| *c == "VI509"), "{found:#?}");
    assert_eq!(found.len(), 8, "four files in two clusters");
}

#[test]
fn a_kv_v2_policy_without_data_is_caught_statically_and_by_the_login() {
    let Some(s) = scenario(2, Certs::Fresh) else {
        return;
    };
    s.bao(
        "PUT",
        "sys/policies/acl/istiod-certs-cluster1",
        Some(json!({"policy": "path \"kubernetes-cluster1-secrets/istiod-service/certs\" {\n  capabilities = [\"read\"]\n}\n"})),
    );
    let (_, found) = s.findings(&["--login-check"], &["VI508", "VI514"]);
    let f = has(
        &found,
        "VI508",
        "do not grant read on `kubernetes-cluster1-secrets/data/istiod-service/certs`",
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("cluster1 (istio-system/istiod)")
    );
    assert!(
        f["help"].as_str().unwrap().contains("the KV v1 form"),
        "{f}"
    );
    // The real login agrees: the token it gets may not read the path.
    has(
        &found,
        "VI514",
        "may not read `kubernetes-cluster1-secrets/data/istiod-service/certs`",
    );
    assert_eq!(found.len(), 2, "cluster2 is fine: {found:#?}");
}

#[test]
fn a_role_bound_to_the_wrong_namespace() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    s.bao(
        "POST",
        "auth/kubernetes-cluster1/role/istiod",
        Some(json!({"bound_service_account_namespaces": ["istio"]})),
    );
    let (run, found) = s.findings(&["--login-check"], &VAULT_SIDE);
    assert_eq!(run.code, 1);
    let f = has(
        &found,
        "VI507",
        "role `istiod` does not bind namespace `istio-system`",
    );
    assert_eq!(
        f["help"],
        "add `istio-system` to bound_service_account_namespaces of auth/kubernetes-cluster1/role/istiod"
    );
    let login = has(&found, "VI514", "namespace not authorized");
    assert_eq!(
        login["help"],
        "add istiod's namespace to the role's bound_service_account_namespaces"
    );
    let mut all = codes(&found);
    all.sort();
    assert_eq!(all, ["VI507", "VI514"], "{found:#?}");
}

#[test]
fn a_missing_root_cert_field() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    let ca = &s.env.cluster("cluster1").unwrap().ca;
    s.bao(
        "PUT",
        "kubernetes-cluster1-secrets/istiod-service/certs",
        Some(fields(ca, &["root_cert"])),
    );
    let (_, found) = s.findings(&[], &VAULT_SIDE);
    let f = has(&found, "VI512", "has no field `root_cert`");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("`root-cert.pem` renders `<no value>`")
    );
    assert_eq!(codes(&found), ["VI512"], "{found:#?}");
}

#[test]
fn an_expired_intermediate_stored_in_vault() {
    let Some(s) = scenario(1, Certs::FreshExpired(vec!["cluster1".into()])) else {
        return;
    };
    let (_, found) = s.findings(&["--no-vault"], &VAULT_SIDE);
    assert!(
        found.is_empty(),
        "without Vault nothing says so: {found:#?}"
    );
    let (_, found) = s.findings(&[], &VAULT_SIDE);
    let f = has(&found, "VI318", "expired on");
    assert_eq!(
        f["location"],
        json!({"kind": "pem", "file": "vault/kubernetes-cluster1-secrets/istiod-service/certs", "member": "ca_cert", "block": 0})
    );
    assert!(codes(&found).iter().all(|c| *c == "VI318"), "{found:#?}");
    // --no-secret-read: the values are not read, and the report says so.
    let (_, found) = s.findings(&["--no-secret-read"], &VAULT_SIDE);
    has(&found, "VI513", "were not verified: --no-secret-read");
    assert_eq!(codes(&found), ["VI513", "VI513"], "{found:#?}");
}

#[test]
fn a_wrong_auth_path_in_istiods_annotations() {
    let Some(s) = ready(VaultEnv::builder().fixture_hook(|name, fixture| {
        if name == "cluster1" {
            let d = fixture
                .object_mut("Deployment", "istio-system", "istiod")
                .expect("istiod Deployment");
            d["spec"]["template"]["metadata"]["annotations"]["vault.hashicorp.com/auth-path"] =
                json!("auth/kubernetes");
        }
        Ok(())
    })) else {
        return;
    };
    let (_, found) = s.findings(&["--login-check"], &VAULT_SIDE);
    let f = has(
        &found,
        "VI502",
        "istiod logs in at `auth/kubernetes`, but no auth method is mounted there",
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("auth/kubernetes-cluster1"),
        "names the mounts that exist: {f}"
    );
    // The login at the wrong path fails too.
    has(&found, "VI514", "auth/kubernetes/login");
}

#[test]
fn vault_unreachable_is_a_finding_and_the_clusters_are_still_audited() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = run_with(
        &[
            "audit",
            "-o",
            "json",
            "--kubeconfig",
            s.kubeconfig.to_str().unwrap(),
            "--context",
            "cluster1",
        ],
        None,
        &[
            ("VAULT_ADDR", &addr),
            ("VAULT_TOKEN", "root"),
            ("HOME", s.home.path().to_str().unwrap()),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let found = json["findings"].as_array().unwrap();
    let f = has(found, "VI501", "connection refused");
    assert!(f["message"].as_str().unwrap().contains(&addr), "{f}");
    assert!(
        !f["message"]
            .as_str()
            .unwrap()
            .contains("error sending request")
    );
    assert!(json["clusters"][0]["unreachable"].is_null(), "{json}");
    assert!(
        found
            .iter()
            .any(|f| f["code"].as_str().unwrap().starts_with("VI1")),
        "the cluster's istiod was linted"
    );
    // --vault without an address says what to set.
    let run = run_with(
        &[
            "audit",
            "-o",
            "json",
            "--vault",
            "--kubeconfig",
            s.kubeconfig.to_str().unwrap(),
            "--context",
            "cluster1",
        ],
        None,
        &[("HOME", s.home.path().to_str().unwrap())],
    );
    let json = run.json();
    let f = has(
        json["findings"].as_array().unwrap(),
        "VI501",
        "set VAULT_ADDR",
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("Vault could not be audited: no Vault address"),
        "{f}"
    );
    // A refused token is a finding too.
    let run = s.audit_as("s.not-a-token", &["-o", "json"]);
    has(
        run.json()["findings"].as_array().unwrap(),
        "VI501",
        "the token was refused",
    );
}

#[test]
fn nothing_at_all_audited_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    vault_istio_testbed::kube::Kubeconfig::new()
        .unreachable("gone")
        .unwrap()
        .current("gone")
        .write(&kubeconfig)
        .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = run_with(
        &[
            "audit",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--timeout",
            "2s",
        ],
        None,
        &[
            ("VAULT_ADDR", &addr),
            ("VAULT_TOKEN", "root"),
            ("HOME", dir.path().to_str().unwrap()),
            ("NO_COLOR", "1"),
        ],
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("connection refused"), "{}", run.stdout);
}

#[test]
fn the_auditor_policy_suffices_and_reads_no_value() {
    for kv in [1, 2] {
        let Some(s) = scenario(kv, Certs::Fresh) else {
            return;
        };
        let policy =
            std::fs::read_to_string(common::root().join("manifests/rbac/vault-auditor-policy.hcl"))
                .unwrap();
        s.bao(
            "PUT",
            "sys/policies/acl/vault-istio-auditor",
            Some(json!({"policy": policy})),
        );
        let token = s.env.token_with_policies(&["vault-istio-auditor"]).unwrap();
        let run = s.audit_as(&token, &["-o", "json"]);
        let found: Vec<Value> = run.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"].as_str().unwrap().starts_with("VI5"))
            // The fixtures' templates are KV v1's (kv_v2_mount_with_the_articles_v1_templates).
            .filter(|f| f["code"] != "VI509")
            .cloned()
            .collect();
        // Everything was checked but the values, which the policy does not let it read.
        assert_eq!(codes(&found), ["VI513", "VI513"], "KV v{kv}: {found:#?}");
        has(&found, "VI513", "answered 403: permission denied");
        // Still caught with that token: a field missing.
        let ca = &s.env.cluster("cluster2").unwrap().ca;
        let (path, body) = if kv == 2 {
            (
                "kubernetes-cluster2-secrets/data/istiod-service/certs",
                json!({ "data": fields(ca, &["root_cert"]) }),
            )
        } else {
            (
                "kubernetes-cluster2-secrets/istiod-service/certs",
                fields(ca, &["root_cert"]),
            )
        };
        s.bao("PUT", path, Some(body));
        let run = s.audit_as(&token, &["-o", "json"]);
        let found = run.json()["findings"].as_array().unwrap().clone();
        if kv == 2 {
            has(&found, "VI512", "has no field `root_cert`");
        } else {
            // KV v1 names its fields only to a reader: existence is all the policy allows.
            assert!(!found.iter().any(|f| f["code"] == "VI512"), "{found:#?}");
        }
    }
}

/// Vault's state as the root token sees it: mounts, auth config and roles, policies, the
/// secrets (KV v1 values, KV v2 metadata versions) and the live tokens' accessors.
fn vault_state(s: &Scenario) -> Value {
    let mut state = serde_json::Map::new();
    let mut get = |method: &str, path: &str| {
        let (status, answer) = s.env.bao.request(method, path, None).unwrap();
        state.insert(format!("{method} {path}"), json!([status, answer["data"]]));
    };
    get("GET", "sys/auth");
    get("GET", "sys/mounts");
    get("LIST", "sys/policies/acl");
    get("LIST", "auth/token/accessors");
    for c in &s.env.clusters {
        get("GET", &format!("auth/{}/config", c.auth_mount));
        get("GET", &format!("auth/{}/role/{}", c.auth_mount, c.role));
        get("GET", &format!("sys/policies/acl/{}", c.policy));
        get("GET", &c.kv_read_path);
        get("GET", &c.kv_read_path.replacen("/data/", "/metadata/", 1));
    }
    Value::Object(state)
}

#[test]
fn the_audit_writes_nothing_and_no_key_byte_leaves_it() {
    let Some(s) = scenario(2, Certs::Fresh) else {
        return;
    };
    let before = vault_state(&s);
    let snapshot = s.env.dir.path().join("snapshot.json");
    let mut outputs = Vec::new();
    for format in ["text", "json", "sarif"] {
        let run = s.audit(&["-o", format, "--save-snapshot", snapshot.to_str().unwrap()]);
        assert_ne!(run.code, 2, "{}", run.stderr);
        if format == "sarif" {
            // Vault findings are valid SARIF, named `vault/<api path>`.
            let doc = run.json();
            let errors = common::sarif_schema_errors(&doc);
            assert!(errors.is_empty(), "{errors:#?}");
            let uris: Vec<&str> = doc["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["ruleId"] == "VI509")
                .map(|r| {
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                })
                .collect();
            assert!(
                uris.contains(&"vault/kubernetes-cluster1-secrets/data/istiod-service/certs"),
                "{uris:?}"
            );
        }
        outputs.push(run.stdout);
        outputs.push(run.stderr);
    }
    let saved = std::fs::read_to_string(&snapshot).unwrap();
    assert!(saved.contains("\"vault\""), "the snapshot holds Vault");
    outputs.push(saved);
    assert_eq!(vault_state(&s), before, "Vault is unchanged");
    for c in &s.env.clusters {
        assert!(
            c.kube.requests().iter().all(|r| !r.is_write()),
            "no cluster write"
        );
        let public = format!("{}{}", c.ca.ca_cert_pem, c.ca.cert_chain_pem);
        for line in c.ca.ca_key_pem.lines().filter(|l| !l.starts_with("-----")) {
            for piece in line.as_bytes().chunks(12).filter(|p| p.len() == 12) {
                let piece = std::str::from_utf8(piece).unwrap();
                // An EC key embeds its public point, which the certificate shows too.
                if public.contains(piece) {
                    continue;
                }
                for out in &outputs {
                    assert!(!out.contains(piece), "key bytes `{piece}` in an output");
                }
            }
        }
    }
    // The saved snapshot replays without Vault or clusters: the same findings.
    let live = s.audit(&["-o", "json"]).json()["findings"].clone();
    let replay = run_with(
        &[
            "audit",
            "-o",
            "json",
            "--from-snapshot",
            snapshot.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(replay.json()["findings"], live, "{}", replay.stderr);
}

#[test]
fn a_key_stored_as_the_certificate_is_reported_without_its_bytes() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    let ca = &s.env.cluster("cluster1").unwrap().ca;
    s.bao(
        "PUT",
        "kubernetes-cluster1-secrets/istiod-service/certs",
        Some({
            let mut f = fields(ca, &[]);
            f["ca_cert"] = json!(ca.ca_key_pem);
            f
        }),
    );
    let (run, found) = s.findings(&[], &VAULT_SIDE);
    let f = has(&found, "VI303", "");
    assert_eq!(f["location"]["member"], "ca_cert", "{f}");
    let public = format!("{}{}", ca.ca_cert_pem, ca.cert_chain_pem);
    for line in ca.ca_key_pem.lines().filter(|l| !l.starts_with("-----")) {
        for piece in line.as_bytes().chunks(12).filter(|p| p.len() == 12) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                public.contains(piece) || !run.stdout.contains(piece),
                "key bytes `{piece}`"
            );
        }
    }
}

#[test]
fn login_check_with_a_role_without_the_default_policy() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    s.bao(
        "POST",
        "auth/kubernetes-cluster1/role/istiod",
        Some(json!({"token_no_default_policy": true})),
    );
    let before = vault_state(&s);
    // Its token may neither ask its capabilities nor revoke itself: the audit's token does both.
    let (run, found) = s.findings(&["--login-check"], &VAULT_SIDE);
    assert!(found.is_empty(), "{found:#?}\n{}", run.stderr);
    assert_eq!(vault_state(&s), before, "the login token was revoked");
}

#[test]
fn clusters_whose_cas_in_vault_do_not_trust_each_other() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    // cluster2's CA replaced by one under another root.
    let other = vault_istio_testbed::pki::MeshPki::generate(&["cluster2"]).unwrap();
    let ca = other.bundle("cluster2").unwrap();
    s.bao(
        "PUT",
        "kubernetes-cluster2-secrets/istiod-service/certs",
        Some(fields(ca, &[])),
    );
    let (_, found) = s.findings(&[], &VAULT_SIDE);
    assert!(
        !found.is_empty() && codes(&found).iter().all(|c| *c == "VI601"),
        "{found:#?}"
    );
    assert_eq!(found.len(), 2, "each way: {found:#?}");
}

#[test]
fn an_auth_config_pointing_at_the_other_cluster_and_issuer_validation() {
    let Some(s) = scenario(1, Certs::Fresh) else {
        return;
    };
    // cluster1's mount reviews tokens at cluster2's API server (a copy-paste between
    // per-cluster mounts), with cluster2's CA, and validates the issuer.
    let other = s.env.cluster("cluster2").unwrap();
    s.bao(
        "POST",
        "auth/kubernetes-cluster1/config",
        Some(json!({
            "kubernetes_host": other.kube.url(),
            "kubernetes_ca_cert": other.kube.ca_pem(),
            "disable_local_ca_jwt": true,
            "disable_iss_validation": false,
            "token_reviewer_jwt": other.reviewer_jwt,
        })),
    );
    let (_, found) = s.findings(&["--login-check"], &["VI503", "VI505", "VI514"]);
    let host = has(&found, "VI503", "reviews tokens at");
    assert_eq!(host["severity"], "warning", "{host}");
    let ca = has(
        &found,
        "VI503",
        "does not hold the CA of the cluster's API server",
    );
    assert!(
        ca["message"].as_str().unwrap().starts_with("cluster1"),
        "{ca}"
    );
    has(&found, "VI505", "checks that tokens were issued by");
    // And the real login through that config fails: cluster2 does not know cluster1's token.
    has(&found, "VI514", "was refused");
}

#[test]
fn no_reviewer_jwt_and_istiod_may_not_review() {
    let Some(s) = ready(VaultEnv::builder().fixture_hook(|name, fixture| {
        if name == "cluster1" {
            // The article's binding of istiod to system:auth-delegator, gone.
            assert!(fixture.remove("ClusterRoleBinding", "", "role-tokenreview-binding"));
        }
        Ok(())
    })) else {
        return;
    };
    let c1 = s.env.cluster("cluster1").unwrap();
    // An external Vault without a reviewer JWT: it reviews istiod's token with itself.
    s.bao(
        "POST",
        "auth/kubernetes-cluster1/config",
        Some(json!({
            "kubernetes_host": c1.kube.url(),
            "kubernetes_ca_cert": c1.kube.ca_pem(),
            "disable_local_ca_jwt": true,
        })),
    );
    let (_, found) = s.findings(&[], &["VI504"]);
    let f = has(&found, "VI504", "is not bound to system:auth-delegator");
    assert_eq!(f["severity"], "error", "{f}");
    assert_eq!(
        found.len(),
        1,
        "cluster2 keeps its reviewer JWT: {found:#?}"
    );
}
