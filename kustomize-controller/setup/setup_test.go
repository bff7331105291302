package setup

import (
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestBindFlags(t *testing.T) {
	var o Options
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.BindFlags(fs)
	if o.RequeueDependency != 30*time.Second || o.HTTPRetry != 9 {
		t.Errorf("defaults differ from Flux: %+v", o)
	}
	// The one deliberate difference: Flux applies 4 objects at a time; a first apply here costs
	// one request per object, so the bound decides its duration (docs/spec/kustomizations.md).
	if o.ConcurrentSSA != 16 {
		t.Errorf("--concurrent-ssa default = %d, want 16", o.ConcurrentSSA)
	}
	err := fs.Parse([]string{
		"--no-cross-namespace-refs", "--no-remote-bases", "--default-service-account=tenant",
		"--requeue-dependency=5s", "--concurrent-ssa=8", "--override-manager=helm,argo",
		"--custom-apply-stage-kinds=cert-manager.io/ClusterIssuer", "--http-retry=2",
		"--feature-gates=AdditiveCELDependencyCheck=true",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.NoCrossNamespaceRefs || !o.NoRemoteBases || o.DefaultServiceAccount != "tenant" ||
		o.RequeueDependency != 5*time.Second || o.ConcurrentSSA != 8 || len(o.OverrideManagers) != 2 ||
		len(o.CustomApplyStageKinds) != 1 || o.HTTPRetry != 2 {
		t.Errorf("flags not bound: %+v", o)
	}
}
