package kustomization

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

func TestDependencyReady(t *testing.T) {
	obj := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app"}}
	obj.Spec.SourceRef = kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}
	dep := func(mut func(d *kustomizev1.Kustomization)) *kustomizev1.Kustomization {
		d := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "base", Generation: 2}}
		d.Spec.SourceRef = kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}
		d.Status.ObservedGeneration = 2
		d.Status.LastAppliedRevision = "main@sha1:new"
		conditions.MarkTrue(d, meta.ReadyCondition, meta.SucceededReason, "ok")
		if mut != nil {
			mut(d)
		}
		return d
	}
	tests := []struct {
		name    string
		dep     *kustomizev1.Kustomization
		wantErr string
	}{
		{"ready at the same revision", dep(nil), ""},
		{"not ready", dep(func(d *kustomizev1.Kustomization) { conditions.MarkFalse(d, meta.ReadyCondition, "X", "x") }), "is not ready"},
		{"spec not observed yet", dep(func(d *kustomizev1.Kustomization) { d.Generation = 3 }), "is not ready"},
		{"same source, older revision", dep(func(d *kustomizev1.Kustomization) { d.Status.LastAppliedRevision = "main@sha1:old" }), "revision is not up to date"},
		{"other source, any revision", dep(func(d *kustomizev1.Kustomization) {
			d.Spec.SourceRef.Name = "other"
			d.Status.LastAppliedRevision = "main@sha1:old"
		}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dependencyReady(obj, tt.dep, "main@sha1:new")
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRecordHistory(t *testing.T) {
	art := &meta.Artifact{Digest: "sha256:aaa"}
	withLatest := func(digest, status string) *kustomizev1.Kustomization {
		k := &kustomizev1.Kustomization{}
		k.Status.History.Upsert(digest, time.Now(), time.Second, status, nil)
		return k
	}
	tests := []struct {
		name string
		obj  *kustomizev1.Kustomization
		s    *scope
		err  error
		want bool
	}{
		{"first reconcile", &kustomizev1.Kustomization{}, &scope{artifact: art}, nil, true},
		{"steady state", withLatest("sha256:aaa", kustomizev1.ReconciliationSucceededReason), &scope{artifact: art}, nil, false},
		{"drift corrected", withLatest("sha256:aaa", kustomizev1.ReconciliationSucceededReason), &scope{artifact: art, changed: true}, nil, true},
		{"new artifact", withLatest("sha256:old", kustomizev1.ReconciliationSucceededReason), &scope{artifact: art}, nil, true},
		{"new failure", withLatest("sha256:aaa", kustomizev1.ReconciliationSucceededReason), &scope{artifact: art},
			reconcile.NewGeneric(kustomizev1.BuildFailedReason, "x"), true},
		{"no artifact", &kustomizev1.Kustomization{}, &scope{}, errors.New("x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recordHistory(tt.obj, tt.s, tt.err); got != tt.want {
				t.Errorf("recordHistory = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTruncateKeepsReason(t *testing.T) {
	long := strings.Repeat("x", kustomizev1.MaxConditionMessageLength+100)
	for _, err := range []error{
		reconcile.NewStalling("A", "%s", long),
		reconcile.NewWaiting("B", time.Second, "%s", long),
		reconcile.NewGeneric("C", "%s", long),
	} {
		got := truncate(err)
		if len(got.Error()) != kustomizev1.MaxConditionMessageLength {
			t.Errorf("length %d, want %d", len(got.Error()), kustomizev1.MaxConditionMessageLength)
		}
		if reconcile.ReasonOf(got) != reconcile.ReasonOf(err) {
			t.Errorf("reason %s, want %s", reconcile.ReasonOf(got), reconcile.ReasonOf(err))
		}
	}
	short := errors.New("short")
	if truncate(short) != short {
		t.Error("short errors are returned as is")
	}
}

func TestHealthSet(t *testing.T) {
	obj := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "self"}}
	obj.Status.Inventory = &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
		{ID: "ns_web_apps_Deployment", Version: "v1"},
		{ID: "ns_self_kustomize.toolkit.fluxcd.io_Kustomization", Version: "v1"},
	}}
	obj.Spec.HealthChecks = []meta.NamespacedObjectKindReference{{APIVersion: "v1", Kind: "Service", Name: "svc", Namespace: "ns"}}

	set, err := healthSet(obj)
	if err != nil || len(set) != 1 || set[0].Name != "svc" {
		t.Errorf("healthChecks: got %v, %v", set, err)
	}
	obj.Spec.Wait = true
	set, err = healthSet(obj)
	if err != nil || len(set) != 1 || set[0].Name != "web" {
		t.Errorf("wait: got %v, %v (the Kustomization itself must be left out)", set, err)
	}
}

func TestBuildCache(t *testing.T) {
	obj := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "k", Generation: 1, UID: "u"}}
	key := func(obj *kustomizev1.Kustomization, fp string) string { return cacheKey(obj, applySpecKey(obj), fp) }
	if key(obj, "fp") == key(obj, "other") {
		t.Error("the build fingerprint is part of the key")
	}
	changed := obj.DeepCopy()
	changed.Spec.Force = true
	if key(obj, "fp") == key(changed, "fp") {
		t.Error("the apply-side spec is part of the key (it changes validation)")
	}
	recreated := obj.DeepCopy()
	recreated.UID = "v"
	if key(obj, "fp") == key(recreated, "fp") {
		t.Error("the UID is part of the key")
	}
	objs := []*unstructured.Unstructured{{Object: map[string]any{"kind": "ConfigMap"}}}
	tests := []struct {
		name        string
		remoteBases bool
		lookupKey   string
		want        bool
	}{
		{"hit", false, key(obj, "fp"), true},
		{"miss on another key", false, key(obj, "fp2"), false},
		{"remote-bases entries are reused within the TTL", true, key(obj, "fp"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reconciler{}
			r.buildsRemember(&scope{obj: obj, buildKey: key(obj, "fp"), objects: objs, remoteBases: tt.remoteBases})
			got, ok := r.buildsLookup(obj, tt.lookupKey)
			if ok != tt.want {
				t.Fatalf("lookup = %v, want %v", ok, tt.want)
			}
			if !ok {
				return
			}
			decoded, err := (&scope{obj: obj, remembered: got}).objs()
			if err != nil {
				t.Fatal(err)
			}
			if len(decoded) != 1 || decoded[0] == objs[0] || decoded[0].GetKind() != "ConfigMap" {
				t.Errorf("the cache must hand out copies of what it was given: %v", decoded)
			}
		})
	}
	r := &Reconciler{}
	r.buildsRemember(&scope{obj: obj, buildKey: key(obj, "fp"), objects: objs, remoteBases: true})
	c := r.builds.m["ns/k"]
	c.expires = time.Now().Add(-time.Second)
	r.builds.m["ns/k"] = c
	if _, ok := r.buildsLookup(obj, key(obj, "fp")); ok {
		t.Error("expired remote-bases entries must be rebuilt")
	}
	r.buildsRemember(&scope{obj: obj}) // a failed reconcile forgets
	if _, ok := r.buildsLookup(obj, key(obj, "fp")); ok {
		t.Error("a reconcile without a build key must drop the entry")
	}
}

func TestServiceAccountUser(t *testing.T) {
	obj := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "team"}}
	if got := serviceAccountUser(obj, ""); got != "" {
		t.Errorf("no SA: %q", got)
	}
	if got := serviceAccountUser(obj, "default"); got != "system:serviceaccount:team:default" {
		t.Errorf("default SA: %q", got)
	}
	obj.Spec.ServiceAccountName = "deployer"
	if got := serviceAccountUser(obj, "default"); got != "system:serviceaccount:team:deployer" {
		t.Errorf("spec SA wins: %q", got)
	}
}
