#!/usr/bin/env bash
# make bench: the Go benchmarks, then load runs of the token endpoint with
# wrk (installed from Debian's packages when missing), then one table of
# every figure beside its target. Missed targets are reported, not fatal.
set -euo pipefail
GO=${GO:-go}

if ! command -v wrk >/dev/null 2>&1; then
	echo "bench: installing wrk (Debian package)" >&2
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# BENCH_ONLY=S0,S5 runs those load rows alone, without the Go benchmarks.
if [ -n "${BENCH_ONLY:-}" ]; then
	"$GO" build -o "$out/regshare-bench" ./cmd/regshare-bench
	"$out/regshare-bench" -only "$BENCH_ONLY"
	exit
fi

gobench() { "$GO" test -run '^$' -benchmem "$@" | tee -a "$out/gobench.txt"; }
# Five runs of each size; the table takes medians.
gobench -bench '^BenchmarkAuthorize$' -benchtime 1s -count 5 ./grants/
# Start-up: open a bbolt file of 1M shares, list it and build the index, in
# a process of its own each time, as a start is (a later load in the same
# process reuses memory already mapped); five runs, the table takes
# medians. Then once the first start on a file of the previous version,
# which rewrites its JSON records. The files are made on the first run and
# kept in the temporary directory for the next ones.
for _ in 1 2 3 4 5; do
	gobench -bench '^BenchmarkIndexLoadFromBolt$/^shares=1M$' -benchtime 1x ./grants/
done
gobench -bench '^BenchmarkIndexLoadFromBolt$/records=json' -benchtime 1x ./grants/
gobench -bench '^(BenchmarkSign|BenchmarkTokenHandler)$' -benchtime 2s ./tokenauth/
# The registry's notifications: events per second, each answer after bbolt has them.
gobench -bench '^BenchmarkIngest$' -benchtime 2s -count 3 ./notify/
# Share change on replica A -> in replica B's index, over 1,000 changes on an
# embedded etcd.
gobench -bench '^BenchmarkPropagation$' -benchtime 1000x ./grants/etcd/
# A three-member embedded etcd loses its quorum ten times: from its return
# to the replica trusting its index again.
gobench -bench '^BenchmarkRecovery$' -benchtime 10x ./grants/etcd/

"$GO" build -o "$out/regshare-bench" ./cmd/regshare-bench
"$out/regshare-bench" -gobench "$out/gobench.txt"
