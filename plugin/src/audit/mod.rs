//! `audit`: read each kube context into a snapshot (or load saved snapshots), evaluate them
//! with the engine, print, choose the exit code.

mod collect;
mod vault;

use crate::cli::{AuditArgs, Format};
use crate::exit;
use crate::inputs;
use crate::output;
use std::io::IsTerminal;
use std::time::Duration;
use vault_istio::SourceFile;
use vault_istio::audit::snapshot::Saved;
use vault_istio::audit::{self, ClusterSnapshot, IstiodNeeds, VaultSnapshot};
use vault_istio::report::{RenderInput, sarif};

pub fn run(args: AuditArgs) -> anyhow::Result<u8> {
    if !output::ignore_codes_known(&args.report) {
        return Ok(exit::COULD_NOT_RUN);
    }
    let collected = if args.from_snapshot.is_empty() {
        collect_live(&args)
    } else {
        load_snapshots(&args.from_snapshot, args.report.max_input_bytes)
    };
    let mut saved = match collected {
        Ok(s) => s,
        Err(msg) => {
            output::error(&msg);
            return Ok(exit::COULD_NOT_RUN);
        }
    };
    if args.no_vault {
        // Also for a saved snapshot that holds Vault.
        saved.vault = None;
    }
    if let Some(path) = &args.save_snapshot
        && let Err(e) = std::fs::write(path, saved.to_json())
    {
        output::error(&format!("--save-snapshot {path}: {e}"));
        return Ok(exit::COULD_NOT_RUN);
    }
    let Saved {
        clusters: snapshots,
        vault,
    } = saved;

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let findings = audit::evaluate_with_vault(
        &snapshots,
        vault.as_ref(),
        &audit::Options {
            ignore: args.report.ignore.clone(),
            now: Some(now),
            expires_within: None,
            istio_version: args.istio_version,
        },
    );
    let no_sources: [SourceFile; 0] = [];
    let render = RenderInput {
        findings: &findings,
        sources: &no_sources,
        checked: (snapshots.len(), "cluster", "clusters"),
    };
    match args.report.output {
        Format::Json => output::stdout(&vault_istio::report::json::render_audit(
            &findings,
            &snapshots,
            vault.as_ref(),
        ))?,
        Format::Sarif => output::stdout(&sarif::render(&findings))?,
        Format::Text => output::text_findings(&render, &args.report)?,
    }
    // 2 only when nothing at all could be audited: no cluster, and not Vault either.
    let none_audited = snapshots.iter().all(|s| s.unreachable.is_some())
        && vault.as_ref().is_none_or(|v| v.unreachable.is_some());
    Ok(output::exit_code(&findings, &args.report, none_audited))
}

/// `--from-snapshot`: each file holds a JSON array of cluster snapshots, one snapshot, or
/// `{"clusters": [...], "vault": {...}}` (what `--save-snapshot` writes with Vault).
fn load_snapshots(paths: &[String], cap: u64) -> Result<Saved, String> {
    let mut out = Saved::default();
    for p in paths {
        let src = inputs::read_text(p, cap).map_err(|e| format!("{}: {}", e.file, e.message))?;
        let saved = Saved::parse(&src.text).map_err(|e| format!("{}: {e}", src.name))?;
        if saved.vault.is_some() && out.vault.is_some() {
            return Err(format!(
                "{}: a second Vault snapshot; give one file with Vault",
                src.name
            ));
        }
        out.clusters.extend(saved.clusters);
        out.vault = out.vault.or(saved.vault);
    }
    if out.clusters.is_empty() {
        return Err("the snapshot files hold no cluster".into());
    }
    Ok(out)
}

