package servercmd

import (
	"strings"

	"github.com/spf13/pflag"
)

// EnvPrefix starts the environment variable of every flag:
// --max-slots is also FERRY_RENDEZVOUS_MAX_SLOTS.
const EnvPrefix = "FERRY_RENDEZVOUS_"

// EnvName is the environment variable that stands for flag name.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// noEnv are the flags without an environment variable.
var noEnv = map[string]bool{"help": true, "version": true}

// applyEnv sets every flag of fs that is not on the command line from its
// environment variable, if that is set: a flag given on the command line
// wins. A repeatable flag takes a comma-separated list. It covers flags
// added later (TURN's) without a list to keep up to date.
func applyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || noEnv[f.Name] {
			return
		}
		name := EnvName(f.Name)
		v, ok := lookup(name)
		if !ok {
			return
		}
		if sv, isSlice := f.Value.(pflag.SliceValue); isSlice {
			var items []string
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
			err = sv.Replace(items)
		} else {
			err = f.Value.Set(strings.TrimSpace(v))
		}
		if err != nil {
			err = usagef("%s=%q (for --%s): %v", name, v, f.Name, err)
			return
		}
		f.Changed = true // validation treats it as given
	})
	return err
}
