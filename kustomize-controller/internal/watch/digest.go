package watch

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/fluxcd/pkg/ssa"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Annotations the transform writes on cached objects (never on the cluster): the size of the
// field set the controller's field manager owns (-1 when it has no entry), and the size of the
// field sets of the managers whose fields apply takes over (kubectl and its commands,
// before-first-apply and --override-manager: a field they add is removed by the next apply, so
// it is drift too).
const (
	ownedFieldsKey    = "watch.eddy.dev/owned-fields"
	overrideFieldsKey = "watch.eddy.dev/override-fields"
)

// overrideSize counts the nodes of the field sets of the takeover managers on the main resource.
func overrideSize(entries []metav1.ManagedFieldsEntry, takeover []ssa.FieldManager) int {
	n := 0
	for _, e := range entries {
		if !takenOver(e, takeover) || e.FieldsV1 == nil {
			continue
		}
		var tree map[string]any
		if json.Unmarshal(e.FieldsV1.Raw, &tree) == nil {
			n += countNodes(tree)
		}
	}
	return n
}

// ownedSize counts the nodes of the field set that manager owns with Apply on the main
// resource; -1 when it has no entry.
func ownedSize(entries []metav1.ManagedFieldsEntry, manager string) int {
	for _, e := range entries {
		if e.Manager != manager || e.Operation != metav1.ManagedFieldsOperationApply || e.Subresource != "" {
			continue
		}
		if e.FieldsV1 == nil {
			return 0
		}
		var tree map[string]any
		if err := json.Unmarshal(e.FieldsV1.Raw, &tree); err != nil {
			return 0
		}
		return countNodes(tree)
	}
	return -1
}

// takenOver reports whether the staged apply's cleanup takes entry e over: as fluxcd/pkg/ssa
// matches managers (its matcher is not exported), an entry of the main resource whose operation
// is the manager's and whose name is the manager's name, or starts with it unless ExactMatch.
// TestTakenOverAgreesWithSSA holds the two together.
func takenOver(e metav1.ManagedFieldsEntry, managers []ssa.FieldManager) bool {
	if e.Subresource != "" {
		return false
	}
	for _, m := range managers {
		if e.Operation != m.OperationType {
			continue
		}
		if e.Manager == m.Name || (!m.ExactMatch && strings.HasPrefix(e.Manager, m.Name)) {
			return true
		}
	}
	return false
}

func countNodes(tree map[string]any) int {
	n := 0
	for _, v := range tree {
		n++
		if sub, ok := v.(map[string]any); ok {
			n += countNodes(sub)
		}
	}
	return n
}

// drifted decides from our owned-field-set sizes before and after an update whether someone
// else changed fields we applied. The API server moves ownership of a field to whoever changes
// its value: another writer can only take fields away from us, so our set shrinks. Our own
// applies grow or keep it (they take our fields back), and writes by other managers to fields
// we do not own, or that leave our values as they are, do not touch it.
// A field set of an override manager that grows is drift as well: apply removes such fields.
func drifted(before, after, overrideBefore, overrideAfter string) bool {
	b, err1 := strconv.Atoi(before)
	a, err2 := strconv.Atoi(after)
	if err1 != nil || err2 != nil || b < 0 {
		return false // we never applied it (or not yet): nothing to compare with
	}
	ob, _ := strconv.Atoi(overrideBefore)
	oa, _ := strconv.Atoi(overrideAfter)
	return a < b || oa > ob
}
