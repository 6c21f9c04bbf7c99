//! The example programs — what people copy — on the conditions their loops are written for.
//! Each example's source is compiled in here as a module, so these tests drive the very
//! code the example runs, under conditions its own `main` does not set up:
//!
//! * `io_uring_cp`: a whole file bigger than its 32 ops in flight; a short read (a sysfs
//!   file reports 4096 bytes and holds a few: the copy reads the rest from where the read
//!   stopped, finds the end there, and stops); a short write (`RLIMIT_FSIZE` in a child
//!   process cuts a write at the limit: the copy writes the rest from where it stopped,
//!   which the kernel then refuses with `EFBIG`, the copy's error).
//! * `eventfd`: the port of liburing's test passes (or skips with the C's reason).
//!
//! CI also runs each example's own `main` (`.ci/run`).

mod common;

#[path = "../examples/eventfd.rs"]
#[allow(dead_code)]
mod eventfd;
#[path = "../examples/io_uring_cp.rs"]
#[allow(dead_code)]
mod io_uring_cp;

use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("examples-{name}-{}", std::process::id()))
}

/// Whether io_uring is usable here (a skip is logged otherwise).
fn have_io_uring(what: &str) -> bool {
    common::ring_or_skip(system_liburing::Ring::builder().entries(4), what).is_some()
}

#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
#[test]
fn cp_copies_a_file_larger_than_its_window() {
    if !have_io_uring("io_uring_cp") {
        return;
    }
    // 3 windows of 32 x 32 KiB, and an odd tail.
    let len = 3 * io_uring_cp::QD * io_uring_cp::BS + 12_345;
    let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4099) as u8).collect();
    let (src, dst) = (tmp("cp-src"), tmp("cp-dst"));
    std::fs::write(&src, &data).unwrap();
    let done = io_uring_cp::copy(
        std::fs::File::open(&src).unwrap(),
        std::fs::File::create(&dst).unwrap(),
    )
    .unwrap();
    assert_eq!(done.bytes, len as u64);
    assert!(std::fs::read(&dst).unwrap() == data, "the copy differs");
    let empty = tmp("cp-empty");
    std::fs::write(&empty, b"").unwrap();
    let done = io_uring_cp::copy(
        std::fs::File::open(&empty).unwrap(),
        std::fs::File::create(&dst).unwrap(),
    )
    .unwrap();
    assert_eq!((done.bytes, std::fs::read(&dst).unwrap().len()), (0, 0));
    for p in [src, dst, empty] {
        std::fs::remove_file(p).unwrap();
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
#[test]
fn cp_reads_the_rest_after_a_short_read() {
    if !have_io_uring("io_uring_cp short read") {
        return;
    }
    // A sysfs attribute: its size says 4096, its bytes are a few ("0-1\n").
    let src = "/sys/devices/system/cpu/possible";
    let (Ok(meta), Ok(bytes)) = (std::fs::metadata(src), std::fs::read(src)) else {
        common::skip("io_uring_cp short read", format_args!("no readable {src}"));
        return;
    };
    if meta.len() <= bytes.len() as u64 {
        common::skip(
            "io_uring_cp short read",
            format_args!(
                "{src} reports {} bytes and has {}: no short read",
                meta.len(),
                bytes.len()
            ),
        );
        return;
    }
    let dst = tmp("cp-short-read");
    let done = io_uring_cp::copy(
        std::fs::File::open(src).unwrap(),
        std::fs::File::create(&dst).unwrap(),
    )
    .unwrap();
    assert!(done.short_reads >= 1, "{done:?}");
    assert_eq!(done.bytes, bytes.len() as u64);
    assert_eq!(std::fs::read(&dst).unwrap(), bytes);
    std::fs::remove_file(dst).unwrap();
}

const CHILD: &str = "EXAMPLES_CHILD";
const FSIZE_LIMIT: u64 = 10_000;

/// In a child process (this binary again, this test only): the copy of 20,000 bytes with
/// files limited to 10,000. The one write is cut at the limit; the rest, written from
/// there, is refused (`EFBIG`, with `SIGXFSZ` ignored as `cp` would have it fatal).
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
#[test]
fn cp_writes_the_rest_after_a_short_write() {
    let name = "cp_writes_the_rest_after_a_short_write";
    let (src, dst) = (tmp("cp-fsize-src"), tmp("cp-fsize-dst"));
    if std::env::var(CHILD).as_deref() == Ok(name) {
        let limit = libc::rlimit {
            rlim_cur: FSIZE_LIMIT,
            rlim_max: FSIZE_LIMIT,
        };
        // SAFETY: plain calls on this (child) process; `limit` outlives the call.
        unsafe {
            assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
        let src = std::env::var("EXAMPLES_SRC").unwrap();
        let dst = std::env::var("EXAMPLES_DST").unwrap();
        match io_uring_cp::copy(
            std::fs::File::open(src).unwrap(),
            std::fs::File::create(dst).unwrap(),
        ) {
            Ok(done) => println!("child: copied {done:?}"),
            Err(e) => println!("child: error {:?}", e.raw_os_error()),
        }
        return;
    }
    if !have_io_uring("io_uring_cp short write") {
        return;
    }
    let data: Vec<u8> = (0..2 * FSIZE_LIMIT).map(|i| (i % 251) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .env("EXAMPLES_SRC", &src)
        .env("EXAMPLES_DST", &dst)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // The rest was written from where the short write stopped: exactly at the limit.
    assert!(
        stdout.contains(&format!("child: error Some({})", libc::EFBIG)),
        "{stdout}"
    );
    let copied = std::fs::read(&dst).unwrap();
    assert_eq!(copied.len() as u64, FSIZE_LIMIT);
    assert!(
        copied == data[..FSIZE_LIMIT as usize],
        "the short write's bytes differ"
    );
    std::fs::remove_file(src).unwrap();
    std::fs::remove_file(dst).unwrap();
}

#[cfg(all(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_readv"
))]
#[test]
fn eventfd_port_passes() {
    if !have_io_uring("eventfd port") {
        return;
    }
    match eventfd::run().unwrap() {
        eventfd::Outcome::Pass => {}
        eventfd::Outcome::Skip(why) => common::skip("eventfd port", format_args!("{why}")),
    }
}
