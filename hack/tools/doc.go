// Package tools pins the code generators and other developer tools that Eddy runs with
// `go tool` (see the tool directives in go.mod). It is its own module, outside go.work, so that
// tool dependencies never leak into the product modules. Run its tools with
// `GOWORK=off go -C hack/tools tool <name>`; the Makefile does this for you.
package tools
