//! An end-to-end Vault environment: one OpenBao dev server configured exactly by the setup
//! scripts `render` generates, for several clusters, each cluster's Kubernetes auth pointed
//! at that cluster's API stand-in.
//!
//! Why: `audit --vault` reads what a real Vault holds and logs in the way istiod's Vault
//! Agent does. Hand-made mounts and policies would test our assumptions; this runs the
//! generated `vault-setup.sh` itself (through the `vault` → `bao` shim), so the mounts,
//! secret, policy and role are the ones a user gets, and a Kubernetes-auth login goes the
//! whole way: OpenBao sends a TokenReview to the stand-in, which answers for the tokens it
//! issued.
//!
//! Per cluster `<c>` (the article's layout, from the render config defaults):
//! - stand-in from `tests/fixtures/kube/article-<c>/` (optionally edited by a
//!   [`VaultEnvBuilder::fixture_hook`]);
//! - auth mount `kubernetes-<c>` (`kubernetes_host` = the stand-in's URL, its CA, and as
//!   token reviewer JWT the long-lived token of the `istio-system/istiod` Secret, as in the
//!   article's `istio-sa.yml`), role `istiod` bound to `istio-system/istiod`;
//! - KV mount `kubernetes-<c>-secrets` (v1 or v2), secret `istiod-service/certs` with the
//!   four PEM files, policy `istiod-certs-<c>`.
//!
//! Layout of [`VaultEnv::dir`] (the scripts run there, with relative paths as in the article):
//! `render.yaml`, `certs/istiod-<c>/*.pem`, `kube/<c>-ca.pem`, `kube/<c>-reviewer.jwt`,
//! `out/<c>/` (every rendered file).
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use vault_istio_testbed::vault_env::{Certs, VaultEnv};
//! let Some(env) = VaultEnv::builder().kv_version(2).certs(Certs::Fresh).start()? else {
//!     return Ok(()); // no `bao` binary on this machine: skipped, already reported
//! };
//! let (status, login) = env.istiod_login("cluster1")?;
//! assert_eq!(status, 200, "{login}");
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use base64::Engine as _;
use serde_json::{Value, json};
use vault_istio::SourceFile;
use vault_istio::render::{self, ClusterFiles, RenderConfig};

use crate::kube::{self, ClusterFixture, KubeStandIn, Kubeconfig};
use crate::openbao::OpenBao;
use crate::pki::{ClusterCa, MeshPki};

/// Where each cluster's CA comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Certs {
    /// A fresh [`MeshPki`]: one root, an intermediate per cluster, valid now.
    Fresh,
    /// A fresh [`MeshPki`] in which the named clusters' intermediates have already expired.
    FreshExpired(Vec<String>),
    /// The article's certificates, `tests/fixtures/upstream-seed/certs/istiod-<c>/` (only
    /// `cluster1` and `cluster2`); their intermediates expired on 2024-11-16.
    Article,
}

type FixtureHook = Box<dyn FnMut(&str, &mut ClusterFixture) -> Result<()>>;

/// Configures a [`VaultEnv`]; defaults: clusters `cluster1` and `cluster2`, KV v1 (the
/// article's), [`Certs::Fresh`].
pub struct VaultEnvBuilder {
    clusters: Vec<String>,
    kv_version: u8,
    certs: Certs,
    hook: Option<FixtureHook>,
}

impl Default for VaultEnvBuilder {
    fn default() -> Self {
        VaultEnvBuilder {
            clusters: vec!["cluster1".into(), "cluster2".into()],
            kv_version: 1,
            certs: Certs::Fresh,
            hook: None,
        }
    }
}

