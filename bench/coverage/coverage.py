#!/usr/bin/env python3
"""The steps of bench/coverage/run.sh that read TOML and JSON (run.sh does the processes). Subcommands:

  scan CORPUS OUT [--only A,B]           every crate folder of the corpus: name, version, dependencies, features, and for
                                         proc-macro crates the macros they export
  deny CORPUS_JSON                       with --only: the macro crates to deny (all others, except macros the chosen
                                         ones need through their dependencies), comma-separated
  wait URL TOKEN CORPUS_JSON RUN_JSON    polls until every macro version is analysed and planned and the precompile
                                         queue is empty (or --max-minutes passed), printing progress
  compare URL TOKEN CORPUS_JSON RUN_JSON builds reverse dependencies of each verified macro from /index/ and from
                                         /precompiled/index/ and compares their -Zunpretty=expanded output
  refuse URL TOKEN CORPUS_JSON RUN_JSON  denies (admin API, with the evidence as the reason) every verified macro whose
                                         shim expanded differently, or failed where the source build succeeded, on a
                                         call site compared (issue 13, item 2): the view then serves it from source
  report RUN_JSON CORPUS_JSON OUT_MD     writes the report
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import tomllib
import urllib.error
import urllib.request

FINAL = ("verified", "rejected", "failed", "ineligible", "denied")


# ------------------------------------------------------------------ corpus


def rust_sources(folder):
    src = os.path.join(folder, "src")
    roots = [src] if os.path.isdir(src) else [folder]
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in ("tests", "benches", "examples", "target")]
            for f in filenames:
                if f.endswith(".rs"):
                    yield os.path.join(dirpath, f)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def code_of(path):
    """The file without comments (doc examples are not call sites)."""
    return without_comments(read(path))


def without_comments(text):
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*[\s\S]*?\*/", "", text))


def built_macros(feature_set):
    """The derive, attribute and function-like macros of a verified artifact, as its manifest lists them (the
    precompiler reads every way a crate declares them: #[proc_macro*] under cfg_attr, synstructure's decl_derive!,
    a crate's own macro_rules! wrapper), by the names call sites use."""
    kinds = {"derive": "derive", "attr": "attribute", "bang": "function"}
    out = {"derive": set(), "attribute": set(), "function": set()}
    for m in feature_set.get("macros") or []:
        out[kinds[m["kind"]]].add(m["name"])
        if m["kind"] == "bang" and m["name"].startswith("proc_macro_hack_"):
            # proc-macro-hack declares `proc_macro_hack_f`; users call `f!`, re-exported by the facade's
            # `#[proc_macro_hack] pub use impl_crate::f;` (phf's phf_map!, const-random's const_random!)
            out["function"].add(m["name"][len("proc_macro_hack_"):])
    return {k: sorted(v) for k, v in out.items()}


# names that rustc or std also use: a call site of a macro with such a name counts only when written with a path
BUILTIN = {"test", "bench", "derive", "cfg", "cfg_attr", "inline", "allow", "deny", "warn", "doc", "main", "format",
           "println", "print", "eprintln", "vec", "concat", "include", "include_str", "include_bytes", "env", "assert",
           "assert_eq", "write", "writeln", "matches", "panic", "todo", "unimplemented", "unreachable", "stringify",
           "file", "line", "column", "debug_assert", "cfg_if", "Debug", "Clone", "Copy", "Default", "PartialEq", "Eq",
           "PartialOrd", "Ord", "Hash"}


def group_end(text, i):
    """The index of the bracket that closes the one at text[i]."""
    open_c = text[i]
    close_c = {"{": "}", "(": ")", "[": "]"}[open_c]
    depth = 0
    while i < len(text):
        if text[i] == open_c:
            depth += 1
        elif text[i] == close_c:
            depth -= 1
            if depth == 0:
                break
        i += 1
    return i


def not_called(text):
    """The code without string literals and stringify! groups, where a macro named is not called (automod's docs
    show `automod::dir!(..)` inside `# const IGNORE: &str = stringify! {..}`)."""
    text = re.sub(r'r(#*)"[\s\S]*?"\1|"(?:[^"\\]|\\.)*"', '""', text)
    while (m := re.search(r"\bstringify!\s*[\(\[\{]", text)):
        text = text[:m.start()] + text[group_end(text, m.end() - 1) + 1:]
    return text


def split_macro_rules(text):
    """(text without its macro_rules! bodies, {name: body}): a call inside a macro_rules body is only a call site
    where that macro is used."""
    bodies, rest, pos = {}, [], 0
    for m in re.finditer(r"macro_rules!\s*([A-Za-z_]\w*)\s*([\{\(\[])", text):
        if m.start() < pos:
            continue
        i = group_end(text, m.end() - 1)
        rest.append(text[pos:m.start()])
        bodies[m.group(1)] = bodies.get(m.group(1), "") + text[m.end():i]
        pos = i + 1
    rest.append(text[pos:])
    return "".join(rest), bodies


def count_calls(text, macros):
    n = 0
    if macros["derive"]:
        wanted = set(macros["derive"])
        for m in re.finditer(r"derive\s*\(([^)]*)\)", text):
            for item in m.group(1).split(","):
                item = item.strip()
                last = item.split("::")[-1].strip()
                if last in wanted and (last not in BUILTIN or "::" in item):
                    n += 1
    for name in macros["attribute"]:
        pattern = r"#\[\s*(?:\w+::)+" + name + r"\b" if name in BUILTIN else r"#\[\s*(?:\w+::)*" + name + r"\b"
        n += len(re.findall(pattern, text))
    for name in macros["function"]:
        pattern = r"(?:\w+::)+" + name + r"!\s*[\(\[\{]" if name in BUILTIN else r"\b" + name + r"!\s*[\(\[\{]"
        n += len(re.findall(pattern, text))
    return n


def call_sites(folder, macros):
    """A grep estimate of how often the crate in `folder` calls these macros in its library sources, and the
    macro_rules it defines around them (futures-util's join! around futures-macro's join_internal!, rmp's macros around
    paste!). A call inside a macro_rules body counts where that macro_rules is used, in this crate or by its users."""
    texts, bodies = [], {}
    for path in rust_sources(folder):
        text, b = split_macro_rules(code_of(path))
        texts.append(text)
        for name, body in b.items():
            bodies[name] = bodies.get(name, "") + body
    names, wrappers = macros, set()
    for _ in range(3):  # wrappers of wrappers
        wrappers |= {name for name, body in bodies.items() if count_calls(body, names) > 0}
        names = dict(macros, function=sorted(set(macros["function"]) | wrappers))
    return sum(count_calls(t, names) for t in texts), sorted(wrappers)


def reexport_aliases(folder, lib, macros):
    """The other names a crate re-exports the macros of crate `lib` under, by kind: enumflags2's
    `pub use enumflags2_derive::BitFlags_internal as BitFlags;` makes its users write #[derive(BitFlags)]."""
    out = {kind: set() for kind in macros}
    for path in rust_sources(folder):
        for use in re.findall(r"\buse\s+(?:::)?" + re.escape(lib) + r"\b[^;]*;", code_of(path)):
            for kind, names in macros.items():
                for name in names:
                    out[kind] |= set(re.findall(r"\b" + re.escape(name) + r"\s+as\s+(\w+)", use))
    return out


def own_test_files(folder, macros, limit=3):
    """A crate's integration tests (tests/*.rs) that call the macros, most calls first: [(file, sites, features)].
    A file gated by an inner `#![cfg(feature = "X")]` needs feature X of the crate; one gated by any other
    #![cfg(...)] is left out (its expansion would not contain the calls)."""
    tests = os.path.join(folder, "tests")
    found = []
    if os.path.isdir(tests):
        for f in sorted(os.listdir(tests)):
            path = os.path.join(tests, f)
            if not f.endswith(".rs") or not os.path.isfile(path):
                continue
            code = code_of(path)
            gates = re.findall(r"#!\[\s*cfg\s*\((.*?)\)\s*\]", code)
            features = [m.group(1) for m in (re.fullmatch(r'\s*feature\s*=\s*"([^"]+)"\s*', g) for g in gates) if m]
            if len(features) != len(gates):
                continue
            sites = count_calls(split_macro_rules(code)[0], macros)
            if sites > 0:
                found.append((f, sites, features))
    found.sort(key=lambda fs: (-fs[1], fs[0]))
    return found[:limit]


# ------------------------------------------------------------------ doc examples and examples/ (issue 13)

EXAMPLES_PER_MACRO = 10
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})([^`]*)$")
# the info-string words rustdoc reads; any other word (toml, text, sh, ...) makes a block non-Rust unless `rust` is there
DOCTEST_WORDS = {"rust", "ignore", "should_panic", "no_run", "compile_fail", "test_harness", "allow_fail", "standalone_crate"}


def fenced_blocks(markdown):
    """(line, info string, code) of each fenced code block of a Markdown text."""
    out, lines, i = [], markdown.split("\n"), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, body, j = len(m.group(1)), m.group(2), [], i + 1
        while j < len(lines):
            close = re.match(r"^\s*(`{3,}|~{3,})\s*$", lines[j])
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                break
            body.append(re.sub(r"^ {0,%d}" % indent, "", lines[j]))
            j += 1
        out.append((i, m.group(3).strip(), "\n".join(body)))
        i = j + 1
    return out


def compiled_by_rustdoc(info, edition, untagged=True):
    """Whether rustdoc compiles a block with this info string (its LangString rules, simplified): an untagged or
    `rust` block is compiled, also when `no_run` or `should_panic` (we only expand); `ignore`, `compile_fail`,
    `test_harness` (built as a test) and other languages are not, nor a block of another edition than the probe's."""
    words = [w.lstrip(".") for w in re.split(r"[\s,{}]+", info) if w]
    if not words:
        return untagged
    rust = "rust" in words
    other = [w for w in words if w not in DOCTEST_WORDS and not w.startswith(("edition", "ignore-"))]
    if (other and not rust) or (not untagged and not rust):
        return False
    if {"ignore", "compile_fail", "test_harness"} & set(words):
        return False
    return all(w == f"edition{edition}" for w in words if w.startswith("edition"))


def rust_string(literal):
    """The value of the body of a Rust "..." string literal."""
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
    literal = re.sub(r"\\\n\s*", "", literal)
    return re.sub(r"\\(u\{([0-9a-fA-F]+)\}|x([0-9a-fA-F]{2})|.)",
                  lambda m: chr(int(m.group(2) or m.group(3), 16)) if m.group(2) or m.group(3) else escapes.get(m.group(1), m.group(0)),
                  literal)


def doc_texts(path):
    """The docs of a Rust file as rustdoc reads them, [(line, markdown, included file or None)]: each run of `///`
    or `//!` lines (unindented as rustdoc does), each #[doc = "..."], and each file a doc attribute include_str!s
    (`#![doc = include_str!("../README.md")]`, also under cfg_attr)."""
    text = read(path)
    docs, run, kind = [], [], None
    for n, line in enumerate(text.split("\n") + [""]):
        m = re.match(r"^\s*(//!|///(?!/))(.*)$", line)
        if run and (not m or m.group(1) != kind):
            docs.append((n - len(run), textwrap.dedent("\n".join(run)), None))
            run = []
        if m:
            kind = m.group(1)
            run.append(m.group(2))
    for m in re.finditer(r'#!?\[\s*doc\s*=\s*"((?:[^"\\]|\\.)*)"\s*\]', text, re.S):
        docs.append((text.count("\n", 0, m.start()), textwrap.dedent(rust_string(m.group(1))), None))
    for m in re.finditer(r'\bdoc\s*=\s*include_str!\s*\(\s*"([^"]+)"\s*\)', text):
        included = os.path.normpath(os.path.join(os.path.dirname(path), m.group(1)))
        if os.path.isfile(included):
            docs.append((0, read(included), included))
    return docs


def doctest_program(code, lib, inject=True):
    """A doc example as rustdoc compiles it (its documented pre-processing): `# ` lines unhidden, `#![allow(unused)]`,
    the example's leading #![..] attributes and `extern crate` items at the top, `extern crate <lib>;` when the code
    names the crate and has no extern crate of it (unless #![doc(test(no_crate_inject))]), and the rest inside
    `fn main() { .. }` unless the code has its own fn main (a body ending in `(())` returns a Result, as rustdoc allows)."""
    lines = []
    for line in code.split("\n"):
        t = line.strip()
        lines.append(line.replace("##", "#", 1) if t.startswith("##") else t[2:] if t.startswith("# ") else "" if t == "#" else line)
    parts, state = {"attrs": [], "crates": [], "rest": []}, "attrs"
    for i, line in enumerate(lines):
        t = line.strip()
        skip = not t or (t.startswith("//") and not t.startswith("///"))
        extern = re.match(r"(#\[macro_use\]\s*)?extern\s+crate\b", t) or (
            t == "#[macro_use]" and i + 1 < len(lines) and lines[i + 1].strip().startswith("extern crate"))
        if state == "attrs" and not (t.startswith("#![") or skip):
            state = "crates" if extern else "rest"
        elif state == "crates" and not (extern or skip):
            state = "rest"
        parts[state].append(line)
    text = "\n".join(lines)
    program = "#![allow(unused)]\n" + "".join(l + "\n" for l in parts["attrs"] + parts["crates"])
    if inject and re.search(r"\b" + lib + r"\b", text) and not re.search(r"\bextern\s+crate\s+" + lib + r"\b", text):
        program += f"#[allow(unused_extern_crates)]\nextern crate {lib};\n"
    body = "\n".join(parts["rest"]).strip()
    if re.search(r"\bfn\s+main\s*\(", without_comments(text)):
        return program + body + "\n"
    if body.endswith("(())"):
        return program + "fn main() { fn _inner() -> core::result::Result<(), impl core::fmt::Debug> {\n" + body + "\n} _inner().unwrap() }\n"
    return program + "fn main() {\n" + body + "\n}\n"


def doc_examples(crate, manifest, macros):
    """The doc examples of a crate (src/**/*.rs, and a README it includes as docs) that call the macros, as rustdoc
    would compile them: [{"name", "label", "sites", "text"}]. A README the crate does not include is no doctest, so
    of it only blocks marked ```rust count (its untagged blocks are as often shell or TOML)."""
    folder, edition = crate["folder"], manifest["package"].get("edition", "2015")
    lib = manifest.get("lib", {}).get("name", crate["name"]).replace("-", "_")
    root_path = os.path.join(folder, manifest.get("lib", {}).get("path", "src/lib.rs"))
    root = read(root_path) if os.path.isfile(root_path) else ""
    inject = not re.search(r"#!\[\s*doc\s*\(\s*test\s*\([^\]]*no_crate_inject", root)
    docs, included = [], set()
    for path in sorted(rust_sources(folder)):
        for line, markdown, inc in doc_texts(path):
            docs.append((os.path.relpath(inc or path, folder), line, markdown, True))
            included.add(inc)
    readme = manifest["package"].get("readme")
    readme = os.path.join(folder, readme if isinstance(readme, str) else "README.md")
    if os.path.isfile(readme) and os.path.normpath(readme) not in included:
        docs.append((os.path.relpath(readme, folder), 0, read(readme), False))
    found, seen = [], set()
    for where, line, markdown, untagged in docs:
        for offset, info, code in fenced_blocks(markdown):
            if not compiled_by_rustdoc(info, edition, untagged) or code in seen:
                continue
            seen.add(code)
            program = doctest_program(code, lib, inject)
            sites = count_calls(split_macro_rules(not_called(without_comments(program)))[0], macros)
            if sites > 0:
                name = f"doc-{len(found) + 1}"
                found.append({"name": name, "label": f"{where}:{line + offset + 1}", "sites": sites, "text": program})
    return found


def example_programs(crate, manifest, macros):
    """The crate's examples/ programs that call the macros (examples/*.rs, examples/*/main.rs and the manifest's
    [[example]] targets): [{"name", "label", "sites", "path", "features"}] with the features each requires."""
    folder, declared = crate["folder"], {e.get("name"): e for e in manifest.get("example", []) if e.get("name")}
    paths = {}
    examples = os.path.join(folder, "examples")
    if os.path.isdir(examples):
        for f in sorted(os.listdir(examples)):
            if f.endswith(".rs") and os.path.isfile(os.path.join(examples, f)):
                paths[f[:-3]] = f"examples/{f}"
            elif os.path.isfile(os.path.join(examples, f, "main.rs")):
                paths[f] = f"examples/{f}/main.rs"
    for name, e in declared.items():
        paths[name] = e.get("path", paths.get(name))
    found = []
    for name, path in sorted(paths.items()):
        if not path or not os.path.isfile(os.path.join(folder, path)) or not path.startswith("examples/"):
            continue
        sites = count_calls(split_macro_rules(not_called(code_of(os.path.join(folder, path))))[0], macros)
        if sites > 0:
            found.append({"name": name, "label": path, "sites": sites, "path": path,
                          "features": list(declared.get(name, {}).get("required-features", []))})
    return found


def probe_targets(origin, crate, macro, names, limit):
    """The call sites a probe package for `crate` (the macro crate or a facade) builds, most calls first, and the
    features of `crate` they need: up to 3 of its tests/*.rs files (origin "tests"), else up to `limit` of its doc
    examples and examples/ programs (origin "examples")."""
    own = crate is macro
    of = "" if own else f" of {crate['name']} {crate['version']}:"
    if origin == "written":
        found = written_call_sites(macro, names) if own else []
        return found, []
    if origin == "tests":
        files = own_test_files(crate["folder"], names)
        return ([{"name": f[:-3], "path": f"tests/{f}", "sites": n, "origin": "tests",
                  "label": f"its own tests/{f}" if own else f"the tests{of} tests/{f}"} for f, n, _ in files],
                [x for _, _, fs in files for x in fs])
    with open(os.path.join(crate["folder"], "Cargo.toml"), "rb") as f:
        manifest = tomllib.load(f)
    found = ([dict(t, origin="doc examples", path=f"doc-examples/{t['name']}.rs") for t in doc_examples(crate, manifest, names)]
             + [dict(t, origin="examples") for t in example_programs(crate, manifest, names)])
    found = sorted(found, key=lambda t: -t["sites"])[:limit]
    for t in found:
        kind = "doc example" if t["origin"] == "doc examples" else "example"
        t["label"] = f"{'its own ' + kind if own else ('an ' if kind == 'example' else 'a ') + kind + of} {t['label']}"
    return found, [x for t in found for x in t.get("features", [])]


# call sites written for this benchmark, for macros the corpus has no user of: callsites/NAME-VERSION/*.rs
WRITTEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callsites")


def written_call_sites(macro, names):
    """The call sites written for this benchmark for `macro` (callsites/NAME-VERSION/*.rs, each a program that follows
    the crate's docs and names each other crate it uses on a `// dependency: <TOML line>`, and what the probe's
    Cargo.toml must say besides on `// manifest: <line>` lines; NAME.build.rs beside NAME.rs is the probe's build
    script, naming its crates on `// build-dependency:` lines), as example targets."""
    folder = os.path.join(WRITTEN, f"{macro['name']}-{macro['version']}")
    found = []
    for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if f.endswith(".rs") and not f.endswith(".build.rs"):
            text = read(os.path.join(folder, f))
            build = os.path.join(folder, f[:-3] + ".build.rs")  # the probe's build script, if the macro needs one
            build_script = read(build) if os.path.exists(build) else None
            found.append({"name": f"written-{f[:-3]}", "path": f"written/{f}", "text": text, "origin": "written",
                          "sites": count_calls(code_of(os.path.join(folder, f)), names),
                          "dependencies": re.findall(r"^//\s*dependency:\s*(.+)$", text, re.M),
                          "manifest": re.findall(r"^//\s*manifest: ?(.*)$", text, re.M),
                          "build_script": build_script,
                          "build_dependencies": re.findall(r"^//\s*build-dependency:\s*(.+)$", build_script or "", re.M),
                          "label": f"a call site written for the benchmark: callsites/{macro['name']}-{macro['version']}/{f}"})
    return found


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    return str(v)


def dependencies(manifest):
    deps = []
    tables = [("dependencies", "normal", manifest), ("build-dependencies", "build", manifest)]
    for target in manifest.get("target", {}).values():
        tables += [("dependencies", "normal", target), ("build-dependencies", "build", target)]
    for table, kind, owner in tables:
        for key, spec in owner.get(table, {}).items():
            spec = spec if isinstance(spec, dict) else {"version": spec}
            deps.append({"name": key, "crate": spec.get("package", key), "kind": kind, "optional": bool(spec.get("optional"))})
    return deps


def cmd_scan(a):
    crates = []
    for d in sorted(os.listdir(a.corpus)):
        folder = os.path.join(a.corpus, d)
        manifest_path = os.path.join(folder, "Cargo.toml")
        if not os.path.isfile(manifest_path):
            continue
        with open(manifest_path, "rb") as f:
            manifest = tomllib.load(f)
        lib = manifest.get("lib", {})
        c = {"name": manifest["package"]["name"], "version": manifest["package"]["version"], "folder": folder,
             "proc_macro": bool(lib.get("proc-macro") or lib.get("proc_macro")), "deps": dependencies(manifest),
             "links": manifest["package"].get("links"),
             "features": {k: v for k, v in manifest.get("features", {}).items()},
             "src_bytes": sum(os.path.getsize(p) for p in rust_sources(folder))}
        crates.append(c)
    only = [s.strip() for s in a.only.split(",") if s.strip()] if a.only else []
    macro_names = {c["name"] for c in crates if c["proc_macro"]}
    unknown = [o for o in only if o not in macro_names]
    if unknown:
        sys.exit("coverage: --only names crates that are not proc-macro crates of the corpus: " + ", ".join(unknown))
    with open(a.out, "w") as f:
        json.dump({"crates": crates, "only": only}, f)
    print(f"corpus: {len(crates)} crates, {sum(c['proc_macro'] for c in crates)} proc-macro crate versions "
          f"({len(macro_names)} names)" + (f"; reporting {len(only)} of them" if only else ""), file=sys.stderr)


def load_corpus(path):
    with open(path) as f:
        return json.load(f)


def selected_macros(corpus):
    only = set(corpus["only"])
    return [c for c in corpus["crates"] if c["proc_macro"] and (not only or c["name"] in only)]


def cmd_deny(a):
    corpus = load_corpus(a.corpus_json)
    if not corpus["only"]:
        return
    by_name = {}
    for c in corpus["crates"]:
        by_name.setdefault(c["name"], []).append(c)
    # every crate the chosen macros can reach through normal/build dependencies (any version, optional or not)
    needed, todo = set(), list(corpus["only"])
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        for c in by_name.get(name, []):
            todo += [d["crate"] for d in c["deps"]]
    deny = sorted({c["name"] for c in corpus["crates"] if c["proc_macro"] and c["name"] not in needed})
    print(",".join(deny))


# ------------------------------------------------------------------ registry API


def http(url, token=None, data=None, method=None, timeout=60):
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read()


def get_json(url, token=None):
    return json.loads(http(url, token))


def status(url, name, version):
    return get_json(f"{url}/api/v1/crates/{name}/{version}/precompiled")


def default_set(st):
    for s in st.get("feature_sets", []):
        if s.get("key") == "default":
            return s
    return None


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cmd_wait(a):
    corpus = load_corpus(a.corpus_json)
    macros = [c for c in corpus["crates"] if c["proc_macro"]]
    chosen = {(c["name"], c["version"]) for c in selected_macros(corpus)}
    t0 = time.time()
    deadline = t0 + a.max_minutes * 60
    planned = set()
    last_print = 0
    time_limit = False
    while True:
        # a macro version is planned once it is analysed and (a proc macro) has its jobs
        for c in macros:
            key = (c["name"], c["version"])
            if key in planned:
                continue
            try:
                st = status(a.url, *key)
            except urllib.error.HTTPError:
                continue
            if st.get("analysis") is not None and (st["feature_sets"] or not st["analysis"]["proc_macro"]):
                planned.add(key)
        jobs = get_json(f"{a.url}/api/v1/admin/precompile/jobs?limit=1000", a.token)["jobs"]
        counts = {}
        for j in jobs:
            counts[j["state"]] = counts.get(j["state"], 0) + 1
        busy = counts.get("queued", 0) + counts.get("running", 0)
        done = len(planned) == len(macros) and busy == 0
        now = time.time()
        if done or now - last_print >= 30:
            running = ", ".join(f"{j['crate']} {j['version']} [{j['key']}]" for j in jobs if j["state"] == "running")
            print(f"[{int(now - t0) // 60:3d}:{int(now - t0) % 60:02d}] planned {len(planned)}/{len(macros)} macro versions; jobs: "
                  + " ".join(f"{s} {counts.get(s, 0)}" for s in ("queued", "running", "verified", "failed", "rejected", "ineligible", "denied"))
                  + f"; load {loadavg()}" + (f"; building {running}" if running else ""), flush=True)
            last_print = now
        if done:
            break
        if now > deadline:
            time_limit = True
            print(f"time limit of {a.max_minutes} min reached: {busy} job(s) still queued or running", flush=True)
            break
        time.sleep(10)
    with open(a.run_json) as f:
        run = json.load(f)
    run["time_limit_hit"] = time_limit
    run["unplanned"] = sorted(f"{n} {v}" for n, v in chosen if (n, v) not in planned)
    with open(a.run_json, "w") as f:
        json.dump(run, f, indent=1)


def cmd_retry(a):
    """Requeues every failed job (POST .../jobs/{id}/retry): a data dir precompiled by an older commit gets the
    current commit's fixes for what failed, without rebuilding what was verified."""
    jobs = get_json(f"{a.url}/api/v1/admin/precompile/jobs?state=failed&limit=1000", a.token)["jobs"]
    for j in jobs:
        req = urllib.request.Request(f"{a.url}/api/v1/admin/precompile/jobs/{j['job_id']}/retry", method="POST",
                                     headers={"Authorization": a.token})
        urllib.request.urlopen(req).read()
        print(f"retrying {j['crate']} {j['version']} [{j['key']}] (failed: {(j.get('last_error') or '').splitlines()[0][:120]})", flush=True)
    with open(a.run_json) as f:
        run = json.load(f)
    run["retried"] = sorted(f"{j['crate']} {j['version']} [{j['key']}]" for j in jobs)
    with open(a.run_json, "w") as f:
        json.dump(run, f, indent=1)


# ------------------------------------------------------------------ comparison builds


def semver_key(v):
    core = v.split("+")[0].split("-")[0]
    return tuple(int(x) if x.isdigit() else 0 for x in core.split("."))


def closure_of(name, by_name, memo):
    """(how many crates of the corpus `name` can pull in through normal dependencies, whether one of them links a
    system library): smaller builds faster, and system libraries may be missing on this machine."""
    if name in memo:
        return memo[name]
    seen, todo, links = set(), [name], False
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for c in by_name.get(n, [])[:1]:
            links = links or bool(c.get("links"))
            todo += [d["crate"] for d in c["deps"] if not d["optional"]]
    memo[name] = (len(seen), links)
    return memo[name]


def enabling_feature(crate, dep_name):
    """The feature of `crate` that turns on its optional dependency `dep_name` (a named one, else the implicit one)."""
    for feature, values in sorted(crate["features"].items()):
        if feature == dep_name:
            return feature
    for feature, values in sorted(crate["features"].items(), key=lambda kv: len(kv[1])):
        if f"dep:{dep_name}" in values or dep_name in values:
            return feature
    return dep_name


class Builder:
    """Two CARGO_HOMEs (from source, through the view), each with its own shared target dir, and a cache of results."""

    def __init__(self, url, work):
        self.work = work
        self.url = url
        self.homes = {}
        for side, index in (("source", f"{url}/index/"), ("view", f"{url}/precompiled/index/")):
            home = os.path.join(work, "cargo", side)
            os.makedirs(home, exist_ok=True)
            with open(os.path.join(home, "config.toml"), "w") as f:
                f.write(f'[registries.sandcrate]\nindex = "sparse+{index}"\n[source.crates-io]\nreplace-with = "sandcrate"\n'
                        '[net]\nretry = 0\n[build]\njobs = 2\n')
            self.homes[side] = home
        # RUSTC_BOOTSTRAP=1 only for the rustc call that prints the expansion: everything else (build scripts that
        # probe for nightly features, the macros built from source) sees a stable compiler, as a consumer's would
        self.wrapper = os.path.join(work, "cargo", "rustc-wrapper.sh")
        with open(self.wrapper, "w") as f:
            f.write('#!/bin/sh\ncase " $* " in *" -Zunpretty=expanded "*) export RUSTC_BOOTSTRAP=1 ;; esac\nexec "$@"\n')
        os.chmod(self.wrapper, 0o755)
        self.cache = {}

    def env(self, side):
        env = dict(os.environ)
        for k in ("RUSTC_BOOTSTRAP", "SANDCRATE_RUNTIME", "CARGO_TARGET_DIR", "RUSTC_WRAPPER", "RUSTFLAGS"):
            env.pop(k, None)
        env.update({"CARGO_HOME": self.homes[side], "CARGO_TARGET_DIR": os.path.join(self.homes[side], "target"),
                    "CARGO_TERM_COLOR": "never", "CARGO_TERM_PROGRESS_WHEN": "never", "RUSTC_WRAPPER": self.wrapper,
                    "HOME": os.path.join(self.work, "home"), "SANDCRATE_RUNTIME_DIR": os.path.join(self.work, "run"),
                    "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", os.path.expanduser("~/.rustup"))})
        env["PATH"] = os.path.expanduser("~/.cargo/bin") + ":" + env.get("PATH", "")
        return env

    def cargo(self, side, project, *args, timeout=1800):
        t = time.time()
        try:
            p = subprocess.run(["cargo", *args], cwd=project, env=self.env(side), capture_output=True, text=True, timeout=timeout)
            return p.returncode, p.stdout, p.stderr, time.time() - t
        except subprocess.TimeoutExpired as e:
            return 124, "", f"timed out after {timeout} s", time.time() - t

    def project(self, side, rdep, feature):
        slug = f"{rdep['name']}-{rdep['version']}" + (f"-{feature}" if feature else "")
        d = os.path.join(self.work, "projects", slug, side)
        os.makedirs(os.path.join(d, "src"), exist_ok=True)
        feats = f', features = ["{feature}"]' if feature else ""
        with open(os.path.join(d, "Cargo.toml"), "w") as f:
            f.write(f'[package]\nname = "coverage-probe"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
                    f'[dependencies]\n{rdep["name"]} = {{ version = "={rdep["version"]}"{feats} }}\n')
        with open(os.path.join(d, "src", "lib.rs"), "w") as f:
            f.write("")
        return d

    @staticmethod
    def locked(project, name):
        path = os.path.join(project, "Cargo.lock")
        if not os.path.isfile(path):
            return []
        with open(path, "rb") as f:
            lock = tomllib.load(f)
        return [(p["version"], p.get("checksum")) for p in lock.get("package", []) if p["name"] == name]

    def compare(self, rdep, feature, macro, shim_cksum):
        """Builds rdep's expansion both ways; None when the pair cannot be compared (with why), else a result dict."""
        key = (rdep["name"], rdep["version"], feature)
        view = self.project("view", rdep, feature)
        source = self.project("source", rdep, feature)
        code, out, err, _ = self.cargo("view", view, "generate-lockfile")
        if code != 0:
            return {"usable": False, "why": "resolving through the view failed: " + last_lines(err)}
        pinned = self.locked(view, macro["name"])
        if (macro["version"], shim_cksum) not in pinned:
            return {"usable": False, "why": f"resolves {macro['name']} " + (", ".join(v for v, _ in pinned) or "not at all")
                    + (" (not the shim)" if any(v == macro["version"] for v, _ in pinned) else "")}
        if key in self.cache:
            return self.cache[key]
        code, out, err, _ = self.cargo("source", source, "generate-lockfile")
        if code != 0:
            return {"usable": False, "why": "resolving through /index/ failed: " + last_lines(err)}
        spec = f"{rdep['name']}@{rdep['version']}"
        for side, project in (("source", source), ("view", view)):
            self.cargo(side, project, "clean", "-p", spec)  # a fresh target would otherwise print nothing
        code_s, out_s, err_s, secs_s = self.cargo("source", source, "rustc", "-p", spec, "--lib", "--", "-Zunpretty=expanded")
        if code_s != 0:
            result = {"usable": False, "why": "the from-source build failed: " + last_lines(err_s)}
            self.cache[key] = result
            return result
        code_v, out_v, err_v, secs_v = self.cargo("view", view, "rustc", "-p", spec, "--lib", "--", "-Zunpretty=expanded")
        if code_v != 0 and FEATURE_SET_NOT_BUILT in err_v:
            result = {"usable": False, "why": "through the view: " + last_lines(err_v, 1)}
            self.cache[key] = result
            return result
        out_dir = os.path.join(self.work, "expanded")
        os.makedirs(out_dir, exist_ok=True)
        base = os.path.join(out_dir, f"{rdep['name']}-{rdep['version']}" + (f"-{feature}" if feature else ""))
        for suffix, text in ((".source.rs", out_s), (".view.rs", out_v), (".source.err", err_s), (".view.err", err_v)):
            with open(base + suffix, "w") as f:
                f.write(text)
        shims = [line.split("--crate-name ")[1].split()[0] for line in err_v.splitlines() if "--crate-name" in line]
        result = {"usable": True, "source_seconds": round(secs_s, 1), "view_seconds": round(secs_v, 1), "files": base}
        result.update(judge(out_s, out_v, code_v == 0, err_v))
        self.cache[key] = result
        return result


    def compare_probe(self, crate, macro, shim_cksum, origin, targets, features, facades=()):
        """Builds `targets` of a probe package both ways and compares their expansions: `crate`'s integration tests
        (origin "tests", its tests/ copied, each target a tests/*.rs file) or its doc examples and examples/
        programs (origin "examples": examples/ copied, doc examples written out, each an [[example]] target).
        `crate` is the macro crate or a facade that re-exports it. The probe depends on `crate` with `features` (and
        has features of those names itself, for the files' own cfgs), on those of `crate`'s dependencies and
        dev-dependencies the targets' code names, and on the macro's facades it names ([(crate, feature)]: the macro
        crate's docs often show it through its facade). One folder serves both sides, so paths the code expands
        (file!(), CARGO_MANIFEST_DIR) are the same. A list of result dicts, or one with usable False.

        targets: [{"name", "label", "origin" ("tests", "doc examples", "examples"), "sites", "path": its file in the
        probe, "text": its code if written, not copied}]"""
        with open(os.path.join(crate["folder"], "Cargo.toml"), "rb") as f:
            manifest = tomllib.load(f)
        what = {"tests": "tests", "written": "call sites written for the benchmark"}.get(origin, "doc examples and examples")
        whose = f"its own {what}" if crate is macro else f"the {what} of {crate['name']} {crate['version']}"
        package = f"coverage-{origin}-{crate['name']}-{crate['version']}".replace(".", "-").replace("+", "-").replace(" ", "-").lower()
        d = os.path.join(self.work, "projects", package)
        shutil.rmtree(d, ignore_errors=True)
        copied = {"tests": "tests", "examples": "examples"}.get(origin, "written")
        if origin != "written" and os.path.isdir(os.path.join(crate["folder"], copied)):
            shutil.copytree(os.path.join(crate["folder"], copied), os.path.join(d, copied), symlinks=False)
        for t in targets:
            if "text" in t:
                os.makedirs(os.path.dirname(os.path.join(d, t["path"])), exist_ok=True)
                with open(os.path.join(d, t["path"]), "w") as f:
                    f.write(t["text"])
        chosen = {os.path.join(d, t["path"]) for t in targets}
        code_text = " ".join(code_of(os.path.join(root, f)) for root, _, names in os.walk(os.path.join(d, copied))
                             for f in names if f.endswith(".rs") and (root != os.path.join(d, copied) or os.path.join(root, f) in chosen))
        code_text += " ".join(t.get("text", "") for t in targets)
        # what the code names of the crate's dev-dependencies and (tests and examples see them too) dependencies
        dev, named = [], set()
        # a call site written for the benchmark names the crates it uses itself (its stand-ins mention others)
        for section in ("dev-dependencies", "dependencies") if origin != "written" else ():
            for key, spec in manifest.get(section, {}).items():
                spec = dict(spec) if isinstance(spec, dict) else {"version": spec}
                spec.pop("optional", None)
                if key in named or spec.get("package", key) == crate["name"] or spec.pop("path", None) is not None and "version" not in spec:
                    continue
                if re.search(r"\b" + re.escape(key.replace("-", "_")) + r"\b", code_text):
                    named.add(key)
                    dev.append((key, spec.get("package", key), f"{json.dumps(key)} = {toml_value(spec)}"))
        for t in targets:
            for line in t.get("dependencies", []):
                key, spec = next(iter(tomllib.loads(line).items()))
                if key not in named:
                    named.add(key)
                    dev.append((key, (spec.get("package") if isinstance(spec, dict) else None) or key, line))
        for facade, feature in facades if origin != "written" else ():
            # only as a path (serial_test::serial, use serial_test;): no-panic's tests say "cargo" but do not use it
            lib = re.escape(facade["name"].replace("-", "_"))
            if facade["name"] not in named and facade is not crate and re.search(
                    r"\b(?:use|extern\s+crate)\s+" + lib + r"\b|\b" + lib + r"\s*::", not_called(code_text)):
                named.add(facade["name"])
                dev.append((facade["name"], facade["name"], f'{json.dumps(facade["name"])} = {{ version = "={facade["version"]}", '
                                                            f'features = {toml_value([feature] if feature else [])} }}'))
        # a file gated by #![cfg(feature = "X")] needs the crate's feature X, and the probe's own (the cfg is the probe's)
        features = sorted(set(features))
        optional = {k for k, v in manifest.get("dependencies", {}).items() if isinstance(v, dict) and v.get("optional")}
        unknown = [x for x in features if x not in manifest.get("features", {}) and x not in optional]
        if unknown:
            return [{"usable": False, "why": f"{whose}: gated by feature(s) {', '.join(unknown)} that {crate['name']} does not have"}]
        os.makedirs(os.path.join(d, "src"), exist_ok=True)
        with open(os.path.join(d, "src", "lib.rs"), "w") as f:
            f.write("")
        # a written call site whose macro reads what a build script made (cpp_macros: cpp_build's metadata in OUT_DIR)
        scripted = [t for t in targets if t.get("build_script")]
        if scripted:
            with open(os.path.join(d, "build.rs"), "w") as f:
                f.write(scripted[0]["build_script"])
        build_section = ("\n[build-dependencies]\n" + "".join(line + "\n" for line in scripted[0]["build_dependencies"])) if scripted else ""
        results = []
        # a dependency the corpus does not have (or not in the version asked) leaves out the targets that name it
        while True:
            examples = "".join(f'\n[[example]]\nname = "{t["name"]}"\npath = "{t["path"]}"\n' for t in targets if origin != "tests")
            with open(os.path.join(d, "Cargo.toml"), "w") as f:
                f.write(f'[package]\nname = "{package}"\nversion = "0.0.0"\nedition = "{manifest["package"].get("edition", "2015")}"\n'
                        f'publish = false\nautobenches = false\nautoexamples = false\n\n'
                        f'[dev-dependencies]\n{json.dumps(crate["name"])} = {{ version = "={crate["version"]}", features = {toml_value(features)} }}\n'
                        + "".join(line + "\n" for _, _, line in dev)
                        + (f"\n[features]\ndefault = {toml_value(features)}\n" + "".join(f"{json.dumps(x)} = []\n" for x in features) if features else "")
                        + examples + build_section
                        # what a written call site's macro reads from its caller's manifest (document-features' `## ` docs)
                        + "".join("\n" + "\n".join(t["manifest"]) + "\n" for t in targets if t.get("manifest")))
            view_resolved = self.cargo("view", d, "generate-lockfile")
            status, _, err, _ = view_resolved
            missing = re.search(r"no matching package named `([^`]+)`|failed to select a version for the requirement `([^` =]+)", err)
            key = next((k for k, name, _ in dev if missing and name in missing.groups()), None)
            if status == 0 or key is None:
                break
            dev = [x for x in dev if x[0] != key]
            naming = [t for t in targets if re.search(r"\b" + re.escape(key.replace("-", "_")) + r"\b", t.get("text") or code_of(os.path.join(d, t["path"])))]
            results += [{"usable": False, "label": t["label"], "why": f"names {key}, which the corpus does not have: " + last_lines(err, 1)} for t in naming]
            targets = [t for t in targets if t not in naming]
            if not targets:
                return results
        # an example's build is bounded (a test's is as before): its first build also builds the dependencies
        timeout, budget = (1800, None) if origin == "tests" else (600, time.time() + 20 * 60)
        outputs = {}
        for side in ("view", "source"):
            # the view's lockfile is the one the loop above just resolved with this manifest
            status, _, err, _ = view_resolved if side == "view" else self.cargo(side, d, "generate-lockfile")
            if status != 0:
                return [{"usable": False, "why": f"{whose}: resolving their dependencies through {'the view' if side == 'view' else '/index/'} failed: "
                         + last_lines(err)}]
            if side == "view":
                pinned = self.locked(d, macro["name"])
                if (macro["version"], shim_cksum) not in pinned:
                    return [{"usable": False, "why": f"{whose}: resolve {macro['name']} " + (", ".join(v for v, _ in pinned) or "not at all")}]
            self.cargo(side, d, "clean", "-p", package)
            for t in targets:
                if budget and time.time() > budget:
                    outputs[(side, t["name"])] = (124, "", "not built: the probe's 20 minutes were used up", 0)
                    continue
                # an example too is built with the test harness: rustdoc's build would drop its #[test] and
                # #[cfg(test)] items unexpanded (serial_test's docs, test-case's), or what a macro turns into them
                select = ["--test", t["name"]] if origin == "tests" else ["--example", t["name"], "--profile", "test"]
                outputs[(side, t["name"])] = self.cargo(side, d, "rustc", *select, "--", "-Zunpretty=expanded", timeout=timeout)
        out_dir = os.path.join(self.work, "expanded")
        os.makedirs(out_dir, exist_ok=True)
        for t in targets:
            code_s, out_s, err_s, secs_s = outputs[("source", t["name"])]
            code_v, out_v, err_v, secs_v = outputs[("view", t["name"])]
            label = t["label"]
            if code_s != 0:
                results.append({"usable": False, "label": label, "why": "the from-source build failed: " + last_lines(err_s)})
                continue
            if code_v != 0 and FEATURE_SET_NOT_BUILT in err_v:
                results.append({"usable": False, "label": label, "why": "through the view: " + last_lines(err_v, 1)})
                continue
            base = os.path.join(out_dir, f"{crate['name']}-{crate['version']}-{origin}-{t['name']}")
            for suffix, text in ((".source.rs", out_s), (".view.rs", out_v), (".source.err", err_s), (".view.err", err_v)):
                with open(base + suffix, "w") as out:
                    out.write(text)
            r = {"usable": True, "label": label, "origin": t["origin"], "sites": t["sites"], "source_seconds": round(secs_s, 1), "view_seconds": round(secs_v, 1), "files": base}
            r.update(judge(out_s, out_v, code_v == 0, err_v))
            results.append(r)
        return results


