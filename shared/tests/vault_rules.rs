//! The Vault (VI5xx) rules on snapshots: the article's setup as Vault holds it stays clean;
//! each broken variant fires its rule. The certificates read from Vault go through every
//! bundle rule, and a snapshot keeps no private key bytes.

use std::collections::BTreeMap;
use vault_istio::audit::snapshot::SubjectRef;
use vault_istio::audit::vault::{
    AuthConfig, AuthMountState, FieldValue, KvMount, LoginCheck, ReadFailure, Reading, Role,
    SecretState, VaultSnapshot,
};
use vault_istio::audit::{self, ClusterSnapshot, IstiodDeployment};
use vault_istio::rules::{Check, RULES};
use vault_istio::{Finding, Location};

const DEPLOYMENT: &str = include_str!("../../manifests/examples/istiod-deployment.yaml");
const SEED: &str = "../tests/fixtures/upstream-seed/certs/istiod-cluster1";
const PATH: &str = "kubernetes-cluster1-secrets/istiod-service/certs";
const MOUNT: &str = "kubernetes-cluster1";
/// 2023-06-01: the article's certificates are valid then.
const BEFORE_EXPIRY: i64 = 1_685_577_600;

fn seed(file: &str) -> String {
    std::fs::read_to_string(format!("{}/{SEED}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn cluster() -> ClusterSnapshot {
    ClusterSnapshot {
        cluster: "cluster1".into(),
        server: Some("https://cluster1.example.com:6443".into()),
        istio_namespace: "istio-system".into(),
        istiod: vec![IstiodDeployment {
            name: "istiod".into(),
            namespace: "istio-system".into(),
            manifest: DEPLOYMENT.into(),
            pods: vec![],
        }],
        auth_delegators: Some(vec![SubjectRef {
            kind: "ServiceAccount".into(),
            namespace: "istio-system".into(),
            name: "istiod".into(),
        }]),
        ..Default::default()
    }
}

fn values() -> BTreeMap<String, FieldValue> {
    [
        ("ca_key", "ca-key.pem"),
        ("ca_cert", "ca-cert.pem"),
        ("cert_chain", "cert-chain.pem"),
        ("root_cert", "root-cert.pem"),
    ]
    .into_iter()
    .map(|(field, file)| {
        (
            field.to_string(),
            FieldValue::capture(&seed(file), field == "ca_key"),
        )
    })
    .collect()
}

/// Vault as the article's setup leaves it (KV v1), read with a root token.
fn healthy() -> VaultSnapshot {
    let policy = format!("path \"{PATH}\" {{\n  capabilities = [\"read\"]\n}}\n");
    VaultSnapshot {
        address: "http://127.0.0.1:8200".into(),
        auth_mounts: Reading::Found(BTreeMap::from([
            (MOUNT.to_string(), "kubernetes".to_string()),
            ("token".to_string(), "token".to_string()),
        ])),
        auth: BTreeMap::from([(
            MOUNT.to_string(),
            AuthMountState {
                config: Reading::Found(AuthConfig {
                    kubernetes_host: "https://cluster1.example.com:6443".into(),
                    token_reviewer_jwt_set: true,
                    disable_local_ca_jwt: true,
                    disable_iss_validation: Some(true),
                    ..Default::default()
                }),
                roles: BTreeMap::from([(
                    "istiod".to_string(),
                    Reading::Found(Role {
                        bound_service_account_names: vec!["istiod".into()],
                        bound_service_account_namespaces: vec!["istio-system".into()],
                        token_policies: vec!["istiod-certs-cluster1".into()],
                        ..Default::default()
                    }),
                )]),
            },
        )]),
        policies: BTreeMap::from([
            ("istiod-certs-cluster1".to_string(), Reading::Found(policy)),
            ("default".to_string(), Reading::Found(String::new())),
        ]),
        secrets: BTreeMap::from([(
            PATH.to_string(),
            SecretState {
                mount: Reading::Found(KvMount {
                    path: "kubernetes-cluster1-secrets/".into(),
                    type_: "kv".into(),
                    version: 1,
                }),
                keys: Reading::Found(
                    ["ca_cert", "ca_key", "cert_chain", "root_cert"]
                        .map(String::from)
                        .to_vec(),
                ),
                values: Reading::Found(values()),
            },
        )]),
        ..Default::default()
    }
}

fn run_at(vault: &VaultSnapshot, cluster: &ClusterSnapshot, now: i64) -> Vec<Finding> {
    audit::evaluate_with_vault(
        std::slice::from_ref(cluster),
        Some(vault),
        &audit::Options {
            now: Some(now),
            ..Default::default()
        },
    )
    .into_iter()
    .filter(|f| ["VI3", "VI5", "VI6"].iter().any(|p| f.code.starts_with(p)))
    .collect()
}

fn run(vault: &VaultSnapshot) -> Vec<Finding> {
    run_at(vault, &cluster(), BEFORE_EXPIRY)
}

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code).collect()
}