impl VaultEnvBuilder {
    /// The clusters, each served from `tests/fixtures/kube/article-<name>/`.
    pub fn clusters(mut self, names: &[&str]) -> Self {
        self.clusters = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// `kv.version` of the render config: 1 or 2.
    pub fn kv_version(mut self, version: u8) -> Self {
        self.kv_version = version;
        self
    }

    pub fn certs(mut self, certs: Certs) -> Self {
        self.certs = certs;
        self
    }

    /// Called with each cluster's name and fixture before its stand-in starts, to add or
    /// change objects (another ServiceAccount, a missing Secret, access rules…).
    pub fn fixture_hook(
        mut self,
        hook: impl FnMut(&str, &mut ClusterFixture) -> Result<()> + 'static,
    ) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// Starts the stand-ins and OpenBao, renders, and runs every cluster's `vault-setup.sh`.
    /// `Ok(None)` when [`OpenBao::start`] skipped (no `bao` binary, not under CI).
    pub fn start(mut self) -> Result<Option<VaultEnv>> {
        ensure!(
            !self.clusters.is_empty(),
            "a VaultEnv needs at least one cluster"
        );
        let Some(bao) = OpenBao::start()? else {
            return Ok(None);
        };
        kube::install_ring_provider();
        let dir = tempfile::Builder::new()
            .prefix("vault-env-")
            .tempdir()
            .context("creating the VaultEnv directory")?;
        let root = dir.path();
        let names: Vec<&str> = self.clusters.iter().map(String::as_str).collect();

        let pki = match &self.certs {
            Certs::Fresh => Some(MeshPki::generate(&names)?),
            Certs::FreshExpired(expired) => {
                let expired: Vec<&str> = expired.iter().map(String::as_str).collect();
                Some(MeshPki::generate_with(&names, &expired)?)
            }
            Certs::Article => None,
        };

        // Stand-ins first: their URLs go into the render config.
        let mut standins = Vec::new();
        for name in &names {
            let fixture_dir = kube::fixture_dir(&format!("article-{name}"));
            ensure!(
                fixture_dir.is_dir(),
                "no stand-in fixture for cluster {name:?}: {} does not exist",
                fixture_dir.display()
            );
            let mut fixture = ClusterFixture::from_dir(&fixture_dir)?;
            if let Some(hook) = self.hook.as_mut() {
                hook(name, &mut fixture).with_context(|| format!("fixture hook for {name}"))?;
            }
            standins.push(KubeStandIn::start(fixture).with_context(|| format!("stand-in {name}"))?);
        }

        std::fs::create_dir_all(root.join("kube"))?;
        let mut yaml = String::from("clusters:\n");
        for (name, kube) in names.iter().zip(&standins) {
            std::fs::write(root.join(format!("kube/{name}-ca.pem")), kube.ca_pem())?;
            yaml.push_str(&format!(
                "  - name: {name}\n    kubernetesHost: {}\n    kubernetesCaFile: kube/{name}-ca.pem\n    tokenReviewerJwtFile: kube/{name}-reviewer.jwt\n",
                kube.url()
            ));
        }
        yaml.push_str(&format!("kv:\n  version: {}\n", self.kv_version));
        std::fs::write(root.join("render.yaml"), &yaml)?;
        let config = RenderConfig::parse(&SourceFile::new("render.yaml", yaml))?;
        let rendered = render::render(&config)?;

        let mut clusters = Vec::new();
        for ((name, kube), files) in names.iter().zip(standins).zip(rendered) {
            ensure!(
                files.cluster == *name,
                "render returned {} for {name}",
                files.cluster
            );
            let ca = match &pki {
                Some(pki) => pki.bundle(name)?.clone(),
                None => {
                    let seed = crate::upstream_seed().join(format!("certs/istiod-{name}"));
                    ensure!(
                        seed.is_dir(),
                        "Certs::Article has no certificates for {name:?} ({})",
                        seed.display()
                    );
                    ClusterCa::read_dir(seed)?
                }
            };
            let certs_dir = root.join(config.certs_dir.replace("{cluster}", name));
            ca.write_dir(&certs_dir)?;
            // The article's istio-sa.yml names the token Secret like the ServiceAccount.
            let reviewer_jwt = secret_token(&kube, &config.namespace, &config.service_account)
                .with_context(|| format!("the token reviewer JWT of {name}"))?;
            std::fs::write(
                root.join(format!("kube/{name}-reviewer.jwt")),
                &reviewer_jwt,
            )?;
            let out_dir = root.join("out").join(name);
            std::fs::create_dir_all(&out_dir)?;
            for f in &files.files {
                std::fs::write(out_dir.join(&f.name), &f.content)?;
            }
            let at = |pattern: &str| pattern.replace("{cluster}", name);
            let kv_mount = at(&config.kv_mount);
            let kv_path = at(&config.kv_path);
            clusters.push(ClusterEnv {
                name: name.to_string(),
                kube,
                auth_mount: at(&config.auth_mount),
                kv_read_path: if config.kv_version == 2 {
                    format!("{kv_mount}/data/{kv_path}")
                } else {
                    format!("{kv_mount}/{kv_path}")
                },
                kv_mount,
                kv_path,
                role: config.role.clone(),
                policy: at(&config.policy),
                files,
                out_dir,
                certs_dir,
                ca,
                reviewer_jwt,
            });
        }
        let env = VaultEnv {
            bao,
            clusters,
            config,
            pki,
            dir,
        };
        for c in &env.clusters {
            env.run_setup(&c.name)?;
        }
        Ok(Some(env))
    }
}

/// One cluster of a [`VaultEnv`]: its stand-in, its rendered files and its Vault paths.
pub struct ClusterEnv {
    pub name: String,
    /// The cluster's API server; OpenBao's `auth/<auth_mount>/config` points here.
    pub kube: KubeStandIn,
    /// Everything `render` generated for this cluster (also written to [`Self::out_dir`]).
    pub files: ClusterFiles,
    /// `<dir>/out/<c>/`, holding `vault-setup.sh`, `values.yaml`, the policy….
    pub out_dir: PathBuf,
    /// `<dir>/certs/istiod-<c>/`, the four PEM files the setup script stored in KV.
    pub certs_dir: PathBuf,
    /// The same four files, as text.
    pub ca: ClusterCa,
    /// The token reviewer JWT given to OpenBao: the `istio-system/istiod` Secret's token.
    pub reviewer_jwt: String,
    /// Kubernetes auth mount, without `auth/`: `kubernetes-<c>`.
    pub auth_mount: String,
    /// KV mount: `kubernetes-<c>-secrets`.
    pub kv_mount: String,
    /// Secret path inside the mount: `istiod-service/certs`.
    pub kv_path: String,
    /// What the agent reads and the policy grants: `<mount>/<path>` on v1,
    /// `<mount>/data/<path>` on v2.
    pub kv_read_path: String,
    /// The role istiod logs in with: `istiod`.
    pub role: String,
    /// The policy the role grants: `istiod-certs-<c>`.
    pub policy: String,
}

/// A running environment; OpenBao, the stand-ins and the directory go away on drop.
pub struct VaultEnv {
    pub bao: OpenBao,
    pub clusters: Vec<ClusterEnv>,
    /// The parsed render config (defaults filled in).
    pub config: RenderConfig,
    /// The generated PKI; `None` with [`Certs::Article`].
    pub pki: Option<MeshPki>,
    /// Where the render config, certificates and rendered files are (see the module docs).
    pub dir: tempfile::TempDir,
}

impl VaultEnv {
    pub fn builder() -> VaultEnvBuilder {
        VaultEnvBuilder::default()
    }

