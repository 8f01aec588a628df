// Package testbin builds ferry's commands for tests that run the real
// binaries (end-to-end tests, signal handling, the load tool).
package testbin

import (
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"testing"
)

// Module is the import path of ferry's module; Rendezvous and Ferry are its
// two commands.
const (
	Module     = "github.com/ferry-dev/ferry"
	Ferry      = Module + "/cmd/ferry"
	Rendezvous = Module + "/cmd/ferry-rendezvous"
)

// Build builds the command pkg (an import path) into dir, as the base name
// of pkg, and returns the binary's path.
func Build(dir, pkg string) (string, error) {
	out := filepath.Join(dir, path.Base(pkg))
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

// ForTest builds pkg into t's temporary directory. Under -short the test is
// skipped: building takes seconds.
func ForTest(t testing.TB, pkg string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("builds %s", path.Base(pkg))
	}
	bin, err := Build(t.TempDir(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
