//! Every kernel ABI constant the safe layer names (`IORING_*`, `IOSQE_*`, `IOU_*`,
//! `IO_URING_*`, `SOCKET_URING_*`) must build against every liburing release, 0.1 included: either
//! `wrapper.h`'s table of fallbacks provides it where the header lacks it, or the code that
//! names it is gated on it (`#[cfg(liburing_has = "NAME")]`). And it is defined there only:
//! a `const IORING_...` of the safe crate's own would be a second table.
//!
//! This reads the sources (`src/**/*.rs`) rather than listing today's uses, so a constant
//! added tomorrow is held to the same rule. Code is read with a small lexer: comments and
//! string literals do not count, attributes gate what follows them up to the end of that
//! item or statement, inner attributes (`#![cfg]`) the rest of their block.

#[path = "../liburing-sys/build/fallbacks.rs"]
#[allow(dead_code)]
mod fallbacks;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ABI_PREFIXES: &[&str] = &["IORING_", "IOSQE_", "IOU_", "IO_URING_", "SOCKET_URING_"];

fn is_abi_name(s: &str) -> bool {
    ABI_PREFIXES
        .iter()
        .any(|p| s.len() > p.len() && s.starts_with(p))
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Tokens with their line, without comments; string and char literals are one token.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let bump_lines =
        |s: &[char], line: &mut usize| *line += s.iter().filter(|&&c| c == '\n').count();
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            let (mut depth, start) = (0usize, i);
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            bump_lines(&b[start..i], &mut line);
        } else if c == '"' || ((c == 'b' || c == 'c') && b.get(i + 1) == Some(&'"')) {
            let start = i;
            i += if c == '"' { 1 } else { 2 };
            let mut s = String::new();
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    s.push(b[i]);
                    i += 1;
                }
                s.push(b[i]);
                i += 1;
            }
            i += 1;
            bump_lines(&b[start..i.min(b.len())], &mut line);
            out.push((Tok::Str(s), line));
        } else if (c == 'r' || (c == 'b' && b.get(i + 1) == Some(&'r')))
            && matches!(b.get(i + 1 + usize::from(c == 'b')), Some('"' | '#'))
        {
            // Raw string: r"..." or r#"..."#.
            let start = i;
            i += 1 + usize::from(c == 'b');
            let mut hashes = 0;
            while b.get(i) == Some(&'#') {
                hashes += 1;
                i += 1;
            }
            i += 1; // the opening quote
            let body = i;
            loop {
                if i >= b.len() {
                    break;
                }
                if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
                    break;
                }
                i += 1;
            }
            let s: String = b[body..i.min(b.len())].iter().collect();
            i += 1 + hashes;
            bump_lines(&b[start..i.min(b.len())], &mut line);
            out.push((Tok::Str(s), line));
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if b.get(i + 1) == Some(&'\\') {
                i += 3; // the quote, the backslash and the escaped character
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(b[start..i].iter().collect()), line));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_' || b[i] == '.') {
                if b[i] == '.' && !b.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                    break;
                }
                i += 1;
            }
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// The names an attribute's tokens gate on: `liburing_has = "X"` inside `cfg(...)`, not
/// under `not(...)` or `any(...)` (those do not promise X).
fn gates(attr: &[(Tok, usize)]) -> Vec<String> {
    if attr.first().map(|t| &t.0) != Some(&Tok::Ident("cfg".into())) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Depths at which a not(/any( opened.
    let mut negated: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    for (k, (t, _)) in attr.iter().enumerate() {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                if negated.last() == Some(&depth) {
                    negated.pop();
                }
                depth -= 1;
            }
            Tok::Ident(w) if (w == "not" || w == "any") => {
                negated.push(depth + 1);
            }
            Tok::Ident(w) if w == "liburing_has" && negated.is_empty() => {
                if let (Some((Tok::Punct('='), _)), Some((Tok::Str(s), _))) =
                    (attr.get(k + 1), attr.get(k + 2))
                {
                    out.push(s.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// One gate in force: its names, the nesting depth it was opened at, whether it is an inner
/// attribute (to the end of the block) and whether its item's body has been entered.
struct Gate {
    names: Vec<String>,
    depth: usize,
    inner: bool,
    entered_block: bool,
}

#[derive(Debug)]
struct Finding {
    file: PathBuf,
    line: usize,
    what: String,
}

fn scan(file: &Path, src: &str, fallbacks: &BTreeSet<String>, found: &mut Vec<Finding>) {
    let toks = lex(src);
    let mut gates_in_force: Vec<Gate> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let (t, line) = &toks[i];
        // An attribute: #[...] or #![...]
        if *t == Tok::Punct('#') {
            let inner = toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Punct('!'));
            let open = i + 1 + usize::from(inner);
            if toks.get(open).map(|t| &t.0) == Some(&Tok::Punct('[')) {
                let mut d = 0;
                let mut end = open;
                for (k, (t, _)) in toks.iter().enumerate().skip(open) {
                    match t {
                        Tok::Punct('[') => d += 1,
                        Tok::Punct(']') => {
                            d -= 1;
                            if d == 0 {
                                end = k;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let names = gates(&toks[open + 1..end]);
                if !names.is_empty() {
                    gates_in_force.push(Gate {
                        names,
                        depth,
                        inner,
                        entered_block: false,
                    });
                }
                i = end + 1;
                continue;
            }
        }
        match t {
            Tok::Punct('{' | '(' | '[') => {
                for g in gates_in_force.iter_mut() {
                    if !g.inner && g.depth == depth && *t == Tok::Punct('{') {
                        g.entered_block = true;
                    }
                }
                depth += 1;
            }
            Tok::Punct('}' | ')' | ']') => {
                depth = depth.saturating_sub(1);
                let next_is_else =
                    matches!(toks.get(i + 1), Some((Tok::Ident(w), _)) if w == "else");
                gates_in_force.retain(|g| {
                    if depth < g.depth {
                        return false; // the enclosing block closed
                    }
                    // An outer attribute's item ends with its block (`if .. {} else {}` goes on).
                    g.inner
                        || !(g.depth == depth
                            && g.entered_block
                            && *t == Tok::Punct('}')
                            && !next_is_else)
                });
            }
            Tok::Punct(';' | ',') => {
                gates_in_force.retain(|g| g.inner || g.depth != depth);
            }
            Tok::Ident(w) if w == "const" => {
                if let Some((Tok::Ident(name), line)) = toks.get(i + 1) {
                    if is_abi_name(name) {
                        found.push(Finding {
                            file: file.to_path_buf(),
                            line: *line,
                            what: format!(
                                "defines its own {name}: kernel ABI values belong in wrapper.h's table of fallbacks"
                            ),
                        });
                        i += 2;
                        continue;
                    }
                }
            }
            Tok::Ident(w) if is_abi_name(w) => {
                let gated = gates_in_force
                    .iter()
                    .any(|g| g.names.iter().any(|n| n == w));
                if !fallbacks.contains(w) && !gated {
                    found.push(Finding {
                        file: file.to_path_buf(),
                        line: *line,
                        what: format!(
                            "names {w}, which has no fallback in wrapper.h and no #[cfg(liburing_has = \"{w}\")] gate"
                        ),
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fallback_table() -> BTreeSet<String> {
    let wrapper = std::fs::read_to_string(root().join("wrapper.h")).unwrap();
    fallbacks::names(&wrapper)
        .into_iter()
        .filter(|n| is_abi_name(n))
        .collect()
}

fn findings_in(src: &str) -> Vec<String> {
    let mut found = Vec::new();
    scan(Path::new("t.rs"), src, &fallback_table(), &mut found);
    found
        .into_iter()
        .map(|f| format!("{}: {}", f.line, f.what))
        .collect()
}

#[test]
fn every_abi_constant_of_the_safe_layer_has_a_fallback_or_a_gate() {
    let table = fallback_table();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    assert!(files.len() > 10, "src/ not found from {}", root().display());
    let mut found = Vec::new();
    for f in &files {
        scan(f, &std::fs::read_to_string(f).unwrap(), &table, &mut found);
    }
    let report: Vec<String> = found
        .iter()
        .map(|f| {
            format!(
                "  {}:{}: {}",
                f.file.strip_prefix(root()).unwrap_or(&f.file).display(),
                f.line,
                f.what
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "the safe layer would not build against every liburing release (add the value to \
         wrapper.h's fallbacks, or gate the code on the constant):\n{}",
        report.join("\n")
    );
}

/// The value a fallback line gives: `(1U << 5)`, `16U`, `(~0U)`, `(-2)`, `enum { X = 56 };`.
fn fallback_value(text: &str) -> Option<i64> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.trim_start_matches('(').trim_end_matches(')');
    let num = |s: &str| -> Option<i64> { s.trim_end_matches(['U', 'L']).parse().ok() };
    if let Some((a, b)) = t.split_once("<<") {
        return Some(num(a)? << num(b)?);
    }
    if t == "~0U" {
        return Some(i64::from(u32::MAX));
    }
    num(t)
}

/// (name, value) of every fallback in wrapper.h.
fn fallback_values() -> Vec<(String, i64)> {
    let wrapper = std::fs::read_to_string(root().join("wrapper.h")).unwrap();
    let mut out = Vec::new();
    for line in wrapper.lines().map(str::trim) {
        let (name, value) = if let Some(d) = line.strip_prefix("#define ") {
            let Some((n, v)) = d.split_once(char::is_whitespace) else {
                continue;
            };
            (n, v)
        } else if let Some(e) = line.strip_prefix("enum {") {
            let Some((n, v)) = e.trim_end_matches("};").split_once('=') else {
                continue;
            };
            (n.trim(), v)
        } else {
            continue;
        };
        if is_abi_name(name) {
            let v =
                fallback_value(value).unwrap_or_else(|| panic!("{name}: cannot read {value:?}"));
            out.push((name.to_owned(), v));
        }
    }
    out
}

#[test]
fn every_fallback_has_the_kernel_value() {
    // Wherever the installed header has the name, its value is the kernel's: the fallback
    // must say the same (CI's liburing 2.15 leg has them all).
    let values = fallback_values();
    assert_eq!(
        values.len(),
        fallback_table().len(),
        "a fallback whose value was not read"
    );
    // The bindings hold the fallback itself where the header lacks the name: compare only
    // the names the header's own text has.
    let header = Path::new(system_liburing::sys::LIBURING_HEADER);
    let mut text = std::fs::read_to_string(header).unwrap();
    for f in std::fs::read_dir(header.with_file_name("liburing"))
        .unwrap()
        .flatten()
    {
        text.push_str(&std::fs::read_to_string(f.path()).unwrap_or_default());
    }
    let mut compared = 0;
    for (name, value) in &values {
        if !fallbacks::has_word(&text, name) {
            continue;
        }
        if let Some((_, header)) = system_liburing::sys::CONSTANTS
            .iter()
            .find(|(n, _)| n == name)
        {
            // Bit patterns of 32 bits: `(~0U)` reads as -1 from bindgen and 4294967295 here.
            let same = value == header
                || (value >> 32 == 0 || value >> 32 == -1)
                    && (header >> 32 == 0 || header >> 32 == -1)
                    && *value as u32 == *header as u32;
            assert!(same, "wrapper.h's {name} is {value}, the header's {header}");
            compared += 1;
        }
    }
    eprintln!(
        "{compared} of {} fallbacks compared with liburing {}'s header",
        values.len(),
        system_liburing::sys::LIBURING_VERSION
    );
}

#[test]
fn the_table_is_read() {
    let table = fallback_table();
    // One of each form: a macro (#ifndef NAME) and an enumerator (#ifndef URING_HAVE_NAME).
    assert!(table.contains("IORING_SQ_CQ_OVERFLOW"), "{table:?}");
    assert!(table.contains("IORING_OP_NOP"), "{table:?}");
}

#[test]
fn the_scanner_sees_uses_gates_and_second_tables() {
    // A name that cannot be in the table.
    let bad = "IORING_OP_NOT_A_REAL_OPCODE";
    let f = findings_in(&format!("fn f() -> u32 {{ sys::{bad} }}"));
    assert_eq!(f.len(), 1, "{f:?}");
    // Comments, doc comments, strings and raw strings do not count.
    assert!(findings_in(&format!(
        "/// {bad}\n// {bad}\n/* {bad} /* nested */ */ fn f() {{ let _ = \"{bad}\"; let _ = r#\"{bad}\"#; let _ = '\"'; }}"
    ))
    .is_empty());
    // A gate on the constant covers its item, and only that item.
    let gated = format!(
        "#[cfg(all(unix, liburing_has = \"{bad}\"))]\nfn f() -> u32 {{ if x {{ sys::{bad} }} else {{ sys::{bad} }} }}\nfn g() -> u32 {{ sys::{bad} }}"
    );
    assert_eq!(findings_in(&gated), ["3: names IORING_OP_NOT_A_REAL_OPCODE, which has no fallback in wrapper.h and no #[cfg(liburing_has = \"IORING_OP_NOT_A_REAL_OPCODE\")] gate"]);
    // A statement gate ends at its semicolon.
    let stmt = format!(
        "fn f() {{\n#[cfg(liburing_has = \"{bad}\")]\nlet a = sys::{bad};\nlet b = sys::{bad};\n}}"
    );
    assert_eq!(findings_in(&stmt).len(), 1);
    assert!(findings_in(&stmt)[0].starts_with("4:"));
    // not(...) and any(...) promise nothing; a gate on another name neither.
    for cfg in [
        format!("not(liburing_has = \"{bad}\")"),
        format!("any(unix, liburing_has = \"{bad}\")"),
        "liburing_has = \"io_uring_prep_nop\"".to_owned(),
    ] {
        assert_eq!(
            findings_in(&format!("#[cfg({cfg})]\nfn f() -> u32 {{ sys::{bad} }}")).len(),
            1,
            "{cfg}"
        );
    }
    // An inner attribute gates the rest of its module.
    assert!(findings_in(&format!("#![cfg(liburing_has = \"{bad}\")]\nfn f() -> u32 {{ sys::{bad} }}\nfn g() -> u32 {{ {bad} }}")).is_empty());
    // A constant of the crate's own with an ABI name is a second table.
    let f = findings_in("const IORING_REGISTER_FILES: u32 = 2;");
    assert!(
        f[0].contains("defines its own IORING_REGISTER_FILES"),
        "{f:?}"
    );
    // Names with a fallback are fine anywhere.
    assert!(findings_in("fn f() -> u32 { sys::IORING_SQ_CQ_OVERFLOW }").is_empty());
}
