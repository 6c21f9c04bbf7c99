//! The porting guide names every function the installed liburing defines or exports.

mod common;

use system_liburing::sys;

fn guide_names() -> std::collections::BTreeSet<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/porting.md")).unwrap();
    text.lines()
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

/// Each op's row names the op: the guide cannot go on saying "not in the safe vocabulary"
/// about a helper that has one (the catalogue includes ops the linked liburing lacks).
#[test]
fn guide_names_the_op_of_every_prep_helper() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/porting.md")).unwrap();
    let mut wrong = Vec::new();
    for op in system_liburing::op::catalogue() {
        let row = format!("| `{}` |", op.helper);
        let want = format!("`op::{}`", op.name);
        match text.lines().find(|l| l.starts_with(&row)) {
            Some(l) if l.contains(&want) => {}
            Some(_) => wrong.push(format!("{}: row does not name {want}", op.helper)),
            None => wrong.push(format!("{}: no row", op.helper)),
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/porting.md is stale:\n  {}",
        wrong.join("\n  ")
    );
}
