//! `render` end to end inside the engine: what it generates parses, lints clean, carries
//! the Go-template braces literally, reproduces the article's values, and refuses bad
//! configs with the key and line.

use vault_istio::injector::InjectorConfig;
use vault_istio::model::IstiodSpec;
use vault_istio::render::{self, ChartLayout, ClusterFiles, RenderConfig};
use vault_istio::source::{recognize, yaml};
use vault_istio::template::Lookup;
use vault_istio::{Options, Severity, SourceFile, lint};

fn config(text: &str) -> RenderConfig {
    RenderConfig::parse(&SourceFile::new("render.yaml", text)).unwrap_or_else(|e| panic!("{e}"))
}

fn config_err(text: &str) -> String {
    RenderConfig::parse(&SourceFile::new("render.yaml", text))
        .expect_err("the config must be refused")
        .to_string()
}

/// A config with `n` clusters, the given KV version and chart layout.
fn config_text(n: usize, kv_version: u8, layout: &str) -> String {
    let mut t = String::from("clusters:\n");
    for i in 1..=n {
        t.push_str(&format!(
            "  - name: cluster{i}\n    kubernetesHost: https://cluster{i}.example.com:6443\n"
        ));
    }
    t.push_str(&format!(
        "kv:\n  version: {kv_version}\nistio:\n  chartLayout: {layout}\n"
    ));
    t
}

fn spec_of(name: &str, text: &str) -> IstiodSpec {
    let docs = yaml::parse(text).unwrap_or_else(|e| panic!("{name} is not YAML: {e}\n{text}"));
    let mut inv = recognize(name, &docs);
    assert_eq!(inv.specs.len(), 1, "{name}: one istiod configuration");
    inv.specs.remove(0)
}

fn files(cfg: &RenderConfig) -> Vec<ClusterFiles> {
    render::render(cfg).expect("render")
}

#[test]
fn go_template_braces_come_out_literally_and_read_the_right_secret() {
    for kv in [1u8, 2] {
        let cfg = config(&config_text(1, kv, "pilot"));
        let out = files(&cfg);
        let values = out[0].file(render::VALUES).unwrap();
        assert!(values.contains("{{- with secret \""), "{values}");
        let spec = spec_of("values.yaml", values);
        let read_path = if kv == 2 {
            "kubernetes-cluster1-secrets/data/istiod-service/certs"
        } else {
            "kubernetes-cluster1-secrets/istiod-service/certs"
        };
        let injector = InjectorConfig::from_spec(&spec);
        assert_eq!(injector.secrets.len(), 4);
        for s in &injector.secrets {
            let text = s.template.and_then(|a| a.text()).expect("a template");
            assert_eq!(
                text,
                render::agent_template(
                    read_path,
                    kv,
                    text.split(".Data.")
                        .nth(1)
                        .unwrap()
                        .split_whitespace()
                        .next()
                        .unwrap()
                        .trim_start_matches("data.")
                )
            );
            let tpl = s.parsed.as_ref().expect("parsed");
            assert!(tpl.errors.is_empty(), "{:?}", tpl.errors);
            assert_eq!(tpl.secret_reads[0].path.as_deref(), Some(read_path));
            // What the agent writes: the value and one newline.
            let r = tpl.render(text, &|_, _| Lookup::Value("PEM".into()));
            assert_eq!(r.text, "PEM\n");
            assert!(r.exact);
        }
    }
}

#[test]
fn everything_rendered_lints_without_warnings() {
    for n in [1usize, 5] {
        for kv in [1u8, 2] {
            for layout in ["pilot", "topLevel"] {
                let cfg = config(&config_text(n, kv, layout));
                assert_eq!(
                    cfg.chart_layout,
                    if layout == "pilot" {
                        ChartLayout::Pilot
                    } else {
                        ChartLayout::TopLevel
                    }
                );
                let out = files(&cfg);
                assert_eq!(out.len(), n);
                for c in &out {
                    let sources = [
                        SourceFile::new(
                            format!("{}/values.yaml", c.cluster),
                            c.file(render::VALUES).unwrap(),
                        ),
                        SourceFile::new(
                            format!("{}/istio-operator.yaml", c.cluster),
                            c.file(render::ISTIO_OPERATOR).unwrap(),
                        ),
                    ];
                    let report = lint(&sources, &Options::default());
                    assert_eq!(report.configuration_count(), 2, "{n} {kv} {layout}");
                    let serious: Vec<_> = report
                        .findings
                        .iter()
                        .filter(|f| f.severity >= Severity::Warning)
                        .collect();
                    assert!(
                        serious.is_empty(),
                        "{n} clusters, KV v{kv}, {layout}: {serious:#?}"
                    );
                    // Each cluster reads its own secret through its own auth mount.
                    let spec = spec_of("values.yaml", c.file(render::VALUES).unwrap());
                    assert_eq!(
                        spec.vault("auth-path").unwrap().text(),
                        Some(format!("auth/kubernetes-{}", c.cluster).as_str())
                    );
                    let sa = yaml::parse(c.file(render::SERVICE_ACCOUNT).unwrap())
                        .expect("manifest YAML");
                    let kinds: Vec<_> = sa
                        .iter()
                        .filter_map(|d| d.root.get("kind").and_then(|k| k.as_str()))
                        .collect();
                    assert_eq!(kinds, ["ServiceAccount", "Secret", "ClusterRoleBinding"]);
                }
            }
        }
    }
}

