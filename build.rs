//! Turns liburing-sys's detection (links metadata `DEP_URING_*`) into cfgs for the safe
//! crate. The table itself lives only in `liburing-sys/build/detect.rs`: this script learns
//! the present library functions from `DEP_URING_HAS` and the header's inline helpers (every
//! `io_uring_prep_*`...) from `DEP_URING_INLINE`, and the kernel ABI constants of the
//! bindings (fallbacks included) from `DEP_URING_CONSTANTS`, so that code can be gated on a
//! constant as on a function. Any value is allowed in `liburing_has`,
//! because which helpers exist depends on the liburing release.

fn main() {
    for var in [
        "DEP_URING_HAS",
        "DEP_URING_INLINE",
        "DEP_URING_CONSTANTS",
        "DEP_URING_VERSION",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let list = |var: &str| -> Vec<String> {
        std::env::var(var)
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    println!("cargo::rustc-check-cfg=cfg(liburing_has, values(any()))");
    for n in list("DEP_URING_HAS")
        .iter()
        .chain(&list("DEP_URING_INLINE"))
        .chain(&list("DEP_URING_CONSTANTS"))
    {
        println!("cargo::rustc-cfg=liburing_has=\"{n}\"");
    }
    let version = std::env::var("DEP_URING_VERSION").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=SYSTEM_LIBURING_BUILD_VERSION={version}");
}
