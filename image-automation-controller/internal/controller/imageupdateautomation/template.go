package imageupdateautomation

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/types"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/message"
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

// templateMethods are the methods commit message templates may call on TemplateData's values.
// internal/message calls only listed methods (see its doc for why); Flux's documented templates
// use these.
var templateMethods = message.NewMethods(
	message.Niladic("Files", update.Result.Files),
	message.Niladic("Objects", update.Result.Objects),
	message.Niladic("Changes", update.Result.Changes),
	message.Niladic("Empty", update.Result.Empty),
	message.Niladic("String", update.ObjectIdentifier.String),
	message.Niladic("String", types.NamespacedName.String),
)

// errRemovedField is returned for templates that use the `.Updated` field of older versions.
type errRemovedField struct{}

func (errRemovedField) Error() string {
	return "the commit message template uses the removed field '.Updated'; use '.Changed' instead"
}

// parseTemplate parses the commit message template (the default when empty) and rejects the
// removed `.Updated` field. A dry run on empty data catches the other field mistakes before any
// Git work.
func parseTemplate(obj *imagev1.ImageUpdateAutomation) (*message.Template, error) {
	text := imagev1.DefaultCommitMessageTemplate
	if obj.Spec.GitSpec != nil && obj.Spec.GitSpec.Commit.MessageTemplate != "" {
		text = obj.Spec.GitSpec.Commit.MessageTemplate
	}
	tmpl, err := message.Parse("commit message", text, templateMethods)
	if err != nil {
		return nil, fmt.Errorf("invalid commit message template: %w", err)
	}
	if tmpl.UsesField("Updated") {
		return nil, errRemovedField{}
	}
	if _, err := render(tmpl, TemplateData{}); err != nil {
		return nil, err
	}
	return tmpl, nil
}

func render(tmpl *message.Template, data TemplateData) (string, error) {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("invalid commit message template: %w", err)
	}
	return buf.String(), nil
}
