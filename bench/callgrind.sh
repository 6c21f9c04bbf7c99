#!/usr/bin/env bash
# User-space instructions per operation, with callgrind: repeatable on noisy machines.
#
# Each standalone contender (bench-c, bench-io-uring, bench-safe, bench-safe-dispatch) runs
# under `valgrind --tool=callgrind` at two op counts N1 < N2; the script reports
#     (Ir(N2) - Ir(N1)) / (N2 - N1)
# so that process start-up, ring setup and teardown cancel out. Scenarios: NOP at batch 1,
# 32 and 256, plain and with --fast (registered ring fd + SINGLE_ISSUER + DEFER_TASKRUN);
# 4 KiB random reads at queue depth 32 from a page-cached file, plain and registered; the
# peek scenario (per op: a NOP pushed one at a time on the Ring, then, per 128, one submit
# and 128 one-at-a-time peeks: the whole round is counted, not only the timed peeks).
# Kernel work is not counted (callgrind sees user space only). Ends with the issue's targets
# for both safe styles (NOP instructions per op; reads against io-uring's raw push).
#
# usage: bench/callgrind.sh [--no-build] [--annotate] [--no-reads] [--batches "1 32 256"]
#                           [--qds "32"] [--impls "c io-uring safe safe-dispatch"]
#   env: N1 (default 12800), N2 (default 64000), CARGO_TARGET_DIR (default <workspace>/target),
#        OUT (where callgrind.out files are kept; default a temp dir, removed),
#        FILE_MIB (size of the read scenarios' file, default 16)
#   --annotate: also print the top functions (callgrind_annotate) of bench-safe and
#               bench-safe-dispatch --batch 32 at N2: where the safe contenders spend.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
N1="${N1:-12800}"
N2="${N2:-64000}"
batches="1 32 256"
impls="c io-uring safe safe-dispatch"
qds="32"
FILE_MIB="${FILE_MIB:-16}"
build=1
annotate=0
reads=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --annotate) annotate=1 ;;
        --no-reads) reads=0 ;;
        --qds) qds="$2"; shift ;;
        --batches) batches="$2"; shift ;;
        --impls) impls="$2"; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
if [ "$N2" -le "$N1" ]; then
    echo "callgrind.sh: need N1 < N2 (got $N1, $N2)" >&2
    exit 2
fi
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not found" >&2; exit 2; }

if [ "$build" = 1 ]; then
    (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -q -p uring-bench --bins)
fi
bin="$target/release"

if [ -n "${OUT:-}" ]; then
    out="$OUT"; mkdir -p "$out"
else
    out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
fi

# ir IMPL N ARGS... -> total Ir of one run (checks that the run verified)
ir() {
    local impl="$1" n="$2"; shift 2
    local f="$out/cg.$impl.$n.$RANDOM"
    if ! valgrind --tool=callgrind --callgrind-out-file="$f" "$bin/bench-$impl" "$@" --ops "$n" \
        >"$f.stdout" 2>"$f.stderr"; then
        echo "callgrind.sh: bench-$impl $* --ops $n failed:" >&2
        grep -v '^==' "$f.stderr" >&2 || true
        return 1
    fi
    grep -q '"verified":true' "$f.stdout" || { echo "callgrind.sh: bench-$impl did not verify" >&2; return 1; }
    awk '/^(summary|totals):/ { print $2; exit }' "$f"
}

per_op() {
    local impl="$1"; shift
    local a b
    a="$(ir "$impl" "$N1" "$@")" || return 1
    b="$(ir "$impl" "$N2" "$@")" || return 1
    awk -v a="$a" -v b="$b" -v n1="$N1" -v n2="$N2" 'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }'
}

# has IMPL: whether IMPL is measured
has() {
    case " $impls " in *" $1 "*) return 0 ;; esac
    return 1
}

# ratio A B -> A / B, or nothing when either is missing
ratio() {
    if [ -n "$1" ] && [ -n "$2" ] && [ "$1" != error ] && [ "$2" != error ]; then
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
    fi
}

# row NAME ARGS...: one table row, every impl; results kept in res_<name>_<impl>
declare -A res=()
row() {
    local name="$1"; shift
    printf '%-16s' "$name"
    for i in $impls; do
        v="$(per_op "$i" "$@")" || v="error"
        res[$name,$i]="$v"
        printf '%14s' "$v"
    done
    for s in safe safe-dispatch; do
        has io-uring && has "$s" && printf '%14s' "$(ratio "${res[$name,$s]}" "${res[$name,io-uring]}")"
    done
    echo
}

header() {
    printf '%-16s' "scenario"
    for i in $impls; do printf '%14s' "$i"; done
    for s in safe safe-dispatch; do
        has io-uring && has "$s" && printf '%14s' "${s/safe-dispatch/dispatch}/io"
    done
    echo
}

echo "user-space instructions per op (callgrind Ir, (Ir(N2)-Ir(N1))/(N2-N1), N1=$N1 N2=$N2)"
header
for fast in "" "--fast"; do
    for b in $batches; do
        name="nop/b$b"; [ -n "$fast" ] && name="nop-fast/b$b"
        # shellcheck disable=SC2086
        row "$name" --batch "$b" $fast
    done
done
row "peek" --peek
if [ "$reads" = 1 ]; then
    # A page-cached file of FILE_MIB MiB (4 KiB random reads: the kernel's copy is not
    # counted, the user-space cost per read is).
    file="$out/read.dat"
    head -c "$((FILE_MIB << 20))" /dev/urandom >"$file"
    cat "$file" >/dev/null
    for qd in $qds; do
        row "read/qd$qd" --read "$file" --qd "$qd"
        row "read-reg/qd$qd" --read "$file" --qd "$qd" --registered
    done
fi

# The issue's targets for the safe API (both styles): NOP instructions per op, and the
# managed read against io-uring's raw push.
echo
echo "targets:"
check() {
    local what="$1" got="$2" op="$3" want="$4"
    [ -z "$got" ] || [ "$got" = error ] && return 0
    if awk -v g="$got" -v w="$want" "BEGIN { exit !(g $op w) }"; then v=MET; else v=MISS; fi
    printf '  %-4s %-50s %8s (target %s %s)\n' "$v" "$what" "$got" "$op" "$want"
}
for s in safe safe-dispatch; do
    has "$s" || continue
    for fast in "" "-fast"; do
        for bw in "1 130" "32 30" "256 28"; do
            set -- $bw
            check "$s nop$fast/b$1 instructions per NOP" "${res[nop$fast/b$1,$s]:-}" "<=" "$2"
        done
    done
    if [ "$reads" = 1 ]; then
        for qd in $qds; do
            check "$s read/qd$qd instructions vs io-uring" \
                "$(ratio "${res[read/qd$qd,$s]:-}" "${res[read/qd$qd,io-uring]:-}")" "<=" 1.10
        done
    fi
done

if [ "$annotate" = 1 ]; then
    for i in safe safe-dispatch; do
        f="$out/cg.annotate.$i"
        valgrind --tool=callgrind --callgrind-out-file="$f" "$bin/bench-$i" --batch 32 --ops "$N2" >/dev/null 2>&1
        echo
        echo "bench-$i --batch 32 --ops $N2: top functions (exclusive Ir)"
        callgrind_annotate --threshold=99 "$f" 2>/dev/null | sed -n '/^Ir/,$p' | head -40
    done
fi
