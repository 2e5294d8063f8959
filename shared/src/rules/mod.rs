//! The rule registry. One rule = one `declare_rule!` in its own file: code, name, default
//! severity, title, docs (with a bad and a good example) and its check. `explain`, SARIF
//! `rules[]`, the README table and the page's rule docs all read [`RULES`].

use crate::finding::{Finding, Location, Severity};
use crate::injector::InjectorConfig;
use crate::model::{IstiodSpec, Place};

pub mod vi1xx_injector;
pub mod vi2xx_istiod;
pub mod vi3xx_bundle;
pub mod vi4xx_cluster;
pub mod vi5xx_vault;
pub mod vi6xx_multicluster;
pub mod vi7xx_gateway;

/// Everything about a rule except its logic.
#[derive(Debug)]
pub struct RuleMeta {
    /// `VI` + three digits; never reused (see [`RETIRED`]).
    pub code: &'static str,
    /// kebab-case, names the bad pattern.
    pub name: &'static str,
    pub severity: Severity,
    /// One line, lower-case start, no final period.
    pub title: &'static str,
    /// The `///` lines as written (each with its leading space); read them with
    /// [`RuleMeta::docs`].
    pub raw_docs: &'static str,
    /// The vault-istio version that introduced the rule.
    pub since: &'static str,
    /// Source location of the declaration (for docs and "edit this rule" links).
    pub file: &'static str,
    pub line: u32,
}

impl RuleMeta {
    /// Markdown with `## What it does`, `## Why it breaks`, `## How to fix`, `## Example`
    /// and `Use instead:`.
    pub fn docs(&self) -> String {
        let mut out = String::with_capacity(self.raw_docs.len());
        for line in self.raw_docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// What a check is given: one istiod configuration and its typed injector view.
pub struct Target<'a> {
    pub spec: &'a IstiodSpec,
    pub injector: InjectorConfig<'a>,
}

impl<'a> Target<'a> {
    pub fn new(spec: &'a IstiodSpec) -> Self {
        Target {
            spec,
            injector: InjectorConfig::from_spec(spec),
        }
    }

    /// True when `vault.hashicorp.com/agent-inject` parses as true.
    pub fn injection_on(&self) -> bool {
        self.spec
            .vault("agent-inject")
            .and_then(|a| a.text())
            .and_then(|t| crate::injector::values::parse_bool(t).ok())
            .unwrap_or(false)
    }
}

/// What a rule looks at, and its logic.
#[derive(Clone, Copy)]
pub enum Check {
    /// One istiod configuration (values, IstioOperator, Deployment, Pod).
    Istiod(fn(&Target<'_>, &mut Emitter<'_>)),
    /// One cluster's CA bundle.
    Bundle(fn(&crate::bundle::BundleTarget<'_>, &mut Emitter<'_>)),
    /// Several clusters' bundles together.
    Mesh(fn(&crate::bundle::MeshTarget<'_>, &mut Emitter<'_>)),
    /// One live cluster's snapshot.
    Cluster(fn(&crate::audit::ClusterTarget<'_>, &mut Emitter<'_>)),
    /// Several clusters' snapshots together.
    Clusters(fn(&crate::audit::ClustersTarget<'_>, &mut Emitter<'_>)),
    /// The Vault server's snapshot, with the istiod configurations that use it.
    Vault(fn(&crate::audit::VaultTarget<'_>, &mut Emitter<'_>)),
    /// Every gateway input together: workloads, Gateways, DestinationRules.
    Gateways(fn(&GatewayTarget<'_>, &mut Emitter<'_>)),
    /// Every gateway input together with the cluster's running gateway pods (`audit`
    /// only; never run on files).
    LiveGateways(fn(&GatewayTarget<'_>, &mut Emitter<'_>)),
    /// One gateway's served certificate files (`verify --gateway` only).
    Served(fn(&crate::gateway::served::ServedTarget, &mut Emitter<'_>)),
}

/// What a gateway rule is given: everything gateway-related in the inputs, and the Istio
/// behaviour to judge it by.
pub struct GatewayTarget<'a> {
    pub inventory: &'a crate::gateway::Inventory,
    /// `--istio-version`, else the newest Istio the rules know.
    pub istio_version: crate::gateway::IstioVersion,
    /// Whether the version was given (findings that depend on it say so when it was not).
    pub version_given: bool,
    /// istiod's `PILOT_SCOPE_GATEWAY_TO_NAMESPACE`, when an istiod in the inputs sets it.
    pub scoped_to_namespace: bool,
    /// In an audit that read the cluster's gateway pods: those pods. `None` for files
    /// (the live rules then stay silent).
    pub live: Option<LiveGateways<'a>>,
}

/// The running side of the gateways an audit judges.
#[derive(Debug, Clone, Copy)]
pub struct LiveGateways<'a> {
    pub cluster: &'a str,
    pub pods: &'a [crate::audit::snapshot::GatewayPod],
}

impl LiveGateways<'_> {
    /// Where a finding about `pod` points: `k8s/<cluster>/<ns>/Pod/<name>`.
    pub fn at(&self, pod: &crate::audit::snapshot::GatewayPod) -> crate::finding::Location {
        crate::finding::Location::Object {
            cluster: self.cluster.to_string(),
            namespace: Some(pod.namespace.clone()),
            kind: "Pod".to_string(),
            name: pod.name.clone(),
        }
    }
}

pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// Collects one rule's findings, filling in code, name and severity.
pub struct Emitter<'a> {
    meta: &'static RuleMeta,
    spec: Option<&'a IstiodSpec>,
    out: &'a mut Vec<Finding>,
}

impl<'a> Emitter<'a> {
    /// An emitter for findings inside one istiod configuration's file.
    pub fn for_spec(
        meta: &'static RuleMeta,
        spec: &'a IstiodSpec,
        out: &'a mut Vec<Finding>,
    ) -> Self {
        Emitter {
            meta,
            spec: Some(spec),
            out,
        }
    }

    /// An emitter for findings that carry their own location.
    pub fn new(meta: &'static RuleMeta, out: &'a mut Vec<Finding>) -> Self {
        Emitter {
            meta,
            spec: None,
            out,
        }
    }

    /// Records a finding at `place` in the configuration's file.
    pub fn emit(&mut self, place: &Place, message: impl Into<String>) -> &mut Finding {
        let (file, document) = self
            .spec
            .map_or((String::new(), 0), |s| (s.file.clone(), s.document));
        self.emit_at(
            Location::Yaml {
                file,
                document,
                line: place.span.start.line,
                column: place.span.start.column,
                end_line: place.span.end.line,
                end_column: place.span.end.column,
                key_path: place.path.clone(),
            },
            message,
        )
    }

    /// Records a finding at a place in some input file (gateway rules span several files).
    pub fn emit_located(
        &mut self,
        at: &crate::gateway::Located,
        message: impl Into<String>,
    ) -> &mut Finding {
        let place = &at.place;
        self.emit_at(
            Location::Yaml {
                file: at.file.clone(),
                document: at.document,
                line: place.span.start.line,
                column: place.span.start.column,
                end_line: place.span.end.line,
                end_column: place.span.end.column,
                key_path: place.path.clone(),
            },
            message,
        )
    }

    /// Records a finding at `location` and returns it for optional `help`/severity tweaks.
    pub fn emit_at(&mut self, location: Location, message: impl Into<String>) -> &mut Finding {
        self.out.push(Finding {
            code: self.meta.code,
            name: self.meta.name,
            severity: self.meta.severity,
            message: crate::finding::redact(&message.into()).into_owned(),
            location,
            help: None,
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }
}

impl Finding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(crate::finding::redact(&help.into()).into_owned());
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }
}

