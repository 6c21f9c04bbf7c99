//! Finding the installed liburing: pkg-config first, env overrides on top.
//!
//! Written against an env getter so that a test can drive it without touching the process
//! environment (see `tests/find_errors.rs`, which includes this file).

use std::fmt;
use std::path::{Path, PathBuf};

/// Every variable that changes what is found; the build script reruns when one changes.
pub const ENV_VARS: &[&str] = &[
    "LIBURING_INCLUDE_DIR",
    "LIBURING_LIB_DIR",
    "LIBURING_STATIC",
    "LIBURING_NO_PKG_CONFIG",
    "LIBURING_VERSION",
    "PKG_CONFIG_PATH",
];

/// What was found: where the headers and the library are, and how to link.
#[derive(Debug, Clone)]
pub struct Found {
    pub include_dirs: Vec<PathBuf>,
    pub lib_dirs: Vec<PathBuf>,
    pub statik: bool,
    /// "2.3", or `None` when neither pkg-config nor the headers say.
    pub version: Option<String>,
    /// How it was found, for the build log and `uring-check`.
    pub source: &'static str,
}

impl Found {
    /// The directory holding `liburing.h`.
    pub fn header_dir(&self) -> Option<&Path> {
        self.include_dirs
            .iter()
            .map(PathBuf::as_path)
            .find(|d| d.join("liburing.h").is_file())
    }
}

/// Nothing usable was found: the one message the build stops with.
#[derive(Debug)]
pub struct NotFound {
    pub looked: Vec<String>,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "system-liburing-sys: could not find liburing (liburing.h and liburing.so / liburing.a).")?;
        writeln!(f)?;
        writeln!(
            f,
            "Install the development package of your distribution's liburing:"
        )?;
        writeln!(
            f,
            "    Debian / Ubuntu:  sudo apt-get install liburing-dev pkg-config libclang-dev"
        )?;
        writeln!(
            f,
            "    Fedora / RHEL:    sudo dnf install liburing-devel pkgconf clang-devel"
        )?;
        writeln!(f, "    Arch:             sudo pacman -S liburing clang")?;
        writeln!(f)?;
        writeln!(f, "or point the build at a liburing you built yourself:")?;
        writeln!(
            f,
            "    LIBURING_INCLUDE_DIR=/path/include   directory that holds liburing.h"
        )?;
        writeln!(f, "    LIBURING_LIB_DIR=/path/lib           directory that holds liburing.so or liburing.a")?;
        writeln!(
            f,
            "    LIBURING_STATIC=1                    link liburing.a instead of liburing.so"
        )?;
        writeln!(
            f,
            "    LIBURING_NO_PKG_CONFIG=1             do not ask pkg-config at all"
        )?;
        writeln!(f, "    LIBURING_VERSION=2.3                 the version, when neither pkg-config nor the headers tell")?;
        writeln!(f)?;
        writeln!(f, "Where it looked:")?;
        for l in &self.looked {
            writeln!(f, "    - {l}")?;
        }
        Ok(())
    }
}

impl std::error::Error for NotFound {}

fn flag(env: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    matches!(env(name).as_deref(), Some(v) if !v.is_empty() && v != "0")
}

/// What pkg-config answered: include dirs, lib dirs, version.
pub type PkgConfigAnswer = (Vec<PathBuf>, Vec<PathBuf>, String);