#[test]
fn the_articles_two_clusters_are_reproduced() {
    let cfg = config(&config_text(2, 1, "pilot"));
    let out = files(&cfg);
    for (i, c) in out.iter().enumerate() {
        let article_path = format!(
            "{}/../tests/fixtures/upstream-seed/cluster{}-values.yaml",
            env!("CARGO_MANIFEST_DIR"),
            i + 1
        );
        let article = spec_of("article", &std::fs::read_to_string(&article_path).unwrap());
        let ours = spec_of("values.yaml", c.file(render::VALUES).unwrap());
        for a in &article.annotations {
            let mine = ours
                .annotation(&a.key)
                .unwrap_or_else(|| panic!("{}: render lacks {}", c.cluster, a.key));
            assert_eq!(mine.text(), a.text(), "{}: {}", c.cluster, a.key);
        }
        for e in &article.env {
            assert_eq!(
                ours.env_var(&e.name).and_then(|v| v.value.clone()),
                e.value,
                "{}: env {}",
                c.cluster,
                e.name
            );
        }
        // What render adds beyond the article is exactly the documented hardening.
        let extra: Vec<&str> = ours
            .annotations
            .iter()
            .filter(|a| article.annotation(&a.key).is_none())
            .map(|a| a.key.as_str())
            .collect();
        for key in &extra {
            let documented = render::HARDENING_ANNOTATIONS.iter().any(|h| {
                h.strip_suffix("<file>")
                    .map_or(*h == *key, |prefix| key.starts_with(prefix))
            });
            assert!(
                documented,
                "{}: undocumented extra annotation {key}",
                c.cluster
            );
        }
        assert_eq!(extra.len(), 5, "{extra:?}");
    }
    // Without hardening, exactly the article's annotations.
    let plain = config(&(config_text(2, 1, "pilot") + "hardening: false\n"));
    let ours = spec_of(
        "values.yaml",
        files(&plain)[0].file(render::VALUES).unwrap(),
    );
    assert_eq!(ours.annotations.len(), 12);
}

#[test]
fn revisions_top_level_layout_and_custom_names() {
    let cfg = config(
        "clusters:\n  - name: east\n    kubernetesHost: https://east:6443\nkv:\n  mount: istio-{cluster}\n  version: 2\n  path: ca\n  fields: {caKey: key}\nauth:\n  mount: k8s-{cluster}\n  role: istiod-east\nistio:\n  revision: 1-24\n  chartLayout: topLevel\n  secretVolumePath: /etc/vault-ca\nvault:\n  address: https://vault.example.com:8200\n",
    );
    assert_eq!(cfg.service_account, "istiod-1-24");
    let out = files(&cfg);
    let values = out[0].file(render::VALUES).unwrap();
    let spec = spec_of("values.yaml", values);
    assert_eq!(
        spec.env_var("ROOT_CA_DIR").unwrap().value.as_deref(),
        Some("/etc/vault-ca")
    );
    assert_eq!(
        spec.vault("secret-volume-path").unwrap().text(),
        Some("/etc/vault-ca")
    );
    assert_eq!(
        spec.vault("service").unwrap().text(),
        Some("https://vault.example.com:8200")
    );
    assert_eq!(
        spec.vault("agent-inject-secret-ca-key.pem").unwrap().text(),
        Some("istio-east/data/ca")
    );
    assert!(
        spec.vault("agent-inject-template-ca-key.pem")
            .unwrap()
            .text()
            .unwrap()
            .contains("{{ .Data.data.key }}")
    );
    assert!(values.contains("revision: \"1-24\""));
    let report = lint(
        &[SourceFile::new("values.yaml", values)],
        &Options::default(),
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity < Severity::Warning),
        "{:#?}",
        report.findings
    );
    let sa = out[0].file(render::SERVICE_ACCOUNT).unwrap();
    assert!(sa.contains("name: \"istiod-1-24\""));
    let setup = out[0].file(render::SETUP).unwrap();
    assert!(setup.contains("vault secrets enable -path=istio-east -version=2 kv"));
    assert!(setup.contains("vault kv put istio-east/ca \\\n  key=@certs/istiod-east/ca-key.pem"));
    assert!(setup.contains(
        "vault write auth/k8s-east/role/istiod-east \\\n  bound_service_account_names=istiod-1-24"
    ));
    assert_eq!(
        out[0]
            .file(render::POLICY)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("path "))
            .collect::<Vec<_>>(),
        ["path \"istio-east/data/ca\" {"]
    );
}

