//! `uring-check`: does this liburing + kernel lose io_uring completions, and what works?
//!
//! Exit codes: 0 every selected check passed or was skipped, 1 some check failed, 2 the run
//! could not happen at all (usage error, or io_uring unavailable here).

mod checks;
mod env;
mod report;

use checks::{Check, Outcome, Verdict};
use report::{RunResult, Style};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

const EXIT_OK: u8 = 0;
const EXIT_FAILED: u8 = 1;
const EXIT_CANNOT_RUN: u8 = 2;

const HELP: &str = "\
uring-check — does this liburing + kernel lose io_uring completions, and what works?

Reports the environment (kernel, liburing at build and run time and the shared object
actually loaded, ring features, supported opcodes, kernel.io_uring_disabled), then runs
named checks, each ending in pass / fail / skip with a one-line reason and its figures.

USAGE:
    uring-check [OPTIONS]

OPTIONS:
    --json            Print one JSON document (schema: uring-check/schema.json)
    --list            List the checks and exit (with --json: as a JSON array)
    --check NAME      Run only this check; repeatable (also --check=A,B)
    --color WHEN      auto (default: only on a terminal, never with NO_COLOR set), always, never
    -h, --help        Print this help
    -V, --version     Print the version

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
    NO_COLOR=1 uring-check                        # plain text even on a terminal
";

#[derive(Debug, Default)]
struct Args {
    json: bool,
    list: bool,
    help: bool,
    version: bool,
    checks: Vec<&'static Check>,
    color: Option<bool>,
}

fn parse_args(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = argv.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => args.json = true,
            "--list" => args.list = true,
            "-h" | "--help" => args.help = true,
            "-V" | "--version" => args.version = true,
            "--check" => {
                let v = it
                    .next()
                    .ok_or_else(|| "--check needs a check name (see --list)".to_owned())?;
                add_checks(&mut args, &v)?;
            }
            "--color" | "--colour" => {
                let v = it
                    .next()
                    .ok_or_else(|| "--color needs auto, always or never".to_owned())?;
                args.color = parse_color(&v)?;
            }
            s if s.starts_with("--check=") => add_checks(&mut args, &s["--check=".len()..])?,
            s if s.starts_with("--color=") => args.color = parse_color(&s["--color=".len()..])?,
            s => return Err(format!("unexpected argument '{s}'")),
        }
    }
    Ok(args)
}

fn add_checks(args: &mut Args, list: &str) -> Result<(), String> {
    for name in list.split(',').map(str::trim) {
        let c = checks::find(name).ok_or_else(|| {
            format!(
                "unknown check '{name}' (known: {})",
                checks::ALL
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        if !args.checks.iter().any(|k| k.name == c.name) {
            args.checks.push(c);
        }
    }
    Ok(())
}

fn parse_color(v: &str) -> Result<Option<bool>, String> {
    match v {
        "auto" => Ok(None),
        "always" => Ok(Some(true)),
        "never" => Ok(Some(false)),
        other => Err(format!(
            "--color takes auto, always or never, not '{other}'"
        )),
    }
}

/// Colour only on a terminal and never with `NO_COLOR` set (non-empty), unless forced.
fn use_color(forced: Option<bool>) -> bool {
    forced.unwrap_or_else(|| {
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    })
}

/// Writes to stdout, ignoring a closed pipe (`uring-check | head`).
fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
}

fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("\"{e}\""));
    s.push('\n');
    s
}

/// A panic inside a check becomes that check's failure with a one-line message: no
/// backtrace, no "panicked at" noise.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_owned());
        let at = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("uring-check: internal error: {msg}{at}");
    }));
}

fn run_check(check: &'static Check) -> RunResult {
    let start = Instant::now();
    let outcome = std::panic::catch_unwind(check.run).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_owned());
        Outcome::fail(format!("internal error: {msg}"))
    });
    RunResult {
        check,
        outcome,
        duration: start.elapsed(),
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("uring-check: {e}\nTry 'uring-check --help'.");
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    if args.help {
        out(HELP);
        return ExitCode::from(EXIT_OK);
    }
    if args.version {
        out(&format!(
            "{} {} (liburing {})\n",
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            system_liburing::LIBURING_BUILD_VERSION
        ));
        return ExitCode::from(EXIT_OK);
    }
    let style = Style {
        color: use_color(args.color),
    };
    if args.list {
        if args.json {
            out(&json_text(&report::json_list(checks::ALL)));
        } else {
            out(&report::text_list(checks::ALL, style));
        }
        return ExitCode::from(EXIT_OK);
    }
    quiet_panics();

    let mut environment = env::Environment::gather();
    match env::open_ring() {
        Ok(ring) => environment.fill_from_ring(&ring),
        Err(why) => {
            eprintln!("uring-check: cannot run: {}", why.message);
            if args.json {
                let doc =
                    report::json_report(&environment, &[], Some(&why), i32::from(EXIT_CANNOT_RUN));
                out(&json_text(&doc));
            }
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    }

    let selected: Vec<&'static Check> = if args.checks.is_empty() {
        checks::ALL.iter().collect()
    } else {
        // Canonical order, whatever order they were asked for in.
        checks::ALL
            .iter()
            .filter(|c| args.checks.iter().any(|k| k.name == c.name))
            .collect()
    };
    let results: Vec<RunResult> = selected.into_iter().map(run_check).collect();
    let failed = results.iter().any(|r| r.outcome.verdict == Verdict::Fail);
    let code = if failed { EXIT_FAILED } else { EXIT_OK };
    if args.json {
        let doc = report::json_report(&environment, &results, None, i32::from(code));
        out(&json_text(&doc));
    } else {
        out(&report::text_report(
            &environment,
            &results,
            style,
            i32::from(code),
        ));
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Args, String> {
        parse_args(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn args() {
        let a = parse(&[
            "--json",
            "--check",
            "get-events",
            "--check=sqpoll-wakeup,get-events",
        ])
        .unwrap();
        assert!(a.json);
        let names: Vec<_> = a.checks.iter().map(|c| c.name).collect();
        assert_eq!(names, ["get-events", "sqpoll-wakeup"]);
        assert!(parse(&["--check", "nope"])
            .unwrap_err()
            .contains("unknown check"));
        assert!(parse(&["--check"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert_eq!(parse(&["--color=always"]).unwrap().color, Some(true));
        assert!(parse(&["--color", "sometimes"]).is_err());
    }
}
