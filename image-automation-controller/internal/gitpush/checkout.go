package gitpush

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// CheckoutRef names a starting point other than a branch tip: a tag, the highest tag in a semver
// range, a commit, or a full reference name (e.g. `refs/pull/1/head`). Such a point cannot be
// pushed to, so a run that uses one needs Config.PushBranch. The precedence is Flux's:
// Commit, then Name, then SemVer, then Tag.
type CheckoutRef struct {
	Tag    string
	SemVer string
	// Commit is a full SHA-1. With Config.CheckoutBranch set only that branch is fetched to find
	// it; otherwise every branch is.
	Commit string
	Name   string
}

// IsZero reports whether the checkout starts from a branch tip.
func (r CheckoutRef) IsZero() bool { return r == CheckoutRef{} }

// String describes the reference for messages and the warm clone's key.
func (r CheckoutRef) String() string {
	switch {
	case r.Commit != "":
		return fmt.Sprintf("commit '%s'", r.Commit)
	case r.Name != "":
		return fmt.Sprintf("reference '%s'", r.Name)
	case r.SemVer != "":
		return fmt.Sprintf("semver range '%s'", r.SemVer)
	case r.Tag != "":
		return fmt.Sprintf("tag '%s'", r.Tag)
	}
	return ""
}

// checkoutLocalRef is where a fetched tag or reference name is kept in the warm clone; a private
// namespace, so that it never collides with a branch or is pushed.
const checkoutLocalRef = plumbing.ReferenceName("refs/eddy/checkout")

// checkoutPlan says what to fetch to have the checkout commit locally and how to find it after
// the fetch.
type checkoutPlan struct {
	specs []config.RefSpec
	// local is the reference that holds the checkout point after the fetch (may be an
	// annotated tag, which is peeled); commit is used instead when set.
	local  plumbing.ReferenceName
	commit plumbing.Hash
	// label names the checkout point in errors.
	label string
}

// planCheckout turns the configured checkout into a fetch, given the references the remote
// advertises. A reference that does not exist is a ConfigError: only a spec change (or a push by
// someone else) makes it appear.
func planCheckout(cfg Config, refs []*plumbing.Reference) (checkoutPlan, error) {
	ref := cfg.CheckoutRef
	advertised := map[plumbing.ReferenceName]plumbing.Hash{}
	for _, r := range refs {
		advertised[r.Name()] = r.Hash()
	}
	fetchInto := func(remote plumbing.ReferenceName, label string) (checkoutPlan, error) {
		if _, ok := advertised[remote]; !ok {
			return checkoutPlan{}, &ConfigError{Msg: fmt.Sprintf("%s not found in the repository", label)}
		}
		spec := config.RefSpec(fmt.Sprintf("+%s:%s", remote, checkoutLocalRef))
		return checkoutPlan{specs: []config.RefSpec{spec}, local: checkoutLocalRef, label: label}, nil
	}
	switch {
	case ref.Commit != "":
		if !plumbing.IsHash(ref.Commit) {
			return checkoutPlan{}, &ConfigError{Msg: fmt.Sprintf("commit '%s' is not a full SHA-1", ref.Commit)}
		}
		plan := checkoutPlan{commit: plumbing.NewHash(ref.Commit), label: ref.String()}
		if cfg.CheckoutBranch != "" {
			if _, ok := advertised[plumbing.NewBranchReferenceName(cfg.CheckoutBranch)]; !ok {
				return checkoutPlan{}, &ConfigError{Msg: fmt.Sprintf("branch '%s' not found in the repository", cfg.CheckoutBranch)}
			}
			plan.specs = []config.RefSpec{branchFetchSpec(cfg.CheckoutBranch)}
		} else {
			// Servers only hand out advertised tips, so fetch every branch and find the
			// commit among them.
			plan.specs = []config.RefSpec{config.RefSpec(fmt.Sprintf("+refs/heads/*:refs/remotes/%s/*", gogit.DefaultRemoteName))}
		}
		return plan, nil
	case ref.Name != "":
		return fetchInto(plumbing.ReferenceName(ref.Name), ref.String())
	case ref.SemVer != "":
		tag, err := highestTag(ref.SemVer, refs)
		if err != nil {
			return checkoutPlan{}, err
		}
		return fetchInto(plumbing.NewTagReferenceName(tag), fmt.Sprintf("tag '%s'", tag))
	case ref.Tag != "":
		return fetchInto(plumbing.NewTagReferenceName(ref.Tag), ref.String())
	}
	branch := plumbing.NewBranchReferenceName(cfg.CheckoutBranch)
	if _, ok := advertised[branch]; !ok {
		return checkoutPlan{}, &ConfigError{Msg: fmt.Sprintf("branch '%s' not found in the repository", cfg.CheckoutBranch)}
	}
	return checkoutPlan{
		specs: []config.RefSpec{branchFetchSpec(cfg.CheckoutBranch)},
		local: plumbing.NewRemoteReferenceName(gogit.DefaultRemoteName, cfg.CheckoutBranch),
		label: fmt.Sprintf("branch '%s'", cfg.CheckoutBranch),
	}, nil
}

// highestTag returns the highest tag whose name (with or without a leading v) is a version in
// the range.
func highestTag(rng string, refs []*plumbing.Reference) (string, error) {
	c, err := semver.NewConstraint(rng)
	if err != nil {
		return "", &ConfigError{Msg: fmt.Sprintf("invalid semver range '%s': %v", rng, err)}
	}
	var best *semver.Version
	var bestTag string
	for _, r := range refs {
		if !r.Name().IsTag() || strings.HasSuffix(r.Name().String(), "^{}") {
			continue
		}
		tag := r.Name().Short()
		v, err := semver.NewVersion(tag)
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best, bestTag = v, tag
		}
	}
	if best == nil {
		return "", &ConfigError{Msg: fmt.Sprintf("no tag in the repository matches semver range '%s'", rng)}
	}
	return bestTag, nil
}

// resolve finds the checkout commit in the warm clone after the fetch, peeling an annotated tag.
func (p checkoutPlan) resolve(repo *gogit.Repository) (plumbing.Hash, error) {
	h := p.commit
	if h.IsZero() {
		ref, err := repo.Reference(p.local, true)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("reading the fetched %s: %w", p.label, err)
		}
		h = ref.Hash()
		if tag, err := repo.TagObject(h); err == nil {
			c, err := tag.Commit()
			if err != nil {
				return plumbing.ZeroHash, &ConfigError{Msg: fmt.Sprintf("%s does not point at a commit", p.label)}
			}
			h = c.Hash
		}
	}
	if _, err := repo.CommitObject(h); err != nil {
		return plumbing.ZeroHash, &ConfigError{Msg: fmt.Sprintf("%s not found in the repository", p.label)}
	}
	return h, nil
}
