//! The command line shared by `bench-c`, `bench-io-uring` and `bench-safe`:
//!
//! ```text
//! bench-<impl> --batch B --ops N [--fast]                               NOPs, B per submit+wait
//! bench-<impl> --read FILE --ops N [--qd Q] [--registered] [--fast]    4 KiB random reads
//! bench-<impl> --peek --ops N                                          peek on a non-empty ring
//! bench-<impl> --overflow --ops N                                      the seed overflow drain
//! ```
//!
//! Prints one JSON line (`impl`, `scenario`, `ops`, `ns`, `ns_per_op`, ...); exits 1 when the
//! completions do not verify, 2 on a usage error, 3 when the run itself failed.

use crate::workload::{self, NopSpec, Outcome, ReadSpec};
use crate::Impl;
use std::fs::File;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// NOPs, `batch` per submit-and-wait.
    Nop {
        /// SQEs per submit.
        batch: u32,
    },
    /// Random 4 KiB reads from `path`.
    Read {
        /// The file.
        path: PathBuf,
        /// Queue depth.
        qd: u32,
        /// Registered file + buffers.
        registered: bool,
    },
    /// Peek on a non-empty ring.
    Peek,
    /// The seed overflow drain.
    Overflow,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The workload.
    pub mode: Mode,
    /// Operations.
    pub ops: u64,
    /// Registered ring fd + SINGLE_ISSUER + DEFER_TASKRUN (NOPs and reads).
    pub fast: bool,
}

/// The usage text.
pub const USAGE: &str = "usage:
  --batch B --ops N [--fast]                              NOPs, B SQEs per submit-and-wait
  --read FILE --ops N [--qd Q] [--registered] [--fast]    4 KiB random reads (default qd 32)
  --peek --ops N                                          peek on a non-empty ring
  --overflow --ops N                                      seed overflow drain (N rounded up to 1000s)";

fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.replace('_', "")
        .parse()
        .map_err(|_| format!("{flag}: not a number: {v}"))
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Args, String> {
    let (mut batch, mut read, mut qd, mut ops) = (None, None, 32u32, None);
    let (mut registered, mut fast, mut peek, mut overflow) = (false, false, false, false);
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--batch" => batch = Some(num::<u32>("--batch", it.next())?),
            "--ops" => ops = Some(num::<u64>("--ops", it.next())?),
            "--qd" => qd = num("--qd", it.next())?,
            "--read" => read = Some(PathBuf::from(it.next().ok_or("--read needs a file")?)),
            "--registered" => registered = true,
            "--fast" => fast = true,
            "--peek" => peek = true,
            "--overflow" => overflow = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let ops = ops.ok_or("--ops N is required")?;
    let modes = usize::from(batch.is_some())
        + usize::from(read.is_some())
        + usize::from(peek)
        + usize::from(overflow);
    if modes != 1 {
        return Err("give exactly one of --batch, --read, --peek, --overflow".into());
    }
    let mode = if let Some(batch) = batch {
        if batch == 0 || batch > 4096 {
            return Err("--batch must be 1..=4096".into());
        }
        Mode::Nop { batch }
    } else if let Some(path) = read {
        if qd == 0 || qd > 4096 {
            return Err("--qd must be 1..=4096".into());
        }
        Mode::Read {
            path,
            qd,
            registered,
        }
    } else if peek {
        Mode::Peek
    } else {
        Mode::Overflow
    };
    if registered && !matches!(mode, Mode::Read { .. }) {
        return Err("--registered applies to --read only".into());
    }
    if fast && matches!(mode, Mode::Peek | Mode::Overflow) {
        return Err("--fast applies to --batch and --read only".into());
    }
    Ok(Args { mode, ops, fast })
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Runs the command line for one contender: the body of each standalone binary.
pub fn main(imp: Impl) -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("bench-{}: {e}", imp.name());
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(imp, &args) {
        Ok((line, verdict)) => {
            println!("{line}");
            match verdict {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("bench-{}: verification failed: {e}", imp.name());
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            eprintln!("bench-{}: {e}", imp.name());
            ExitCode::from(3)
        }
    }
}

/// Runs one workload; returns the JSON line and the verification verdict.
pub fn run(imp: Impl, args: &Args) -> std::io::Result<(String, Result<(), String>)> {
    let ops = args.ops;
    let (scenario, extra, out, verdict): (&str, String, Outcome, _) = match &args.mode {
        Mode::Nop { batch } => {
            let o = imp.nop(NopSpec {
                batch: *batch,
                ops,
                fast: args.fast,
            })?;
            (
                "nop",
                format!(",\"batch\":{batch}"),
                o,
                workload::verify_nop(&o),
            )
        }
        Mode::Read {
            path,
            qd,
            registered,
        } => {
            let f = File::open(path)?;
            let blocks = f.metadata()?.len() / workload::BLOCK as u64;
            if blocks == 0 {
                return Err(std::io::Error::other("the file is smaller than 4 KiB"));
            }
            let o = imp.read(ReadSpec {
                fd: f.as_fd(),
                blocks,
                ops,
                qd: *qd,
                registered: *registered,
                fast: args.fast,
            })?;
            let extra = format!(
                ",\"file\":{},\"blocks\":{blocks},\"qd\":{qd},\"registered\":{registered}",
                json_str(&path.display().to_string())
            );
            ("read", extra, o, workload::verify_read(&o))
        }
        Mode::Peek => {
            let o = imp.peek(ops)?;
            ("peek", String::new(), o, workload::verify_nop(&o))
        }
        Mode::Overflow => {
            let o = imp.overflow(workload::overflow_ops(ops))?;
            ("overflow", String::new(), o, workload::verify_overflow(&o))
        }
    };
    let line = format!(
        "{{\"impl\":{},\"scenario\":\"{scenario}\"{extra},\"fast\":{},\"fast_applied\":{},\"ops\":{},\"ns\":{},\"ns_per_op\":{:.3},\"verified\":{}}}",
        json_str(imp.name()),
        args.fast,
        out.fast_applied,
        out.ops,
        out.ns,
        out.ns_per_op(),
        verdict.is_ok()
    );
    Ok((line, verdict))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn parses_the_shared_command_line() {
        assert_eq!(
            p("--batch 32 --ops 1000 --fast").unwrap(),
            Args {
                mode: Mode::Nop { batch: 32 },
                ops: 1000,
                fast: true
            }
        );
        assert_eq!(
            p("--read /tmp/f --ops 10 --registered").unwrap().mode,
            Mode::Read {
                path: "/tmp/f".into(),
                qd: 32,
                registered: true
            }
        );
        assert!(p("--batch 1").is_err());
        assert!(p("--batch 1 --read x --ops 3").is_err());
        assert!(p("--peek --ops 3 --fast").is_err());
        assert_eq!(p("--overflow --ops 1_000").unwrap().mode, Mode::Overflow);
    }
}
