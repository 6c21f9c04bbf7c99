//! The command line (clap, derive): the flags, their help, and the usage errors that exit 2.

use crate::checks::{self, Check};
use clap::{Parser, ValueEnum};

const ABOUT: &str = "\
uring-check — does this liburing + kernel lose io_uring completions, and which known liburing
bugs does it have?

Reports the environment (kernel, liburing at build and run time and the shared object
actually loaded, ring features, supported opcodes, kernel.io_uring_disabled), then runs
named checks, each ending in pass / fail / skip with a one-line reason and its figures.
The liburing-* checks call the linked liburing's own functions; each names the liburing
commit and release that fixed what it looks for.";

const AFTER_HELP: &str = "\
EXIT CODES:
    0  every selected check passed or was skipped
    1  at least one check failed
    2  could not run: usage error, or io_uring unavailable (denied by seccomp or
       kernel.io_uring_disabled, kernel without io_uring, RLIMIT_MEMLOCK too low)

EXAMPLES:
    uring-check                                   # environment + every check, as a table
    uring-check --list                            # what the checks are
    uring-check --check liburing-peek-overflow    # does the linked liburing's peek strand CQEs?
    uring-check --check crate-peek-overflow --check get-events
    uring-check --json | jq '.checks[] | select(.verdict == \"fail\")'
    NO_COLOR=1 uring-check                        # plain text even on a terminal";

/// When to colour the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Only on a terminal, and never with NO_COLOR set.
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// `None` for auto, else forced on or off.
    pub fn forced(self) -> Option<bool> {
        match self {
            ColorWhen::Auto => None,
            ColorWhen::Always => Some(true),
            ColorWhen::Never => Some(false),
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "uring-check",
    about = ABOUT,
    after_help = AFTER_HELP,
    disable_version_flag = true,
    help_template = "{about}\n\nUSAGE:\n    {usage}\n\nOPTIONS:\n{options}{after-help}"
)]
pub struct Args {
    /// Print one JSON document (schema: uring-check/schema.json)
    #[arg(long)]
    pub json: bool,

    /// List the checks and exit (with --json: as a JSON array)
    #[arg(long)]
    pub list: bool,

    /// Run only this check; repeatable (also --check=A,B)
    #[arg(long = "check", value_name = "NAME", value_delimiter = ',', value_parser = check_named)]
    pub checks: Vec<&'static Check>,

    /// auto (default: only on a terminal, never with NO_COLOR set), always, never
    #[arg(
        long,
        visible_alias = "colour",
        value_name = "WHEN",
        value_enum,
        default_value_t = ColorWhen::Auto,
        hide_possible_values = true,
        hide_default_value = true
    )]
    pub color: ColorWhen,

    /// Print the version
    #[arg(short = 'V', long)]
    pub version: bool,
}

impl Args {
    /// The selected checks in canonical order, each once; every check when none was named.
    pub fn selected(&self) -> Vec<&'static Check> {
        checks::ALL
            .iter()
            .filter(|c| self.checks.is_empty() || self.checks.iter().any(|k| k.name == c.name))
            .collect()
    }
}

/// `--check NAME`: a known check, or a usage error listing the known ones.
fn check_named(name: &str) -> Result<&'static Check, String> {
    let name = name.trim();
    checks::find(name).ok_or_else(|| {
        format!(
            "unknown check '{name}' (known: {}; see --list)",
            checks::ALL
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("uring-check").chain(a.iter().copied()))
    }

    #[test]
    fn flags_and_check_selection() {
        let a = parse(&[
            "--json",
            "--check",
            "get-events",
            "--check=sqpoll-wakeup, get-events",
        ])
        .unwrap();
        assert!(a.json);
        let names: Vec<_> = a.selected().iter().map(|c| c.name).collect();
        assert_eq!(names, ["sqpoll-wakeup", "get-events"]);
        assert_eq!(parse(&[]).unwrap().selected().len(), checks::ALL.len());
        assert_eq!(parse(&["--color=always"]).unwrap().color, ColorWhen::Always);
        assert_eq!(
            parse(&["--colour", "never"]).unwrap().color,
            ColorWhen::Never
        );
        assert!(parse(&["-V"]).unwrap().version);
    }

    #[test]
    fn usage_errors_exit_2() {
        for bad in [
            &["--check", "nope"][..],
            &["--check"][..],
            &["--frobnicate"][..],
            &["--color", "sometimes"][..],
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}: {e}");
        }
        let e = parse(&["--check", "nope"]).unwrap_err().to_string();
        assert!(e.contains("unknown check 'nope'"), "{e}");
        assert_eq!(parse(&["--help"]).unwrap_err().exit_code(), 0);
    }
}
