//! The libclang check the build makes before bindgen, and `./x`'s own, against fake trees:
//! Debian's `libclang-cpp14` (the C++ API library, common on machines with LLVM tools) must
//! not pass for the libclang that bindgen loads.
#[path = "../build/libclang.rs"]
#[allow(dead_code)]
mod libclang;

mod common;

use common::tree;
use libclang::{is_libclang, search, Search};
use std::path::Path;
use std::process::Command;

fn no_env(_: &str) -> Option<String> {
    None
}

const CPP_ONLY: &[&str] = &[
    "usr/lib/x86_64-linux-gnu/libclang-cpp.so.14",
    "usr/lib/llvm-14/lib/libclang-cpp.so.14",
    "usr/lib/x86_64-linux-gnu/libLLVM-14.so.1",
];

#[test]
fn names() {
    for yes in [
        "libclang.so",
        "libclang.so.1",
        "libclang-14.so",
        "libclang-14.so.1",
        "libclang-14.0.6.so",
        "libclang-14.so.14.0.6",
    ] {
        assert!(is_libclang(yes), "{yes}");
    }
    for no in [
        "libclang-cpp.so.14",
        "libclang-cpp.so",
        "libclangAST.a",
        "libclang.a",
        "libclang-14.a",
        "libclang_rt.asan-x86_64.so",
        "libclang-.so",
    ] {
        assert!(!is_libclang(no), "{no}");
    }
}

#[test]
fn libclang_cpp_alone_is_not_libclang() {
    let root = tree("cpp", CPP_ONLY);
    match search(&root, &no_env, None) {
        Search::Found(p) => panic!("took {} for libclang", p.display()),
        Search::Missing { looked } => {
            let msg = libclang::missing_message(&looked);
            for needle in [
                "apt-get install libclang-dev",
                "dnf install clang-devel",
                "LIBCLANG_PATH",
                "libclang-cpp",
            ] {
                assert!(msg.contains(needle), "message lacks {needle:?}:\n{msg}");
            }
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn runtime_package_and_dev_package_are_found() {
    // libclang1-14: the versioned runtime library only.
    let root = tree(
        "runtime",
        &[CPP_ONLY, &["usr/lib/x86_64-linux-gnu/libclang-14.so.1"]].concat(),
    );
    assert!(
        matches!(search(&root, &no_env, None), Search::Found(p) if p.ends_with("libclang-14.so.1"))
    );
    std::fs::remove_dir_all(&root).unwrap();
    // libclang-14-dev: the unversioned link in LLVM's own lib dir.
    let root = tree(
        "dev",
        &[CPP_ONLY, &["usr/lib/llvm-14/lib/libclang.so"]].concat(),
    );
    assert!(
        matches!(search(&root, &no_env, None), Search::Found(p) if p.ends_with("llvm-14/lib/libclang.so"))
    );
    std::fs::remove_dir_all(&root).unwrap();
    // llvm-config's prefix is searched too (a non-standard install).
    let root = tree("prefix", &["opt/llvm/lib/libclang.so.17"]);
    assert!(matches!(
        search(&root, &no_env, None),
        Search::Missing { .. }
    ));
    assert!(matches!(
        search(&root, &no_env, Some(Path::new("/opt/llvm"))),
        Search::Found(_)
    ));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn libclang_path_is_the_only_place_when_set() {
    let root = tree(
        "env",
        &[
            "usr/lib/llvm-14/lib/libclang.so",
            "opt/clang/libclang-17.so.1",
            "empty/README",
        ],
    );
    let env = |dir: &'static str| move |k: &str| (k == "LIBCLANG_PATH").then(|| dir.to_owned());
    assert!(matches!(
        search(&root, &env("/empty"), None),
        Search::Missing { .. }
    ));
    assert!(
        matches!(search(&root, &env("/opt/clang"), None), Search::Found(p) if p.ends_with("libclang-17.so.1"))
    );
    assert!(matches!(
        search(&root, &env("/opt/clang/libclang-17.so.1"), None),
        Search::Found(p) if p.ends_with("opt/clang/libclang-17.so.1")
    ));
    std::fs::remove_dir_all(&root).unwrap();
}

/// `./x missing-packages` under a fake root (`X_SYSROOT`) with `LIBURING_INCLUDE_DIR` set, so
/// only the libclang answer depends on the tree.
fn x_missing(root: &Path) -> Option<String> {
    let x = Path::new(env!("CARGO_MANIFEST_DIR")).join("../x");
    if !x.exists() {
        eprintln!(
            "skipped: {} is not here (a packaged crate has no ./x)",
            x.display()
        );
        return None;
    }
    let out = Command::new("bash")
        .arg(&x)
        .arg("missing-packages")
        .env("X_SYSROOT", root)
        .env("LIBURING_INCLUDE_DIR", root)
        .env_remove("LIBCLANG_PATH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn x_script_agrees_on_the_same_trees() {
    let root = tree("x-cpp", CPP_ONLY);
    if let Some(missing) = x_missing(&root) {
        assert!(
            missing.contains("libclang-dev"),
            "libclang-cpp14 alone: {missing:?}"
        );
    }
    std::fs::remove_dir_all(&root).unwrap();
    for (name, lib) in [
        ("x-runtime", "usr/lib/x86_64-linux-gnu/libclang-14.so.1"),
        ("x-dev", "usr/lib/llvm-14/lib/libclang.so"),
    ] {
        let root = tree(name, &[CPP_ONLY, &[lib]].concat());
        if let Some(missing) = x_missing(&root) {
            assert!(!missing.contains("libclang"), "{lib} present: {missing:?}");
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
