//! Flags, as kubectl and Helm users type them. Help comes from these definitions.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "kubectl-vault_istio",
    version = env!("VAULT_ISTIO_VERSION"),
    about = "Check Istio CAs kept in HashiCorp Vault: injector annotations, istiod wiring, CA bundles",
    long_about = None,
    propagate_version = true,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses `std::env::args`, naming the program as the user invoked it: `kubectl
    /// vault-istio` when run as a kubectl plugin.
    pub fn try_parse_with_name(argv0: &str) -> Result<Cli, clap::Error> {
        let base = argv0.rsplit(['/', '\\']).next().unwrap_or(argv0);
        let display = if base.starts_with("kubectl-") {
            "kubectl vault-istio"
        } else {
            "kubectl-vault_istio"
        };
        let cmd = Cli::command().bin_name(display).name(display);
        let matches = cmd.try_get_matches()?;
        Cli::from_arg_matches(&matches)
    }
}

/// `completion SHELL`: the script for the executable's own name (what the shell
/// completes); generated from these definitions.
pub fn completion(shell: CompletionShell) -> anyhow::Result<u8> {
    use clap_complete::{Shell, generate};
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    generate(shell, &mut Cli::command(), "kubectl-vault_istio", &mut out);
    crate::output::stdout(&String::from_utf8_lossy(&out))?;
    Ok(crate::exit::OK)
}

/// `man`: the man page (roff) of the command and its subcommands, from these definitions.
pub fn man_page() -> anyhow::Result<u8> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("kubectl-vault_istio-{}", sub.get_name());
        let sub = sub.clone().display_name(name.clone()).bin_name(name);
        out.extend_from_slice(b"\n");
        clap_mangen::Man::new(sub).render(&mut out)?;
    }
    crate::output::stdout(&String::from_utf8_lossy(&out))?;
    Ok(crate::exit::OK)
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint istiod Helm values, IstioOperator or Deployment/Pod manifests for Vault wiring.
    Lint(LintArgs),
    /// Verify Istio CA bundles (ca-key.pem, ca-cert.pem, cert-chain.pem, root-cert.pem) as istiod and Envoy will; several at once for cross-cluster trust. With --gateway, the certificate files a gateway serves.
    Verify(VerifyArgs),
    /// Generate each cluster's istiod values, IstioOperator overlay, Vault policy, Vault setup script and ServiceAccount manifest from one config.
    Render(RenderArgs),
    /// Audit live clusters (read-only: get, list, pod logs): istiod, the Vault injector webhook, leftover CA Secrets.
    Audit(AuditArgs),
    /// Explain a rule (`explain VI101`), or list them all (`explain --list`).
    Explain(ExplainArgs),
    /// Helm post-renderer: pass rendered manifests through unchanged, failing the install when istiod in them has findings.
    PostRender(PostRenderArgs),
    /// Print a shell completion script (bash, zsh, fish).
    #[command(
        after_help = "Examples:\n  kubectl-vault_istio completion bash > /etc/bash_completion.d/kubectl-vault_istio\n  kubectl-vault_istio completion zsh > \"${fpath[1]}/_kubectl-vault_istio\"\n  kubectl-vault_istio completion fish > ~/.config/fish/completions/kubectl-vault_istio.fish"
    )]
    Completion {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page (roff), for packagers.
    #[command(hide = true)]
    Man,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Reads the manifests Helm rendered on stdin and writes them unchanged to stdout; with a finding at or above --fail-on in an istiod configuration among them it writes the findings to stderr and exits 1, which fails the Helm command. Output without istiod passes through (exit 0).\n\nExamples:\n  helm install istiod istio/istiod -f values.yaml --post-renderer kubectl-vault_istio --post-renderer-args post-render   # Helm 3\n  helm install istiod istio/istiod -f values.yaml --post-renderer vault-istio-post-render                               # Helm 4 plugin\n  helm template istiod istio/istiod -f values.yaml | kubectl vault-istio post-render > /dev/null"
)]
pub struct PostRenderArgs {
    /// The Istio version gateway rules judge by (e.g. 1.26) [default: the newest known].
    #[arg(long, value_name = "VERSION", value_parser = parse_istio_version)]
    pub istio_version: Option<vault_istio::gateway::IstioVersion>,
    /// `-o` is the format of the findings on stderr (text shows those at or above
    /// `--fail-on`; json and sarif all of them); `--exit-zero` reports without failing.
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  kubectl vault-istio render --example > render.yaml\n  kubectl vault-istio render -f render.yaml --out-dir out/\n  kubectl vault-istio render -f render.yaml --cluster cluster1\n\nEach cluster gets values.yaml, istio-operator.yaml, vault-policy.hcl, vault-setup.sh and istiod-serviceaccount.yaml; each gateway of the config adds gateway-<name>-values.yaml, gateway-<name>.yaml and gateway-<name>-vault-setup.sh.\nExit codes: 0 rendered, 2 the config could not be read or used."
)]
pub struct RenderArgs {
    /// The render config (YAML; `-` for stdin). See `--example`.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        required_unless_present = "example"
    )]
    pub filename: Option<String>,
    /// Write each cluster's files to DIR/<cluster>/.
    #[arg(long, value_name = "DIR", conflicts_with = "cluster")]
    pub out_dir: Option<String>,
    /// Print one cluster's files to stdout instead.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Print a commented starter config and exit.
    #[arg(long, conflicts_with_all = ["filename", "out_dir", "cluster"])]
    pub example: bool,
    /// Largest config accepted (e.g. 1MiB).
    #[arg(long, value_name = "BYTES", default_value = "32MiB", value_parser = parse_bytes)]
    pub max_input_bytes: u64,
}

