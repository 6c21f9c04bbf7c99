//! Rendering: a text table for people (colour only when asked for), and the JSON document
//! for machines, whose shape `schema.json` documents (`schema_version` 3).

use crate::checks::{Check, Outcome, Verdict};
use crate::env::{Environment, Unavailable};
use crate::history;
use crate::release::{linked_release, Release};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::time::Duration;

/// Bumped on any incompatible change of the JSON document.
pub const SCHEMA_VERSION: u64 = 3;

/// One check's run.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub check: &'static Check,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// How many passed, failed, were skipped.
pub fn counts(results: &[RunResult]) -> (usize, usize, usize) {
    let n = |v| results.iter().filter(|r| r.outcome.verdict == v).count();
    (n(Verdict::Pass), n(Verdict::Fail), n(Verdict::Skip))
}

// ---------------------------------------------------------------------------------------
// JSON

fn environment_json(env: &Environment, release: Option<Release>) -> Value {
    json!({
        "kernel_release": env.kernel_release,
        "liburing_build_version": env.liburing_build_version,
        "liburing_build_version_source": env.liburing_build_version_source,
        "liburing_version_disagreements": env.liburing_version_disagreements,
        "liburing_found_by": env.liburing_found_by,
        "liburing_linked_library": env.liburing_linked_library,
        "liburing_runtime_version": env.liburing_runtime_version,
        "liburing_runtime_version_source": env.liburing_runtime_version_source,
        "liburing_loaded_path": env.liburing_loaded_path,
        "flush_path": env.flush_path,
        "io_uring_disabled": env.io_uring_disabled,
        "ring_features": env.ring_features,
        "supported_opcodes": env.supported_opcodes,
        "probe_error": env.probe_error,
        "liburing_release": release.map(|(a, b)| format!("{a}.{b}")),
    })
}

fn check_json(r: &RunResult, release: Option<Release>) -> Value {
    let figures: Map<String, Value> = r.outcome.figures.iter().cloned().collect();
    let version = system_liburing::LIBURING_BUILD_VERSION;
    json!({
        "name": r.check.name,
        "description": r.check.description,
        "verdict": r.outcome.verdict.as_str(),
        "reason": r.outcome.reason,
        "duration_ms": crate::checks::ms(r.duration),
        "figures": figures,
        "expected": release.map(|rel| history::expected(r.check.name, rel).as_str()),
        "as_expected": release.map(|rel| history::as_expected(r.check.name, &r.outcome, rel, version)),
    })
}

/// The whole report. `error` is set (and `checks` empty) when io_uring was unavailable.
pub fn json_report(
    env: &Environment,
    results: &[RunResult],
    error: Option<&Unavailable>,
    exit_code: i32,
) -> Value {
    let (pass, fail, skip) = counts(results);
    let release = linked_release();
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": { "name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") },
        "environment": environment_json(env, release),
        "checks": results.iter().map(|r| check_json(r, release)).collect::<Vec<_>>(),
        "summary": { "pass": pass, "fail": fail, "skip": skip },
        "exit_code": exit_code,
        "error": error.map(|u| json!({
            "kind": u.kind,
            "errno": u.errno,
            "message": u.message,
        })),
    })
}

