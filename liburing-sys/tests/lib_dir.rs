//! What an explicit `LIBURING_LIB_DIR` links, for each shape a lib dir comes in (fake
//! trees): a prefix install, an in-tree build (`./configure && make`, then `<tree>/src`),
//! only `liburing.a`, only a versioned `liburing.so.X.Y`.
#[path = "../build/find.rs"]
#[allow(dead_code)]
mod find;

mod common;

use common::tree as dir;
use find::choose_library;
use std::collections::HashMap;

#[test]
fn prefix_install_links_the_shared_object() {
    let d = dir(
        "prefix",
        &[
            "liburing.so",
            "liburing.so.2",
            "liburing.so.2.15",
            "liburing.a",
        ],
    );
    let c = choose_library(&d, None).unwrap();
    assert_eq!(
        (c.file.as_str(), c.statik, c.verbatim),
        ("liburing.so", false, false)
    );
    assert!(c.note.is_none(), "nothing to say: {:?}", c.note);
    // LIBURING_STATIC=1 takes the archive.
    let c = choose_library(&d, Some(true)).unwrap();
    assert_eq!((c.file.as_str(), c.statik), ("liburing.a", true));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn in_tree_build_links_the_archive_and_says_so() {
    // What `make -C src` leaves: no liburing.so, no soname link.
    let d = dir(
        "tree",
        &[
            "liburing.a",
            "liburing.so.2.15",
            "liburing-ffi.a",
            "liburing-ffi.so.2.15",
            "queue.ol",
        ],
    );
    let c = choose_library(&d, None).unwrap();
    assert_eq!(
        (c.file.as_str(), c.statik, c.verbatim),
        ("liburing.a", true, false)
    );
    let note = c.note.expect("a choice the build made on its own is said");
    assert!(note.contains("linking liburing statically"), "{note}");
    // LIBURING_STATIC=0 insists on the shared object: by its file name.
    let c = choose_library(&d, Some(false)).unwrap();
    assert_eq!(
        (c.file.as_str(), c.statik, c.verbatim),
        ("liburing.so.2.15", false, true)
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn versioned_shared_object_alone_links_by_name() {
    let d = dir("versioned", &["liburing.so.2", "liburing.so.2.3"]);
    let c = choose_library(&d, None).unwrap();
    assert_eq!(
        (c.file.as_str(), c.statik, c.verbatim),
        ("liburing.so.2.3", false, true)
    );
    let note = c.note.unwrap();
    assert!(
        note.contains("liburing.so.2.3") && note.contains("LD_LIBRARY_PATH"),
        "{note}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn nothing_usable_says_what_it_looked_for() {
    let d = dir("empty", &["liburing-ffi.so.2.15", "README"]);
    assert!(choose_library(&d, None)
        .unwrap_err()
        .contains("no liburing.so"));
    assert!(choose_library(&d, Some(true))
        .unwrap_err()
        .contains("no liburing.a"));
    let only_a = dir("only-a", &["liburing.a"]);
    assert!(choose_library(&only_a, Some(false))
        .unwrap_err()
        .contains("LIBURING_STATIC=0"));
    std::fs::remove_dir_all(&d).unwrap();
    std::fs::remove_dir_all(&only_a).unwrap();
}

#[test]
fn lib_dir_alone_finds_its_own_headers() {
    // An in-tree build: LIBURING_LIB_DIR=<tree>/src, headers in <tree>/src/include.
    let tree = dir(
        "intree",
        &[
            "src/liburing.a",
            "src/liburing.so.2.15",
            "src/include/liburing.h",
            "liburing.pc",
        ],
    );
    std::fs::write(tree.join("liburing.pc"), "Name: liburing\nVersion: 2.15\n").unwrap();
    let vars: HashMap<&str, String> =
        [("LIBURING_LIB_DIR", tree.join("src").display().to_string())].into();
    let found = find::find(&|k| vars.get(k).cloned(), &|_| Err("unused".into())).unwrap();
    assert_eq!(found.header_dir(), Some(tree.join("src/include").as_path()));
    assert!(found.statik);
    assert_eq!(found.library, Some(tree.join("src/liburing.a")));
    assert_eq!(
        found.pc_version.as_ref().map(|(_, v)| v.as_str()),
        Some("2.15")
    );
    assert!(
        found.notes.iter().any(|n| n.contains("beside the lib dir")),
        "{:?}",
        found.notes
    );
    assert!(
        found.notes.iter().any(|n| n.contains("statically")),
        "{:?}",
        found.notes
    );
    std::fs::remove_dir_all(&tree).unwrap();
    // A prefix: LIBURING_LIB_DIR=<prefix>/lib, headers in <prefix>/include.
    let prefix = dir("pfx", &["lib/liburing.so", "include/liburing.h"]);
    let vars: HashMap<&str, String> =
        [("LIBURING_LIB_DIR", prefix.join("lib").display().to_string())].into();
    let found = find::find(&|k| vars.get(k).cloned(), &|_| Err("unused".into())).unwrap();
    assert_eq!(
        found.header_dir().map(|p| p.canonicalize().unwrap()),
        Some(prefix.join("include").canonicalize().unwrap())
    );
    assert!(!found.statik);
    std::fs::remove_dir_all(&prefix).unwrap();
}
