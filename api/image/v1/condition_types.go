package v1

// ImageFinalizer is the finalizer the controller puts on every object of this group.
const ImageFinalizer = "finalizers.fluxcd.io"

// ImagePolicySetterMarker is the token that marks a YAML line comment as an image policy setter,
// e.g. `# {"$imagepolicy": "flux-system:podinfo"}` (full reference) or
// `# {"$imagepolicy": "flux-system:podinfo:tag"}` (the tag only; `:name` and `:digest` work the
// same way). ImageUpdateAutomation rewrites only files that contain this token.
const ImagePolicySetterMarker = "$imagepolicy"

// Condition reasons that ImageRepository and ImagePolicy report in addition to the generic ones of
// github.com/fluxcd/pkg/apis/meta (Succeeded, Progressing, FeatureGateDisabled, ...) and
// github.com/fluxcd/pkg/apis/acl (AccessDenied).
const (
	// ImageURLInvalidReason means spec.image of an ImageRepository cannot be parsed as an image
	// repository reference. The object is stalled until the spec changes.
	ImageURLInvalidReason string = "ImageURLInvalid"

	// AuthenticationFailedReason means the registry credentials could not be obtained or were
	// refused, e.g. the referenced Secret lacks the expected keys.
	AuthenticationFailedReason string = "AuthenticationFailed"

	// ReadOperationFailedReason means listing tags or reading from the registry failed.
	ReadOperationFailedReason string = "ReadOperationFailed"

	// DependencyNotReadyReason means the ImageRepository an ImagePolicy refers to is not ready.
	DependencyNotReadyReason string = "DependencyNotReady"

	// InvalidPolicyReason means the ImagePolicy's policy or tag filter cannot be used, e.g. an
	// invalid semver range or regular expression. The object is stalled until the spec changes.
	InvalidPolicyReason string = "InvalidPolicy"

	// IntervalNotConfiguredReason means spec.digestReflectionPolicy is Always but spec.interval is
	// not set. The object is stalled until the spec changes.
	IntervalNotConfiguredReason string = "IntervalNotConfigured"

	// FailureReason is the catch-all reason of an ImagePolicy that failed for any other cause,
	// e.g. no tag matched the policy.
	FailureReason string = "Failure"
)

// Condition reasons that ImageUpdateAutomation reports in addition to the generic ones.
const (
	// InvalidUpdateStrategyReason means spec.update names a strategy the controller does not
	// support.
	InvalidUpdateStrategyReason string = "InvalidUpdateStrategy"

	// InvalidSourceConfigReason means the source reference or the Git settings cannot be used,
	// e.g. the GitRepository does not exist or the push branch is missing.
	InvalidSourceConfigReason string = "InvalidSourceConfiguration"

	// SourceManagerFailedReason means preparing the working copy of the source failed.
	SourceManagerFailedReason string = "SourceManagerFailed"

	// GitOperationFailedReason means a clone, commit or push failed.
	GitOperationFailedReason string = "GitOperationFailed"

	// UpdateFailedReason means rewriting the files with the policies' results failed.
	UpdateFailedReason string = "UpdateFailed"

	// InvalidPolicySelectorReason means spec.policySelector is not a valid label selector.
	InvalidPolicySelectorReason string = "InvalidPolicySelector"

	// RemovedTemplateFieldReason means the commit message template uses a field that no longer
	// exists (`.Updated`); use `.Changed` instead.
	RemovedTemplateFieldReason string = "RemovedTemplateField"
)
