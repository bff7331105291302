package v1

// ResourceInventory lists the objects a Kustomization applied successfully. The controller
// prunes objects that were in the previous inventory but are no longer in the source, and the
// flux CLI reads it for `flux tree` and `flux diff`.
type ResourceInventory struct {
	// Entries are the applied objects.
	Entries []ResourceRef `json:"entries"`
}

// ResourceRef identifies one applied object.
type ResourceRef struct {
	// ID identifies the object as '<namespace>_<name>_<group>_<kind>'; namespace is empty for
	// cluster-scoped objects and group is empty for the core group, e.g.
	// 'default_podinfo_apps_Deployment'.
	ID string `json:"id"`

	// Version is the API version of the object's kind, e.g. 'v1'.
	Version string `json:"v"`
}
