//! Build script of `system-liburing-sys`:
//! find (pkg-config / env) -> scan the header -> detect (one table, from the library's real
//! symbols) -> bindgen -> cc shim for the static inline helpers -> links metadata.
//! Docs-only builds (docs.rs) skip all of it and copy `pregenerated/` (see `pregenerated.rs`).

mod detect;
mod fallbacks;
mod find;
mod libclang;
mod pregenerated;
mod scan;
mod version;

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    for v in find::ENV_VARS {
        println!("cargo:rerun-if-env-changed={v}");
    }
    for v in pregenerated::ENV_VARS.iter().chain(libclang::ENV_VARS) {
        println!("cargo:rerun-if-env-changed={v}");
    }
    println!("cargo:rerun-if-changed=wrapper.h");
    println!("cargo:rerun-if-changed=build");
    println!("cargo::rustc-check-cfg=cfg(liburing_sys_docs_only)");

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let getenv = |k: &str| env::var(k).ok();

    if pregenerated::docs_only(&getenv) {
        docs_only(&manifest_dir.join("pregenerated"), &out_dir, &target);
        return;
    }
    // A relative path means the package dir, where cargo runs build scripts.
    let write_pregenerated = getenv(pregenerated::WRITE_VAR)
        .filter(|s| !s.is_empty())
        .map(|d| manifest_dir.join(d));
    // The symlink is resolved so the shim's `#include` works from OUT_DIR too.
    let wrapper = std::fs::canonicalize(manifest_dir.join("wrapper.h"))
        .expect("wrapper.h is part of the crate");

    let found = match find::find(&|k| env::var(k).ok(), &find::pkg_config_probe) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("\n{e}");
            std::process::exit(1);
        }
    };
    let header_dir = found.header_dir().expect("find() checked it").to_path_buf();
    for note in &found.notes {
        println!("cargo:warning={note}");
    }
    require_libclang();

    let compiler = cc::Build::new().get_compiler();
    let cc_path = compiler.path().to_path_buf();

    // What the header defines, with #if resolved by the real preprocessor.
    let mut pp = cc::Build::new();
    pp.file(&wrapper).cargo_metadata(false).warnings(false);
    for d in &found.include_dirs {
        pp.include(d);
    }
    let preprocessed = match pp.try_expand() {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!(
                "\nsystem-liburing-sys: the C compiler could not preprocess wrapper.h against {}:\n{e}\n\
                 Is liburing-dev complete (liburing/io_uring.h, liburing/compat.h)?",
                header_dir.display()
            );
            std::process::exit(1);
        }
    };
    let liburing_text = scan::liburing_text(&preprocessed);
    let functions = scan::functions(&liburing_text);
    // The enumerator fallbacks the header already has (see fallbacks.rs).
    let wrapper_text = std::fs::read_to_string(&wrapper).expect("read wrapper.h");
    let enumerators = fallbacks::enumerators(&wrapper_text);
    let have: Vec<String> = fallbacks::present(&enumerators, &liburing_text)
        .into_iter()
        .map(|n| format!("{}{n}", fallbacks::HAVE_PREFIX))
        .collect();
    let inline: Vec<&str> = functions
        .iter()
        .filter(|f| f.inline)
        .map(|f| f.name.as_str())
        .collect();
    let declared: Vec<&str> = functions
        .iter()
        .filter(|f| !f.inline)
        .map(|f| f.name.as_str())
        .collect();

    let symbols = detect::symbols(
        found.library.as_deref(),
        &found.lib_dirs,
        found.statik,
        &cc_path,
        &out_dir,
        &declared,
    );
    let decision = version::decide(&version::Sources {
        env: found.env_version.as_deref(),
        include: Some(&header_dir),
        library: symbols.library.as_deref(),
        pkg_config: found
            .pc_version
            .as_ref()
            .map(|(s, v)| (s.as_str(), v.as_str())),
    });
    for d in &decision.disagreements {
        println!("cargo:warning=liburing version: {d}");
    }
    // Declared by the header but not in the library: leave them out of the bindings, so that
    // a call is a compile error ("not found in sys") instead of a link error.
    let unexported: Vec<&str> = declared
        .iter()
        .copied()
        .filter(|n| !symbols.exported.contains(*n))
        .collect();

    let shim_stem = out_dir.join("shim");
    let bindings = generate_bindings(&wrapper, &found, &have, &shim_stem, &unexported);
    let bindings_text = bindings.to_string();
    std::fs::write(out_dir.join("bindings.rs"), &bindings_text).expect("write bindings.rs");
    write_constant_table(&out_dir, &bindings_text);

    let shim_c = shim_stem.with_extension("c");
    let shim_text = std::fs::read_to_string(&shim_c).unwrap_or_default();
    let shim_count = shim_text.matches("__extern(").count();
    let mut shim = cc::Build::new();
    shim.file(&shim_c)
        .include(wrapper.parent().expect("wrapper.h has a parent"))
        .warnings(false)
        .opt_level(2);
    for d in &found.include_dirs {
        shim.include(d);
    }
    for h in &have {
        shim.define(h, None);
    }
    shim.compile("uring_shim");

    // After the shim, so that a static liburing.a comes later on the link line.
    for d in &found.lib_dirs {
        println!("cargo:rustc-link-search=native={}", d.display());
    }
    match &found.verbatim {
        // `-l:liburing.so.2.15`: a lib dir without the `liburing.so` link.
        Some(file) => println!("cargo:rustc-link-lib=dylib:+verbatim={file}"),
        None => println!(
            "cargo:rustc-link-lib={}uring",
            if found.statik { "static=" } else { "" }
        ),
    }

    let present: Vec<&str> = detect::TABLE
        .iter()
        .map(|t| t.0)
        .filter(|n| symbols.exported.contains(*n))
        .collect();
    let known: Vec<&str> = detect::TABLE.iter().map(|t| t.0).collect();
    // The header's own helpers (every io_uring_prep_* ...) are present by definition: the
    // shim compiles them. The safe crate gates each op on its helper.
    let inline_cfgs: Vec<&str> = inline
        .iter()
        .copied()
        .filter(|n| n.starts_with("io_uring_"))
        .collect();
    let version = decision
        .version
        .map_or_else(|| "unknown".into(), |r| r.to_string());
    // Every kernel ABI constant of the bindings (fallbacks included), so that code can be
    // gated on a constant as on a function: cfg(liburing_has = "IORING_OP_BIND").
    let constants = abi_constants(&bindings_text);

    // links metadata for the safe crate's build.rs (DEP_URING_*); `include` is left out of
    // the pregenerated copy, being this machine's path and no use without the headers.
    let links: Vec<(&str, String)> = vec![
        ("version", version.clone()),
        ("has", present.join(",")),
        ("inline", inline_cfgs.join(",")),
        ("known", known.join(",")),
        ("constants", constants.join(",")),
        ("version_source", decision.source.clone()),
        ("static", u8::from(found.statik).to_string()),
    ];
    for (k, v) in &links {
        println!("cargo:{k}={v}");
    }
    println!("cargo:include={}", header_dir.display());
    // The same cfgs for this crate's own tests.
    emit_cfgs(&present, &inline_cfgs, &constants);

    write_detected(
        &out_dir,
        &found,
        &decision,
        &symbols,
        &present,
        &inline,
        &declared,
        &unexported,
        shim_count,
    );

    if let Some(dir) = write_pregenerated {
        // What a docs build reports: nothing linked, not this machine's library file.
        let docs_found = find::Found {
            source: "pregenerated for documentation (nothing linked)",
            ..found.clone()
        };
        let docs_symbols = detect::Symbols {
            library: None,
            exported: symbols.exported.clone(),
            method: symbols.method,
        };
        let written = pregenerated::write(&dir, &out_dir, &target, &links).map(|()| {
            write_detected(
                &dir,
                &docs_found,
                &decision,
                &docs_symbols,
                &present,
                &inline,
                &declared,
                &unexported,
                shim_count,
            )
        });
        if let Err(e) = written {
            eprintln!(
                "\nsystem-liburing-sys: {} could not be written: {e}",
                pregenerated::WRITE_VAR
            );
            std::process::exit(1);
        }
        println!(
            "cargo:warning=wrote the pregenerated docs.rs files (liburing {version}) to {}",
            dir.display()
        );
    }
}

