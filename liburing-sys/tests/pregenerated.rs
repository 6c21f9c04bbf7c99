//! The committed `pregenerated/` folder (docs.rs builds from it) is complete and has not
//! drifted from what this build generates.
#[path = "../build/pregenerated.rs"]
#[allow(dead_code)]
mod pregenerated;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const REGEN: &str = "run liburing-sys/pregenerated/regen.sh (on Debian 12 with liburing-dev 2.3)";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("pregenerated")
}

fn metadata() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir().join(pregenerated::METADATA)).unwrap();
    pregenerated::parse_metadata(&text).unwrap_or_else(|e| panic!("{e}; {REGEN}"))
}

fn list(meta: &BTreeMap<String, String>, key: &str) -> Vec<String> {
    meta[key]
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_included_file_is_there() {
    for f in pregenerated::FILES {
        assert!(
            dir().join(f).is_file(),
            "pregenerated/{f} is missing; {REGEN}"
        );
    }
}

#[test]
fn known_functions_match_the_detection_table() {
    // Holds on every liburing: FEATURES lists the whole table, present or not.
    let table: Vec<String> = system_liburing_sys::FEATURES
        .iter()
        .map(|f| f.0.to_owned())
        .collect();
    assert_eq!(
        list(&metadata(), "known"),
        table,
        "build/detect.rs changed; {REGEN}"
    );
}

#[test]
fn same_liburing_gives_the_same_outputs() {
    let meta = metadata();
    if system_liburing_sys::LIBURING_VERSION != meta["version"] {
        eprintln!(
            "pregenerated/ is liburing {}, this build {}: nothing to compare",
            meta["version"],
            system_liburing_sys::LIBURING_VERSION
        );
        return;
    }
    let present: Vec<String> = system_liburing_sys::FEATURES
        .iter()
        .filter(|f| f.2)
        .map(|f| f.0.to_owned())
        .collect();
    assert_eq!(list(&meta, "has"), present, "{REGEN}");
    let inline: Vec<String> = system_liburing_sys::INLINE_FUNCTIONS
        .iter()
        .filter(|n| n.starts_with("io_uring_"))
        .map(|n| (*n).to_owned())
        .collect();
    assert_eq!(list(&meta, "inline"), inline, "{REGEN}");
    // The constant table, not the bindings' text: that also depends on libclang's version.
    let built = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/constants.rs")).unwrap();
    let committed = std::fs::read_to_string(dir().join("constants.rs")).unwrap();
    assert!(
        built == committed,
        "wrapper.h or the header changed the constants; {REGEN}"
    );
}

#[test]
fn no_path_of_the_generating_machine() {
    // A docs build has no shim, no OUT_DIR of ours and links nothing.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for f in pregenerated::FILES {
        let text = std::fs::read_to_string(dir().join(f)).unwrap();
        assert!(
            !text.contains(workspace.to_str().unwrap()),
            "pregenerated/{f} names {}",
            workspace.display()
        );
    }
    let detected = std::fs::read_to_string(dir().join("detected.rs")).unwrap();
    assert!(detected.contains("pub const LIBURING_LIBRARY: &str = \"\";"));
}

#[test]
fn docs_mode_switches() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(pregenerated::docs_only(&env(&[("DOCS_RS", "1")])));
    assert!(pregenerated::docs_only(&env(&[(
        "LIBURING_SYS_DOCS_ONLY",
        "1"
    )])));
    assert!(!pregenerated::docs_only(&env(&[(
        "LIBURING_SYS_DOCS_ONLY",
        "0"
    )])));
    assert!(!pregenerated::docs_only(&env(&[])));
}

#[test]
fn wrong_target_is_refused_with_a_way_out() {
    let out = std::env::temp_dir().join(format!("pregenerated-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let err = pregenerated::install(&dir(), &out, "aarch64-unknown-linux-gnu").unwrap_err();
    assert!(err.contains("targets = ["), "{err}");
    assert!(
        !out.join("bindings.rs").exists(),
        "copied before checking the target"
    );
    std::fs::remove_dir_all(&out).unwrap();
}
