package devenv

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// Build compiles the four controller binaries from the checkout at repoRoot into binDir, as
// `make build` does. Tests call it once per test binary so they run what they just changed.
func Build(repoRoot, binDir string) error {
	for _, name := range controllerNames {
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, name), ".")
		cmd.Dir = filepath.Join(repoRoot, name)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %w\n%s", name, err, out)
		}
	}
	return nil
}
