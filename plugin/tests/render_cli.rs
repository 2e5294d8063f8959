//! `render` as a user runs it: the example, files on disk, one cluster on stdout, errors.

mod common;
use common::*;

#[test]
fn example_config_renders_to_files_that_lint_clean() {
    let dir = scratch("render-out");
    let example = run(&["render", "--example"]);
    assert_eq!(example.code, 0);
    assert!(example.stdout.contains("clusters:"), "{}", example.stdout);
    let cfg = dir.join("render.yaml");
    std::fs::write(&cfg, &example.stdout).unwrap();
    let out = dir.join("out");
    let r = run(&[
        "render",
        "-f",
        cfg.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("wrote"), "{}", r.stderr);
    for cluster in ["cluster1", "cluster2"] {
        for f in [
            "values.yaml",
            "istio-operator.yaml",
            "vault-policy.hcl",
            "vault-setup.sh",
            "istiod-serviceaccount.yaml",
        ] {
            assert!(out.join(cluster).join(f).is_file(), "{cluster}/{f}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.join(cluster).join("vault-setup.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111, "the setup script is executable");
        }
        let lint = run(&[
            "lint",
            "--fail-on",
            "info",
            out.join(cluster).join("values.yaml").to_str().unwrap(),
            out.join(cluster)
                .join("istio-operator.yaml")
                .to_str()
                .unwrap(),
        ]);
        assert_eq!(lint.code, 0, "{cluster}: {}{}", lint.stdout, lint.stderr);
        // The setup script is valid shell.
        let syntax = std::process::Command::new("bash")
            .arg("-n")
            .arg(out.join(cluster).join("vault-setup.sh"))
            .status()
            .unwrap();
        assert!(syntax.success(), "{cluster}: bash -n");
    }
}

#[test]
fn one_cluster_to_stdout() {
    let r = run_stdin(
        &["render", "-f", "-", "--cluster", "cluster2"],
        run(&["render", "--example"]).stdout.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("# ==> cluster2/values.yaml <=="),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("auth/kubernetes-cluster2"));
    assert!(!r.stdout.contains("auth/kubernetes-cluster1"));
    let r = run_stdin(
        &["render", "-f", "-", "--cluster", "nope"],
        run(&["render", "--example"]).stdout.as_bytes(),
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no such cluster") && r.stderr.contains("cluster1, cluster2"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_configs_exit_2_naming_the_key() {
    let dir = scratch("render-bad");
    let cfg = dir.join("render.yaml");
    std::fs::write(&cfg, "clusters:\n  - name: a\n    kubernetesHost: https://a\n  - name: a\n    kubernetesHost: https://b\n").unwrap();
    let r = run(&["render", "-f", cfg.to_str().unwrap(), "--cluster", "a"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("{}:4:11:", cfg.display())) && r.stderr.contains("already used"),
        "{}",
        r.stderr
    );
    std::fs::write(
        &cfg,
        "clusters:\n  - name: a\n    kubernetesHost: https://a\n    kubernetesCAFile: ca.pem\n",
    )
    .unwrap();
    let r = run(&["render", "-f", cfg.to_str().unwrap(), "--cluster", "a"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "unknown key `clusters[0].kubernetesCAFile` (did you mean `kubernetesCaFile`?)"
        ),
        "{}",
        r.stderr
    );
    let r = run(&["render", "-f", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    let r = run(&["render"]);
    assert_eq!(r.code, 2);
    let r = run(&["render", "-f", "missing.yaml", "--cluster", "a"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing.yaml: no such file"),
        "{}",
        r.stderr
    );
}