    /// The cluster named `name`.
    pub fn cluster(&self, name: &str) -> Result<&ClusterEnv> {
        self.clusters
            .iter()
            .find(|c| c.name == name)
            .with_context(|| format!("the VaultEnv has no cluster {name:?}"))
    }

    /// Runs `out/<cluster>/vault-setup.sh` with bash from [`Self::dir`], the `vault` → `bao`
    /// shim first on `PATH` and the root token. [`VaultEnvBuilder::start`] already ran it
    /// once per cluster; the script is meant to be re-runnable.
    pub fn run_setup(&self, cluster: &str) -> Result<()> {
        let c = self.cluster(cluster)?;
        self.bao
            .run_script(&c.out_dir.join(render::SETUP), self.dir.path())
            .with_context(|| format!("the setup of {cluster}"))
    }

    /// Writes one kubeconfig with a context per cluster, named exactly the cluster name
    /// (the stand-in's auditor token as user); the first cluster is the current context.
    pub fn kubeconfig(&self, path: impl AsRef<Path>) -> Result<()> {
        self.clusters
            .iter()
            .fold(Kubeconfig::new(), |k, c| k.context(&c.name, &c.kube))
            .write(path)
    }

    /// `VAULT_ADDR` and `VAULT_TOKEN` (the root token) for a process that talks to this
    /// OpenBao as a Vault client.
    pub fn vault_env_vars(&self) -> Vec<(String, String)> {
        vec![
            ("VAULT_ADDR".into(), self.bao.addr.clone()),
            ("VAULT_TOKEN".into(), self.bao.token.clone()),
        ]
    }

