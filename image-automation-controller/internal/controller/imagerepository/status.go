package imagerepository

import (
	"regexp"
	"slices"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
)

// latestTagsCount is how many tags status.lastScanResult.latestTags samples.
const latestTagsCount = 10

// scanDue decides whether to scan now. If not, it returns how long until the next scan is due.
// A scan is due when nothing was scanned yet, the spec or the exclusion list changed, a
// reconcile was requested, the last reconcile failed, the stored list is missing or is not the
// one the status describes (a lost volume), or the interval has elapsed.
func scanDue(obj *imagev1.ImageRepository, storedRevision string, stored bool, now time.Time) (bool, time.Duration) {
	last := obj.Status.LastScanResult
	if last == nil || obj.Generation != obj.Status.ObservedGeneration || !conditions.IsReady(obj) {
		return true, 0
	}
	if !slices.Equal(obj.GetExclusionList(), obj.Status.ObservedExclusionList) {
		return true, 0
	}
	if v, ok := meta.ReconcileAnnotationValue(obj.GetAnnotations()); ok && v != obj.Status.LastHandledReconcileAt {
		return true, 0
	}
	if !stored || storedRevision != last.Revision {
		return true, 0
	}
	next := last.ScanTime.Add(obj.Spec.Interval.Duration)
	if !now.Before(next) {
		return true, 0
	}
	return false, next.Sub(now)
}

// excludeTags drops the tags that match any exclusion pattern.
func excludeTags(tags []string, exclusions []*regexp.Regexp) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if !slices.ContainsFunc(exclusions, func(re *regexp.Regexp) bool { return re.MatchString(t) }) {
			out = append(out, t)
		}
	}
	return out
}

// scanResult summarises a stored list for the status.
func scanResult(l tagstore.List, at metav1.Time) *imagev1.ScanResult {
	n := min(latestTagsCount, len(l.Tags))
	latest := make([]string, 0, n)
	for i := len(l.Tags) - 1; i >= len(l.Tags)-n; i-- {
		latest = append(latest, l.Tags[i])
	}
	return &imagev1.ScanResult{Revision: l.Revision, TagCount: len(l.Tags), ScanTime: at, LatestTags: latest}
}
