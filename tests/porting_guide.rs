//! The porting guide names every function the installed liburing defines or exports, and
//! for every prep helper the op's constructor and output as the sources declare them.

mod common;

use system_liburing::sys;

fn guide() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/porting.md")).unwrap()
}

fn guide_names() -> std::collections::BTreeSet<String> {
    guide()
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn guide_covers_the_installed_header() {
    let guide = guide_names();
    let header: Vec<&str> = sys::INLINE_FUNCTIONS
        .iter()
        .chain(sys::LIBRARY_FUNCTIONS)
        .chain(sys::UNEXPORTED_FUNCTIONS)
        .copied()
        .collect();
    let missing: Vec<&str> = header
        .iter()
        .copied()
        .filter(|n| !guide.contains(*n))
        .collect();
    if sys::LIBURING_VERSION == "2.3" {
        assert!(
            missing.is_empty(),
            "docs/porting.md lacks {} functions: {missing:?}",
            missing.len()
        );
        assert!(
            guide.len() >= 159,
            "2.3 has 159 functions; the guide lists {}",
            guide.len()
        );
    } else if !missing.is_empty() {
        common::skip(
            "porting guide coverage",
            format_args!(
                "the guide documents liburing 2.3; liburing {} adds {} functions it does not list yet",
                sys::LIBURING_VERSION,
                missing.len()
            ),
        );
    }
}

/// One entry of the op table as its family file declares it: the constructor's parameters
/// and what the op completes with.
struct Entry {
    name: String,
    params: Vec<(String, String)>,
    output: String,
}

/// `std::io::Result` -> `io::Result`, `crate::register::BufGuard` -> `BufGuard`: the names a
/// reader of the guide sees in the API docs.
fn plain(ty: &str) -> String {
    ty.replace("std::", "")
        .replace("crate::register::", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits at the commas outside any `<>`, `()` or `[]`.
fn split_top(s: &str) -> Vec<String> {
    let (mut out, mut depth, mut cur) = (Vec::new(), 0i32, String::new());
    for ch in s.chars() {
        match ch {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_owned());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

/// Where the bracket already open at the start of `s` closes.
fn closing(s: &str, open: char, close: char) -> usize {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    panic!("unbalanced {open}{close} in {s:?}")
}

/// Every `define_ops!` entry of `src/op`, by op name (including ops the linked liburing
/// lacks, which the catalogue lists too; an op that shares its helper with another, such
/// as `TimeoutMulti`, has its own entry).
fn source_entries() -> std::collections::BTreeMap<String, Entry> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/op");
    let mut entries = std::collections::BTreeMap::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(rest) = line.strip_prefix("[\"io_uring_prep_") else {
                continue;
            };
            let helper = format!("io_uring_prep_{}", rest.split('"').next().unwrap());
            // `Name<G: Bound, ...>(param: Type, ...) {`
            let head = lines[i + 1];
            let name: String = head
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after_generics = match head[name.len()..].strip_prefix('<') {
                Some(g) => &g[closing(g, '<', '>') + 1..],
                None => &head[name.len()..],
            };
            let inner = after_generics
                .strip_prefix('(')
                .unwrap_or_else(|| panic!("{}: cannot read the entry of {helper}", path.display()));
            let params = split_top(&inner[..closing(inner, '(', ')')])
                .into_iter()
                .map(|p| {
                    let (n, t) = p.split_once(':').unwrap();
                    (n.trim().to_owned(), plain(t))
                })
                .collect();
            let complete = lines[i..]
                .iter()
                .find_map(|l| l.strip_prefix("complete(").filter(|_| l.contains("->")))
                .unwrap_or_else(|| panic!("{helper}: no complete"));
            let output = complete.split_once("->").unwrap().1;
            let output = plain(output.trim().rsplit_once('{').unwrap().0);
            entries.insert(
                name.clone(),
                Entry {
                    name,
                    params,
                    output,
                },
            );
        }
    }
    entries
}

impl Entry {
    /// `op::Read::new(fd, buf, offset)`
    fn call(&self) -> String {
        let names: Vec<&str> = self.params.iter().map(|(n, _)| n.as_str()).collect();
        format!("op::{}::new({})", self.name, names.join(", "))
    }

    /// What `finish` hands back, with each value the op was given named as its parameter:
    /// `(io::Result<usize>, fd, buf)`.
    fn output(&self) -> String {
        let Some(tuple) = self
            .output
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
        else {
            return self.output.clone();
        };
        let parts: Vec<String> = split_top(tuple)
            .into_iter()
            .map(|part| {
                let given: Vec<&str> = self
                    .params
                    .iter()
                    .filter(|(_, t)| *t == part)
                    .map(|(n, _)| n.as_str())
                    .collect();
                match given[..] {
                    [one] => one.to_owned(),
                    _ => part,
                }
            })
            .collect();
        format!("({})", parts.join(", "))
    }
}

/// Each prep helper's row names its op — the guide cannot go on saying "not in the safe
/// vocabulary" about a helper that has one (the catalogue includes ops the linked liburing
/// lacks) — with the constructor's parameters as it takes them now, in order, and what the
/// op hands back (the result, then the values it held), so a port written from the guide
/// compiles: `` `op::Read::new(fd, buf, offset)` → `(io::Result<usize>, fd, buf)` ``.
#[test]
fn guide_names_the_op_of_every_prep_helper() {
    let text = guide();
    let entries = source_entries();
    let ops = system_liburing::op::catalogue();
    assert_eq!(
        entries.len(),
        ops.len(),
        "one table entry per catalogued op"
    );
    let mut wrong = Vec::new();
    for op in ops {
        let e = &entries[op.name];
        let want = format!("`{}` → `{}`", e.call(), e.output());
        let row = format!("| `{}` |", op.helper);
        match text.lines().find(|l| l.starts_with(&row)) {
            Some(l) if l.contains(&want) => {}
            Some(_) => wrong.push(format!("{}: row does not say {want}", op.helper)),
            None => wrong.push(format!("{}: no row", op.helper)),
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/porting.md rows that do not give the op's call and output:\n  {}",
        wrong.join("\n  ")
    );
}

/// The "Flag words" section names every allowlist an op checks its flag words against
/// (each `pub const` of `src/op`).
#[test]
fn guide_names_every_flag_allowlist() {
    let text = guide();
    let section = text
        .split("\n## Flag words")
        .nth(1)
        .expect("docs/porting.md has a \"Flag words\" section");
    let section = section.split("\n## ").next().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/op");
    let mut consts = Vec::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for l in text.lines() {
            if let Some(rest) = l.strip_prefix("pub const ") {
                consts.push(rest.split(':').next().unwrap().trim().to_owned());
            }
        }
    }
    assert!(consts.len() >= 30, "found only {consts:?}");
    let missing: Vec<&String> = consts
        .iter()
        .filter(|c| !section.contains(&format!("`op::{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "the Flag words section does not name {missing:?}"
    );
}

/// Spellings of the API before the op model of issue 12 stay out of the guide.
#[test]
fn guide_has_no_retired_api() {
    let text = guide();
    for old in [
        ".fixed_file()",
        "op::FILE_INDEX_ALLOC",
        ".flags(SqeFlags",
        "(`-1` empties a slot)",
        "with `libc::AT_FDCWD`",
    ] {
        assert!(!text.contains(old), "docs/porting.md still says {old:?}");
    }
}
