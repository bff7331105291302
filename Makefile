# Eddy: a Flux-compatible GitOps toolkit. `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

MODULES := api pkg source-controller kustomize-controller image-automation-controller notification-controller cmd/eddy hack/bench test/e2e
CONTROLLERS := source-controller kustomize-controller image-automation-controller notification-controller
BIN := $(CURDIR)/bin
CONTROLLER_GEN := $(BIN)/controller-gen
GO_TEST_ARGS ?=
TEST_TIMEOUT ?= 30m
BENCH_ARGS ?=

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

# Tools are pinned by the tool directives in hack/tools/go.mod and built from there.
$(CONTROLLER_GEN): hack/tools/go.mod
	GOWORK=off go -C hack/tools build -o $(CONTROLLER_GEN) sigs.k8s.io/controller-tools/cmd/controller-gen

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy functions for the API types.
	cd api && $(CONTROLLER_GEN) object:headerFile=$(CURDIR)/hack/boilerplate.go.txt paths=./...

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs (config/crd/bases) and RBAC (config/rbac/<controller>).
	cd api && $(CONTROLLER_GEN) crd:crdVersions=v1 paths=./... output:crd:artifacts:config=$(CURDIR)/config/crd/bases
	@for c in $(CONTROLLERS); do \
		(cd $$c && $(CONTROLLER_GEN) rbac:roleName=$$c-manager paths=./... output:rbac:artifacts:config=$(CURDIR)/config/rbac/$$c) || exit 1; \
	done

.PHONY: fmt
fmt: ## go fmt every module.
	@for m in $(MODULES); do (cd $$m && go fmt ./...) || exit 1; done

.PHONY: vet
vet: ## go vet every module.
	@for m in $(MODULES); do echo "vet $$m"; (cd $$m && go vet ./...) || exit 1; done

.PHONY: tidy
tidy: ## go mod tidy every module.
	@for m in $(MODULES); do (cd $$m && GOWORK=off go mod tidy) || exit 1; done
	GOWORK=off go -C hack/tools mod tidy

# The controllers are built as static, pure-Go binaries, as Flux's are. With cgo, the `plugin`
# package (imported by kustomize) makes the linker export every symbol and keep every exported
# method: 60-70% larger executables, whose text the kernel maps, and counts as resident, in large
# chunks. -trimpath and -s -w only make the file smaller (symbols and DWARF are never loaded).
BUILD_FLAGS ?= -trimpath -ldflags=-s\ -w
.PHONY: build
build: ## Build the four controller binaries (CGO_ENABLED=0) and the eddy CLI into bin/.
	@mkdir -p $(BIN)
	@for c in $(CONTROLLERS); do echo "build $$c"; (cd $$c && CGO_ENABLED=0 go build $(BUILD_FLAGS) -o $(BIN)/$$c .) || exit 1; done
	go -C cmd/eddy build -o $(BIN)/eddy .

.PHONY: control-plane
control-plane: ## Build etcd, kube-apiserver and kube-controller-manager into the cache (once).
	@hack/build-control-plane.sh >/dev/null

.PHONY: test
test: control-plane ## Build the control plane on first use, then run every test.
	@export KUBEBUILDER_ASSETS="$$(hack/build-control-plane.sh --path)"; \
	for m in $(MODULES); do echo "=== test $$m"; (cd $$m && go test $(GO_TEST_ARGS) -timeout $(TEST_TIMEOUT) ./...) || exit 1; done

# Each fuzz target of the payload parsers and of the commit message template executor, briefly;
# `go test` alone runs their seed corpora.
# Entries are <module>/<package>:<FuzzTarget>.
FUZZ_TARGETS := notification-controller/internal/server:FuzzEventHandler notification-controller/internal/receiver:FuzzSignatureHeader \
	notification-controller/internal/receiver:FuzzRegistryPayload notification-controller/internal/receiver:FuzzCDEvent \
	kustomize-controller/internal/build/decrypt:FuzzDecrypt image-automation-controller/internal/message:FuzzExecute
# Budgets are counts, not durations: with a duration, Go 1.26's fuzzing coordinator can fail a
# run with "context deadline exceeded" when the deadline passes while a worker is busy
# (golang/go#75804, fixed in Go 1.27). Minimizing a new input is bounded the same way.
FUZZ_TIME ?= 20000x
FUZZ_MINIMIZE ?= 1000x

.PHONY: fuzz-short
fuzz-short: ## Run every fuzz target for FUZZ_TIME executions (CI runs this).
	@for t in $(FUZZ_TARGETS); do path=$${t%%:*}; mod=$${path%%/*}; pkg=$${path#*/}; fn=$${t##*:}; echo "fuzz $$fn ($$path, $(FUZZ_TIME))"; \
		(cd $$mod && go test -run '^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZ_TIME) -fuzzminimizetime=$(FUZZ_MINIMIZE) ./$$pkg/) || exit 1; done

.PHONY: test-short
test-short: ## Run the tests that need no control plane.
	@for m in $(MODULES); do (cd $$m && go test -short ./...) || exit 1; done

.PHONY: gowork-off
gowork-off: ## Build every module on its own (GOWORK=off), as a consumer would.
	@for m in $(MODULES); do echo "build $$m (GOWORK=off)"; (cd $$m && GOWORK=off go build ./... && GOWORK=off go vet ./...) || exit 1; done

.PHONY: run
run: control-plane build ## Start the control plane, the CRDs and all four controllers, and sync the demo repository (DEMO=false: without it).
	$(BIN)/eddy dev --repo-root $(CURDIR) --bin-dir $(BIN) --state-dir $(BIN)/dev $(if $(filter false,$(DEMO)),,--demo)

.PHONY: bench
bench: control-plane build ## Run the issue-7 benchmark harness (hack/bench) and update docs/benchmarks.md; BENCH_ARGS=--quick for a smoke run.
	go -C hack/bench run . --repo-root $(CURDIR) --bin-dir $(BIN) $(BENCH_ARGS)

.PHONY: verify
verify: generate manifests tidy fmt ## Regenerate everything and fail if the tree changed, or if a controller links what it must not.
	@if [ -n "$$(git status --porcelain)" ]; then git status --porcelain; git --no-pager diff --stat; echo "verify: generated files or go.mod are stale; run 'make verify' and commit"; exit 1; fi
	@# Only age keys are supported: the SOPS library and the cloud KMS SDKs it pulls in (about 40 MB
	@# of executable, 25 MiB of RSS) stay out of the controllers; the tests use SOPS as their oracle.
	@bad=$$(cd kustomize-controller && go list -deps . | grep -E '^github.com/getsops/|aws-sdk-go|^cloud.google.com/|azure-sdk-for-go|hashicorp/vault' || true); \
		if [ -n "$$bad" ]; then echo "verify: kustomize-controller links:"; echo "$$bad" | head; exit 1; fi