#[test]
fn bad_configs_name_the_key_and_line() {
    let e = config_err("clusters:\n  - name: a\n    kubernetesHost: https://a\nkv:\n  mout: x\n");
    assert!(
        e.starts_with("render.yaml:5:3: unknown key `kv.mout` (did you mean `mount`?)"),
        "{e}"
    );
    let e = config_err("clustrs: []\n");
    assert!(
        e.contains("unknown key `config.clustrs` (did you mean `clusters`?)"),
        "{e}"
    );
    let e = config_err("clusters:\n  - kubernetesHost: https://a\n");
    assert!(
        e.starts_with("render.yaml:2:5: `clusters[0].name` is missing"),
        "{e}"
    );
    let e = config_err(
        "clusters:\n  - name: a\n    kubernetesHost: https://a\n  - name: a\n    kubernetesHost: https://b\n",
    );
    assert!(
        e.starts_with("render.yaml:4:11:") && e.contains("`a` is already used by clusters[0]"),
        "{e}"
    );
    let e = config_err(
        "clusters:\n  - name: a\n    kubernetesHost: https://a\nkv:\n  path: istiod service/certs\n",
    );
    assert!(
        e.starts_with("render.yaml:5:9:")
            && e.contains("`kv.path` is `istiod service/certs`: whitespace is not allowed here"),
        "{e}"
    );
    let e =
        config_err("clusters:\n  - name: a\n    kubernetesHost: https://a\nkv:\n  version: 3\n");
    assert!(e.contains("`kv.version` is `3`: use 1 or 2"), "{e}");
    let e = config_err("clusters:\n  - name: a\n    kubernetesHost: cluster-a:6443\n");
    assert!(e.contains("expected an https:// or http:// URL"), "{e}");
    let e = config_err(
        "clusters:\n  - name: a\n    kubernetesHost: https://a\nauth:\n  role: \"istiod;rm -rf\"\n",
    );
    assert!(e.contains("`;` is not allowed here"), "{e}");
    let e = config_err("");
    assert!(e.contains("the config is empty"), "{e}");
    let e = config_err("clusters: [\n");
    assert!(e.contains("invalid YAML"), "{e}");
}

#[test]
fn the_example_config_renders_and_lints_clean() {
    let cfg = config(render::EXAMPLE);
    assert_eq!(cfg.clusters.len(), 2);
    for c in files(&cfg) {
        let report = lint(
            &[SourceFile::new(
                "values.yaml",
                c.file(render::VALUES).unwrap(),
            )],
            &Options::default(),
        );
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
    }
}

#[test]
fn the_generated_policy_grants_read_on_exactly_the_secret_the_annotations_read() {
    use vault_istio::vault::{Acl, Capability, Operation, parse_policy};
    for n in [1usize, 5] {
        for kv in [1u8, 2] {
            let cfg = config(&config_text(n, kv, "pilot"));
            for c in files(&cfg) {
                let policy = parse_policy("istiod", c.file(render::POLICY).unwrap())
                    .unwrap_or_else(|e| panic!("{e}"));
                let acl = Acl::new(&[policy]);
                // The path the annotations read, from the rendered values themselves.
                let spec = spec_of("values.yaml", c.file(render::VALUES).unwrap());
                let injector = InjectorConfig::from_spec(&spec);
                let mut reads: Vec<String> = injector
                    .secrets
                    .iter()
                    .flat_map(|s| {
                        s.parsed
                            .as_ref()
                            .unwrap()
                            .secret_reads
                            .iter()
                            .filter_map(|r| r.path.clone())
                    })
                    .collect();
                reads.dedup();
                assert_eq!(reads.len(), 1, "{reads:?}");
                let read = &reads[0];
                assert!(acl.allows(Operation::Read, read), "{read}");
                assert_eq!(acl.capabilities(read), vec![Capability::Read], "{read}");
                for op in [
                    Operation::Create,
                    Operation::Update,
                    Operation::Patch,
                    Operation::Delete,
                    Operation::List,
                ] {
                    assert!(!acl.allows(op, read), "{op} on {read}");
                }
                let mount = format!("kubernetes-{}-secrets", c.cluster);
                let mut others = vec![
                    format!("{mount}/other"),
                    format!("{mount}/istiod-service"),
                    format!("{mount}/istiod-service/"),
                    format!("{mount}/istiod-service/certs/x"),
                    format!("{mount}/istiod-service/certs2"),
                    format!("{mount}/data/istiod-service/other"),
                    format!("{mount}/metadata/istiod-service/certs"),
                    "kubernetes-clusterX-secrets/istiod-service/certs".to_string(),
                    "sys/mounts".to_string(),
                ];
                // On KV v2 the plain path is not what the agent reads.
                if kv == 2 {
                    others.push(format!("{mount}/istiod-service/certs"));
                }
                for p in others.iter().filter(|p| *p != read) {
                    assert!(!acl.allows(Operation::Read, p), "read on {p}");
                    assert!(!acl.allows(Operation::List, p), "list on {p}");
                }
            }
        }
    }
}

