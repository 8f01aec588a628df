package peer

import (
	"fmt"
	"syscall"
)

// socketBuffers reads back the buffer sizes the kernel granted. Linux reports
// twice the usable size (it counts its bookkeeping), so halve it.
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
	return read / 2, write / 2, err
}

func raiseLimitHint(size int) string {
	return fmt.Sprintf("to raise the limit, run: sudo sysctl -w net.core.rmem_max=%d net.core.wmem_max=%d", size, size)
}
