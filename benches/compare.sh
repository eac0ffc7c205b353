#!/bin/bash
# Runs two planbook binaries alternately on the benchmark repositories of one variant, with
# `git log` as the reference, and prints one line per run: what, which binary, wall clock (s),
# user and system CPU (s), peak RSS (KB).
#
#   cargo bench --bench planbook -- --only build --variants company   # generate the repositories
#   benches/compare.sh BEFORE AFTER company|company-gc
#
# Sites are written to /dev/shm; the history cache is removed before each cold run.
set -u
before=$1 after=$2 variant=$3
repos="$(cd "$(dirname "$0")/.." && pwd)/target/bench-repos"
site=/dev/shm/planbook-compare-site
t() { /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1; }
name() { if [ "$1" = "$before" ]; then echo before; else echo after; fi; }
reference() { echo "git $(t git log --name-status -M --format='%H%x00%an%x00%ae%x00%aI%x00%s' -- plans/)"; }
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$repos/$variant-short-10000" || exit 2
for _ in 1 2 3 4 5; do for b in "$before" "$after"; do
  echo "check $(name "$b") $(t "$b" check --format json --as-of 2026-03-01)"
done; done
cd "$repos/$variant-history-10000-50000" || exit 2
for _ in 1 2 3; do reference; done
for _ in 1 2; do for b in "$before" "$after"; do
  rm -rf .git/planbook; echo "logcold $(name "$b") $(t "$b" log --format json)"
done; done
for _ in 1 2 3; do for b in "$before" "$after"; do
  echo "logwarm $(name "$b") $(t "$b" log --format json)"
done; done
for _ in 1 2 3; do for b in "$before" "$after"; do
  echo "buildwarm $(name "$b") $(t "$b" build --out "$site" --as-of 2026-03-01 -q)"; rm -rf "$site"
done; done
for _ in 1 2; do for b in "$before" "$after"; do
  rm -rf .git/planbook
  echo "buildcold $(name "$b") $(t "$b" build --out "$site" --as-of 2026-03-01 -q)"; rm -rf "$site"
done; done
for _ in 1 2 3; do reference; done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
