//! Turns liburing-sys's detection (links metadata `DEP_URING_*`) into cfgs for the safe
//! crate. The table itself lives only in `liburing-sys/build/detect.rs`: this script learns
//! the present library functions from `DEP_URING_HAS` and the header's inline helpers (every
//! `io_uring_prep_*`...) from `DEP_URING_INLINE`, and the kernel ABI constants of the
//! bindings (fallbacks included) from `DEP_URING_CONSTANTS`, so that code can be gated on a
//! constant as on a function. Any value is allowed in `liburing_has`,
//! because which helpers exist depends on the liburing release.
//!
//! `uring-check/build.rs` includes this file for [`liburing_has_cfgs`], so that the tool and
//! the crate gate on the same names.

fn main() {
    liburing_has_cfgs();
    println!("cargo:rerun-if-env-changed=DEP_URING_VERSION");
    let version = std::env::var("DEP_URING_VERSION").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=SYSTEM_LIBURING_BUILD_VERSION={version}");
}

/// Emits `liburing_has = "<name>"` for every function, inline helper and ABI constant that
/// liburing-sys's detection found.
pub fn liburing_has_cfgs() {
    println!("cargo::rustc-check-cfg=cfg(liburing_has, values(any()))");
    for var in ["DEP_URING_HAS", "DEP_URING_INLINE", "DEP_URING_CONSTANTS"] {
        println!("cargo:rerun-if-env-changed={var}");
        let names = std::env::var(var).unwrap_or_default();
        for n in names.split(',').filter(|s| !s.is_empty()) {
            println!("cargo::rustc-cfg=liburing_has=\"{n}\"");
        }
    }
}
