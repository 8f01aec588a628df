package bench

import "syscall"

// tmpfsWarning says when dir is not on tmpfs: disk speed would then count.
func tmpfsWarning(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return ""
	}
	const tmpfsMagic = 0x01021994
	if st.Type != tmpfsMagic {
		return dir + " is not on tmpfs: the disk's speed is measured too (pass -work /dev/shm/...)"
	}
	return ""
}
