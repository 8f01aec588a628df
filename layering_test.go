package ferry_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the arrows pointing one way (see docs/development.md):
// the engines never reach the command line, the transfer protocol and the
// wire package know nothing of pion, and the ferry command links no
// Prometheus (only ferry-rendezvous serves metrics).
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed to list the packages' dependencies")
	}
	cli := []string{"github.com/ferry-dev/ferry/internal/cli", "github.com/spf13/cobra", "github.com/spf13/pflag", "github.com/schollz/progressbar"}
	for _, rule := range []struct {
		pkg    string
		banned []string
	}{
		{"github.com/ferry-dev/ferry", append(cli, "github.com/prometheus/")},
		{"github.com/ferry-dev/ferry/transfer", append(cli, "github.com/pion/")},
		{"github.com/ferry-dev/ferry/peer", cli},
		{"github.com/ferry-dev/ferry/rendezvous", append(cli, "github.com/pion/", "github.com/prometheus/")},
		{"github.com/ferry-dev/ferry/rendezvous/rendezvousclient", append(cli, "github.com/pion/", "github.com/prometheus/")},
		{"github.com/ferry-dev/ferry/rendezvous/rendezvousserver", append(cli, "github.com/prometheus/")},
		{"github.com/ferry-dev/ferry/relay", append(cli, "github.com/prometheus/")},
		// The QR reader of the tests stays out of the binaries.
		{"github.com/ferry-dev/ferry/cmd/ferry", []string{"github.com/prometheus/", "github.com/makiuchi-d/gozxing", "github.com/ferry-dev/ferry/internal/qrscan"}},
		{"github.com/ferry-dev/ferry/cmd/ferry-rendezvous", []string{"github.com/makiuchi-d/gozxing", "github.com/ferry-dev/ferry/internal/qrscan"}},
	} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", rule.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", rule.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range rule.banned {
				if dep == b || strings.HasPrefix(dep, b) && (strings.HasSuffix(b, "/") || strings.HasPrefix(dep, b+"/")) {
					t.Errorf("%s depends on %s", rule.pkg, dep)
				}
			}
		}
	}
}
