//! How Kubernetes and Helm read a scalar. Both go through sigs.k8s.io/yaml (go-yaml v2),
//! which resolves plain scalars by YAML 1.1 rules (as go-yaml v2 implements them): `yes`, `on`, `y` are booleans and
//! `0644` is the octal integer 420, where a YAML 1.2 parser would see strings and 644.
//! The verdict on an annotation value depends on this, so we resolve the 1.1 way.

use super::yaml::{Scalar, Style};

/// The type a plain scalar gets under YAML 1.1.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i128),
    Float,
    Str,
}

impl Resolved {
    pub fn type_name(&self) -> &'static str {
        match self {
            Resolved::Null => "null",
            Resolved::Bool(_) => "boolean",
            Resolved::Int(_) => "integer",
            Resolved::Float => "float",
            Resolved::Str => "string",
        }
    }
}

/// Resolves a scalar as Kubernetes/Helm would. Quoted and block scalars are strings;
/// explicit `!!str` is a string, other core tags are taken at their word.
pub fn resolve_k8s(s: &Scalar) -> Resolved {
    // The parser expands the `!!` handle, so `!!str` arrives as `tag:yaml.org,2002:str`.
    let core_tag = s.tag.as_deref().and_then(|t| {
        t.strip_prefix("tag:yaml.org,2002:")
            .or_else(|| t.strip_prefix("!!"))
    });
    match core_tag {
        Some("str") => return Resolved::Str,
        Some("bool") => return Resolved::Bool(bool_11(&s.value).unwrap_or(false)),
        Some("int") => return Resolved::Int(int_11(&s.value).unwrap_or(0)),
        Some("float") => return Resolved::Float,
        Some("null") => return Resolved::Null,
        // Any other tag (`!custom`, `!`): go-yaml v2 keeps the text as a string.
        _ if s.tag.is_some() => return Resolved::Str,
        _ => {}
    }
    if s.style != Style::Plain {
        return Resolved::Str;
    }
    resolve_plain_11(&s.value)
}

/// YAML 1.1 resolution of plain scalar text.
pub fn resolve_plain_11(v: &str) -> Resolved {
    if matches!(v, "" | "~" | "null" | "Null" | "NULL") {
        return Resolved::Null;
    }
    if let Some(b) = bool_11(v) {
        return Resolved::Bool(b);
    }
    if let Some(i) = int_11(v) {
        return Resolved::Int(i);
    }
    if is_float_11(v) {
        return Resolved::Float;
    }
    Resolved::Str
}

fn bool_11(v: &str) -> Option<bool> {
    match v {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// go-yaml v2's integer rule: underscores are dropped, then Go's `strconv.ParseInt(s, 0, 64)`
/// decides (`0x`, `0o`, `0b` prefixes; a leading `0` means octal). No base-60.
fn int_11(v: &str) -> Option<i128> {
    let plain: String = v.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, h)
    } else if let Some(b) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, b)
    } else if let Some(o) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, o)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let n = i128::from_str_radix(digits, radix).ok()?;
    let n = if neg { -n } else { n };
    // ParseInt or ParseUint must accept it (64-bit range).
    (n >= i64::MIN as i128 && n <= u64::MAX as i128).then_some(n)
}

/// go-yaml v2: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` on the text without
/// underscores, plus the `.inf`/`.nan` spellings.
fn is_float_11(v: &str) -> bool {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let plain: String = body.chars().filter(|c| *c != '_').collect();
    let (mantissa, exp) = match plain.find(['e', 'E']) {
        Some(i) => (&plain[..i], Some(&plain[i + 1..])),
        None => (plain.as_str(), None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => all_digits(frac),
        Some((int, frac)) => all_digits(int) && (frac.is_empty() || all_digits(frac)),
        None => all_digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(v: &str) -> Scalar {
        Scalar {
            value: v.into(),
            style: Style::Plain,
            tag: None,
            block_start: None,
        }
    }

    #[test]
    fn yaml_11_booleans() {
        for t in ["yes", "Yes", "YES", "on", "ON", "y", "Y", "true", "True"] {
            assert_eq!(resolve_k8s(&plain(t)), Resolved::Bool(true), "{t}");
        }
        for f in ["no", "off", "n", "N", "false", "FALSE"] {
            assert_eq!(resolve_k8s(&plain(f)), Resolved::Bool(false), "{f}");
        }
        assert_eq!(resolve_k8s(&plain("yEs")), Resolved::Str);
    }

    #[test]
    fn yaml_11_integers_include_octal_and_base_60() {
        assert_eq!(resolve_k8s(&plain("0644")), Resolved::Int(420));
        assert_eq!(resolve_k8s(&plain("100")), Resolved::Int(100));
        assert_eq!(resolve_k8s(&plain("-5")), Resolved::Int(-5));
        assert_eq!(resolve_k8s(&plain("0x1F")), Resolved::Int(31));
        assert_eq!(resolve_k8s(&plain("1_000")), Resolved::Int(1000));
        assert_eq!(resolve_k8s(&plain("0o17")), Resolved::Int(15));
        assert_eq!(resolve_k8s(&plain("0")), Resolved::Int(0));
        // Not octal, but go-yaml v2's float pattern takes it.
        assert_eq!(resolve_k8s(&plain("089")), Resolved::Float);
        assert_eq!(resolve_k8s(&plain("1:30")), Resolved::Str);
        assert_eq!(resolve_k8s(&plain("5s")), Resolved::Str);
        assert_eq!(resolve_k8s(&plain("500m")), Resolved::Str);
    }

    #[test]
    fn floats_nulls_and_strings() {
        assert_eq!(resolve_k8s(&plain("1.5")), Resolved::Float);
        assert_eq!(resolve_k8s(&plain(".5")), Resolved::Float);
        assert_eq!(resolve_k8s(&plain("1.0e+3")), Resolved::Float);
        assert_eq!(resolve_k8s(&plain(".inf")), Resolved::Float);
        assert_eq!(resolve_k8s(&plain("~")), Resolved::Null);
        assert_eq!(resolve_k8s(&plain("")), Resolved::Null);
        assert_eq!(resolve_k8s(&plain("auth/kubernetes")), Resolved::Str);
        assert_eq!(resolve_k8s(&plain("1.2.3")), Resolved::Str);
        assert_eq!(resolve_k8s(&plain("1e3")), Resolved::Float);
        assert_eq!(resolve_k8s(&plain("v1.2")), Resolved::Str);
    }

    #[test]
    fn quoting_and_tags_make_strings() {
        let mut s = plain("true");
        s.style = Style::DoubleQuoted;
        assert_eq!(resolve_k8s(&s), Resolved::Str);
        let mut s = plain("0644");
        s.tag = Some("!!str".into());
        assert_eq!(resolve_k8s(&s), Resolved::Str);
    }

    #[test]
    fn core_tags_as_the_parser_reports_them() {
        let docs = crate::source::yaml::parse("a: !!str 0644\nb: !!bool \"true\"\n").unwrap();
        let scalar = |k: &str| docs[0].root.get(k).unwrap().as_scalar().unwrap().clone();
        assert_eq!(resolve_k8s(&scalar("a")), Resolved::Str);
        assert_eq!(resolve_k8s(&scalar("b")), Resolved::Bool(true));
    }
}
