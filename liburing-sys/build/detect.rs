//! THE feature table: the out-of-line liburing functions the safe layer (and `uring-check`)
//! may call, detected from what the library really exports, never from the version number
//! (distros backport) nor from the header alone (liburing 2.3 declares
//! `io_uring_enable_rings` and `io_uring_register_restrictions`, but its liburing.so does not
//! export them).
//!
//! Each present entry becomes `cfg(liburing_has = "<name>")` in this crate and, through the
//! `links` metadata `DEP_URING_HAS` / `DEP_URING_KNOWN`, in the safe crate. There is no second
//! copy of this list anywhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (function, first liburing release that exported it, what relies on it)
pub const TABLE: &[(&str, &str, &str)] = &[
    (
        "io_uring_get_events",
        "2.3",
        "overflow / task-work flush without submitting",
    ),
    (
        "io_uring_submit_and_get_events",
        "2.3",
        "submit plus flush in one enter",
    ),
    ("io_uring_register_ring_fd", "2.2", "registered ring fd"),
    ("io_uring_unregister_ring_fd", "2.2", "registered ring fd"),
    ("io_uring_close_ring_fd", "2.4", "ring fd registered only"),
    ("io_uring_register_buf_ring", "2.2", "provided buffer rings"),
    (
        "io_uring_unregister_buf_ring",
        "2.2",
        "provided buffer rings",
    ),
    (
        "io_uring_setup_buf_ring",
        "2.4",
        "provided buffer rings (allocation helper)",
    ),
    (
        "io_uring_free_buf_ring",
        "2.4",
        "provided buffer rings (allocation helper)",
    ),
    (
        "io_uring_enable_rings",
        "2.4",
        "rings created disabled (R_DISABLED)",
    ),
    ("io_uring_register_restrictions", "2.4", "restrictions"),
    ("io_uring_register_files_sparse", "2.2", "sparse file table"),
    (
        "io_uring_register_buffers_sparse",
        "2.2",
        "sparse buffer table",
    ),
    (
        "io_uring_register_iowq_max_workers",
        "2.1",
        "io-wq worker limits",
    ),
    ("io_uring_register_iowq_aff", "2.1", "io-wq affinity"),
    ("io_uring_unregister_iowq_aff", "2.1", "io-wq affinity"),
    (
        "io_uring_unregister_eventfd",
        "0.1",
        "eventfd unregistration (liburing 0.4's .so does not export it)",
    ),
    (
        "io_uring_register_files_update",
        "0.2",
        "fixed-file table updates",
    ),
    (
        "io_uring_register_eventfd_async",
        "0.6",
        "eventfd for async completions",
    ),
    ("io_uring_register_personality", "0.6", "personalities"),
    ("io_uring_unregister_personality", "0.6", "personalities"),
    ("io_uring_register_sync_cancel", "2.3", "synchronous cancel"),
    (
        "io_uring_register_sync_msg",
        "2.12",
        "ring messages from no ring (MsgRing::sync)",
    ),
    (
        "io_uring_register_file_alloc_range",
        "2.3",
        "fixed-file allocation range",
    ),
    (
        "io_uring_submit_and_wait_timeout",
        "2.2",
        "wait with timeout in one enter",
    ),
    ("io_uring_get_probe_ring", "0.6", "opcode probe"),
    ("io_uring_free_probe", "0.7", "opcode probe"),
    ("io_uring_queue_init_params", "0.6", "setup with params"),
    ("io_uring_peek_batch_cqe", "0.2", "raw batch peek"),
    ("io_uring_wait_cqes", "0.4", "raw wait with timeout"),
    ("io_uring_enter", "2.2", "exported syscall wrappers"),
    ("io_uring_enter2", "2.2", "exported syscall wrappers"),
    ("io_uring_setup", "2.2", "exported syscall wrappers"),
    ("io_uring_register", "2.2", "exported syscall wrappers"),
    ("io_uring_major_version", "2.4", "runtime version report"),
    ("io_uring_minor_version", "2.4", "runtime version report"),
    ("io_uring_check_version", "2.4", "runtime version report"),
    ("io_uring_mlock_size", "2.1", "RLIMIT_MEMLOCK estimate"),
];

/// Where the library file is, and what it exports.
pub struct Symbols {
    pub library: Option<PathBuf>,
    pub exported: BTreeSet<String>,
    /// How the symbols were learned, for the build log.
    pub method: &'static str,
}

