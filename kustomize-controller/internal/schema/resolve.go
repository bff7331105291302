package schema

import (
	"strings"

	"k8s.io/kube-openapi/pkg/validation/spec"
)

// maxDepth bounds the inlining of $refs: recursive schemas (JSONSchemaProps) are cut there and
// accept anything below, which only makes the local check weaker, never wrong.
const maxDepth = 24

// maxRecursion is how many times one schema may appear on the path of a recursive schema
// before the rest is accepted unchecked.
const maxRecursion = 3

// resolver inlines the $refs of one group-version document, because kube-openapi's validators
// do not follow references. It also closes every object schema that lists properties: server-
// side apply rejects fields the schema does not declare, so the local check must as well.
type resolver struct {
	components map[string]*spec.Schema
}

func (r resolver) resolve(s *spec.Schema, stack []string) *spec.Schema {
	if s == nil {
		return nil
	}
	if ref := s.Ref.String(); ref != "" {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := r.components[name]
		if !ok || len(stack) >= maxDepth || occurrences(stack, name) >= maxRecursion {
			return &spec.Schema{} // unknown or recursive: accept anything
		}
		out := r.resolve(target, append(stack, name))
		return out
	}
	c := *s
	c.Ref = spec.Ref{}
	if len(s.Properties) > 0 {
		c.Properties = make(map[string]spec.Schema, len(s.Properties))
		for k, p := range s.Properties {
			c.Properties[k] = *r.resolve(&p, stack)
		}
		if s.AdditionalProperties == nil && !preservesUnknown(s) {
			c.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		c.AdditionalProperties = &spec.SchemaOrBool{Allows: true, Schema: r.resolve(s.AdditionalProperties.Schema, stack)}
	}
	if s.Items != nil {
		items := &spec.SchemaOrArray{}
		if s.Items.Schema != nil {
			items.Schema = r.resolve(s.Items.Schema, stack)
		}
		for i := range s.Items.Schemas {
			items.Schemas = append(items.Schemas, *r.resolve(&s.Items.Schemas[i], stack))
		}
		c.Items = items
	}
	c.AllOf = r.resolveAll(s.AllOf, stack)
	c.AnyOf = r.resolveAll(s.AnyOf, stack)
	c.OneOf = r.resolveAll(s.OneOf, stack)
	if s.Not != nil {
		c.Not = r.resolve(s.Not, stack)
	}
	return &c
}

func (r resolver) resolveAll(in []spec.Schema, stack []string) []spec.Schema {
	if len(in) == 0 {
		return nil
	}
	out := make([]spec.Schema, len(in))
	for i := range in {
		out[i] = *r.resolve(&in[i], stack)
	}
	return out
}

// preservesUnknown reports the extensions under which the server keeps undeclared fields.
func preservesUnknown(s *spec.Schema) bool {
	for _, k := range []string{"x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource"} {
		if v, ok := s.Extensions[k].(bool); ok && v {
			return true
		}
	}
	return false
}

func occurrences(stack []string, name string) int {
	n := 0
	for _, s := range stack {
		if s == name {
			n++
		}
	}
	return n
}

// HasRules reports CEL rules (x-kubernetes-validations) anywhere in a resolved schema: the
// server evaluates them and the local check does not, so such kinds keep the dry-run.
func HasRules(s *spec.Schema) bool {
	if s == nil {
		return false
	}
	if _, ok := s.Extensions["x-kubernetes-validations"]; ok {
		return true
	}
	for k := range s.Properties {
		p := s.Properties[k]
		if HasRules(&p) {
			return true
		}
	}
	if s.AdditionalProperties != nil && HasRules(s.AdditionalProperties.Schema) {
		return true
	}
	if s.Items != nil {
		if HasRules(s.Items.Schema) {
			return true
		}
		for i := range s.Items.Schemas {
			if HasRules(&s.Items.Schemas[i]) {
				return true
			}
		}
	}
	for _, list := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for i := range list {
			if HasRules(&list[i]) {
				return true
			}
		}
	}
	return HasRules(s.Not)
}
