#!/usr/bin/env bash
# Every liburing release against this workspace: build it (.ci/build-liburing.sh), build
# uring-check against it, run `uring-check --json`, and write docs/liburing-matrix.md
# (release x build x each check's verdict). The checks' columns are read from the JSON, so a
# check added later is a new column without touching this script.
#
#   .ci/every-release.sh [--suite] [--check] [--out FILE] [VERSION...]
#
#   --suite    also run the whole test suite (`cargo test --workspace`) against each release
#   --check    exit 1 unless every release built, ran and reported its own version, and every
#              check's verdict is what uring-check/history.tsv (liburing's history) expects
#              of that release: each check's `as_expected` in the JSON
#   --out      where the matrix goes (default docs/liburing-matrix.md; - for stdout)
#   VERSION    the releases to sweep (default: every one `.ci/build-liburing.sh --list` has)
#
# One CARGO_TARGET_DIR (target/every-release unless set) serves every release, so dependencies compile
# once and only system-liburing-sys and its dependents rebuild when the LIBURING_* variables
# change. Needs python3 (the JSON to markdown step).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
suite=0
check=0
out=docs/liburing-matrix.md
versions=()
while [ $# -gt 0 ]; do
    case "$1" in
        --suite) suite=1 ;;
        --check) check=1 ;;
        --out) out=$2; shift ;;
        -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) versions+=("$1") ;;
    esac
    shift
