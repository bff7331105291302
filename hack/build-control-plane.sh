#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager) from the Go
# module proxy into a version-keyed cache outside the repository, and prints its bin directory.
#
# There is no Docker and no prebuilt-binary download on our machines, so envtest, `make run`
# and `make bench` use binaries built here. A second run with the same versions is a no-op.
#
#   hack/build-control-plane.sh          build if missing, print the bin dir on stdout
#   hack/build-control-plane.sh --path   print the bin dir only (exit 1 if not built)
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
CACHE_ROOT="${EDDY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/eddy}"
BIN_DIR="$CACHE_ROOT/controlplane/k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}/bin"
WANT=(etcd kube-apiserver kube-controller-manager)

complete() {
	for b in "${WANT[@]}"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done
}

if [[ "${1:-}" == "--path" ]]; then
	complete || exit 1
	echo "$BIN_DIR"
	exit 0
fi
if complete; then
	echo "$BIN_DIR"
	exit 0
fi

log() { echo "[control-plane] $(date +%H:%M:%S) $*" >&2; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d "$CACHE_ROOT/controlplane/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0

# Progress: Go prints nothing while it compiles for minutes, so tell the user we are alive.
( while sleep 30; do log "still building... (first build takes about 5-10 minutes)"; done ) &
TICKER=$!
trap 'kill $TICKER 2>/dev/null || true; rm -rf "$WORK"' EXIT

# --- etcd -------------------------------------------------------------------------------------
if [[ ! -x "$BIN_DIR/etcd" ]]; then
	log "building etcd $ETCD_VERSION"
	mkdir -p "$WORK/etcd"
	cd "$WORK/etcd"
	go mod init eddy.local/etcd-build >/dev/null 2>&1
	go get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" >&2
	go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
	mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
fi

# --- kube-apiserver and kube-controller-manager ------------------------------------------------
if [[ ! -x "$BIN_DIR/kube-apiserver" || ! -x "$BIN_DIR/kube-controller-manager" ]]; then
	log "building kube-apiserver and kube-controller-manager $K8S_VERSION"
	mkdir -p "$WORK/k8s"
	cd "$WORK/k8s"
	go mod init eddy.local/k8s-build >/dev/null 2>&1
	# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local
	# directories; outside its repository we replace each with the published v0.x.y instead.
	gomod="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
	staging_version="v0.${K8S_VERSION#v1.}"
	for mod in $(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod"); do
		go mod edit -replace "${mod}=${mod}@${staging_version}"
	done
	go mod edit -require "k8s.io/kubernetes@${K8S_VERSION}"
	cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
	go mod tidy -e >&2 || true
	major="${K8S_VERSION#v}"; major="${major%%.*}"
	minor="${K8S_VERSION#v*.}"; minor="${minor%%.*}"
	vpkg=k8s.io/component-base/version
	ldflags="-s -w -X ${vpkg}.gitVersion=${K8S_VERSION} -X ${vpkg}.gitMajor=${major} -X ${vpkg}.gitMinor=${minor}"
	ldflags+=" -X ${vpkg}.gitTreeState=clean -X ${vpkg}.buildDate=1970-01-01T00:00:00Z"
	for cmd in kube-apiserver kube-controller-manager; do
		log "compiling $cmd"
		go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd" >&2
		mv "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
	done
fi

log "done: $BIN_DIR"
echo "$BIN_DIR"
