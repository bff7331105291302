package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestApply_SeedLayoutAppOfApps applies clusters/dev, whose Kustomizations apply the
// infrastructure and then (dependsOn) the dev overlay of the app, and follows a new revision.
func TestApply_SeedLayoutAppOfApps(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "seed")
	repo := createSource(t, ns, "seed", seedLayout(ns, nil))
	rev := revisionOf(t, repo)

	root := newKustomization(ns, "cluster-dev", "seed", "./clusters/dev")
	env.CreateAndWait(t, root)
	rootKey := client.ObjectKeyFromObject(root)

	got := waitApplied(t, rootKey, rev)
	g.Expect(got.Status.Inventory.Entries).To(ConsistOf(
		kustomizev1.ResourceRef{ID: ns + "_apps_kustomize.toolkit.fluxcd.io_Kustomization", Version: "v1"},
		kustomizev1.ResourceRef{ID: ns + "_infrastructure_kustomize.toolkit.fluxcd.io_Kustomization", Version: "v1"},
	))
	g.Expect(conditions.GetReason(got, meta.ReadyCondition)).To(Equal(kustomizev1.ReconciliationSucceededReason))
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(Equal("Applied revision: " + rev))
	g.Expect(got.Status.LastAttemptedRevision).To(Equal(rev))
	g.Expect(got.Status.History).To(HaveLen(1))
	g.Expect(got.Status.History[0].Metadata).To(HaveKeyWithValue("revision", rev))
	g.Expect(got.Status.History[0].LastReconciledStatus).To(Equal(kustomizev1.ReconciliationSucceededReason))

	infra := waitApplied(t, client.ObjectKey{Namespace: ns, Name: "infrastructure"}, rev)
	g.Expect(infra.Status.Inventory.Entries).To(ConsistOf(
		kustomizev1.ResourceRef{ID: "_" + ns + "-infra__Namespace", Version: "v1"},
		kustomizev1.ResourceRef{ID: ns + "-infra_settings__ConfigMap", Version: "v1"},
	))
	apps := waitApplied(t, client.ObjectKey{Namespace: ns, Name: "apps"}, rev)
	g.Expect(conditions.IsTrue(apps, kustomizev1.HealthyCondition)).To(BeTrue())
	g.Expect(apps.Status.Inventory.Entries).To(ContainElement(
		kustomizev1.ResourceRef{ID: ns + "_dev-podinfo_apps_Deployment", Version: "v1"}))

	deploy := &appsv1.Deployment{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "dev-podinfo"}, deploy)).To(Succeed())
	g.Expect(deploy.Labels).To(HaveKeyWithValue(kustomizev1.NameLabel, "apps"))
	g.Expect(deploy.Labels).To(HaveKeyWithValue(kustomizev1.NamespaceLabel, ns))
	g.Expect(deploy.Labels).To(HaveKeyWithValue("env", "dev"))
	owned := false
	for _, mf := range deploy.ManagedFields {
		owned = owned || mf.Manager == kustomizev1.FieldManager
	}
	g.Expect(owned).To(BeTrue(), "field manager %s must own the fields", kustomizev1.FieldManager)

	// Events carry the revision; the final one asks for a commit status update.
	g.Eventually(func() []string {
		var msgs []string
		for _, e := range sink.find(ns, "apps", "Reconciliation finished in") {
			if e.Metadata[kustomizev1.RevisionEventMetadataKey] == rev &&
				e.Metadata[kustomizev1.CommitStatusEventMetadataKey] == kustomizev1.CommitStatusUpdateValue &&
				e.Severity == "info" && e.Reason == kustomizev1.ReconciliationSucceededReason {
				msgs = append(msgs, e.Message)
			}
		}
		return msgs
	}, 10*time.Second).ShouldNot(BeEmpty())
	g.Eventually(func() int {
		return len(sink.find(ns, "apps", "Deployment/"+ns+"/dev-podinfo created"))
	}, 10*time.Second).Should(BeNumerically(">", 0))

	// A new revision reaches every level.
	files := seedLayout(ns, map[string]string{"infrastructure/extra.yaml": configMap(ns+"-infra", "extra", map[string]string{"a": "b"}, nil)})
	art := artifacts.publish(t, files)
	setArtifact(t, repo, art)
	waitApplied(t, rootKey, art.Revision)
	infra = waitApplied(t, client.ObjectKey{Namespace: ns, Name: "infrastructure"}, art.Revision)
	g.Expect(infra.Status.Inventory.Entries).To(HaveLen(3))
	waitApplied(t, client.ObjectKey{Namespace: ns, Name: "apps"}, art.Revision)
	g.Expect(getCM(g, t.Context(), ns+"-infra", "extra")).NotTo(BeNil())
}

