//! `uring-check`: does this liburing + kernel lose io_uring completions, and what works?
//!
//! Exit codes: 0 every selected check passed or was skipped, 1 some check failed, 2 the run
//! could not happen at all (usage error, or io_uring unavailable here).

mod checks;
mod cli;
mod env;
mod history;
mod release;
mod report;

use checks::{Check, Outcome, Verdict};
use clap::Parser;
use report::{RunResult, Style};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

const EXIT_OK: u8 = 0;
const EXIT_FAILED: u8 = 1;
const EXIT_CANNOT_RUN: u8 = 2;

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
    let args = match cli::Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // --help (exit 0) or a usage error (exit 2), printed by clap.
            let _ = e.print();
            return ExitCode::from(if e.exit_code() == 0 {
                EXIT_OK
            } else {
                EXIT_CANNOT_RUN
            });
        }
    };
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
        color: use_color(args.color.forced()),
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

    let selected = args.selected();
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
