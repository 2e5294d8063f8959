//! `verify`: find the bundles in the inputs, run the engine, print, choose the exit code.

use crate::cli::{Format, VerifyArgs};
use crate::exit;
use crate::inputs::{self, InputError};
use crate::output;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use vault_istio::bundle::input::{self as binput, VaultFields};
use vault_istio::bundle::{BundleInput, FileKind, Member};
use vault_istio::gateway::served;
use vault_istio::report::{RenderInput, json, sarif, text};
use vault_istio::{SourceFile, verify};

pub fn run(args: VerifyArgs) -> anyhow::Result<u8> {
    if !args.gateways.is_empty() {
        return run_gateway(&args);
    }
    let mut paths = args.paths.clone();
    paths.extend(args.filenames.iter().cloned());
    if paths.is_empty() {
        output::error(
            "nothing to verify: give a directory with the four CA files, the files, a Secret manifest or Vault JSON (`-` for stdin), e.g. `kubectl vault-istio verify certs/cluster1`; or `--gateway DIR` for the files a gateway serves",
        );
        return Ok(exit::COULD_NOT_RUN);
    }
    if !output::ignore_codes_known(&args.report) {
        return Ok(exit::COULD_NOT_RUN);
    }
    let fields = match vault_fields(&args.fields) {
        Ok(f) => f,
        Err(e) => {
            output::error(&e);
            return Ok(exit::COULD_NOT_RUN);
        }
    };
    let Some(now) = clock(args.at.as_deref()) else {
        return Ok(exit::COULD_NOT_RUN);
    };

    let cap = args.report.max_input_bytes;
    let mut found = Found::default();
    for p in &paths {
        found.add(p, cap, &fields);
    }
    for (dir, members) in std::mem::take(&mut found.loose) {
        found.bundles.push(BundleInput {
            label: format!("{dir} (named files)"),
            origin: dir,
            embedded: false,
            named_files: true,
            members,
        });
    }
    let mut could_not_run = false;
    for e in &found.errors {
        // `file:line:col: ...` for positioned errors, `file: ...` otherwise.
        let sep = if e.message.starts_with(|c: char| c.is_ascii_digit()) {
            ":"
        } else {
            ": "
        };
        output::error(&format!("{}{sep}{}", e.file, e.message));
        could_not_run = true;
    }
    if found.bundles.is_empty() {
        if !could_not_run {
            output::error("no CA bundle found in the inputs");
        }
        return Ok(exit::COULD_NOT_RUN);
    }

    let options = verify::Options {
        now,
        expires_within: args.expires_within,
        ignore: args.report.ignore.clone(),
    };
    let report = verify::verify(&found.bundles, &options);
    let no_sources: [SourceFile; 0] = [];
    let render = RenderInput {
        findings: &report.findings,
        sources: &no_sources,
        checked: (report.bundles.len(), "bundle", "bundles"),
    };
    match args.report.output {
        Format::Json => output::stdout(&json::render_verify(&report))?,
        Format::Sarif => output::stdout(&sarif::render(&report.findings))?,
        Format::Text => {
            let color = output::use_color(args.report.color, std::io::stdout().is_terminal());
            let mut out = text::render_chains(&report, color);
            if report.findings.is_empty() {
                output::stdout(&out)?;
                eprintln!("✔ no issues found ({})", text::summary_line(&render, false));
            } else {
                out.push_str(&text::render(&render, color));
                output::stdout(&out)?;
            }
        }
    }
    Ok(output::exit_code(
        &report.findings,
        &args.report,
        could_not_run,
    ))
}

/// `--at`, else the system clock, as Unix seconds; `None` (said on stderr) when `--at` is
/// not an RFC 3339 time.
fn clock(at: Option<&str>) -> Option<i64> {
    match at {
        Some(at) => {
            match time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) {
                Ok(t) => Some(t.unix_timestamp()),
                Err(e) => {
                    output::error(&format!(
                        "--at {at}: not an RFC 3339 time such as 2024-06-01T00:00:00Z ({e})"
                    ));
                    None
                }
            }
        }
        None => Some(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        ),
    }
}

