//! The op table covers liburing's vocabulary: every `io_uring_prep_*` helper of the
//! installed liburing has a safe op (or, for the two helpers that are not operations, a safe
//! equivalent), and `docs/ops.md` lists every op by family with its C name.
//!
//! `OPS_DOC_BLESS=1 cargo test --test vocabulary` rewrites `docs/ops.md` from the table.

use std::collections::BTreeSet;
use system_liburing::op::catalogue;
use system_liburing::sys;

/// Helpers that prepare no operation of their own, with the safe equivalent.
const NOT_OPS: &[(&str, &str)] = &[
    (
        "io_uring_prep_rw",
        "the generic SQE fill every op does (`op::sqe` in the table)",
    ),
    ("io_uring_prep_send_set_addr", "`SendZc::to`"),
];

/// Helpers of liburing releases after 2.3 that have no op yet, and why. None of 2.3's may be
/// here. (Empty: `nop128`, `uring_cmd128` and `send_bundle`, the last three, have their ops.)
const NEWER_WITHOUT_OP: &[(&str, &str)] = &[];

/// Ops that share their helper with another op: what C says with a flag to the helper, the
/// crate says with the op's type. (op, helper, the flag it stands for)
const VARIANTS: &[(&str, &str, &str)] = &[(
    "TimeoutMulti",
    "io_uring_prep_timeout",
    "IORING_TIMEOUT_MULTISHOT",
)];

/// liburing 2.3's prep helpers, pinned: the issue's bar is that each has its op.
const LIBURING_2_3: &[&str] = &[
    "accept",
    "accept_direct",
    "cancel",
    "cancel64",
    "cancel_fd",
    "close",
    "close_direct",
    "connect",
    "epoll_ctl",
    "fadvise",
    "fallocate",
    "fgetxattr",
    "files_update",
    "fsetxattr",
    "fsync",
    "getxattr",
    "link",
    "link_timeout",
    "linkat",
    "madvise",
    "mkdir",
    "mkdirat",
    "msg_ring",
    "multishot_accept",
    "multishot_accept_direct",
    "nop",
    "openat",
    "openat2",
    "openat2_direct",
    "openat_direct",
    "poll_add",
    "poll_multishot",
    "poll_remove",
    "poll_update",
    "provide_buffers",
    "read",
    "read_fixed",
    "readv",
    "readv2",
    "recv",
    "recv_multishot",
    "recvmsg",
    "recvmsg_multishot",
    "remove_buffers",
    "rename",
    "renameat",
    "rw",
    "send",
    "send_set_addr",
    "send_zc",
    "send_zc_fixed",
    "sendmsg",
    "sendmsg_zc",
    "setxattr",
    "shutdown",
    "socket",
    "socket_direct",
    "socket_direct_alloc",
    "splice",
    "statx",
    "symlink",
    "symlinkat",
    "sync_file_range",
    "tee",
    "timeout",
    "timeout_remove",
    "timeout_update",
    "unlink",
    "unlinkat",
    "write",
    "write_fixed",
    "writev",
    "writev2",
];

fn header_prep_helpers() -> BTreeSet<&'static str> {
    sys::INLINE_FUNCTIONS
        .iter()
        .copied()
        .filter(|f| f.starts_with("io_uring_prep_"))
        .collect()
}

#[test]
fn every_prep_helper_of_the_installed_liburing_has_an_op() {
    let ops = catalogue();
    let available: BTreeSet<&str> = ops
        .iter()
        .filter(|o| o.available)
        .map(|o| o.helper)
        .collect();
    let mut missing = Vec::new();
    for helper in header_prep_helpers() {
        let covered = available.contains(helper)
            || NOT_OPS.iter().any(|(h, _)| *h == helper)
            || NEWER_WITHOUT_OP.iter().any(|(h, _)| *h == helper);
        if !covered {
            missing.push(helper);
        }
    }
    assert!(
        missing.is_empty(),
        "prep helpers of liburing {} without a safe op: {missing:?}",
        sys::LIBURING_VERSION
    );
    // Where the header has them, the ops exist (and the reverse: an op whose helper the
    // header lacks is not in this build).
    for op in &ops {
        assert_eq!(
            op.available,
            header_prep_helpers().contains(op.helper),
            "{} ({}): availability must follow the installed header",
            op.name,
            op.helper
        );
    }
}

#[test]
fn no_helper_of_liburing_2_3_is_excused() {
    for (h, _) in NEWER_WITHOUT_OP {
        let short = h.trim_start_matches("io_uring_prep_");
        assert!(
            !LIBURING_2_3.contains(&short),
            "{h} is a liburing 2.3 helper: it needs an op, not an excuse"
        );
    }
    let known: BTreeSet<&str> = catalogue().iter().map(|o| o.helper).collect();
    for short in LIBURING_2_3 {
        let h = format!("io_uring_prep_{short}");
        assert!(
            known.contains(h.as_str()) || NOT_OPS.iter().any(|(n, _)| *n == h),
            "{h} has no op in the table"
        );
    }
    if sys::LIBURING_VERSION == "2.3" {
        let pinned: BTreeSet<String> = LIBURING_2_3
            .iter()
            .map(|s| format!("io_uring_prep_{s}"))
            .collect();
        let header: BTreeSet<String> = header_prep_helpers()
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(header, pinned, "the pinned 2.3 list matches the 2.3 header");
    }
}

