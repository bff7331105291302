package devenv

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
)

// DefaultBasePort is where `make run` puts the controllers' ports: each controller gets a block of
// ten from here (source-controller 18080, kustomize-controller 18090, ...).
const DefaultBasePort = 18080

// controller is one controller binary and the arguments it gets in the dev environment.
type controller struct {
	name string
	// metrics and health are the listen ports of the endpoints every binary has.
	metrics, health int
	args            []string
	env             []string
}

func (c controller) metricsAddr() string { return hostPort(c.metrics) }
func (c controller) healthAddr() string  { return hostPort(c.health) }

func (c controller) commandLine() []string {
	return append([]string{
		"--metrics-addr=" + c.metricsAddr(),
		"--health-addr=" + c.healthAddr(),
		"--log-encoding=json",
		"--watch-all-namespaces=true",
	}, c.args...)
}

// ports are every listen port of the environment.
type ports struct {
	// metrics and health per controller, in the order of controllerNames.
	metrics, health [4]int
	artifacts       int // source-controller's artifact server
	events          int // notification-controller's event endpoint
	receiver        int // notification-controller's webhook receiver
}

var controllerNames = [4]string{"source-controller", "kustomize-controller", "image-automation-controller", "notification-controller"}

// fixedPorts lays the ports out in blocks of ten from base: metrics at +0, health at +1 and the
// controller's own servers from +2, so the addresses of `make run` are easy to remember.
func fixedPorts(base int) ports {
	var p ports
	for i := range controllerNames {
		p.metrics[i], p.health[i] = base+10*i, base+10*i+1
	}
	p.artifacts = base + 2
	p.events, p.receiver = base+30+2, base+30+3
	return p
}

// freePorts asks the kernel for distinct free ports, so that tests can run next to `make run` and
// next to each other. A port could in principle be taken between the probe and the bind; the
// controller then fails to start and Start reports it.
func freePorts() (ports, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	next := func() (int, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		listeners = append(listeners, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	var p ports
	var err error
	all := []*int{&p.artifacts, &p.events, &p.receiver}
	for i := range controllerNames {
		all = append(all, &p.metrics[i], &p.health[i])
	}
	for _, ptr := range all {
		if *ptr, err = next(); err != nil {
			return ports{}, err
		}
	}
	return p, nil
}

// controllers lists the four binaries with the flags they need to work together on 127.0.0.1:
// the artifact server advertised at its real address, the event endpoint every other controller
// posts to, the receiver, and state directories under stateDir.
func controllers(p ports, stateDir string) []controller {
	eventsURL := fmt.Sprintf("http://%s/", hostPort(p.events))
	cs := make([]controller, len(controllerNames))
	for i, name := range controllerNames {
		cs[i] = controller{name: name, metrics: p.metrics[i], health: p.health[i]}
	}
	cs[0].args = []string{
		"--storage-path=" + filepath.Join(stateDir, "source"),
		"--storage-addr=" + hostPort(p.artifacts),
		"--storage-adv-addr=" + hostPort(p.artifacts),
		"--events-addr=" + eventsURL,
	}
	cs[1].args = []string{
		"--artifact-cache-dir=" + filepath.Join(stateDir, "kustomize-artifacts"),
		"--events-addr=" + eventsURL,
	}
	cs[2].args = []string{
		"--storage-path=" + filepath.Join(stateDir, "image"),
		"--events-addr=" + eventsURL,
	}
	// The image-automation-controller has no flag for its clone cache, only this variable.
	cs[2].env = []string{"EDDY_GIT_CACHE_DIR=" + filepath.Join(stateDir, "image-git")}
	cs[3].args = []string{
		"--events-addr=" + hostPort(p.events),
		"--receiver-addr=" + hostPort(p.receiver),
	}
	return cs
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
