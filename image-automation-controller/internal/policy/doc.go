// Package policy picks the latest tag from a list of tags, the heart of ImagePolicy.
//
// A Selector is built from an ImagePolicy's spec.policy and spec.filterTags: the filter keeps the
// tags that match a regular expression and can extract part of each tag (`$group`); the rule
// (semver range, alphabetical or numerical order) then orders the extracted values and the tag
// behind the first one wins. Everything here is pure: no API server, no registry. The
// imagepolicy reconciler reads the tag list from internal/tagstore and hands it to a Selector.
package policy
