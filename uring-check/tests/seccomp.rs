//! io_uring denied by a seccomp filter: the binary must exit 2 and say which and why, with
//! no panic and no backtrace.

mod common;

use common::{finish, schema, validate};
use std::os::unix::process::CommandExt;

// Classic BPF opcodes (linux/bpf_common.h) and seccomp constants (linux/seccomp.h).
/// `BPF_LD | BPF_W | BPF_ABS`
const BPF_LD_W_ABS: u16 = 0x20;
/// `BPF_JMP | BPF_JEQ | BPF_K`
const BPF_JMP_JEQ_K: u16 = 0x15;
/// `BPF_RET | BPF_K`
const BPF_RET_K: u16 = 0x06;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// `offsetof(struct seccomp_data, nr)` and `arch`.
const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;
const SYS_IO_URING_SETUP: u32 = 425;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// arch == x86_64 ? (nr == io_uring_setup ? ERRNO(EPERM) : ALLOW) : ALLOW
fn filter() -> Vec<libc::sock_filter> {
    vec![
        stmt(BPF_LD_W_ABS, ARCH_OFFSET),
        jump(BPF_JMP_JEQ_K, AUDIT_ARCH_X86_64, 0, 3),
        stmt(BPF_LD_W_ABS, NR_OFFSET),
        jump(BPF_JMP_JEQ_K, SYS_IO_URING_SETUP, 0, 1),
        stmt(BPF_RET_K, SECCOMP_RET_ERRNO | libc::EPERM as u32),
        stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
    ]
}

/// Runs the binary under the filter.
fn run_denied(args: &[&str]) -> common::Run {
    let mut prog_filter = filter();
    let prog = libc::sock_fprog {
        len: prog_filter.len() as u16,
        filter: prog_filter.as_mut_ptr(),
    };
    let prog_addr = &prog as *const libc::sock_fprog as usize;
    let mut cmd = common::cmd(args);
    // SAFETY: the hook runs in the forked child before exec and only calls prctl(2), which
    // is async-signal-safe; `prog` and the filter it points to are allocated before the fork
    // and outlive `output()`, which waits for the child.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                prog_addr as *const libc::sock_fprog,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("spawn uring-check under seccomp");
    drop(prog_filter);
    finish(out)
}

#[test]
fn seccomp_denial_exits_2_and_says_why() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("skipped: the seccomp filter in this test is written for x86_64 syscall numbers");
        return;
    }
    let r = run_denied(&[]);
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("EPERM"), "{}", r.stderr);
    assert!(r.stderr.contains("denied"), "{}", r.stderr);
    assert!(r.stderr.contains("seccomp"), "{}", r.stderr);
    assert!(r.stderr.contains("io_uring_setup"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(!r.stderr.contains("RUST_BACKTRACE"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
}

#[test]
fn seccomp_denial_in_json() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("skipped: the seccomp filter in this test is written for x86_64 syscall numbers");
        return;
    }
    let r = run_denied(&["--json"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    let errors = validate(&schema(), &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["error"]["kind"], "denied");
    assert_eq!(doc["error"]["errno"], "EPERM");
    assert_eq!(doc["checks"].as_array().unwrap().len(), 0);
    // The environment that needs no ring is still reported.
    assert!(doc["environment"]["liburing_build_version"].is_string());
}

#[test]
fn list_and_help_need_no_io_uring() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("skipped: the seccomp filter in this test is written for x86_64 syscall numbers");
        return;
    }
    assert_eq!(run_denied(&["--list"]).code, 0);
    assert_eq!(run_denied(&["--help"]).code, 0);
}
