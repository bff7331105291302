package setup

import (
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestBindFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Options
	}{
		{name: "Flux defaults", want: Options{EventsAddr: ":9090", ReceiverAddr: ":9292", RateLimitInterval: 5 * time.Minute}},
		{
			name: "overrides",
			args: []string{"--events-addr=:19090", "--receiver-addr=:19292", "--rate-limit-interval=30s", "--no-cross-namespace-refs"},
			want: Options{EventsAddr: ":19090", ReceiverAddr: ":19292", RateLimitInterval: 30 * time.Second, NoCrossNamespaceRefs: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o Options
			fs := pflag.NewFlagSet("notification-controller", pflag.ContinueOnError)
			o.BindFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if o != tt.want {
				t.Errorf("got %+v, want %+v", o, tt.want)
			}
		})
	}
}
