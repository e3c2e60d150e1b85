#!/usr/bin/env bash
# schemathesis against `kb serve` on the sample articles: every route of the OpenAPI
# document (derived from the handlers' types) with every check; any finding fails CI.
# Usage: .ci/schemathesis.sh KB_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
kb="$1"
root="$(pwd)"

if ! command -v st >/dev/null; then
  echo "installing schemathesis (pip)"
  python3 -m pip install --quiet schemathesis
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "${pid}" ]; then kill "${pid}" 2>/dev/null || true; wait "${pid}" 2>/dev/null || true; fi
  rm -rf "${tmp}"
}
trap cleanup EXIT

"${kb}" index --articles articles --index "${tmp}/index" --quiet
"${kb}" serve --articles articles --index "${tmp}/index" --data "${tmp}/data" --addr 127.0.0.1:0 >"${tmp}/serve.out" 2>"${tmp}/serve.err" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's|^kb: serving .* at \(http://[^/]*\)/.*|\1|p' "${tmp}/serve.out")"
  [ -n "${url}" ] && break
  kill -0 "${pid}" 2>/dev/null || { cat "${tmp}/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "${url}" ] || { echo "kb serve did not start" >&2; cat "${tmp}/serve.err" >&2; exit 1; }

# From the scratch folder, so that nothing schemathesis writes lands in the checkout.
cd "${tmp}"
st --config-file "${root}/.ci/schemathesis.toml" run "${url}/api/openapi.json" \
  --checks all --generation-database none --wait-for-schema 30
