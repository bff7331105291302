package imageupdateautomation

import (
	"bytes"
	"fmt"
	"text/template"
	"text/template/parse"

	"k8s.io/apimachinery/pkg/types"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/update"
)

// TemplateData is the data of the commit message template.
type TemplateData struct {
	// AutomationObject is the namespace/name of the ImageUpdateAutomation.
	AutomationObject types.NamespacedName
	// Changed is what the update changed, by file and object.
	Changed update.Result
	// Values are spec.git.commit.messageTemplateValues.
	Values map[string]string
}

// errRemovedField is returned for templates that use the `.Updated` field of older versions.
type errRemovedField struct{}

func (errRemovedField) Error() string {
	return "the commit message template uses the removed field '.Updated'; use '.Changed' instead"
}

// parseTemplate parses the commit message template (the default when empty) and rejects the
// removed `.Updated` field. A dry run on empty data catches the other field mistakes before any
// Git work.
func parseTemplate(obj *imagev1.ImageUpdateAutomation) (*template.Template, error) {
	text := imagev1.DefaultCommitMessageTemplate
	if obj.Spec.GitSpec != nil && obj.Spec.GitSpec.Commit.MessageTemplate != "" {
		text = obj.Spec.GitSpec.Commit.MessageTemplate
	}
	tmpl, err := template.New("commit message").Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid commit message template: %w", err)
	}
	if usesField(tmpl.Root, "Updated") {
		return nil, errRemovedField{}
	}
	if _, err := render(tmpl, TemplateData{}); err != nil {
		return nil, err
	}
	return tmpl, nil
}

func render(tmpl *template.Template, data TemplateData) (string, error) {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("invalid commit message template: %w", err)
	}
	return buf.String(), nil
}

// usesField reports whether any field chain in the template starts with name.
func usesField(node parse.Node, name string) bool {
	found := false
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		if n == nil || found {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walkBranch(walk, &n.BranchNode)
		case *parse.RangeNode:
			walkBranch(walk, &n.BranchNode)
		case *parse.WithNode:
			walkBranch(walk, &n.BranchNode)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.FieldNode:
			found = len(n.Ident) > 0 && n.Ident[0] == name
		}
	}
	walk(node)
	return found
}

func walkBranch(walk func(parse.Node), b *parse.BranchNode) {
	walk(b.Pipe)
	walk(b.List)
	if b.ElseList != nil {
		walk(b.ElseList)
	}
}