def last_lines(text, n=6):
    """The first error cargo or rustc reports (with a few lines after it), else the last lines."""
    lines = [l for l in text.strip().splitlines() if l.strip()]
    for i, l in enumerate(lines):
        if l.startswith("error"):
            return "\n".join(lines[i:i + n])
    return "\n".join(lines[-n:])


def candidates(url, macro, by_key, by_name, max_depth=3):
    """Crates of the corpus that use `macro`: its reverse dependencies (normal and build); one that calls none of its
    macros (a facade like thiserror for thiserror-impl) is followed to its own reverse dependencies. Returns them and
    the facades met on the way, each with the names its users call the macro by (its macro_rules wrappers added)."""
    found, facades, seen = [], [], {macro["name"]}
    frontier = [(macro["name"], None, 0, macro["exports"])]
    memo = {}
    while frontier:
        name, via, depth, names = frontier.pop(0)
        if depth >= max_depth:
            continue
        try:
            rdeps = get_json(f"{url}/ui/api/crates/{name}").get("reverse_dependencies", [])
        except urllib.error.HTTPError:
            rdeps = []
        for r in rdeps:
            if r["kind"] == "dev" or r["name"] in seen:
                continue
            seen.add(r["name"])
            crate = by_key.get((r["name"], r["version"]))
            if crate is None:
                continue
            dep_name = next((d["name"] for d in crate["deps"] if d["crate"] == name), name)
            feature = enabling_feature(crate, dep_name) if r["optional"] else None
            sites, wrappers = call_sites(crate["folder"], names)
            entry = {"name": r["name"], "version": r["version"], "feature": feature, "depth": depth + 1, "sites": sites,
                     "via": via, "closure": closure_of(r["name"], by_name, memo), "src_bytes": crate["src_bytes"], "crate": crate}
            if sites > 0:
                found.append(entry)
            elif not crate["proc_macro"]:
                aliases = reexport_aliases(crate["folder"], dep_name.replace("-", "_"), names)
                wider = {kind: sorted(set(names[kind]) | aliases[kind] | (set(wrappers) if kind == "function" else set())) for kind in names}
                frontier.append((r["name"], (via + " → " if via else "") + r["name"], depth + 1, wider))
                facades.append({**entry, "names": wider})
    found.sort(key=lambda e: (e["closure"][1], e["depth"], e["closure"][0], e["src_bytes"]))
    facades.sort(key=lambda e: (e["depth"], e["closure"][1], e["src_bytes"]))
    return found, facades


