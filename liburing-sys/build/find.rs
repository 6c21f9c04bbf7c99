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
    /// The library file chosen in an explicit `LIBURING_LIB_DIR`; `None` when the linker
    /// searches its own directories.
    pub library: Option<PathBuf>,
    /// Link a file whose name is not `liburing.so` (`liburing.so.2.15`, an in-tree build's
    /// only shared object) by that exact name.
    pub verbatim: Option<String>,
    /// (source, version) from pkg-config or a `.pc` file; the last evidence of the release
    /// (see `version.rs`).
    pub pc_version: Option<(String, String)>,
    /// `LIBURING_VERSION`, when set.
    pub env_version: Option<String>,
    /// How it was found, for the build log and `uring-check`.
    pub source: &'static str,
    /// Choices the build made on its own, each said in a cargo warning.
    pub notes: Vec<String>,
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
    // Unset means "whatever the lib dir holds"; 1 / 0 insist.
    let static_choice = env("LIBURING_STATIC")
        .filter(|v| !v.is_empty())
        .map(|v| v != "0");
    let inc_override = env("LIBURING_INCLUDE_DIR")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let lib_override = env("LIBURING_LIB_DIR")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);

    let mut found = Found {
        include_dirs: Vec::new(),
        lib_dirs: Vec::new(),
        statik: static_choice == Some(true),
        library: None,
        verbatim: None,
        pc_version: None,
        env_version: env("LIBURING_VERSION").filter(|v| !v.is_empty()),
        source: "pkg-config",
        notes: Vec::new(),
    };

    let overridden = inc_override.is_some() || lib_override.is_some();
    if flag(env, "LIBURING_NO_PKG_CONFIG") {
        looked.push("pkg-config: skipped (LIBURING_NO_PKG_CONFIG is set)".into());
    } else if overridden {
        looked.push("pkg-config: skipped (LIBURING_INCLUDE_DIR / LIBURING_LIB_DIR given)".into());
    } else {
        match pkg_config(found.statik) {
            Ok((inc, lib, version)) => {
                found.include_dirs = inc;
                found.lib_dirs = lib;
                found.pc_version = Some(("pkg-config".into(), version));
            }
            Err(e) => looked.push(format!(
                "pkg-config liburing: {}",
                e.lines().next().unwrap_or("not found")
            )),
        }
    }

    if overridden {
        found.source = "LIBURING_INCLUDE_DIR / LIBURING_LIB_DIR";
    } else if found.pc_version.is_none() {
        found.source = "default system directories";
    }
    let mut lib_ok = true;
    if let Some(lib) = &lib_override {
        found.lib_dirs.insert(0, lib.clone());
        match choose_library(lib, static_choice) {
            Ok(choice) => {
                found.statik = choice.statik;
                found.library = Some(lib.join(&choice.file));
                found.verbatim = choice.verbatim.then(|| choice.file.clone());
                found.notes.extend(choice.note);
            }
            Err(why) => {
                looked.push(format!("{}: {why}", lib.display()));
                lib_ok = false;
            }
        }
    }
    match (inc_override, &lib_override) {
        // An explicit directory is the only place liburing.h may come from: falling back to
        // /usr/include would quietly build against another liburing than the one asked for.
        (Some(inc), _) => found.include_dirs.insert(0, inc),
        // Only the lib dir: its own tree's headers (an in-tree build's `src/include`, an
        // install prefix's `include`) before the system's.
        (None, Some(lib)) => {
            let beside = [lib.join("include"), lib.join("../include")]
                .into_iter()
                .find(|d| d.join("liburing.h").is_file());
            match beside {
                Some(d) => {
                    found.notes.push(format!(
                        "LIBURING_INCLUDE_DIR is not set: using the liburing.h beside the lib dir, in {}",
                        d.display()
                    ));
                    found.include_dirs.push(d);
                }
                None => found.notes.push(format!(
                    "LIBURING_INCLUDE_DIR is not set and {} has no include/ beside it: using the \
                     system liburing.h, which must be the same release as the library",
                    lib.display()
                )),
            }
            found
                .include_dirs
                .extend(["/usr/local/include", "/usr/include"].map(PathBuf::from));
        }
        // pkg-config strips the system directories from its answer; search them last.
        (None, None) => found
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
    if !header_ok || !lib_ok {
        return Err(NotFound { looked });
    }

    if found.pc_version.is_none() {
        found.pc_version = pc_file_version(&found.lib_dirs);
    }
    Ok(found)
}

