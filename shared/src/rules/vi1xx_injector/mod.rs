//! VI1xx: Vault Agent Injector annotations and their templates.

pub mod vi101_inject_annotation_missing;
pub mod vi102_invalid_bool_value;
pub mod vi103_invalid_typed_value;
pub mod vi104_unquoted_annotation_value;
pub mod vi105_annotation_key_invalid;
pub mod vi106_unknown_vault_annotation;
pub mod vi107_role_missing;
pub mod vi108_auth_path_format;
pub mod vi109_configmap_overrides_annotations;
pub mod vi110_template_missing_for_pem;
pub mod vi111_template_parse;
pub mod vi112_template_path_mismatch;
pub mod vi113_kv_field_shape;
pub mod vi114_missing_key_silent;
pub mod vi115_inject_file_escapes_volume;
pub mod vi116_perms_uid_mismatch;
pub mod vi117_inject_token_exposed;
pub mod vi118_tls_skip_verify_enabled;
pub mod vi119_ca_cert_not_mounted;
pub mod vi120_vault_addr_format;
pub mod vi121_auto_auth_hangs;
pub mod vi122_annotations_on_deployment_metadata;
pub mod vi123_sa_token_automount_off;

use crate::injector::catalog::{self, AnnotationSpec};
use crate::model::Annotation;
use crate::source::scalar::{Resolved, resolve_k8s};

/// The injector annotations of a spec with their catalog entry, skipping values that are
/// not strings as Kubernetes reads them (VI104 reports those).
pub(crate) fn typed_annotations(
    annotations: &[Annotation],
) -> impl Iterator<Item = (&Annotation, &'static AnnotationSpec, &str)> {
    annotations.iter().filter_map(|a| {
        let name = a.vault_name()?;
        let resolved = catalog::lookup(name)?;
        let scalar = a.value.as_scalar()?;
        if resolve_k8s(scalar) != Resolved::Str {
            return None;
        }
        Some((a, resolved.spec, scalar.value.as_str()))
    })
}

/// The injector annotation `name` when its value parses as the bool `wanted`.
pub(crate) fn vault_flag<'a>(
    spec: &'a crate::model::IstiodSpec,
    name: &str,
    wanted: bool,
) -> Option<&'a Annotation> {
    spec.vault(name)
        .filter(|a| bool_of(Some(a)) == Some(wanted))
}

/// The annotation's value parsed as a Go bool, if it is one.
pub(crate) fn bool_of(a: Option<&Annotation>) -> Option<bool> {
    a.and_then(Annotation::text)
        .and_then(|t| crate::injector::values::parse_bool(t).ok())
}
