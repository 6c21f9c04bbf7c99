//! What liburing's history says each check finds on a release: `history.tsv`, the one table
//! of expectations (its header says how to read it). Each check's JSON carries the verdict
//! expected of the linked release and whether it got it, so that `tests/cli.rs` and
//! `.ci/every-release.sh --check` judge by this reading and keep no parser of their own.

use crate::checks::{Outcome, Verdict};

use crate::release::parse;
pub use crate::release::Release;

const TABLE: &str = include_str!("../history.tsv");

/// A row of the table: (check, since, the releases with the bug as inclusive ranges).
type Row = (&'static str, Release, Vec<(Release, Release)>);

fn row(line: &'static str) -> Option<Row> {
    let cols: Vec<&str> = line.split('\t').collect();
    let [name, since, fails] = cols[..] else {
        return None;
    };
    let mut ranges = Vec::new();
    if fails != "-" {
        for range in fails.split(',') {
            let (from, to) = range.split_once('-')?;
            let to = if to.is_empty() {
                (u32::MAX, u32::MAX)
            } else {
                parse(to)?
            };
            ranges.push((parse(from)?, to));
        }
    }
    Some((name, parse(since)?, ranges))
}

/// The table's rows; a malformed line is the table's own bug, which the tests below read.
fn rows() -> impl Iterator<Item = Row> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| row(line).unwrap_or_else(|| panic!("history.tsv: malformed {line:?}")))
}

/// The verdict history expects of `check` on release `r`: skip before the release that
/// brought the function it calls, fail where the release has the bug, pass otherwise. A
/// check the table does not name (the kernel's and the crate's own) passes everywhere.
pub fn expected(check: &str, r: Release) -> Verdict {
    match rows().find(|(name, ..)| *name == check) {
        None => Verdict::Pass,
        Some((_, since, _)) if r < since => Verdict::Skip,
        Some((.., ranges)) if ranges.iter().any(|(a, b)| (*a..=*b).contains(&r)) => Verdict::Fail,
        Some(_) => Verdict::Pass,
    }
}

/// Whether `outcome` is what history expects of `check` on the linked release `r` (built as
/// `version`). A skip because the release lacks a function (the reason says "liburing
/// VERSION has no ...") counts only where history expects it; any other skip (the kernel's,
/// the machine's, a permission) is allowed anywhere, since history speaks of liburing only.
pub fn as_expected(check: &str, outcome: &Outcome, r: Release, version: &str) -> bool {
    let want = expected(check, r);
    let lacks = outcome.reason.contains(" has no ");
    match (want, outcome.verdict) {
        (Verdict::Skip, Verdict::Skip) => lacks && outcome.reason.contains(version),
        (_, Verdict::Skip) => !lacks,
        (w, g) => w == g,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ALL;

    #[test]
    fn expectations_follow_the_fixes() {
        assert_eq!(expected("liburing-direct-alloc", (2, 3)), Verdict::Fail);
        assert_eq!(expected("liburing-direct-alloc", (2, 4)), Verdict::Pass);
        assert_eq!(expected("liburing-direct-alloc", (2, 0)), Verdict::Skip);
        assert_eq!(
            expected("liburing-wait-timeout-etime", (2, 15)),
            Verdict::Fail
        );
        assert_eq!(expected("liburing-queue-mmap", (0, 6)), Verdict::Pass);
        assert_eq!(expected("liburing-peek-overflow", (0, 6)), Verdict::Fail);
        assert_eq!(expected("liburing-peek-overflow", (0, 7)), Verdict::Pass);
        assert_eq!(expected("prep-encoding", (2, 6)), Verdict::Fail);
        assert_eq!(expected("prep-encoding", (2, 7)), Verdict::Pass);
        assert_eq!(expected("crate-peek-overflow", (0, 1)), Verdict::Pass);
    }

    #[test]
    fn the_table_names_only_checks_that_exist() {
        for (name, ..) in rows() {
            assert!(ALL.iter().any(|c| c.name == name), "history.tsv: {name}");
        }
        // On the newest release only the bug liburing has not fixed shows.
        for c in ALL {
            assert_eq!(
                expected(c.name, (2, 15)) == Verdict::Fail,
                c.name == "liburing-wait-timeout-etime",
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn skips_are_judged_by_their_reason() {
        let skip = |reason: &str| Outcome::skip(reason);
        let lacks = skip("liburing 2.0 has no io_uring_prep_openat_direct");
        assert!(as_expected("liburing-direct-alloc", &lacks, (2, 0), "2.0"));
        // Lacking the function where history says the release has it is a finding.
        let lacks = skip("liburing 2.4 has no io_uring_prep_openat_direct");
        assert!(!as_expected("liburing-direct-alloc", &lacks, (2, 4), "2.4"));
        // The reason must name the release the tool was built against.
        let other = skip("liburing 1.9 has no io_uring_prep_openat_direct");
        assert!(!as_expected("liburing-direct-alloc", &other, (2, 0), "2.0"));
        // The kernel's skips are allowed anywhere.
        let kernel = skip("the kernel lacks IORING_OP_OPENAT2");
        assert!(as_expected("liburing-direct-alloc", &kernel, (2, 4), "2.4"));
        assert!(as_expected("liburing-direct-alloc", &kernel, (2, 3), "2.3"));
        let fail = Outcome::fail("slot 0");
        assert!(as_expected("liburing-direct-alloc", &fail, (2, 3), "2.3"));
        assert!(!as_expected("liburing-direct-alloc", &fail, (2, 4), "2.4"));
    }
}
