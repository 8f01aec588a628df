package servercmd

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-dev/ferry/relay"
)

// relayCollector exposes the embedded TURN relay's counters (relay.Stats)
// on /metrics, read at each scrape.
type relayCollector struct{ srv *relay.Server }

var relayDescs = struct {
	allocs, allocsTotal, relayed, dropped, authFailures, quotaRefusals *prometheus.Desc
}{
	allocs:        prometheus.NewDesc("ferry_rendezvous_turn_allocations_open", "Relay allocations of the embedded TURN server open now.", nil, nil),
	allocsTotal:   prometheus.NewDesc("ferry_rendezvous_turn_allocations_total", "Relay allocations made since the server started.", nil, nil),
	relayed:       prometheus.NewDesc("ferry_rendezvous_turn_relayed_bytes_total", "Payload bytes relayed by the embedded TURN server, both directions.", nil, nil),
	dropped:       prometheus.NewDesc("ferry_rendezvous_turn_dropped_packets_total", "Packets dropped over the relay's --turn-bandwidth limit.", nil, nil),
	authFailures:  prometheus.NewDesc("ferry_rendezvous_turn_auth_failures_total", "TURN requests refused for their credentials.", nil, nil),
	quotaRefusals: prometheus.NewDesc("ferry_rendezvous_turn_quota_refusals_total", "Allocations refused by --turn-max-allocations or --turn-max-allocations-per-user.", nil, nil),
}

func (relayCollector) Describe(ch chan<- *prometheus.Desc) {
	d := relayDescs
	for _, x := range []*prometheus.Desc{d.allocs, d.allocsTotal, d.relayed, d.dropped, d.authFailures, d.quotaRefusals} {
		ch <- x
	}
}

func (c relayCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.srv.Stats()
	d := relayDescs
	ch <- prometheus.MustNewConstMetric(d.allocs, prometheus.GaugeValue, float64(st.Allocations))
	ch <- prometheus.MustNewConstMetric(d.allocsTotal, prometheus.CounterValue, float64(st.AllocationsTotal))
	ch <- prometheus.MustNewConstMetric(d.relayed, prometheus.CounterValue, float64(st.RelayedBytes))
	ch <- prometheus.MustNewConstMetric(d.dropped, prometheus.CounterValue, float64(st.DroppedPackets))
	ch <- prometheus.MustNewConstMetric(d.authFailures, prometheus.CounterValue, float64(st.AuthFailures))
	ch <- prometheus.MustNewConstMetric(d.quotaRefusals, prometheus.CounterValue, float64(st.QuotaRefusals))
}
