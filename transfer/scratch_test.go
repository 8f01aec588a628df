package transfer

import (
	"fmt"
	"testing"
	"time"
)

func TestScratchManyFiles(t *testing.T) {
	src := &memSource{}
	for i := range 20000 {
		src.add(fmt.Sprintf("d%d/f%d.txt", i%100, i), []byte("x"))
	}
	start := time.Now()
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: t.TempDir()})
	t.Log(time.Since(start), sent.err, got.err, sent.res, got.res)
}
