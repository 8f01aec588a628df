//go:build !unix

package transfer

import "errors"

func mkfifo(path string) error { return errors.New("no named pipes here") }
