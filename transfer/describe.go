package transfer

import (
	"io/fs"
	"strconv"
)

// fileTypeName says in words what a file that is neither a regular file nor a
// directory is ("a character device"), for messages; Go's mode string
// ("Dc---------") means nothing to most users.
func fileTypeName(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "a socket"
	default:
		return "a special file (" + t.String() + ")"
	}
}

// notSendable explains why path, of mode m, cannot be sent and what can.
func notSendable(path string, m fs.FileMode) string {
	s := strconv.Quote(path) + " is " + fileTypeName(m) + ", not a regular file or directory: ferry sends regular files, directories, or - for standard input"
	if m.Type()&(fs.ModeCharDevice|fs.ModeNamedPipe) != 0 {
		s += "; to send what it produces, redirect it: ferry send --name NAME - < " + path
	}
	return s
}

// sizeAgainstLimit formats n and the limit it passed for a message: in binary
// units, or in exact bytes when both round to the same figure ("1,048,577 B;
// the limit is 1,048,576 B (1.0 MiB)", never "1.0 MiB; the limit is 1.0 MiB").
func sizeAgainstLimit(n, limit int64) string {
	if HumanBytes(n) != HumanBytes(limit) {
		return HumanBytes(n) + "; the limit is " + HumanBytes(limit)
	}
	return groupDigits(n) + " B; the limit is " + groupDigits(limit) + " B (" + HumanBytes(limit) + ")"
}

// groupDigits writes n with a comma every three digits: 1,048,576.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
