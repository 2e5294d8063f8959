#!/usr/bin/env python3
"""Builds the one self-contained page: web/index.html + wasm-bindgen's glue + the wasm bytes.

Usage: inline.py TEMPLATE GLUE_JS WASM OUT_HTML

Why inline: opened from disk (file://) Chromium refuses `<script type=module src=...>`, and
the policy's `connect-src 'none'` forbids fetching the .wasm. So the glue and a small loader
go into one inline module script, the wasm travels gzipped as base64 and is compiled from bytes,
and the Content-Security-Policy allows exactly that script and the template's inline styles
by their sha256. Output depends only on the inputs (no dates, no paths): reproducible.
"""

import base64
import gzip
import hashlib
import re
import sys

template_path, glue_path, wasm_path, out_path = sys.argv[1:5]

# The HTML parser turns CRLF into LF before hashing sees the text: hash what it will see.
template = open(template_path, encoding="utf-8").read().replace("\r\n", "\n")
glue = open(glue_path, encoding="utf-8").read().replace("\r\n", "\n")
wasm = open(wasm_path, "rb").read()

# The loader below calls wasm-bindgen's async init by its local name; a wasm-bindgen that
# renames it must fail the build here, not the page at run time.
if "async function __wbg_init(" not in glue:
    sys.exit("inline.py: wasm-bindgen glue has no `async function __wbg_init(`: glue format changed")
# Strip the source-map comment (the page ships no map; a devtools fetch would 404).
glue = re.sub(r"^//# sourceMappingURL=.*$", "", glue, flags=re.M).rstrip() + "\n"

# Every exported function (lint_json, …) goes on window.vaultIstio, so end-to-end tests and
# the console can call the engine; the inline module's own exports are unreachable. Not
# initSync, nor `start` (the #[wasm_bindgen(start)] function: init already ran it).
exports = [n for n in re.findall(r"^export function (\w+)\(", glue, flags=re.M)
           if n not in ("initSync", "start")]

# The wasm travels gzipped, then base64: the page stays ~1/3 the size of plain base64 on
# disk and on the wire (base64 of compressed bytes hardly compresses again). The browser's
# own DecompressionStream inflates it (no fetch: `new Response` only wraps the stream), and
# the async init compiles from bytes (Chromium limits synchronous compilation of large
# modules on the main thread). mtime=0 keeps the output reproducible.
wasm_gz = gzip.compress(wasm, compresslevel=9, mtime=0)
loader = f"""
// ---- web/inline.py: instantiate the embedded module from bytes (no fetch) ----
const wasmGzipBase64 = "{base64.b64encode(wasm_gz).decode("ascii")}";
const wasmGzip = Uint8Array.fromBase64
  ? Uint8Array.fromBase64(wasmGzipBase64)
  : Uint8Array.from(atob(wasmGzipBase64), (c) => c.charCodeAt(0));
const wasmBytes = await new Response(
  new Blob([wasmGzip]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
await __wbg_init({{ module_or_path: wasmBytes }});
globalThis.vaultIstio = Object.freeze({{ {", ".join(exports)} }});
"""
script = glue + loader
if re.search(r"</script", script, flags=re.I) or "__CSP__" in script:
    sys.exit("inline.py: the glue contains `</script` or `__CSP__`: it cannot be inlined as is")


def sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


if template.count("__SCRIPT__") != 1 or template.count("__CSP__") != 1:
    sys.exit("inline.py: the template needs exactly one __SCRIPT__ and one __CSP__")
html = template.replace("__SCRIPT__", script)

# Hash each inline element as it ends up in the page (raw text between the tags).
styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
scripts = re.findall(r"<script type=\"module\">(.*?)</script>", html, flags=re.S)
if not scripts:
    sys.exit("inline.py: no inline module script in the page")
style_src = " ".join(sha256(s) for s in styles) or "'none'"
csp = "; ".join([
    "default-src 'none'",
    # 'wasm-unsafe-eval': compiling WebAssembly under a CSP needs it (no JS eval is allowed).
    "script-src " + " ".join(sha256(s) for s in scripts) + " 'wasm-unsafe-eval'",
    "style-src " + style_src,
    "img-src data:",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
])
html = html.replace("__CSP__", csp)

with open(out_path, "w", encoding="utf-8", newline="\n") as out:
    out.write(html)
