//! In-process speed of `verify`. Target (issue 14): the article's RSA-4096 bundle in
//! under 2 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use vault_istio::bundle::{BundleInput, FileKind, Member};
use vault_istio::verify::{DEFAULT_EXPIRES_WITHIN, Options, verify};

fn bundle(cluster: &str) -> BundleInput {
    let dir = format!("{}/../tests/fixtures/upstream-seed/certs/{cluster}", env!("CARGO_MANIFEST_DIR"));
    let members = FileKind::ALL
        .into_iter()
        .map(|kind| Member {
            kind,
            file: format!("{dir}/{}", kind.file_name()),
            member: None,
            text: std::fs::read_to_string(format!("{dir}/{}", kind.file_name())).expect("fixture"),
        })
        .collect();
    BundleInput { label: cluster.into(), origin: dir, embedded: false, named_files: false, members }
}

fn bench(c: &mut Criterion) {
    let one = [bundle("istiod-cluster1")];
    let two = [bundle("istiod-cluster1"), bundle("istiod-cluster2")];
    let options = Options { now: 1_796_000_000, expires_within: DEFAULT_EXPIRES_WITHIN, ignore: Vec::new() };
    c.bench_function("verify article bundle (RSA-4096, one cluster)", |b| {
        b.iter(|| verify(black_box(&one), black_box(&options)))
    });
    c.bench_function("verify article bundles together (two clusters)", |b| {
        b.iter(|| verify(black_box(&two), black_box(&options)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