/// Looks for the file the linker will use: the one `find` chose in an explicit lib dir,
/// else the dirs in order, then the compiler's own search path (`cc -print-file-name`),
/// which is where `-luring` resolves.
pub fn locate_library(
    chosen: Option<&Path>,
    lib_dirs: &[PathBuf],
    statik: bool,
    cc: &Path,
) -> Option<PathBuf> {
    if let Some(p) = chosen.filter(|p| p.exists()) {
        return Some(p.to_path_buf());
    }
    let name = if statik { "liburing.a" } else { "liburing.so" };
    for d in lib_dirs {
        let p = d.join(name);
        if p.exists() {
            return Some(p);
        }
    }
    let out = Command::new(cc)
        .arg(format!("-print-file-name={name}"))
        .output()
        .ok()?;
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (p.is_absolute() && p.exists()).then_some(p)
}

/// Reads the exported symbols of a shared object (dynamic symbol table) or of a static
/// archive (its symbol index).
pub fn exported_symbols(path: &Path) -> Result<BTreeSet<String>, String> {
    use object::read::archive::ArchiveFile;
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BTreeSet::new();
    if let Ok(archive) = ArchiveFile::parse(&*data) {
        let symbols = archive
            .symbols()
            .map_err(|e| e.to_string())?
            .ok_or("archive without a symbol index")?;
        for s in symbols {
            let s = s.map_err(|e| e.to_string())?;
            out.insert(String::from_utf8_lossy(s.name()).into_owned());
        }
        return Ok(out);
    }
    let file = object::File::parse(&*data).map_err(|e| format!("{}: {e}", path.display()))?;
    for s in file.dynamic_symbols() {
        if s.is_definition() && s.is_global() {
            if let Ok(name) = s.name() {
                // Versioned names come as "name@@LIBURING_2.3".
                out.insert(name.split('@').next().unwrap_or(name).to_string());
            }
        }
    }
    Ok(out)
}

/// Fallback when the file cannot be found or read (a linker script, an odd layout): ask the
/// linker itself, one tiny program per function.
pub fn link_test(
    names: &[&str],
    cc: &Path,
    lib_dirs: &[PathBuf],
    statik: bool,
    chosen: Option<&Path>,
    out_dir: &Path,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in names {
        let src = out_dir.join(format!("probe_{name}.c"));
        let exe = out_dir.join(format!("probe_{name}"));
        let code =
            format!("extern char {name}(void);\nint main(void) {{ return (int)(long)&{name}; }}\n");
        if std::fs::write(&src, code).is_err() {
            continue;
        }
        let mut cmd = Command::new(cc);
        cmd.arg(&src).arg("-o").arg(&exe);
        for d in lib_dirs {
            cmd.arg(format!("-L{}", d.display()));
        }
        if let Some(file) = chosen {
            cmd.arg(file);
        } else if statik {
            cmd.arg("-Wl,-Bstatic").arg("-luring").arg("-Wl,-Bdynamic");
        } else {
            cmd.arg("-luring");
        }
        if cmd.output().map(|o| o.status.success()).unwrap_or(false) {
            out.insert(name.to_string());
        }
    }
    out
}

/// Learns what the library exports, by reading it where possible.
pub fn symbols(
    chosen: Option<&Path>,
    lib_dirs: &[PathBuf],
    statik: bool,
    cc: &Path,
    out_dir: &Path,
    declared: &[&str],
) -> Symbols {
    if let Some(lib) = locate_library(chosen, lib_dirs, statik, cc) {
        match exported_symbols(&lib) {
            Ok(exported) if !exported.is_empty() => {
                return Symbols {
                    library: Some(lib),
                    exported,
                    method: "symbol table",
                };
            }
            Ok(_) => println!(
                "cargo:warning=no symbols read from {}; using link tests",
                lib.display()
            ),
            Err(e) => println!("cargo:warning=could not read {e}; using link tests"),
        }
    }
    let mut names: Vec<&str> = TABLE.iter().map(|t| t.0).collect();
    names.extend(declared.iter().copied());
    names.sort_unstable();
    names.dedup();
    Symbols {
        library: locate_library(chosen, lib_dirs, statik, cc),
        exported: link_test(&names, cc, lib_dirs, statik, chosen, out_dir),
        method: "link tests",
    }
}