// TestApply_ReconcileRequestAndDrift checks that a reconcile request is handled and recorded,
// and that it reverts changes made in the cluster to fields the controller owns.
func TestApply_ReconcileRequestAndDrift(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "drift")
	repo := createSource(t, ns, "repo", map[string]string{
		"cm.yaml": configMap(ns, "settings", map[string]string{"color": "blue"}, nil),
	})
	ks := newKustomization(ns, "drift", "repo", "./")
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo))

	cm := getCM(g, t.Context(), ns, "settings")
	cm.Data["color"] = "red"
	g.Expect(env.Client.Update(t.Context(), cm)).To(Succeed())

	token := requestReconcile(t, key)
	g.Eventually(func(g Gomega) {
		got := getKs(g, t.Context(), key)
		g.Expect(got.Status.LastHandledReconcileAt).To(Equal(token))
		g.Expect(getCM(g, t.Context(), ns, "settings").Data).To(HaveKeyWithValue("color", "blue"))
	}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
}

// TestApply_PerObjectAnnotations covers ssa: IfNotPresent, ssa: Ignore and reconcile: disabled.
func TestApply_PerObjectAnnotations(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "annot")
	files := map[string]string{
		"once.yaml":     configMap(ns, "once", map[string]string{"v": "1"}, map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue}),
		"ignored.yaml":  configMap(ns, "ignored", map[string]string{"v": "1"}, map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IgnoreValue}),
		"disabled.yaml": configMap(ns, "disabled", map[string]string{"v": "1"}, map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}),
		"normal.yaml":   configMap(ns, "normal", map[string]string{"v": "1"}, nil),
	}
	repo := createSource(t, ns, "repo", files)
	ks := newKustomization(ns, "annot", "repo", "./")
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo))

	g.Expect(getCM(g, t.Context(), ns, "once")).NotTo(BeNil(), "IfNotPresent objects are created")
	g.Expect(getCM(g, t.Context(), ns, "ignored")).To(BeNil(), "ssa: Ignore objects are never applied")
	g.Expect(getCM(g, t.Context(), ns, "disabled")).To(BeNil(), "reconcile: disabled objects are never applied")

	// An in-cluster object with reconcile: disabled is left alone even though Git changes.
	manual := &corev1.ConfigMap{}
	manual.Namespace, manual.Name = ns, "manual"
	manual.Annotations = map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}
	manual.Data = map[string]string{"v": "cluster"}
	g.Expect(env.Client.Create(t.Context(), manual)).To(Succeed())
	// The same opt-out as a label (fluxcd/pkg/ssa accepts both).
	labelled := &corev1.ConfigMap{}
	labelled.Namespace, labelled.Name = ns, "labelled"
	labelled.Labels = map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}
	labelled.Data = map[string]string{"v": "cluster"}
	g.Expect(env.Client.Create(t.Context(), labelled)).To(Succeed())

	files["once.yaml"] = configMap(ns, "once", map[string]string{"v": "2"}, map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue})
	files["normal.yaml"] = configMap(ns, "normal", map[string]string{"v": "2"}, nil)
	files["manual.yaml"] = configMap(ns, "manual", map[string]string{"v": "git"}, nil)
	files["labelled.yaml"] = configMap(ns, "labelled", map[string]string{"v": "git"}, nil)
	art := artifacts.publish(t, files)
	setArtifact(t, repo, art)
	waitApplied(t, key, art.Revision)
	g.Expect(getCM(g, t.Context(), ns, "normal").Data).To(HaveKeyWithValue("v", "2"))
	g.Expect(getCM(g, t.Context(), ns, "once").Data).To(HaveKeyWithValue("v", "1"), "IfNotPresent objects are never updated")
	g.Expect(getCM(g, t.Context(), ns, "manual").Data).To(HaveKeyWithValue("v", "cluster"), "reconcile: disabled in the cluster wins")
	g.Expect(getCM(g, t.Context(), ns, "labelled").Data).To(HaveKeyWithValue("v", "cluster"), "reconcile: disabled as a label in the cluster wins")
}
