package testenv

import "k8s.io/apimachinery/pkg/runtime"

// NewScheme returns a scheme holding the types of every adds function (typically the
// AddToScheme of client-go and of the API groups a suite uses), for Options.Scheme.
//
// It panics on error rather than returning it: it is called from TestMain before any test runs,
// and a registration error there is a programming mistake that no test could report better.
func NewScheme(adds ...func(*runtime.Scheme) error) *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range adds {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}
