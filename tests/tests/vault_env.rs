//! The end-to-end Vault environment itself: OpenBao configured by the rendered setup
//! scripts, istiod's Kubernetes-auth login answered by the stand-in's TokenReview, and the
//! resulting token reading exactly its own cluster's CA.

use anyhow::{Context, Result};
use serde_json::Value;
use vault_istio_testbed::vault_env::{Certs, ClusterEnv, VaultEnv};

const TOKEN_REVIEWS: &str = "/apis/authentication.k8s.io/v1/tokenreviews";

fn login_reads_own_ca_only(kv_version: u8) -> Result<()> {
    let Some(env) = VaultEnv::builder()
        .clusters(&["cluster1", "cluster2"])
        .kv_version(kv_version)
        .certs(Certs::Fresh)
        .start()?
    else {
        return Ok(());
    };
    let c1 = env.cluster("cluster1")?;
    let c2 = env.cluster("cluster2")?;
    let (status, login) = env.istiod_login("cluster1")?;
    assert_eq!(
        status,
        200,
        "{login}\nOpenBao log:\n{}",
        env.bao.log_tail(20)
    );
    let token = login["auth"]["client_token"]
        .as_str()
        .context("auth.client_token")?;
    let policies: Vec<&str> = login["auth"]["policies"]
        .as_array()
        .context("auth.policies")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(policies.contains(&"istiod-certs-cluster1"), "{login}");
    assert_eq!(
        login["auth"]["metadata"]["service_account_name"], "istiod",
        "{login}"
    );

    let expected_path = match kv_version {
        2 => "kubernetes-cluster1-secrets/data/istiod-service/certs",
        _ => "kubernetes-cluster1-secrets/istiod-service/certs",
    };
    assert_eq!(c1.kv_read_path, expected_path);
    let (status, secret) = env.bao.request_as(token, "GET", &c1.kv_read_path, None)?;
    assert_eq!(status, 200, "{secret}");
    let data = if kv_version == 2 {
        &secret["data"]["data"]
    } else {
        &secret["data"]
    };
    let generated = env.pki.as_ref().context("fresh PKI")?.bundle("cluster1")?;
    assert_eq!(
        data["ca_cert"].as_str(),
        Some(generated.ca_cert_pem.as_str())
    );
    assert_eq!(
        data["cert_chain"].as_str(),
        Some(generated.cert_chain_pem.as_str())
    );

    // The login went the whole way: OpenBao asked cluster1's API server, and only it.
    let reviews = |c: &ClusterEnv| {
        c.kube
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == TOKEN_REVIEWS)
            .count()
    };
    assert!(reviews(c1) >= 1, "{:?}", c1.kube.requests());
    assert_eq!(reviews(c2), 0, "{:?}", c2.kube.requests());

    let (status, denied) = env.bao.request_as(token, "GET", &c2.kv_read_path, None)?;
    assert_eq!(
        status, 403,
        "cluster1's token must not read cluster2's CA: {denied}"
    );
    Ok(())
}

#[test]
fn istiod_logs_in_and_reads_its_ca_kv_v1() -> Result<()> {
    login_reads_own_ca_only(1)
}

#[test]
fn istiod_logs_in_and_reads_its_ca_kv_v2() -> Result<()> {
    login_reads_own_ca_only(2)
}

/// The role is bound to `istio-system/istiod`: another ServiceAccount's genuine token is
/// refused, and so is istiod's token from the other cluster (the TokenReview goes to this
/// cluster's API server, which never issued it).
#[test]
fn logins_outside_the_role_binding_are_refused() -> Result<()> {
    let Some(env) = VaultEnv::builder()
        .fixture_hook(|_, fixture| {
            // Every real namespace has a `default` ServiceAccount; the fixture lists only istiod's.
            fixture.add_yaml(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: istio-system\n",
            )?;
            Ok(())
        })
        .start()?
    else {
        return Ok(());
    };
    let other = env.service_account_token("cluster1", "istio-system", "default")?;
    let (status, body) = env.login("cluster1", "istiod", &other)?;
    assert_eq!(status, 403, "{body}");
    let errors = body["errors"].to_string();
    assert!(
        errors.contains("service account name not authorized"),
        "{body}"
    );

    let from_cluster2 = env.service_account_token("cluster2", "istio-system", "istiod")?;
    let (status, body) = env.login("cluster1", "istiod", &from_cluster2)?;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["errors"].to_string().contains("permission denied"),
        "{body}"
    );
    Ok(())
}

/// The helpers the `audit --vault` suites use: a kubeconfig naming contexts after the
/// clusters, the Vault client variables, a token with given policies, the article's
/// (expired) certificates.
#[test]
fn helpers_and_article_certificates() -> Result<()> {
    let Some(env) = VaultEnv::builder().certs(Certs::Article).start()? else {
        return Ok(());
    };
    let kubeconfig = env.dir.path().join("kubeconfig");
    env.kubeconfig(&kubeconfig)?;
    let text = std::fs::read_to_string(&kubeconfig)?;
    assert!(text.contains("current-context: cluster1"), "{text}");
    for c in &env.clusters {
        assert!(text.contains(c.kube.url()), "{text}");
    }
    let vars = env.vault_env_vars();
    assert_eq!(vars[0], ("VAULT_ADDR".into(), env.bao.addr.clone()));
    assert_eq!(vars[1], ("VAULT_TOKEN".into(), "root".into()));

    let token = env.token_with_policies(&["istiod-certs-cluster2"])?;
    let c2 = env.cluster("cluster2")?;
    let (status, secret) = env.bao.request_as(&token, "GET", &c2.kv_read_path, None)?;
    assert_eq!(status, 200, "{secret}");
    let seed = std::fs::read_to_string(
        vault_istio_testbed::upstream_seed().join("certs/istiod-cluster2/ca-cert.pem"),
    )?;
    assert_eq!(secret["data"]["ca_cert"].as_str(), Some(seed.as_str()));
    let c1 = env.cluster("cluster1")?;
    let (status, _) = env.bao.request_as(&token, "GET", &c1.kv_read_path, None)?;
    assert_eq!(status, 403);

    // The reviewer JWT OpenBao was given is the istiod Secret's long-lived token, and the
    // stand-in authenticates it (it is also what OpenBao sends as its bearer token).
    let review = serde_json::json!({"apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview", "spec": {"token": c1.reviewer_jwt}});
    let r = c1.kube.request(
        "POST",
        TOKEN_REVIEWS,
        Some(&c1.reviewer_jwt),
        None,
        Some(&review.to_string()),
    )?;
    assert_eq!(r.status, 201, "{}", r.body);
    let status = &r.json()?["status"];
    assert_eq!(status["authenticated"], true, "{status}");
    assert_eq!(
        status["user"]["username"], "system:serviceaccount:istio-system:istiod",
        "{status}"
    );
    Ok(())
}