/// docs.rs has neither liburing nor libclang: no pkg-config, bindgen, cc, link test or
/// `rustc-link-lib` here, only the outputs of a real build, copied from `pregenerated/`.
fn docs_only(dir: &Path, out_dir: &Path, target: &str) {
    println!("cargo:rerun-if-changed=pregenerated");
    let links = match pregenerated::install(dir, out_dir, target) {
        Ok(links) => links,
        Err(e) => {
            eprintln!("\nsystem-liburing-sys (docs-only build, DOCS_RS or LIBURING_SYS_DOCS_ONLY is set): {e}");
            std::process::exit(1);
        }
    };
    let list = |key: &str| -> Vec<&str> {
        links
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.split(',').filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    };
    for (k, v) in &links {
        println!("cargo:{k}={v}");
    }
    println!("cargo:docs_only=1");
    emit_cfgs(&list("has"), &list("inline"), &list("constants"));
    println!("cargo::rustc-cfg=liburing_sys_docs_only");
    let version = links
        .iter()
        .find(|(k, _)| k == "version")
        .map_or("unknown", |(_, v)| v.as_str());
    println!("cargo:rustc-env=LIBURING_SYS_PREGENERATED_VERSION={version}");
    println!("cargo:rustc-env=LIBURING_SYS_PREGENERATED_TARGET={target}");
}

