//! Pods as they run after admission, for gateway scenarios: a Deployment's pod template
//! mutated the way Istio's gateway injection and then the Vault Agent Injector mutate it
//! (the webhooks run sorted by name: `istio-sidecar-injector` before
//! `vault-agent-injector-cfg`; reference/gateways.md §4), and the istio-proxy log lines
//! pilot-agent writes when it loads certificate files.
//!
//! What the Vault injector does here (vault-k8s `agent-inject`, reference/vault.md):
//! `agent-inject-status: injected`; an emptyDir `vault-secrets` mounted at
//! `secret-volume-path` (default `/vault/secrets`) into every container present, or only
//! those `agent-inject-containers` lists; the `vault-agent-init` init container unless
//! `agent-pre-populate` is `"false"`, and the `vault-agent` sidecar unless
//! `agent-pre-populate-only` is `"true"`.

use serde_json::{Value, json};

/// The Istio proxy image a gateway pod runs after injection.
pub const PROXY_IMAGE: &str = "docker.io/istio/proxyv2:1.23.2";
const AGENT_IMAGE: &str = "hashicorp/vault:1.18.1";

/// Istio's gateway template mounts (pilot-agent's sockets, Envoy's config, the token and
/// the mesh CA) on `istio-proxy`.
const ISTIO_MOUNTS: &[(&str, &str)] = &[
    ("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
    ("credential-socket", "/var/run/secrets/credential-uds"),
    (
        "workload-certs",
        "/var/run/secrets/workload-spiffe-credentials",
    ),
    ("istio-envoy", "/etc/istio/proxy"),
    ("istio-data", "/var/lib/istio/data"),
    ("istio-podinfo", "/etc/istio/pod"),
    ("istio-token", "/var/run/secrets/tokens"),
    ("istiod-ca-cert", "/var/run/secrets/istio"),
];

/// A Running pod of `deployment` (an `apps/v1` Deployment as JSON), named
/// `<deployment>-<hash>-<suffix>`, owned by its ReplicaSet, after both injectors.
pub fn running_pod(deployment: &Value, suffix: &str) -> Value {
    let name = deployment["metadata"]["name"].as_str().unwrap_or("gateway");
    let namespace = deployment["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let hash = "5c8d7f9b6d";
    let template = &deployment["spec"]["template"];
    let mut meta = template["metadata"].clone();
    let mut spec = template["spec"].clone();
    meta["name"] = json!(format!("{name}-{hash}-{suffix}"));
    meta["namespace"] = json!(namespace);
    meta["labels"]["pod-template-hash"] = json!(hash);
    meta["ownerReferences"] = json!([{
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": format!("{name}-{hash}"),
        "uid": format!("00000000-0000-4000-8000-{:012}", suffix.len()),
        "controller": true,
    }]);
    istio_gateway_injection(&mut spec);
    let annotations = meta["annotations"].clone();
    let injected = vault_injection(&annotations, &mut spec);
    if injected {
        meta["annotations"]["vault.hashicorp.com/agent-inject-status"] = json!("injected");
    }
    let init_statuses = statuses(
        &spec["initContainers"],
        json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
    );
    let statuses = statuses(
        &spec["containers"],
        json!({"running": {"startedAt": "2024-11-01T09:00:05Z"}}),
    );
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": {
            "phase": "Running",
            "podIP": "10.8.1.17",
            "initContainerStatuses": init_statuses,
            "containerStatuses": statuses,
        },
    })
}

/// A ready status in `state` for each of `containers`.
fn statuses(containers: &Value, state: Value) -> Vec<Value> {
    containers
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            json!({
                "name": c["name"], "image": c["image"], "imageID": "", "ready": true,
                "restartCount": 0, "state": state,
            })
        })
        .collect()
}

/// Istio's `gateway` template: the chart's `istio-proxy` container (`image: auto`) gets
/// the proxy image, its mounts and uid 1337.
fn istio_gateway_injection(spec: &mut Value) {
    let Some(containers) = spec["containers"].as_array_mut() else {
        return;
    };
    for c in containers.iter_mut().filter(|c| c["name"] == "istio-proxy") {
        c["image"] = json!(PROXY_IMAGE);
        let mounts = c["volumeMounts"].as_array().cloned().unwrap_or_default();
        let mut mounts = mounts;
        for (name, path) in ISTIO_MOUNTS {
            mounts.push(json!({"name": name, "mountPath": path}));
        }
        c["volumeMounts"] = json!(mounts);
        c["securityContext"]["runAsUser"] = json!(1337);
        c["securityContext"]["runAsGroup"] = json!(1337);
    }
    let mut volumes = spec["volumes"].as_array().cloned().unwrap_or_default();
    for (name, _) in ISTIO_MOUNTS {
        volumes.push(json!({"name": name, "emptyDir": {}}));
    }
    spec["volumes"] = json!(volumes);
}

