#!/usr/bin/env bash
# Sanitizer lane: the test suite under AddressSanitizer (+ LeakSanitizer) on the nightly
# toolchain, with the C shim of system-liburing-sys built with -fsanitize=address too.
#
#   .ci/sanitizers.sh               every test target (--lib --tests) of the safe crate and
#                                   of -sys under ASan, a 2 s soak under ASan, and the
#                                   in-flight table's unit tests under valgrind (if installed)
#   .ci/sanitizers.sh --quick       a subset (the memory-lifetime tests), for local use
#   .ci/sanitizers.sh --no-valgrind skip the valgrind step
#
# Timing on the reference machine (2 cores, cold target dir): 286 s in all (build + ASan
# tests ~228 s, soak ~7 s, valgrind ~50 s with its build); warm: under a minute. That is
# under the 8-minute CI budget, so CI runs the full lane (no subset needed).
#
# What this toolchain allows, and what it does not:
# * ASan works WITHOUT -Zbuild-std (checked on this nightly): our crates, the C shim and
#   every test are instrumented; the precompiled std is not (its own accesses are not
#   checked), but every allocation goes through the ASan allocator, so a use-after-free or
#   double free of a Vec/Box by our code or the tests is still caught.
# * rust-src and Miri are not installed (no rustup server reachable), so neither
#   -Zbuild-std nor Miri. In place of Miri, the pure-Rust in-flight table (src/table.rs,
#   whose unit tests are the --lib tests) runs under ASan here, and under valgrind (an
#   uninstrumented build, so valgrind sees every access).
# * The kernel's writes into user memory are invisible to ASan (no shadow check): a write by
#   the KERNEL into freed memory is caught only indirectly (valgrind's drop test in .ci/run,
#   the soak's pattern checks). ASan checks what userspace does with that memory.
# * Leaks: LeakSanitizer is on. The memory of ops the kernel did not release within Drop's
#   2 s bound is kept for the rest of the process in a reachable list (never freed, never
#   reported), so every leak LSan reports is a real one.
set -euo pipefail
cd "$(dirname "$0")/.."

full=1
valgrind=1
for a in "$@"; do
    case "$a" in
        --full) full=1 ;;
        --quick) full=0 ;;
        --no-valgrind) valgrind=0 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "sanitizers.sh: unknown argument $a" >&2; exit 2 ;;
    esac
done

TARGET=x86_64-unknown-linux-gnu
TOOLCHAIN=${SANITIZER_TOOLCHAIN:-nightly}
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/sanitizers}
# With an explicit --target, RUSTFLAGS reach only target crates, not build scripts.
export RUSTFLAGS="-Zsanitizer=address -Cforce-frame-pointers=yes ${SANITIZER_RUSTFLAGS:-}"
# The cc crate reads CFLAGS_<target>: the C shim of the inline helpers is instrumented too.
export CFLAGS_x86_64_unknown_linux_gnu="-fsanitize=address -fno-omit-frame-pointer -g -O1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:abort_on_error=0:halt_on_error=1}"


if ! cargo "+$TOOLCHAIN" --version >/dev/null 2>&1; then
    echo "sanitizers.sh: the $TOOLCHAIN toolchain is not installed" >&2
    exit 2
fi
rt=$(rustc "+$TOOLCHAIN" --print sysroot)/lib/rustlib/$TARGET/lib
if ! ls "$rt"/librustc-*_rt.asan.a >/dev/null 2>&1; then
    echo "sanitizers.sh: no ASan runtime in $rt" >&2
    exit 2
fi

start=$(date +%s)
step() { echo; echo "=== [sanitizers $(( $(date +%s) - start ))s] $*"; }

SUBSET=(--lib --test drop_inflight --test faults --test fault_matrix --test model
        --test hostile_env --test bad_input --test ops --test split --test backpressure)

mkdir -p "$CARGO_TARGET_DIR/tmp"
rm -f "$CARGO_TARGET_DIR/tmp/skipped.log"
if [ "$full" = 1 ]; then
    step "ASan: cargo +$TOOLCHAIN test --lib --tests (safe crate and -sys)"
    cargo "+$TOOLCHAIN" test --target "$TARGET" -p system-liburing -p system-liburing-sys \
        --lib --tests --no-fail-fast -- --test-threads=2
else
    step "ASan: cargo +$TOOLCHAIN test (--quick: ${SUBSET[*]})"
    cargo "+$TOOLCHAIN" test --target "$TARGET" -p system-liburing "${SUBSET[@]}" \
        --no-fail-fast -- --test-threads=2
fi
step "ASan: soak (2 s)"
cargo "+$TOOLCHAIN" run --target "$TARGET" --example soak -- --seconds 2

if [ "$valgrind" = 1 ] && ! command -v valgrind >/dev/null; then
    echo "sanitizers.sh: valgrind not installed: skipping the valgrind step" >&2
    valgrind=0
fi
if [ "$valgrind" = 1 ]; then
    step "valgrind: the in-flight table's unit tests (uninstrumented build)"
    (
        unset RUSTFLAGS CFLAGS_x86_64_unknown_linux_gnu ASAN_OPTIONS LSAN_OPTIONS
        export CARGO_TARGET_DIR="$CARGO_TARGET_DIR/valgrind"
        bin=$(cargo test -p system-liburing --lib --no-run --message-format=json 2>/dev/null \
            | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | head -n 1)
        valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite "$bin" table --test-threads=1
    )
fi

if [ -s "$CARGO_TARGET_DIR/tmp/skipped.log" ]; then
    echo
    echo "Tests that skipped (with the reason):"
    sed 's/^/  /' "$CARGO_TARGET_DIR/tmp/skipped.log"
fi
step "sanitizers: all passed"
