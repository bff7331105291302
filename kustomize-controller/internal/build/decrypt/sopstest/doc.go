// Package sopstest encrypts test fixtures with SOPS and fresh age keys, so that the build and
// decrypt tests produce their encrypted files in the test itself (no keys or ciphertext checked
// into the repository). It is imported only by tests.
package sopstest
