//! The Vault Agent (consul-template) template parser and renderer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vault_istio::template::{Lookup, parse};

fn parse_and_render(body: &str, left: &str, right: &str) {
    let t = parse(body, left, right);
    let resolve = |path: &str, chain: &[String]| match (path.len() + chain.len()) % 4 {
        0 => Lookup::Value(format!("{path}:{}", chain.join("."))),
        1 => Lookup::MissingKey,
        2 => Lookup::MissingSecret,
        _ => Lookup::Unknown,
    };
    let _ = t.render(body, &resolve);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    parse_and_render(text, "", "");
    // A first line of two short words also picks custom delimiters for the rest, as
    // `agent-inject-template-left-delimiter`/`-right-delimiter` do.
    if let Some((first, body)) = text.split_once('\n')
        && let Some((left, right)) = first.split_once(' ')
        && left.len() <= 8
        && right.len() <= 8
    {
        parse_and_render(body, left, right);
    }
});