/// `liburing_has = "<name>"` for the table's present functions, the header's inline
/// helpers and the kernel ABI constants of the bindings. Any name is a valid value: which
/// helpers exist depends on the release.
fn emit_cfgs<S: AsRef<str>>(present: &[&str], inline: &[&str], constants: &[S]) {
    println!("cargo::rustc-check-cfg=cfg(liburing_has, values(any()))");
    for n in present
        .iter()
        .chain(inline)
        .copied()
        .chain(constants.iter().map(AsRef::as_ref))
    {
        println!("cargo::rustc-cfg=liburing_has=\"{n}\"");
    }
}

/// Stops the build with the actionable message when bindgen would find no libclang.
fn require_libclang() {
    let llvm_prefix = std::process::Command::new(
        env::var("LLVM_CONFIG_PATH").unwrap_or_else(|_| "llvm-config".into()),
    )
    .arg("--prefix")
    .output()
    .ok()
    .filter(|o| o.status.success())
    .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let search = libclang::search(
        Path::new("/"),
        &|k| env::var(k).ok(),
        llvm_prefix.as_deref(),
    );
    match search {
        // A newer libclang can change what bindgen generates.
        libclang::Search::Found(path) => println!("cargo:rerun-if-changed={}", path.display()),
        libclang::Search::Missing { looked } => {
            eprintln!("\n{}", libclang::missing_message(&looked));
            std::process::exit(1);
        }
    }
}

