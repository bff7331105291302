package devenv

import "fmt"

// controller is one controller binary and the arguments it gets in the dev environment.
type controller struct {
	name string
	// port is the base of the controller's ports: metrics on port, health on port+1, and its
	// own servers (artifacts, events, receivers) from port+2.
	port int
	args []string
}

// controllers lists the four binaries. Each gets distinct ports so that they can share
// 127.0.0.1, and JSON logs as in a cluster.
func controllers() []controller {
	return []controller{
		{name: "source-controller", port: 18080},
		{name: "kustomize-controller", port: 18090},
		{name: "image-automation-controller", port: 18100},
		{name: "notification-controller", port: 18110},
	}
}

func (c controller) metricsAddr() string { return fmt.Sprintf("127.0.0.1:%d", c.port) }
func (c controller) healthAddr() string  { return fmt.Sprintf("127.0.0.1:%d", c.port+1) }

func (c controller) commandLine() []string {
	return append([]string{
		"--metrics-addr=" + c.metricsAddr(),
		"--health-addr=" + c.healthAddr(),
		"--log-encoding=json",
		"--watch-all-namespaces=true",
	}, c.args...)
}
