//! `compare`: runs every contender over every scenario in ONE process, interleaved
//! (c, io-uring, safe, safe-dispatch, c-control, c, io-uring, ... for several rounds after a
//! warm-up), and prints medians and speed ratios against C. `c-control` is the C contender
//! run a second time: its ratio against `c` is the noise of that very table.
//!
//! ```text
//! compare [--quick] [--rounds R] [--warmup W] [--target-ms MS] [--only SUBSTR]...
//!         [--json FILE] [--dir DIR] [--file-mib MIB]
//! ```

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use uring_bench::args::json_str;
use uring_bench::workload::{self, NopSpec, Outcome, ReadSpec, TestFile, PEEK_ROUND};
use uring_bench::Impl;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Nop { batch: u32, fast: bool },
    Read { qd: u32, registered: bool },
    Peek,
    Overflow,
}

#[derive(Debug, Clone)]
struct Scenario {
    name: &'static str,
    kind: Kind,
    what: &'static str,
}

fn scenarios() -> Vec<Scenario> {
    let nop = |name, batch, fast, what| Scenario {
        name,
        kind: Kind::Nop { batch, fast },
        what,
    };
    vec![
        nop(
            "nop/b1",
            1,
            false,
            "1 NOP per submit_and_wait(1): per-syscall overhead",
        ),
        nop("nop/b32", 32, false, "32 NOPs per submit_and_wait(32)"),
        nop(
            "nop/b256",
            256,
            false,
            "256 NOPs per submit_and_wait(256): SQE/CQE handling",
        ),
        nop(
            "nop-fast/b1",
            1,
            true,
            "b1 with registered ring fd + SINGLE_ISSUER + DEFER_TASKRUN",
        ),
        nop("nop-fast/b32", 32, true, "b32, fast preset"),
        nop("nop-fast/b256", 256, true, "b256, fast preset"),
        Scenario {
            name: "read/qd32",
            kind: Kind::Read {
                qd: 32,
                registered: false,
            },
            what: "4 KiB random reads, page-cached file, 32 in flight",
        },
        Scenario {
            name: "read-reg/qd32",
            kind: Kind::Read {
                qd: 32,
                registered: true,
            },
            what: "the same with registered file + registered buffers",
        },
        Scenario {
            name: "peek",
            kind: Kind::Peek,
            what: "peek on a non-empty ring (128 CQEs waiting; only the peeks timed)",
        },
        Scenario {
            name: "overflow-drain",
            kind: Kind::Overflow,
            what: "seed: 16 SQ / 32 CQ, 1000 NOPs submitted unreaped, then peek all in order",
        },
    ]
}

const CONTENDERS: [(&str, Impl); 5] = [
    ("c", Impl::C),
    ("io-uring", Impl::IoUring),
    ("safe", Impl::Safe),
    ("safe-dispatch", Impl::SafeDispatch),
    ("c-control", Impl::C),
];

/// The safe API's two styles, each held to the targets.
const SAFE: [&str; 2] = ["safe", "safe-dispatch"];

#[derive(Debug)]
struct Config {
    rounds: usize,
    warmup: usize,
    target_ms: f64,
    only: Vec<String>,
    json: Option<PathBuf>,
    dir: PathBuf,
    file_mib: u64,
}

const USAGE: &str = "usage: compare [--quick] [--rounds R] [--warmup W] [--target-ms MS] \
[--only SUBSTR]... [--json FILE] [--dir DIR] [--file-mib MIB]";

