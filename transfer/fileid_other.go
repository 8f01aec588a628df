//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris || illumos)

package transfer

import "io/fs"

// statID records what identifies a version of a file: its size and
// modification time (this system offers no change time or inode through
// os.Stat).
func statID(fi fs.FileInfo) fileID {
	return fileID{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}
