package tune

import (
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// EnvHeapProfile names a file to which ferry writes a heap profile each time
// its heap reaches a new peak (10% over the last one written), so that the
// file holds the allocations live near the peak: go tool pprof
// -sample_index=inuse_space FILE. Like EnvCPUProfile it is for measuring
// ferry (scripts/manyfiles.sh), not a user feature, and is not in --help.
// Apply reads it; without it no allocation is sampled.
const EnvHeapProfile = "FERRY_HEAPPROFILE"

// heapProfileEvery is how often the heap is looked at for a new peak.
const heapProfileEvery = 50 * time.Millisecond

// profilePeaks writes the heap profile to path at each new peak, until the
// process exits.
func profilePeaks(path string) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var written uint64
	for range time.Tick(heapProfileEvery) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if v := sample[0].Value.Uint64(); v > written+written/10 {
			written = v
			if err := writeHeapProfile(path); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v (no more heap profiles)\n", EnvHeapProfile, err)
				return
			}
		}
	}
}

func writeHeapProfile(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