fn parse() -> Result<Config, String> {
    let mut c = Config {
        rounds: 9,
        warmup: 1,
        target_ms: 100.0,
        only: Vec::new(),
        json: None,
        dir: std::env::temp_dir(),
        file_mib: 64,
    };
    let mut it = std::env::args().skip(1);
    let val = |it: &mut dyn Iterator<Item = String>, f: &str| {
        it.next().ok_or_else(|| format!("{f} needs a value"))
    };
    let mut quick = false;
    let (mut rounds, mut target) = (None, None);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--rounds" => rounds = Some(val(&mut it, &a)?.parse().map_err(|_| "--rounds: number")?),
            "--warmup" => c.warmup = val(&mut it, &a)?.parse().map_err(|_| "--warmup: number")?,
            "--target-ms" => {
                target = Some(
                    val(&mut it, &a)?
                        .parse()
                        .map_err(|_| "--target-ms: number")?,
                )
            }
            "--only" => c.only.push(val(&mut it, &a)?),
            "--json" => c.json = Some(val(&mut it, &a)?.into()),
            "--dir" => c.dir = val(&mut it, &a)?.into(),
            "--file-mib" => {
                c.file_mib = val(&mut it, &a)?
                    .parse()
                    .map_err(|_| "--file-mib: number")?
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if quick {
        c.rounds = 5;
        c.target_ms = 20.0;
    }
    c.rounds = rounds.unwrap_or(c.rounds).max(1);
    c.target_ms = target.unwrap_or(c.target_ms).max(1.0);
    if c.file_mib == 0 {
        return Err("--file-mib must be > 0".into());
    }
    Ok(c)
}

/// Runs one contender once and verifies it.
fn run(imp: Impl, kind: Kind, ops: u64, file: Option<&TestFile>) -> io::Result<Outcome> {
    let (o, verdict) = match kind {
        Kind::Nop { batch, fast } => {
            let o = imp.nop(NopSpec { batch, ops, fast })?;
            (o, workload::verify_nop(&o))
        }
        Kind::Read { qd, registered } => {
            let f = file.expect("read scenarios have a file");
            let o = imp.read(ReadSpec {
                fd: f.fd(),
                blocks: f.blocks(),
                ops,
                qd,
                registered,
                fast: false,
            })?;
            (o, workload::verify_read(&o))
        }
        Kind::Peek => {
            let o = imp.peek(ops)?;
            (o, workload::verify_nop(&o))
        }
        Kind::Overflow => {
            let o = imp.overflow(ops)?;
            (o, workload::verify_overflow(&o))
        }
    };
    verdict.map_err(|e| io::Error::other(format!("verification failed: {e}")))?;
    Ok(o)
}

/// `run`, with the contender's name on errors.
fn run_named(imp: Impl, kind: Kind, ops: u64, file: Option<&TestFile>) -> io::Result<Outcome> {
    run(imp, kind, ops, file).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", imp.name())))
}

/// Rounds `ops` to the scenario's unit (whole batches, whole overflow rounds...).
fn round_ops(kind: Kind, ops: f64) -> u64 {
    let unit = match kind {
        Kind::Nop { batch, .. } => u64::from(batch),
        Kind::Read { qd, .. } => u64::from(qd),
        Kind::Peek => u64::from(PEEK_ROUND),
        Kind::Overflow => workload::OVERFLOW_ROUND,
    };
    let ops = ops.max(1.0) as u64;
    ops.div_ceil(unit).max(4) * unit
}

/// Picks an op count so that one C run takes about `target_ms` of wall time (the whole
/// run: the peek scenario times only its peeks, but pays for the NOPs that fill the ring).
fn calibrate(kind: Kind, target_ms: f64, file: Option<&TestFile>) -> io::Result<u64> {
    let mut ops = round_ops(kind, 2000.0);
    for _ in 0..3 {
        let start = Instant::now();
        run_named(Impl::C, kind, ops, file)?;
        let wall = start.elapsed().as_nanos().max(1) as f64;
        let want = round_ops(kind, target_ms * 1e6 * ops as f64 / wall);
        if wall > target_ms * 1e6 * 0.5 {
            return Ok(want);
        }
        ops = want.min(ops * 64);
    }
    Ok(ops)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

struct Row {
    name: &'static str,
    samples: Vec<f64>,
    median: f64,
}

struct Table {
    scenario: Scenario,
    ops: u64,
    rows: Vec<Row>,
}

impl Table {
    fn median(&self, name: &str) -> f64 {
        self.rows
            .iter()
            .find(|r| r.name == name)
            .map_or(f64::NAN, |r| r.median)
    }
    /// Speed of `name` relative to `base` (> 1: faster).
    fn ratio(&self, name: &str, base: &str) -> f64 {
        self.median(base) / self.median(name)
    }
}

fn run_scenario(sc: &Scenario, cfg: &Config, file: Option<&TestFile>) -> io::Result<Table> {
    let ops = calibrate(sc.kind, cfg.target_ms, file)?;
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); CONTENDERS.len()];
    for round in 0..cfg.warmup + cfg.rounds {
        for (i, (_, imp)) in CONTENDERS.iter().enumerate() {
            let o = run_named(*imp, sc.kind, ops, file)?;
            if round >= cfg.warmup {
                samples[i].push(o.ns_per_op());
            }
        }
    }
    let rows = CONTENDERS
        .iter()
        .zip(samples)
        .map(|((name, _), s)| Row {
            name,
            median: median(&s),
            samples: s,
        })
        .collect();
    Ok(Table {
        scenario: sc.clone(),
        ops,
        rows,
    })
}

fn print_table(t: &Table) {
    println!(
        "\n{}  ({} ops/run) - {}",
        t.scenario.name, t.ops, t.scenario.what
    );
    println!(
        "  {:<13} {:>11} {:>10} {:>10} {:>8} {:>11}",
        "impl", "median ns/op", "min", "max", "x C", "x io-uring"
    );
    for r in &t.rows {
        let min = r.samples.iter().copied().fold(f64::INFINITY, f64::min);
        let max = r.samples.iter().copied().fold(0.0, f64::max);
        println!(
            "  {:<13} {:>12.2} {:>10.2} {:>10.2} {:>8.3} {:>11.3}",
            r.name,
            r.median,
            min,
            max,
            t.ratio(r.name, "c"),
            t.ratio(r.name, "io-uring"),
        );
    }
}

struct Check {
    scenario: &'static str,
    what: String,
    got: f64,
    want: f64,
    noise: f64,
}

