//! The CLI as a subprocess: text and JSON agree, the JSON follows schema.json, `--check`
//! selects, usage errors exit 2, and the verdicts expected of the linked liburing.

mod common;

use common::{linked_release, run, run_json, schema, text_rows, validate};
use serde_json::Value;

const ALL: [&str; 22] = [
    "kernel-overflow-flag",
    "liburing-peek-overflow",
    "crate-peek-overflow",
    "no-lost-completions",
    "submit-while-overflowed",
    "sqpoll-wakeup",
    "get-events",
    "liburing-peek-batch-overflow",
    "liburing-wait-cqe-nr",
    "liburing-wait-no-submit",
    "liburing-wait-timeout-once",
    "liburing-direct-alloc",
    "liburing-ring-fd-register-twice",
    "liburing-check-version",
    "liburing-read-multishot",
    "liburing-queue-mmap",
    "liburing-min-timeout-unsupported",
    "liburing-wait-stale-cqe",
    "liburing-wait-timeout-etime",
    "liburing-peek-batch-mixed",
    "liburing-recvmsg-validate",
    "prep-encoding",
];

fn verdicts(doc: &Value) -> Vec<(String, String)> {
    doc["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn check<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {doc:#}"))
}

/// Each number becomes `N`: a run of digits (with decimal points), or a hexadecimal word
/// (`0x...`: a heap address in a finding differs between two runs).
fn numbers_masked(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_digit() {
            out.push(c);
            continue;
        }
        out.push('N');
        let hex = c == '0' && chars.peek() == Some(&'x');
        if hex {
            chars.next();
        }
        while chars
            .peek()
            .is_some_and(|&n| n.is_ascii_digit() || n == '.' || (hex && n.is_ascii_hexdigit()))
        {
            chars.next();
        }
    }
    out
}

/// Every check's verdict is decided by the run, not by the output format: text and JSON name
/// the same checks with the same verdicts (and the same exit code).
#[test]
fn text_and_json_agree_and_json_matches_schema() {
    let (jr, doc) = run_json(&[]);
    let errors = validate(&schema(), &doc);
    assert!(errors.is_empty(), "schema violations: {errors:#?}\n{doc:#}");
    let tr = run(&[]);
    assert!(
        !tr.stdout.contains('\x1b'),
        "colour escapes on a pipe:\n{}",
        tr.stdout
    );
    let rows = text_rows(&tr.stdout);
    assert_eq!(rows, verdicts(&doc), "text:\n{}", tr.stdout);
    assert_eq!(
        rows.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ALL
    );
    assert_eq!(tr.code, jr.code, "text:\n{}\njson:\n{doc:#}", tr.stdout);
    assert_eq!(doc["exit_code"], jr.code);
    // Every reason is one line, and every check carries figures.
    for c in doc["checks"].as_array().unwrap() {
        let reason = c["reason"].as_str().unwrap();
        assert!(!reason.contains('\n'), "{reason}");
        // Timings differ between the two runs; everything else in the reason must match.
        assert!(
            numbers_masked(&tr.stdout).contains(&numbers_masked(reason)),
            "reason missing from text: {reason}"
        );
        if c["verdict"] != "skip" {
            assert!(
                !c["figures"].as_object().unwrap().is_empty(),
                "no figures: {c:#}"
            );
        }
    }
    let (p, f, s) = (
        doc["summary"]["pass"].as_u64().unwrap(),
        doc["summary"]["fail"].as_u64().unwrap(),
        doc["summary"]["skip"].as_u64().unwrap(),
    );
    assert_eq!(p + f + s, ALL.len() as u64);
    assert!(tr
        .stdout
        .contains(&format!("{p} pass, {f} fail, {s} skip (exit {})", tr.code)));
}

