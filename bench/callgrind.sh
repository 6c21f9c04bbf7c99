#!/usr/bin/env bash
# User-space instructions per operation, with callgrind: repeatable on noisy machines.
#
# Each standalone contender (bench-c, bench-io-uring, bench-safe) runs under
# `valgrind --tool=callgrind` at two op counts N1 < N2; the script reports
#     (Ir(N2) - Ir(N1)) / (N2 - N1)
# so that process start-up, ring setup and teardown cancel out. Scenarios: NOP at batch 1,
# 32 and 256, plain and with --fast (registered ring fd + SINGLE_ISSUER + DEFER_TASKRUN).
# Kernel work is not counted (callgrind sees user space only).
#
# usage: bench/callgrind.sh [--no-build] [--annotate] [--batches "1 32 256"] [--impls "c io-uring safe"]
#   env: N1 (default 12800), N2 (default 64000), CARGO_TARGET_DIR (default <workspace>/target),
#        OUT (where callgrind.out files are kept; default a temp dir, removed)
#   --annotate: also keep bench-safe --batch 32 at N2 and print its top functions
#               (callgrind_annotate), i.e. where the safe contender spends its instructions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
N1="${N1:-12800}"
N2="${N2:-64000}"
batches="1 32 256"
impls="c io-uring safe"
build=1
annotate=0
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --annotate) annotate=1 ;;
        --batches) batches="$2"; shift ;;
        --impls) impls="$2"; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
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

echo "user-space instructions per NOP (callgrind Ir, (Ir(N2)-Ir(N1))/(N2-N1), N1=$N1 N2=$N2)"
printf '%-16s' "scenario"
for i in $impls; do printf '%12s' "$i"; done
case " $impls " in *" c "*" safe "*) printf '%12s' "safe/c" ;; esac
echo
for fast in "" "--fast"; do
    for b in $batches; do
        name="nop/b$b"; [ -n "$fast" ] && name="nop-fast/b$b"
        printf '%-16s' "$name"
        declare -A res=()
        for i in $impls; do
            # shellcheck disable=SC2086
            v="$(per_op "$i" --batch "$b" $fast)" || v="error"
            res[$i]="$v"
            printf '%12s' "$v"
        done
        if [ -n "${res[c]:-}" ] && [ -n "${res[safe]:-}" ] && [ "${res[c]}" != error ] && [ "${res[safe]}" != error ]; then
            awk -v s="${res[safe]}" -v c="${res[c]}" 'BEGIN { printf "%12.3f", s / c }'
        fi
        echo
        unset res
    done
done

if [ "$annotate" = 1 ]; then
    f="$out/cg.annotate"
    valgrind --tool=callgrind --callgrind-out-file="$f" "$bin/bench-safe" --batch 32 --ops "$N2" >/dev/null 2>&1
    echo
    echo "bench-safe --batch 32 --ops $N2: top functions (exclusive Ir)"
    callgrind_annotate --threshold=99 "$f" 2>/dev/null | sed -n '/^Ir/,$p' | head -40
fi
