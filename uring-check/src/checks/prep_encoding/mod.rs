//! `prep-encoding`: for every op the crate has in this build, the SQE the crate writes and
//! the SQE the linked liburing's `io_uring_prep_*` writes for the same arguments, compared
//! field by field. Pointers into memory the op owns are compared by what they point at (a
//! path as a C string, an `open_how` byte for byte, iovecs element by element, a `msghdr`
//! field by field). Every difference must be classified by [`table`]: intended by the crate,
//! harmless (the kernel ignores that field for that opcode), or a known liburing bug; an
//! unclassified difference, or a known bug present in the linked release, fails the check.
//!
//! Nothing is submitted: the crate's side goes through `system_liburing::op::encode` (the op
//! prepared into a local entry), liburing's side through its helper on a zeroed local entry.

mod compare;
pub mod scenarios;
pub mod table;

pub use compare::Diff;

use super::{Check, Figures, Outcome};
use std::collections::BTreeSet;
use system_liburing::op::catalogue;
use table::Class;

pub const CHECK: Check = Check {
    name: "prep-encoding",
    description: "For every op the crate has, the SQE it writes equals what the linked \
                  liburing's io_uring_prep_* writes for the same arguments (pointers compared \
                  by what they point at), except differences the check's table classifies as \
                  intended by the crate or ignored by the kernel (with the kernel source); \
                  known liburing encoding bugs fail on the releases that have them (the \
                  *_direct ALLOC encoding, 2.1-2.3, fixed in 2.4 by 4fed7951; cmd_sock \
                  without level, optname, optval and optlen, 2.5, fixed in 2.6 by 3797db16; \
                  read_multishot without IOSQE_BUFFER_SELECT, 2.6, fixed in 2.7 by 60f4adc2).",
    run,
};

pub use crate::release::Release;

/// One scenario's outcome: the differences found, or why it could not be compared.
#[derive(Debug)]
pub struct Compared {
    pub helper: &'static str,
    pub case: &'static str,
    pub opcode: &'static str,
    pub result: Result<Vec<Diff>, String>,
}

/// A difference and what the table says of it.
#[derive(Debug)]
pub struct Found<'a> {
    pub helper: &'static str,
    pub case: &'static str,
    pub diff: &'a Diff,
    pub class: Class,
}

/// What the comparison of every scenario found, sorted by class.
#[derive(Debug, Default)]
pub struct Findings<'a> {
    pub intended: Vec<Found<'a>>,
    pub harmless: Vec<Found<'a>>,
    pub bugs: Vec<Found<'a>>,
    pub unclassified: Vec<Found<'a>>,
    /// Scenarios that could not be set up (a kernel feature their op's types need).
    pub not_compared: Vec<(&'static str, &'static str, &'a str)>,
    /// Ops of this build without a scenario.
    pub uncovered: Vec<&'static str>,
    pub compared: usize,
    /// The linked release, when known.
    pub release: Option<Release>,
}

/// Runs every scenario of this build.
pub fn compare_all() -> Result<Vec<Compared>, String> {
    let mut env = scenarios::Env::new()?;
    let opcodes: std::collections::BTreeMap<&str, &str> = catalogue()
        .into_iter()
        .map(|o| (o.helper, o.opcode))
        .collect();
    Ok(scenarios::all()
        .into_iter()
        .map(|s| Compared {
            helper: s.helper,
            case: s.case,
            opcode: opcodes.get(s.helper).copied().unwrap_or("?"),
            result: (s.run)(&mut env),
        })
        .collect())
}

/// Sorts what the scenarios found, for the running kernel and the linked release.
pub fn classify(
    results: &[Compared],
    kernel: Option<(u32, u32)>,
    release: Option<Release>,
) -> Findings<'_> {
    let mut f = Findings {
        release,
        ..Findings::default()
    };
    let covered: BTreeSet<&str> = results.iter().map(|c| c.helper).collect();
    f.uncovered = catalogue()
        .into_iter()
        .filter(|o| o.available && !covered.contains(o.helper))
        .map(|o| o.helper)
        .collect();
    for c in results {
        let diffs = match &c.result {
            Ok(d) => d,
            Err(why) => {
                f.not_compared.push((c.helper, c.case, why.as_str()));
                continue;
            }
        };
        f.compared += 1;
        for d in diffs {
            let class = table::classify(c.helper, c.opcode, d, kernel);
            let found = Found {
                helper: c.helper,
                case: c.case,
                diff: d,
                class,
            };
            match class {
                Class::Intended(_) => f.intended.push(found),
                Class::Ignored(_) => f.harmless.push(found),
                Class::Bug(_) => f.bugs.push(found),
                Class::Unclassified => f.unclassified.push(found),
            }
        }
    }
    f
}

