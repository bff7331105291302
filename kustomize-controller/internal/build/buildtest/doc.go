// Package buildtest holds the fixture helpers that the tests of the build package and of its
// buildenv package share (writing a file tree to build from). It is imported only by tests.
package buildtest
