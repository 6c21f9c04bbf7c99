//! The environment report, and the first question of every run: can this process use
//! io_uring at all?

use crate::checks::{errno_name, errno_text};
use std::io;
use system_liburing::{sys, Features, Ring};

/// Where the sysctl lives (kernel 6.6+). Only ever read.
const IO_URING_DISABLED: &str = "/proc/sys/kernel/io_uring_disabled";

/// What this process runs on.
#[derive(Debug, Clone)]
pub struct Environment {
    pub kernel_release: Option<String>,
    pub liburing_build_version: String,
    /// Which evidence the build version came from (`io_uring_version.h`, the library's file
    /// name, the header's markers, pkg-config...).
    pub liburing_build_version_source: String,
    /// Sources that disagree with the build version (a `liburing.pc` that lags its release).
    pub liburing_version_disagreements: Vec<String>,
    pub liburing_found_by: String,
    pub liburing_linked_library: Option<String>,
    pub liburing_runtime_version: Option<String>,
    /// `io_uring_major_version()` (2.4+) or the loaded shared object's file name.
    pub liburing_runtime_version_source: Option<String>,
    pub liburing_loaded_path: Option<String>,
    pub flush_path: String,
    pub io_uring_disabled: Option<i64>,
    pub ring_features: Vec<String>,
    pub supported_opcodes: Vec<String>,
    /// Why the opcode list is empty, when the probe failed.
    pub probe_error: Option<String>,
}

impl Environment {
    /// Everything that needs no ring.
    pub fn gather() -> Environment {
        let loaded = system_liburing::loaded_liburing_path();
        let (runtime_version, runtime_source) = runtime_version(
            system_liburing::liburing_runtime_version(),
            loaded.as_deref(),
        );
        Environment {
            kernel_release: read_trimmed("/proc/sys/kernel/osrelease"),
            liburing_build_version: system_liburing::LIBURING_BUILD_VERSION.to_owned(),
            liburing_build_version_source: sys::LIBURING_VERSION_SOURCE.to_owned(),
            liburing_version_disagreements: sys::LIBURING_VERSION_DISAGREEMENTS
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
            liburing_found_by: sys::LIBURING_FOUND_BY.to_owned(),
            liburing_linked_library: Some(sys::LIBURING_LIBRARY.to_owned())
                .filter(|s| !s.is_empty()),
            liburing_runtime_version: runtime_version,
            liburing_runtime_version_source: runtime_source,
            liburing_loaded_path: loaded.map(|p| p.display().to_string()),
            flush_path: system_liburing::flush_path().to_owned(),
            io_uring_disabled: io_uring_disabled(),
            ring_features: Vec::new(),
            supported_opcodes: Vec::new(),
            probe_error: None,
        }
    }

    /// Features and opcodes, from a working ring.
    pub fn fill_from_ring(&mut self, ring: &Ring) {
        self.ring_features = feature_names(ring.features());
        match ring.probe() {
            Ok(p) => {
                self.supported_opcodes = p.supported().iter().map(|&op| opcode_name(op)).collect()
            }
            Err(e) => self.probe_error = Some(format!("IORING_REGISTER_PROBE: {}", errno_text(&e))),
        }
    }
}

/// The release of the liburing loaded at run time: what it says itself (2.4+), else what
/// its file name says (`liburing.so.2.1.0`, `liburing.so.1.0.6` for 0.6); with the source.
fn runtime_version(
    reported: Option<(i32, i32)>,
    loaded: Option<&std::path::Path>,
) -> (Option<String>, Option<String>) {
    if let Some((a, b)) = reported {
        return (
            Some(format!("{a}.{b}")),
            Some("io_uring_major_version()".to_owned()),
        );
    }
    let name = loaded
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned());
    match name
        .as_deref()
        .and_then(|n| Some((n, sys::release_from_library_name(n)?)))
    {
        Some((n, (a, b))) => (Some(format!("{a}.{b}")), Some(format!("file name {n}"))),
        None => (None, None),
    }
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

/// `kernel.io_uring_disabled` (6.6+), read-only; `None` when absent or unreadable.
pub fn io_uring_disabled() -> Option<i64> {
    read_trimmed(IO_URING_DISABLED)?.parse().ok()
}