/// Flags shared by the commands that report findings.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Report findings but exit 0 (2 is still returned when the run could not happen).
    #[arg(long)]
    pub exit_zero: bool,
    /// Skip a rule by code or name; repeatable or comma-separated.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Largest input accepted, per file (e.g. 32MiB, 500KiB, 1000000).
    #[arg(long, value_name = "BYTES", default_value = "32MiB", value_parser = parse_bytes)]
    pub max_input_bytes: u64,
    /// When to colour text output (`NO_COLOR` also turns it off).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Inputs:\n  DIR            a directory with the four files (or with one sub-directory per cluster)\n  FILE.pem       the files themselves (ca-key.pem, ca-cert.pem, cert-chain.pem, root-cert.pem)\n  secret.yaml    a Kubernetes Secret manifest (cacerts: data or stringData)\n  kv.json        the output of `vault kv get -format=json <path>` (KV v1 or v2)\n  --gateway DIR  a gateway's files: tls.crt + tls.key, or client.crt + client.key (+ ca.crt)\n\nExamples:\n  kubectl vault-istio verify certs/cluster1\n  kubectl vault-istio verify certs/cluster1 certs/cluster2        # also checks cross-cluster trust\n  kubectl get secret cacerts -n istio-system -o yaml | kubectl vault-istio verify -\n  vault kv get -format=json secret/istio/ca | kubectl vault-istio verify -\n  kubectl vault-istio verify --gateway ingress/ --host shop.example.com\n  kubectl vault-istio verify --gateway ingress/ --gateway-file gw.yaml   # hosts from the Gateway\n\nExit codes: 0 no finding at or above --fail-on, 1 findings, 2 could not run."
)]
pub struct VerifyArgs {
    /// Bundles to verify: directories, PEM files, Secret manifests, Vault JSON, or `-` for stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// A bundle input; repeatable, as with kubectl.
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
    /// Warn about certificates that expire within this window (e.g. 30d, 2w, 720h).
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_duration)]
    pub expires_within: i64,
    /// Judge validity at this instant (RFC 3339, e.g. 2024-06-01T00:00:00Z) instead of now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Vault JSON field names: `ca_key=key` etc. (defaults ca_key, ca_cert, cert_chain, root_cert).
    #[arg(long = "field", value_name = "FILE=FIELD", value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Check the files a gateway serves, as the Vault Agent Injector rendered them:
    /// DIR/tls.crt + DIR/tls.key, or an egress gateway's DIR/client.crt + DIR/client.key,
    /// with DIR/ca.crt when present; repeatable. Instead of CA bundles.
    #[arg(
        long = "gateway",
        value_name = "DIR",
        help_heading = "Gateway files",
        conflicts_with_all = ["paths", "filenames", "fields"]
    )]
    pub gateways: Vec<String>,
    /// A host the served certificate must cover (a Gateway's `servers[].hosts`; `ns/` is
    /// dropped, `*` skipped); repeatable or comma-separated.
    #[arg(
        long = "host",
        value_name = "NAME",
        value_delimiter = ',',
        help_heading = "Gateway files",
        requires = "gateways"
    )]
    pub hosts: Vec<String>,
    /// An Istio Gateway manifest: the served certificate must cover the hosts of its
    /// servers whose `serverCertificate` file has the same name (tls.crt); `-` for stdin.
    #[arg(
        long = "gateway-file",
        value_name = "FILE",
        help_heading = "Gateway files",
        requires = "gateways"
    )]
    pub gateway_file: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    pub fn severity(self) -> vault_istio::Severity {
        match self {
            FailOn::Error => vault_istio::Severity::Error,
            FailOn::Warning => vault_istio::Severity::Warning,
            FailOn::Info => vault_istio::Severity::Info,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  kubectl vault-istio lint values.yaml\n  helm template istiod istio/istiod -f values.yaml | kubectl vault-istio lint -\n  kubectl get deploy istiod -n istio-system -o yaml | kubectl vault-istio lint -o sarif -\n\nExit codes: 0 no finding at or above --fail-on, 1 findings, 2 could not run."
)]
pub struct LintArgs {
    /// Files or directories to lint (`-` for stdin). Directories are searched for *.yaml, *.yml, *.json.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// A file, directory or `-` to lint; repeatable, as with kubectl and Helm.
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
    /// What Helm values that fit istiod's chart and the `istio/gateway` chart alike are
    /// (only Vault annotations in `podAnnotations`); values whose keys tell (`pilot`,
    /// `ROOT_CA_DIR`; `service`, `labels`, `name`…) are read as their keys say.
    #[arg(long, value_enum, default_value = "auto", value_name = "KIND")]
    pub kind: ValuesKind,
    /// The Istio version gateway rules judge by (e.g. 1.26): some settings are rejected
    /// from one version on and silently ignored before it [default: the newest known].
    #[arg(long, value_name = "VERSION", value_parser = parse_istio_version)]
    pub istio_version: Option<vault_istio::gateway::IstioVersion>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ValuesKind {
    Auto,
    Istiod,
    Gateway,
}

impl From<ValuesKind> for vault_istio::gateway::Kind {
    fn from(k: ValuesKind) -> Self {
        match k {
            ValuesKind::Auto => vault_istio::gateway::Kind::Auto,
            ValuesKind::Istiod => vault_istio::gateway::Kind::Istiod,
            ValuesKind::Gateway => vault_istio::gateway::Kind::Gateway,
        }
    }
}

fn parse_istio_version(s: &str) -> Result<vault_istio::gateway::IstioVersion, String> {
    vault_istio::gateway::IstioVersion::parse(s)
        .ok_or_else(|| format!("`{s}` is not an Istio version such as 1.26 or 1.27.3"))
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  kubectl vault-istio audit                                   # the current context\n  kubectl vault-istio audit --context cluster1 --context cluster2\n  kubectl vault-istio audit --all-contexts -o sarif\n  kubectl vault-istio audit --save-snapshot snap.json         # audit later with --from-snapshot\n  VAULT_ADDR=https://vault:8200 kubectl vault-istio audit    # the clusters and the Vault side\n  kubectl vault-istio audit --vault --login-check             # also log in as istiod\n\nThe audit only reads (get, list, pods/log; Vault GET/LIST); Kubernetes Secret values are never read, and Vault values are kept only as certificates, never a private key. Only --login-check writes.\nExit codes: 0 no finding at or above --fail-on, 1 findings, 2 nothing could be audited (no cluster, and not Vault)."
)]
pub struct AuditArgs {
    /// A kube context to audit; repeatable (default: the current context).
    #[arg(long = "context", value_name = "NAME", conflicts_with = "all_contexts")]
    pub contexts: Vec<String>,
    /// Audit every context of the kubeconfig.
    #[arg(long)]
    pub all_contexts: bool,
    /// The kubeconfig (several joined with `:` are merged, as in KUBECONFIG); default $KUBECONFIG, then ~/.kube/config.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<String>,
    /// The namespace istiod runs in [default: istio-system; as a Helm plugin, Helm's namespace
    /// unless that is `default`].
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Time allowed for each API read (e.g. 10s, 1m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: i64,
    /// Also write the collected snapshots (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<String>,
    /// Audit saved snapshots instead of live clusters; repeatable.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["contexts", "all_contexts", "kubeconfig"])]
    pub from_snapshot: Vec<String>,
    /// Also audit the Vault server (default whenever VAULT_ADDR is set): auth mount, role,
    /// policies, KV mount, secret and certificates. Reads VAULT_ADDR, VAULT_TOKEN (else
    /// ~/.vault-token), VAULT_CACERT, VAULT_CAPATH, VAULT_SKIP_VERIFY, VAULT_NAMESPACE.
    #[arg(long, help_heading = "Vault", conflicts_with_all = ["no_vault", "from_snapshot"])]
    pub vault: bool,
    /// Do not audit Vault, even with VAULT_ADDR set.
    #[arg(long, help_heading = "Vault")]
    pub no_vault: bool,
    /// Do not read secret values from Vault: the mount, the secret and its field names are
    /// still checked, the certificates are not.
    #[arg(long, help_heading = "Vault", conflicts_with_all = ["no_vault", "from_snapshot"])]
    pub no_secret_read: bool,
    /// Prove the login end to end (this WRITES: a TokenRequest for istiod's ServiceAccount
    /// and a Vault login token, revoked after): log in as istiod and ask Vault what the
    /// token may do on each secret path. Implies --vault.
    #[arg(long, help_heading = "Vault", conflicts_with_all = ["no_vault", "from_snapshot"])]
    pub login_check: bool,
    /// The Istio version gateway rules judge by (e.g. 1.26) [default: each cluster's oldest
    /// istiod image tag, else the newest known].
    #[arg(long, value_name = "VERSION", value_parser = parse_istio_version)]
    pub istio_version: Option<vault_istio::gateway::IstioVersion>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Rule code (VI101) or name (inject-annotation-missing).
    #[arg(value_name = "CODE", required_unless_present = "list")]
    pub rule: Option<String>,
    /// List every rule with its severity and title.
    #[arg(long)]
    pub list: bool,
}

/// Parses `30d`, `2w`, `720h`, `90m`, `3600s` into seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration such as 30d, 2w or 720h"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "" => return Err(format!("`{s}` needs a unit: s, m, h, d or w (e.g. 30d)")),
        other => return Err(format!("unknown unit `{other}` (use s, m, h, d or w)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// Parses `32MiB`, `500KiB`, `10MB`, `1000`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size such as 32MiB or 1000000"))?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown unit `{other}` (use B, KiB, MiB, GiB, KB, MB or GB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn durations() {
        use super::parse_duration;
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400));
        assert_eq!(parse_duration("720h"), Ok(720 * 3600));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("3y").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("32MiB"), Ok(32 << 20));
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert_eq!(parse_bytes("10MB"), Ok(10_000_000));
        assert!(parse_bytes("ten").is_err());
        assert!(parse_bytes("5XB").is_err());
    }
}