/// Finds liburing. `env` reads a variable; `pkg_config` asks pkg-config for `liburing`
/// (a seam so tests can say "pkg-config has nothing").
pub fn find(
    env: &dyn Fn(&str) -> Option<String>,
    pkg_config: &dyn Fn(bool) -> Result<PkgConfigAnswer, String>,
) -> Result<Found, NotFound> {
    let mut looked = Vec::new();
    let statik = flag(env, "LIBURING_STATIC");
    let inc_override = env("LIBURING_INCLUDE_DIR")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let lib_override = env("LIBURING_LIB_DIR")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);

    let mut found = Found {
        include_dirs: Vec::new(),
        lib_dirs: Vec::new(),
        statik,
        version: None,
        source: "pkg-config",
    };

    let overridden = inc_override.is_some() || lib_override.is_some();
    if flag(env, "LIBURING_NO_PKG_CONFIG") {
        looked.push("pkg-config: skipped (LIBURING_NO_PKG_CONFIG is set)".into());
    } else if overridden {
        looked.push("pkg-config: skipped (LIBURING_INCLUDE_DIR / LIBURING_LIB_DIR given)".into());
    } else {
        match pkg_config(statik) {
            Ok((inc, lib, version)) => {
                found.include_dirs = inc;
                found.lib_dirs = lib;
                found.version = Some(version);
            }
            Err(e) => looked.push(format!(
                "pkg-config liburing: {}",
                e.lines().next().unwrap_or("not found")
            )),
        }
    }

    if overridden {
        found.source = "LIBURING_INCLUDE_DIR / LIBURING_LIB_DIR";
    } else if found.version.is_none() {
        found.source = "default system directories";
    }
    if let Some(lib) = lib_override {
        found.lib_dirs.insert(0, lib);
    }
    match inc_override {
        // An explicit directory is the only place liburing.h may come from: falling back to
        // /usr/include would quietly build against another liburing than the one asked for.
        Some(inc) => found.include_dirs.insert(0, inc),
        // pkg-config strips the system directories from its answer; search them last.
        None => found
            .include_dirs
            .extend(["/usr/local/include", "/usr/include"].map(PathBuf::from)),
    }

    let header_ok = match found.header_dir() {
        Some(_) => true,
        None => {
            for d in &found.include_dirs {
                looked.push(format!("{}: no liburing.h", d.display()));
            }
            false
        }
    };
    let lib_ok = !overridden_lib_missing(&found, statik, &mut looked);
    if !header_ok || !lib_ok {
        return Err(NotFound { looked });
    }

    if found.version.is_none() {
        found.version = env("LIBURING_VERSION")
            .filter(|v| !v.is_empty())
            .or_else(|| version_from_pc_files(&found.lib_dirs))
            .or_else(|| found.header_dir().and_then(version_from_header));
    }
    Ok(found)
}

/// An explicit LIBURING_LIB_DIR must hold the library; system directories are left to the
/// linker (and to the symbol check, which asks the compiler where they are).
fn overridden_lib_missing(found: &Found, statik: bool, looked: &mut Vec<String>) -> bool {
    let Some(dir) = found.lib_dirs.first() else {
        return false;
    };
    if found.source != "LIBURING_INCLUDE_DIR / LIBURING_LIB_DIR" {
        return false;
    }
    let name = if statik { "liburing.a" } else { "liburing.so" };
    if dir.join(name).exists() {
        return false;
    }
    looked.push(format!("{}: no {name}", dir.display()));
    true
}

/// A source build leaves `liburing.pc` beside `src/`, an install puts it in `lib/pkgconfig`.
fn version_from_pc_files(lib_dirs: &[PathBuf]) -> Option<String> {
    lib_dirs.iter().find_map(|d| {
        [d.join("pkgconfig/liburing.pc"), d.join("../liburing.pc")]
            .iter()
            .find_map(|pc| std::fs::read_to_string(pc).ok())
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("Version:"))
                    .map(|v| v.trim().to_string())
            })
    })
}

/// liburing >= 2.4 installs `liburing/io_uring_version.h`.
fn version_from_header(include: &Path) -> Option<String> {
    let text = std::fs::read_to_string(include.join("liburing/io_uring_version.h")).ok()?;
    let num = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix("#define")?.trim().strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    Some(format!(
        "{}.{}",
        num("IO_URING_VERSION_MAJOR")?,
        num("IO_URING_VERSION_MINOR")?
    ))
}

/// The real pkg-config query.
pub fn pkg_config_probe(statik: bool) -> Result<PkgConfigAnswer, String> {
    pkg_config::Config::new()
        .statik(statik)
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("liburing")
        .map(|lib| (lib.include_paths, lib.link_paths, lib.version))
        .map_err(|e| e.to_string())
}
