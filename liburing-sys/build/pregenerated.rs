//! Docs-only builds (docs.rs): no liburing, no libclang, no network there, so the build
//! copies outputs that a real build wrote into `pregenerated/` instead of generating them.
//! Nothing here is used by a normal build except [`write`], and only on request.
//!
//! Written against an env getter and plain paths so that `tests/pregenerated.rs` can include
//! this file.

use std::collections::BTreeMap;
use std::path::Path;

/// The variables that switch the mode; the build script reruns when one changes.
pub const ENV_VARS: &[&str] = &["DOCS_RS", "LIBURING_SYS_DOCS_ONLY", WRITE_VAR];

/// Set to a directory, a normal build also copies its outputs there (see `regen.sh`).
pub const WRITE_VAR: &str = "LIBURING_SYS_WRITE_PREGENERATED";

/// Every OUT_DIR file that `src/lib.rs` and the tests `include!`.
pub const FILES: &[&str] = &[
    "bindings.rs",
    "constants.rs",
    "detected.rs",
    "inline_fn_ptrs.rs",
];

/// `key=value` lines: the links metadata (`DEP_URING_*`) of the build that wrote the folder,
/// plus `target`, the only target the pregenerated layouts are valid for.
pub const METADATA: &str = "links-metadata.txt";

fn flag(env: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    matches!(env(name).as_deref(), Some(v) if !v.is_empty() && v != "0")
}

/// docs.rs sets `DOCS_RS=1`; `LIBURING_SYS_DOCS_ONLY=1` does the same, to try it locally.
pub fn docs_only(env: &dyn Fn(&str) -> Option<String>) -> bool {
    flag(env, "DOCS_RS") || flag(env, "LIBURING_SYS_DOCS_ONLY")
}

/// Parses `links-metadata.txt` (blank lines and `#` comments allowed).
pub fn parse_metadata(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected key=value, got {line:?}", i + 1))?;
        map.insert(k.trim().to_string(), v.trim().to_string());
    }
    for key in ["target", "version", "has", "inline", "known"] {
        if !map.contains_key(key) {
            return Err(format!("no `{key}=` line"));
        }
    }
    Ok(map)
}

fn regen_hint() -> &'static str {
    "Regenerate the folder on a machine with liburing-dev and libclang-dev: \
     liburing-sys/pregenerated/regen.sh"
}

/// Copies the pregenerated files into `out_dir` and returns the links metadata to emit
/// (without `target`, which is checked against the target being documented).
pub fn install(dir: &Path, out_dir: &Path, target: &str) -> Result<Vec<(String, String)>, String> {
    let meta_path = dir.join(METADATA);
    let text = std::fs::read_to_string(&meta_path)
        .map_err(|e| format!("cannot read {}: {e}\n{}", meta_path.display(), regen_hint()))?;
    let mut meta = parse_metadata(&text)
        .map_err(|e| format!("{}: {e}\n{}", meta_path.display(), regen_hint()))?;
    let made_for = meta.remove("target").unwrap_or_default();
    // The bindings carry layout assertions for one target; on another they fail to compile
    // with errors that do not say why.
    if made_for != target {
        return Err(format!(
            "the pregenerated bindings are for {made_for}, not {target}. Document for \
             {made_for} (docs.rs: `targets = [\"{made_for}\"]` under \
             [package.metadata.docs.rs]), or unset DOCS_RS / LIBURING_SYS_DOCS_ONLY to \
             generate bindings from an installed liburing."
        ));
    }
    for f in FILES {
        let from = dir.join(f);
        std::fs::copy(&from, out_dir.join(f))
            .map_err(|e| format!("cannot copy {}: {e}\n{}", from.display(), regen_hint()))?;
    }
    Ok(meta.into_iter().collect())
}

/// Writes the folder from a real build: copies the bindings and the constant table from
/// `out_dir` and records `links`, the metadata the build emitted. (`detected.rs` and
/// `inline_fn_ptrs.rs` the caller writes itself, without this machine's library path.)
pub fn write(
    dir: &Path,
    out_dir: &Path,
    target: &str,
    links: &[(&str, String)],
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for f in ["bindings.rs", "constants.rs"] {
        std::fs::copy(out_dir.join(f), dir.join(f))
            .map_err(|e| format!("copy {f} to {}: {e}", dir.display()))?;
    }
    let mut text = String::from(
        "# Links metadata (DEP_URING_*) of the build that wrote this folder; a docs-only build\n\
         # emits it as is. `target`: the only target these bindings' layouts are valid for.\n",
    );
    text.push_str(&format!("target={target}\n"));
    for (k, v) in links {
        text.push_str(&format!("{k}={v}\n"));
    }
    let path = dir.join(METADATA);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}