fn describe(found: &Found<'_>, release: Option<Release>) -> String {
    let short = found.helper.trim_start_matches("io_uring_prep_");
    let case = if found.case.is_empty() {
        String::new()
    } else {
        format!(" ({})", found.case)
    };
    let d = found.diff;
    match found.class {
        Class::Bug(b) => {
            let ((a, b0), (c, d0)) = b.releases;
            let range = if (a, b0) == (c, d0) {
                format!("{a}.{b0}")
            } else {
                format!("{a}.{b0}-{c}.{d0}")
            };
            let news = match release {
                Some(r) if !table::in_range(b, r) => ", seen outside those releases",
                _ => "",
            };
            format!(
                "{short}{case}: {d} [known liburing bug of {range}{news}, {}: {}]",
                b.fixed, b.expect
            )
        }
        Class::Intended(i) => format!("{short}{case}: {d} [intended: {}]", i.expect),
        Class::Ignored(r) => format!("{short}{case}: {d} [ignored: {}]", r.source),
        Class::Unclassified => format!("{short}{case}: {d}"),
    }
}

/// The verdict on what was found.
pub fn judge(f: &Findings<'_>, release_text: &str) -> Outcome {
    let mut fig = Figures::default();
    fig.set("scenarios_compared", f.compared as u64);
    fig.set("intended", f.intended.len() as u64);
    fig.set("harmless", f.harmless.len() as u64);
    fig.set("known_bugs", f.bugs.len() as u64);
    fig.set("unclassified", f.unclassified.len() as u64);
    fig.set("not_compared", f.not_compared.len() as u64);
    fig.set("uncovered_ops", f.uncovered.len() as u64);
    let list = |v: &[Found<'_>]| {
        v.iter()
            .map(|x| describe(x, f.release))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !f.bugs.is_empty() {
        fig.set("known_bug_list", list(&f.bugs));
    }
    if !f.unclassified.is_empty() {
        fig.set("unclassified_list", list(&f.unclassified));
    }
    if !f.intended.is_empty() {
        fig.set("intended_list", list(&f.intended));
    }
    if !f.harmless.is_empty() {
        fig.set("harmless_list", list(&f.harmless));
    }
    let mut problems = Vec::new();
    if !f.uncovered.is_empty() {
        problems.push(format!(
            "{} op(s) without a scenario: {}",
            f.uncovered.len(),
            f.uncovered.join(", ")
        ));
    }
    if !f.unclassified.is_empty() {
        problems.push(format!(
            "{} unclassified difference(s): {}",
            f.unclassified.len(),
            list(&f.unclassified)
        ));
    }
    if !f.bugs.is_empty() {
        problems.push(format!(
            "liburing {release_text} has {} known encoding bug(s): {}",
            f.bugs.len(),
            list(&f.bugs)
        ));
    }
    if !problems.is_empty() {
        return Outcome::fail(problems.join("; ")).with(fig);
    }
    if !f.not_compared.is_empty() {
        let names: Vec<String> = f
            .not_compared
            .iter()
            .map(|(h, c, why)| format!("{} {c}: {why}", h.trim_start_matches("io_uring_prep_")))
            .collect();
        fig.set("not_compared_list", names.join("; "));
        return Outcome::skip(format!(
            "{} scenario(s) could not be set up: {}",
            names.len(),
            names.join("; ")
        ))
        .with(fig);
    }
    Outcome::pass(format!(
        "liburing {release_text}: {} scenarios over every op of this build, {} difference(s), \
         each classified: {} intended by the crate, {} ignored by the kernel",
        f.compared,
        f.intended.len() + f.harmless.len(),
        f.intended.len(),
        f.harmless.len()
    ))
    .with(fig)
}

fn run() -> Outcome {
    if !cfg!(liburing_2x) {
        return Outcome::skip(format!(
            "the scenarios call the 2.x helper signatures; liburing {} predates them",
            system_liburing::LIBURING_BUILD_VERSION
        ));
    }
    let results = match compare_all() {
        Ok(r) => r,
        Err(why) => return Outcome::fail(format!("setup failed: {why}")),
    };
    let release = crate::release::linked_release();
    let text = release.map_or_else(
        || system_liburing::LIBURING_BUILD_VERSION.to_owned(),
        |(a, b)| format!("{a}.{b}"),
    );
    let findings = classify(&results, super::kernel_version(), release);
    judge(&findings, &text)
}

#[cfg(test)]
mod tests {
    use super::compare::Field;
    use super::*;
    use crate::checks::Verdict;

    fn diff(field: Field, krate: u64, lib: u64) -> Diff {
        Diff::raw(field, krate, lib)
    }

    fn compared(helper: &'static str, opcode: &'static str, diffs: Vec<Diff>) -> Compared {
        Compared {
            helper,
            case: "",
            opcode,
            result: Ok(diffs),
        }
    }

    /// The catalogue's ops of this build, each with an empty comparison: nothing uncovered.
    fn all_equal() -> Vec<Compared> {
        catalogue()
            .into_iter()
            .filter(|o| o.available)
            .map(|o| compared(o.helper, o.opcode, Vec::new()))
            .collect()
    }

    #[test]
    fn equal_everywhere_passes() {
        let results = all_equal();
        let f = classify(&results, Some((6, 18)), Some((2, 15)));
        let out = judge(&f, "2.15");
        assert_eq!(out.verdict, Verdict::Pass, "{}", out.reason);
    }

    #[test]
    fn an_unclassified_difference_fails_naming_it() {
        let mut results = all_equal();
        results.push(compared(
            "io_uring_prep_read",
            "IORING_OP_READ",
            vec![diff(Field::Ioprio, 1, 0)],
        ));
        let f = classify(&results, Some((6, 18)), Some((2, 15)));
        let out = judge(&f, "2.15");
        assert_eq!(out.verdict, Verdict::Fail);
        assert!(
            out.reason
                .contains("1 unclassified difference(s): read: ioprio (2)"),
            "{}",
            out.reason
        );
    }

    #[test]
    fn a_known_bug_fails_naming_the_fix_and_intended_passes() {
        let mut results = all_equal();
        results.push(compared(
            "io_uring_prep_openat_direct",
            "IORING_OP_OPENAT",
            vec![diff(Field::FileIndex, u64::from(u32::MAX), 0)],
        ));
        results.push(compared(
            "io_uring_prep_accept",
            "IORING_OP_ACCEPT",
            vec![diff(Field::OpFlags, libc::SOCK_CLOEXEC as u64, 0)],
        ));
        let f = classify(&results, Some((6, 18)), Some((2, 3)));
        assert_eq!((f.bugs.len(), f.intended.len()), (1, 1));
        let out = judge(&f, "2.3");
        assert_eq!(out.verdict, Verdict::Fail);
        assert!(out
            .reason
            .contains("liburing 2.3 has 1 known encoding bug(s)"));
        assert!(
            out.reason.contains("fixed in 2.4 by 4fed7951"),
            "{}",
            out.reason
        );
        results.remove(results.len() - 2);
        let out = judge(&classify(&results, Some((6, 18)), Some((2, 4))), "2.4");
        assert_eq!(out.verdict, Verdict::Pass, "{}", out.reason);
        assert!(
            out.reason.contains("1 intended by the crate"),
            "{}",
            out.reason
        );
    }

    #[test]
    fn an_op_without_a_scenario_fails() {
        let mut results = all_equal();
        let gone = results.remove(0).helper;
        let out = judge(&classify(&results, None, None), "2.15");
        assert_eq!(out.verdict, Verdict::Fail);
        assert!(out.reason.contains("without a scenario"), "{}", out.reason);
        assert!(out.reason.contains(gone), "{}", out.reason);
    }

    /// Every op of this build has a scenario, and every scenario names an op of this build
    /// (before 2.0 there are none: the check skips).
    #[test]
    fn scenarios_cover_the_catalogue() {
        let ops: BTreeSet<&str> = catalogue()
            .into_iter()
            .filter(|o| o.available)
            .map(|o| o.helper)
            .collect();
        let have: BTreeSet<&str> = scenarios::all().iter().map(|s| s.helper).collect();
        if cfg!(liburing_2x) {
            assert_eq!(ops, have);
        } else {
            assert!(have.is_empty(), "{have:?}");
        }
    }
}