done
[ ${#versions[@]} -gt 0 ] || mapfile -t versions < <(.ci/build-liburing.sh --list)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/every-release}"
export CARGO_TERM_COLOR=never
work="$CARGO_TARGET_DIR/sweep"
mkdir -p "$work"
rm -f "$work"/*.json "$work"/*.status
start=$(date +%s)

for v in "${versions[@]}"; do
    prefix="$root/target/liburing-releases/$v"
    t0=$(date +%s)
    status=ok
    note=""
    if ! .ci/build-liburing.sh "$v" "$prefix" >"$work/$v.liburing.log" 2>&1; then
        status=liburing-build-failed
    fi
    export LIBURING_INCLUDE_DIR="$prefix/include" LIBURING_LIB_DIR="$prefix/lib"
    if [ $status = ok ] && ! cargo build --quiet -p uring-check >"$work/$v.build.log" 2>&1; then
        status=build-failed
        note=$(grep -m1 '^error' "$work/$v.build.log" || true)
    fi
    t1=$(date +%s)
    if [ $status = ok ]; then
        # Exit 1 (a check failed) is a result, not an error.
        LD_LIBRARY_PATH="$prefix/lib" "$CARGO_TARGET_DIR/debug/uring-check" --json \
            >"$work/$v.json" 2>"$work/$v.run.log" || true
    fi
    suite_result=""
    if [ $suite = 1 ] && [ $status = ok ]; then
        mkdir -p "$CARGO_TARGET_DIR/tmp"
        rm -f "$CARGO_TARGET_DIR/tmp/skipped.log"
        if LD_LIBRARY_PATH="$prefix/lib" cargo test --workspace --no-fail-fast >"$work/$v.suite.log" 2>&1; then
            suite_result=ok
        else
            suite_result=failed
        fi
        passed=$(grep -o '[0-9]* passed' "$work/$v.suite.log" | awk '{s+=$1} END {print s+0}')
        failed=$(grep -o '[0-9]* failed' "$work/$v.suite.log" | awk '{s+=$1} END {print s+0}')
        skipped=$(wc -l <"$CARGO_TARGET_DIR/tmp/skipped.log" 2>/dev/null || echo 0)
        suite_result="$suite_result $passed $failed $skipped"
    fi
    unset LIBURING_INCLUDE_DIR LIBURING_LIB_DIR
    t2=$(date +%s)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$status" "$((t1 - t0))" "$((t2 - t1))" "$suite_result" \
        "$note" "$(cat "$prefix/lib/pkgconfig/liburing.pc" 2>/dev/null | sed -n 's/^Version: *//p')" \
        >"$work/$v.status"
    echo "[every-release] $v: $status (build $((t1 - t0)) s, run $((t2 - t1)) s)${suite_result:+, suite: $suite_result}"
done
total=$(($(date +%s) - start))
echo "[every-release] ${#versions[@]} releases in $total s"

python3 - "$root" "$work" "$out" "$total" "$suite" "${versions[@]}" <<'PY'
import json, sys, os
root, work, out, total, suite, versions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1", sys.argv[6:]
rows, checks, notes = [], [], []
current = None
def note(text):
    # One note for what differs only by the release or this checkout's path.
    text = text.replace(root + "/", "")
    if current:
        text = text.replace(f"liburing {current}'s", "liburing <release>'s").replace(f"liburing {current} ", "liburing <release> ")
    if text not in notes:
        notes.append(text)
    return f"[{notes.index(text) + 1}]"
for v in versions:
    st = open(f"{work}/{v}.status").read().rstrip("\n").split("\t")
    status, build_s, run_s, suite_res, err, pc = (st + [""] * 6)[:6]
    doc = None
    try:
        doc = json.load(open(f"{work}/{v}.json"))
    except (OSError, ValueError):
        pass
    rows.append((v, status, build_s, run_s, suite_res, err, pc, doc))
    for c in (doc or {}).get("checks", []):
        if c["name"] not in checks:
            checks.append(c["name"])
lines = []
w = lines.append
w("# liburing releases x this workspace")
w("")
w("Written by `.ci/every-release.sh` (do not edit by hand): every upstream liburing release built")
w("from the project's release bundle, `uring-check` built against it and run with `--json` on this")
w("machine's kernel. One column per check, read from the JSON. *version* is what the build")
w("reports (`LIBURING_BUILD_VERSION`) and the evidence it came from; *pc* is what the release's")
w("`liburing.pc` says, marked when it disagrees.")
w("")
env = next((r[7]["environment"] for r in rows if r[7]), {})
w(f"Kernel: `{env.get('kernel_release', 'unknown')}`. {len(rows)} releases, "
  f"{sum(1 for r in rows if r[1] == 'ok')} built, {sum(1 for r in rows if r[7] and r[7].get('checks'))} ran; "
  f"the sweep took {total} s{' with the test suite' if suite else ''}.")
w("")
head = ["release", "build", "version (source)", "pc"] + ([f"suite"] if suite else []) + checks + ["summary"]
w("| " + " | ".join(f"`{h}`" if h in checks else h for h in head) + " |")
w("|" + "---|" * len(head))
for v, status, build_s, run_s, suite_res, err, pc, doc in rows:
    current = v
    cells = [v]
    cells.append(f"ok ({build_s} s)" if status == "ok" else f"**{status}** {note(err) if err else ''}")
    if doc:
        e = doc["environment"]
        ver = e.get("liburing_build_version", "?")
        src = e.get("liburing_build_version_source", "?")
        mark = "" if ver == v else " **wrong**"
        cells.append(f"{ver}{mark} ({src})")
        dis = [d for d in e.get("liburing_version_disagreements", []) if d.startswith(("pkg-config", "liburing.pc"))]
        cells.append(f"{pc} (disagrees) {note(dis[0])}" if dis else pc)
    else:
        cells += ["", pc]
    if suite:
        parts = suite_res.split()
        if parts:
            res, p, f, s = (parts + ["0"] * 4)[:4]
            cells.append(f"{'ok' if res == 'ok' else '**failed**'}: {p} passed, {f} failed, {s} skips")
        else:
            cells.append("")
    by = {c["name"]: c for c in (doc or {}).get("checks", [])}
    for name in checks:
        c = by.get(name)
        if not c:
            cells.append("")
            continue
        verdict = c["verdict"]
        if verdict == "pass":
            cells.append("pass")
        else:
            cells.append(f"{'**FAIL**' if verdict == 'fail' else 'skip'} {note(c['reason'])}")
    if doc:
        s = doc["summary"]
        cells.append(f"{s['pass']} pass, {s['fail']} fail, {s['skip']} skip")
    elif status == "ok":
        cells.append("did not run " + note(open(f"{work}/{v}.run.log").read().strip()[:300] or "no output"))
    else:
        cells.append("")
    w("| " + " | ".join(cells) + " |")
w("")
if notes:
    w("Notes:")
    w("")
    for i, n in enumerate(notes, 1):
        w(f"{i}. {n}")
    w("")
text = "\n".join(lines)
if out == "-":
    print(text)
else:
    open(out, "w").write(text)
    print(f"[every-release] wrote {out}")
PY

[ $check = 1 ] || exit 0
python3 - "$work" "${versions[@]}" <<'PY'
import json, sys
work, versions = sys.argv[1], sys.argv[2:]
# Each check's JSON carries the verdict uring-check/history.tsv expects of the release and
# whether it got it (uring-check/src/history.rs, the one reading of that table).
problems = []
for v in versions:
    try:
        d = json.load(open(f"{work}/{v}.json"))
    except (OSError, ValueError):
        problems.append(f"{v}: did not build or run (see {work}/{v}.*.log)")
        continue
    env = d["environment"]
    if env["liburing_build_version"] != v:
        problems.append(f"{v}: reported as {env['liburing_build_version']}")
    if env["liburing_release"] != v:
        problems.append(f"{v}: judged as release {env['liburing_release']}")
    for c in d["checks"]:
        if c["as_expected"] is not True:
            problems.append(f"{v}: {c['name']} {c['verdict']}, expected {c['expected']}: {c['reason']}")
if problems:
    print("[every-release] unexpected:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"[every-release] {len(versions)} releases as uring-check/history.tsv expects")
PY