/// `--list --json`: the checks' names and descriptions.
pub fn json_list(checks: &[Check]) -> Value {
    Value::Array(
        checks
            .iter()
            .map(|c| json!({ "name": c.name, "description": c.description }))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------
// Text

/// ANSI styling, or nothing.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
    fn verdict(self, v: Verdict, width: usize) -> String {
        let word = format!("{:<width$}", v.as_str().to_uppercase());
        match v {
            Verdict::Pass => self.paint("1;32", &word),
            Verdict::Fail => self.paint("1;31", &word),
            Verdict::Skip => self.paint("1;33", &word),
        }
    }
}

const LABEL: usize = 26;
const WRAP: usize = 100;

fn kv(out: &mut String, style: Style, label: &str, value: &str) {
    let _ = writeln!(out, "  {}{value}", style.bold(&format!("{label:<LABEL$}")));
}

/// Space-separated words wrapped under the value column.
fn wrapped(words: &[String]) -> String {
    let mut s = String::new();
    let mut col = 0;
    for w in words {
        if col > 0 && col + 1 + w.len() > WRAP - LABEL - 2 {
            s.push('\n');
            s.push_str(&" ".repeat(LABEL + 2));
            col = 0;
        } else if col > 0 {
            s.push(' ');
            col += 1;
        }
        s.push_str(w);
        col += w.len();
    }
    s
}

fn environment_text(out: &mut String, env: &Environment, style: Style) {
    let _ = writeln!(out, "{}", style.bold("Environment"));
    let unknown = || "unknown".to_owned();
    kv(
        out,
        style,
        "kernel",
        &env.kernel_release.clone().unwrap_or_else(unknown),
    );
    kv(
        out,
        style,
        "liburing (build)",
        &format!(
            "{} (from {}; found by {}{})",
            env.liburing_build_version,
            env.liburing_build_version_source,
            env.liburing_found_by,
            env.liburing_linked_library
                .as_ref()
                .map(|l| format!(", linked {l}"))
                .unwrap_or_default()
        ),
    );
    for d in &env.liburing_version_disagreements {
        kv(out, style, "version evidence differs", d);
    }
    kv(
        out,
        style,
        "liburing (run time)",
        &match (
            &env.liburing_runtime_version,
            &env.liburing_runtime_version_source,
        ) {
            (Some(v), Some(src)) => format!("{v} (from {src})"),
            (Some(v), None) => v.clone(),
            _ => "not reported (io_uring_major_version needs liburing 2.4+, and the loaded \
                  file's name tells nothing)"
                .to_owned(),
        },
    );
    kv(
        out,
        style,
        "liburing loaded from",
        &env.liburing_loaded_path
            .clone()
            .unwrap_or_else(|| "not mapped (statically linked?)".to_owned()),
    );
    kv(out, style, "overflow flush path", &env.flush_path);
    kv(
        out,
        style,
        "kernel.io_uring_disabled",
        &env.io_uring_disabled.map_or_else(
            || "absent or unreadable (sysctl added in 6.6)".to_owned(),
            |n| n.to_string(),
        ),
    );
    let strip = |v: &[String], prefix: &str| -> Vec<String> {
        v.iter()
            .map(|s| s.strip_prefix(prefix).unwrap_or(s).to_owned())
            .collect()
    };
    if !env.ring_features.is_empty() {
        kv(
            out,
            style,
            &format!("IORING_FEAT_* ({})", env.ring_features.len()),
            &wrapped(&strip(&env.ring_features, "IORING_FEAT_")),
        );
    }
    if let Some(e) = &env.probe_error {
        kv(
            out,
            style,
            "IORING_OP_* (probe)",
            &format!("unavailable: {e}"),
        );
    } else if !env.supported_opcodes.is_empty() {
        kv(
            out,
            style,
            &format!("IORING_OP_* ({})", env.supported_opcodes.len()),
            &wrapped(&strip(&env.supported_opcodes, "IORING_OP_")),
        );
    }
}

fn figure_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The people's report: environment, then one table row per check (name, verdict, time,
/// reason) with its figures on the line below, then the summary.
pub fn text_report(
    env: &Environment,
    results: &[RunResult],
    style: Style,
    exit_code: i32,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — does this liburing + kernel lose io_uring completions?\n",
        style.bold(env!("CARGO_PKG_NAME")),
        env!("CARGO_PKG_VERSION")
    );
    environment_text(&mut out, env, style);
    let name_w = results
        .iter()
        .map(|r| r.check.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(out, "\n{}", style.bold("Checks"));
    let _ = writeln!(
        out,
        "  {}",
        style.bold(&format!(
            "{:<name_w$}  {:<7} {:>9}  REASON",
            "CHECK", "VERDICT", "TIME"
        ))
    );
    for r in results {
        let _ = writeln!(
            out,
            "  {:<name_w$}  {} {:>9}  {}",
            r.check.name,
            style.verdict(r.outcome.verdict, 7),
            format!("{:.1} ms", crate::checks::ms(r.duration)),
            r.outcome.reason
        );
        if !r.outcome.figures.is_empty() {
            let figs: Vec<String> = r
                .outcome
                .figures
                .iter()
                .map(|(k, v)| format!("{k}={}", figure_text(v)))
                .collect();
            let indent = " ".repeat(name_w + 4);
            let _ = writeln!(out, "{indent}{}", style.dim(&figs.join(" ")));
        }
    }
    let (pass, fail, skip) = counts(results);
    let _ = writeln!(
        out,
        "\n{} {pass} pass, {fail} fail, {skip} skip (exit {exit_code})",
        style.bold("Summary:")
    );
    out
}

/// `--list`: one check a line.
pub fn text_list(checks: &[Check], style: Style) -> String {
    let w = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        let _ = writeln!(
            out,
            "{}  {}",
            style.bold(&format!("{:<w$}", c.name)),
            c.description
        );
    }
    out
}