/// Every check finds what liburing's history (`history.tsv`, read by the tool: each check's
/// `expected` and `as_expected`) says the linked release has: its known bugs fail, its fixes
/// pass, what it lacks skips naming the function; a skip for the kernel's or the machine's
/// reasons is allowed anywhere. The crate's own peek always passes.
#[test]
fn verdicts_for_the_linked_liburing() {
    let (r, doc) = run_json(&[]);
    let version = system_liburing::LIBURING_BUILD_VERSION;
    assert_eq!(doc["environment"]["liburing_build_version"], version);
    let ours = check(&doc, "crate-peek-overflow");
    assert_eq!(ours["verdict"], "pass", "{ours:#}");
    assert_eq!(ours["figures"]["received"], 100);
    if doc["environment"]["liburing_release"].is_null() {
        eprintln!("liburing release unknown ({version}): no expectations to compare");
        for c in doc["checks"].as_array().unwrap() {
            assert!(
                c["expected"].is_null() && c["as_expected"].is_null(),
                "{c:#}"
            );
        }
        return;
    }
    let mut wrong = Vec::new();
    for c in doc["checks"].as_array().unwrap() {
        let expected = c["expected"].as_str().expect("an expected verdict");
        if c["as_expected"] != true {
            wrong.push(format!(
                "{}: expected {expected}, got {}: {}",
                c["name"], c["verdict"], c["reason"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "liburing {} (built as {version}):\n{}",
        doc["environment"]["liburing_release"],
        wrong.join("\n")
    );
    let failed = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["verdict"] == "fail");
    assert_eq!(r.code, if failed { 1 } else { 0 }, "{doc:#}");
}

/// The release the expectations were read for is the one `prep-encoding`'s test computes
/// from the library file's name.
#[test]
fn the_judged_release_is_the_linked_one() {
    let (_, doc) = run_json(&["--check", "crate-peek-overflow"]);
    let want = linked_release().map(|(a, b)| format!("{a}.{b}"));
    assert_eq!(
        doc["environment"]["liburing_release"],
        serde_json::json!(want)
    );
}

#[test]
fn check_selects_in_canonical_order() {
    let (_, doc) = run_json(&[
        "--check",
        "get-events",
        "--check",
        "crate-peek-overflow",
        "--check=get-events",
    ]);
    assert!(validate(&schema(), &doc).is_empty());
    let names: Vec<_> = verdicts(&doc).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["crate-peek-overflow", "get-events"]);
    let s = &doc["summary"];
    assert_eq!(
        s["pass"].as_u64().unwrap() + s["fail"].as_u64().unwrap() + s["skip"].as_u64().unwrap(),
        2
    );
    let t = run(&["--check", "crate-peek-overflow"]);
    let rows = text_rows(&t.stdout);
    assert_eq!(rows.len(), 1, "{}", t.stdout);
    assert_eq!(rows[0].0, "crate-peek-overflow");
}

#[test]
fn unknown_check_is_a_usage_error() {
    let r = run(&["--check", "no-such-check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("unknown check 'no-such-check'"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--list") || r.stderr.contains("--help"));
    assert!(r.stdout.is_empty());
    assert!(!r.stderr.contains("panicked"));
    for bad in [&["--bogus"][..], &["--check"][..], &["--color", "pink"][..]] {
        assert_eq!(run(bad).code, 2, "{bad:?}");
    }
}

#[test]
fn list_and_help() {
    let r = run(&["--list"]);
    assert_eq!(r.code, 0);
    for name in ALL {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(name)),
            "{}",
            r.stdout
        );
    }
    let (r, v) = run_json(&["--list"]);
    assert_eq!(r.code, 0);
    let names: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ALL);
    let h = run(&["--help"]);
    assert_eq!(h.code, 0);
    for s in [
        "--json",
        "--list",
        "--check",
        "EXAMPLES",
        "NO_COLOR",
        "EXIT CODES",
    ] {
        assert!(h.stdout.contains(s), "help lacks {s}");
    }
}

#[test]
fn colour_only_when_forced_and_no_color_honoured() {
    let forced = run(&["--color=always", "--check", "crate-peek-overflow"]);
    assert!(forced.stdout.contains("\x1b["), "{}", forced.stdout);
    // NO_COLOR only changes `auto`; on a pipe auto is plain anyway.
    let r = common::finish(
        common::cmd(&["--check", "crate-peek-overflow"])
            .env("NO_COLOR", "1")
            .output()
            .unwrap(),
    );
    assert!(!r.stdout.contains('\x1b'));
    assert_eq!(
        text_rows(&r.stdout),
        text_rows(&common::strip_ansi(&forced.stdout))
    );
}

#[test]
fn whole_run_is_quick() {
    let t = std::time::Instant::now();
    let r = run(&["--json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        t.elapsed()
    );
}
