// Package buildinfo holds the version stamped into ferry's binaries at build time
// (-ldflags "-X github.com/ferry-dev/ferry/internal/buildinfo.Version=v1.2.3").
package buildinfo

import "runtime/debug"

// Version is set by the linker for release builds.
var Version = ""

// String returns the stamped version, or the module version recorded by
// `go install`, or "dev".
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