/// `verify --gateway DIR...`: the files each gateway serves, checked against `--host` and
/// the hosts of `--gateway-file`.
fn run_gateway(args: &VerifyArgs) -> anyhow::Result<u8> {
    if !output::ignore_codes_known(&args.report) {
        return Ok(exit::COULD_NOT_RUN);
    }
    let Some(now) = clock(args.at.as_deref()) else {
        return Ok(exit::COULD_NOT_RUN);
    };
    let cap = args.report.max_input_bytes;
    let gateway_file = match args
        .gateway_file
        .as_deref()
        .map(|f| inputs::read_text(f, cap))
    {
        None => None,
        Some(Ok(src)) => Some(src),
        Some(Err(e)) => {
            output::error(&format!("{}: {}", e.file, e.message));
            return Ok(exit::COULD_NOT_RUN);
        }
    };
    let mut could_not_run = false;
    let mut served = Vec::new();
    for dir in &args.gateways {
        let found = match served_inputs(dir, cap) {
            Ok(found) => found,
            Err(errors) => {
                for e in errors {
                    output::error(&format!("{}: {}", e.file, e.message));
                }
                could_not_run = true;
                continue;
            }
        };
        for mut input in found {
            if input.client {
                if !args.hosts.is_empty() || gateway_file.is_some() {
                    output::note(&format!(
                        "{}: an egress client certificate; --host and --gateway-file apply to served certificates only",
                        input.cert.name
                    ));
                }
            } else {
                input.hosts = args.hosts.clone();
                if let Some(src) = &gateway_file {
                    let cert_name = Path::new(&input.cert.name)
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default()
                        .to_string();
                    match served::gateway_hosts(src, &cert_name) {
                        Ok(hosts) => {
                            for h in hosts {
                                if !input.hosts.contains(&h) {
                                    input.hosts.push(h);
                                }
                            }
                        }
                        Err(e) => {
                            output::error(&format!("--gateway-file {e}"));
                            could_not_run = true;
                            continue;
                        }
                    }
                }
            }
            served.push(input);
        }
    }
    if served.is_empty() {
        return Ok(exit::COULD_NOT_RUN);
    }
    let (findings, summaries) =
        served::verify_served(&served, now, args.expires_within, &args.report.ignore);
    let no_sources: [SourceFile; 0] = [];
    let render = RenderInput {
        findings: &findings,
        sources: &no_sources,
        checked: (summaries.len(), "served certificate", "served certificates"),
    };
    match args.report.output {
        Format::Json => output::stdout(&json::render_served(&findings, &summaries))?,
        Format::Sarif => output::stdout(&sarif::render(&findings))?,
        Format::Text => {
            let color = output::use_color(args.report.color, std::io::stdout().is_terminal());
            let mut out = text::render_served(&summaries, color);
            if findings.is_empty() {
                output::stdout(&out)?;
                eprintln!("✔ no issues found ({})", text::summary_line(&render, false));
            } else {
                out.push_str(&text::render(&render, color));
                output::stdout(&out)?;
            }
        }
    }
    Ok(output::exit_code(&findings, &args.report, could_not_run))
}

