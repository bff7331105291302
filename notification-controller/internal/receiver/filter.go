package receiver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/fluxcd/pkg/runtime/cel"
	celgo "github.com/google/cel-go/cel"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// Filters are a Receiver's compiled CEL expressions: spec.resourceFilter and each
// spec.resources[].filter. Both see `res` (the candidate object: apiVersion, kind, metadata) and
// `req` (the request: `body`, the JSON payload or null, and `headers`, a map from lower-case
// header name to its first value, without Authorization and X-Gitlab-Token).
type Filters struct {
	global      *cel.Expression
	perResource []*cel.Expression // index-aligned with spec.resources; nil where unset
}

// CompileFilters compiles every CEL expression of the spec. An error names the field, so the
// reconciler can put it in the Stalled message as it is.
func CompileFilters(spec *notifv1.ReceiverSpec) (*Filters, error) {
	f := &Filters{perResource: make([]*cel.Expression, len(spec.Resources))}
	var err error
	if spec.ResourceFilter != "" {
		if f.global, err = compileFilter(spec.ResourceFilter); err != nil {
			return nil, fmt.Errorf("spec.resourceFilter: %w", err)
		}
	}
	for i, r := range spec.Resources {
		if r.Filter == "" {
			continue
		}
		if f.perResource[i], err = compileFilter(r.Filter); err != nil {
			return nil, fmt.Errorf("spec.resources[%d].filter: %w", i, err)
		}
	}
	return f, nil
}

func compileFilter(expr string) (*cel.Expression, error) {
	return cel.NewExpression(expr,
		cel.WithCompile(),
		cel.WithOutputType(celgo.BoolType),
		cel.WithStructVariables("res", "req"))
}

// any reports whether some filter applies to resource i.
func (f *Filters) any(i int) bool {
	return f.global != nil || f.perResource[i] != nil
}

// match evaluates the filters that apply to resource i: the object passes only if all are true.
func (f *Filters) match(ctx context.Context, i int, res, req map[string]any) (bool, error) {
	vars := map[string]any{"res": res, "req": req}
	for _, e := range []*cel.Expression{f.global, f.perResource[i]} {
		if e == nil {
			continue
		}
		ok, err := e.EvaluateBoolean(ctx, vars)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// requestVars builds the `req` variable. A body that is not JSON is null: CEL filters on
// non-JSON senders can still use the headers.
func requestVars(h http.Header, body []byte) map[string]any {
	headers := make(map[string]any, len(h))
	for k, v := range h {
		// Headers that carry the token itself are left out: filters have no use for them.
		if len(v) > 0 && !strings.EqualFold(k, headerAuthorization) && !strings.EqualFold(k, headerGitLabToken) {
			headers[strings.ToLower(k)] = v[0]
		}
	}
	var payload any
	if json.Unmarshal(body, &payload) != nil {
		payload = nil
	}
	return map[string]any{"headers": headers, "body": payload}
}
