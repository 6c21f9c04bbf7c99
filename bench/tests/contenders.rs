//! Every contender, every workload, tiny op counts: the completions must verify.

use uring_bench::workload::{self, NopSpec, ReadSpec, TestFile};
use uring_bench::Impl;

#[test]
fn nops_verify() {
    for imp in Impl::ALL {
        for fast in [false, true] {
            for (batch, ops) in [(1, 50), (32, 100), (256, 600)] {
                let o = imp
                    .nop(NopSpec { batch, ops, fast })
                    .unwrap_or_else(|e| panic!("{} b{batch} fast={fast}: {e}", imp.name()));
                workload::verify_nop(&o)
                    .unwrap_or_else(|e| panic!("{} b{batch} fast={fast}: {e}", imp.name()));
                assert_eq!(o.ops, ops);
            }
        }
    }
}

#[test]
fn reads_verify() {
    let file = TestFile::create(&std::env::temp_dir(), 1).expect("test file");
    assert_eq!(file.blocks(), 256);
    for imp in Impl::ALL {
        for (registered, fast) in [(false, false), (true, false), (false, true), (true, true)] {
            let spec = ReadSpec {
                fd: file.fd(),
                blocks: file.blocks(),
                ops: 200,
                qd: 8,
                registered,
                fast,
            };
            let o = match imp.read(spec) {
                Ok(o) => o,
                // The safe contender's plain reads need op::Read (liburing 0.4+).
                Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
                    eprintln!("skipped: {} {spec:?}: {e}", imp.name());
                    continue;
                }
                Err(e) => panic!("{} {spec:?}: {e}", imp.name()),
            };
            workload::verify_read(&o).unwrap_or_else(|e| panic!("{} {spec:?}: {e}", imp.name()));
        }
    }
}

#[test]
fn peek_and_overflow_verify() {
    for imp in Impl::ALL {
        let o = imp.peek(300).expect("peek");
        workload::verify_nop(&o).unwrap_or_else(|e| panic!("{} peek: {e}", imp.name()));
        let o = imp.overflow(2000).expect("overflow");
        workload::verify_overflow(&o).unwrap_or_else(|e| panic!("{} overflow: {e}", imp.name()));
    }
}

#[test]
fn many_fast_rings_in_one_process() {
    // The registered-ring-fd table holds 16 entries per thread: a contender that forgot to
    // unregister would fail here with EBUSY.
    for imp in Impl::ALL {
        for _ in 0..40 {
            let o = imp
                .nop(NopSpec {
                    batch: 4,
                    ops: 8,
                    fast: true,
                })
                .unwrap_or_else(|e| panic!("{}: {e}", imp.name()));
            workload::verify_nop(&o).unwrap();
        }
    }
}

#[test]
fn standalone_binaries_print_one_verified_json_line() {
    let file = TestFile::create(&std::env::temp_dir(), 1).expect("test file");
    for (bin, path) in [
        ("bench-c", env!("CARGO_BIN_EXE_bench-c")),
        ("bench-io-uring", env!("CARGO_BIN_EXE_bench-io-uring")),
        ("bench-safe", env!("CARGO_BIN_EXE_bench-safe")),
        (
            "bench-safe-dispatch",
            env!("CARGO_BIN_EXE_bench-safe-dispatch"),
        ),
    ] {
        let file_arg = file.path().to_str().unwrap().to_owned();
        for args in [
            vec!["--batch", "32", "--ops", "320", "--fast"],
            vec![
                "--read",
                &file_arg,
                "--ops",
                "100",
                "--qd",
                "4",
                "--registered",
            ],
        ] {
            let out = std::process::Command::new(path)
                .args(&args)
                .output()
                .expect("run");
            assert!(out.status.success(), "{bin} {args:?}: {out:?}");
            let line = String::from_utf8(out.stdout).unwrap();
            assert_eq!(line.lines().count(), 1, "{line}");
            assert!(line.contains("\"verified\":true"), "{line}");
            assert!(line.contains("\"ns\":"), "{line}");
        }
        let bad = std::process::Command::new(path)
            .args(["--batch", "0", "--ops", "1"])
            .output()
            .expect("run");
        assert_eq!(bad.status.code(), Some(2), "{bin}: usage error exits 2");
    }
}
