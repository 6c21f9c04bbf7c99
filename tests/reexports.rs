//! The crate root follows its one re-export rule (src/lib.rs, "What is at the root"): every
//! registration handle `register` exports, and every op trait and enum `op` defines next to
//! the ops (`Op`, `Multishot`, `Shot`...), is re-exported at the root; the ops stay in `op`.

fn source(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The names of every `pub use PREFIX...::{A, B}` / `pub use PREFIX...::A;` item in `src`.
fn pub_used(src: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let flat = src.replace('\n', " ");
    for stmt in flat.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(prefix) else {
            continue;
        };
        let list = match (rest.find('{'), rest.rfind('}')) {
            (Some(a), Some(b)) => &rest[a + 1..b],
            _ => rest.rsplit("::").next().unwrap_or(""),
        };
        names.extend(
            list.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty() && *n != "*")
                .map(str::to_owned),
        );
    }
    names.sort();
    names
}

#[test]
fn registration_handles_are_at_the_root() {
    let register = pub_used(&source("src/register/mod.rs"), "");
    assert!(
        !register.is_empty(),
        "no pub use found in src/register/mod.rs"
    );
    let root = pub_used(&source("src/lib.rs"), "register::");
    assert_eq!(
        root, register,
        "src/lib.rs must re-export exactly what `register` exports"
    );
}

#[test]
fn op_traits_and_enums_are_at_the_root() {
    let op = source("src/op/mod.rs");
    let mut defined: Vec<String> = op
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub trait ")
                .or_else(|| l.strip_prefix("pub enum "))
        })
        .map(|l| {
            l.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    defined.sort();
    assert!(defined.contains(&"Op".to_owned()), "{defined:?}");
    assert_eq!(pub_used(&source("src/lib.rs"), "op::"), defined);
}

#[test]
fn ordinary_programs_import_from_the_root() {
    // The names of issue 16's first attempt, which failed to resolve then.
    #[allow(unused_imports)]
    use system_liburing::{BufGuard, BufRing, FixedBuf, Multishot, Probe, Shot, Ticket};
    // The module paths keep working, and name the same types.
    let same: fn(system_liburing::register::BufRing) -> BufRing = |b| b;
    let _ = same;
}
