//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris || illumos

package transfer

import (
	"io/fs"
	"syscall"
)

// statID records what identifies a version of a file: its size and
// modification time everywhere, and here its change time (which a write, a
// truncate, a chmod or a rename over it all move, and which no one can set
// back) and its inode and device (a file replaced by another).
func statID(fi fs.FileInfo) fileID {
	id := fileID{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.ctime = statCtime(st)
		id.node = nodeOf(uint64(st.Ino), uint64(st.Dev))
	}
	return id
}
