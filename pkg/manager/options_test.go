package manager

import (
	"testing"

	"github.com/spf13/pflag"
)

// TestBindFlags_OwnEventsAddr: notification-controller binds --events-addr itself (its listen
// address); the shared options must then leave the name free and record Kubernetes Events only.
func TestBindFlags_OwnEventsAddr(t *testing.T) {
	tests := []struct {
		name          string
		own           bool
		wantEventsURL string
	}{
		{name: "shared binding", own: false, wantEventsURL: "http://nc/"},
		{name: "owned by the binary", own: true, wantEventsURL: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
			o := Options{OwnEventsAddr: tt.own}
			o.BindFlags(fs, 2)
			var own string
			if tt.own {
				fs.StringVar(&own, "events-addr", ":9090", "listen address")
			}
			if err := fs.Parse([]string{"--events-addr=http://nc/"}); err != nil {
				t.Fatal(err)
			}
			if got := o.EventsAddr; got != tt.wantEventsURL {
				t.Errorf("Options.EventsAddr = %q, want %q", got, tt.wantEventsURL)
			}
			if tt.own && own != "http://nc/" {
				t.Errorf("the binary's own flag = %q, want the parsed value", own)
			}
		})
	}
}

// parseOptions binds the shared flags, parses args and validates the result, as Main does.
func parseOptions(t *testing.T, args []string) (Options, error) {
	t.Helper()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var o Options
	o.BindFlags(fs, 2)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o, o.Validate()
}
