//! Hostile and broken input: a clear error naming the file, exit 2, never a panic, never a
//! silent "no issues".

mod common;
use common::*;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

fn assert_could_not_run(r: &Run, file: &str, needle: &str) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(file),
        "stderr should name {file}: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(needle),
        "stderr should say {needle:?}: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(!r.stderr.contains("no issues"), "{}", r.stderr);
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let dir = scratch("malformed");
    let f = write(&dir, "bad.yaml", b"pilot:\n  env: [\n");
    let r = run(&["lint", &f]);
    assert_could_not_run(&r, &format!("{f}:3:1"), "invalid YAML");
    // The same for JSON output: exit 2 and an error on stderr.
    let r = run(&["lint", "-o", "json", &f]);
    assert_eq!(r.code, 2);
}

#[test]
fn empty_file() {
    let dir = scratch("empty");
    let f = write(&dir, "empty.yaml", b"");
    assert_could_not_run(
        &run(&["lint", &f]),
        &f,
        "no istiod or gateway configuration found (it is empty)",
    );
}

#[test]
fn binary_file() {
    let dir = scratch("binary");
    let f = write(
        &dir,
        "istiod.yaml",
        &[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0],
    );
    assert_could_not_run(&run(&["lint", &f]), &f, "binary file");
    let f = write(&dir, "latin1.yaml", b"pilot: \xe9t\xe9\n");
    assert_could_not_run(&run(&["lint", &f]), &f, "not UTF-8");
}

#[test]
fn ten_megabytes_without_istiod() {
    let dir = scratch("big");
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "service{i}:\n  name: value{i}\n  ports: [80, 443]\n"
        ));
        i += 1;
    }
    let f = write(&dir, "big.yaml", text.as_bytes());
    assert_could_not_run(
        &run(&["lint", &f]),
        &f,
        "no istiod or gateway configuration found",
    );
}

#[test]
fn input_over_the_size_cap() {
    let dir = scratch("cap");
    let f = write(
        &dir,
        "values.yaml",
        &std::fs::read(root().join(ARTICLE_1)).unwrap(),
    );
    let r = run(&["lint", "--max-input-bytes", "100", &f]);
    assert_could_not_run(&r, &f, "input cap of 100 bytes");
    // Over the cap on stdin too, without reading it all.
    let big = vec![b'#'; 300];
    let r = run_stdin(&["lint", "--max-input-bytes", "100", "-"], &big);
    assert_could_not_run(&r, "<stdin>", "input cap of 100 bytes");
}

#[test]
fn alias_bomb() {
    let dir = scratch("bomb");
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let f = write(&dir, "bomb.yaml", text.as_bytes());
    assert_could_not_run(&run(&["lint", &f]), &f, "alias bomb");
}

#[test]
fn directory_without_istiod_configuration() {
    let dir = scratch("no-istiod");
    write(
        &dir,
        "svc.yaml",
        b"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    );
    write(&dir, "notes.txt", b"not yaml");
    let d = dir.to_str().unwrap();
    assert_could_not_run(
        &run(&["lint", d]),
        "svc.yaml",
        "no istiod or gateway configuration found (it holds Service)",
    );
    let empty = scratch("no-yaml-at-all");
    let d = empty.to_str().unwrap();
    assert_could_not_run(&run(&["lint", d]), d, "no YAML files");
}

#[test]
fn missing_file() {
    assert_could_not_run(
        &run(&["lint", "nope/values.yaml"]),
        "nope/values.yaml",
        "no such file",
    );
}

#[test]
fn deep_nesting() {
    let dir = scratch("deep");
    let f = write(&dir, "deep.yaml", "[".repeat(50_000).as_bytes());
    let r = run(&["lint", &f]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&f));
}

#[test]
fn large_scalar_repeated_by_aliases() {
    // 4 MiB of text, 200 aliases: 800 MiB if expanded.
    let dir = scratch("scalar-bomb");
    let big = "x".repeat(4 << 20);
    let text = format!("a: &a \"{big}\"\nb: [{}]\n", vec!["*a"; 200].join(","));
    let f = write(&dir, "bomb.yaml", text.as_bytes());
    assert_could_not_run(&run(&["lint", &f]), &f, "alias bomb");
}
