#!/usr/bin/env bash
# The structured fuzzer over the safe API (fuzz/fuzz_targets/ops.rs), under AddressSanitizer
# and LeakSanitizer through cargo-fuzz on the nightly toolchain.
#
#   .ci/fuzz.sh [SECONDS]   replay every input in fuzz/regressions (each once found a bug;
#                           each also has a test in tests/soundness.rs), then fuzz for
#                           SECONDS (default 60; CI's bounded run). A longer local run:
#                           .ci/fuzz.sh 3600
#
# A finding is written to fuzz/artifacts/ops/: `cargo +nightly fuzz fmt ops FILE` prints
# the action sequence; fix the bug, add a test, and move the file into fuzz/regressions.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: the nightly toolchain is not installed" >&2
    exit 2
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked --quiet
fi
export CARGO_TERM_COLOR=never
cargo +nightly fuzz build ops
echo "fuzz.sh: replaying fuzz/regressions"
for f in regressions/*; do
    cargo +nightly fuzz run ops "$f" -- -runs=1 >/dev/null 2>&1 || {
        echo "fuzz.sh: $f fails again:" >&2
        cargo +nightly fuzz run ops "$f" -- -runs=1 >&2 || true
        exit 1
    }
done
echo "fuzz.sh: fuzzing for ${secs} s"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
cargo +nightly fuzz run ops -- -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1 \
    >"$log" 2>&1 || rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
if [ "$rc" -ne 0 ]; then
    echo "fuzz.sh: the fuzzer found something (exit $rc):" >&2
    grep -vE '^#[0-9]+ ' "$log" | tail -n 60 >&2
    exit 1
fi
echo "fuzz.sh: no finding"
