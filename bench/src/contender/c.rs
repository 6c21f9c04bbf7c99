//! The C contender (c/bench.c, liburing called the way C users call it).

use crate::workload::{NopSpec, Outcome, ReadSpec, Tally};
use std::ffi::CStr;
use std::io;
use std::os::fd::AsRawFd;

/// `struct bench_result` in c/bench.c.
#[repr(C)]
#[derive(Debug, Default)]
struct CResult {
    ns: u64,
    count: u64,
    sum: u64,
    bad: u64,
    fast: u32,
    pad: u32,
}

extern "C" {
    fn bench_c_liburing_version() -> *const libc::c_char;
    fn bench_c_nop(
        batch: libc::c_uint,
        ops: u64,
        fast: libc::c_int,
        r: *mut CResult,
    ) -> libc::c_int;
    fn bench_c_read(
        fd: libc::c_int,
        blocks: u64,
        ops: u64,
        qd: libc::c_uint,
        registered: libc::c_int,
        fast: libc::c_int,
        r: *mut CResult,
    ) -> libc::c_int;
    fn bench_c_peek(ops: u64, r: *mut CResult) -> libc::c_int;
    fn bench_c_overflow(ops: u64, r: *mut CResult) -> libc::c_int;
}

// The C functions call liburing, which system-liburing-sys links.
use system_liburing_sys as _;

fn finish(ret: libc::c_int, ops: u64, r: CResult) -> io::Result<Outcome> {
    if ret < 0 {
        return Err(io::Error::from_raw_os_error(-ret));
    }
    Ok(Outcome {
        ops,
        ns: r.ns,
        tally: Tally {
            count: r.count,
            sum: r.sum,
            bad: r.bad,
        },
        fast_applied: r.fast != 0,
    })
}

/// The liburing version the C code was compiled against (from pkg-config via sys).
pub fn liburing_version() -> String {
    // SAFETY: returns a pointer to a static NUL-terminated string.
    unsafe { CStr::from_ptr(bench_c_liburing_version()) }
        .to_string_lossy()
        .into_owned()
}

/// NOPs.
pub fn nop(spec: NopSpec) -> io::Result<Outcome> {
    let mut r = CResult::default();
    // SAFETY: `r` is a valid out-pointer for the call.
    let ret = unsafe { bench_c_nop(spec.batch, spec.ops, spec.fast.into(), &mut r) };
    finish(ret, spec.ops, r)
}

/// Random 4 KiB reads.
pub fn read(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    let mut r = CResult::default();
    // SAFETY: `r` is a valid out-pointer; the fd is borrowed for the whole call.
    let ret = unsafe {
        bench_c_read(
            spec.fd.as_raw_fd(),
            spec.blocks,
            spec.ops,
            spec.qd,
            spec.registered.into(),
            spec.fast.into(),
            &mut r,
        )
    };
    finish(ret, spec.ops, r)
}

/// Peek on a non-empty ring.
pub fn peek(ops: u64) -> io::Result<Outcome> {
    let mut r = CResult::default();
    // SAFETY: `r` is a valid out-pointer.
    let ret = unsafe { bench_c_peek(ops, &mut r) };
    finish(ret, ops, r)
}

/// The seed overflow drain (`ops` a multiple of 1000).
pub fn overflow(ops: u64) -> io::Result<Outcome> {
    let mut r = CResult::default();
    // SAFETY: `r` is a valid out-pointer.
    let ret = unsafe { bench_c_overflow(ops, &mut r) };
    finish(ret, ops, r)
}