impl Check {
    /// MET, MISS, or NOISE: short of the target by no more than the table's own noise,
    /// which is no result either way.
    fn verdict(&self) -> &'static str {
        if self.got >= self.want {
            "MET"
        } else if self.want - self.got <= self.noise {
            "NOISE"
        } else {
            "MISS"
        }
    }
}

fn checks(tables: &[Table]) -> Vec<Check> {
    let mut out = Vec::new();
    for t in tables {
        let noise = (t.ratio("c-control", "c") - 1.0).abs();
        let mut add = |what: String, got: f64, want: f64| {
            out.push(Check {
                scenario: t.scenario.name,
                what,
                got,
                want,
                noise,
            })
        };
        // Issue 13: every safe style at least as fast as C and as io-uring, everywhere.
        for name in SAFE {
            add(format!("{name} speed vs C"), t.ratio(name, "c"), 1.0);
            add(
                format!("{name} speed vs io-uring"),
                t.ratio(name, "io-uring"),
                1.0,
            );
        }
    }
    out
}

fn uname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}

fn write_json(path: &PathBuf, cfg: &Config, tables: &[Table], checks: &[Check]) -> io::Result<()> {
    let mut s = String::new();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = write!(
        s,
        "{{\"kernel\":{},\"cpus\":{cpus},\"liburing\":{},\"io_uring_crate\":\"0.7.16\",\"rounds\":{},\"warmup\":{},\"target_ms\":{},\"scenarios\":[",
        json_str(&uname()),
        json_str(&uring_bench::contender::c::liburing_version()),
        cfg.rounds,
        cfg.warmup,
        cfg.target_ms
    );
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"name\":{},\"description\":{},\"ops\":{},\"results\":[",
            json_str(t.scenario.name),
            json_str(t.scenario.what),
            t.ops
        );
        for (j, r) in t.rows.iter().enumerate() {
            if j > 0 {
                s.push(',');
            }
            let samples: Vec<String> = r.samples.iter().map(|x| format!("{x:.3}")).collect();
            let _ = write!(
                s,
                "{{\"impl\":{},\"median_ns_per_op\":{:.3},\"speed_vs_c\":{:.4},\"speed_vs_io_uring\":{:.4},\"samples_ns_per_op\":[{}]}}",
                json_str(r.name),
                r.median,
                t.ratio(r.name, "c"),
                t.ratio(r.name, "io-uring"),
                samples.join(",")
            );
        }
        s.push_str("]}");
    }
    s.push_str("],\"targets\":[");
    for (i, c) in checks.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"scenario\":{},\"check\":{},\"measured\":{:.4},\"target\":{:.2},\"met\":{},\"verdict\":\"{}\",\"control_noise\":{:.4}}}",
            json_str(c.scenario),
            json_str(&c.what),
            c.got,
            c.want,
            c.got >= c.want,
            c.verdict(),
            c.noise
        );
    }
    s.push_str("]}\n");
    std::fs::write(path, s)
}

fn main() -> ExitCode {
    let cfg = match parse() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("compare: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let selected: Vec<Scenario> = scenarios()
        .into_iter()
        .filter(|s| cfg.only.is_empty() || cfg.only.iter().any(|o| s.name.contains(o.as_str())))
        .collect();
    println!(
        "compare: kernel {}, {} cpus, liburing {}, io-uring 0.7.16; {} rounds after {} warm-up, ~{} ms per run; order c, io-uring, safe, safe-dispatch, c-control",
        uname(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        uring_bench::contender::c::liburing_version(),
        cfg.rounds,
        cfg.warmup,
        cfg.target_ms
    );
    println!("ratios are speed (C ns/op / this ns/op): > 1 is faster than C");
    let needs_file = selected.iter().any(|s| matches!(s.kind, Kind::Read { .. }));
    let file = if needs_file {
        match TestFile::create(&cfg.dir, cfg.file_mib) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!(
                    "compare: creating the test file in {}: {e}",
                    cfg.dir.display()
                );
                return ExitCode::from(3);
            }
        }
    } else {
        None
    };
    let mut tables = Vec::new();
    let mut failed = false;
    for sc in &selected {
        match run_scenario(sc, &cfg, file.as_ref()) {
            Ok(t) => {
                print_table(&t);
                tables.push(t);
            }
            Err(e) => {
                eprintln!("compare: {}: {e}", sc.name);
                failed = true;
            }
        }
    }
    drop(file);
    let checks = checks(&tables);
    println!("\ntargets (speed ratios; noise = |c-control/c - 1| of the same table):");
    for c in &checks {
        println!(
            "  {:<5} {:<15} {:<32} {:>7.3} (target >= {:.2}, noise {:.3})",
            c.verdict(),
            c.scenario,
            c.what,
            c.got,
            c.want,
            c.noise
        );
    }
    if let Some(p) = &cfg.json {
        if let Err(e) = write_json(p, &cfg, &tables, &checks) {
            eprintln!("compare: writing {}: {e}", p.display());
            failed = true;
        } else {
            println!("\nwrote {}", p.display());
        }
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
