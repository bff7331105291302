package imagepolicy

import (
	"fmt"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// digestNeeded says whether to ask the registry for the digest of latest: never with Never,
// always with Always, and with IfNotPresent only when the chosen image changed or its digest is
// still unknown.
func digestNeeded(p imagev1.ReflectionPolicy, previous, latest *imagev1.ImageRef) bool {
	switch p {
	case imagev1.ReflectAlways:
		return true
	case imagev1.ReflectIfNotPresent:
		return previous == nil || previous.Name != latest.Name || previous.Tag != latest.Tag || previous.Digest == ""
	}
	return false
}

// nextRefs returns the new latestRef and observedPreviousRef: when the image changes, the old
// latestRef becomes the previous one; otherwise the previous one is kept.
func nextRefs(previous, latest, observedPrevious *imagev1.ImageRef) (*imagev1.ImageRef, *imagev1.ImageRef) {
	if previous != nil && !sameRef(previous, latest) {
		return latest, previous.DeepCopy()
	}
	return latest, observedPrevious
}

func sameRef(a, b *imagev1.ImageRef) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// readyMessage is the Ready=True message, e.g. `Latest image tag for ghcr.io/org/app resolved
// to 1.2.3 with digest sha256:… (previously ghcr.io/org/app:1.2.2)`.
func readyMessage(st imagev1.ImagePolicyStatus) string {
	l := st.LatestRef
	if l == nil {
		return "Latest image tag not resolved yet"
	}
	msg := fmt.Sprintf("Latest image tag for %s resolved to %s", l.Name, l.Tag)
	if l.Digest != "" {
		msg += " with digest " + l.Digest
	}
	if p := st.ObservedPreviousRef; p != nil && !sameRef(p, l) {
		msg += " (previously " + p.String() + ")"
	}
	return msg
}