#[test]
fn the_articles_setup_is_clean() {
    let found = run(&healthy());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn an_expired_intermediate_in_vault_is_found_where_it_is_stored() {
    let found = run_at(&healthy(), &cluster(), 1_764_460_800); // 2025-11-30
    let expired: Vec<_> = found.iter().filter(|f| f.code == "VI318").collect();
    assert!(!expired.is_empty(), "{found:#?}");
    assert!(
        expired.iter().any(|f| matches!(&f.location,
            Location::Pem { file, member: Some(m), .. } if file == &format!("vault/{PATH}") && m == "ca_cert")),
        "{expired:#?}"
    );
}

/// Each case breaks one thing and expects its rule (and no other Vault rule) to fire.
fn cases() -> Vec<(&'static str, &'static str, VaultSnapshot)> {
    let mut cases = Vec::new();
    let mut add = |code, what, f: &dyn Fn(&mut VaultSnapshot)| {
        let mut v = healthy();
        f(&mut v);
        cases.push((code, what, v));
    };
    fn auth(v: &mut VaultSnapshot) -> &mut AuthMountState {
        v.auth.get_mut(MOUNT).unwrap()
    }
    fn role(v: &mut VaultSnapshot) -> &mut Role {
        match v
            .auth
            .get_mut(MOUNT)
            .unwrap()
            .roles
            .get_mut("istiod")
            .unwrap()
        {
            Reading::Found(r) => r,
            _ => unreachable!(),
        }
    }
    fn config(v: &mut VaultSnapshot) -> &mut AuthConfig {
        match &mut v.auth.get_mut(MOUNT).unwrap().config {
            Reading::Found(c) => c,
            _ => unreachable!(),
        }
    }
    fn secret(v: &mut VaultSnapshot) -> &mut SecretState {
        v.secrets.get_mut(PATH).unwrap()
    }
    add("VI501", "unreachable", &|v| {
        *v = VaultSnapshot {
            address: v.address.clone(),
            unreachable: Some("connection refused".into()),
            ..Default::default()
        }
    });
    add("VI501", "a policy read refused", &|v| {
        v.policies.insert(
            "istiod-certs-cluster1".into(),
            Reading::Failed(ReadFailure {
                what: "GET sys/policies/acl/istiod-certs-cluster1".into(),
                status: Some(403),
                message: "permission denied".into(),
            }),
        );
    });
    add("VI502", "no such auth mount", &|v| {
        v.auth_mounts =
            Reading::Found(BTreeMap::from([("kubernetes".into(), "kubernetes".into())]));
    });
    add("VI502", "not a kubernetes mount", &|v| {
        v.auth_mounts = Reading::Found(BTreeMap::from([(MOUNT.into(), "approle".into())]));
    });
    add("VI503", "not configured", &|v| {
        auth(v).config = Reading::Missing
    });
    add("VI503", "another cluster's host", &|v| {
        config(v).kubernetes_host = "https://cluster2.example.com:6443".into()
    });
    add("VI504", "no reviewer, istiod may not review", &|v| {
        config(v).token_reviewer_jwt_set = false;
    });
    add("VI505", "issuer validated", &|v| {
        config(v).disable_iss_validation = Some(false)
    });
    add("VI506", "role missing", &|v| {
        auth(v).roles.insert("istiod".into(), Reading::Missing);
    });
    add("VI507", "revisioned name not bound", &|v| {
        role(v).bound_service_account_names = vec!["istiod-1-23".into()]
    });
    add("VI507", "wrong namespace", &|v| {
        role(v).bound_service_account_namespaces = vec!["istio".into()]
    });
    add("VI508", "policy on another path", &|v| {
        v.policies.insert(
            "istiod-certs-cluster1".into(),
            Reading::Found(
                "path \"kubernetes-cluster1-secrets/other\" { capabilities = [\"read\"] }".into(),
            ),
        );
    });
    add("VI508", "policy missing", &|v| {
        v.policies
            .insert("istiod-certs-cluster1".into(), Reading::Missing);
    });
    add("VI509", "v1 templates on a v2 mount", &|v| {
        if let Reading::Found(m) = &mut secret(v).mount {
            m.version = 2;
        }
        // The policy is right for KV v2: only the templates are wrong.
        v.policies.insert(
            "istiod-certs-cluster1".into(),
            Reading::Found("path \"kubernetes-cluster1-secrets/data/istiod-service/certs\" { capabilities = [\"read\"] }".into()),
        );
    });
    add("VI510", "no mount", &|v| {
        secret(v).mount = Reading::Missing;
        secret(v).keys = Reading::Skipped("no mount".into());
        secret(v).values = Reading::Skipped("no mount".into());
    });
    add("VI511", "no secret", &|v| {
        secret(v).keys = Reading::Missing;
        secret(v).values = Reading::Missing;
    });
    add("VI512", "root_cert missing", &|v| {
        secret(v).keys = Reading::Found(
            ["ca_cert", "ca_key", "cert_chain"]
                .map(String::from)
                .to_vec(),
        );
        if let Reading::Found(values) = &mut secret(v).values {
            values.remove("root_cert");
        }
    });
    add("VI513", "--no-secret-read", &|v| {
        secret(v).values = Reading::Skipped("--no-secret-read".into())
    });
    add("VI513", "values forbidden", &|v| {
        secret(v).values = Reading::Failed(ReadFailure {
            what: format!("GET {PATH}"),
            status: Some(403),
            message: "permission denied".into(),
        })
    });
    add("VI514", "login refused", &|v| {
        v.logins.push(LoginCheck {
            cluster: "cluster1".into(),
            namespace: "istio-system".into(),
            deployment: "istiod".into(),
            auth_mount: MOUNT.into(),
            role: "istiod".into(),
            status: Some(403),
            error: "permission denied".into(),
            ..Default::default()
        })
    });
    add("VI514", "login token may not read", &|v| {
        v.logins.push(LoginCheck {
            cluster: "cluster1".into(),
            namespace: "istio-system".into(),
            deployment: "istiod".into(),
            auth_mount: MOUNT.into(),
            role: "istiod".into(),
            status: Some(200),
            policies: vec!["default".into()],
            capabilities: BTreeMap::from([(PATH.to_string(), vec!["deny".to_string()])]),
            ..Default::default()
        })
    });
    cases
}

#[test]
fn each_broken_variant_fires_its_rule_and_only_it() {
    for (code, what, vault) in cases() {
        let mut cluster = cluster();
        if code == "VI504" {
            cluster.auth_delegators = Some(vec![]);
        }
        let found = run_at(&vault, &cluster, BEFORE_EXPIRY);
        let vault_codes: Vec<_> = codes(&found)
            .into_iter()
            .filter(|c| c.starts_with("VI5"))
            .collect();
        assert!(
            !vault_codes.is_empty() && vault_codes.iter().all(|c| *c == code),
            "{code} ({what}): {found:#?}"
        );
        for f in &found {
            assert!(
                f.message.contains("cluster1") || f.code == "VI501",
                "{code} ({what}): the message names the cluster: {}",
                f.message
            );
        }
    }
}

#[test]
fn every_vault_rule_has_a_firing_case() {
    let covered: Vec<&str> = cases().into_iter().map(|(c, _, _)| c).collect();
    for r in RULES.iter().filter(|r| matches!(r.check, Check::Vault(_))) {
        assert!(
            covered.contains(&r.meta.code),
            "{} has no case",
            r.meta.code
        );
    }
}

#[test]
fn next_steps_name_the_fix() {
    let mut v = healthy();
    if let Some(Reading::Found(r)) = v.auth.get_mut(MOUNT).unwrap().roles.get_mut("istiod") {
        r.bound_service_account_namespaces = vec!["istio".into()];
    }
    let found = run(&v);
    let f = found.iter().find(|f| f.code == "VI507").unwrap();
    assert!(
        f.message.contains("does not bind namespace `istio-system`"),
        "{}",
        f.message
    );
    assert_eq!(
        f.help.as_deref(),
        Some(
            "add `istio-system` to bound_service_account_namespaces of auth/kubernetes-cluster1/role/istiod"
        )
    );
    assert_eq!(
        f.location,
        Location::Vault {
            path: "auth/kubernetes-cluster1/role/istiod".into()
        }
    );
}

#[test]
fn a_snapshot_survives_json_and_holds_no_key_bytes() {
    let v = healthy();
    let json = serde_json::to_string_pretty(&v).unwrap();
    let key = seed("ca-key.pem");
    // An RSA key holds its public modulus, which the certificates show too: only pieces
    // not in a certificate are secret.
    let public = seed("ca-cert.pem") + &seed("cert-chain.pem");
    for line in key.lines().filter(|l| !l.starts_with("-----")) {
        for piece in line.as_bytes().chunks(12).filter(|c| c.len() == 12) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                public.contains(piece) || !json.contains(piece),
                "key bytes `{piece}` in the snapshot"
            );
        }
    }
    let back: VaultSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, v);
    // The bundle rules still see the key: a mismatched key is caught after the round trip.
    assert!(run(&back).is_empty());
}

