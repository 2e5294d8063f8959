//! Value parsers that mirror, byte for byte where it matters, the Go parsing
//! the Vault Agent Injector (vault-k8s 1.7.6) and the Vault agent apply to
//! `vault.hashicorp.com/*` annotation values.
//!
//! Every function is total: it never panics, never allocates unboundedly
//! beyond the input, and performs no I/O, so it runs on wasm32 as well.

use std::fmt;

/// A value that the corresponding Go parser would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
}

impl ValueError {
    fn new(message: impl Into<String>) -> Self {
        ValueError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValueError {}

/// Quote a value the way the messages show it (Go-like `%q`, escaped).
fn q(s: &str) -> String {
    format!("{s:?}")
}

// ---------------------------------------------------------------------------
// Booleans
// ---------------------------------------------------------------------------

/// `parseutil.ParseBool` on a string (mapstructure `WeakDecode`):
/// `""` is false; otherwise Go `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Result<bool, ValueError> {
    match s {
        "" => Ok(false),
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(ValueError::new(format!(
            "{} is not a valid boolean: use \"true\" or \"false\"",
            q(s)
        ))),
    }
}

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

/// Go `strconv.ParseUint(s, 10, 64)` digits part: ASCII digits only, at least one.
fn go_parse_u64_digits(digits: &str) -> Option<Result<u64, ()>> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None; // syntax error
    }
    let mut v: u64 = 0;
    for b in digits.bytes() {
        let d = u64::from(b - b'0');
        v = match v.checked_mul(10).and_then(|x| x.checked_add(d)) {
            Some(x) => x,
            None => return Some(Err(())), // range error
        };
    }
    Some(Ok(v))
}

/// Go `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int(s: &str) -> Result<i64, ValueError> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    match go_parse_u64_digits(digits) {
        None => Err(ValueError::new(format!(
            "{} is not a valid integer: use base-10 digits with an optional sign, e.g. \"1000\"",
            q(s)
        ))),
        Some(Err(())) => Err(ValueError::new(format!(
            "{} is out of range: use an integer between -9223372036854775808 and 9223372036854775807",
            q(s)
        ))),
        Some(Ok(v)) => {
            if neg {
                if v <= (i64::MAX as u64) + 1 {
                    Ok((v as i128).wrapping_neg() as i64)
                } else {
                    Err(ValueError::new(format!(
                        "{} is out of range: use an integer between -9223372036854775808 and 9223372036854775807",
                        q(s)
                    )))
                }
            } else {
                i64::try_from(v).map_err(|_| {
                    ValueError::new(format!("{} is out of range: use an integer between -9223372036854775808 and 9223372036854775807", q(s)))
                })
            }
        }
    }
}

/// `parseutil.ParseInt` on a string, as used for `agent-run-as-user`,
/// `agent-run-as-group` and `template-max-connections-per-host`:
/// `""` is 0; otherwise Go `strconv.ParseInt(s, 10, 64)` (optional `+`/`-`,
/// ASCII digits only, no spaces or underscores, overflow is an error).
pub fn parse_int(s: &str) -> Result<i64, ValueError> {
    if s.is_empty() {
        return Ok(0);
    }
    go_parse_int(s)
}

/// Go `strconv.ParseUint(s, 10, 64)`, as used for `agent-revoke-grace`:
/// ASCII digits only (no sign, no unit: `"5s"` is an error), `""` is an error.
pub fn parse_uint(s: &str) -> Result<u64, ValueError> {
    match go_parse_u64_digits(s) {
        Some(Ok(v)) => Ok(v),
        Some(Err(())) => Err(ValueError::new(format!(
            "{} is out of range: use an integer between 0 and 18446744073709551615",
            q(s)
        ))),
        None => Err(ValueError::new(format!(
            "{} is not a valid unsigned integer: use base-10 digits only, e.g. \"5\" (no sign or unit)",
            q(s)
        ))),
    }
}

// ---------------------------------------------------------------------------
// Floats
// ---------------------------------------------------------------------------

fn float_err(s: &str) -> ValueError {
    ValueError::new(format!(
        "{} is not a valid number: use a decimal such as \"0.9\" or \"1e-1\"",
        q(s)
    ))
}

/// Length of the common case-insensitive prefix of `s` and ASCII `lit`.
fn common_prefix_ignore_case(s: &[u8], lit: &[u8]) -> usize {
    s.iter()
        .zip(lit.iter())
        .take_while(|(a, b)| a.to_ascii_lowercase() == **b)
        .count()
}

