//! Serves clusters from fixture directories on the Kubernetes API stand-in until stopped
//! (Ctrl-C, SIGTERM, or stdin closing when `--until-stdin-closes`), after writing a
//! kubeconfig with one context per cluster. The demo (`manifests/demo/audit.sh`) and the
//! audit latency benchmark (`bench/audit-latency.sh`) run it; it is a test server, not
//! part of the product.
//!
//!     kube-standin --kubeconfig /tmp/kc cluster1=tests/fixtures/kube/article-cluster1 \
//!         cluster2=tests/fixtures/kube/article-cluster2,tests/fixtures/kube/demo-cluster2

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use vault_istio_testbed::kube::{ClusterFixture, KubeStandIn, Kubeconfig};

#[derive(Parser)]
#[command(about = "Serve fixture clusters on the Kubernetes API stand-in")]
struct Args {
    /// Where to write the kubeconfig (written last: its presence means ready).
    #[arg(long, value_name = "PATH")]
    kubeconfig: PathBuf,
    /// Latency added to every API request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
    /// Stop when standard input reaches end of file (for scripts that pipe into it).
    #[arg(long)]
    until_stdin_closes: bool,
    /// NAME=DIR[,DIR...]: a context NAME serving the fixture directories, later ones
    /// overlaying earlier ones.
    #[arg(required = true, value_name = "NAME=DIRS")]
    clusters: Vec<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut standins: Vec<(String, KubeStandIn)> = Vec::new();
    for spec in &args.clusters {
        let Some((name, dirs)) = spec.split_once('=') else {
            bail!("{spec:?}: expected NAME=DIR[,DIR...]");
        };
        let mut fixture = ClusterFixture::new();
        for dir in dirs.split(',') {
            fixture
                .add_dir(dir)
                .with_context(|| format!("cluster {name}"))?;
        }
        let standin =
            KubeStandIn::start(fixture)?.with_latency(Duration::from_millis(args.latency_ms));
        eprintln!("kube-standin: {name} at {}", standin.url());
        standins.push((name.to_string(), standin));
    }
    let kubeconfig = standins
        .iter()
        .fold(Kubeconfig::new(), |kc, (name, s)| kc.context(name, s));
    // Written under another name and renamed, so a reader never sees half a file.
    let partial = args.kubeconfig.with_extension("partial");
    kubeconfig.write(&partial)?;
    std::fs::rename(&partial, &args.kubeconfig)?;

    if args.until_stdin_closes {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    } else {
        loop {
            std::thread::park();
        }
    }
    Ok(())
}
