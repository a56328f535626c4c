#!/usr/bin/env bash
# Smoke test with a real command-line client, skopeo, against `regshare dev`
# on free ports: acme pushes, shares with globex, globex pulls and cannot
# push, the share is revoked and globex cannot pull. No network needed: the
# image is written locally. Exits non-zero on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v skopeo >/dev/null 2>&1; then
	msg="smoke: skopeo is missing; install it with: apt-get install -y skopeo"
	if [ "${CI:-}" = true ]; then
		echo "$msg" >&2
		exit 1
	fi
	echo "$msg (smoke test skipped)" >&2
	exit 0
fi
GO=${GO:-go}

work=$(mktemp -d)
dev_pid=
cleanup() {
	if [ -n "$dev_pid" ] && kill -0 "$dev_pid" 2>/dev/null; then
		kill -INT "$dev_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$dev_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "smoke: FAIL: $*" >&2
	echo "--- regshare dev log (last lines) ---" >&2
	tail -n 30 "$work/dev.log" >&2 || true
	exit 1
}
step() { echo "smoke: $*"; }

step "building"
"$GO" build -o bin/regshare ./cmd/regshare
"$GO" build -o "$work/smoketool" ./scripts/smoketool

step "starting regshare dev"
./bin/regshare dev --data "$work/dev" --addr 127.0.0.1:0 --registry-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 \
	>"$work/dev.out" 2>"$work/dev.log" &
dev_pid=$!
for _ in $(seq 600); do
	[ -f "$work/dev/dev.json" ] && break
	kill -0 "$dev_pid" 2>/dev/null || fail "regshare dev exited before writing dev.json"
	sleep 0.1
done
[ -f "$work/dev/dev.json" ] || fail "no dev.json after 60 s"

tool() { "$work/smoketool" "$@"; }
registry=$(tool dev-field "$work/dev/dev.json" registry)
api=$(tool dev-field "$work/dev/dev.json" api)
read -r owner owner_pw <<<"$(tool dev-user "$work/dev/dev.json" acme manage)"
read -r reader reader_pw <<<"$(tool dev-user "$work/dev/dev.json" globex read)"
image="docker://$registry/acme/smoke"
shares="$api/v2/manage/namespaces/acme/repositories/smoke/access-domains"
step "registry $registry, regshare $api; owner $owner (acme), reader $reader (globex)"

digest=$(tool oci-image "$work/oci" 1)
sk() { skopeo --insecure-policy "$@"; }

# expect_refused WHAT CMD...: CMD must fail with the registry's refusal.
expect_refused() {
	local what=$1
	shift
	if "$@" >"$work/out" 2>&1; then
		fail "$what: succeeded, want a refusal"
	fi
	grep -Eqi 'denied|unauthorized' "$work/out" || fail "$what: failed, but not with a denied/unauthorized error: $(cat "$work/out")"
	step "$what: refused, as it must be"
}

# api_call WANT_STATUS METHOD URL USER:PASSWORD [BODY]
api_call() {
	local want=$1 method=$2 url=$3 creds=$4 body=${5:-}
	local args=(-sS -o "$work/api.out" -w '%{http_code}' -u "$creds" -X "$method" "$url")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
	local got
	got=$(curl "${args[@]}") || fail "curl $method $url"
	[ "$got" = "$want" ] || fail "$method $url: HTTP $got, want $want: $(cat "$work/api.out")"
}

step "push as $owner"
sk copy --dest-tls-verify=false --dest-creds "$owner:$owner_pw" "oci:$work/oci:1" "$image:1" >"$work/out" 2>&1 ||
	fail "push as $owner: $(cat "$work/out")"

expect_refused "pull as $reader before the share" \
	sk copy --src-tls-verify=false --src-creds "$reader:$reader_pw" "$image:1" "dir:$work/early"

step "share acme/smoke with globex"
api_call 201 POST "$shares" "$owner:$owner_pw" '{"access_domain":"globex","permit":"read","deadline":"forever","description":"smoke test"}'

step "pull as $reader"
sk copy --src-tls-verify=false --src-creds "$reader:$reader_pw" "$image:1" "dir:$work/pulled" >"$work/out" 2>&1 ||
	fail "pull as $reader after the share: $(cat "$work/out")"
got="sha256:$(sha256sum "$work/pulled/manifest.json" | cut -d' ' -f1)"
[ "$got" = "$digest" ] || fail "pulled manifest $got, pushed $digest"

expect_refused "push to acme/smoke:evil as $reader" \
	sk copy --dest-tls-verify=false --dest-creds "$reader:$reader_pw" "oci:$work/oci:1" "$image:evil"

step "revoke"
api_call 204 DELETE "$shares/globex" "$owner:$owner_pw"

expect_refused "pull as $reader after the revocation" \
	sk copy --src-tls-verify=false --src-creds "$reader:$reader_pw" "$image:1" "dir:$work/late"

step "PASS"
