//! The PEM/bundle loader and `verify`: the input is split into the four CA files
//! (`ca-cert.pem`, `ca-key.pem`, `root-cert.pem`, `cert-chain.pem`) at form feeds, then
//! loaded, verified (chain building included), and read as a gateway's served files.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vault_istio::SourceFile;
use vault_istio::bundle::{Bundle, BundleInput, FileKind, Member};
use vault_istio::gateway::served::{ServedInput, verify_served};

/// 2024-11-01, when the article's intermediates were still valid.
const NOW: i64 = 1_730_419_200;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parts: Vec<&str> = text.splitn(4, '\u{c}').collect();
    let members: Vec<Member> = FileKind::ALL
        .iter()
        .zip(parts.iter())
        .map(|(kind, part)| Member {
            kind: *kind,
            file: format!("fuzz/{}", kind.file_name()),
            member: None,
            text: part.to_string(),
        })
        .collect();
    let input = BundleInput {
        label: "fuzz".into(),
        origin: "fuzz".into(),
        embedded: false,
        named_files: false,
        members,
    };
    let bundle = Bundle::load(&input);
    let options = vault_istio::verify::Options {
        now: NOW,
        expires_within: vault_istio::verify::DEFAULT_EXPIRES_WITHIN,
        ignore: Vec::new(),
    };
    let _ = vault_istio::verify::verify_bundles(&[bundle.clone(), bundle], &options);
    let _ = vault_istio::bundle::certificates(text);

    let served = ServedInput {
        dir_label: "fuzz".into(),
        cert: SourceFile::new("fuzz/tls.crt", parts[0]),
        key: parts.get(1).map(|k| SourceFile::new("fuzz/tls.key", *k)),
        ca: parts.get(2).map(|c| SourceFile::new("fuzz/ca.crt", *c)),
        hosts: parts
            .get(3)
            .map(|h| h.lines().take(8).map(str::to_string).collect())
            .unwrap_or_default(),
        client: data.len() % 2 == 0,
    };
    let _ = verify_served(&[served], NOW, 86_400, &[]);
});
