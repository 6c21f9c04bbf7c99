//! `docs/soundness.md` has a "Per op" row for every op of `op::catalogue()`, and the rows
//! stay true to the op table's sources: each op's row names the allowlists its entry in
//! `src/op/*.rs` checks against, names no allowlist that does not exist, and marks the op
//! (u) exactly when its entry is `unmanaged`.

use std::collections::{BTreeMap, BTreeSet};

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/soundness.md")).unwrap()
}

/// One row of the "Per op" section: whether it is marked (u), and its text.
struct Row {
    unmanaged: bool,
    text: String,
}

/// The rows of the "Per op" section, by op name.
fn rows() -> BTreeMap<String, Row> {
    let text = doc();
    let section = text
        .split("\n## Per op")
        .nth(1)
        .expect("docs/soundness.md has a \"Per op\" section");
    let section = section.split("\n## ").next().unwrap();
    let mut rows = BTreeMap::new();
    for line in section.lines() {
        let Some(rest) = line.strip_prefix("| `") else {
            continue;
        };
        let (name, after) = rest.split_once('`').unwrap();
        let row = Row {
            unmanaged: after.starts_with(" (u) |"),
            text: line.to_owned(),
        };
        assert!(
            rows.insert(name.to_owned(), row).is_none(),
            "two rows for {name}"
        );
    }
    rows
}

/// One op of the table as its family file declares it: whether it is `unmanaged`, and the
/// text of its entry (the doc comment above it and its body).
struct Entry {
    unmanaged: bool,
    text: String,
}

/// The text of every file of `src/op`.
fn op_sources() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/op");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Every `define_ops!` entry of `src/op`, by op name.
fn entries() -> BTreeMap<String, Entry> {
    let mut entries = BTreeMap::new();
    for text in op_sources() {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let head = line.trim();
            if !head.starts_with("[\"io_uring_prep_") {
                continue;
            }
            let unmanaged = head
                .trim_end_matches(']')
                .split(", ")
                .skip(3)
                .any(|extra| extra == "unmanaged");
            let name: String = lines[i + 1]
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // The doc comment right above the entry...
            let doc_start = (0..i)
                .rev()
                .take_while(|&j| lines[j].trim().starts_with("///"))
                .last()
                .unwrap_or(i);
            // ...and the body, up to the next entry's doc comment or the table's end.
            let body_end = (i + 1..lines.len())
                .find(|&j| {
                    let t = lines[j].trim();
                    t.starts_with("///") || t.starts_with("[\"io_uring_prep_") || lines[j] == "}"
                })
                .unwrap_or(lines.len());
            let text = lines[doc_start..body_end].join("\n");
            entries.insert(name, Entry { unmanaged, text });
        }
    }
    entries
}

/// The allowlists: every `pub const` of `src/op`.
fn allowlists() -> BTreeSet<String> {
    op_sources()
        .iter()
        .flat_map(|text| text.lines())
        .filter_map(|l| l.strip_prefix("pub const "))
        .map(|rest| rest.split(':').next().unwrap().trim().to_owned())
        .collect()
}

fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn every_catalogued_op_has_a_row() {
    let rows = rows();
    let ops = system_liburing::op::catalogue();
    let missing: Vec<&str> = ops
        .iter()
        .map(|op| op.name)
        .filter(|name| !rows.contains_key(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/soundness.md \"Per op\" has no row for {missing:?}"
    );
    let known: BTreeSet<&str> = ops.iter().map(|op| op.name).collect();
    let stale: Vec<&String> = rows
        .keys()
        .filter(|name| !known.contains(name.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/soundness.md \"Per op\" has rows for ops that do not exist: {stale:?}"
    );
}

#[test]
fn rows_match_the_op_table_sources() {
    let rows = rows();
    let entries = entries();
    let ops = system_liburing::op::catalogue();
    assert_eq!(
        entries.len(),
        ops.len(),
        "one source entry per catalogued op"
    );
    let consts = allowlists();
    assert!(consts.len() >= 30, "found only {consts:?}");
    let const_words: BTreeSet<&str> = consts.iter().map(String::as_str).collect();
    let mut wrong = Vec::new();
    for (name, entry) in &entries {
        let Some(row) = rows.get(name) else {
            continue; // every_catalogued_op_has_a_row names it
        };
        if row.unmanaged != entry.unmanaged {
            wrong.push(format!(
                "{name}: the entry is {}unmanaged, the row {} (u)",
                if entry.unmanaged { "" } else { "not " },
                if row.unmanaged { "says" } else { "lacks" }
            ));
        }
        for c in words(&entry.text).intersection(&const_words) {
            if !row.text.contains(&format!("`op::{c}`")) {
                wrong.push(format!("{name}: its entry names {c}, its row does not"));
            }
        }
    }
    for (name, row) in &rows {
        for named in row.text.split("`op::").skip(1) {
            let c = named.split('`').next().unwrap();
            if !consts.contains(c) {
                wrong.push(format!(
                    "{name}: the row names op::{c}, which is no allowlist"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/soundness.md \"Per op\" rows that disagree with src/op:\n  {}",
        wrong.join("\n  ")
    );
}
