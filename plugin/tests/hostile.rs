//! Hostile input: what a crafted or broken file can do to each command. Every case must
//! end with a clear error (exit 2, the file named) or a finding (exit 0/1), never a panic,
//! a hang or an unbounded allocation. The bounds here (seconds, a memory ceiling) only
//! guard against a hang or a blow-up; speed is measured in bench/.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A hang guard, not a speed target.
const LIMIT: Duration = Duration::from_secs(60);
/// Address-space ceiling for the process (`ulimit -v`, KiB): a blow-up aborts instead of
/// swapping the machine. The default input cap is 32 MiB.
const MEMORY_KIB: u64 = 4 << 20;

/// Runs the binary under the time and memory guards; panics on a hang, a crash or a panic.
fn guarded(args: &[&str], stdin: Option<&Path>) -> Run {
    let bin = env!("CARGO_BIN_EXE_kubectl-vault_istio");
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let input = stdin.map_or_else(String::new, |p| format!(" < '{}'", p.display()));
    let script = format!(
        "ulimit -v {MEMORY_KIB}; exec '{bin}' {}{input}",
        quoted.join(" ")
    );
    let mut child = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("{args:?} still running after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = Run::from(child.wait_with_output().unwrap());
    assert!(
        !r.stderr.contains("panicked") && r.code != 101 && r.code >= 0 && r.code <= 2,
        "{args:?}: exit {}\n{}",
        r.code,
        r.stderr
    );
    r
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A clear "could not run": exit 2 and the file named on stderr with `needle`.
fn refused(r: &Run, file: &str, needle: &str) {
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(file) && r.stderr.contains(needle),
        "wanted {file}: {needle}\n{}",
        r.stderr
    );
}

// --- Sizes -----------------------------------------------------------------------------

#[test]
fn a_100_mb_input_is_refused_by_the_cap_for_every_command() {
    let dir = scratch("hostile-100mb");
    let big = dir.join("big.yaml");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let line = b"key: value value value value value value value value value value\n";
        for _ in 0..(100 << 20) / line.len() + 1 {
            f.write_all(line).unwrap();
        }
    }
    assert!(std::fs::metadata(&big).unwrap().len() >= 100 << 20);
    refused(&guarded(&["lint", s(&big)], None), s(&big), "input cap");
    refused(&guarded(&["lint", "-"], Some(&big)), "<stdin>", "input cap");
    refused(
        &guarded(&["post-render"], Some(&big)),
        "<stdin>",
        "input cap",
    );
    refused(
        &guarded(&["audit", "--from-snapshot", s(&big)], None),
        s(&big),
        "input cap",
    );
    let bundle = dir.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::rename(&big, bundle.join("root-cert.pem")).unwrap();
    let r = guarded(&["verify", s(&bundle)], None);
    refused(&r, "root-cert.pem", "input cap");
}

/// The largest input accepted (the default cap, 32 MiB) is parsed within the memory
/// ceiling: memory is bounded by the cap (bench/memory.sh measures the peak).
#[test]
fn an_input_at_the_cap_fits_the_memory_ceiling() {
    let dir = scratch("hostile-at-cap");
    let mut text = String::with_capacity(32 << 20);
    let mut i = 0;
    loop {
        let chunk = format!("service{i}:\n  name: value{i}\n  ports: [80, 443]\n");
        if text.len() + chunk.len() > 32 << 20 {
            break;
        }
        text.push_str(&chunk);
        i += 1;
    }
    let f = write(&dir, "at-cap.yaml", text.as_bytes());
    drop(text);
    refused(
        &guarded(&["lint", s(&f)], None),
        s(&f),
        "no istiod or gateway configuration found",
    );
}

// --- Bytes that are not text ------------------------------------------------------------

#[test]
fn nul_bytes_and_invalid_utf8_are_named_for_every_reader() {
    let dir = scratch("hostile-bytes");
    let nul = write(
        &dir,
        "nul.yaml",
        b"pilot:\n  env:\x00\n    ROOT_CA_DIR: /vault/secrets\n",
    );
    refused(&guarded(&["lint", s(&nul)], None), s(&nul), "binary");
    let latin1 = write(
        &dir,
        "latin1.yaml",
        b"pilot: {podAnnotations: {x: \"\xe9\"}}\n",
    );
    refused(
        &guarded(&["lint", s(&latin1)], None),
        s(&latin1),
        "not UTF-8",
    );

    let bundle = dir.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    let pem = std::fs::read(
        root().join("tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-cert.pem"),
    )
    .unwrap();
    let mut with_nul = pem.clone();
    with_nul.insert(40, 0);
    write(&bundle, "ca-cert.pem", &with_nul);
    let r = guarded(&["verify", s(&bundle)], None);
    refused(&r, "ca-cert.pem", "binary");
    write(
        &bundle,
        "ca-cert.pem",
        b"\xff\xfe-----BEGIN CERTIFICATE-----\n",
    );
    refused(
        &guarded(&["verify", s(&bundle)], None),
        "ca-cert.pem",
        "not UTF-8",
    );

    let snap = write(&dir, "snap.json", b"[{\"cluster\": \"a\x00\"}]");
    refused(
        &guarded(&["audit", "--from-snapshot", s(&snap)], None),
        s(&snap),
        "binary",
    );
}

