package receiver

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

func TestValidateSpec(t *testing.T) {
	res := func(name string, labels map[string]string, filter string) notifv1.ReceiverResource {
		return notifv1.ReceiverResource{
			CrossNamespaceObjectReference: notifv1.CrossNamespaceObjectReference{Kind: "GitRepository", Name: name, MatchLabels: labels},
			Filter:                        filter,
		}
	}
	tests := []struct {
		name       string
		spec       notifv1.ReceiverSpec
		wantReason string // "" means valid
	}{
		{"plain generic", notifv1.ReceiverSpec{Type: "generic", Resources: []notifv1.ReceiverResource{res("a", nil, "")}}, ""},
		{"acr is supported", notifv1.ReceiverSpec{Type: "acr", Resources: []notifv1.ReceiverResource{res("a", nil, "")}}, ""},
		{"gcr is not supported yet", notifv1.ReceiverSpec{Type: "gcr"}, notifv1.ValidationFailedReason},
		{"generic-oidc is not supported yet", notifv1.ReceiverSpec{Type: "generic-oidc"}, notifv1.ValidationFailedReason},
		{"wildcard without labels", notifv1.ReceiverSpec{Type: "generic", Resources: []notifv1.ReceiverResource{res("*", nil, "")}}, notifv1.ValidationFailedReason},
		{"wildcard with labels", notifv1.ReceiverSpec{Type: "generic", Resources: []notifv1.ReceiverResource{res("*", map[string]string{"a": "b"}, "")}}, ""},
		{"bad global filter", notifv1.ReceiverSpec{Type: "generic", ResourceFilter: "(("}, meta.InvalidCELExpressionReason},
		{"undeclared variable", notifv1.ReceiverSpec{Type: "generic", ResourceFilter: "claims.sub == 'x'"}, meta.InvalidCELExpressionReason},
		{"bad resource filter", notifv1.ReceiverSpec{Type: "generic", Resources: []notifv1.ReceiverResource{res("a", nil, "1 + 1")}}, meta.InvalidCELExpressionReason},
		{"good filters", notifv1.ReceiverSpec{Type: "generic", ResourceFilter: "res.metadata.name != ''",
			Resources: []notifv1.ReceiverResource{res("a", nil, "req.body.tag == 'v1'")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			err := validateSpec(&tt.spec)
			if tt.wantReason == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(HaveOccurred())
			var stall *reconcile.Stalling
			g.Expect(err).To(BeAssignableToTypeOf(stall))
			g.Expect(reconcile.ReasonOf(err)).To(Equal(tt.wantReason))
		})
	}
}

func TestReadyMessage(t *testing.T) {
	NewWithT(t).Expect(readyMessage("/hook/abc")).To(Equal("Receiver initialized for path: /hook/abc"))
}