# The two builds unpack the crates under different registry folders (one per index URL), so file!() and the
# log/tracing macros built on it name different absolute paths; that folder is not what the macro produced.
REGISTRY_SRC = re.compile(r"/cargo/(source|view)/registry/src/[^/\"]+/")


# What a shim says when the build enables features of the macro that no verified artifact has: the registry builds
# such a set when asked (the message says how), so it is no evidence about the macro, and the pair is not compared.
FEATURE_SET_NOT_BUILT = "has no precompiled artifact for the features enabled in this build"


def judge(out_s, out_v, view_ok, err_v=""):
    """Whether the expansion through the view equals the one from source, registry folders aside, and the diff."""
    same_s, same_v = REGISTRY_SRC.sub("/cargo/<side>/registry/src/<index>/", out_s), REGISTRY_SRC.sub("/cargo/<side>/registry/src/<index>/", out_v)
    result = {"view_ok": view_ok, "identical": view_ok and same_s == same_v and len(out_s) > 0, "expanded_bytes": len(out_s)}
    if not view_ok:
        result["diff"] = "the build through the view failed:\n" + last_lines(err_v, 25)
    elif same_s != same_v:
        diff = difflib.unified_diff(same_s.splitlines(), same_v.splitlines(), "from source", "through the view", n=2, lineterm="")
        result["diff"] = "\n".join(list(diff)[:40])
    return result


