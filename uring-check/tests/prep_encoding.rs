//! `prep-encoding` as a test of the crate: for every op of this build, the SQE the crate
//! writes is what the linked liburing's `io_uring_prep_*` writes for the same arguments, up
//! to the differences the check's table classifies (intended by the crate, ignored by the
//! kernel). The test fails on any unclassified difference, on an op without a scenario, and
//! on known liburing bugs other than those liburing's history puts in the linked release.

// Before 2.0 only the skip is tested, which leaves the comparison's helpers unused.
#![cfg_attr(not(liburing_2x), allow(unused_imports, dead_code))]

mod common;

use common::{linked_release, run_json, Release};
use serde_json::Value;

/// The helpers whose known encoding bug the linked release has, from liburing's history:
/// the `*_direct` helpers wrap `IORING_FILE_INDEX_ALLOC` to 0 in 2.1-2.3 (fixed in 2.4,
/// 4fed7951); `io_uring_prep_cmd_sock` writes no level, optname, optval or optlen in 2.5
/// (fixed in 2.6, 3797db16); `io_uring_prep_read_multishot` lacks `IOSQE_BUFFER_SELECT` in
/// 2.6 (fixed in 2.7, 60f4adc2). The helpers themselves appeared over time, so the list is
/// what may show.
fn known_bugs(r: Release) -> &'static [&'static str] {
    if ((2, 1)..=(2, 3)).contains(&r) {
        &[
            "openat_direct (ALLOC)",
            "open_direct (ALLOC)",
            "openat2_direct (ALLOC)",
            "socket_direct (ALLOC)",
            "accept_direct (ALLOC)",
        ]
    } else if r == (2, 5) {
        &["cmd_sock (setsockopt)", "cmd_sock (getsockopt)"]
    } else if r == (2, 6) {
        &["read_multishot"]
    } else {
        &[]
    }
}

fn figure<'a>(check: &'a Value, name: &str) -> &'a Value {
    &check["figures"][name]
}

/// The entries of a `;`-separated list figure (absent: none).
fn entries(check: &Value, name: &str) -> Vec<String> {
    figure(check, name)
        .as_str()
        .map(|s| s.split("; ").map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Before 2.0 the scenarios do not exist (they call the 2.x helper signatures): the check
/// says so and skips, and exits 0.
#[cfg(not(liburing_2x))]
#[test]
fn before_2x_the_check_skips_with_its_reason() {
    let (r, doc) = run_json(&["--check", "prep-encoding"]);
    let check = &doc["checks"][0];
    assert_eq!(check["name"], "prep-encoding", "{doc:#}");
    assert_eq!(check["verdict"], "skip", "{check:#}");
    let reason = check["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("2.x helper signatures"), "{reason}");
    assert_eq!(r.code, 0);
}

#[cfg(liburing_2x)]
#[test]
fn the_crate_encodes_what_the_linked_liburing_does() {
    let (r, doc) = run_json(&["--check", "prep-encoding"]);
    let check = &doc["checks"][0];
    assert_eq!(check["name"], "prep-encoding", "{doc:#}");
    let reason = check["reason"].as_str().unwrap_or_default();
    for zero in ["unclassified", "uncovered_ops", "not_compared"] {
        assert_eq!(figure(check, zero), 0, "{zero}: {reason}");
    }
    assert!(
        figure(check, "scenarios_compared").as_u64().unwrap_or(0) > 0,
        "{check:#}"
    );
    let bugs = entries(check, "known_bug_list");
    let Some(release) = linked_release() else {
        panic!("liburing release unknown: cannot tell which known bugs it should have");
    };
    let expected = known_bugs(release);
    let unexpected: Vec<&String> = bugs
        .iter()
        .filter(|b| !expected.iter().any(|e| b.starts_with(&format!("{e}: "))))
        .collect();
    assert!(
        unexpected.is_empty(),
        "liburing {release:?}: known bugs outside their releases: {unexpected:#?}"
    );
    if !expected.is_empty() {
        // Which of the helpers exist depends on the release; the first of each list is in
        // every release with the bug.
        assert!(
            bugs.iter().any(|b| b.starts_with(expected[0])),
            "liburing {release:?} should show {expected:?}: {reason}"
        );
    }
    let verdict = if bugs.is_empty() { "pass" } else { "fail" };
    assert_eq!(check["verdict"], verdict, "{reason}");
    assert_eq!(r.code, if bugs.is_empty() { 0 } else { 1 });
    // Every difference found is one of the classes the table names.
    for d in entries(check, "intended_list")
        .iter()
        .chain(&entries(check, "harmless_list"))
    {
        assert!(d.contains("crate 0x") && d.contains("liburing 0x"), "{d}");
    }
}

#[test]
fn the_expected_bugs_follow_the_fixes() {
    assert!(known_bugs((2, 0)).is_empty());
    assert_eq!(known_bugs((2, 3)).len(), 5);
    assert!(known_bugs((2, 4)).is_empty());
    assert_eq!(known_bugs((2, 5)).len(), 2);
    assert_eq!(known_bugs((2, 6)), ["read_multishot"]);
    assert!(known_bugs((2, 15)).is_empty());
}
