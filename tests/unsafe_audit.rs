//! The `unsafe` audit stays complete: every `unsafe` block, `unsafe impl`, `unsafe fn`,
//! `unsafe trait` (and `unsafe extern` / `#[unsafe(..)]`) in `src/` and `liburing-sys/src/`
//! must be listed in `docs/unsafe-audit.md` under its file and enclosing item, with the
//! right count; every `unsafe` block and `unsafe impl` must have a `SAFETY` comment within
//! the 4 lines before it. Rows are matched by (file, item, kind) and counted, so the test
//! does not care about line numbers.
//!
//! Every audited file is accounted for: it has rows, or the document lists it under "Files
//! with no `unsafe`"; every row has a reason.
//!
//! `UNSAFE_AUDIT_PRINT=1 cargo test --test unsafe_audit -- --nocapture` prints the table
//! the code has now, paste-ready: documented rows with the document's reason, new ones
//! with the code's SAFETY comment (marked NEW) to start from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// (file, item, kind)
type Key = (String, String, String);

#[derive(Debug)]
struct Site {
    line: usize,
    reason: String,
    has_safety: bool,
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The source with comments, strings and char literals blanked out (same line structure).
fn code_only(src: &str) -> Vec<String> {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut block_depth = 0usize;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or('\0');
        if block_depth > 0 {
            if c == '*' && next == '/' {
                block_depth -= 1;
                out.push_str("  ");
                i += 2;
            } else if c == '/' && next == '*' {
                block_depth += 1;
                out.push_str("  ");
                i += 2;
            } else {
                out.push(if c == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            continue;
        }
        if c == '/' && next == '/' {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        if c == '/' && next == '*' {
            block_depth = 1;
            out.push_str("  ");
            i += 2;
            continue;
        }
        // Raw strings r"..", r#".."#, br".."
        if (c == 'r' || (c == 'b' && next == 'r')) && (i == 0 || !is_ident(b[i - 1])) {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while j < b.len() && b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            if j < b.len() && b[j] == '"' {
                let start = i;
                j += 1;
                loop {
                    if j >= b.len() {
                        break;
                    }
                    if b[j] == '"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                for &ch in &b[start..j.min(b.len())] {
                    out.push(if ch == '\n' { '\n' } else { ' ' });
                }
                i = j;
                continue;
            }
        }
        if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(if b[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
            continue;
        }
        if c == '\'' {
            // char literal ('x', '\n', '\u{..}') or a lifetime ('a)
            if next == '\\' {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                for _ in i..=j.min(b.len() - 1) {
                    out.push(' ');
                }
                i = j + 1;
                continue;
            }
            if b.get(i + 2) == Some(&'\'') {
                out.push_str("   ");
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out.split('\n').map(str::to_owned).collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn tokens(line: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_ident(c) {
            let s = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            out.push((s, chars[s..i].iter().collect()));
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push((i, c.to_string()));
            i += 1;
        }
    }
    out
}

/// Every `unsafe` in one file: key -> sites.
fn scan(rel: &str, src: &str, found: &mut BTreeMap<Key, Vec<Site>>) {
    let orig: Vec<&str> = src.split('\n').collect();
    let code = code_only(src);
    let all: Vec<(usize, String)> = code
        .iter()
        .enumerate()
        .flat_map(|(ln, l)| tokens(l).into_iter().map(move |(_, t)| (ln, t)))
        .collect();
    // Scope stack: names of `{` scopes (None = anonymous).
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut pending: Option<(String, usize)> = None; // (name, line it was set on)
    let mut last_op: Option<String> = None;
    let mut prev_line = usize::MAX;
    // Depth of `(` / `[` nesting.
    let mut nest = 0i32;
    for (k, (ln, tok)) in all.iter().enumerate() {
        let ln = *ln;
        let next = all.get(k + 1).map(|(_, t)| t.as_str()).unwrap_or("");
        let next_ln = all.get(k + 1).map(|(l, _)| *l).unwrap_or(usize::MAX);
        if ln != prev_line {
            // An op of the define_ops! table starts a line: `Name(` or `Name<B: ..>(`.
            if tok.chars().next().is_some_and(char::is_uppercase)
                && (next == "(" || next == "<")
                && next_ln == ln
                && code[ln].trim_start().starts_with(tok.as_str())
            {
                last_op = Some(tok.clone());
            }
            // Pseudo-fns of the op table (`prepare(..) {`, `complete(..) -> T {`).
            if (tok == "prepare" || tok == "complete")
                && next == "("
                && code[ln].trim_start().starts_with(tok.as_str())
                && code[ln].trim_end().ends_with('{')
            {
                let op = last_op.clone().unwrap_or_else(|| "?".into());
                pending = Some((format!("{op}::{tok}"), ln));
            }
            prev_line = ln;
        }
        match tok.as_str() {
            "fn" if is_ident(next.chars().next().unwrap_or(' ')) => {
                pending = Some((format!("fn {next}"), ln));
            }
            "impl" => {
                // `impl<..> Trait for Type<..> {` -> "impl Trait for Type"
                let mut words = Vec::new();
                let mut depth = 0i32;
                for (_, t) in &all[k + 1..] {
                    match t.as_str() {
                        "<" => depth += 1,
                        ">" => depth -= 1,
                        "{" | ";" | "where" if depth <= 0 => break,
                        _ if depth == 0 => words.push(t.clone()),
                        _ => {}
                    }
                }
                pending = Some((format!("impl {}", join_tokens(&words)), ln));
            }
            "trait" | "mod" if is_ident(next.chars().next().unwrap_or(' ')) => {
                pending = Some((format!("{tok} {next}"), ln));
            }
            "{" => stack.push(pending.take().map(|(n, _)| n)),
            "}" => {
                stack.pop();
            }
            "(" | "[" => nest += 1,
            ")" | "]" => nest -= 1,
            // An item ends at a `;` outside brackets (`[u32; 2]` in a signature does not).
            ";" if nest <= 0 => {
                pending = None;
            }
            "unsafe" => {
                let kind = match next {
                    "{" => "block",
                    "impl" => "impl",
                    "fn" => "fn",
                    "trait" => "trait",
                    "extern" => "extern",
                    "(" => "attribute",
                    _ => "other",
                };
                let item = match kind {
                    "impl" | "fn" | "trait" => {
                        // The item declared right here (the scanner sets `pending` when it
                        // reaches the keyword): compute it now from the following tokens.
                        let after = &all[k + 1..];
                        match kind {
                            "fn" | "trait" => format!("{kind} {}", after[1].1),
                            _ => {
                                let mut words = Vec::new();
                                let mut depth = 0i32;
                                for (_, t) in &after[1..] {
                                    match t.as_str() {
                                        "<" => depth += 1,
                                        ">" => depth -= 1,
                                        "{" | ";" | "where" if depth <= 0 => break,
                                        _ if depth == 0 => words.push(t.clone()),
                                        _ => {}
                                    }
                                }
                                format!("impl {}", join_tokens(&words))
                            }
                        }
                    }
                    _ => {
                        let fnish = stack.iter().rev().flatten().find(|n| {
                            n.starts_with("fn ")
                                || n.contains("::prepare")
                                || n.contains("::complete")
                        });
                        let any = stack.iter().rev().flatten().next();
                        fnish
                            .or(any)
                            .cloned()
                            .unwrap_or_else(|| "<top level>".into())
                    }
                };
                // SAFETY comment: this line or the 4 before it.
                let from = ln.saturating_sub(4);
                let window = &orig[from..=ln];
                let has_safety = window.iter().any(|l| l.contains("SAFETY"));
                let reason = safety_text(&orig, ln);
                found
                    .entry((rel.to_owned(), item, kind.to_owned()))
                    .or_default()
                    .push(Site {
                        line: ln + 1,
                        reason,
                        has_safety,
                    });
            }
            _ => {}
        }
    }
}

/// Tokens back to text: a space only between two words (`std::marker::Send for &'static[u8]`).
fn join_tokens(words: &[String]) -> String {
    let mut s = String::new();
    for w in words {
        let word = |x: &str| x.chars().next().is_some_and(is_ident);
        if s.chars().last().is_some_and(is_ident) && (word(w) || w == "&") {
            s.push(' ');
        }
        s.push_str(w);
    }
    s
}

/// The SAFETY comment before line `ln` (joined), for the printed table.
fn safety_text(orig: &[&str], ln: usize) -> String {
    let from = ln.saturating_sub(6);
    let mut text = Vec::new();
    let mut on = false;
    for l in &orig[from..=ln] {
        let t = l.trim();
        if let Some(i) = t.find("SAFETY") {
            on = true;
            text.clear();
            text.push(
                t[i..]
                    .trim_start_matches("SAFETY")
                    .trim_start_matches(':')
                    .trim()
                    .to_owned(),
            );
            continue;
        }
        if on {
            if let Some(rest) = t.strip_prefix("//") {
                text.push(rest.trim().to_owned());
            } else {
                on = false;
            }
        }
    }
    text.join(" ").replace('|', "\\|")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scan_all() -> BTreeMap<Key, Vec<Site>> {
    let mut found = BTreeMap::new();
    for rel in audited_files() {
        let src = std::fs::read_to_string(root().join(&rel)).unwrap();
        scan(&rel, &src, &mut found);
    }
    found
}

/// Every `.rs` file the audit covers, relative to the workspace root.
fn audited_files() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["src", "liburing-sys/src"] {
        let mut files = Vec::new();
        rs_files(&root().join(dir), &mut files);
        out.extend(files.iter().map(|f| {
            f.strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        }));
    }
    out
}

/// A row of the audit table: its count and its reason.
struct Row {
    count: usize,
    reason: String,
}

/// The audit document: the table's rows (| `file` | `item` | kind | count | reason |), and
/// the files listed under "Files with no `unsafe`" (`* `file`: why`).
struct Doc {
    rows: BTreeMap<Key, Row>,
    no_unsafe: Vec<String>,
}

fn documented() -> Doc {
    let doc = std::fs::read_to_string(root().join("docs/unsafe-audit.md"))
        .expect("docs/unsafe-audit.md exists");
    let mut rows = BTreeMap::new();
    let mut no_unsafe = Vec::new();
    let mut in_no_unsafe = false;
    for line in doc.lines() {
        if line.starts_with("## ") {
            in_no_unsafe = line.starts_with("## Files with no `unsafe`");
            continue;
        }
        if in_no_unsafe {
            if let Some(rest) = line.strip_prefix("* `") {
                let file = rest.split('`').next().unwrap_or("");
                no_unsafe.push(file.to_owned());
            }
            continue;
        }
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        // ["", file, item, kind, count, reason..., ""]
        if cols.len() < 7 {
            continue;
        }
        let file = cols[1].trim_matches('`');
        if !(file.starts_with("src/") || file.starts_with("liburing-sys/src/")) {
            continue;
        }
        let item = cols[2].trim_matches('`').to_owned();
        let kind = cols[3].to_owned();
        let count: usize = cols[4]
            .parse()
            .unwrap_or_else(|_| panic!("bad count in row: {line}"));
        // A reason may contain escaped pipes (`\|`): everything up to the closing `|`.
        let reason = cols[5..cols.len() - 1].join("|").trim().to_owned();
        let prev = rows.insert((file.to_owned(), item, kind), Row { count, reason });
        assert!(
            prev.is_none(),
            "duplicate row in docs/unsafe-audit.md: {line}"
        );
    }
    Doc { rows, no_unsafe }
}

#[test]
fn every_unsafe_is_documented_and_justified() {
    let found = scan_all();
    let doc = documented();
    if std::env::var_os("UNSAFE_AUDIT_PRINT").is_some() {
        // Paste-ready: a documented row keeps the document's reason; a new one shows the
        // code's SAFETY comment (marked NEW) as a starting point.
        println!("| File | Item | Kind | Count | Reason |");
        println!("|---|---|---|---|---|");
        for (key, sites) in &found {
            let (file, item, kind) = key;
            let reason = match doc.rows.get(key) {
                Some(row) => row.reason.clone(),
                None => {
                    let mut reasons: Vec<&str> = sites.iter().map(|s| s.reason.as_str()).collect();
                    reasons.dedup();
                    format!("NEW (from the code): {}", reasons.join(" / "))
                }
            };
            println!(
                "| `{file}` | `{item}` | {kind} | {} | {reason} |",
                sites.len()
            );
        }
    }
    let mut problems = Vec::new();
    for ((file, item, kind), sites) in &found {
        match doc.rows.get(&(file.clone(), item.clone(), kind.clone())) {
            None => problems.push(format!(
                "{file}: `{item}` has {} unsafe {kind}(s) (line {}) not listed in docs/unsafe-audit.md",
                sites.len(),
                sites[0].line
            )),
            Some(row) if row.count != sites.len() => problems.push(format!(
                "{file}: `{item}`: {} unsafe {kind}(s) in the code, {} in docs/unsafe-audit.md",
                sites.len(),
                row.count
            )),
            Some(_) => {}
        }
        if kind == "block" || kind == "impl" {
            for s in sites.iter().filter(|s| !s.has_safety) {
                problems.push(format!(
                    "{file}:{}: unsafe {kind} in `{item}` without a `// SAFETY:` comment in the 4 lines before it",
                    s.line
                ));
            }
        }
    }
    for ((file, item, kind), row) in &doc.rows {
        if !found.contains_key(&(file.clone(), item.clone(), kind.clone())) {
            problems.push(format!(
                "docs/unsafe-audit.md lists {file}: `{item}` ({kind}), which has no unsafe any more"
            ));
        }
        if row.reason.len() < 10 {
            problems.push(format!(
                "docs/unsafe-audit.md: {file}: `{item}` ({kind}) has no reason"
            ));
        }
    }
    // Every audited file is accounted for: rows in the table, or listed as having none.
    for file in audited_files() {
        let has_rows = found.keys().any(|(f, _, _)| *f == file);
        let listed = doc.no_unsafe.contains(&file);
        match (has_rows, listed) {
            (false, false) => problems.push(format!(
                "{file} has no unsafe: list it under \"Files with no `unsafe`\" in docs/unsafe-audit.md"
            )),
            (true, true) => problems.push(format!(
                "{file} has unsafe but docs/unsafe-audit.md lists it under \"Files with no `unsafe`\""
            )),
            _ => {}
        }
    }
    for file in &doc.no_unsafe {
        if !root().join(file).is_file() {
            problems.push(format!(
                "docs/unsafe-audit.md lists {file} under \"Files with no `unsafe`\", which does not exist"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "unsafe audit out of date ({} problem(s)):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn the_scanner_sees_what_it_should() {
    // A self-check of the scanner on a synthetic file, so that a scanner bug cannot make the
    // audit pass vacuously.
    let src = r#"
/// doc: unsafe { not code }
fn a() {
    let s = "unsafe { in a string }";
    // SAFETY: reason one.
    unsafe { x() };
    let c = '{';
}
// SAFETY: sendable.
unsafe impl Send for Foo<T> {}
impl Bar {
    pub unsafe fn b(&self) {
        let y = 1;
        let z = 2;
        let w = 3;
        let v = 4;
        let u = 5;
        unsafe { y() }
    }
}
"#;
    let mut found = BTreeMap::new();
    scan("src/x.rs", src, &mut found);
    let keys: Vec<_> = found
        .iter()
        .map(|((_, i, k), s)| (i.as_str(), k.as_str(), s.len(), s[0].has_safety))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("fn a", "block", 1, true),
            ("fn b", "block", 1, false),
            ("fn b", "fn", 1, true),
            ("impl Send for Foo", "impl", 1, true),
        ]
    );
}
