//! The release the build reports comes from the best evidence, says which, and reports the
//! sources that disagree (fake trees for each case; the real header for the markers).
#[path = "../build/version.rs"]
#[allow(dead_code)]
mod version;

use std::path::{Path, PathBuf};
use version::{claim_from_markers, decide, release_from_library_name, Claim, Release, Sources};

/// A scratch prefix: `include/liburing.h` holding `header` (plus `io_uring_version.h` when
/// `version_h` is given), and in `lib/` the files named (a `name -> target` entry is a
/// symlink).
fn prefix(name: &str, header: &str, version_h: Option<(u32, u32)>, lib: &[&str]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("version-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("include/liburing")).unwrap();
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::write(root.join("include/liburing.h"), header).unwrap();
    if let Some((a, b)) = version_h {
        std::fs::write(
            root.join("include/liburing/io_uring_version.h"),
            format!("#define IO_URING_VERSION_MAJOR {a}\n#define IO_URING_VERSION_MINOR {b}\n"),
        )
        .unwrap();
    }
    for entry in lib {
        match entry.split_once(" -> ") {
            Some((link, target)) => {
                std::os::unix::fs::symlink(target, root.join("lib").join(link)).unwrap()
            }
            None => std::fs::write(root.join("lib").join(entry), b"").unwrap(),
        }
    }
    root
}

fn header_of(release_marker: &str) -> String {
    format!("static inline void io_uring_queue_init(void);\nstatic inline void {release_marker}(void);\n")
}

#[test]
fn library_names() {
    for (name, want) in [
        ("liburing.so.1.0.1", Some((0, 1))),
        ("liburing.so.1.0.7", Some((0, 7))),
        ("/usr/lib/x86_64-linux-gnu/liburing.so.2.3", Some((2, 3))),
        ("liburing.so.2.0.0", Some((2, 0))),
        ("liburing.so.2.15", Some((2, 15))),
        ("liburing.so.2", None),
        ("liburing.so", None),
        ("liburing.a", None),
        ("liburing-ffi.so.2.15", None),
    ] {
        assert_eq!(release_from_library_name(name), want, "{name}");
    }
}

#[test]
fn a_lagging_pc_is_reported_not_believed() {
    // liburing 2.0 as installed: its .pc says 0.7.
    let root = prefix(
        "2.0",
        &header_of("io_uring_prep_shutdown"),
        None,
        &[
            "liburing.so.2.0.0",
            "liburing.so.2 -> liburing.so.2.0.0",
            "liburing.so -> liburing.so.2",
        ],
    );
    let d = decide(&Sources {
        env: None,
        include: Some(&root.join("include")),
        library: Some(&root.join("lib/liburing.so")),
        pkg_config: Some(("pkg-config", "0.7")),
    });
    assert_eq!(d.version, Some(Release(2, 0)));
    assert_eq!(d.source, "library file name liburing.so.2.0.0");
    assert_eq!(d.disagreements.len(), 1, "{:?}", d.disagreements);
    assert!(
        d.disagreements[0].starts_with("pkg-config says 0.7"),
        "{:?}",
        d.disagreements
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn version_header_first() {
    let root = prefix(
        "2.15",
        &header_of("io_uring_register_bpf_filter"),
        Some((2, 15)),
        &["liburing.so.2.15", "liburing.so -> liburing.so.2.15"],
    );
    let d = decide(&Sources {
        env: None,
        include: Some(&root.join("include")),
        library: Some(&root.join("lib/liburing.so")),
        pkg_config: Some(("pkg-config", "2.15")),
    });
    assert_eq!(
        (d.version, d.source.as_str()),
        (Some(Release(2, 15)), "io_uring_version.h")
    );
    assert!(d.disagreements.is_empty(), "{:?}", d.disagreements);
    assert_eq!(d.evidence.len(), 4, "{:?}", d.evidence);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn static_only_falls_back_to_markers_and_pc() {
    // liburing 0.5 linked statically: its header is 0.4's; the .pc tells which.
    let root = prefix(
        "0.5",
        &header_of("io_uring_get_probe_ring"),
        None,
        &["liburing.a"],
    );
    let sources = |pc: &'static str| Sources {
        env: None,
        include: Some(Path::new("")),
        library: None,
        pkg_config: Some(("liburing.pc (lib/pkgconfig)", pc)),
    };
    let include = root.join("include");
    let d = decide(&Sources {
        include: Some(&include),
        ..sources("0.5")
    });
    assert_eq!(d.version, Some(Release(0, 5)));
    assert!(d.disagreements.is_empty(), "{:?}", d.disagreements);
    // A .pc outside what the markers allow loses to them.
    let d = decide(&Sources {
        include: Some(&include),
        ..sources("2.0")
    });
    assert_eq!(d.version, Some(Release(0, 4)));
    assert!(d.source.contains("header markers"), "{}", d.source);
    assert_eq!(d.disagreements.len(), 1, "{:?}", d.disagreements);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn the_builder_may_say_and_is_still_checked() {
    let root = prefix(
        "env",
        &header_of("io_uring_mlock_size"),
        None,
        &["liburing.so.2.1.0", "liburing.so -> liburing.so.2.1.0"],
    );
    let d = decide(&Sources {
        env: Some("2.2"),
        include: Some(&root.join("include")),
        library: Some(&root.join("lib/liburing.so")),
        pkg_config: None,
    });
    assert_eq!(
        (d.version, d.source.as_str()),
        (Some(Release(2, 2)), "LIBURING_VERSION")
    );
    // The library name and the markers both say 2.1.
    assert_eq!(d.disagreements.len(), 2, "{:?}", d.disagreements);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn nothing_tells() {
    let d = decide(&Sources {
        env: None,
        include: None,
        library: None,
        pkg_config: None,
    });
    assert_eq!(d.version, None);
    assert!(d.source.contains("LIBURING_VERSION"), "{}", d.source);
}

#[test]
fn markers() {
    assert_eq!(claim_from_markers(""), Claim::Exact(Release(0, 1)));
    assert_eq!(
        claim_from_markers("io_uring_get_probe_ring"),
        Claim::Range(Release(0, 4), Some(Release(0, 5)))
    );
    // A word inside a longer identifier is not the marker.
    assert_eq!(
        claim_from_markers("x_io_uring_get_probe_ring_y io_uring_prep_link_timeout"),
        Claim::Exact(Release(0, 3))
    );
    assert_eq!(
        claim_from_markers("io_uring_register_bpf_filter"),
        Claim::Range(Release(2, 15), None)
    );
}

/// The markers read against the header this build really uses: run on every release by
/// CI's matrix legs, this is what keeps the table right.
#[test]
fn markers_agree_with_the_installed_header() {
    let header = Path::new(system_liburing_sys::LIBURING_HEADER);
    let claim = claim_from_markers(&version::header_text(header.parent().unwrap()));
    let Some(built) = Release::parse(system_liburing_sys::LIBURING_VERSION) else {
        eprintln!("liburing version unknown in this build: nothing to compare");
        return;
    };
    let admits = match claim {
        Claim::Exact(r) => r == built,
        Claim::Range(lo, hi) => built >= lo && hi.is_none_or(|hi| built <= hi),
    };
    assert!(
        admits,
        "the header markers say {claim}, the build says {built}"
    );
    assert!(
        system_liburing_sys::LIBURING_VERSION_DISAGREEMENTS
            .iter()
            .all(|d| !d.starts_with("header markers")),
        "{:?}",
        system_liburing_sys::LIBURING_VERSION_DISAGREEMENTS
    );
}