#[test]
fn each_helper_has_one_op_and_names_are_unique() {
    let ops = catalogue();
    let variant = |name: &str| VARIANTS.iter().any(|(v, _, _)| *v == name);
    let main: Vec<_> = ops.iter().filter(|o| !variant(o.name)).collect();
    let helpers: BTreeSet<_> = main.iter().map(|o| o.helper).collect();
    let names: BTreeSet<_> = ops.iter().map(|o| o.name).collect();
    assert_eq!(
        helpers.len(),
        main.len(),
        "one op per helper (variants aside)"
    );
    assert_eq!(names.len(), ops.len(), "op names are unique");
    for (name, helper, flag) in VARIANTS {
        let op = ops.iter().find(|o| o.name == *name);
        assert_eq!(
            op.map(|o| o.helper),
            Some(*helper),
            "{name} ({flag}) is an op of {helper}"
        );
        assert!(helpers.contains(helper), "{helper} has its own op too");
    }
}

/// The three helpers liburing added last (2.13-2.15) have their ops: a 128-byte NOP, a
/// driver command in a 128-byte SQE, and a send from a buffer ring.
#[test]
fn the_newest_helpers_have_their_ops() {
    for (helper, name, opcode) in [
        ("io_uring_prep_nop128", "Nop128", "IORING_OP_NOP128"),
        (
            "io_uring_prep_uring_cmd128",
            "UringCmd128",
            "IORING_OP_URING_CMD128",
        ),
        ("io_uring_prep_send_bundle", "SendBundle", "IORING_OP_SEND"),
    ] {
        let op = catalogue().into_iter().find(|o| o.helper == helper);
        let op = op.unwrap_or_else(|| panic!("{helper} has no op"));
        assert_eq!((op.name, op.opcode), (name, opcode), "{helper}");
        assert_eq!(
            op.available,
            header_prep_helpers().contains(helper),
            "{helper}: the op exists where the header has the helper"
        );
        assert!(
            !NEWER_WITHOUT_OP.iter().any(|(h, _)| *h == helper),
            "{helper} has an op and an excuse"
        );
    }
}

fn render_ops_doc() -> String {
    let mut out = String::from(
        "# Operations by family\n\n\
         Generated from `op::catalogue()` by `OPS_DOC_BLESS=1 cargo test --test vocabulary`;\n\
         the test fails when this file and the table differ. Every op is gated on its liburing\n\
         helper: with an older liburing the op does not exist (liburing 2.3 has every op\n\
         below whose helper it declares). Search the API docs for the C name: it is a doc\n\
         alias of the op. Each op's constructor, what it hands back, the files it holds and\n\
         the flag allowlists it checks are in `docs/porting.md` (\"Files\", \"Flag words\").\n",
    );
    let ops = catalogue();
    let mut families: Vec<&str> = ops.iter().map(|o| o.family).collect();
    families.dedup();
    for fam in families {
        out.push_str(&format!(
            "\n## {fam}\n\n| op | liburing helper | opcode | kernel |\n|---|---|---|---|\n"
        ));
        for o in ops.iter().filter(|o| o.family == fam) {
            out.push_str(&format!(
                "| `{}` | `{}` | `{}` | {} |\n",
                o.name, o.helper, o.opcode, o.since
            ));
        }
    }
    out.push_str("\n## Helpers that are not operations\n\n| liburing helper | safe equivalent |\n|---|---|\n");
    for (h, eq) in NOT_OPS {
        out.push_str(&format!("| `{h}` | {eq} |\n"));
    }
    out.push_str(
        "\n## Ops that share their helper\n\n| op | liburing helper | with |\n|---|---|---|\n",
    );
    for (op, h, flag) in VARIANTS {
        out.push_str(&format!("| `{op}` | `{h}` | `{flag}` |\n"));
    }
    out.push_str("\n## Helpers of newer liburings without an op\n\n");
    if NEWER_WITHOUT_OP.is_empty() {
        out.push_str("None: every prep helper up to liburing 2.15 has its op.\n");
    } else {
        out.push_str("| liburing helper | why |\n|---|---|\n");
        for (h, why) in NEWER_WITHOUT_OP {
            out.push_str(&format!("| `{h}` | {why} |\n"));
        }
    }
    out
}

#[test]
fn docs_list_every_op_by_family() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ops.md");
    let want = render_ops_doc();
    if std::env::var_os("OPS_DOC_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/ops.md is out of date: run OPS_DOC_BLESS=1 cargo test --test vocabulary"
    );
}

/// Every op in the table carries a doc example (a fenced code block in the doc comment
/// above its entry), which rustdoc compiles and runs wherever the op exists. Read from the
/// sources so that ops the installed liburing lacks are held to it too.
#[test]
fn every_op_has_a_doc_example() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/op");
    let mut entries = 0;
    let mut missing = Vec::new();
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(helper) = line.trim_start().strip_prefix("[\"io_uring_prep_") else {
                continue;
            };
            entries += 1;
            let docs = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("///"));
            if !docs.into_iter().any(|l| l.contains("```")) {
                let helper = helper.split('"').next().unwrap_or(helper);
                missing.push(format!(
                    "{}: io_uring_prep_{helper}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(
        entries >= catalogue().len(),
        "found {entries} table entries in src/op, the catalogue has {}",
        catalogue().len()
    );
    assert!(
        missing.is_empty(),
        "{} op(s) without a doc example:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}
