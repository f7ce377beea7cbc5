#!/bin/sh
# Starts the compiled service (dist/, `npm run build` first) in a role: api, worker, or none for both.
# The one start command: `npm start`, `npm run start:api|start:worker` and the Docker image's
# ENTRYPOINT all run it, so a deployment gets what the benchmarks measured (docs/performance.md,
# worker memory):
# - glibc keeps at most 2 malloc arenas and returns large blocks (sharp's pixels) straight to the
#   system, unless the environment says otherwise;
# - the worker caps V8's young generation at 2 MB a semi-space; the API keeps V8's default.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
main="$(dirname "$0")/../dist/main.js"
if [ "$1" = worker ]; then exec node --max-semi-space-size=2 "$main" "$@"; fi
exec node "$main" "$@"
