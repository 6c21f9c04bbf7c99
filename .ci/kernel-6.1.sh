#!/usr/bin/env bash
# The test suite and uring-check on Debian 12's own kernel (6.1), booted with virtme-ng over
# this machine's root. KVM is not assumed (a nested guest has none), so the kernel is
# emulated: test binaries are built here (`cargo test --no-run`) and only run in the guest;
# doctests, which compile inside their run, are left to the host legs.
#
#   .ci/kernel-6.1.sh        installs what it needs (as root), then runs
#
# Two sets run in one boot:
#   debian   the whole workspace against the system liburing (Debian 12: 2.3, the pairing a
#            Debian 12 user has), and uring-check;
#   newest   the safe crate's tests against liburing 2.15 (linked statically) where the
#            release bundle can build it: its ops reach past 6.1, and each test that needs a
#            newer kernel must skip there with its reason, which this set shows.
# Results in target/kernel-6.1/ (results.txt, uring-check.json, one log per binary).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/kernel-6.1"
start=$(date +%s)
say() { echo "[kernel-6.1 $(($(date +%s) - start))s] $*"; }

# Debian 12's kernel: the release its linux-image-amd64 points at.
image=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1\./ {print $2; exit}')
[ -n "$image" ] || { echo "kernel-6.1: apt knows no linux-image-6.1.* (not Debian 12?)" >&2; exit 1; }
kernel="/boot/vmlinuz-${image#linux-image-}"
need=()
[ -f "$kernel" ] || need+=("$image")
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
# virtme-ng's guest init needs a static busybox.
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v vng >/dev/null; then
    say "installing virtme-ng"
    pip install -q virtme-ng 2>/dev/null || pip install -q --break-system-packages virtme-ng
fi

mkdir -p "$out"
rm -rf "${out:?}"/*
# (set, package dir, executable, name) of every test binary a build made.
binaries() {
    python3 -c '
import json, sys, os
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print("\t".join([sys.argv[1], os.path.dirname(m["manifest_path"]), m["executable"], m["target"]["name"]]))
' "$1"
}

say "building the test binaries (system liburing) and uring-check on the host"
# A build that fails says why (its errors would otherwise vanish with the JSON stream).
built() {
    "$@" >"$out/build.json" 2>"$out/build.log" || {
        echo "kernel-6.1: the build failed:" >&2
        tail -n 40 "$out/build.log" >&2
        exit 1
    }
}
built cargo test --workspace --no-run --message-format=json
binaries debian <"$out/build.json" >"$out/binaries.txt"
cargo build --quiet -p uring-check
tmpdirs=("$root/target/tmp")

newest="$root/target/liburing-releases/2.15"
if .ci/build-liburing.sh --list | grep -qx 2.15 && .ci/build-liburing.sh 2.15 "$newest" >/dev/null; then
    say "building the safe crate's tests against liburing 2.15 (static)"
    CARGO_TARGET_DIR="$root/target/matrix" LIBURING_INCLUDE_DIR="$newest/include" \
        LIBURING_LIB_DIR="$newest/lib" LIBURING_STATIC=1 \
        built cargo test -p system-liburing --no-run --message-format=json
    binaries newest <"$out/build.json" >>"$out/binaries.txt"
    tmpdirs+=("$root/target/matrix/tmp")
else
    say "no liburing 2.15 to build here: the newest set is left out"
fi
for d in "${tmpdirs[@]}"; do
    mkdir -p "$d"
    rm -f "$d/skipped.log"
done
say "$(wc -l <"$out/binaries.txt") test binaries"

cat >"$out/guest.sh" <<'EOF'
#!/bin/bash
# Runs inside the 6.1 guest: the test binaries two at a time, then uring-check.
out=$1
run_one() {
    IFS=$'\t' read -r set pkg exe name <<<"$1"
    local t0=$(date +%s) r
    if (cd "$pkg" && "$exe" >"$2/$set-$name.log" 2>&1); then r=ok; else r=FAILED; fi
    echo "$r $set $name ($(($(date +%s) - t0)) s) $(grep -E '^test result:' "$2/$set-$name.log" | tail -n 1)"
}
export -f run_one
echo "kernel $(uname -r), $(nproc) CPUs" >"$out/results.txt"
tr '\n' '\0' <"$out/binaries.txt" | xargs -0 -P 2 -I{} bash -c 'run_one "$1" "$2"' _ {} "$out" >>"$out/results.txt"
"$2" --json >"$out/uring-check.json" 2>"$out/uring-check.log"
echo "uring-check exit $?" >>"$out/results.txt"
EOF
chmod +x "$out/guest.sh"

say "booting $kernel (emulated) and running them there"
rw=(--rwdir "$out")
for d in "${tmpdirs[@]}"; do rw+=(--rwdir "$d"); done
vng --disable-kvm --force-9p --cpus 2 --memory 2G "${rw[@]}" \
    --run "$kernel" --exec "$out/guest.sh $out $root/target/debug/uring-check" >"$out/vng.log" 2>&1 || true
if [ ! -s "$out/results.txt" ]; then
    echo "kernel-6.1: the guest wrote no results; vng said:" >&2
    tail -n 30 "$out/vng.log" >&2
    exit 1
fi
sort -k2,3 "$out/results.txt"
for d in "${tmpdirs[@]}"; do
    if [ -s "$d/skipped.log" ]; then
        echo
        echo "Skipped on 6.1 (${d#"$root"/}), with the reason:"
        { grep -v '^skipped: op::' "$d/skipped.log" || true; } | sed 's/^/  /'
        ops=$(grep -c '^skipped: op::' "$d/skipped.log" || true)
        [ "$ops" = 0 ] || echo "  (and $ops ops this liburing lacks, compiled out)"
    fi
done
python3 - "$out/uring-check.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"\nuring-check on {d['environment']['kernel_release']} with liburing {d['environment']['liburing_build_version']}:")
for c in d["checks"]:
    print(f"  {c['name']:<26} {c['verdict'].upper():<5} {c['reason']}")
PY
say "done"
# uring-check's exit 1 is a check that failed: Debian's liburing 2.3 has known bugs, which
# the listing above names (the host leg holds each verdict to liburing's history); exit 2,
# could not run, is a failure of this leg.
if grep -q '^FAILED' "$out/results.txt" || ! grep -Eq '^uring-check exit [01]$' "$out/results.txt"; then
    echo "kernel-6.1: failures above (logs in $out)" >&2
    exit 1
fi
