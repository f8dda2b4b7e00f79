#!/usr/bin/env bash
# The whole test suite: lint, then every workspace's tests (through turbo, which builds first),
# then one closing line "N passed, N failed" summed over all packages.
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
npx biome check . || exit 1
# Every package whose src/ changed since its last release needs a changeset (user-visible changes
# reach the changelog).
node scripts/check-changesets.mjs || exit 1
rm -f packages/*/.test-results.json examples/*/.test-results.json tests/.test-results.json docs/.test-results.json
npx turbo run test --concurrency=2 --continue
turbo_rc=$?
node scripts/test-summary.mjs
summary_rc=$?
exit $((turbo_rc || summary_rc))