def cmd_rejudge(a):
    """Judges every comparison again from the expansions kept under the work dir (after a change to `judge`)."""
    path = os.path.join(os.path.dirname(a.run_json), "results.json")
    with open(path) as f:
        results = json.load(f)
    changed = 0
    for e in results.values():
        for c in e.get("compared", []):
            if not c.get("files") or not os.path.exists(c["files"] + ".source.rs"):
                continue
            read = lambda suffix: open(c["files"] + suffix, errors="replace").read() if os.path.exists(c["files"] + suffix) else ""
            was = c["identical"]
            c.pop("diff", None)
            c.update(judge(read(".source.rs"), read(".view.rs"), c.get("view_ok", True), read(".view.err")))
            changed += was != c["identical"]
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"rejudged: {changed} comparison(s) changed", flush=True)


def cmd_compare(a):
    corpus = load_corpus(a.corpus_json)
    by_key = {(c["name"], c["version"]): c for c in corpus["crates"]}
    by_name = {}
    for c in sorted(corpus["crates"], key=lambda c: semver_key(c["version"]), reverse=True):
        by_name.setdefault(c["name"], []).append(c)
    builder = Builder(a.url, a.work)
    # every macro version's analysis, the operator's allow/deny aside: what a full run would build
    overview = {}
    for c in corpus["crates"]:
        if c["proc_macro"]:
            analysis = status(a.url, c["name"], c["version"]).get("analysis") or {}
            fails = sorted({ch["rule"] for ch in analysis.get("checks", []) if ch.get("outcome") == "FAIL" and ch["rule"] != "operator"})
            overview[f"{c['name']} {c['version']}"] = {"analysed": bool(analysis), "refused_by": fails}
    with open(os.path.join(os.path.dirname(a.run_json), "overview.json"), "w") as f:
        json.dump(overview, f, indent=1)
    results = {}
    deadline = time.time() + a.max_minutes * 60
    for macro in selected_macros(corpus):
        key = f"{macro['name']} {macro['version']}"
        st = status(a.url, macro["name"], macro["version"])
        entry = {"status": st, "compared": [], "skipped": []}
        results[key] = entry
        ds = default_set(st)
        if not ds or ds.get("state") != "verified":
            continue
        if time.time() > deadline:
            entry["not_compared"] = "time limit"
            continue
        try:
            shim = get_json(f"{a.url}/api/v1/crates/{macro['name']}/{macro['version']}/shim")
        except urllib.error.HTTPError as e:
            entry["shim_error"] = f"HTTP {e.code}: {e.read().decode(errors='replace')[:300]}"
            print(f"{key}: verified but no shim: {entry['shim_error']}", flush=True)
            continue
        entry["shim"] = {"cksum": shim["cksum"], "size": shim.get("size"), "feature_sets": shim.get("feature_sets")}
        entry["status"] = status(a.url, macro["name"], macro["version"])  # the shim exists now
        macro = dict(macro, exports=built_macros(ds))
        cands, facades = candidates(a.url, macro, by_key, by_name)
        entry["candidates"] = len(cands)
        print(f"{key}: verified; {len(cands)} crate(s) of the corpus call it", flush=True)
        tried = 0
        for c in cands:
            if len(entry["compared"]) >= a.rdeps or tried >= a.rdeps + 4:
                break
            tried += 1
            t = time.time()
            r = builder.compare(c["crate"], c["feature"], macro, shim["cksum"])
            label = f"{c['name']} {c['version']}" + (f" [{c['feature']}]" if c["feature"] else "") + (f" (via {c['via']})" if c["via"] else "")
            if not r["usable"]:
                entry["skipped"].append({"rdep": label, "why": r["why"]})
                print(f"  {label}: skipped: {r['why'].splitlines()[0][:200]}", flush=True)
                continue
            entry["compared"].append({"rdep": label, "sites": c["sites"], **{k: v for k, v in r.items() if k != "usable"}})
            print(f"  {label}: ~{c['sites']} call site(s), {'identical' if r['identical'] else 'DIFFERENT'} "
                  f"(source {r['source_seconds']} s, view {r['view_seconds']} s, {int(time.time() - t)} s)", flush=True)
        # no crate of the corpus to compare on: the integration tests of the macro crate, then of the facades that
        # re-export it (argh's tests for argh_derive), are call sites their authors wrote; failing those, so are
        # their doc examples and examples/ programs; failing those, the call sites written for this benchmark
        tested = [(macro, macro["exports"], None)] + [(f["crate"], f["names"], f["feature"]) for f in facades[:2]]
        for origin in ("tests", "examples", "written"):
            left = EXAMPLES_PER_MACRO
            for crate, names, feature in tested:
                if entry["compared"] or left <= 0:
                    break
                targets, features = probe_targets(origin, crate, macro, names, left)
                if not targets:
                    continue
                left -= len(targets)
                t = time.time()
                for r in builder.compare_probe(crate, macro, shim["cksum"], origin, targets, features + ([feature] if feature else []),
                                               [(f["crate"], f["feature"]) for f in facades]):
                    label = r.get("label", origin)
                    if not r["usable"]:
                        entry["skipped"].append({"rdep": label, "why": r["why"]})
                        print(f"  {label}: skipped: {r['why'].splitlines()[0][:200]}", flush=True)
                        continue
                    entry["compared"].append({"rdep": label, **{k: v for k, v in r.items() if k not in ("usable", "label")}})
                    print(f"  {label}: ~{r['sites']} call site(s), {'identical' if r['identical'] else 'DIFFERENT'} "
                          f"(source {r['source_seconds']} s, view {r['view_seconds']} s)", flush=True)
                print(f"  {origin} of {crate['name']}: {int(time.time() - t)} s", flush=True)
        with open(os.path.join(os.path.dirname(a.run_json), "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    with open(os.path.join(os.path.dirname(a.run_json), "results.json"), "w") as f:
        json.dump(results, f, indent=1)


def evidence_of(compared):
    """The reason to refuse a macro on its compared call sites, or None when every one was identical."""
    failed = [c for c in compared if not c["identical"] and not c["view_ok"]]
    differ = [c for c in compared if not c["identical"] and c["view_ok"]]
    if not failed and not differ:
        return None
    parts = []
    if failed:
        first = next((l for l in failed[0].get("diff", "").splitlines() if "error" in l), "")
        parts.append(f"through its shim the build fails where the source build succeeds on {', '.join(c['rdep'] for c in failed)}"
                     + (f" ({' '.join(first.split())[:300]})" if first else ""))
    if differ:
        parts.append(f"through its shim the expansion (-Zunpretty=expanded) differs from the native macro's on "
                     f"{', '.join(c['rdep'] for c in differ)}")
    return ("call-site evidence (bench/coverage/run.sh): " + "; ".join(parts))[:2000]


def cmd_refuse(a):
    results_json = os.path.join(os.path.dirname(a.run_json), "results.json")
    with open(results_json) as f:
        results = json.load(f)
    for key, e in results.items():
        reason = evidence_of(e.get("compared", []))
        if reason is None:
            continue
        name, version = key.split(" ")
        http(f"{a.url}/api/v1/admin/precompile/deny/{name}?version={version}", a.token,
             json.dumps({"reason": reason}).encode(), "PUT")
        e["refused"] = reason
        e["status_after_refusal"] = status(a.url, name, version)
        print(f"{key}: denied on its call sites: {reason}", flush=True)
    with open(results_json, "w") as f:
        json.dump(results, f, indent=1)


# ------------------------------------------------------------------ report


def reason_of(st, ds):
    if ds is None:
        analysis = st.get("analysis") or {}
        fails = [f"{c['rule']}: {c.get('detail', '')}" for c in analysis.get("checks", []) if c.get("outcome") == "FAIL"]
        return "; ".join(fails) or ("not analysed" if not analysis else "no job")
    if ds["state"] == "verified":
        flags = [f"{c['rule']} ({md(c.get('detail') or '', 90)})" for c in ds.get("checks", []) if c.get("outcome") == "FLAG"]
        return "flags: " + ", ".join(flags) if flags else ""
    parts = list(ds.get("reasons") or [])
    if ds.get("last_error"):
        parts.append(ds["last_error"])
    return "; ".join(parts)


def md(text, limit=300):
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[:limit] + " …"
    return text.replace("|", "\\|")


def sites_origin(compared):
    """Where a macro's compared call sites came from: "corpus", "tests", "doc examples" (doc examples and examples/
    programs) or "written" (for this benchmark); results.json written before the origin field marked tests with own_tests."""
    origins = {c.get("origin") or ("tests" if c.get("own_tests") else "corpus") for c in compared}
    return next(o for o in ("corpus", "tests", "written", "doc examples") if origins == {o} or o == "doc examples")


def cmd_report(a):
    with open(a.run_json) as f:
        run = json.load(f)
    corpus = load_corpus(a.corpus_json)
    with open(os.path.join(os.path.dirname(a.run_json), "results.json")) as f:
        results = json.load(f)
    all_macros = [c for c in corpus["crates"] if c["proc_macro"]]
    rows, diffs = [], []
    verified = identical = no_sites = not_compared = 0
    identical_by = {"corpus": 0, "tests": 0, "doc examples": 0, "written": 0}
    refused, denied = [], []
    job_seconds, compare_seconds = [], []
    for key, e in results.items():
        st = e["status"]
        ds = default_set(st)
        state = ds["state"] if ds else ("not a proc macro" if st.get("analysis") and not st["analysis"]["proc_macro"] else "no job")
        if state in ("queued", "running") and run.get("time_limit_hit"):
            state = "not built (time limit)"
        others = [f"{s['key']}: {s['state']}" for s in st.get("feature_sets", []) if s["key"] != "default"]
        builds, wall, wasm = "", "", ""
        if ds and ds.get("builds"):
            builds = " / ".join(f"{b['duration_ms'] / 1000:.0f}" for b in ds["builds"])
        if ds and ds.get("timings", {}).get("started_at") and ds["timings"].get("finished_at") and state in ("verified", "rejected", "failed"):
            from datetime import datetime
            t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
            w = t(ds["timings"]["finished_at"]) - t(ds["timings"]["started_at"])
            wall = f"{w:.0f}"
            job_seconds.append(w)
        if ds and ds.get("artifact"):
            wasm = f"{ds['artifact']['size'] / 1024:.0f} KB"
        compared = e.get("compared", [])
        same = bool(compared) and all(c["identical"] for c in compared)
        if e.get("refused"):
            after = (e.get("status_after_refusal") or {}).get("shim", {})
            refused.append(f"- {key}: the view serves {after.get('state', '?')}: {md(after.get('reason', ''), 600)}")
        # a macro denied on its call sites in this run is served from source now, as one denied before it is
        if state == "verified" and not e.get("refused"):
            verified += 1
            if same:
                identical += 1
                identical_by[sites_origin(compared)] += 1
            if e.get("not_compared"):
                not_compared += 1
            elif not compared:
                no_sites += 1
        for c in compared:
            compare_seconds.append(c["source_seconds"] + c["view_seconds"])
        if state == "failed" and " declares no macro" in (ds.get("last_error") or ""):
            # not a build that went wrong: every macro of the crate is under a cfg these features do not turn on
            # (i18n-embed-impl's need fluent-system or gettext-system), and the reason says which
            state = "no macro in [default]"
        shim = st.get("shim") or {}
        shim_state = shim.get("state", "")
        if e.get("shim_error"):
            shim_state = "none: " + e["shim_error"]
        sites = "; ".join(f"{c['rdep']} (~{c['sites']}): {'yes' if c['identical'] else 'NO'}" for c in compared)
        if e.get("not_compared"):
            sites = f"not compared ({e['not_compared']})"
        elif state == "verified" and not compared:
            sites = "none" + (": " + "; ".join(f"{s['rdep']}: {s['why'].splitlines()[0]}" for s in e.get("skipped", [])[:3])
                              if e.get("skipped") else (" found (no user in the corpus; no tests, doc examples, examples/ or written call sites that call it)"
                                                        if not e.get("shim_error") else ""))
        reason = reason_of(st, ds)
        if state == "denied":
            denied.append(key)
            # the analysis only says "on the operator's deny list"; the view says who and why
            reason = shim.get("reason") or reason
        rows.append(f"| {key} | {state}{' (' + ', '.join(others) + ')' if others else ''}{', then denied on its call sites' if e.get('refused') else ''} | {md(reason, 400)} | {builds} | {wall} "
                    f"| {wasm} | {md(shim_state, 120)} | {md(sites, 500)} | {('yes' if same else 'no') if state == 'verified' and not e.get('refused') else ''} |")
        for c in compared:
            if not c["identical"]:
                diffs.append(f"### {key} on {c['rdep']}\n\n```diff\n{c.get('diff', '(empty expansion)')}\n```\n")
    subset = bool(corpus["only"])
    avg_job = sum(job_seconds) / len(job_seconds) if job_seconds else 0
    avg_cmp = sum(compare_seconds) / len(compare_seconds) if compare_seconds else 0
    out = []
    out.append("# Macro coverage on the Debian corpus (issue 13, item 5)\n")
    out.append(f"`bench/coverage/run.sh{' --only ' + ','.join(corpus['only']) if subset else ''} --max-minutes {run['max_minutes']}"
               f"{' --compare-max-minutes ' + str(run['compare_max_minutes']) if run.get('compare_max_minutes', 600) != 600 else ''}"
               f" --workers {run['workers']} --rdeps {run['rdeps']}`, commit {run['commit']}, {run['started']} → {run.get('finished', '?')}, "
               f"{run['cores']} cores.\n")
    if subset:
        out.append(f"**This is a subset run**: {len(results)} of the corpus's {len(all_macros)} proc-macro crate versions are "
                   f"reported; the other {run['denied']} macro crate names were denied (`--precompile-deny`) so the workers "
                   "built only these (and macros they depend on). `verified` and `identical` in the RESULT line count only these; "
                   "`macros` is the whole corpus.\n")
    if run.get("retried") is not None:
        out.append(f"- The {len(run['retried'])} failed job(s) of that data dir were retried at commit {run['commit']} "
                   f"(`--retry-failed`): {run.get('retry_seconds', 0) / 60:.1f} min, load {run.get('retry_load', '?')}. The states, "
                   "reasons and build times below are after the retry; the precompile wall time is the first run's.")
    if run.get("compare_only"):
        out.append(f"- Comparison rerun (`--compare-only`) at commit {run['commit']}, {run['started']}, on the data dir precompiled by "
                   f"commit {run.get('precompiled_commit', '?')} from {run.get('precompile_started', '?')} (load then "
                   f"{run.get('precompile_load_start', '?')}); the precompile times below are that run's.")
    out.append(f"- Load average (1/5/15 min): {run['load_start']} at the start, {run.get('load_end', '?')} at the end.")
    out.append(f"- `serve` options: `{run['serve_options'].strip()}` (plus `--precompile-workers {run['workers']}`"
               + (", `--precompile-deny <the other macro crates>`" if subset else "") + ").")
    timing = []
    if "import_seconds" in run:
        timing.append(f"import {run['import_seconds']} s")
    if "precompile_seconds" in run:
        timing.append(f"precompiling until the queue was empty {run['precompile_seconds'] / 60:.1f} min"
                      + (" (**time limit reached**)" if run.get("time_limit_hit") else ""))
    timing.append(f"comparison builds {run.get('compare_seconds', 0) / 60:.1f} min")
    out.append("- Wall time: " + ", ".join(timing) + f"; total {run.get('total_seconds', 0) / 60:.1f} min.")
    with open(os.path.join(os.path.dirname(a.run_json), "overview.json")) as f:
        overview = json.load(f)
    eligible = sum(1 for o in overview.values() if o["analysed"] and not o["refused_by"])
    by_rule = {}
    for o in overview.values():
        for rule in o["refused_by"]:
            by_rule[rule] = by_rule.get(rule, 0) + 1
    out.append(f"- Analysis of all {len(overview)} macro versions of the corpus, allow/deny lists aside (with these `serve` options): "
               f"{eligible} eligible (passes every check; whether it builds and verifies is what the workers find out), "
               f"{len(overview) - eligible} refused"
               + (" (" + ", ".join(f"{rule}: {n}" for rule, n in sorted(by_rule.items(), key=lambda kv: -kv[1])) + ")" if by_rule else "")
               + (f", {sum(1 for o in overview.values() if not o['analysed'])} not analysed" if any(not o["analysed"] for o in overview.values()) else "") + ".")
    if job_seconds:
        jobs_per_version = len(job_seconds) / max(1, sum(1 for e in results.values() if e["status"].get("feature_sets")
                                                          and default_set(e["status"]) and default_set(e["status"])["state"] == "verified"))
        out.append(f"- Measured: {avg_job:.0f} s per precompile job (claim to verified, both builds; {len(job_seconds)} jobs), "
                   f"{avg_cmp:.0f} s per compared crate (both expansions; {len(compare_seconds)} crates).")
        full = eligible * (avg_job * jobs_per_version + 3 * avg_cmp)
        out.append(f"- A full run would take about {full / 3600:.1f} h on this machine with one worker: {eligible} eligible versions × "
                   f"({avg_job:.0f} s × {jobs_per_version:.1f} jobs + 3 × {avg_cmp:.0f} s), plus the import; refused versions cost "
                   "nothing. Versions with more demanded feature sets, and larger dependents, make it longer.")
    if run.get("unplanned"):
        out.append(f"- Not analysed/planned when the wait ended: {', '.join(run['unplanned'])}.")
    out.append("\nColumns: *state* of the default feature set (other sets in brackets; `no macro in [default]` where the API says failed "
               "because every macro the crate declares needs a cfg (a feature) that the default set does not turn on); *reason* from the precompile API "
               "(refusal, last error, or the checks flagged on a verified crate); *build a / b* the two verification builds (s); "
               "*job* claim to verified (s); *wasm* the artifact; *shim* what the precompiled view serves; *call sites compared* "
               "crates of the corpus built twice (from `/index/` and through `/precompiled/index/`, `-Zunpretty=expanded`), with a grep "
               "estimate of the macro's call sites in each (same-named macros of other crates count too: ttrpc's `select!` are tokio's); "
               "where no crate of the corpus that uses the macro builds, up to 3 files of the macro crate's own `tests/` that call it, "
               "else of the `tests/` of a crate that re-exports it (argh's for argh_derive), "
               "built as the tests of a probe package with the dependencies they name and the features their `#![cfg(feature)]` asks for; "
               "where none of those builds, up to 10 doc examples (fenced blocks of `///`, `//!` and `#[doc]` in `src/`, pre-processed "
               "as rustdoc does; of a README not included as docs only its ```rust blocks) and `examples/` programs of the macro crate, "
               "else of a crate that re-exports it, built as `[[example]]` targets of such a probe package with the test harness "
               "(`--profile test`, so #[test] items a test macro makes stay in the expansion; an example that does not build "
               "from source is skipped); "
               "where none of those builds either, the call sites written for this benchmark in `bench/coverage/callsites/NAME-VERSION/` "
               "(programs that follow the crate's own docs, with the other crates they name), built the same way; "
               "*identical* yes when every compared expansion is byte-identical.\n")
    out.append("| macro crate | state | reason | build a / b (s) | job (s) | wasm | shim | call sites compared | identical |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    out += rows
    out.append("")
    if identical:
        out.append(f"Of the {identical} identical macro(s), {identical_by['corpus']} were compared on crates of the corpus that use "
                   f"them, {identical_by['tests']} on integration tests only (their own or a re-exporting crate's; no crate of the "
                   f"corpus that uses them built), {identical_by['doc examples']} on doc examples or examples/ programs only "
                   f"(no crate of the corpus and no integration test built) and {identical_by['written']} on call sites written for "
                   "this benchmark only (nothing of the above calls them and builds).\n")
    if no_sites:
        out.append(f"{no_sites} verified macro(s) had no call site to compare on (no crate of the corpus, integration test, doc example, "
                   "example or written call site that calls them and builds from source); they do not count as identical.\n")
    if denied:
        out.append(f"{len(denied)} macro(s) were denied when this comparison started ({', '.join(denied)}): the view serves them from "
                   "source with the reason shown, and they do not count as verified.\n")
    if not_compared:
        out.append(f"{not_compared} verified macro(s) were not compared: the comparison builds reached their time limit "
                   f"(`--compare-max-minutes {run.get('compare_max_minutes')}`); they do not count as identical.\n")
    if refused:
        out.append(f"{len(refused)} verified macro(s) were then denied on their call-site evidence (issue 13, item 2), through the admin "
                   "API with the evidence as the reason; like those denied before, they do not count as verified. What the registry says "
                   "about each now:\n")
        out += refused
        out.append("")
    if diffs:
        out.append("## Differences\n")
        out += diffs
    out.append(f"RESULT macros={len(all_macros)} verified={verified} identical={identical}")
    with open(a.out_md, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("scan")
    s.add_argument("corpus")
    s.add_argument("out")
    s.add_argument("--only")
    s = sub.add_parser("deny")
    s.add_argument("corpus_json")
    for name in ("wait", "compare", "retry", "refuse"):
        s = sub.add_parser(name)
        s.add_argument("url")
        s.add_argument("token")
        s.add_argument("corpus_json")
        s.add_argument("run_json")
        s.add_argument("--max-minutes", type=int, default=600)
        s.add_argument("--work")
        s.add_argument("--rdeps", type=int, default=3)
    s = sub.add_parser("rejudge")
    s.add_argument("run_json")
    s = sub.add_parser("report")
    s.add_argument("run_json")
    s.add_argument("corpus_json")
    s.add_argument("out_md")
    a = p.parse_args()
    {"scan": cmd_scan, "deny": cmd_deny, "wait": cmd_wait, "compare": cmd_compare, "retry": cmd_retry, "rejudge": cmd_rejudge, "refuse": cmd_refuse, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
