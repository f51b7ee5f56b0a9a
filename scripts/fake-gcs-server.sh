#!/usr/bin/env bash
# Builds fake-gcs-server (BSD-2-Clause), the real GCS JSON-API server the gs:// storage tests pull
# from, with `go install` from the Go module proxy into the cache folder outside the clone
# ($KFS_CACHE_DIR/bin, by default ~/.cache/cdk8s-kfserving/bin). A few minutes on a fresh machine;
# does nothing once that version is there. Run by .ci/run and by `npm test` (pretest).
set -euo pipefail

VERSION=v1.56.1
CACHE_DIR="${KFS_CACHE_DIR:-$HOME/.cache/cdk8s-kfserving}"
BIN="$CACHE_DIR/bin"

if [ -x "$BIN/fake-gcs-server" ] && [ "$(cat "$BIN/fake-gcs-server.version" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "== fake-gcs-server $VERSION: not built, Go is not installed; the gs:// storage tests will say how to install it" >&2
  exit 0
fi
echo "== building fake-gcs-server $VERSION into $BIN (a few minutes on a fresh machine)"
mkdir -p "$BIN"
GOBIN="$BIN" GOFLAGS=-trimpath go install -ldflags "-s -w" "github.com/fsouza/fake-gcs-server@$VERSION"
echo "$VERSION" > "$BIN/fake-gcs-server.version"