// --- Deep structures in the other formats -----------------------------------------------

#[test]
fn deep_json_snapshots_and_policies_are_errors() {
    let dir = scratch("hostile-deep");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let snap = write(&dir, "deep.json", deep.as_bytes());
    let r = guarded(&["audit", "--from-snapshot", s(&snap)], None);
    refused(&r, s(&snap), "recursion limit");
    let alias = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let bomb = write(&dir, "bomb.yaml", alias.as_bytes());
    let r = guarded(&["lint", s(&bomb)], None);
    refused(&r, s(&bomb), "alias bomb");
    // post-render lets a document it cannot read through for Helm to reject (Helm's YAML
    // refuses excessive aliasing too), and says where on stderr.
    let r = guarded(&["post-render"], Some(&bomb));
    assert!(
        r.stderr.contains("<rendered document 1>:5:36") && r.stderr.contains("alias bomb"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, alias);
}

// --- Certificates ------------------------------------------------------------------------

/// A self-signed CA certificate (P-256) with `edit` applied to its parameters, and its key.
fn ca(edit: impl FnOnce(&mut rcgen::CertificateParams)) -> (Vec<u8>, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "hostile CA");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x7e, 0x11, 0x22, 0x33]));
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2034, 1, 1);
    edit(&mut params);
    let cert = params.self_signed(&key).unwrap();
    (cert.der().to_vec(), key.serialize_pem())
}

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let body: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        body.join("\n")
    )
}

/// A bundle directory where the one certificate is ca-cert, the chain and the root.
fn bundle(name: &str, cert_pem: &str, key_pem: &str) -> PathBuf {
    let dir = scratch(name);
    write(&dir, "ca-cert.pem", cert_pem.as_bytes());
    write(&dir, "cert-chain.pem", cert_pem.as_bytes());
    write(&dir, "root-cert.pem", cert_pem.as_bytes());
    write(&dir, "ca-key.pem", key_pem.as_bytes());
    dir
}

