package loadgen

import (
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
)

// BenchmarkPairing runs whole pairings against a server in this process:
// two real clients connect, get and use a code, relay three 512-byte
// messages each way, and leave. It reports pairings per second and the p99
// of connect-to-paired across the parallel clients.
//
//	go test -run '^$' -bench Pairing -benchtime 10000x ./internal/loadgen/
func BenchmarkPairing(b *testing.B) {
	target := startServer(b, rendezvous.Config{})
	cl, err := newClients(target)
	if err != nil {
		b.Fatal(err)
	}
	ex := newExchange(3, 512)
	var lat latencies
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			pt, err := pairOnce(b.Context(), cl, time.Now(), ex, nil)
			if err != nil {
				b.Error(err)
				return
			}
			lat.add(pt.paired)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	p := lat.percentiles()
	b.ReportMetric(float64(p.Count)/elapsed.Seconds(), "pairings/s")
	b.ReportMetric(float64(p.P99)/float64(time.Millisecond), "p99-ms")
}
