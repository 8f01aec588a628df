//go:build unix

package peer

import (
	"fmt"
	"runtime"
	"syscall"
)

// socketBuffers reads back the buffer sizes the kernel granted. Linux reports
// twice the usable size (it counts its bookkeeping), so it is halved there.
func socketBuffers(sc syscall.Conn) (read, write int, err error) {
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var opErr error
	err = raw.Control(func(fd uintptr) {
		read, opErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		if opErr == nil {
			write, opErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
		}
	})
	if err == nil {
		err = opErr
	}
	if runtime.GOOS == "linux" {
		read, write = read/2, write/2
	}
	return read, write, err
}

// raiseLimitHint says how to let sockets have size bytes of buffer.
func raiseLimitHint(size int) string {
	if runtime.GOOS == "linux" {
		return fmt.Sprintf("to raise the limit, run: sudo sysctl -w net.core.rmem_max=%d net.core.wmem_max=%d", size, size)
	}
	return fmt.Sprintf("to raise the limit, run: sudo sysctl -w kern.ipc.maxsockbuf=%d", 2*size)
}
