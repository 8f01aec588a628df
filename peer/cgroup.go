package peer

import (
	"bufio"
	"os"
	"path"
	"strconv"
	"strings"
)

// cgroupRoom is what the memory limits of the process's cgroup and of its
// ancestors leave (the least of limit less usage); 0 when none is set or none
// can be read. procCgroup is /proc/self/cgroup, fsRoot where cgroupfs is
// mounted (/sys/fs/cgroup). It reads cgroup v2 (memory.max) and v1
// (memory/memory.limit_in_bytes, as on hybrid hosts and older container
// runtimes). A cgroup path that is not visible under fsRoot (a container
// that sees only its own cgroup, mounted as the root) is read from the
// nearest level that is, down to the mount's root.
func cgroupRoom(procCgroup, fsRoot string) int64 {
	f, err := os.Open(procCgroup)
	if err != nil {
		return 0
	}
	defer f.Close()
	var room int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// hierarchy-ID:controllers:path, e.g. "0::/user.slice" (v2) or
		// "4:memory:/docker/abc" (v1).
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			room = leastRoom(room, cgroupLevels(fsRoot, parts[2], "memory.max", "memory.current"))
		case hasController(parts[1], "memory"):
			room = leastRoom(room, cgroupLevels(path.Join(fsRoot, "memory"), parts[2], "memory.limit_in_bytes", "memory.usage_in_bytes"))
		}
	}
	return room
}

// cgroupLevels is the least room (limit less usage) over the levels of
// cgroup under mount that exist, from the cgroup itself up to the mount's
// root; 0 when no level sets a limit.
func cgroupLevels(mount, cgroup, limitFile, usageFile string) int64 {
	var room int64
	for dir := path.Clean("/" + cgroup); ; dir = path.Dir(dir) {
		if limit := readCgroupValue(path.Join(mount, dir, limitFile)); limit > 0 {
			room = leastRoom(room, max(1, limit-readCgroupValue(path.Join(mount, dir, usageFile))))
		}
		if dir == "/" {
			return room
		}
	}
}

// noLimitV1 is about what cgroup v1 reports for "no limit"
// (9223372036854771712, the largest page-aligned int64); any value this large
// means none.
const noLimitV1 = 1 << 62

// readCgroupValue reads a number of bytes from a cgroup file; 0 when the file
// is missing, says "max", or holds v1's no-limit value.
func readCgroupValue(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v >= noLimitV1 {
		return 0
	}
	return v
}

// leastRoom is the lesser of two rooms, 0 standing for none known.
func leastRoom(a, b int64) int64 {
	if a == 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}
