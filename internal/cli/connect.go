package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ferry-dev/ferry"
)

// Environment variables that stand in for flags.
const (
	envServer    = "FERRY_SERVER"
	envCode      = "FERRY_CODE"
	envAdvertise = "FERRY_ADVERTISE"
)

// flagOrEnv returns the flag's value, or the environment variable's when the
// flag was not given.
func flagOrEnv(flag, env string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(env)
}

// verifier is ferry's Config.Verify for --verify: the user compares the
// string with the one the other side shows. Without --verify, nil.
func verifier(verify bool, ios *IOStreams, u *ui) func(context.Context, string) error {
	if !verify {
		return nil
	}
	return func(ctx context.Context, s string) error {
		u.verify(s)
		if !ios.StdinTTY {
			return usageError{errors.New("--verify needs a terminal to ask on")}
		}
		fmt.Fprintf(ios.ErrOut, "Verification string: %s\nDoes the other side show the same string? [y/N] ", s)
		ok, err := askYes(ctx, ios, false)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: the verification strings did not match", ferry.ErrWrongCode)
		}
		return nil
	}
}

// askYes reads a yes/no answer from the terminal; an empty answer is def.
func askYes(ctx context.Context, ios *IOStreams, def bool) (bool, error) {
	answer := make(chan string, 1)
	go func() {
		line, _ := ios.readLine()
		answer <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case a := <-answer:
		if a == "" {
			return def, nil
		}
		return a == "y" || a == "yes", nil
	}
}
