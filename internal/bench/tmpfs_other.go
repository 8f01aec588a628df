//go:build !linux

package bench

// tmpfsWarning cannot tell the file system here; the benchmark is meant for Linux.
func tmpfsWarning(dir string) string { return "" }