/// `IORING_FEAT_*` names of a features word; bits the installed header does not name get the
/// kernel ABI name where known, else `IORING_FEAT_BIT<n>`.
pub fn feature_names(features: Features) -> Vec<String> {
    (0..32)
        .filter(|b| features.bits() & (1 << b) != 0)
        .map(|b| {
            let v = 1u32 << b;
            Features::from_bits_retain(v)
                .iter_names()
                .next()
                .map(|(n, _)| format!("IORING_FEAT_{n}"))
                .or_else(|| sys::constant_name("IORING_FEAT_", i64::from(v)).map(str::to_owned))
                .or_else(|| {
                    (b as usize)
                        .checked_sub(KERNEL_FEATURES_FROM)
                        .and_then(|i| KERNEL_FEATURES.get(i))
                        .map(|n| format!("IORING_FEAT_{n}"))
                })
                .unwrap_or_else(|| format!("IORING_FEAT_BIT{b}"))
        })
        .collect()
}

/// Feature bits 14.. of the kernel ABI (6.10+), for headers older than them.
const KERNEL_FEATURES_FROM: usize = 14;
const KERNEL_FEATURES: &[&str] = &["RECVSEND_BUNDLE", "MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT"];

/// `IORING_OP_*` name of an opcode, from the installed header, else from the kernel ABI
/// (opcodes newer than the header), else `IORING_OP_<n>`.
pub fn opcode_name(op: u8) -> String {
    sys::CONSTANTS
        .iter()
        .find(|(n, v)| *v == i64::from(op) && n.starts_with("IORING_OP_") && *n != "IORING_OP_LAST")
        .map(|(n, _)| (*n).to_owned())
        .or_else(|| {
            KERNEL_OPS
                .get(usize::from(op))
                .map(|n| format!("IORING_OP_{n}"))
        })
        .unwrap_or_else(|| format!("IORING_OP_{op}"))
}

/// The kernel ABI's opcode names (`enum io_uring_op`, through 6.18), for opcodes newer than
/// the installed header.
const KERNEL_OPS: &[&str] = &[
    "NOP",
    "READV",
    "WRITEV",
    "FSYNC",
    "READ_FIXED",
    "WRITE_FIXED",
    "POLL_ADD",
    "POLL_REMOVE",
    "SYNC_FILE_RANGE",
    "SENDMSG",
    "RECVMSG",
    "TIMEOUT",
    "TIMEOUT_REMOVE",
    "ACCEPT",
    "ASYNC_CANCEL",
    "LINK_TIMEOUT",
    "CONNECT",
    "FALLOCATE",
    "OPENAT",
    "CLOSE",
    "FILES_UPDATE",
    "STATX",
    "READ",
    "WRITE",
    "FADVISE",
    "MADVISE",
    "SEND",
    "RECV",
    "OPENAT2",
    "EPOLL_CTL",
    "SPLICE",
    "PROVIDE_BUFFERS",
    "REMOVE_BUFFERS",
    "TEE",
    "SHUTDOWN",
    "RENAMEAT",
    "UNLINKAT",
    "MKDIRAT",
    "SYMLINKAT",
    "LINKAT",
    "MSG_RING",
    "FSETXATTR",
    "SETXATTR",
    "FGETXATTR",
    "GETXATTR",
    "SOCKET",
    "URING_CMD",
    "SEND_ZC",
    "SENDMSG_ZC",
    "READ_MULTISHOT",
    "WAITID",
    "FUTEX_WAIT",
    "FUTEX_WAKE",
    "FUTEX_WAITV",
    "FIXED_FD_INSTALL",
    "FTRUNCATE",
    "BIND",
    "LISTEN",
    "RECV_ZC",
    "EPOLL_WAIT",
    "READV_FIXED",
    "WRITEV_FIXED",
    "PIPE",
];

/// Why io_uring cannot be used here.
#[derive(Debug, Clone)]
pub struct Unavailable {
    /// `denied`, `no-kernel-support`, `memlock`, or `setup-failed`.
    pub kind: &'static str,
    /// The errno's name (`EPERM`), when there was one.
    pub errno: Option<String>,
    /// One line for people.
    pub message: String,
}

/// Tries to set up a small ring; the error says which of the known reasons stops io_uring.
pub fn open_ring() -> Result<Ring, Unavailable> {
    Ring::builder()
        .entries(4)
        .build()
        .map_err(|e| explain(&e, io_uring_disabled(), memlock_limit()))
}

