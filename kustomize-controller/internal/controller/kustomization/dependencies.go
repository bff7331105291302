package kustomization

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fluxcd/pkg/runtime/cel"
	"github.com/fluxcd/pkg/runtime/conditions"
	celtypes "github.com/google/cel-go/common/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// reconcileDependencies waits until every Kustomization in spec.dependsOn is ready at its
// latest revision. Dependents are also re-queued by a watch when a dependency becomes ready
// (setup.go), so --requeue-dependency is only the fallback.
func (r *Reconciler) reconcileDependencies(ctx context.Context, s *scope) error {
	obj := s.obj
	var notReady []string
	for _, dep := range obj.Spec.DependsOn {
		key := client.ObjectKey{Namespace: dep.Namespace, Name: dep.Name}
		if key.Namespace == "" {
			key.Namespace = obj.Namespace
		}
		if r.NoCrossNamespaceRefs && key.Namespace != obj.Namespace {
			return reconcile.NewStalling(kustomizev1.AccessDeniedReason,
				"can't access '%s/%s', cross-namespace references have been blocked", kustomizev1.KustomizationKind, key)
		}
		d := &kustomizev1.Kustomization{}
		if err := r.Client.Get(ctx, key, d); err != nil {
			if !apierrors.IsNotFound(err) {
				return reconcile.NewGeneric(kustomizev1.DependencyNotReadyReason, "failed to get dependency '%s': %v", key, err)
			}
			notReady = append(notReady, fmt.Sprintf("dependency '%s' not found", key))
			continue
		}
		builtin := dependencyReady(obj, d, s.revision)
		if dep.ReadyExpr == "" {
			if builtin != nil {
				notReady = append(notReady, builtin.Error())
			}
			continue
		}
		ok, err := evalReadyExpr(ctx, dep.ReadyExpr, obj, d)
		if err != nil {
			return err
		}
		switch {
		case r.AdditiveCELDependencyCheck && builtin != nil:
			notReady = append(notReady, builtin.Error())
		case !ok:
			notReady = append(notReady, fmt.Sprintf("dependency '%s' is not ready according to readyExpr", key))
		}
	}
	if len(notReady) == 0 {
		return nil
	}
	return reconcile.NewWaiting(kustomizev1.DependencyNotReadyReason, r.RequeueDependency,
		"Dependencies do not meet ready condition (%s), retrying in %s", strings.Join(notReady, "; "), r.RequeueDependency)
}

// dependencyReady is Flux's built-in readiness rule: the dependency observed its latest spec,
// is Ready, and, when it uses the same source, applied the revision this Kustomization is
// about to apply.
func dependencyReady(obj, dep *kustomizev1.Kustomization, revision string) error {
	key := dep.Namespace + "/" + dep.Name
	if dep.Generation != dep.Status.ObservedGeneration || !conditions.IsReady(dep) {
		return fmt.Errorf("dependency '%s' is not ready", key)
	}
	same := dep.Spec.SourceRef.Kind == obj.Spec.SourceRef.Kind &&
		dep.Spec.SourceRef.Name == obj.Spec.SourceRef.Name &&
		dep.GetSourceNamespace() == obj.GetSourceNamespace()
	if same && revision != "" && dep.Status.LastAppliedRevision != revision {
		return fmt.Errorf("dependency '%s' revision is not up to date", key)
	}
	return nil
}

// evalReadyExpr evaluates a dependsOn readyExpr with 'self' (this Kustomization) and 'dep'.
func evalReadyExpr(ctx context.Context, expr string, obj, dep *kustomizev1.Kustomization) (bool, error) {
	e, err := cel.NewExpression(expr, cel.WithCompile(), cel.WithOutputType(celtypes.BoolType), cel.WithStructVariables("self", "dep"))
	if err != nil {
		return false, reconcile.NewStalling(kustomizev1.InvalidCELExpressionReason, "invalid readyExpr '%s': %v", expr, err)
	}
	self, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return false, err
	}
	d, err := runtime.DefaultUnstructuredConverter.ToUnstructured(dep)
	if err != nil {
		return false, err
	}
	ok, err := e.EvaluateBoolean(ctx, map[string]any{"self": self, "dep": d})
	if err != nil {
		var stall *reconcile.Stalling
		if errors.As(err, &stall) {
			return false, err
		}
		return false, reconcile.NewGeneric(kustomizev1.DependencyNotReadyReason, "evaluating readyExpr '%s': %v", expr, err)
	}
	return ok, nil
}
