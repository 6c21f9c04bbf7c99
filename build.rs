//! Turns liburing-sys's detection (links metadata `DEP_URING_*`) into cfgs for the safe
//! crate. The table itself lives only in `liburing-sys/build/detect.rs`: this script learns
//! every possible name from `DEP_URING_KNOWN` and the present ones from `DEP_URING_HAS`.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_URING_KNOWN");
    println!("cargo:rerun-if-env-changed=DEP_URING_HAS");
    println!("cargo:rerun-if-env-changed=DEP_URING_VERSION");
    let list = |var: &str| -> Vec<String> {
        std::env::var(var)
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let known = list("DEP_URING_KNOWN");
    let has = list("DEP_URING_HAS");
    let values: Vec<String> = known.iter().map(|n| format!("\"{n}\"")).collect();
    println!(
        "cargo::rustc-check-cfg=cfg(liburing_has, values({}))",
        values.join(", ")
    );
    for n in &has {
        println!("cargo::rustc-cfg=liburing_has=\"{n}\"");
    }
    let version = std::env::var("DEP_URING_VERSION").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=SYSTEM_LIBURING_BUILD_VERSION={version}");
}
