//! Is there a libclang for bindgen to load? Asked before bindgen runs, because bindgen's
//! own answer to "no" is a panic with a backtrace ("Unable to find libclang").
//!
//! The search is the one bindgen's loader (clang-sys, runtime linking) makes on Linux: only
//! `LIBCLANG_PATH` when it is set (a directory, or the file itself), otherwise
//! `llvm-config --prefix`, `LD_LIBRARY_PATH`, `LIBRARY_PATH` and the system library
//! directories, for files named `libclang.so`, `libclang-*.so`, `libclang.so.*` or
//! `libclang-*.so.*`, never `libclang-cpp.so.*` (the C++ API library, which Debian's
//! `libclang-cpp14` installs without any libclang).
//!
//! Every path is taken under `root` so that a test can lay out a fake tree (see
//! `tests/libclang.rs`, which includes this file).

use std::path::{Path, PathBuf};

/// The variable that decides the answer; the build script reruns when it changes (not on
/// `LD_LIBRARY_PATH`, which running the tests against a matrix build sets).
pub const ENV_VARS: &[&str] = &["LIBCLANG_PATH"];

/// The system directory patterns, searched in this order (`*` matches within one component).
const SYSTEM_DIRS: &[&str] = &[
    "/usr/local/llvm*/lib*",
    "/usr/local/lib*/*/*",
    "/usr/local/lib*/*",
    "/usr/local/lib*",
    "/usr/lib*/*/*",
    "/usr/lib*/*",
    "/usr/lib*",
];

/// Whether `name` is a libclang that bindgen can load.
pub fn is_libclang(name: &str) -> bool {
    if name.contains("-cpp.") {
        return false;
    }
    let Some(rest) = name.strip_prefix("libclang") else {
        return false;
    };
    // libclang.so, libclang.so.1
    if rest == ".so" || rest.starts_with(".so.") {
        return true;
    }
    // libclang-14.so, libclang-14.so.1, libclang-14.0.6.so
    match rest.strip_prefix('-') {
        Some(v) => {
            let (version, tail) = v.split_once(".so").unwrap_or((v, "!"));
            !version.is_empty()
                && version.chars().all(|c| c.is_ascii_digit() || c == '.')
                && (tail.is_empty() || tail.starts_with('.'))
        }
        None => false,
    }
}

/// What the search found, or where it looked.
#[derive(Debug)]
pub enum Search {
    Found(PathBuf),
    Missing { looked: Vec<String> },
}

/// Looks for libclang under `root` ("/" on a real machine). `llvm_prefix` is what
/// `llvm-config --prefix` printed, if anything.
pub fn search(
    root: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    llvm_prefix: Option<&Path>,
) -> Search {
    let under = |p: &Path| root.join(p.strip_prefix("/").unwrap_or(p));
    let mut looked = Vec::new();
    if let Some(path) = env("LIBCLANG_PATH").filter(|s| !s.is_empty()) {
        let path = under(Path::new(&path));
        let named_file = path
            .file_name()
            .and_then(|f| f.to_str())
            .is_some_and(is_libclang);
        if named_file && path.is_file() {
            return Search::Found(path);
        }
        if let Some(found) = in_dir(&path) {
            return Search::Found(found);
        }
        looked.push(format!(
            "LIBCLANG_PATH={} (only there, since it is set): no libclang.so / libclang-N.so*",
            path.display()
        ));
        return Search::Missing { looked };
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(prefix) = llvm_prefix {
        for sub in ["bin", "lib", "lib64"] {
            dirs.push(under(&prefix.join(sub)));
        }
    }
    for var in ["LD_LIBRARY_PATH", "LIBRARY_PATH"] {
        if let Some(v) = env(var) {
            dirs.extend(std::env::split_paths(&v).map(|d| under(&d)));
        }
    }
    for pattern in SYSTEM_DIRS {
        dirs.extend(expand(root, pattern));
    }
    for d in &dirs {
        if let Some(found) = in_dir(d) {
            return Search::Found(found);
        }
    }
    looked.push(format!(
        "{} directories ({}, LD_LIBRARY_PATH, LIBRARY_PATH{}): no libclang.so / libclang-N.so*",
        dirs.len(),
        SYSTEM_DIRS.join(", "),
        if llvm_prefix.is_some() {
            ", llvm-config --prefix"
        } else {
            ""
        }
    ));
    let cpp = dirs.iter().find_map(|d| {
        std::fs::read_dir(d).ok()?.flatten().find_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("libclang-cpp").then(|| d.join(n))
        })
    });
    if let Some(cpp) = cpp {
        looked.push(format!(
            "{} is the C++ API library (libclang-cpp), which bindgen cannot use",
            cpp.display()
        ));
    }
    Search::Missing { looked }
}

/// The highest-sorting libclang in `dir`, if any.
fn in_dir(dir: &Path) -> Option<PathBuf> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_libclang(n))
        .collect();
    names.sort();
    names.pop().map(|n| dir.join(n))
}

/// The directories matching `pattern` (absolute, `*` within a component) under `root`.
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![root.to_path_buf()];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for dir in &current {
            if !part.contains('*') {
                let p = dir.join(part);
                if p.is_dir() {
                    next.push(p);
                }
                continue;
            }
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| wildcard(part, &e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            found.sort();
            next.extend(found);
        }
        current = next;
    }
    current
}

/// `*` matches any run of characters; everything else matches itself.
fn wildcard(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            let Some(rest) = name.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len()).any(|i| rest.is_char_boundary(i) && wildcard(tail, &rest[i..]))
        }
    }
}

/// The message the build stops with when there is no libclang.
pub fn missing_message(looked: &[String]) -> String {
    let mut s = String::from(
        "system-liburing-sys: bindgen needs libclang (the C API library of clang) to read \
         liburing.h, and found none it can load.\n\n\
         Install it:\n    \
         Debian / Ubuntu:  sudo apt-get install libclang-dev\n    \
         Fedora / RHEL:    sudo dnf install clang-devel\n    \
         Arch:             sudo pacman -S clang\n    \
         Alpine:           sudo apk add clang-dev\n\n\
         or point the build at one: LIBCLANG_PATH=/usr/lib/llvm-14/lib (a directory holding \
         libclang.so or libclang-N.so.M, or the file itself).\n\n\
         Where it looked:\n",
    );
    for l in looked {
        s.push_str("    - ");
        s.push_str(l);
        s.push('\n');
    }
    s
}