fn generate_bindings(
    wrapper: &Path,
    found: &find::Found,
    have: &[String],
    shim_stem: &Path,
    unexported: &[&str],
) -> bindgen::Bindings {
    let mut b = bindgen::Builder::default()
        .header(wrapper.to_string_lossy())
        // Only io_uring's items, plus whatever types they need (iovec, msghdr, sockaddr...).
        .allowlist_file(r".*/liburing\.h")
        .allowlist_file(r".*/liburing/[^/]*\.h")
        .allowlist_file(r".*/linux/io_uring\.h")
        .allowlist_file(r".*/wrapper\.h")
        // C names at the crate root: `IORING_OP_NOP`, not `io_uring_op_IORING_OP_NOP`.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        // `#define IOSQE_IO_LINK (1U << IOSQE_IO_LINK_BIT)` refers to an enumerator, which
        // bindgen's own macro evaluator cannot follow; clang can.
        .clang_macro_fallback()
        // Its scratch files go to OUT_DIR: in the package directory (the default) two builds
        // of the same tree race on them, and a lost race silently drops macros.
        .clang_macro_fallback_build_dir(shim_stem.parent().unwrap_or(shim_stem))
        .wrap_static_fns(true)
        .wrap_static_fns_path(shim_stem)
        .layout_tests(true)
        .derive_default(true)
        .derive_debug(true)
        .generate_comments(true)
        .use_core()
        .parse_callbacks(Box::new(
            bindgen::CargoCallbacks::new().rerun_on_header_files(false),
        ));
    for d in &found.include_dirs {
        b = b.clang_arg(format!("-I{}", d.display()));
    }
    for h in have {
        b = b.clang_arg(format!("-D{h}"));
    }
    for name in unexported {
        b = b.blocklist_function(format!("^{name}$"));
    }
    // bindgen answers a libclang that will not load with a panic: say it our way instead.
    std::panic::set_hook(Box::new(|_| {}));
    // Nothing of `b` is used after a panic, so no broken state can be observed.
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || b.generate()));
    let _ = std::panic::take_hook();
    match generated {
        Ok(Ok(bindings)) => bindings,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic");
            eprintln!(
                "\n{}",
                libclang::missing_message(&[format!("bindgen could not load it: {what}")])
            );
            std::process::exit(1);
        }
        Ok(Err(e)) => {
            eprintln!(
                "\nsystem-liburing-sys: bindgen failed on {}: {e}\n\
                 bindgen needs libclang: `sudo apt-get install libclang-dev` (Debian/Ubuntu), \
                 `sudo dnf install clang-devel` (Fedora); LIBCLANG_PATH points it at a libclang.so.",
                wrapper.display()
            );
            std::process::exit(1);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn write_detected(
    out_dir: &Path,
    found: &find::Found,
    decision: &version::Decision,
    symbols: &detect::Symbols,
    present: &[&str],
    inline: &[&str],
    declared: &[&str],
    unexported: &[&str],
    shim_count: usize,
) {
    let mut s = String::new();
    let lib = symbols
        .library
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let header = found
        .header_dir()
        .map(|p| p.join("liburing.h").display().to_string())
        .unwrap_or_default();
    let version = decision
        .version
        .map_or_else(|| "unknown".into(), |r| r.to_string());
    writeln!(s, "/// The liburing release the build is against, from the best evidence ([`LIBURING_VERSION_SOURCE`] says which), or `\"unknown\"`.").unwrap();
    writeln!(s, "pub const LIBURING_VERSION: &str = {version:?};").unwrap();
    writeln!(s, "/// Where [`LIBURING_VERSION`] comes from: `LIBURING_VERSION`, `io_uring_version.h` (2.4+), `library file name liburing.so.X.Y`, `header markers`, `pkg-config` or `liburing.pc (path)`, in that order of trust.").unwrap();
    writeln!(
        s,
        "pub const LIBURING_VERSION_SOURCE: &str = {:?};",
        decision.source
    )
    .unwrap();
    writeln!(
        s,
        "/// Every source of the release the build saw: (source, what it says)."
    )
    .unwrap();
    let evidence: Vec<(String, String)> = decision
        .evidence
        .iter()
        .map(|e| (e.source.clone(), e.claim.to_string()))
        .collect();
    writeln!(
        s,
        "pub const LIBURING_VERSION_EVIDENCE: &[(&str, &str)] = &{evidence:?};"
    )
    .unwrap();
    writeln!(s, "/// The sources that disagree with [`LIBURING_VERSION`] (a `liburing.pc` that lags its release, say); empty when all agree.").unwrap();
    writeln!(
        s,
        "pub const LIBURING_VERSION_DISAGREEMENTS: &[&str] = &{:?};",
        decision.disagreements
    )
    .unwrap();
    writeln!(
        s,
        "/// The library file the build linked against (empty when only the linker knew)."
    )
    .unwrap();
    writeln!(s, "pub const LIBURING_LIBRARY: &str = {lib:?};").unwrap();
    writeln!(s, "/// The `liburing.h` the bindings were generated from.").unwrap();
    writeln!(s, "pub const LIBURING_HEADER: &str = {header:?};").unwrap();
    writeln!(
        s,
        "/// Whether liburing was linked statically (`LIBURING_STATIC=1`)."
    )
    .unwrap();
    writeln!(s, "pub const LIBURING_STATIC: bool = {};", found.statik).unwrap();
    writeln!(s, "/// How liburing was found.").unwrap();
    writeln!(s, "pub const LIBURING_FOUND_BY: &str = {:?};", found.source).unwrap();
    writeln!(
        s,
        "/// How the exported functions were learned (\"symbol table\" or \"link tests\")."
    )
    .unwrap();
    writeln!(
        s,
        "pub const LIBURING_SYMBOLS_FROM: &str = {:?};",
        symbols.method
    )
    .unwrap();
    writeln!(s, "/// The detection table: (function, first liburing release with it, present in the linked library).").unwrap();
    writeln!(s, "pub const FEATURES: &[(&str, &str, bool)] = &[").unwrap();
    for (name, since, _) in detect_table() {
        writeln!(s, "    ({name:?}, {since:?}, {}),", present.contains(&name)).unwrap();
    }
    writeln!(s, "];").unwrap();
    writeln!(
        s,
        "/// Every `static inline` function of the installed header, each bound through the shim."
    )
    .unwrap();
    writeln!(s, "pub const INLINE_FUNCTIONS: &[&str] = &{inline:?};").unwrap();
    writeln!(
        s,
        "/// How many wrappers bindgen generated into the C shim."
    )
    .unwrap();
    writeln!(s, "pub const SHIM_WRAPPERS: usize = {shim_count};").unwrap();
    let exported: Vec<&str> = declared
        .iter()
        .copied()
        .filter(|n| symbols.exported.contains(*n))
        .collect();
    writeln!(
        s,
        "/// Out-of-line functions the header declares and the library exports (bound as is)."
    )
    .unwrap();
    writeln!(s, "pub const LIBRARY_FUNCTIONS: &[&str] = &{exported:?};").unwrap();
    writeln!(s, "/// Functions the header declares but the library does not export (left out of the bindings).").unwrap();
    writeln!(
        s,
        "pub const UNEXPORTED_FUNCTIONS: &[&str] = &{unexported:?};"
    )
    .unwrap();
    std::fs::write(out_dir.join("detected.rs"), s).expect("write detected.rs");

    // For the helper-count test: taking each address proves it is bound and links.
    let mut t = String::from("&[\n");
    for name in inline {
        writeln!(
            t,
            "    ({name:?}, system_liburing_sys::{name} as *const ()),"
        )
        .unwrap();
    }
    t.push(']');
    std::fs::write(out_dir.join("inline_fn_ptrs.rs"), t).expect("write inline_fn_ptrs.rs");
}

/// The kernel ABI constants of the bindings (`IORING_*`, `IOSQE_*`, `IOU_*`, `IO_URING_*`,
/// `SOCKET_URING_*`), by name.
fn abi_constants(bindings: &str) -> Vec<String> {
    let mut names: Vec<String> = bindings
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const ")?.split(':').next())
        .map(str::trim)
        .filter(|n| {
            ["IORING_", "IOSQE_", "IOU_", "IO_URING_", "SOCKET_URING_"]
                .iter()
                .any(|p| n.starts_with(p))
        })
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Every integer constant of the bindings by C name, so tools can print names for values
/// (opcodes from a probe, feature bits) without a hand-kept list.
fn write_constant_table(out_dir: &Path, bindings: &str) {
    let mut t = String::from(
        "/// Every integer constant of the bindings: (C name, value), in header order.\n\
         pub const CONSTANTS: &[(&str, i64)] = &[\n",
    );
    for line in bindings.lines() {
        let Some(rest) = line.trim().strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some((_, value)) = rest.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_end_matches(';').trim();
        let value = value.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '_');
        if let Ok(v) = value.parse::<i64>() {
            writeln!(t, "    ({:?}, {v}),", name.trim()).unwrap();
        }
    }
    t.push_str("];\n");
    std::fs::write(out_dir.join("constants.rs"), t).expect("write constants.rs");
}

fn detect_table() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    detect::TABLE.iter().copied()
}
