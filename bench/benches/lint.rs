//! In-process speed of the engine on real inputs. Target (issue 13): linting the article's
//! values file takes under 1 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use vault_istio::{Options, SourceFile, lint};

fn read(rel: &str) -> SourceFile {
    let path = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
    SourceFile::new(rel, std::fs::read_to_string(&path).expect(rel))
}

fn bench(c: &mut Criterion) {
    let article = [read("tests/fixtures/upstream-seed/cluster1-values.yaml")];
    let broken = [read("manifests/examples/broken/istiod-values-broken.yaml")];
    let options = Options::default();
    c.bench_function("lint article cluster1-values.yaml", |b| {
        b.iter(|| lint(black_box(&article), black_box(&options)))
    });
    c.bench_function("lint broken example (12 findings)", |b| {
        b.iter(|| lint(black_box(&broken), black_box(&options)))
    });
    let report = lint(&article, &options);
    c.bench_function("render text for the article", |b| {
        b.iter(|| {
            vault_istio::report::text::render(
                &vault_istio::report::RenderInput::lint(black_box(&report), &article),
                false,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
