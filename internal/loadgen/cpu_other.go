//go:build !unix

package loadgen

import "time"

func ownCPU() time.Duration { return 0 }
