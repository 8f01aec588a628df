//go:build darwin || freebsd || netbsd

package transfer

import "syscall"

func statCtime(st *syscall.Stat_t) int64 { return st.Ctimespec.Nano() }
