#!/usr/bin/env bash
# Installs whatever adaptlab needs and is missing, then builds it. Safe to run again: each step
# checks first and does nothing when already done.
#
#   scripts/setup.sh          system libraries, npm dependencies, native addon, TypeScript build
#   scripts/setup.sh --test   the same, plus what the test suite needs (headless Chromium for the
#                             report, redis-server for the job-queue tests: each starts its own on a
#                             free loopback port and stops it)
#   scripts/setup.sh --peer   the same, plus PyTorch for Python (only for the side-by-side benchmark
#                             and for regenerating golden fixtures; the product never needs it)
#
# LIBTORCH=/path/to/libtorch skips the Debian packages and builds against that libtorch instead.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_peer=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --peer) want_peer=1 ;;
    *) echo "setup: unknown option '$arg' (expected --test or --peer)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

packages=()
# libopenblas0-openmp: OpenBLAS's OpenMP build, which the addon loads in place of the system's BLAS
# so that matrix products and convolutions share one thread pool (native/paths.cjs, bench/RESULTS.md).
if [ -z "${LIBTORCH:-}" ]; then packages+=(libtorch-dev libopenblas0-pthread libopenblas0-openmp); fi
if [ "$want_test" = 1 ]; then packages+=(chromium redis-server); fi
if [ "$want_peer" = 1 ]; then packages+=(python3-torch python3-torchvision); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these system packages are missing: ${missing[*]}" >&2
    echo "setup: installing them needs root. Run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    echo "setup: then run this command again. (Or set LIBTORCH to an existing libtorch folder.)" >&2
    exit 1
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

addon=native/build/Release/adaptlab_native.node
if [ ! -f "$addon" ] || [ -n "$(find native/src native/binding.gyp native/paths.cjs -newer "$addon" -print -quit)" ]; then
  say "building the native addon against ${LIBTORCH:-Debian libtorch-dev} (about 30 s)"
  (cd native && npx --no-install node-gyp rebuild --loglevel=error >/dev/null)
fi

say "compiling TypeScript"
npx --no-install tsc -p tsconfig.json
say "ready"
