//go:build linux || openbsd || dragonfly || solaris || illumos

package transfer

import "syscall"

func statCtime(st *syscall.Stat_t) int64 { return st.Ctim.Nano() }