/// A second istiod in cluster1 (a revision) with its own role and secret path.
fn with_revision(cluster: &mut ClusterSnapshot) {
    let manifest = DEPLOYMENT
        .replacen("  name: istiod\n", "  name: istiod-1-23\n", 1)
        .replace("istiod-service/certs", "istiod-rev/certs")
        .replace(
            "vault.hashicorp.com/role: \"istiod\"",
            "vault.hashicorp.com/role: \"istiod-rev\"",
        );
    cluster.istiod.push(IstiodDeployment {
        name: "istiod-1-23".into(),
        namespace: "istio-system".into(),
        manifest,
        pods: vec![],
    });
}

const REV_PATH: &str = "kubernetes-cluster1-secrets/istiod-rev/certs";

fn revision_in_vault(v: &mut VaultSnapshot, policy: Reading<String>, ca_cert: &str) {
    let role = Role {
        bound_service_account_names: vec!["istiod".into()],
        bound_service_account_namespaces: vec!["istio-system".into()],
        token_policies: vec!["istiod-rev".into()],
        ..Default::default()
    };
    v.auth
        .get_mut(MOUNT)
        .unwrap()
        .roles
        .insert("istiod-rev".into(), Reading::Found(role));
    v.policies.insert("istiod-rev".into(), policy);
    let mut secret = v.secrets[PATH].clone();
    if let Reading::Found(values) = &mut secret.values {
        values.insert("ca_cert".into(), FieldValue::capture(ca_cert, false));
    }
    v.secrets.insert(REV_PATH.into(), secret);
}

