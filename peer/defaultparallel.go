package peer

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// How many connections a Link makes by default (DefaultParallel): one for
// every two cores, so that each connection's send and receive loops have a
// core; at most defaultMaxParallel; and no more than fit in memory.
//
// Memory, measured with ferry-bench on this project's 2-core machines
// (peak RSS of each side, connections sharing their buffers as
// Config.shared does): one connection 40 MiB, each more about 5 MiB (2:
// 45, 4: 55, 8: 75 MiB). The default keeps a side within parallelBudget
// (64 MiB) and within an eighth of the memory the OS says is available, so
// that a small machine (a Raspberry Pi, a container with a low limit) runs
// one connection.
const (
	defaultMaxParallel = 4
	parallelBudget     = 64 << 20 // peak RSS a side may reach by default
	firstConnRSS       = 40 << 20
	moreConnRSS        = 6 << 20 // each connection after the first, rounded up
)

// DefaultParallel is the number of connections ferry asks for (and accepts)
// when Config.Parallel is 0.
func DefaultParallel() int {
	return defaultParallel(runtime.NumCPU(), availableMemory())
}

// defaultParallel picks for cpus cores and avail bytes of available memory
// (0: unknown).
func defaultParallel(cpus int, avail int64) int {
	budget := int64(parallelBudget)
	if avail > 0 {
		budget = min(budget, avail/8)
	}
	fit := 1 + max(0, (budget-firstConnRSS)/moreConnRSS)
	return int(max(1, min(int64(cpus/2), int64(defaultMaxParallel), fit)))
}

// availableMemory is MemAvailable from /proc/meminfo (Linux), and within what
// the process's cgroup limits leave when it runs under one; 0 where unknown.
func availableMemory() int64 {
	avail := meminfoAvailable("/proc/meminfo")
	if limit := cgroupRoom("/proc/self/cgroup", "/sys/fs/cgroup"); limit > 0 && (avail == 0 || limit < avail) {
		avail = limit
	}
	return avail
}

func meminfoAvailable(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kib, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kib << 10
		}
	}
	return 0
}
