package imagerepository

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
)

func TestScanDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	scanned := func(ago time.Duration) *imagev1.ImageRepository {
		o := &imagev1.ImageRepository{}
		o.Generation, o.Status.ObservedGeneration = 2, 2
		o.Spec.Interval = metav1.Duration{Duration: 10 * time.Minute}
		o.Status.LastScanResult = &imagev1.ScanResult{Revision: "r1", ScanTime: metav1.NewTime(now.Add(-ago))}
		o.Status.ObservedExclusionList = imagev1.DefaultExclusionList
		conditions.MarkTrue(o, meta.ReadyCondition, meta.SucceededReason, "ok")
		return o
	}
	tests := []struct {
		name     string
		obj      *imagev1.ImageRepository
		revision string
		stored   bool
		due      bool
		wait     time.Duration
	}{
		{name: "recent scan waits for the rest of the interval", obj: scanned(4 * time.Minute), revision: "r1", stored: true, wait: 6 * time.Minute},
		{name: "interval elapsed", obj: scanned(10 * time.Minute), revision: "r1", stored: true, due: true},
		{name: "never scanned", obj: &imagev1.ImageRepository{}, due: true},
		{name: "spec changed", obj: func() *imagev1.ImageRepository { o := scanned(time.Minute); o.Generation = 3; return o }(), revision: "r1", stored: true, due: true},
		{name: "exclusion list changed", obj: func() *imagev1.ImageRepository {
			o := scanned(time.Minute)
			o.Spec.ExclusionList = []string{"^dev-"}
			return o
		}(), revision: "r1", stored: true, due: true},
		{name: "reconcile requested", obj: func() *imagev1.ImageRepository {
			o := scanned(time.Minute)
			o.Annotations = map[string]string{meta.ReconcileRequestAnnotation: "t2"}
			o.Status.LastHandledReconcileAt = "t1"
			return o
		}(), revision: "r1", stored: true, due: true},
		{name: "handled request does not rescan", obj: func() *imagev1.ImageRepository {
			o := scanned(time.Minute)
			o.Annotations = map[string]string{meta.ReconcileRequestAnnotation: "t1"}
			o.Status.LastHandledReconcileAt = "t1"
			return o
		}(), revision: "r1", stored: true, wait: 9 * time.Minute},
		{name: "last attempt failed", obj: func() *imagev1.ImageRepository {
			o := scanned(time.Minute)
			conditions.MarkFalse(o, meta.ReadyCondition, imagev1.ReadOperationFailedReason, "boom")
			return o
		}(), revision: "r1", stored: true, due: true},
		{name: "stored list lost", obj: scanned(time.Minute), due: true},
		{name: "stored list differs", obj: scanned(time.Minute), revision: "r0", stored: true, due: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, wait := scanDue(tt.obj, tt.revision, tt.stored, now)
			if due != tt.due || wait != tt.wait {
				t.Fatalf("scanDue = %v, %v; want %v, %v", due, wait, tt.due, tt.wait)
			}
		})
	}
}

func TestScanResultAndExclusions(t *testing.T) {
	var tags []string
	for _, s := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		tags = append(tags, s, s+".sig")
	}
	kept := excludeTags(tags, []*regexp.Regexp{regexp.MustCompile(`^.*\.sig$`)})
	if len(kept) != 12 {
		t.Fatalf("excludeTags kept %d tags, want 12: %v", len(kept), kept)
	}
	l := tagstore.List{Tags: tagstore.Normalize(kept), Revision: tagstore.Revision(kept)}
	r := scanResult(l, metav1.Now())
	want := []string{"l", "k", "j", "i", "h", "g", "f", "e", "d", "c"}
	if r.TagCount != 12 || !slices.Equal(r.LatestTags, want) || r.Revision != l.Revision {
		t.Fatalf("scanResult = %+v; want 12 tags, latest %v", r, want)
	}
	if got := scanResult(tagstore.List{}, metav1.Now()); got.TagCount != 0 || len(got.LatestTags) != 0 {
		t.Fatalf("scanResult of no tags = %+v", got)
	}
	if got := readyMessage(r); got != "successful scan: found 12 tags with checksum "+l.Revision {
		t.Fatalf("readyMessage = %q", got)
	}
}