/// The library file picked in an explicit lib dir, and how to link it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryChoice {
    /// The file name in the lib dir.
    pub file: String,
    pub statik: bool,
    /// Linked by its exact file name (`-l:liburing.so.2.15`).
    pub verbatim: bool,
    /// What the build chose on its own, for a cargo warning.
    pub note: Option<String>,
}

/// Picks the library in `dir`. `static_choice`: `LIBURING_STATIC` (None when unset).
///
/// `liburing.so` first (a prefix install, a distro's -dev package); without it, `liburing.a`
/// (an in-tree build: its `liburing.so.2.15` has no soname link beside it, so a program
/// linked to it would not start); and with neither, a versioned `liburing.so.X.Y`.
pub fn choose_library(dir: &Path, static_choice: Option<bool>) -> Result<LibraryChoice, String> {
    let has = |n: &str| dir.join(n).exists();
    let mut versioned: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    n.strip_prefix("liburing.so.").is_some_and(|v| {
                        !v.is_empty() && v.split('.').all(|p| p.parse::<u32>().is_ok())
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    // The most specific name: liburing.so.2.15 over liburing.so.2.
    versioned.sort_by_key(|n| (n.matches('.').count(), n.clone()));
    let choice = |file: &str, statik: bool, verbatim: bool, note: Option<String>| LibraryChoice {
        file: file.to_owned(),
        statik,
        verbatim,
        note,
    };
    match static_choice {
        Some(true) if has("liburing.a") => Ok(choice("liburing.a", true, false, None)),
        Some(true) => Err("no liburing.a (LIBURING_STATIC=1)".into()),
        _ if has("liburing.so") => Ok(choice("liburing.so", false, false, None)),
        None if has("liburing.a") => Ok(choice(
            "liburing.a",
            true,
            false,
            Some(format!(
                "{} has liburing.a but no liburing.so: linking liburing statically",
                dir.display()
            )),
        )),
        _ => {
            match versioned.last() {
                Some(v) => {
                    Ok(choice(
                        v,
                        false,
                        true,
                        Some(format!(
                    "{} has no liburing.so{}: linking {v} by its file name; at run time the \
                     loader looks for its soname, so point LD_LIBRARY_PATH at a directory \
                     that has it",
                    dir.display(),
                    if static_choice.is_none() { " nor liburing.a" } else { "" },
                )),
                    ))
                }
                None if static_choice == Some(false) => {
                    Err("no liburing.so nor liburing.so.X.Y (LIBURING_STATIC=0)".into())
                }
                None => Err("no liburing.so, liburing.so.X.Y nor liburing.a".into()),
            }
        }
    }
}

/// A source build leaves `liburing.pc` beside `src/`, an install puts it in `lib/pkgconfig`.
fn pc_file_version(lib_dirs: &[PathBuf]) -> Option<(String, String)> {
    lib_dirs.iter().find_map(|d| {
        [d.join("pkgconfig/liburing.pc"), d.join("../liburing.pc")]
            .iter()
            .find_map(|pc| Some((pc, std::fs::read_to_string(pc).ok()?)))
            .and_then(|(pc, text)| {
                text.lines()
                    .find_map(|l| l.strip_prefix("Version:"))
                    .map(|v| {
                        (
                            format!("liburing.pc ({})", pc.display()),
                            v.trim().to_string(),
                        )
                    })
            })
    })
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