/// A Helm plugin environment variable, when running as `helm vault-istio` (Helm sets
/// `HELM_PLUGIN_NAME`) and not empty.
fn helm_env(name: &str) -> Option<String> {
    std::env::var_os("HELM_PLUGIN_NAME")?;
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `-n`, else Helm's `HELM_NAMESPACE` (`helm -n X vault-istio audit`) unless it is Helm's
/// fallback `default`, where istiod does not run, else `istio-system`.
fn istio_namespace(args: &AuditArgs) -> String {
    args.namespace
        .clone()
        .or_else(|| helm_env("HELM_NAMESPACE").filter(|n| n != "default"))
        .unwrap_or_else(|| "istio-system".to_string())
}

/// Reads the kubeconfig, picks the contexts and collects them concurrently.
fn collect_live(args: &AuditArgs) -> Result<Saved, String> {
    let (kubeconfig, contexts) = if in_cluster(args) {
        (None, vec![IN_CLUSTER.to_string()])
    } else {
        let (kc, contexts) = pick_contexts(args)?;
        (Some(kc), contexts)
    };
    let timeout = Duration::from_secs(args.timeout.max(1).unsigned_abs());
    // A spinner line per cluster on stderr, only when it is a terminal (indicatif draws
    // nothing otherwise); no colours in it, so NO_COLOR has nothing to turn off.
    let progress = indicatif::MultiProgress::with_draw_target(if std::io::stderr().is_terminal() {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::hidden()
    });
    let style = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
        .map_err(|e| format!("progress style: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    let namespace = istio_namespace(args);
    let vault_wanted = wants_vault(args);
    let reads = vault::Reads {
        values: !args.no_secret_read,
    };
    let login_check = args.login_check;
    if login_check {
        output::note(
            "--login-check writes: for each istiod it requests a token for its ServiceAccount (TokenRequest) and logs in to Vault with it; the Vault token is revoked afterwards",
        );
    }
    Ok(runtime.block_on(async move {
        let handles: Vec<_> = contexts
            .iter()
            .map(|ctx| {
                let kc = kubeconfig.clone();
                let ctx = ctx.clone();
                let ns = namespace.clone();
                let spinner = progress.add(indicatif::ProgressBar::new_spinner());
                spinner.set_style(style.clone());
                spinner.set_message(format!("{ctx}: reading (namespace {ns})"));
                spinner.enable_steady_tick(Duration::from_millis(100));
                tokio::spawn(async move {
                    let snapshot = collect::collect(kc, &ctx, &ns, timeout).await;
                    let state = if snapshot.unreachable.is_some() {
                        "unreachable"
                    } else {
                        "read"
                    };
                    spinner.finish_with_message(format!("{ctx}: {state} in"));
                    snapshot
                })
            })
            .collect();
        let mut clusters = Vec::new();
        for (ctx, h) in contexts.iter().zip(handles) {
            clusters.push(h.await.unwrap_or_else(|e| ClusterSnapshot {
                cluster: ctx.clone(),
                istio_namespace: namespace.clone(),
                unreachable: Some(format!("the audit task failed: {e}")),
                ..Default::default()
            }));
        }
        let vault = if vault_wanted {
            let spinner = progress.add(indicatif::ProgressBar::new_spinner());
            spinner.set_style(style.clone());
            spinner.set_message("vault: reading");
            spinner.enable_steady_tick(Duration::from_millis(100));
            let needs: Vec<IstiodNeeds> =
                clusters.iter().flat_map(audit::needs::of_cluster).collect();
            let snap = collect_vault(&needs, reads, login_check, kubeconfig, timeout).await;
            let state = if snap.unreachable.is_some() {
                "unreachable"
            } else {
                "read"
            };
            spinner.finish_with_message(format!("vault: {state} in"));
            Some(snap)
        } else {
            None
        };
        Saved { clusters, vault }
    }))
}

/// `--vault`, `--login-check`, or `VAULT_ADDR` set without `--no-vault`.
fn wants_vault(args: &AuditArgs) -> bool {
    args.vault
        || args.login_check
        || (!args.no_vault && std::env::var_os("VAULT_ADDR").is_some_and(|v| !v.is_empty()))
}

/// Connects with the Vault CLI's environment and reads the Vault snapshot; with
/// `login_check`, also logs in as each istiod with a token the cluster issues for it.
async fn collect_vault(
    needs: &[IstiodNeeds],
    reads: vault::Reads,
    login_check: bool,
    kubeconfig: Option<kube::config::Kubeconfig>,
    timeout: Duration,
) -> VaultSnapshot {
    let address = std::env::var("VAULT_ADDR").unwrap_or_default();
    let client = crate::vault::VaultSettings::from_env(None, timeout)
        .and_then(|settings| crate::vault::Vault::connect(&settings));
    let client = match client {
        Ok(c) => c,
        Err(why) => {
            return VaultSnapshot {
                address,
                unreachable: Some(why),
                ..Default::default()
            };
        }
    };
    // An istiod that uses another Vault namespace is reported, not read (VI501).
    let needs: Vec<IstiodNeeds> = needs
        .iter()
        .filter(|n| audit::needs::same_namespace(n, client.namespace()))
        .cloned()
        .collect();
    let needs = &needs[..];
    let mut snap = vault::collect(&client, needs, reads).await;
    if login_check && snap.unreachable.is_none() {
        for n in needs {
            let jwt = istiod_token(kubeconfig.clone(), n, timeout).await;
            let check = vault::login_check(&client, &snap, n, jwt).await;
            snap.logins.push(check);
        }
    }
    snap
}

/// A short-lived token for istiod's ServiceAccount (TokenRequest: this writes), as the
/// agent in istiod's pod would present.
async fn istiod_token(
    kubeconfig: Option<kube::config::Kubeconfig>,
    n: &IstiodNeeds,
    timeout: Duration,
) -> Result<String, String> {
    use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
    use k8s_openapi::api::core::v1::ServiceAccount;
    let kubeconfig = if n.cluster == IN_CLUSTER {
        None
    } else {
        kubeconfig
    };
    let (client, _, _) = collect::connect(kubeconfig, &n.cluster, timeout).await?;
    let api: kube::Api<ServiceAccount> = kube::Api::namespaced(client, &n.namespace);
    let request = TokenRequest {
        spec: TokenRequestSpec {
            expiration_seconds: Some(600),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = tokio::time::timeout(
        timeout,
        api.create_token_request(&n.service_account, &Default::default(), &request),
    )
    .await
    .map_err(|_| {
        format!(
            "no answer to the TokenRequest within {}s",
            timeout.as_secs()
        )
    })?
    .map_err(|e| {
        format!(
            "TokenRequest for ServiceAccount {}/{} failed: {e}",
            n.namespace, n.service_account
        )
    })?;
    answer
        .status
        .map(|s| s.token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "the TokenRequest answer carries no token".to_string())
}

/// What the audit calls the cluster it runs in.
const IN_CLUSTER: &str = "in-cluster";

/// In a pod with no kubeconfig anywhere and no context asked for, kubectl-style tools use
/// the pod's ServiceAccount (`KUBERNETES_SERVICE_HOST` and the mounted token).
fn in_cluster(args: &AuditArgs) -> bool {
    let home_config = std::env::var_os("HOME")
        .map(|h| std::path::Path::new(&h).join(".kube/config").exists())
        .unwrap_or(false);
    args.kubeconfig.is_none()
        && args.contexts.is_empty()
        && !args.all_contexts
        && std::env::var_os("KUBECONFIG").is_none()
        && !home_config
        && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
}

/// The kubeconfig and the contexts to audit in it.
fn pick_contexts(args: &AuditArgs) -> Result<(kube::config::Kubeconfig, Vec<String>), String> {
    let kubeconfig = read_kubeconfig(args.kubeconfig.as_deref())?;
    let contexts: Vec<String> = if args.all_contexts {
        kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
    } else if !args.contexts.is_empty() {
        let mut seen = Vec::new();
        for c in &args.contexts {
            if !seen.contains(c) {
                seen.push(c.clone());
            }
        }
        seen
    } else if let Some(ctx) = helm_env("HELM_KUBECONTEXT") {
        // `helm --kube-context X vault-istio audit`: Helm passes its context this way.
        vec![ctx]
    } else {
        match &kubeconfig.current_context {
            Some(c) if !c.is_empty() => vec![c.clone()],
            _ => {
                return Err(
                    "the kubeconfig has no current context: pass --context NAME or --all-contexts"
                        .into(),
                );
            }
        }
    };
    if contexts.is_empty() {
        return Err("the kubeconfig has no contexts".into());
    }
    let known: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if let Some(missing) = contexts.iter().find(|c| !known.contains(&c.as_str())) {
        return Err(format!(
            "--context {missing}: no such context in the kubeconfig (contexts: {})",
            known.join(", ")
        ));
    }
    Ok((kubeconfig, contexts))
}

/// `--kubeconfig PATH` (several joined with the path separator, like `KUBECONFIG`), else
/// `$KUBECONFIG`, else `~/.kube/config`.
fn read_kubeconfig(flag: Option<&str>) -> Result<kube::config::Kubeconfig, String> {
    use kube::config::Kubeconfig;
    match flag {
        Some(value) => {
            let paths: Vec<_> = std::env::split_paths(value)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if paths.is_empty() {
                return Err("--kubeconfig: empty path".into());
            }
            paths.iter().try_fold(Kubeconfig::default(), |merged, p| {
                let next = Kubeconfig::read_from(p)
                    .map_err(|e| format!("--kubeconfig {}: {e}", p.display()))?;
                merged
                    .merge(next)
                    .map_err(|e| format!("--kubeconfig {}: {e}", p.display()))
            })
        }
        None => Kubeconfig::read()
            .map_err(|e| format!("reading the kubeconfig ($KUBECONFIG or ~/.kube/config): {e}")),
    }
}