#[test]
fn configs_that_would_render_something_broken_are_refused() {
    let base = "clusters:\n  - name: a\n    kubernetesHost: https://a\n";
    let cases: &[(&str, &str)] = &[
        (
            "kv:\n  fields:\n    caKey: ca-key\n",
            "`kv.fields.caKey` is `ca-key`: the agent template reads it as `.Data.ca-key`",
        ),
        (
            "kv:\n  fields:\n    caCert: ca_key\n",
            "the same field as `kv.fields.caKey`",
        ),
        ("kv:\n  path: \"+/certs\"\n", "`+` is not allowed here"),
        (
            "kv:\n  path: istiod//certs\n",
            "a Vault path of non-empty segments",
        ),
        (
            "kv:\n  path: ../certs\n",
            "a Vault path of non-empty segments",
        ),
        (
            "istio:\n  revision: \"1.24\"\n",
            "`istio.revision` is `1.24`: Kubernetes needs",
        ),
        (
            "istio:\n  namespace: Istio_System\n",
            "`istio.namespace` is `Istio_System`",
        ),
        (
            "istio:\n  secretVolumePath: /vault/secrets/../x\n",
            "must not contain `.` or `..` segments",
        ),
        (
            "auth:\n  role: a/b\n",
            "`auth.role` is `a/b`: a name, without `/`",
        ),
        ("auth:\n  ttl: forever\n", "`auth.ttl` is `forever`"),
        (
            "kv:\n  mount: a\nkv:\n  mount: b\n",
            "`config.kv` is set twice",
        ),
        ("---\nclusters: []\n", "one YAML document"),
    ];
    for (extra, expected) in cases {
        let e = config_err(&format!("{base}{extra}"));
        assert!(e.contains(expected), "{extra:?}: {e}");
    }
    for name in [".", "..", "Cluster1", "a_b", "-a"] {
        let e = config_err(&format!(
            "clusters:\n  - name: \"{name}\"\n    kubernetesHost: https://a\n"
        ));
        assert!(e.contains("use lower-case letters, digits"), "{name}: {e}");
    }
    let e = config_err(
        "clusters:\n  - name: a\n    kubernetesHost: https://a\n  - name: b\n    kubernetesHost: https://b\nkv:\n  mount: shared\n  path: istio/certs\n",
    );
    assert!(
        e.contains("all 2 clusters would share the secret `shared/istio/certs`"),
        "{e}"
    );
    // Leading and trailing slashes are normalised, not kept in the paths istiod reads.
    let cfg = config(&format!(
        "{base}kv:\n  mount: m/\n  path: /lead/trail/\n  version: 2\n"
    ));
    let out = files(&cfg);
    assert!(
        out[0]
            .file(render::POLICY)
            .unwrap()
            .contains("path \"m/data/lead/trail\"")
    );
    // A revision reaches the pilot layout too (revision is a top-level chart value).
    let cfg = config(&format!("{base}istio:\n  revision: 1-24\n"));
    let values = files(&cfg)[0].file(render::VALUES).unwrap().to_string();
    let docs = yaml::parse(&values).unwrap();
    assert_eq!(
        docs[0].root.get("revision").and_then(|r| r.as_str()),
        Some("1-24")
    );
}

const GATEWAYS: &str = r#"gateways:
  - name: istio-ingressgateway
    hosts: ["shop.example.com", "api.example.com"]
    pki: {mount: pki_int, role: ingress, ttl: 72h}
  - name: istio-egressgateway
    direction: egress
    hosts: ["partner.example.org"]
    kv: {path: "gateways/egress-{cluster}"}
