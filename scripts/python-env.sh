#!/usr/bin/env bash
# Creates (or brings up to date) the Python venv at .venv with the test peers pinned in
# test/python/requirements.txt: tritonclient, the KServe SDK, schemathesis, onnxruntime.
# Idempotent: does nothing when .venv already holds exactly that file's packages. pip's own cache
# (~/.cache/pip, or PIP_CACHE_DIR) is reused, so a rebuilt venv does not download again.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIREMENTS=test/python/requirements.txt
VENV=.venv
STAMP="$VENV/.requirements.sha256"
wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  echo "== python env: $VENV up to date ($("$VENV/bin/python" --version))"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
echo "$wanted" > "$STAMP"
echo "== python env: $VENV installed from $REQUIREMENTS ($("$VENV/bin/python" --version))"