/// The Vault Agent Injector's mutation; false when the pod does not ask for it.
fn vault_injection(annotations: &Value, spec: &mut Value) -> bool {
    let get = |k: &str| {
        annotations
            .get(format!("vault.hashicorp.com/{k}"))
            .and_then(Value::as_str)
    };
    if get("agent-inject") != Some("true") {
        return false;
    }
    let path = get("secret-volume-path").unwrap_or("/vault/secrets");
    let only: Option<Vec<&str>> =
        get("agent-inject-containers").map(|list| list.split(',').map(str::trim).collect());
    let mount = json!({"name": "vault-secrets", "mountPath": path});
    if let Some(containers) = spec["containers"].as_array_mut() {
        for c in containers.iter_mut() {
            let name = c["name"].as_str().unwrap_or_default().to_string();
            if only.as_ref().is_none_or(|l| l.contains(&name.as_str())) {
                let mut mounts = c["volumeMounts"].as_array().cloned().unwrap_or_default();
                mounts.push(mount.clone());
                c["volumeMounts"] = json!(mounts);
            }
        }
    }
    let agent = |name: &str| {
        json!({
            "name": name,
            "image": AGENT_IMAGE,
            "args": ["echo ${VAULT_CONFIG?} | base64 -d > /home/vault/config.json && vault agent -config=/home/vault/config.json"],
            "volumeMounts": [
                {"name": "home", "mountPath": "/home/vault"},
                {"name": "vault-secrets", "mountPath": path},
            ],
        })
    };
    if get("agent-pre-populate") != Some("false") {
        let mut init = spec["initContainers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        init.push(agent("vault-agent-init"));
        spec["initContainers"] = json!(init);
    }
    if get("agent-pre-populate-only") != Some("true")
        && let Some(containers) = spec["containers"].as_array_mut()
    {
        containers.push(agent("vault-agent"));
    }
    let mut volumes = spec["volumes"].as_array().cloned().unwrap_or_default();
    volumes.push(json!({"name": "home", "emptyDir": {"medium": "Memory"}}));
    volumes.push(json!({"name": "vault-secrets", "emptyDir": {"medium": "Memory"}}));
    spec["volumes"] = json!(volumes);
    true
}

/// istio-proxy's log of a gateway that loaded its certificate files: pilot-agent's start,
/// then for each certificate file (server or client certificate, CA bundle; keys are not
/// watched) the watcher and the read (secretcache.go), and an access-log line (which the
/// audit must not keep).
pub fn proxy_log_loading(certificates: &[&str]) -> String {
    let mut log = String::from(
        "2024-11-01T09:00:06.001201Z\tinfo\tFLAG: --concurrency=\"0\"\n\
         2024-11-01T09:00:06.114372Z\tinfo\tsds\tStarting SDS grpc server\n\
         2024-11-01T09:00:06.309881Z\tinfo\tReadiness succeeded in 212.400911ms\n",
    );
    for cert in certificates {
        log.push_str(&format!(
            "2024-11-01T09:00:06.512044Z\tinfo\tcache\tadding watcher for file certificate {cert}\n\
             2024-11-01T09:00:06.512101Z\tinfo\tcache\tread certificate from file\tresource=file-cert:{cert}\n"
        ));
    }
    log.push_str("[2024-11-01T09:01:12.004Z] \"GET /cart?session=abc HTTP/1.1\" 200 - via_upstream - \"-\" 0 512 3 2 \"10.0.0.4\" \"curl/8.5.0\"\n");
    log
}

/// istio-proxy's log when a certificate file is missing (pilot-agent's error line).
pub fn proxy_log_missing(cert: &str, key: &str) -> String {
    format!(
        "2024-11-01T09:00:06.114372Z\tinfo\tsds\tStarting SDS grpc server\n\
         2024-11-01T09:00:06.512044Z\terror\tcache\tresource:file-cert:{cert}~{key} failed to generate secret for proxy from file: open {cert}: no such file or directory\n"
    )
}