/// Declares a rule: its docs (as `///` lines), metadata and check function.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        code: $code:literal,
        name: $name:literal,
        severity: $sev:ident,
        title: $title:literal,
        since: $since:literal,
        $kind:ident: $check:path $(,)?
    ) => {
        pub static RULE: $crate::rules::Rule = $crate::rules::Rule {
            meta: $crate::rules::RuleMeta {
                code: $code,
                name: $name,
                severity: $crate::finding::Severity::$sev,
                title: $title,
                raw_docs: concat!($($doc, "\n"),*),
                since: $since,
                file: file!(),
                line: line!(),
            },
            check: $crate::rules::Check::$kind($check),
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, sorted by code.
pub static RULES: &[&Rule] = &[
    &vi1xx_injector::vi101_inject_annotation_missing::RULE,
    &vi1xx_injector::vi102_invalid_bool_value::RULE,
    &vi1xx_injector::vi103_invalid_typed_value::RULE,
    &vi1xx_injector::vi104_unquoted_annotation_value::RULE,
    &vi1xx_injector::vi105_annotation_key_invalid::RULE,
    &vi1xx_injector::vi106_unknown_vault_annotation::RULE,
    &vi1xx_injector::vi107_role_missing::RULE,
    &vi1xx_injector::vi108_auth_path_format::RULE,
    &vi1xx_injector::vi109_configmap_overrides_annotations::RULE,
    &vi1xx_injector::vi110_template_missing_for_pem::RULE,
    &vi1xx_injector::vi111_template_parse::RULE,
    &vi1xx_injector::vi112_template_path_mismatch::RULE,
    &vi1xx_injector::vi113_kv_field_shape::RULE,
    &vi1xx_injector::vi114_missing_key_silent::RULE,
    &vi1xx_injector::vi115_inject_file_escapes_volume::RULE,
    &vi1xx_injector::vi116_perms_uid_mismatch::RULE,
    &vi1xx_injector::vi117_inject_token_exposed::RULE,
    &vi1xx_injector::vi118_tls_skip_verify_enabled::RULE,
    &vi1xx_injector::vi119_ca_cert_not_mounted::RULE,
    &vi1xx_injector::vi120_vault_addr_format::RULE,
    &vi1xx_injector::vi121_auto_auth_hangs::RULE,
    &vi1xx_injector::vi122_annotations_on_deployment_metadata::RULE,
    &vi1xx_injector::vi123_sa_token_automount_off::RULE,
    &vi2xx_istiod::vi201_istio_ca_file_set::RULE,
    &vi2xx_istiod::vi202_root_ca_dir_mismatch::RULE,
    &vi2xx_istiod::vi203_pre_populate_disabled::RULE,
    &vi2xx_istiod::vi204_target_container_excluded::RULE,
    &vi2xx_istiod::vi205_istiod_sidecar_injected::RULE,
    &vi3xx_bundle::vi301_bundle_file_missing::RULE,
    &vi3xx_bundle::vi302_pem_not_decodable::RULE,
    &vi3xx_bundle::vi303_pem_type_wrong::RULE,
    &vi3xx_bundle::vi304_key_unsupported::RULE,
    &vi3xx_bundle::vi305_key_cert_mismatch::RULE,
    &vi3xx_bundle::vi306_ca_cert_not_ca::RULE,
    &vi3xx_bundle::vi307_ca_missing_key_cert_sign::RULE,
    &vi3xx_bundle::vi308_eku_incompatible::RULE,
    &vi3xx_bundle::vi309_unhandled_critical_extension::RULE,
    &vi3xx_bundle::vi310_insecure_signature_algorithm::RULE,
    &vi3xx_bundle::vi311_weak_key::RULE,
    &vi3xx_bundle::vi312_signature_invalid::RULE,
    &vi3xx_bundle::vi313_chain_incomplete::RULE,
    &vi3xx_bundle::vi314_cert_chain_order::RULE,
    &vi3xx_bundle::vi315_path_length_exceeded::RULE,
    &vi3xx_bundle::vi316_root_not_self_signed::RULE,
    &vi3xx_bundle::vi317_extra_roots::RULE,
    &vi3xx_bundle::vi318_certificate_expired::RULE,
    &vi3xx_bundle::vi319_certificate_expires_soon::RULE,
    &vi3xx_bundle::vi320_ca_cert_extra_blocks::RULE,
    &vi3xx_bundle::vi321_intermediate_not_ca::RULE,
    &vi3xx_bundle::vi322_go_parse_error::RULE,
    &vi4xx_cluster::vi401_cluster_not_audited::RULE,
    &vi4xx_cluster::vi402_istiod_not_found::RULE,
    &vi4xx_cluster::vi403_injector_webhook_missing::RULE,
    &vi4xx_cluster::vi404_injector_failure_policy_ignore::RULE,
    &vi4xx_cluster::vi405_istiod_pod_not_injected::RULE,
    &vi4xx_cluster::vi406_istiod_self_signed::RULE,
    &vi4xx_cluster::vi407_cacerts_secret_leftover::RULE,
    &vi4xx_cluster::vi408_injector_unavailable::RULE,
    &vi4xx_cluster::vi409_token_reviewer_missing::RULE,
    &vi4xx_cluster::vi410_root_configmaps_inconsistent::RULE,
    &vi5xx_vault::vi501_vault_not_audited::RULE,
    &vi5xx_vault::vi502_auth_mount_missing::RULE,
    &vi5xx_vault::vi503_auth_config_cluster_mismatch::RULE,
    &vi5xx_vault::vi504_auth_reviewer_jwt_missing::RULE,
    &vi5xx_vault::vi505_auth_issuer_validation::RULE,
    &vi5xx_vault::vi506_role_not_found::RULE,
    &vi5xx_vault::vi507_role_does_not_bind_istiod::RULE,
    &vi5xx_vault::vi508_policy_denies_read::RULE,
    &vi5xx_vault::vi509_kv_version_mismatch::RULE,
    &vi5xx_vault::vi510_kv_mount_missing::RULE,
    &vi5xx_vault::vi511_secret_missing::RULE,
    &vi5xx_vault::vi512_secret_key_missing::RULE,
    &vi5xx_vault::vi513_secret_values_not_checked::RULE,
    &vi5xx_vault::vi514_login_check_failed::RULE,
    &vi6xx_multicluster::vi601_cross_cluster_untrusted::RULE,
    &vi6xx_multicluster::vi602_shared_intermediate_key::RULE,
    &vi6xx_multicluster::vi603_clusters_roots_differ::RULE,
    &vi7xx_gateway::vi701_tls_file_not_rendered::RULE,
    &vi7xx_gateway::vi702_tls_mode_omitted::RULE,
    &vi7xx_gateway::vi703_tls_required_file_missing::RULE,
    &vi7xx_gateway::vi704_credential_name_with_files::RULE,
    &vi7xx_gateway::vi705_files_on_istio_mutual_or_passthrough::RULE,
    &vi7xx_gateway::vi706_files_on_http_port::RULE,
    &vi7xx_gateway::vi707_tls_file_path_invalid::RULE,
    &vi7xx_gateway::vi708_spki_pinning_ignored_with_files::RULE,
    &vi7xx_gateway::vi709_san_without_client_validation::RULE,
    &vi7xx_gateway::vi710_crl_invalid::RULE,
    &vi7xx_gateway::vi711_selector_matches_no_gateway::RULE,
    &vi7xx_gateway::vi713_selector_matches_pod_without_files::RULE,
    &vi7xx_gateway::vi714_perms_unreadable_by_proxy::RULE,
    &vi7xx_gateway::vi715_run_as_same_user_on_legacy_gateway::RULE,
    &vi7xx_gateway::vi716_inject_containers_excludes_proxy::RULE,
    &vi7xx_gateway::vi717_prepopulate_only_with_expiring_cert::RULE,
    &vi7xx_gateway::vi718_split_pki_issuance::RULE,
    &vi7xx_gateway::vi719_chain_not_leaf_first::RULE,
    &vi7xx_gateway::vi720_leaf_without_chain::RULE,
    &vi7xx_gateway::vi721_cert_san_misses_gateway_hosts::RULE,
    &vi7xx_gateway::vi722_gateway_api_with_vault_files::RULE,
    &vi7xx_gateway::vi723_infrastructure_annotations_over_limit::RULE,
    &vi7xx_gateway::vi724_gateway_config_malformed::RULE,
    &vi7xx_gateway::vi725_values_kind_assumed::RULE,
    &vi7xx_gateway::vi730_dr_mutual_missing_client_files::RULE,
    &vi7xx_gateway::vi731_dr_credential_name_with_files::RULE,
    &vi7xx_gateway::vi732_dr_files_unscoped::RULE,
    &vi7xx_gateway::vi733_dr_ca_omitted_private_pki::RULE,
    &vi7xx_gateway::vi734_dr_istio_mutual_with_files::RULE,
    &vi7xx_gateway::vi740_served_cert_unreadable::RULE,
    &vi7xx_gateway::vi741_served_cert_not_leaf_first::RULE,
    &vi7xx_gateway::vi742_served_key_mismatch::RULE,
    &vi7xx_gateway::vi743_served_chain_incomplete::RULE,
    &vi7xx_gateway::vi744_served_eku_wrong::RULE,
    &vi7xx_gateway::vi745_served_cert_validity::RULE,
    &vi7xx_gateway::vi746_served_cert_san_misses_host::RULE,
    &vi7xx_gateway::vi750_gateway_selects_no_running_pod::RULE,
    &vi7xx_gateway::vi751_gateway_selects_several_workloads::RULE,
    &vi7xx_gateway::vi752_gateway_pod_not_injected::RULE,
    &vi7xx_gateway::vi753_gateway_files_not_mounted_in_proxy::RULE,
    &vi7xx_gateway::vi754_gateway_proxy_file_cert_error::RULE,
    &vi7xx_gateway::vi755_gateway_proxy_cert_not_watched::RULE,
];

/// Codes that once existed and must never be reused, with the reason they went.
pub static RETIRED: &[(&str, &str)] = &[];

/// Finds a rule by code (`VI101`, case-insensitive) or name (`inject-annotation-missing`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code_or_name) || r.meta.name == code_or_name)
}

/// Runs the istiod `rules` over one istiod configuration (other kinds are skipped).
/// The registered rules minus those `ignore` names, by code (any case) or name
/// (`--ignore`), for every command.
pub fn selected(ignore: &[String]) -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| {
            !ignore
                .iter()
                .any(|i| i.eq_ignore_ascii_case(r.meta.code) || i == r.meta.name)
        })
        .collect()
}

