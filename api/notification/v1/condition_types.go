package v1

// NotificationFinalizer is the finalizer the controller puts on Provider, Alert and Receiver
// objects.
const NotificationFinalizer = "finalizers.fluxcd.io"

// Reasons of Receiver conditions and of the Kubernetes events about notification objects, in
// addition to the generic ones of github.com/fluxcd/pkg/apis/meta (Succeeded, Failed,
// Progressing, InvalidCELExpression, ...).
const (
	// TokenNotFoundReason means the Receiver's Secret, or its `token` key, is missing.
	TokenNotFoundReason string = "TokenNotFound"

	// ValidationFailedReason means part of a spec could not be validated, e.g. an OIDC issuer
	// could not be reached or a Secret lacks a required key.
	ValidationFailedReason string = "ValidationFailed"

	// InitializedReason means an object has been initialised.
	InitializedReason string = "Initialized"

	// InvalidConfigReason means part of an object's configuration cannot be used, e.g. an Alert's
	// inclusion regular expression does not compile.
	InvalidConfigReason string = "InvalidConfig"

	// NotificationDispatchFailedReason is the reason of the event recorded on an Alert when
	// sending a notification to its Provider failed.
	NotificationDispatchFailedReason string = "NotificationDispatchFailed"

	// SourceFetchFailedReason is the reason of the event recorded on an Alert when the object
	// involved in an event could not be read to evaluate matchLabels.
	SourceFetchFailedReason string = "SourceFetchFailed"

	// MetadataAppendFailedReason is the reason of the event recorded on an Alert when event
	// metadata from different sources has conflicting keys.
	MetadataAppendFailedReason string = "MetadataAppendFailed"
)