    /// A fresh token for ServiceAccount `namespace/name` from `cluster`'s stand-in
    /// (TokenRequest with an empty spec: the API server's default audience, one hour),
    /// as the kubelet projects it into istiod's pod.
    pub fn service_account_token(
        &self,
        cluster: &str,
        namespace: &str,
        name: &str,
    ) -> Result<String> {
        let kube = &self.cluster(cluster)?.kube;
        let path = format!("/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token");
        let r = kube.request(
            "POST",
            &path,
            Some(kube.token()),
            None,
            Some(r#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}"#),
        )?;
        ensure!(
            r.status == 201,
            "POST {path} on {cluster}: {} {}",
            r.status,
            r.body
        );
        Ok(r.json()?["status"]["token"]
            .as_str()
            .with_context(|| format!("no status.token in {}", r.body))?
            .to_string())
    }

    /// `POST auth/<cluster's auth mount>/login {"role", "jwt"}` without a Vault token, as
    /// Vault Agent does. Returns OpenBao's status and body (403 and the like are `Ok`).
    pub fn login(&self, cluster: &str, role: &str, jwt: &str) -> Result<(u16, Value)> {
        let c = self.cluster(cluster)?;
        self.bao.request_as(
            "",
            "POST",
            &format!("auth/{}/login", c.auth_mount),
            Some(&json!({"role": role, "jwt": jwt})),
        )
    }

    /// istiod's login: a token for its ServiceAccount (`istio-system/istiod`) from the
    /// cluster's stand-in, then a login with role `istiod` on the cluster's auth mount.
    pub fn istiod_login(&self, cluster: &str) -> Result<(u16, Value)> {
        let jwt = self.service_account_token(
            cluster,
            &self.config.namespace,
            &self.config.service_account,
        )?;
        self.login(cluster, &self.config.role, &jwt)
    }

    /// A token (created with the root token) carrying `policies` plus OpenBao's `default`.
    pub fn token_with_policies(&self, policies: &[&str]) -> Result<String> {
        let (status, body) = self.bao.request(
            "POST",
            "auth/token/create",
            Some(&json!({"policies": policies})),
        )?;
        ensure!(status == 200, "auth/token/create answered {status}: {body}");
        Ok(body["auth"]["client_token"]
            .as_str()
            .with_context(|| format!("no auth.client_token in {body}"))?
            .to_string())
    }
}

/// The `token` of the ServiceAccount token Secret `namespace/name`, read through the API as
/// a user would (`kubectl get secret … -o jsonpath={.data.token} | base64 -d`). The stand-in
/// fills such Secrets at start like the token controller and accepts their tokens, in
/// TokenReview too.
fn secret_token(kube: &KubeStandIn, namespace: &str, name: &str) -> Result<String> {
    let path = format!("/api/v1/namespaces/{namespace}/secrets/{name}");
    let r = kube.request("GET", &path, Some(kube.token()), None, None)?;
    if r.status != 200 {
        bail!("GET {path}: {} {}", r.status, r.body);
    }
    let secret = r.json()?;
    let b64 = secret["data"]["token"]
        .as_str()
        .with_context(|| format!("{namespace}/{name} has no data.token"))?;
    let token = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .context("data.token is not base64")?;
    String::from_utf8(token).context("the token is not UTF-8")
}
