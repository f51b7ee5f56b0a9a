#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into a cache folder outside the clone,
# for the real-cluster tests in test/harness/. Skips each binary that is already built for its version.
#
#   scripts/kube-tools/build.sh            # build what is missing, print where the binaries are
#   KFS_TOOLS_DIR=/some/cache scripts/kube-tools/build.sh   # default: ${KFS_CACHE_DIR:-~/.cache/cdk8s-kfserving}/kube-tools
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules (k8s.io/api, …) at v0.0.0 and
# points them at ./staging with `replace`, which Go ignores in dependencies, so
# `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.x` fails. Each staging module is published
# as v0.X.Y for Kubernetes v1.X.Y (kubernetes/kubernetes#79384), so our own throw-away module
# replaces each one with that version. etcd gets its own module: its server/go.mod also uses
# local replaces, and a separate module keeps etcd's and Kubernetes' dependency versions apart.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
KUBE_VERSION="${KUBE_VERSION_OVERRIDE:-$KUBE_VERSION}"
ETCD_VERSION="${ETCD_VERSION_OVERRIDE:-$ETCD_VERSION}"

tools_dir="${KFS_TOOLS_DIR:-${KFS_CACHE_DIR:-$HOME/.cache/cdk8s-kfserving}/kube-tools}"
kube_dir="$tools_dir/kubernetes-v$KUBE_VERSION"
etcd_dir="$tools_dir/etcd-v$ETCD_VERSION"
mkdir -p "$tools_dir"

# Several worktrees and CI steps may call this at once; one builds, the others wait and reuse.
exec 9>"$tools_dir/.build.lock"
flock 9

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
export CGO_ENABLED=0

build_kube_apiserver() {
  local bin="$kube_dir/bin/kube-apiserver"
  if [[ -x "$bin" ]]; then echo "kube-apiserver v$KUBE_VERSION: cached at $bin"; return; fi
  echo "kube-apiserver v$KUBE_VERSION: building (10-20 min on 2 cores)"
  local work="$kube_dir/work"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init local/kube-apiserver-build >/dev/null 2>&1

  # The proxy serves k8s.io/kubernetes' go.mod on its own (no source download); its
  # `k8s.io/x => ./staging/...` lines are exactly the modules that need a published version.
  local gomod staging minor
  gomod="$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  staging="$(sed -n 's|^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*|\1|p' "$gomod")"
  if [[ -z "$staging" ]]; then echo "no staging replaces found in $gomod" >&2; exit 1; fi
  for m in $staging; do go mod edit -replace="$m=$m@v0.${KUBE_VERSION#1.}"; done
  echo "  replaced $(wc -w <<<"$staging") staging modules with v0.${KUBE_VERSION#1.}"

  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION"
  minor="$(cut -d. -f2 <<<"$KUBE_VERSION")"
  # Without these the binary reports v0.0.0-master on /version.
  go build -trimpath -o "$work/kube-apiserver" -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=$minor \
      -X k8s.io/component-base/version.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kube-apiserver
  mkdir -p "$kube_dir/bin"
  # Move into place last, so an interrupted build never leaves a binary that looks complete.
  mv "$work/kube-apiserver" "$bin"
  cd "$tools_dir" && rm -rf "$work"
}

build_etcd() {
  local bin="$etcd_dir/bin/etcd"
  if [[ -x "$bin" ]]; then echo "etcd v$ETCD_VERSION: cached at $bin"; return; fi
  echo "etcd v$ETCD_VERSION: building (1-3 min)"
  local work="$etcd_dir/work"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init local/etcd-build >/dev/null 2>&1
  # The root package of go.etcd.io/etcd/server/v3 is etcd's main (server/main.go → etcdmain.Main).
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -trimpath -o "$work/etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3
  mkdir -p "$etcd_dir/bin"
  mv "$work/etcd" "$bin"
  cd "$tools_dir" && rm -rf "$work"
}

build_etcd
build_kube_apiserver
"$etcd_dir/bin/etcd" --version | sed -n 1p  # sed, not head: head would SIGPIPE etcd and fail the pipeline
"$kube_dir/bin/kube-apiserver" --version
