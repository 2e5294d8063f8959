//! `lint` as a user runs it: exit codes, output formats, flags and inputs.

mod common;
use common::*;

#[test]
fn article_values_have_no_errors_and_exit_0() {
    let r = run(&["lint", ARTICLE_1, ARTICLE_2]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("0 errors, 0 warnings"), "{}", r.stdout);
    assert!(
        r.stdout.contains("in 2 istiod configurations"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("error["), "{}", r.stdout);
}

#[test]
fn clean_examples_print_no_issues_on_stderr_only() {
    let r = run(&[
        "lint",
        "manifests/examples/istiod-values-1.16.yaml",
        "manifests/examples/istiod-values-1.24.yaml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("no issues found"), "{}", r.stderr);
}

#[test]
fn findings_exit_1_in_every_format() {
    for fmt in ["text", "json", "sarif"] {
        let r = run(&["lint", "-o", fmt, BROKEN]);
        assert_eq!(r.code, 1, "format {fmt}: {}", r.stderr);
    }
}

#[test]
fn fail_on_and_exit_zero() {
    // The article has only info findings.
    assert_eq!(run(&["lint", ARTICLE_1]).code, 0);
    assert_eq!(run(&["lint", "--fail-on", "warning", ARTICLE_1]).code, 0);
    assert_eq!(run(&["lint", "--fail-on", "info", ARTICLE_1]).code, 1);
    assert_eq!(
        run(&["lint", "--fail-on", "info", "-o", "json", ARTICLE_1]).code,
        1
    );
    assert_eq!(run(&["lint", "--exit-zero", BROKEN]).code, 0);
    // --exit-zero never hides "could not run".
    assert_eq!(run(&["lint", "--exit-zero", "does-not-exist.yaml"]).code, 2);
}

#[test]
fn ignore_by_code_or_name_repeatable_or_comma_separated() {
    let r = run(&[
        "lint",
        "--fail-on",
        "info",
        "--ignore",
        "VI114,auto-auth-hangs",
        ARTICLE_1,
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(&[
        "lint",
        "--fail-on",
        "info",
        "--ignore",
        "vi114",
        "--ignore",
        "VI121",
        ARTICLE_1,
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(&["lint", "--ignore", "VI999", ARTICLE_1]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("VI999"), "{}", r.stderr);
}

#[test]
fn ignore_annotation_on_the_object() {
    let dir = scratch("ignore-annotation");
    let f = dir.join("v.yaml");
    let text = std::fs::read_to_string(root().join(ARTICLE_1))
        .unwrap()
        .replace(
            "  podAnnotations:\n",
            "  podAnnotations:\n    vault-istio.io/ignore: \"VI114,VI121\"\n",
        );
    std::fs::write(&f, text).unwrap();
    let r = run(&["lint", "--fail-on", "info", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn text_output_is_rustc_like_with_file_line_and_caret() {
    let r = run(&["lint", BROKEN]);
    let expected = format!(
        "error[VI104]: unquoted `yes` is read as the boolean true (YAML 1.1, as Kubernetes and Helm parse it); annotation values must be strings\n --> {BROKEN}:6:39\n  |\n6 |     vault.hashicorp.com/agent-inject: yes          # YAML 1.1 boolean, not a string\n  |                                       ^^^\n"
    );
    assert!(r.stdout.contains(&expected), "{}", r.stdout);
    assert!(r.stdout.contains("help: quote it: \"true\""));
    assert!(
        !r.stdout.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let r = run(&["lint", "--color", "always", BROKEN]);
    assert!(r.stdout.contains("\u{1b}["), "colour with --color always");
    let r = run(&["lint", "--color", "never", BROKEN]);
    assert!(!r.stdout.contains('\u{1b}'));
    let r = run_with(&["lint", BROKEN], None, &[("NO_COLOR", "1")]);
    assert!(!r.stdout.contains('\u{1b}'));
}

#[test]
fn json_output_has_the_documented_schema() {
    let r = run(&["lint", "-o", "json", BROKEN]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "vault-istio");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(
        v["summary"]["errors"].as_u64().unwrap() as usize,
        findings.iter().filter(|f| f["severity"] == "error").count()
    );
    let vi104 = findings
        .iter()
        .find(|f| f["code"] == "VI104")
        .expect("VI104 reported");
    assert_eq!(vi104["name"], "unquoted-annotation-value");
    assert_eq!(vi104["location"]["file"], BROKEN);
    assert_eq!(vi104["location"]["line"], 6);
    assert_eq!(vi104["location"]["column"], 39);
    assert_eq!(
        vi104["location"]["key_path"],
        "pilot.podAnnotations.\"vault.hashicorp.com/agent-inject\""
    );
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    for input in [BROKEN, ARTICLE_1] {
        let r = run(&["lint", "-o", "sarif", input]);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
        let errors = common::sarif_schema_errors(&doc);
        assert!(errors.is_empty(), "{input}: {errors:#?}");
        let run0 = &doc["runs"][0];
        assert_eq!(doc["version"], "2.1.0");
        let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), vault_istio::rules::RULES.len());
        for res in run0["results"].as_array().unwrap() {
            let idx = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], res["ruleId"]);
            let loc = &res["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], input);
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
}

#[test]
fn stdin_and_repeatable_filename_flag() {
    let text = std::fs::read(root().join(ARTICLE_1)).unwrap();
    let r = run_stdin(&["lint", "-o", "json", "-"], &text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"file\": \"<stdin>\""));
    let r = run(&["lint", "-f", ARTICLE_1, "--filename", ARTICLE_2]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("in 2 istiod configurations"));
}

#[test]
fn directories_are_searched_recursively() {
    let r = run(&["lint", "-o", "json", "manifests/examples"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["configurations"], 4);
}

#[test]
fn no_arguments_is_a_usage_error() {
    let r = run(&["lint"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nothing to lint"), "{}", r.stderr);
    let r = run(&["lint", "--output", "xml", ARTICLE_1]);
    assert_eq!(r.code, 2);
}

#[test]
fn help_and_version() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("lint") && r.stdout.contains("explain"));
    let r = run(&["--version"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn json_output_previews_the_files_the_agent_renders() {
    let r = run(&["lint", "-o", "json", ARTICLE_1]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let conf = &v["configurations"][0];
    assert_eq!(conf["origin"], "helm-values-legacy");
    let files = conf["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "/vault/secrets/ca-key.pem",
            "/vault/secrets/ca-cert.pem",
            "/vault/secrets/root-cert.pem",
            "/vault/secrets/cert-chain.pem"
        ]
    );
    // The article's block-scalar templates render the value plus exactly one newline.
    assert_eq!(
        files[0]["preview"],
        "<ca_key from kubernetes-cluster1-secrets/istiod-service/certs>\n"
    );
    assert_eq!(files[0]["exact"], true);
}

#[test]
fn gateway_values_beside_istiod_values_are_not_linted_as_istiod() {
    let dir = scratch("values-dir");
    std::fs::copy(root().join(ARTICLE_1), dir.join("istiod.yaml")).unwrap();
    std::fs::write(
        dir.join("gateway.yaml"),
        "revision: \"\"\npodAnnotations:\n  prometheus.io/port: \"15020\"\nenv: {}\nservice:\n  type: LoadBalancer\n",
    )
    .unwrap();
    let r = run(&["lint", "-o", "json", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["configurations"], 1);
}
