// Package buildenv holds the tests of package build that need a real API server: postBuild
// substituteFrom ConfigMaps and Secrets, and SOPS keys read from the decryption Secret. It has
// no non-test code; its suite starts the control plane through pkg/testenv without reconcilers.
package buildenv
