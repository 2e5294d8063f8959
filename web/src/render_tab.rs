//! The Render tab: a form for the render config, the files `kubectl vault-istio render`
//! would write, each with a copy button.

use vault_istio::SourceFile;
use vault_istio::render::{self, RenderConfig};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Clone, PartialEq)]
struct Form {
    clusters: String,
    kv_version: String,
    kv_mount: String,
    kv_path: String,
    auth_mount: String,
    role: String,
    namespace: String,
    revision: String,
    chart_layout: String,
    hardening: bool,
    /// Hosts an ingress gateway serves with a Vault PKI certificate (none: no gateway).
    ingress_hosts: String,
    /// `mount/role` of the PKI role that issues it.
    ingress_pki: String,
    /// External hosts an egress gateway reaches with a client certificate from KV.
    egress_hosts: String,
}

impl Default for Form {
    /// The defaults of `render --example` (the public demo's layout).
    fn default() -> Self {
        Form {
            clusters: "cluster1, cluster2".into(),
            kv_version: "1".into(),
            kv_mount: "kubernetes-{cluster}-secrets".into(),
            kv_path: "istiod-service/certs".into(),
            auth_mount: "kubernetes-{cluster}".into(),
            role: "istiod".into(),
            namespace: "istio-system".into(),
            revision: String::new(),
            chart_layout: "pilot".into(),
            hardening: true,
            ingress_hosts: String::new(),
            ingress_pki: "pki_int/ingress".into(),
            egress_hosts: String::new(),
        }
    }
}

impl Form {
    /// The render config YAML this form stands for (shown, and what is rendered).
    fn config(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut y = String::from("clusters:\n");
        for c in self
            .clusters
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            y.push_str(&format!(
                "  - name: {}\n    kubernetesHost: {}\n",
                q(c),
                q(&format!("https://{c}.example.com:6443"))
            ));
        }
        y.push_str(&format!(
            "kv:\n  mount: {}\n  version: {}\n  path: {}\nauth:\n  mount: {}\n  role: {}\nistio:\n  namespace: {}\n  revision: {}\n  chartLayout: {}\nhardening: {}\n",
            q(&self.kv_mount),
            if self.kv_version == "2" { 2 } else { 1 },
            q(&self.kv_path),
            q(&self.auth_mount),
            q(&self.role),
            q(&self.namespace),
            q(&self.revision),
            q(&self.chart_layout),
            self.hardening
        ));
        let list = |s: &str| {
            s.split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(q)
                .collect::<Vec<_>>()
        };
        let (ingress, egress) = (list(&self.ingress_hosts), list(&self.egress_hosts));
        if !ingress.is_empty() || !egress.is_empty() {
            y.push_str("gateways:\n");
        }
        if !ingress.is_empty() {
            let (mount, role) = self
                .ingress_pki
                .rsplit_once('/')
                .unwrap_or(("pki", self.ingress_pki.as_str()));
            y.push_str(&format!(
                "  - name: istio-ingressgateway\n    direction: ingress\n    hosts: [{}]\n    pki: {{mount: {}, role: {}}}\n",
                ingress.join(", "),
                q(mount),
                q(role)
            ));
        }
        if !egress.is_empty() {
            y.push_str(&format!(
                "  - name: istio-egressgateway\n    direction: egress\n    hosts: [{}]\n    kv: {{path: \"gateways/egress-{{cluster}}\"}}\n",
                egress.join(", ")
            ));
        }
        y
    }
}

#[function_component(Render)]
pub fn render_tab() -> Html {
    let form = use_state(Form::default);
    let text = |get: fn(&mut Form) -> &mut String| {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = (*form).clone();
            *get(&mut next) = input.value();
            form.set(next);
        })
    };
    let select = |get: fn(&mut Form) -> &mut String| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let input: HtmlSelectElement = e.target_unchecked_into();
            let mut next = (*form).clone();
            *get(&mut next) = input.value();
            form.set(next);
        })
    };
    let hardening = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = (*form).clone();
            next.hardening = input.checked();
            form.set(next);
        })
    };
    let config = form.config();
    let rendered = RenderConfig::parse(&SourceFile::new("render.yaml", config.clone()))
        .map_err(|e| e.to_string())
        .and_then(|c| render::render(&c).map_err(|e| e.to_string()));
    let field = |label: &'static str, value: &str, cb: Callback<InputEvent>| {
        html! { <label><span>{ label }</span><input type="text" value={value.to_string()} oninput={cb} /></label> }
    };
    html! {
        <div class="render">
            <form class="render-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                { field("Clusters (comma-separated)", &form.clusters, text(|f| &mut f.clusters)) }
                <label><span>{ "KV version" }</span>
                    <select onchange={select(|f| &mut f.kv_version)}>
                        <option value="1" selected={form.kv_version == "1"}>{ "1 (the demo's `vault secrets enable kv`)" }</option>
                        <option value="2" selected={form.kv_version == "2"}>{ "2" }</option>
                    </select></label>
                { field("KV mount ({cluster} is replaced)", &form.kv_mount, text(|f| &mut f.kv_mount)) }
                { field("Secret path", &form.kv_path, text(|f| &mut f.kv_path)) }
                { field("Auth mount", &form.auth_mount, text(|f| &mut f.auth_mount)) }
                { field("Role", &form.role, text(|f| &mut f.role)) }
                { field("Istio namespace", &form.namespace, text(|f| &mut f.namespace)) }
                { field("Revision (empty for none)", &form.revision, text(|f| &mut f.revision)) }
                <label><span>{ "Chart layout" }</span>
                    <select onchange={select(|f| &mut f.chart_layout)}>
                        <option value="pilot" selected={form.chart_layout == "pilot"}>{ "pilot.* (1.16–1.23, also 1.24+)" }</option>
                        <option value="topLevel" selected={form.chart_layout == "topLevel"}>{ "top level (1.24+)" }</option>
                    </select></label>
                <label class="check"><input type="checkbox" checked={form.hardening} onchange={hardening} />
                    <span>{ "Hardening (error-on-missing-key, exit on auth error)" }</span></label>
                { field("Ingress gateway hosts (comma-separated; empty: none)", &form.ingress_hosts, text(|f| &mut f.ingress_hosts)) }
                { field("Ingress certificate: Vault PKI mount/role", &form.ingress_pki, text(|f| &mut f.ingress_pki)) }
                { field("Egress gateway: external hosts (client certificate from KV)", &form.egress_hosts, text(|f| &mut f.egress_hosts)) }
            </form>
            <details><summary>{ "render.yaml" }</summary><pre id="render-config">{ config }</pre></details>
            { match rendered {
                Err(e) => html! { <p class="error" id="render-error">{ e }</p> },
                Ok(clusters) => html! { <>{ for clusters.into_iter().map(|c| html! {
                    <section class="cluster">
                        <h2>{ c.cluster.clone() }</h2>
                        { for c.files.into_iter().map(|f| file(&c.cluster, f.name, f.content)) }
                    </section>
                }) }</> },
            } }
        </div>
    }
}

fn file(cluster: &str, name: String, content: String) -> Html {
    let copy = {
        let content = content.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&content);
            }
        })
    };
    html! {
        <details class="file" data-file={format!("{cluster}/{name}")}>
            <summary><code>{ name }</code>
                <button type="button" class="copy" onclick={copy}>{ "Copy" }</button></summary>
            <pre>{ content }</pre>
        </details>
    }
}
