package servercmd

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-dev/ferry/relay"
)

// relayCollector exposes the embedded TURN relay's counters (relay.Stats)
// on /metrics, read at each scrape.
type relayCollector struct{ srv *relay.Server }

var relayDescs = struct {
	allocs, allocsTotal, relayed, dropped, authFailures, quotaRefusals, refusals, ended *prometheus.Desc
}{
	allocs:        prometheus.NewDesc("ferry_rendezvous_turn_allocations_open", "Relay allocations of the embedded TURN server open now.", nil, nil),
	allocsTotal:   prometheus.NewDesc("ferry_rendezvous_turn_allocations_total", "Relay allocations made since the server started.", nil, nil),
	relayed:       prometheus.NewDesc("ferry_rendezvous_turn_relayed_bytes_total", "Payload bytes relayed by the embedded TURN server, both directions.", nil, nil),
	dropped:       prometheus.NewDesc("ferry_rendezvous_turn_dropped_packets_total", "Packets dropped over the relay's --turn-bandwidth or --turn-bandwidth-per-client limit.", nil, nil),
	authFailures:  prometheus.NewDesc("ferry_rendezvous_turn_auth_failures_total", "TURN requests refused for their credentials.", nil, nil),
	quotaRefusals: prometheus.NewDesc("ferry_rendezvous_turn_quota_refusals_total", "Allocations refused by --turn-max-allocations, --turn-max-allocations-per-user or --turn-max-allocations-per-client.", nil, nil),
	refusals: prometheus.NewDesc("ferry_rendezvous_turn_refusals_total",
		"Requests and packets the relay refused, by reason: credentials, user_quota, client_quota, total_quota, ports (--turn-ports exhausted), peer_denied (a permission to a refused address), own_port (a packet to the relay's own port).",
		[]string{"reason"}, nil),
	ended: prometheus.NewDesc("ferry_rendezvous_turn_allocations_ended_total",
		"Allocations the relay ended itself, by reason: idle (--turn-idle-timeout), lifetime (--turn-max-lifetime).", []string{"reason"}, nil),
}

func (relayCollector) Describe(ch chan<- *prometheus.Desc) {
	d := relayDescs
	for _, x := range []*prometheus.Desc{d.allocs, d.allocsTotal, d.relayed, d.dropped, d.authFailures, d.quotaRefusals, d.refusals, d.ended} {
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
	for _, r := range relay.Reasons {
		ch <- prometheus.MustNewConstMetric(d.refusals, prometheus.CounterValue, float64(st.Refusals[r]), string(r))
	}
	for _, r := range []string{relay.EndIdle, relay.EndLifetime} {
		ch <- prometheus.MustNewConstMetric(d.ended, prometheus.CounterValue, float64(st.Ended[r]), r)
	}
}