#[test]
fn a_second_revision_gets_its_own_checks_and_its_own_bundle() {
    let mut cluster = cluster();
    with_revision(&mut cluster);
    let mut v = healthy();
    let grant = format!("path \"{REV_PATH}\" {{ capabilities = [\"read\"] }}");
    revision_in_vault(&mut v, Reading::Found(grant), "<no value>\n");
    let found = run_at(&v, &cluster, BEFORE_EXPIRY);
    let f = found
        .iter()
        .find(|f| f.code == "VI302" || f.code == "VI301" || f.code == "VI313")
        .unwrap_or_else(|| panic!("the revision's bundle is verified: {found:#?}"));
    assert!(
        matches!(&f.location, Location::Pem { file, .. } if file == &format!("vault/{REV_PATH}")),
        "{f:#?}"
    );
    assert!(
        !found.iter().any(|f| f.code.starts_with("VI5")),
        "{found:#?}"
    );
}

#[test]
fn an_unreadable_policy_hides_no_other_istiods_verdict() {
    let mut cluster = cluster();
    with_revision(&mut cluster);
    let mut v = healthy();
    revision_in_vault(
        &mut v,
        Reading::Found("path \"other/*\" { capabilities = [\"read\"] }".into()),
        &seed("ca-cert.pem"),
    );
    v.policies.insert(
        "istiod-certs-cluster1".into(),
        Reading::Failed(ReadFailure {
            what: "GET sys/policies/acl/istiod-certs-cluster1".into(),
            status: Some(403),
            message: "permission denied".into(),
        }),
    );
    let found = run(&v);
    assert!(
        found.is_empty() || found.iter().all(|f| f.code == "VI501"),
        "cluster() has no revision: {found:#?}"
    );
    let found = run_at(&v, &cluster, BEFORE_EXPIRY);
    let mut codes = codes(&found);
    codes.sort();
    assert_eq!(codes, ["VI501", "VI508"], "{found:#?}");
    assert!(
        found
            .iter()
            .any(|f| f.code == "VI508" && f.message.contains("istiod-1-23"))
    );
}

#[test]
fn a_templated_policy_is_not_called_a_denial() {
    let mut v = healthy();
    v.policies.insert(
        "istiod-certs-cluster1".into(),
        Reading::Found(
            "path \"kubernetes-cluster1-secrets/{{identity.entity.aliases.auth_kubernetes_1234.metadata.service_account_name}}-service/*\" { capabilities = [\"read\"] }".into(),
        ),
    );
    let found = run(&v);
    assert_eq!(codes(&found), ["VI508"], "{found:#?}");
    assert_eq!(found[0].severity, vault_istio::Severity::Warning);
    assert!(
        found[0].message.contains("templated paths"),
        "{}",
        found[0].message
    );
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("--login-check")
    );
}

