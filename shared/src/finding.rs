//! The one result type every check produces, whatever it looked at.

use serde::Serialize;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advice.
    Info,
    /// Works today but is a real risk.
    Warning,
    /// The webhook rejects the pod, istiod crashes or silently self-signs, or traffic breaks.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding points. YAML positions are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    Yaml {
        file: String,
        /// 0-based index of the YAML document in the file.
        document: usize,
        line: u32,
        column: u32,
        end_line: u32,
        end_column: u32,
        /// Key path to the node, e.g. `pilot.podAnnotations."vault.hashicorp.com/role"`.
        key_path: String,
    },
}

impl Location {
    pub fn file(&self) -> &str {
        match self {
            Location::Yaml { file, .. } => file,
        }
    }

    /// Line and column for sorting and display.
    pub fn line_column(&self) -> (u32, u32) {
        match self {
            Location::Yaml { line, column, .. } => (*line, *column),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule code, e.g. `VI101`.
    pub code: &'static str,
    /// Stable kebab-case rule name, e.g. `inject-annotation-missing`.
    pub name: &'static str,
    pub severity: Severity,
    /// What is wrong here, in one sentence.
    pub message: String,
    pub location: Location,
    /// How to fix it, when there is a concrete suggestion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// Counts per severity, for summaries and exit codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }

    /// True if any finding is at or above `threshold`.
    pub fn reaches(&self, threshold: Severity) -> bool {
        match threshold {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
            Severity::Info => self.errors + self.warnings + self.infos > 0,
        }
    }
}

/// Sorts findings by file, position, then code, so every output is stable.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.location.file(), a.location.line_column(), a.code).cmp(&(
            b.location.file(),
            b.location.line_column(),
            b.code,
        ))
    });
}
