package transfer

import (
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"unicode/utf8"
)

// ValidateName checks one manifest path: relative, slash-separated, and safe to
// create on Linux, macOS and Windows and to print on a terminal. It refuses
// empty names, absolute paths, drive letters, backslashes, "." and ".."
// components, empty components, NUL and other control characters (terminal
// escapes included), bidirectional-text controls, invalid UTF-8, Windows device
// names (CON, NUL, COM1, ...), components ending in a dot or a space or in the
// reserved suffix of temporary files (".ferry-part", in any case), and names
// longer than MaxPathLen bytes or with a component over MaxNameLen bytes.
// The error wraps ErrUnsafeName and shows the name escaped.
func ValidateName(name string) error {
	if reason := unsafeReason(name); reason != "" {
		return fmt.Errorf("%w %s: %s", ErrUnsafeName, quoteName(name), reason)
	}
	return nil
}

func unsafeReason(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case len(name) > MaxPathLen:
		return fmt.Sprintf("it is longer than %d bytes", MaxPathLen)
	case !utf8.ValidString(name):
		return "it is not valid UTF-8"
	}
	for _, r := range name {
		switch {
		case r == 0:
			return "it contains a NUL byte"
		case r == '\\':
			return "it contains a backslash"
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return fmt.Sprintf("it contains the control character U+%04X", r)
		case isBidiControl(r):
			return fmt.Sprintf("it contains the bidirectional-text control U+%04X", r)
		case r == 0x2028 || r == 0x2029:
			return fmt.Sprintf("it contains the line separator U+%04X", r)
		}
	}
	if name[0] == '/' {
		return "it is an absolute path"
	}
	if len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]) {
		return "it starts with a drive letter"
	}
	for comp := range strings.SplitSeq(name, "/") {
		switch {
		case comp == "":
			return "it has an empty component (a leading, doubled or trailing slash)"
		case comp == "." || comp == "..":
			return fmt.Sprintf("it has a %q component", comp)
		case len(comp) > MaxNameLen:
			return fmt.Sprintf("it has a component longer than %d bytes", MaxNameLen)
		case isWindowsDevice(comp):
			return fmt.Sprintf("%q is a reserved device name on Windows", comp)
		case strings.HasSuffix(comp, ".") || strings.HasSuffix(comp, " "):
			return "it has a component ending in a dot or a space, which Windows would silently change"
		case isReserved(comp):
			return fmt.Sprintf("it has a component ending in %q (in any case), which ferry reserves for the files it is receiving; rename it", partSuffix)
		}
	}
	return ""
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isBidiControl reports the characters that reorder displayed text: the
// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the
// marks U+200E, U+200F and U+061C.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200e || r == 0x200f || r == 0x061c
}

// isWindowsDevice reports names that Windows maps to devices whatever their
// extension or trailing spaces: CON, PRN, AUX, NUL, COM0-9, LPT0-9 (superscript
// digits too), CONIN$, CONOUT$.
func isWindowsDevice(comp string) bool {
	base, _, _ := strings.Cut(comp, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if rest, ok := strings.CutPrefix(base, "COM"); ok {
		return isDeviceDigit(rest)
	}
	if rest, ok := strings.CutPrefix(base, "LPT"); ok {
		return isDeviceDigit(rest)
	}
	return false
}

func isDeviceDigit(s string) bool {
	switch s {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}

// foldName is the key under which two names collide on a case-insensitive file
// system.
func foldName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(strings.ToUpper(name))
		}
	}
	return name // folds to itself: no copy for a map key per entry
}

// checkEntries validates a whole manifest: every name, no duplicates (also
// after case folding), and no entry inside another that is not a directory.
// On Windows it also refuses colons anywhere in a name.
func checkEntries(entries []Entry) error {
	seen := make(map[string]int, len(entries))
	for i, e := range entries {
		if err := ValidateName(e.Path); err != nil {
			return err
		}
		if runtime.GOOS == "windows" && strings.ContainsRune(e.Path, ':') {
			// "name:stream" would write into an alternate data stream of "name".
			return fmt.Errorf("%w %s: it contains a colon, which Windows reads as a data stream", ErrUnsafeName, quoteName(e.Path))
		}
		key := foldName(e.Path)
		if j, dup := seen[key]; dup {
			if entries[j].Path == e.Path {
				return fmt.Errorf("%w %s: it is listed twice", ErrUnsafeName, quoteName(e.Path))
			}
			return fmt.Errorf("%w %s: it is the same as %s on case-insensitive file systems",
				ErrUnsafeName, quoteName(e.Path), quoteName(entries[j].Path))
		}
		seen[key] = i
	}
	for _, e := range entries {
		key := foldName(e.Path)
		for i := strings.LastIndexByte(key, '/'); i > 0; i = strings.LastIndexByte(key[:i], '/') {
			if j, ok := seen[key[:i]]; ok && entries[j].Mode&fs.ModeDir == 0 {
				return fmt.Errorf("%w %s: it would be inside %s, which is a file",
					ErrUnsafeName, quoteName(e.Path), quoteName(entries[j].Path))
			}
		}
	}
	return nil
}