fn explain(e: &io::Error, disabled: Option<i64>, memlock: Option<String>) -> Unavailable {
    let errno = e.raw_os_error();
    let setup = format!("io_uring_setup failed with {}", errno_text(e));
    let (kind, why) = match errno {
        Some(libc::EPERM | libc::EACCES) => {
            let detail =
                match disabled {
                    Some(2) => "kernel.io_uring_disabled=2: io_uring is disabled for every process"
                        .to_owned(),
                    Some(1) => "kernel.io_uring_disabled=1: io_uring is limited to CAP_SYS_ADMIN \
                            and members of kernel.io_uring_group"
                        .to_owned(),
                    Some(n) => format!(
                        "the sysctl ({n}) allows io_uring, so most likely a seccomp filter \
                     (container runtime, sandbox, systemd SystemCallFilter) denies io_uring_setup"
                    ),
                    None => "a seccomp filter or kernel.io_uring_disabled (not readable here)"
                        .to_owned(),
                };
            let sysctl = disabled.map_or("?".to_owned(), |n| n.to_string());
            (
                "denied",
                format!("denied (seccomp or kernel.io_uring_disabled={sysctl}): {detail}"),
            )
        }
        Some(libc::ENOSYS) => (
            "no-kernel-support",
            "kernel without io_uring (older than 5.1, built without CONFIG_IO_URING, or a \
             seccomp filter answering ENOSYS)"
                .to_owned(),
        ),
        Some(libc::ENOMEM) => (
            "memlock",
            format!(
                "RLIMIT_MEMLOCK too low for the ring (locked-memory limit {}); kernels before \
                 5.12 charge ring memory to it: raise `ulimit -l`",
                memlock.unwrap_or_else(|| "unknown".into())
            ),
        ),
        _ => ("setup-failed", "unexpected error".to_owned()),
    };
    Unavailable {
        kind,
        errno: errno.map(errno_name),
        message: format!("io_uring is unavailable: {setup}: {why}"),
    }
}

/// "Max locked memory" soft limit from /proc/self/limits, for the ENOMEM explanation.
fn memlock_limit() -> Option<String> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max locked memory"))?;
    let soft = line["Max locked memory".len()..]
        .split_whitespace()
        .next()?;
    Some(match soft.parse::<u64>() {
        Ok(n) => format!("{} KiB", n / 1024),
        Err(_) => soft.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_each_errno() {
        let d = explain(&io::Error::from_raw_os_error(libc::EPERM), Some(2), None);
        assert_eq!((d.kind, d.errno.as_deref()), ("denied", Some("EPERM")));
        assert!(
            d.message.contains("kernel.io_uring_disabled=2"),
            "{}",
            d.message
        );
        let d = explain(&io::Error::from_raw_os_error(libc::EPERM), Some(0), None);
        assert!(d.message.contains("seccomp"), "{}", d.message);
        let d = explain(&io::Error::from_raw_os_error(libc::ENOSYS), None, None);
        assert_eq!(d.kind, "no-kernel-support");
        assert!(d.message.contains("kernel without io_uring"));
        let d = explain(
            &io::Error::from_raw_os_error(libc::ENOMEM),
            None,
            Some("64 KiB".into()),
        );
        assert_eq!(d.kind, "memlock");
        assert!(d.message.contains("RLIMIT_MEMLOCK") && d.message.contains("64 KiB"));
    }

    #[test]
    fn runtime_version_from_the_library_or_its_name() {
        use std::path::Path;
        assert_eq!(
            runtime_version(Some((2, 9)), Some(Path::new("/x/liburing.so.2.9"))),
            (Some("2.9".into()), Some("io_uring_major_version()".into()))
        );
        assert_eq!(
            runtime_version(
                None,
                Some(Path::new("/usr/lib/x86_64-linux-gnu/liburing.so.2.1.0"))
            ),
            (
                Some("2.1".into()),
                Some("file name liburing.so.2.1.0".into())
            )
        );
        assert_eq!(
            runtime_version(None, Some(Path::new("/p/liburing.so.1.0.6"))),
            (
                Some("0.6".into()),
                Some("file name liburing.so.1.0.6".into())
            )
        );
        assert_eq!(runtime_version(None, None), (None, None));
    }

    #[test]
    fn names_opcodes_and_features() {
        assert_eq!(opcode_name(0), "IORING_OP_NOP");
        assert_eq!(opcode_name(22), "IORING_OP_READ");
        assert_ne!(opcode_name(49), "IORING_OP_LAST");
        // The fallback table agrees with every name the installed header has.
        for (name, value) in sys::CONSTANTS {
            if let (Some(short), Ok(op)) =
                (name.strip_prefix("IORING_OP_"), usize::try_from(*value))
            {
                if short != "LAST" && op < KERNEL_OPS.len() {
                    assert_eq!(KERNEL_OPS[op], short);
                }
            }
        }
        assert_eq!(
            feature_names(Features::NODROP | Features::SINGLE_MMAP),
            ["IORING_FEAT_SINGLE_MMAP", "IORING_FEAT_NODROP"]
        );
        assert_eq!(
            feature_names(Features::from_bits_retain(1 << 30)),
            ["IORING_FEAT_BIT30"]
        );
    }
}
