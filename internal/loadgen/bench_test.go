package loadgen

import (
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// BenchmarkPairing runs whole pairings against a server in this process:
// two real clients connect, get and use a code, relay three 512-byte
// messages each way, and leave. It reports pairings per second, the p99 of
// connect-to-paired across the parallel clients, and the CPU time of the
// whole process (server and both clients, kernel included) per pairing.
//
//	go test -run '^$' -bench Pairing -benchtime 10000x ./internal/loadgen/
func BenchmarkPairing(b *testing.B) {
	target := startServer(b, rendezvousserver.Config{})
	cl, err := newClients(target)
	if err != nil {
		b.Fatal(err)
	}
	ex := newExchange(3, 512)
	var lat latencies
	b.SetParallelism(8)
	b.ResetTimer()
	start, cpu0 := time.Now(), ownCPU()
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
	elapsed, cpu := time.Since(start), ownCPU()-cpu0
	b.StopTimer()
	p := lat.percentiles()
	b.ReportMetric(float64(p.Count)/elapsed.Seconds(), "pairings/s")
	b.ReportMetric(float64(p.P99)/float64(time.Millisecond), "p99-ms")
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(p.Count), "cpu-µs/pairing")
}
