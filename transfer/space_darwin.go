package transfer

import "syscall"

// diskSpace returns the bytes available to this user on dir's file system and
// its block size.
func diskSpace(dir string) (free, block int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	block = int64(st.Bsize)
	return int64(st.Bavail) * block, block, nil
}