/// `verify -o json DIR` under the guards: exit code and `code: message` per finding.
fn verify(dir: &Path) -> (i32, Vec<String>) {
    let r = guarded(&["verify", "-o", "json", s(dir)], None);
    assert!(r.code == 0 || r.code == 1, "{}\n{}", r.stdout, r.stderr);
    let json = r.json();
    let findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["code"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    (r.code, findings)
}

fn has(findings: &[String], code: &str, needle: &str) -> bool {
    findings
        .iter()
        .any(|f| f.starts_with(code) && f.contains(needle))
}

#[test]
fn a_healthy_generated_ca_verifies_clean() {
    // The baseline the hostile variants below start from.
    let (der, key) = ca(|_| {});
    let (code, findings) = verify(&bundle("hostile-baseline", &pem(&der), &key));
    assert_eq!((code, findings.clone()), (0, vec![]), "{findings:#?}");
}

#[test]
fn validity_in_9999_and_1950() {
    let (der, key) = ca(|p| p.not_after = rcgen::date_time_ymd(9999, 12, 31));
    let (code, findings) = verify(&bundle("hostile-9999", &pem(&der), &key));
    assert_eq!(code, 0, "a far future is allowed: {findings:#?}");

    let (der, key) = ca(|p| {
        p.not_before = rcgen::date_time_ymd(1950, 1, 1);
        p.not_after = rcgen::date_time_ymd(1950, 12, 31);
    });
    let (code, findings) = verify(&bundle("hostile-1950", &pem(&der), &key));
    assert_eq!(code, 1);
    assert!(
        findings.iter().any(|f| f.contains("1950-12-31")),
        "expired in 1950, with the date: {findings:#?}"
    );
}

#[test]
fn a_negative_serial_is_reported() {
    let (mut der, key) = ca(|_| {});
    let at = der
        .windows(6)
        .position(|w| w == [0x02, 0x04, 0x7e, 0x11, 0x22, 0x33])
        .expect("the serial in the DER");
    der[at + 2] = 0xfe; // the same INTEGER, now negative (and the signature broken)
    let (code, findings) = verify(&bundle("hostile-negative-serial", &pem(&der), &key));
    assert_eq!(code, 1, "{findings:#?}");
    assert!(
        has(&findings, "VI322", "x509: negative serial number"),
        "Go (1.23+) refuses it: {findings:#?}"
    );
}

#[test]
fn truncated_der_is_reported_per_block() {
    let (der, key) = ca(|_| {});
    for (cut, says) in [
        (
            1,
            "the block ends inside the certificate's DER header".to_string(),
        ),
        (
            der.len() / 2,
            format!(
                "the block holds {} bytes of DER, the certificate's header announces {}",
                der.len() / 2,
                der.len()
            ),
        ),
        (der.len() - 1, format!("header announces {}", der.len())),
    ] {
        let (code, findings) = verify(&bundle("hostile-truncated", &pem(&der[..cut]), &key));
        assert_eq!(code, 1, "{cut}: {findings:#?}");
        for member in ["ca-cert.pem", "cert-chain.pem", "root-cert.pem"] {
            let prefix = format!("`{member}` is not an X.509 certificate: truncated: ");
            assert!(
                findings
                    .iter()
                    .any(|f| f.starts_with("VI303") && f.contains(&prefix) && f.contains(&says)),
                "{cut}: {findings:#?}"
            );
        }
    }
}

#[test]
fn huge_and_malformed_extensions() {
    // A 1 MiB extension of an unknown OID (not critical): read and ignored, as Go does.
    let (der, key) = ca(|p| {
        let mut big = vec![0x04, 0x84, 0x00, 0x10, 0x00, 0x00];
        big.resize(6 + (1 << 20), 0x41);
        p.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 99999, 2],
            big,
        )];
    });
    assert!(der.len() > 1 << 20);
    let (code, findings) = verify(&bundle("hostile-huge-ext", &pem(&der), &key));
    assert_eq!((code, findings.len()), (0, 0), "{findings:#?}");

    // 10,000 DNS names.
    let names: Vec<String> = (0..10_000)
        .map(|i| format!("host{i}.example.com"))
        .collect();
    let (der, key) = ca(|p| {
        p.subject_alt_names = names
            .iter()
            .map(|n| rcgen::SanType::DnsName(n.clone().try_into().unwrap()))
            .collect();
    });
    let (code, findings) = verify(&bundle("hostile-many-sans", &pem(&der), &key));
    assert_eq!((code, findings.len()), (0, 0), "{findings:#?}");

    // basicConstraints whose content is not DER.
    let (der, key) = ca(|p| {
        p.is_ca = rcgen::IsCa::NoCa;
        let mut ext =
            rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 19], vec![0xff, 0xff, 0xff]);
        ext.set_criticality(true);
        p.custom_extensions = vec![ext];
    });
    let (code, findings) = verify(&bundle("hostile-bad-bc", &pem(&der), &key));
    assert_eq!(code, 1);
    assert!(
        has(
            &findings,
            "VI322",
            "x509: invalid basic constraints extension (2.5.29.19)"
        ),
        "{findings:#?}"
    );

    // An unknown critical extension: Go refuses to build a chain through it.
    let (der, key) = ca(|p| {
        let mut ext = rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 99999, 3],
            vec![0x05, 0x00],
        );
        ext.set_criticality(true);
        p.custom_extensions = vec![ext];
    });
    let (code, findings) = verify(&bundle("hostile-critical", &pem(&der), &key));
    assert_eq!(code, 1);
    assert!(
        has(&findings, "VI309", "1.3.6.1.4.1.99999.3"),
        "{findings:#?}"
    );
}

/// 10,000 copies of the root in `root-cert.pem` and `cert-chain.pem` (6 MB): judged in
/// bounded time, duplicates and all.
#[test]
fn ten_thousand_pem_blocks() {
    let (der, key) = ca(|_| {});
    let one = pem(&der);
    let many = one.repeat(10_000);
    let dir = bundle("hostile-10k", &one, &key);
    write(&dir, "root-cert.pem", many.as_bytes());
    write(&dir, "cert-chain.pem", many.as_bytes());
    let (code, findings) = verify(&dir);
    // Go accepts repeated certificates; nothing else is wrong with this bundle.
    assert_eq!((code, findings.len()), (0, 0), "{findings:#?}");
}
