//! Starter inputs: the public demo's working setup and the mistakes people make.

/// Helm values (or a manifest) to start from.
pub struct ValuesExample {
    pub name: &'static str,
    pub text: &'static str,
}

pub const VALUES: &[ValuesExample] = &[
    ValuesExample {
        name: "The article's cluster1 values (works)",
        text: include_str!("../../tests/fixtures/upstream-seed/cluster1-values.yaml"),
    },
    ValuesExample {
        name: "Istio 1.24+ chart layout (works)",
        text: include_str!("../../manifests/examples/istiod-values-1.24.yaml"),
    },
    ValuesExample {
        name: "istiod Deployment, kubectl get -o yaml (works)",
        text: include_str!("../../manifests/examples/istiod-deployment.yaml"),
    },
    ValuesExample {
        name: "Common mistakes (broken)",
        text: include_str!("../../manifests/examples/broken/istiod-values-broken.yaml"),
    },
    ValuesExample {
        name: "KV v2 path read with KV v1 fields (broken)",
        text: KV2_SHAPE,
    },
    ValuesExample {
        name: "Ingress gateway with a Vault PKI certificate (works)",
        text: include_str!("../../manifests/examples/gateway/ingress-gateway.yaml"),
    },
    ValuesExample {
        name: "Ingress gateway mistakes (broken)",
        text: include_str!("../../manifests/examples/broken/gateway-broken.yaml"),
    },
];

const KV2_SHAPE: &str = r#"# KV v2 keeps fields under .Data.data: `.Data.ca_key` renders `<no value>`.
pilot:
  env:
    ROOT_CA_DIR: /vault/secrets
  podAnnotations:
    vault.hashicorp.com/agent-inject: "true"
    vault.hashicorp.com/role: istiod
    vault.hashicorp.com/auth-path: auth/kubernetes
    vault.hashicorp.com/agent-inject-template-ca-key.pem: |
      {{- with secret "secret/data/istio/ca" -}}{{ .Data.ca_key }}{{ end -}}
    vault.hashicorp.com/agent-inject-template-ca-cert.pem: |
      {{- with secret "secret/data/istio/ca" -}}{{ .Data.ca_cert }}{{ end -}}
    vault.hashicorp.com/agent-inject-template-cert-chain.pem: |
      {{- with secret "secret/data/istio/ca" -}}{{ .Data.cert_chain }}{{ end -}}
    vault.hashicorp.com/agent-inject-template-root-cert.pem: |
      {{- with secret "secret/data/istio/ca" -}}{{ .Data.root_cert }}{{ end -}}
"#;

/// The article's cluster1 CA files, in `FileKind::ALL` order (its intermediate expired on
/// 2024-11-16).
pub const ARTICLE_CERTS: [&str; 4] = [
    include_str!("../../tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-key.pem"),
    include_str!("../../tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-cert.pem"),
    include_str!("../../tests/fixtures/upstream-seed/certs/istiod-cluster1/cert-chain.pem"),
    include_str!("../../tests/fixtures/upstream-seed/certs/istiod-cluster1/root-cert.pem"),
];