/// Go `strconv.underscoreOK`.
fn underscore_ok(s: &[u8]) -> bool {
    let mut saw = b'^';
    let mut i = 0usize;
    let mut s = s;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        s = s.get(1..).unwrap_or(&[]);
    }
    let mut hex = false;
    if s.len() >= 2
        && s.first() == Some(&b'0')
        && let Some(&c) = s.get(1)
    {
        let c = c.to_ascii_lowercase();
        if c == b'b' || c == b'o' || c == b'x' {
            i = 2;
            saw = b'0';
            hex = c == b'x';
        }
    }
    while let Some(&c) = s.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && c.to_ascii_lowercase().is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1.8p3`)
/// literals with Go-style `_` digit separators, `inf`/`infinity` (optionally
/// signed) and `nan` (unsigned), all case-insensitive. Values that overflow
/// float64 are an error (Go returns `ErrRange`); underflow rounds to 0.
pub fn parse_float(s: &str) -> Result<f64, ValueError> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(float_err(s));
    }
    // Special values (Go `special`).
    {
        let (sign, rest) = match b.first() {
            Some(b'+') => (1.0, b.get(1..).unwrap_or(&[])),
            Some(b'-') => (-1.0, b.get(1..).unwrap_or(&[])),
            _ => (1.0, b),
        };
        let signed = rest.len() != b.len();
        if matches!(rest.first(), Some(b'i') | Some(b'I')) {
            let mut n = common_prefix_ignore_case(rest, b"infinity");
            if 3 < n && n < 8 {
                n = 3;
            }
            if (n == 3 || n == 8) && n == rest.len() {
                return Ok(sign * f64::INFINITY);
            }
            return Err(float_err(s));
        }
        if !signed
            && matches!(rest.first(), Some(b'n') | Some(b'N'))
            && rest.len() == 3
            && common_prefix_ignore_case(rest, b"nan") == 3
        {
            return Ok(f64::NAN);
        }
    }

    // Go `readFloat` syntax.
    let mut i = 0usize;
    let mut neg = false;
    if let Some(&c) = b.first()
        && (c == b'+' || c == b'-')
    {
        neg = c == b'-';
        i = 1;
    }
    let mut hex = false;
    if i + 2 < b.len()
        && b.get(i) == Some(&b'0')
        && b.get(i + 1).map(|c| c.to_ascii_lowercase()) == Some(b'x')
    {
        hex = true;
        i += 2;
    }
    let mut underscores = false;
    let mut saw_dot = false;
    let mut saw_digits = false;
    // For hex: mantissa bits and binary exponent adjustment.
    let mut mant: u64 = 0;
    let mut hex_exp: i64 = 0;
    let mut clean = String::with_capacity(b.len());
    if neg {
        clean.push('-');
    }
    while let Some(&c) = b.get(i) {
        if c == b'_' {
            underscores = true;
            i += 1;
            continue;
        }
        if c == b'.' {
            if saw_dot {
                break;
            }
            saw_dot = true;
            clean.push('.');
            i += 1;
            continue;
        }
        let digit = if hex {
            (c as char).to_digit(16)
        } else {
            (c as char).to_digit(10)
        };
        let Some(d) = digit else { break };
        saw_digits = true;
        if hex {
            if mant >> 60 == 0 {
                mant = (mant << 4) | u64::from(d);
                if saw_dot {
                    hex_exp -= 4;
                }
            } else {
                // Extra digits only add precision Go would round away.
                if !saw_dot {
                    hex_exp += 4;
                }
            }
        } else {
            clean.push(c as char);
        }
        i += 1;
    }
    if !saw_digits {
        return Err(float_err(s));
    }
    let exp_char = if hex { b'p' } else { b'e' };
    let mut exp_val: i64 = 0;
    if b.get(i).map(|c| c.to_ascii_lowercase()) == Some(exp_char) {
        i += 1;
        let mut esign = 1i64;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                esign = -1;
                i += 1
            }
            _ => {}
        }
        match b.get(i) {
            Some(c) if c.is_ascii_digit() => {}
            _ => return Err(float_err(s)),
        }
        let mut e: i64 = 0;
        while let Some(&c) = b.get(i) {
            if c == b'_' {
                underscores = true;
                i += 1;
                continue;
            }
            if !c.is_ascii_digit() {
                break;
            }
            if e < 100_000 {
                e = e * 10 + i64::from(c - b'0');
            }
            i += 1;
        }
        exp_val = esign * e;
        if !hex {
            clean.push('e');
            clean.push_str(&exp_val.to_string());
        }
    } else if hex {
        // Hex floats must have a 'p' exponent.
        return Err(float_err(s));
    }
    if i != b.len() {
        return Err(float_err(s));
    }
    if underscores && !underscore_ok(b) {
        return Err(float_err(s));
    }
    let v = if hex {
        let e = (hex_exp + exp_val).clamp(-5000, 5000) as i32;
        let m = mant as f64;
        let v = if m == 0.0 { 0.0 } else { m * 2f64.powi(e) };
        if neg { -v } else { v }
    } else {
        clean.parse::<f64>().map_err(|_| float_err(s))?
    };
    if v.is_infinite() {
        return Err(ValueError::new(format!(
            "{} is out of range: use a finite number within float64 range",
            q(s)
        )));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------

fn dur_err(s: &str) -> ValueError {
    ValueError::new(format!(
        "{} is not a valid duration: use a number with a unit (ns, us, ms, s, m, h), e.g. \"1s\" or \"1m30s\"",
        q(s)
    ))
}

const MAX_NEG: u64 = 1 << 63;

/// Go `time.ParseDuration`, returning nanoseconds.
///
/// `"0"` (optionally signed) is zero; otherwise `[-+]?` followed by one or
/// more `<number>[.<fraction>]<unit>` groups with units `ns us µs μs ms s m h`.
/// A number without a unit (`"5"`), an unknown unit (`"1d"`), the empty string
/// and values beyond ±2^63-1 ns are errors.
pub fn parse_duration(s: &str) -> Result<i128, ValueError> {
    let orig = s;
    let mut rest = s.as_bytes();
    let mut neg = false;
    if let Some(&c) = rest.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        rest = rest.get(1..).unwrap_or(&[]);
    }
    if rest == b"0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(dur_err(orig));
    }
    let mut d: u64 = 0;
    while !rest.is_empty() {
        let c0 = rest.first().copied().unwrap_or(0);
        if !(c0 == b'.' || c0.is_ascii_digit()) {
            return Err(dur_err(orig));
        }
        // leadingInt
        let mut v: u64 = 0;
        let mut i = 0usize;
        while let Some(&c) = rest.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if v > MAX_NEG / 10 {
                return Err(dur_err(orig));
            }
            v = v * 10 + u64::from(c - b'0');
            if v > MAX_NEG {
                return Err(dur_err(orig));
            }
            i += 1;
        }
        let pre = i != 0;
        rest = rest.get(i..).unwrap_or(&[]);
        // fraction
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if rest.first() == Some(&b'.') {
            rest = rest.get(1..).unwrap_or(&[]);
            let mut j = 0usize;
            let mut overflow = false;
            while let Some(&c) = rest.get(j) {
                if !c.is_ascii_digit() {
                    break;
                }
                j += 1;
                if overflow {
                    continue;
                }
                if f > (MAX_NEG - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > MAX_NEG {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = j != 0;
            rest = rest.get(j..).unwrap_or(&[]);
        }
        if !pre && !post {
            return Err(dur_err(orig));
        }
        // unit
        let mut k = 0usize;
        while let Some(&c) = rest.get(k) {
            if c == b'.' || c.is_ascii_digit() {
                break;
            }
            k += 1;
        }
        if k == 0 {
            return Err(ValueError::new(format!(
                "{} is missing a unit: use ns, us, ms, s, m or h, e.g. \"{}s\"",
                q(orig),
                orig
            )));
        }
        let unit_bytes = rest.get(..k).unwrap_or(&[]);
        rest = rest.get(k..).unwrap_or(&[]);
        let unit: u64 = match unit_bytes {
            b"ns" => 1,
            b"us" => 1_000,
            b"\xc2\xb5s" | b"\xce\xbcs" => 1_000, // µs (U+00B5), μs (U+03BC)
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                return Err(ValueError::new(format!(
                    "{} has unknown unit {}: use ns, us, ms, s, m or h",
                    q(orig),
                    q(&String::from_utf8_lossy(unit_bytes))
                )));
            }
        };
        if v > MAX_NEG / unit {
            return Err(dur_err(orig));
        }
        v *= unit;
        if f > 0 {
            let add = (f as f64) * (unit as f64 / scale);
            // Go: uint64(float64) conversion; the value is bounded by 3.6e12 here.
            v = v.saturating_add(add as u64);
            if v > MAX_NEG {
                return Err(dur_err(orig));
            }
        }
        d = d.saturating_add(v);
        if d > MAX_NEG {
            return Err(dur_err(orig));
        }
    }
    if neg {
        return Ok(-(d as i128));
    }
    if d > MAX_NEG - 1 {
        return Err(dur_err(orig));
    }
    Ok(d as i128)
}

/// `parseutil.ParseDurationSecond` on a string, which is how the Vault agent
/// reads `static_secret_render_interval` and `VAULT_CLIENT_TIMEOUT`:
/// `""` is 0, a bare integer is seconds, `<int>d` is days, otherwise
/// `time.ParseDuration`.
pub fn parse_duration_second(s: &str) -> Result<i128, ValueError> {
    const SEC: i128 = 1_000_000_000;
    if s.is_empty() {
        return Ok(0);
    }
    if let Ok(v) = go_parse_int(s) {
        return checked_dur(i128::from(v) * SEC, s);
    }
    if let Some(days) = s.strip_suffix('d') {
        return match go_parse_int(days) {
            Ok(v) => checked_dur(i128::from(v) * 86_400 * SEC, s),
            Err(_) => Err(ValueError::new(format!(
                "{} is not a valid duration: use seconds (\"30\"), days (\"2d\") or a Go duration (\"1m30s\")",
                q(s)
            ))),
        };
    }
    parse_duration(s).map_err(|_| {
        ValueError::new(format!(
            "{} is not a valid duration: use seconds (\"30\"), days (\"2d\") or a Go duration (\"1m30s\")",
            q(s)
        ))
    })
}

fn checked_dur(v: i128, s: &str) -> Result<i128, ValueError> {
    if v > i128::from(i64::MAX) || v < i128::from(i64::MIN) {
        Err(ValueError::new(format!(
            "{} is out of range: use a duration of at most about 292 years",
            q(s)
        )))
    } else {
        Ok(v)
    }
}

// ---------------------------------------------------------------------------
// Kubernetes quantities
// ---------------------------------------------------------------------------

const QUANTITY_RE: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

fn qty_format_err(s: &str) -> ValueError {
    ValueError::new(format!(
        "{} is not a valid quantity: quantities must match the regular expression '{}', e.g. \"500m\", \"128Mi\" or \"1e3\"",
        q(s),
        QUANTITY_RE
    ))
}

/// `k8s.io/apimachinery/pkg/api/resource.ParseQuantity` (error behaviour only).
///
/// This is a port of `parseQuantityString` + the suffix interpreter:
/// optional sign, digits with at most one `.`, then an optional suffix:
/// binary `Ki Mi Gi Ti Pi Ei`, decimal `n u m "" k M G T P E`, or an exponent
/// `e`/`E` + optional sign + digits. `""` is an error. Note that Go also
/// accepts a few odd forms such as `"-"`, `"."` and `"m"` (all zero); they are
/// accepted here too. Negative values parse; the API server rejects them
/// later as resource limits/requests.
pub fn parse_quantity(s: &str) -> Result<(), ValueError> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(qty_format_err(s));
    }
    if s == "0" {
        return Ok(());
    }
    let end = b.len();
    let mut pos = 0usize;
    if matches!(b.first(), Some(b'-') | Some(b'+')) {
        pos = 1;
    }
    // strip leading zeros
    while pos < end && b.get(pos) == Some(&b'0') {
        pos += 1;
    }
    if pos >= end {
        return Ok(()); // zero
    }
    let num_start = pos;
    while pos < end && b.get(pos).is_some_and(|c| c.is_ascii_digit()) {
        pos += 1;
    }
    let num_len = (pos - num_start).max(1); // "" counts as "0"
    let mut denom_len = 0usize;
    let mut has_digit = b
        .get(..pos)
        .is_some_and(|p| p.iter().any(|c| c.is_ascii_digit()));
    if pos >= end {
        return Ok(());
    }
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let ds = pos;
        while pos < end && b.get(pos).is_some_and(|c| c.is_ascii_digit()) {
            pos += 1;
        }
        denom_len = pos - ds;
        if denom_len > 0 {
            has_digit = true;
        }
        if pos >= end {
            return Ok(());
        }
    }
    let suffix_start = pos;
    while pos < end && b.get(pos).is_some_and(|c| b"eEinumkKMGTP".contains(c)) {
        pos += 1;
    }
    if pos < end && matches!(b.get(pos), Some(b'-') | Some(b'+')) {
        pos += 1;
    }
    while pos < end && b.get(pos).is_some_and(|c| c.is_ascii_digit()) {
        pos += 1;
    }
    if pos < end {
        return Err(qty_format_err(s));
    }
    let suffix = s.get(suffix_start..).unwrap_or("");

    // interpret suffix -> (binary?, exponent)
    let (binary, exponent): (bool, i32) = match suffix {
        "n" => (false, -9),
        "u" => (false, -6),
        "m" => (false, -3),
        "" => (false, 0),
        "k" => (false, 3),
        "M" => (false, 6),
        "G" => (false, 9),
        "T" => (false, 12),
        "P" => (false, 15),
        "E" => (false, 18),
        "Ki" => (true, 10),
        "Mi" => (true, 20),
        "Gi" => (true, 30),
        "Ti" => (true, 40),
        "Pi" => (true, 50),
        "Ei" => (true, 60),
        _ => {
            let sb = suffix.as_bytes();
            let ok_exp = sb.len() > 1 && matches!(sb.first(), Some(b'e') | Some(b'E'));
            match (ok_exp, suffix.get(1..).map(go_parse_int)) {
                (true, Some(Ok(e))) => (false, e as i32), // Go: int32(parsed)
                _ => {
                    return Err(ValueError::new(format!(
                        "{} has an invalid quantity suffix {}: use Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent like e3",
                        q(s),
                        q(suffix)
                    )));
                }
            }
        }
    };

    // Fast path vs. inf.Dec path: the latter needs at least one digit.
    let fast = if binary {
        if denom_len == 0 {
            let precision = 15 - num_len as i64 - (i64::from(exponent) * 3 / 10) - 1;
            precision >= 0
        } else {
            false
        }
    } else {
        let precision = 18 - (num_len + denom_len) as i64;
        let scale = i64::from(exponent) - denom_len as i64;
        precision >= 0 && scale >= -9
    };
    if !fast && !has_digit {
        return Err(ValueError::new(format!(
            "{} is not a valid quantity: unable to parse numeric part of quantity",
            q(s)
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// JSON patch
// ---------------------------------------------------------------------------

/// `jsonpatch.DecodePatch` (evanphx/json-patch v4 API, as vendored by
/// vault-k8s): `json.Unmarshal` into `[]map[string]*json.RawMessage`, so the
/// value must be a JSON array of objects (or `null`, an empty patch).
///
/// Operations that decode but would fail in `Patch.Apply` (which also makes
/// the webhook reject the pod) are reported too: `op` missing or not one of
/// `add remove replace move copy test`, `path` missing or not a string or with
/// no `/` (only `test` and `replace` may use `""`, the whole document),
/// and `from` likewise for `move`/`copy`.
/// Returns the number of operations.
pub fn parse_json_patch(s: &str) -> Result<usize, ValueError> {
    let v: serde_json::Value = serde_json::from_str(s).map_err(|e| {
        ValueError::new(format!(
            "{} is not valid JSON ({e}): use a JSON array of RFC 6902 operations, e.g. [{{\"op\":\"add\",\"path\":\"/env/-\",\"value\":{{}}}}]",
            q(&shorten(s))
        ))
    })?;
    let ops = match v {
        serde_json::Value::Null => return Ok(0),
        serde_json::Value::Array(a) => a,
        other => {
            return Err(ValueError::new(format!(
                "value is {}, not a JSON array: a JSON patch must be an array of operations, e.g. [{{\"op\":\"add\",\"path\":\"/env/-\",\"value\":{{}}}}]",
                json_kind(&other)
            )));
        }
    };
    for (i, op) in ops.iter().enumerate() {
        let obj = match op {
            serde_json::Value::Object(m) => m,
            serde_json::Value::Null => {
                return Err(ValueError::new(format!(
                    "operation {i} of the JSON patch is null: each operation must be an object with \"op\" and \"path\""
                )));
            }
            other => {
                return Err(ValueError::new(format!(
                    "operation {i} of the JSON patch is {}, not an object: each operation must be an object with \"op\" and \"path\"",
                    json_kind(other)
                )));
            }
        };
        let kind = match obj.get("op") {
            Some(serde_json::Value::String(k)) => k.as_str(),
            Some(_) | None => {
                return Err(ValueError::new(format!(
                    "operation {i} of the JSON patch has no string \"op\": use add, remove, replace, move, copy or test"
                )));
            }
        };
        if !matches!(
            kind,
            "add" | "remove" | "replace" | "move" | "copy" | "test"
        ) {
            return Err(ValueError::new(format!(
                "operation {i} of the JSON patch has unknown op {}: use add, remove, replace, move, copy or test",
                q(kind)
            )));
        }
        check_pointer(obj, "path", i, kind)?;
        if kind == "move" || kind == "copy" {
            check_pointer(obj, "from", i, kind)?;
        }
    }
    Ok(ops.len())
}

fn check_pointer(
    obj: &serde_json::Map<String, serde_json::Value>,
    field: &str,
    i: usize,
    kind: &str,
) -> Result<(), ValueError> {
    match obj.get(field) {
        Some(serde_json::Value::String(p)) => {
            // findObject needs at least one '/'; Apply special-cases "" only
            // for the whole-document forms of test and replace.
            let whole_doc =
                p.is_empty() && field == "path" && (kind == "test" || kind == "replace");
            if p.contains('/') || whole_doc {
                Ok(())
            } else {
                Err(ValueError::new(format!(
                    "operation {i} ({kind}) of the JSON patch has {field} {} which is not a JSON pointer: use a path such as \"/env/-\"",
                    q(p)
                )))
            }
        }
        _ => Err(ValueError::new(format!(
            "operation {i} ({kind}) of the JSON patch has no string \"{field}\": use a JSON pointer such as \"/env/-\""
        ))),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

// ---------------------------------------------------------------------------
// File mode
// ---------------------------------------------------------------------------

/// `agent-inject-perms-<n>` is copied verbatim into the agent template's
/// `perms` (vault-k8s config.go, omitted when `""`). The Vault agent decodes
/// it with consul-template's `StringToFileModeFunc`, i.e.
/// `strconv.ParseUint(s, 8, 12)`: octal digits only, no `0o` prefix, no
/// sign, at most `07777`. Conservatively accepted here: 1-4 octal digits
/// with an optional extra leading `0` (`"640"`, `"0640"`, `"00640"`).
pub fn parse_file_mode(s: &str) -> Result<u32, ValueError> {
    let err = || {
        ValueError::new(format!(
            "{} is not a valid file mode: use 1-4 octal digits such as \"0640\" or \"400\"",
            q(s)
        ))
    };
    let digits = if s.len() == 5 {
        s.strip_prefix('0').ok_or_else(err)?
    } else {
        s
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|c| (b'0'..=b'7').contains(&c))
    {
        return Err(err());
    }
    let mut v: u32 = 0;
    for c in digits.bytes() {
        v = v * 8 + u32::from(c - b'0');
    }
    Ok(v)
}

// ---------------------------------------------------------------------------
// URL
// ---------------------------------------------------------------------------

/// `service` / `proxy-address`: an absolute `http`/`https` URL (scheme is
/// case-insensitive, as in Go `url.Parse`) with a non-empty host, an optional
/// numeric port, and no whitespace or control characters.
/// Returns the lower-cased scheme and `host[:port]` (userinfo stripped).
pub fn parse_url(s: &str) -> Result<(String, String), ValueError> {
    let accepted =
        "use an absolute http:// or https:// URL such as \"https://vault.vault.svc:8200\"";
    if s.is_empty() {
        return Err(ValueError::new(format!("{} is empty: {accepted}", q(s))));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ValueError::new(format!(
            "{} contains whitespace or control characters: {accepted}",
            q(s)
        )));
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(ValueError::new(format!(
            "{} has no scheme: {accepted}",
            q(s)
        )));
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(ValueError::new(format!(
            "{} has scheme {}: {accepted}",
            q(s),
            q(&scheme)
        )));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = match authority.rfind('@') {
        Some(at) => authority.get(at + 1..).unwrap_or(""),
        None => authority,
    };
    let (host, port) = if let Some(after) = hostport.strip_prefix('[') {
        match after.find(']') {
            Some(close) => {
                let host = after.get(..close).unwrap_or("");
                let tail = after.get(close + 1..).unwrap_or("");
                let port = if tail.is_empty() {
                    None
                } else if let Some(p) = tail.strip_prefix(':') {
                    Some(p)
                } else {
                    return Err(ValueError::new(format!(
                        "{} has an invalid host: {accepted}",
                        q(s)
                    )));
                };
                (host, port)
            }
            None => {
                return Err(ValueError::new(format!(
                    "{} has an unterminated IPv6 host: {accepted}",
                    q(s)
                )));
            }
        }
    } else {
        match hostport.rfind(':') {
            Some(c) => (
                hostport.get(..c).unwrap_or(""),
                Some(hostport.get(c + 1..).unwrap_or("")),
            ),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(ValueError::new(format!("{} has no host: {accepted}", q(s))));
    }
    if let Some(p) = port
        && !p.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(ValueError::new(format!(
            "{} has an invalid port {}: {accepted}",
            q(s),
            q(p)
        )));
    }
    Ok((scheme, hostport.to_string()))
}

// ---------------------------------------------------------------------------
// Default template
// ---------------------------------------------------------------------------

/// `agent-inject-default-template`: vault-k8s `New` applies
/// `strings.ToLower` and accepts only `map` or `json` (so `""` is an error).
pub fn parse_default_template(s: &str) -> Result<(), ValueError> {
    match s.to_lowercase().as_str() {
        "map" | "json" => Ok(()),
        _ => Err(ValueError::new(format!(
            "{} is not a valid default template: use \"map\" or \"json\"",
            q(s)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOL_TRUE: &[&str] = &["1", "t", "T", "TRUE", "true", "True"];
    const BOOL_FALSE: &[&str] = &["", "0", "f", "F", "FALSE", "false", "False"];

    #[test]
    fn bool_accept_set_is_exact() {
        for s in BOOL_TRUE {
            assert_eq!(parse_bool(s), Ok(true), "{s:?}");
        }
        for s in BOOL_FALSE {
            assert_eq!(parse_bool(s), Ok(false), "{s:?}");
        }
    }

    #[test]
    fn bool_reject_set() {
        for s in [
            "yes", "no", "on", "off", "y", "n", "Y", "N", " true", "true ", "TRUE ", "tRUE",
            "TrUe", "fAlSe", "2", "-1", "01", "10", "\"true\"", "t ", "\ttrue", "ture", "enabled",
            "truee", "FALSe", "1.0",
        ] {
            assert!(parse_bool(s).is_err(), "{s:?} should be rejected");
        }
        // Exhaustive: every 1- and 2-character ASCII string outside the accept set fails.
        let accept: Vec<&str> = BOOL_TRUE.iter().chain(BOOL_FALSE).copied().collect();
        for a in 0x20u8..0x7f {
            let one = (a as char).to_string();
            assert_eq!(
                parse_bool(&one).is_ok(),
                accept.contains(&one.as_str()),
                "{one:?}"
            );
            for b in 0x20u8..0x7f {
                let two: String = [a as char, b as char].iter().collect();
                assert!(parse_bool(&two).is_err(), "{two:?}");
            }
        }
        // Every case permutation of true/false: only the three Go spellings pass.
        for word in ["true", "false"] {
            for mask in 0u32..(1 << word.len()) {
                let v: String = word
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if mask & (1 << i) != 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                assert_eq!(
                    parse_bool(&v).is_ok(),
                    accept.contains(&v.as_str()),
                    "{v:?}"
                );
            }
        }
        let e = parse_bool("yes").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"yes\" is not a valid boolean: use \"true\" or \"false\""
        );
    }

    #[test]
    fn ints() {
        assert_eq!(parse_int(""), Ok(0));
        assert_eq!(parse_int("100"), Ok(100));
        assert_eq!(parse_int("+7"), Ok(7));
        assert_eq!(parse_int("-1"), Ok(-1));
        assert_eq!(parse_int("007"), Ok(7));
        assert_eq!(parse_int("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        for s in [
            "9223372036854775808",
            "-9223372036854775809",
            "1_000",
            " 1",
            "1 ",
            "0x10",
            "1e3",
            "+",
            "-",
            "1.0",
            "abc",
            "١",
        ] {
            assert!(parse_int(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn uints() {
        assert_eq!(parse_uint("5"), Ok(5));
        assert_eq!(parse_uint("0"), Ok(0));
        assert_eq!(parse_uint("18446744073709551615"), Ok(u64::MAX));
        for s in ["", "5s", "+5", "-5", "18446744073709551616", " 5", "5.0"] {
            assert!(parse_uint(s).is_err(), "{s:?}");
        }
        assert!(
            parse_uint("5s")
                .unwrap_err()
                .message
                .contains("no sign or unit")
        );
    }

    #[test]
    fn floats() {
        for (s, v) in [
            ("0.9", 0.9),
            ("1", 1.0),
            ("-1.5e3", -1500.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("1E2", 100.0),
            ("+0.1", 0.1),
            ("1_000.5", 1000.5),
            ("0x1p-2", 0.25),
            ("0x1.8p1", 3.0),
            ("0X_1P4", 16.0),
            ("1e-400", 0.0),
        ] {
            assert_eq!(parse_float(s), Ok(v), "{s:?}");
        }
        assert_eq!(parse_float("inf"), Ok(f64::INFINITY));
        assert_eq!(parse_float("-Infinity"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_float("+INF"), Ok(f64::INFINITY));
        assert!(parse_float("NaN").is_ok_and(f64::is_nan));
        assert!(parse_float("nan").is_ok_and(f64::is_nan));
        for s in [
            "", ".", "-", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ", "+nan", "infin", "0x1",
            "0x1.8", "0x", "_1", "1__0", "1_", "1_.5", "1e400", "-1e400", "0.9x", "1e_5",
        ] {
            assert!(parse_float(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn durations() {
        const S: i128 = 1_000_000_000;
        assert_eq!(parse_duration("1s"), Ok(S));
        assert_eq!(parse_duration("1.5h"), Ok(5400 * S));
        assert_eq!(parse_duration("1h30m"), Ok(5400 * S));
        assert_eq!(parse_duration("-5m"), Ok(-300 * S));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("-0"), Ok(0));
        assert_eq!(parse_duration("+0"), Ok(0));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_duration("1µs"), Ok(1000));
        assert_eq!(parse_duration("1μs"), Ok(1000));
        assert_eq!(parse_duration("1us"), Ok(1000));
        assert_eq!(parse_duration("1ns"), Ok(1));
        assert_eq!(parse_duration(".5s"), Ok(S / 2));
        assert_eq!(parse_duration("1.s"), Ok(S));
        assert_eq!(parse_duration("2h45m10.5s"), Ok(9910 * S + S / 2));
        assert_eq!(
            parse_duration("9223372036854775807ns"),
            Ok(i128::from(i64::MAX))
        );
        assert_eq!(
            parse_duration("-9223372036854775808ns"),
            Ok(i128::from(i64::MIN))
        );
        for s in [
            "5",
            "",
            "1d",
            "00",
            "-",
            "+",
            ".s",
            "1 s",
            " 1s",
            "1s ",
            "1S",
            "1H",
            "1sec",
            "s",
            "1.5",
            "9223372036854775808ns",
            "1e3s",
            "5s5",
            "--5s",
        ] {
            assert!(parse_duration(s).is_err(), "{s:?}");
        }
        assert!(
            parse_duration("5")
                .unwrap_err()
                .message
                .contains("missing a unit")
        );
        assert!(
            parse_duration("1d")
                .unwrap_err()
                .message
                .contains("unknown unit \"d\"")
        );
    }

    #[test]
    fn duration_seconds() {
        const S: i128 = 1_000_000_000;
        assert_eq!(parse_duration_second(""), Ok(0));
        assert_eq!(parse_duration_second("300"), Ok(300 * S));
        assert_eq!(parse_duration_second("2d"), Ok(2 * 86_400 * S));
        assert_eq!(parse_duration_second("5m"), Ok(300 * S));
        assert!(parse_duration_second("1.5d").is_err());
        assert!(parse_duration_second("five").is_err());
    }

    #[test]
    fn quantities() {
        for s in [
            "500m", "128Mi", "1e3", "1.5Gi", "0", "1", "250m", "64Mi", "1G", "1E", "1Ei", "+1",
            "-1", "1.", ".5", "1e-3", "1E+3", "100n", "3u", "1k", "2Ti", "0.5Pi", "-", ".", "m",
            "Ki",
        ] {
            assert!(parse_quantity(s).is_ok(), "{s:?} should parse");
        }
        for s in [
            "", "12x", "1.2.3", "1K", "1 Mi", " 1", "1Mi ", "1i", "1e", "1e+", "1mi", "1MB",
            "1Kib", "abc", "1..2", "Ei", "Pi", "1Ee3", "++1", "1.5e", "1,5",
        ] {
            assert!(parse_quantity(s).is_err(), "{s:?} should fail");
        }
        assert!(
            parse_quantity("")
                .unwrap_err()
                .message
                .contains("quantities must match the regular expression")
        );
    }

    #[test]
    fn json_patches() {
        assert_eq!(
            parse_json_patch(r#"[{"op":"add","path":"/env/-","value":{"name":"X","value":"1"}}]"#),
            Ok(1)
        );
        assert_eq!(parse_json_patch("[]"), Ok(0));
        assert_eq!(parse_json_patch("null"), Ok(0));
        assert_eq!(
            parse_json_patch(
                r#"[{"op":"remove","path":"/securityContext"},{"op":"move","from":"/a","path":"/b"},{"op":"test","path":"","value":{}}]"#
            ),
            Ok(3)
        );
        assert!(
            parse_json_patch("{}")
                .unwrap_err()
                .message
                .contains("array")
        );
        assert!(parse_json_patch("[").is_err());
        assert!(parse_json_patch("").is_err());
        assert!(parse_json_patch("[1]").is_err());
        assert!(parse_json_patch("[null]").is_err());
        assert!(
            parse_json_patch(r#"[{"op":"frobnicate","path":"/x"}]"#)
                .unwrap_err()
                .message
                .contains("\"frobnicate\"")
        );
        assert!(parse_json_patch(r#"[{"path":"/x"}]"#).is_err());
        assert!(parse_json_patch(r#"[{"op":"add","value":1}]"#).is_err());
        assert!(parse_json_patch(r#"[{"op":"add","path":5,"value":1}]"#).is_err());
        assert!(parse_json_patch(r#"[{"op":"add","path":"env","value":1}]"#).is_err());
        assert!(parse_json_patch(r#"[{"op":"copy","path":"/a"}]"#).is_err());
        assert!(parse_json_patch(r#"[{"op":"ADD","path":"/a"}]"#).is_err());
        assert!(parse_json_patch(r#"[{"op":"remove","path":""}]"#).is_err());
        assert_eq!(
            parse_json_patch(r#"[{"op":"replace","path":"","value":{}}]"#),
            Ok(1)
        );
        assert!(parse_json_patch(r#"[{"op":"move","from":"a","path":"/b"}]"#).is_err());
    }

    #[test]
    fn file_modes() {
        assert_eq!(parse_file_mode("0640"), Ok(0o640));
        assert_eq!(parse_file_mode("640"), Ok(0o640));
        assert_eq!(parse_file_mode("00640"), Ok(0o640));
        assert_eq!(parse_file_mode("0"), Ok(0));
        assert_eq!(parse_file_mode("7777"), Ok(0o7777));
        for s in [
            "",
            "0o640",
            "0x1a4",
            "0648",
            "rw-r--r--",
            "+640",
            "-640",
            "10640",
            "000640",
            " 640",
            "420.0",
        ] {
            assert!(parse_file_mode(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("https://vault.vault.svc:8200"),
            Ok(("https".into(), "vault.vault.svc:8200".into()))
        );
        assert_eq!(
            parse_url("HTTP://user:pw@proxy:3128/x?y"),
            Ok(("http".into(), "proxy:3128".into()))
        );
        assert_eq!(
            parse_url("https://[::1]:8200"),
            Ok(("https".into(), "[::1]:8200".into()))
        );
        for s in [
            "",
            "vault:8200",
            "vault.vault.svc",
            "tcp://vault:8200",
            "https://",
            "https://:8200",
            "https:// vault",
            "https://vault:82a0",
            "https://vault:8200 ",
            "https://[::1",
        ] {
            assert!(parse_url(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn default_templates() {
        for s in ["map", "json", "MAP", "Json"] {
            assert!(parse_default_template(s).is_ok(), "{s:?}");
        }
        for s in ["", "yaml", " map", "maps"] {
            assert!(parse_default_template(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn messages_follow_style() {
        let errs = [
            parse_bool("x").unwrap_err(),
            parse_int("x").unwrap_err(),
            parse_uint("x").unwrap_err(),
            parse_float("x").unwrap_err(),
            parse_duration("x").unwrap_err(),
            parse_quantity("x").unwrap_err(),
            parse_file_mode("x").unwrap_err(),
            parse_url("x").unwrap_err(),
            parse_default_template("x").unwrap_err(),
            parse_json_patch("x").unwrap_err(),
        ];
        for e in errs {
            let m = e.message;
            assert!(m.contains("\"x\""), "{m}");
            assert!(!m.ends_with('.'), "{m}");
            assert!(!m.starts_with(|c: char| c.is_ascii_uppercase()), "{m}");
        }
        for bad in [
            "{}",
            "[1]",
            "[null]",
            "[{}]",
            r#"[{"op":"x","path":"/a"}]"#,
            r#"[{"op":"add"}]"#,
            r#"[{"op":"add","path":"a"}]"#,
        ] {
            let m = parse_json_patch(bad).unwrap_err().message;
            assert!(!m.starts_with(|c: char| c.is_ascii_uppercase()), "{m}");
            assert!(!m.ends_with('.'), "{m}");
        }
    }

    #[test]
    fn never_panics_on_generated_input() {
        // Deterministic LCG over an alphabet of characters that matter to the parsers.
        let alphabet: Vec<char> = "0123456789.-+_eEpPxXiInNkKmMGTuµμsh:/[]{}\",@ adfjo\u{0}"
            .chars()
            .collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = (state >> 59) as usize;
            let mut s = String::new();
            for _ in 0..len {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let idx = (state >> 33) as usize % alphabet.len();
                if let Some(c) = alphabet.get(idx) {
                    s.push(*c);
                }
            }
            let _ = parse_bool(&s);
            let _ = parse_int(&s);
            let _ = parse_uint(&s);
            let _ = parse_float(&s);
            let _ = parse_duration(&s);
            let _ = parse_duration_second(&s);
            let _ = parse_quantity(&s);
            let _ = parse_json_patch(&s);
            let _ = parse_file_mode(&s);
            let _ = parse_url(&s);
            let _ = parse_default_template(&s);
        }
        // Deeply nested JSON hits serde_json's recursion limit, not the stack.
        let deep = "[".repeat(100_000);
        assert!(parse_json_patch(&deep).is_err());
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "",
            "-",
            "+",
            ".",
            "\u{0}",
            "é",
            "µ",
            "1µ",
            "1\u{3bc}",
            "9999999999999999999999h",
            ".9999999999999999999999999999h",
            "0x",
            "0x.p1",
            "[",
            "]",
            "{",
            "\"",
            "1e99999999999",
            "1e-99999999999",
            "e4294967286",
            "[{",
            "https://[",
            "https://@",
            "0xffffffffffffffffffp1",
        ];
        for s in odd {
            let _ = parse_bool(s);
            let _ = parse_int(s);
            let _ = parse_uint(s);
            let _ = parse_float(s);
            let _ = parse_duration(s);
            let _ = parse_duration_second(s);
            let _ = parse_quantity(s);
            let _ = parse_json_patch(s);
            let _ = parse_file_mode(s);
            let _ = parse_url(s);
            let _ = parse_default_template(s);
        }
    }
}
