#!/usr/bin/env bash
# Simulates docs.rs: no liburing, no pkg-config answer, no libclang, warnings denied. The docs
# of both crates must build from liburing-sys/pregenerated alone, linking nothing.
# DOCS_RS=1 .ci/docs-rs.sh uses docs.rs's own switch instead of LIBURING_SYS_DOCS_ONLY.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=target/docs-rs
switch=LIBURING_SYS_DOCS_ONLY=1
[ -n "${DOCS_RS:-}" ] && switch=DOCS_RS=$DOCS_RS

env -u DOCS_RS -u LIBURING_SYS_DOCS_ONLY "$switch" \
    PKG_CONFIG_PATH=/nonexistent PKG_CONFIG_LIBDIR=/nonexistent \
    LIBCLANG_PATH=/nonexistent \
    CARGO_TARGET_DIR="$target_dir" \
    RUSTDOCFLAGS="-D warnings" \
    cargo doc --no-deps -p system-liburing-sys -p system-liburing --features tokio

# The build script must have taken the docs-only path: it says so and links nothing.
output=$(ls -t "$target_dir"/debug/build/system-liburing-sys-*/output | head -n 1)
fail() { echo "docs-rs.sh: $* (see $output)" >&2; exit 1; }
grep -qx 'cargo::rustc-cfg=liburing_sys_docs_only' "$output" || fail "no liburing_sys_docs_only cfg"
if grep -q 'rustc-link-lib' "$output"; then fail "a docs-only build emitted rustc-link-lib"; fi
grep -q 'Documentation build' "$target_dir/doc/system_liburing_sys/index.html" \
    || fail "the sys crate's docs lack the documentation-build note"
echo "docs-rs.sh: docs of both crates built from the pregenerated bindings ($switch)"
