//! Compiles the C contender (c/bench.c) against the same liburing that system-liburing-sys
//! found: its include dir comes from `DEP_URING_INCLUDE`, and every liburing function that
//! sys found exported (`DEP_URING_HAS`) becomes `-DHAVE_<NAME>` (e.g.
//! `HAVE_IO_URING_REGISTER_RING_FD`), so the C code builds against liburing 0.6 as well.

fn main() {
    println!("cargo:rerun-if-changed=c/bench.c");
    println!("cargo:rerun-if-env-changed=DEP_URING_INCLUDE");
    println!("cargo:rerun-if-env-changed=DEP_URING_HAS");
    println!("cargo:rerun-if-env-changed=DEP_URING_VERSION");

    let has = std::env::var("DEP_URING_HAS").unwrap_or_default();
    let version = std::env::var("DEP_URING_VERSION").unwrap_or_else(|_| "unknown".into());

    let mut build = cc::Build::new();
    build.file("c/bench.c").opt_level(2).warnings(true);
    if let Ok(inc) = std::env::var("DEP_URING_INCLUDE") {
        if !inc.is_empty() {
            build.include(inc);
        }
    }
    for name in has.split(',').filter(|s| !s.is_empty()) {
        build.define(&format!("HAVE_{}", name.to_ascii_uppercase()), None);
    }
    if version == "0.1" {
        build.define("BENCH_PEEK_EMPTY_IS_ZERO", None);
    }
    build.define(
        "BENCH_LIBURING_VERSION",
        Some(format!("\"{version}\"").as_str()),
    );
    build.compile("uring_bench_c");
    // The safe contender's ops exist only where liburing has their helpers (the same cfgs
    // as system-liburing's: functions found exported, and the header's inline helpers).
    println!("cargo:rerun-if-env-changed=DEP_URING_INLINE");
    println!("cargo::rustc-check-cfg=cfg(liburing_has, values(any()))");
    let inline = std::env::var("DEP_URING_INLINE").unwrap_or_default();
    for name in has
        .split(',')
        .chain(inline.split(','))
        .filter(|s| !s.is_empty())
    {
        println!("cargo::rustc-cfg=liburing_has=\"{name}\"");
    }
    // liburing itself is linked by system-liburing-sys (`links = "uring"`), after this lib.
    println!("cargo:rustc-env=URING_BENCH_LIBURING_VERSION={version}");
    println!("cargo:rustc-env=URING_BENCH_LIBURING_HAS={has}");
}