#[test]
fn an_istiod_in_another_vault_namespace_is_reported_not_judged() {
    let mut cluster = cluster();
    cluster.istiod[0].manifest = DEPLOYMENT.replace(
        "        vault.hashicorp.com/role: \"istiod\"\n",
        "        vault.hashicorp.com/role: \"istiod\"\n        vault.hashicorp.com/namespace: \"team-a\"\n",
    );
    let mut v = healthy();
    // Whatever the root namespace holds says nothing about team-a.
    v.auth_mounts = Reading::Found(BTreeMap::new());
    let found = run_at(&v, &cluster, BEFORE_EXPIRY);
    assert_eq!(codes(&found), ["VI501"], "{found:#?}");
    assert!(
        found[0].message.contains("uses Vault namespace `team-a`"),
        "{}",
        found[0].message
    );
    assert_eq!(
        found[0].help.as_deref(),
        Some("audit it with VAULT_NAMESPACE=team-a")
    );
    // Read in team-a, it is judged.
    v.namespace = Some("team-a".into());
    let found = run_at(&v, &cluster, BEFORE_EXPIRY);
    assert_eq!(codes(&found), ["VI502"], "{found:#?}");
}

#[test]
fn no_reviewer_and_no_delegation_warns_even_when_vault_may_be_in_the_cluster() {
    let mut v = healthy();
    if let Reading::Found(c) = &mut v.auth.get_mut(MOUNT).unwrap().config {
        c.token_reviewer_jwt_set = false;
        c.disable_local_ca_jwt = false;
    }
    let mut cluster = cluster();
    cluster.auth_delegators = Some(vec![]);
    let found = run_at(&v, &cluster, BEFORE_EXPIRY);
    assert_eq!(codes(&found), ["VI504"], "{found:#?}");
    assert_eq!(found[0].severity, vault_istio::Severity::Warning);
    assert!(
        found[0]
            .message
            .contains("unless Vault runs inside this cluster")
    );
}

#[test]
fn a_key_stored_as_the_certificate_is_reported() {
    let mut v = healthy();
    if let Some(SecretState {
        values: Reading::Found(values),
        ..
    }) = v.secrets.get_mut(PATH)
    {
        values.insert(
            "ca_cert".into(),
            FieldValue::capture(&seed("ca-key.pem"), false),
        );
    }
    let json = serde_json::to_string(&v).unwrap();
    assert!(
        !json.contains("MIIJKwIBAAKCAgEA0de2"),
        "the key's bytes are gone"
    );
    let found = run(&v);
    assert!(found.iter().any(|f| f.code == "VI303"), "{found:#?}");
}

#[test]
fn a_revisioned_istiod_is_told_about_istiod_glob() {
    let mut cluster = cluster();
    cluster.istiod[0].manifest = DEPLOYMENT.replace(
        "serviceAccountName: istiod",
        "serviceAccountName: istiod-1-23",
    );
    let found = run_at(&healthy(), &cluster, BEFORE_EXPIRY);
    assert_eq!(codes(&found), ["VI507"], "{found:#?}");
    assert!(
        found[0]
            .message
            .contains("does not bind ServiceAccount `istiod-1-23`")
    );
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("`istiod*` for every revision"),
        "{:?}",
        found[0].help
    );
}

#[test]
fn a_stale_ca_for_the_clusters_own_host_is_an_error() {
    // The kubeconfig trusts the article's root for this API server; Vault holds another CA.
    let mut cluster = cluster();
    cluster.server_ca = Some(seed("root-cert.pem"));
    let mut v = healthy();
    if let Reading::Found(c) = &mut v.auth.get_mut(MOUNT).unwrap().config {
        c.kubernetes_ca_cert = seed("ca-cert.pem");
    }
    let found = run_at(&v, &cluster, BEFORE_EXPIRY);
    assert_eq!(codes(&found), ["VI503"], "{found:#?}");
    assert_eq!(found[0].severity, vault_istio::Severity::Error);
    assert!(
        found[0].message.contains("TLS verification"),
        "{}",
        found[0].message
    );
    // The same CA in Vault: quiet.
    if let Reading::Found(c) = &mut v.auth.get_mut(MOUNT).unwrap().config {
        c.kubernetes_ca_cert = seed("root-cert.pem");
    }
    assert!(run_at(&v, &cluster, BEFORE_EXPIRY).is_empty());
}