/// The gateway files in `dir`: `tls.crt` with `tls.key`, and/or `client.crt` with
/// `client.key`, each with `ca.crt` when present. A certificate without its key is still
/// checked (VI740 says the key is missing); a directory with neither certificate is an
/// error that names the files looked for.
fn served_inputs(dir: &str, cap: u64) -> Result<Vec<served::ServedInput>, Vec<InputError>> {
    let label = if dir.len() > 1 {
        dir.trim_end_matches('/')
    } else {
        dir
    };
    let fail = |message: String| {
        vec![InputError {
            file: label.to_string(),
            message,
        }]
    };
    let base = Path::new(label);
    if !base.is_dir() {
        return Err(fail(if base.exists() {
            "not a directory: --gateway takes the directory the files were rendered into (tls.crt and tls.key, or client.crt and client.key)".into()
        } else {
            "no such directory".into()
        }));
    }
    let path = |name: &str| base.join(name).display().to_string();
    let read = |name: &str, errors: &mut Vec<InputError>| -> Option<SourceFile> {
        if !base.join(name).exists() {
            return None;
        }
        match inputs::read_text(&path(name), cap) {
            Ok(src) => Some(src),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    };
    let mut errors = Vec::new();
    let mut found = Vec::new();
    let pairs = [
        ("tls.crt", "tls.key", false),
        ("client.crt", "client.key", true),
    ];
    let present: Vec<_> = pairs
        .iter()
        .filter(|(crt, _, _)| base.join(crt).exists())
        .collect();
    if present.is_empty() {
        return Err(fail(
            "no tls.crt (with tls.key) or client.crt (with client.key) here: --gateway takes the directory the Vault Agent Injector renders a gateway's files into (ca.crt is read too when present)".into(),
        ));
    }
    let ca = read("ca.crt", &mut errors);
    for (crt, key, client) in present {
        let Some(cert) = read(crt, &mut errors) else {
            continue;
        };
        let key = read(key, &mut errors);
        found.push(served::ServedInput {
            dir_label: label.to_string(),
            cert,
            key,
            ca: ca.clone(),
            hosts: Vec::new(),
            client: *client,
        });
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// `--field ca_key=key,ca_cert=cert` → Vault field names.
fn vault_fields(specs: &[String]) -> Result<VaultFields, String> {
    let mut f = VaultFields::default();
    for spec in specs {
        let Some((file, field)) = spec.split_once('=') else {
            return Err(format!(
                "--field {spec}: expected FILE=FIELD, e.g. ca_key=key"
            ));
        };
        let slot = match file
            .trim()
            .trim_end_matches(".pem")
            .replace('-', "_")
            .as_str()
        {
            "ca_key" => &mut f.ca_key,
            "ca_cert" => &mut f.ca_cert,
            "cert_chain" => &mut f.cert_chain,
            "root_cert" => &mut f.root_cert,
            other => {
                return Err(format!(
                    "--field {spec}: `{other}` is not one of ca_key, ca_cert, cert_chain, root_cert"
                ));
            }
        };
        *slot = field.trim().to_string();
    }
    Ok(f)
}

#[derive(Default)]
struct Found {
    bundles: Vec<BundleInput>,
    /// PEM files named on the command line, grouped by directory.
    loose: BTreeMap<String, Vec<Member>>,
    errors: Vec<InputError>,
}

impl Found {
    fn add(&mut self, p: &str, cap: u64, fields: &VaultFields) {
        if p != "-" && Path::new(p).is_dir() {
            return self.add_dir(p, cap);
        }
        let base = Path::new(p)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        if let Some(kind) = FileKind::from_file_name(base) {
            let dir = Path::new(p)
                .parent()
                .map(|d| d.display().to_string())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| ".".into());
            match inputs::read_text(p, cap) {
                Ok(mut src) => self.loose.entry(dir).or_default().push(Member {
                    kind,
                    file: std::mem::take(&mut src.name),
                    member: None,
                    text: std::mem::take(&mut src.text),
                }),
                Err(e) => self.errors.push(e),
            }
            return;
        }
        let src = match inputs::read_text(p, cap) {
            Ok(src) => src,
            Err(e) => return self.errors.push(e),
        };
        // `kubectl get secret -o json` is JSON too: a `kind` says it is a manifest.
        let vault_json = src.text.trim_start().starts_with('{')
            && serde_json::from_str::<serde_json::Value>(&src.text)
                .map_or(true, |v| v.get("kind").is_none());
        let result = if vault_json {
            binput::from_vault_json(&src, fields).map(|b| vec![b])
        } else {
            binput::from_secret_manifest(&src)
        };
        match result {
            Ok(mut bundles) => self.bundles.append(&mut bundles),
            Err(e) => self.errors.push(InputError {
                file: src.name.clone(),
                message: strip_name(&e.0, &src.name),
            }),
        }
    }

    /// A directory with the files is one bundle; a directory of such directories is one
    /// bundle per sub-directory (one per cluster).
    fn add_dir(&mut self, dir: &str, cap: u64) {
        let dir = dir.trim_end_matches('/');
        let has = |d: &Path, k: FileKind| d.join(k.file_name()).is_file();
        let own = |d: &Path| {
            [FileKind::CaKey, FileKind::CaCert, FileKind::CertChain]
                .into_iter()
                .any(|k| has(d, k))
        };
        if own(Path::new(dir)) {
            return self.dir_bundle(dir, cap);
        }
        let mut subdirs: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir() && own(p))
                    .map(|p| p.display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        subdirs.sort();
        if subdirs.is_empty() {
            if has(Path::new(dir), FileKind::RootCert) {
                return self.dir_bundle(dir, cap);
            }
            return self.errors.push(InputError {
                file: dir.to_string(),
                message: "no ca-key.pem, ca-cert.pem, cert-chain.pem or root-cert.pem here or in its sub-directories".into(),
            });
        }
        for s in subdirs {
            self.dir_bundle(&s, cap);
        }
    }

    fn dir_bundle(&mut self, dir: &str, cap: u64) {
        let mut members = Vec::new();
        for kind in FileKind::ALL {
            let path = Path::new(dir).join(kind.file_name());
            if !path.exists() {
                continue;
            }
            match inputs::read_text(&path.display().to_string(), cap) {
                Ok(mut src) => members.push(Member {
                    kind,
                    file: std::mem::take(&mut src.name),
                    member: None,
                    text: std::mem::take(&mut src.text),
                }),
                Err(e) => self.errors.push(e),
            }
        }
        self.bundles.push(BundleInput {
            label: dir.to_string(),
            origin: dir.to_string(),
            embedded: false,
            named_files: false,
            members,
        });
    }
}

/// Engine errors start with the file name; the CLI prints it once.
fn strip_name(message: &str, name: &str) -> String {
    message
        .strip_prefix(name)
        .map(|rest| {
            rest.strip_prefix(':')
                .unwrap_or(rest)
                .trim_start()
                .to_string()
        })
        .unwrap_or_else(|| message.to_string())
}