"#;

#[test]
fn rendered_gateways_lint_clean_with_the_istiod_setup() {
    for kv in [1u8, 2] {
        let cfg = config(&format!("{}{GATEWAYS}", config_text(2, kv, "topLevel")));
        assert_eq!(cfg.gateways.len(), 2);
        for c in files(&cfg) {
            let names: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
            for g in ["istio-ingressgateway", "istio-egressgateway"] {
                for f in [
                    format!("gateway-{g}-values.yaml"),
                    format!("gateway-{g}.yaml"),
                    format!("gateway-{g}-vault-setup.sh"),
                ] {
                    assert!(names.contains(&f.as_str()), "{f} in {names:?}");
                }
            }
            // Every YAML file of the cluster linted together, as a user would.
            let sources: Vec<SourceFile> = c
                .files
                .iter()
                .filter(|f| f.name.ends_with(".yaml"))
                .map(|f| SourceFile::new(format!("{}/{}", c.cluster, f.name), &f.content))
                .collect();
            let report = lint(&sources, &Options::default());
            // istiod values + overlay; 2 gateway values; ingress Gateway; egress Gateway
            // and 2 DestinationRules.
            assert_eq!(report.configuration_count(), 2);
            assert_eq!(
                report.gateway_count(),
                6,
                "{:#?}",
                report.gateways.objects()
            );
            let serious: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Info && f.code.starts_with("VI7"))
                .collect();
            assert!(serious.is_empty(), "KV v{kv}: {serious:#?}");
            assert!(
                report
                    .findings
                    .iter()
                    .all(|f| f.severity < Severity::Warning),
                "KV v{kv}: {:#?}",
                report.findings
            );
            // The ingress certificate and key come from one identical issuance, leaf first.
            let values = c.file("gateway-istio-ingressgateway-values.yaml").unwrap();
            let call = "secret \"pki_int/issue/ingress\" \"common_name=shop.example.com\" \"alt_names=api.example.com\" \"ttl=72h\"";
            assert_eq!(values.matches(call).count(), 2, "{values}");
            assert!(
                values.find(".Data.certificate").unwrap()
                    < values.find(".Data.issuing_ca").unwrap()
            );
            // The egress gateway reads its own cluster's KV secret, and the policy grants it.
            let read = if kv == 2 {
                format!("kubernetes-{0}-secrets/data/gateways/egress-{0}", c.cluster)
            } else {
                format!("kubernetes-{0}-secrets/gateways/egress-{0}", c.cluster)
            };
            let setup = c
                .file("gateway-istio-egressgateway-vault-setup.sh")
                .unwrap();
            assert!(setup.contains(&format!("path \"{read}\"")), "{setup}");
            assert!(
                c.file("gateway-istio-egressgateway-values.yaml")
                    .unwrap()
                    .contains(&read)
            );
            let ingress_setup = c
                .file("gateway-istio-ingressgateway-vault-setup.sh")
                .unwrap();
            assert!(
                ingress_setup
                    .contains("path \"pki_int/issue/ingress\" {\n  capabilities = [\"update\"]"),
                "{ingress_setup}"
            );
        }
    }
}

#[test]
fn bad_gateway_configs_name_the_key_and_line() {
    let base = config_text(1, 1, "pilot");
    let cases = [
        (
            "gateways:\n  - name: gw\n    hosts: [a.example.com]\n",
            "needs `pki`",
        ),
        (
            "gateways:\n  - name: gw\n    pki: {}\n",
            "`gateways[0].hosts` is missing",
        ),
        (
            "gateways:\n  - name: gw\n    hosts: [\"bad host\"]\n    pki: {}\n",
            "a DNS name",
        ),
        (
            "gateways:\n  - name: gw\n    direction: sideways\n    hosts: [a.b]\n    pki: {}\n",
            "use ingress or egress",
        ),
        (
            "gateways:\n  - name: gw\n    hosts: [a.b]\n    pki: {}\n    kv: {}\n",
            "both `pki` and `kv`",
        ),
        (
            "gateways:\n  - name: gw\n    hosts: [a.b]\n    pki: {rol: x}\n",
            "did you mean `role`",
        ),
        (
            "gateways:\n  - {name: gw, hosts: [a.b], pki: {}}\n  - {name: gw, hosts: [c.d], pki: {}}\n",
            "used twice",
        ),
    ];
    for (extra, want) in cases {
        let err = config_err(&format!("{base}{extra}"));
        assert!(
            err.contains(want) && err.starts_with("render.yaml:"),
            "{extra}: {err}"
        );
    }
}
