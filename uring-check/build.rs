//! Turns liburing-sys's detection into cfgs for the checks, so that a check calls only what
//! the linked liburing has and otherwise skips naming what is missing:
//!
//! * `liburing_has = "<name>"`: the detection table's exported functions present in the
//!   library, the header's inline helpers and the bindings' ABI constants, as the safe
//!   crate's build script reads them (`../build.rs`, included);
//! * `liburing_ring_field = "<field>"`: the members of the installed header's
//!   `struct io_uring` (`features` arrived in 2.0, `enter_ring_fd` in 2.2), read from the
//!   header the bindings were generated from (`DEP_URING_INCLUDE`).

use std::path::PathBuf;

// The safe crate's build script: its `liburing_has_cfgs` is the one reading of the detection.
#[allow(dead_code)]
#[path = "../build.rs"]
mod safe_crate;

fn main() {
    safe_crate::liburing_has_cfgs();
    for var in ["DEP_URING_INCLUDE", "DEP_URING_VERSION"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    // The prep-encoding scenarios are written against the 2.x helper signatures (6-argument
    // fixed reads, 32-bit poll masks, `open_how`, `__kernel_timespec`): older releases skip
    // that check (it says so) rather than fail to build.
    println!("cargo::rustc-check-cfg=cfg(liburing_2x)");
    let major = std::env::var("DEP_URING_VERSION")
        .ok()
        .and_then(|v| v.split('.').next().and_then(|m| m.parse::<u32>().ok()));
    if major.is_some_and(|m| m >= 2) {
        println!("cargo::rustc-cfg=liburing_2x");
    }
    println!("cargo::rustc-check-cfg=cfg(liburing_ring_field, values(any()))");
    if let Some(header) = std::env::var_os("DEP_URING_INCLUDE")
        .map(|d| PathBuf::from(d).join("liburing.h"))
        .filter(|h| h.is_file())
    {
        println!("cargo:rerun-if-changed={}", header.display());
        let text = std::fs::read_to_string(&header).unwrap_or_default();
        for field in ring_fields(&text) {
            println!("cargo::rustc-cfg=liburing_ring_field=\"{field}\"");
        }
    }
}

/// The member names of `struct io_uring { ... };` in liburing.h.
fn ring_fields(header: &str) -> Vec<String> {
    let Some(start) = header.find("struct io_uring {") else {
        return Vec::new();
    };
    let body = &header[start + "struct io_uring {".len()..];
    let body = &body[..body.find("};").unwrap_or(body.len())];
    body.split(';')
        .filter_map(|decl| {
            // "unsigned pad[3]" -> "pad"; "struct io_uring_sq sq" -> "sq".
            let decl = decl.split('[').next()?.trim();
            let name = decl
                .rsplit(|c: char| c.is_whitespace() || c == '*')
                .next()?;
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then(|| name.to_owned())
        })
        .collect()
}
