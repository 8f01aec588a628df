//go:build !unix

package transfer

import "io/fs"

// linkCount is not known here (Windows: the file's link count needs a handle);
// the temporary file's type is still checked, and a new one is created
// exclusively.
func linkCount(fs.FileInfo) (uint64, bool) { return 0, false }

// fileOwner is not known here.
func fileOwner(fs.FileInfo) (int, bool) { return 0, false }
