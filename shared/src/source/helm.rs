//! Helm's rendered output, as a post-renderer receives it: YAML documents separated by
//! `---`, each from one chart template, named by Helm's
//! `postrenderer.helm.sh/postrender-filename` annotation (Helm 3.21, 4) or its
//! `# Source: <template>` comment, so findings point at the template, with lines counted
//! from the start of that template's output.

use super::SourceFile;

/// Helm's per-manifest annotation naming the template a manifest came from.
pub const POSTRENDER_FILENAME: &str = "postrenderer.helm.sh/postrender-filename";

/// Splits rendered output into one [`SourceFile`] per document (empty documents dropped).
pub fn rendered_documents(text: &str) -> Vec<SourceFile> {
    let mut docs: Vec<String> = vec![String::new()];
    for line in text.split_inclusive('\n') {
        let marker = line.trim_end();
        if marker == "---" || marker.starts_with("--- ") {
            docs.push(String::new());
            continue;
        }
        if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs.into_iter()
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .enumerate()
        .map(|(i, d)| {
            let name =
                template_name(&d).unwrap_or_else(|| format!("<rendered document {}>", i + 1));
            SourceFile::new(name, d)
        })
        .collect()
}

/// The template a rendered document came from: the annotation, else the comment.
fn template_name(doc: &str) -> Option<String> {
    let value = |rest: &str| {
        let v = rest
            .trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .to_string();
        (!v.is_empty()).then_some(v)
    };
    doc.lines()
        .find_map(|l| {
            l.trim_start()
                .strip_prefix(POSTRENDER_FILENAME)
                .and_then(|r| r.trim_start_matches(['"', '\'']).strip_prefix(':'))
                .and_then(value)
        })
        .or_else(|| {
            doc.lines()
                .find_map(|l| l.trim_start().strip_prefix("# Source:").and_then(value))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_named_by_their_template() {
        let out = "---\n# Source: istiod/templates/serviceaccount.yaml\napiVersion: v1\nkind: ServiceAccount\n---\n# Source: istiod/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    \"postrenderer.helm.sh/postrender-filename\": \"istiod/templates/deployment.yaml\"\n---\n\n";
        let docs = rendered_documents(out);
        let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "istiod/templates/serviceaccount.yaml",
                "istiod/templates/deployment.yaml"
            ]
        );
        assert!(
            docs[1]
                .text
                .starts_with("# Source: istiod/templates/deployment.yaml\n")
        );
        let plain = rendered_documents("kind: A\n---\nkind: B\n");
        assert_eq!(plain[1].name, "<rendered document 2>");
    }
}
