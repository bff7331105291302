// Package integration holds the end-to-end tests of the receiver webhook server: a real API
// server (pkg/testenv) with the real Receiver reconciler, the server on a loopback port, and real
// HTTP requests signed the way each sender signs them. It contains no code besides the tests;
// they live apart from package receiver so that its unit and fuzz tests still run under -short.
package integration
