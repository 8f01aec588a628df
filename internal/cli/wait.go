package cli

import (
	"fmt"
	"os"
	"time"
)

// envWait stands in for ferry receive's --wait.
const envWait = "FERRY_WAIT"

// resolveWait sets opts.Wait from FERRY_WAIT when --wait was not given.
func resolveWait(opts *ReceiveOptions, flagSet bool) error {
	if !flagSet {
		env := os.Getenv(envWait)
		if env == "" {
			return nil
		}
		d, err := time.ParseDuration(env)
		if err != nil {
			return usageError{fmt.Errorf("FERRY_WAIT=%q is not a duration: use e.g. 30s, 10m or 2h", env)}
		}
		opts.Wait = d
	}
	if opts.Wait < 0 {
		return usageError{fmt.Errorf("--wait %s is negative: give how long to wait for the sender, e.g. 10m (0 does not wait)", opts.Wait)}
	}
	return nil
}
