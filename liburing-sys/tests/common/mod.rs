//! Fake directory trees for the tests of the build's decisions.

use std::path::PathBuf;

/// A scratch directory holding `files` (relative paths), each an empty file; removed first
/// if a previous run left it.
pub fn tree(name: &str, files: &[&str]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("liburing-sys-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for f in files {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    root
}