pub fn check_spec(spec: &IstiodSpec, rules: &[&'static Rule], out: &mut Vec<Finding>) {
    let target = Target::new(spec);
    for rule in rules {
        let Check::Istiod(check) = rule.check else {
            continue;
        };
        if spec
            .ignored_codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(rule.meta.code))
        {
            continue;
        }
        check(&target, &mut Emitter::for_spec(&rule.meta, spec, out));
    }
}

/// Runs the gateway `rules` over `target`, dropping findings in objects that ignore them
/// (`vault-istio.io/ignore` on the object, or in a gateway's pod annotations).
pub fn check_gateways(target: &GatewayTarget<'_>, rules: &[&'static Rule], out: &mut Vec<Finding>) {
    let inv = target.inventory;
    let ignores = |file: &str, document: usize, code: &str| {
        let hit = |f: &str, d: usize, codes: &[String]| {
            f == file && d == document && codes.iter().any(|c| c.eq_ignore_ascii_case(code))
        };
        inv.gateways
            .iter()
            .any(|g| hit(&g.at.file, g.at.document, &g.ignored_codes))
            || inv
                .destination_rules
                .iter()
                .any(|d| hit(&d.at.file, d.at.document, &d.ignored_codes))
            || inv
                .kube_gateways
                .iter()
                .any(|k| hit(&k.at.file, k.at.document, &k.ignored_codes))
            || inv
                .workloads
                .iter()
                .any(|w| hit(&w.spec.file, w.spec.document, &w.spec.ignored_codes))
    };
    for rule in rules {
        let check = match rule.check {
            Check::Gateways(check) => check,
            Check::LiveGateways(check) if target.live.is_some() => check,
            _ => continue,
        };
        let mut found = Vec::new();
        check(target, &mut Emitter::new(&rule.meta, &mut found));
        out.extend(found.into_iter().filter(|f| match &f.location {
            Location::Yaml { file, document, .. } => !ignores(file, *document, f.code),
            _ => true,
        }));
    }
}

#[cfg(test)]
mod meta_tests;
