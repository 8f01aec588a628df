//go:build !unix

package transfer

import "io/fs"

// readUmask: there is no umask here (Windows); modes are applied as sent,
// which on Windows means only the read-only attribute.
func readUmask() fs.FileMode { return 0 }
