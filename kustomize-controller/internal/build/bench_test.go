package build

import (
	"fmt"
	"strings"
	"testing"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// BenchmarkBuild measures Build of a plain directory of N ConfigMaps (one file each, so the
// generated kustomization.yaml lists N resources), with and without postBuild substitution and
// targetNamespace.
// Issue 7's build cache uses these figures. Run with:
//
//	go test ./internal/build/ -run '^$' -bench BenchmarkBuild -benchmem
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		files := make(map[string]string, n)
		for i := range n {
			files[fmt.Sprintf("cms/cm-%05d.yaml", i)] = cm(fmt.Sprintf("cm-%05d", i), "data:\n  key: value-${suffix:=x}\n  index: \""+fmt.Sprint(i)+"\"\n")
		}
		root := writeTree(b, files)
		for _, v := range []struct{ sub, ns bool }{{false, false}, {true, false}, {false, true}} {
			sub := v.sub
			name := fmt.Sprintf("configmaps=%d/substitute=%v/targetNamespace=%v", n, sub, v.ns)
			b.Run(name, func(b *testing.B) {
				k := ks(func(s *kustomizev1.KustomizationSpec) {
					s.Path = "cms"
					if sub {
						s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"suffix": "y"}}
					}
					if v.ns {
						s.TargetNamespace = "apps"
					}
				})
				b.ReportAllocs()
				for b.Loop() {
					objs, err := Build(b.Context(), Input{Root: root, Kustomization: k, NoRemoteBases: true})
					if err != nil {
						b.Fatal(err)
					}
					if len(objs) != n || (sub && !strings.HasPrefix(field(b, objs[0], "data", "key"), "value-y")) {
						b.Fatalf("got %d objects", len(objs))
					}
				}
			})
		}
	}
}

// BenchmarkBuildWorkload1 builds what the harness's workload 1 builds (hack/bench): files of
// 100 ConfigMaps each listed by a kustomization.yaml, with spec.targetNamespace.
//
//	go test ./internal/build/ -run '^$' -bench BenchmarkBuildWorkload1 -benchmem
func BenchmarkBuildWorkload1(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		files := map[string]string{}
		var resources []string
		for from := 0; from < n; from += 100 {
			var doc strings.Builder
			for i := from; i < from+100; i++ {
				fmt.Fprintf(&doc, "---\n%s", cm(fmt.Sprintf("cm-%05d", i), fmt.Sprintf("data:\n  key: value-%d\n  version: \"v1\"\n", i)))
			}
			name := fmt.Sprintf("cm-%05d.yaml", from)
			files["cms/"+name] = doc.String()
			resources = append(resources, name)
		}
		files["cms/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- " + strings.Join(resources, "\n- ") + "\n"
		root := writeTree(b, files)
		b.Run(fmt.Sprintf("configmaps=%d", n), func(b *testing.B) {
			k := ks(func(s *kustomizev1.KustomizationSpec) { s.Path = "cms"; s.TargetNamespace = "apps" })
			b.ReportAllocs()
			for b.Loop() {
				objs, err := Build(b.Context(), Input{Root: root, Kustomization: k, NoRemoteBases: true})
				if err != nil {
					b.Fatal(err)
				}
				if len(objs) != n || objs[0].GetNamespace() != "apps" {
					b.Fatalf("got %d objects", len(objs))
				}
			}
		})
	}
}
