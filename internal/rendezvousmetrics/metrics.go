// Package rendezvousmetrics counts a rendezvous server's events in
// Prometheus: it implements rendezvousserver.Metrics, and ferry-rendezvous
// serves its Handler on --metrics-listen (and on --listen with
// --metrics-public). Only that command imports it: the server that ferry send
// embeds counts nothing and links no Prometheus.
//
// The metrics, in the Prometheus text format. All names start with
// ferry_rendezvous_; the Go runtime's go_* and the process's process_*
// metrics (RSS, open file descriptors) come with them.
//
//	ferry_rendezvous_connections_open                 gauge    websocket connections open now
//	ferry_rendezvous_connections_total                counter  websocket connections accepted
//	ferry_rendezvous_slots{state}                     gauge    codes in use: state waiting (a sender, no receiver yet) or paired
//	ferry_rendezvous_pairings_total                   counter  pairings that succeeded: the PAKE ran and the sender went on
//	ferry_rendezvous_pairings_failed_total{reason}    counter  codes that did not lead to a finished pairing, by reason (rendezvousserver.PairingFailReasons)
//	ferry_rendezvous_signaling_messages_total         counter  relay messages passed between the two sides
//	ferry_rendezvous_signaling_bytes_total            counter  bytes of those messages (their sealed bodies)
//	ferry_rendezvous_limit_rejections_total{limit}    counter  clients stopped by a limit, labelled by its flag
//	ferry_rendezvous_version_mismatches_total{client} counter  clients of another protocol version: client older or newer
//	ferry_rendezvous_tcp_connections_open{listener}   gauge    TCP connections open on a listener ("public", "metrics")
//	ferry_rendezvous_tcp_connections_refused_total{listener,reason}  counter  TCP connections refused: per_ip or total
//
// Every label value shows from the start, at zero, so that rates work from
// the first scrape.
package rendezvousmetrics

import (
	"fmt"
	"net/http"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const prefix = "ferry_rendezvous_"

// Metrics is a rendezvous server's counters in a registry of their own.
type Metrics struct {
	registry *prometheus.Registry

	connsOpen       prometheus.Gauge
	connsTotal      prometheus.Counter
	waiting         prometheus.Gauge
	paired          prometheus.Gauge
	pairings        prometheus.Counter
	pairingsFailed  *prometheus.CounterVec
	messages        prometheus.Counter
	bytes           prometheus.Counter
	limitRejections *prometheus.CounterVec
	versionMismatch *prometheus.CounterVec
}

var _ rendezvousserver.Metrics = (*Metrics)(nil)

// New returns the counters at zero, registered with the Go runtime's and the
// process's collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		connsOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: prefix + "connections_open",
			Help: "Websocket connections open now.",
		}),
		connsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "connections_total",
			Help: "Websocket connections accepted since the server started.",
		}),
		pairings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "pairings_total",
			Help: "Pairings that succeeded: the receiver knew the code's words (the sender went on after the PAKE's key confirmation).",
		}),
		pairingsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: prefix + "pairings_failed_total",
			Help: "Codes that did not lead to a successful pairing, by reason: no_such_slot, slot_used, abandoned (the sender left first), left_before_pake (paired, then one side left before the receiver's key share), wrong_code (the PAKE failed: a wrong code or a guess), failed_joins_per_ip (a join refused: its address ended too many waits), shutting_down, or the limit that ended them.",
		}, []string{"reason"}),
		messages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "signaling_messages_total",
			Help: "Signaling (relay) messages passed from one side of a pair to the other.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "signaling_bytes_total",
			Help: "Bytes of the sealed bodies of those signaling messages.",
		}),
		limitRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: prefix + "limit_rejections_total",
			Help: "Clients stopped by a server limit, labelled by the limit's flag (dashes as underscores).",
		}, []string{"limit"}),
		versionMismatch: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: prefix + "version_mismatches_total",
			Help: "Clients turned away because they speak another protocol version: client older or newer than the server.",
		}, []string{"client"}),
	}
	slots := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: prefix + "slots",
		Help: "Codes in use now: waiting (a sender, no receiver yet) or paired.",
	}, []string{"state"})
	m.waiting = slots.WithLabelValues("waiting")
	m.paired = slots.WithLabelValues("paired")
	for _, r := range rendezvousserver.PairingFailReasons() {
		m.pairingsFailed.WithLabelValues(r)
	}
	for _, l := range rendezvousserver.LimitNames() {
		m.limitRejections.WithLabelValues(l)
	}
	m.versionMismatch.WithLabelValues(rendezvousserver.ClientOlder)
	m.versionMismatch.WithLabelValues(rendezvousserver.ClientNewer)
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.connsOpen, m.connsTotal, slots, m.pairings, m.pairingsFailed,
		m.messages, m.bytes, m.limitRejections, m.versionMismatch,
	)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Register adds collectors to what Handler serves, e.g. the embedded TURN
// relay's allocations and relayed bytes.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.registry.Register(c); err != nil {
			return fmt.Errorf("rendezvous metrics: register: %w", err)
		}
	}
	return nil
}

// ConnOpened implements rendezvousserver.Metrics.
func (m *Metrics) ConnOpened() {
	m.connsOpen.Inc()
	m.connsTotal.Inc()
}

// ConnClosed implements rendezvousserver.Metrics.
func (m *Metrics) ConnClosed() { m.connsOpen.Dec() }

// SlotWaiting implements rendezvousserver.Metrics.
func (m *Metrics) SlotWaiting() { m.waiting.Inc() }

// SlotPaired implements rendezvousserver.Metrics.
func (m *Metrics) SlotPaired() {
	m.waiting.Dec()
	m.paired.Inc()
}

// SlotFreed implements rendezvousserver.Metrics.
func (m *Metrics) SlotFreed(paired bool) {
	if paired {
		m.paired.Dec()
	} else {
		m.waiting.Dec()
	}
}

// PairingSucceeded implements rendezvousserver.Metrics.
func (m *Metrics) PairingSucceeded() { m.pairings.Inc() }

// PairingFailed implements rendezvousserver.Metrics.
func (m *Metrics) PairingFailed(reason string) { m.pairingsFailed.WithLabelValues(reason).Inc() }

// Relayed implements rendezvousserver.Metrics.
func (m *Metrics) Relayed(bytes int) {
	m.messages.Inc()
	m.bytes.Add(float64(bytes))
}

// LimitHit implements rendezvousserver.Metrics.
func (m *Metrics) LimitHit(limit string) { m.limitRejections.WithLabelValues(limit).Inc() }

// VersionMismatch implements rendezvousserver.Metrics.
func (m *Metrics) VersionMismatch(client string) { m.versionMismatch.WithLabelValues(client).Inc() }

// Listener implements rendezvousserver.Metrics: the listener's gauge and
// counter, labelled listener=name. A name already in use is an error.
func (m *Metrics) Listener(name string) (rendezvousserver.ListenerMetrics, error) {
	labels := prometheus.Labels{"listener": name}
	l := &listenerMetrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        prefix + "tcp_connections_open",
			Help:        "TCP connections open now on a listener (plain HTTP, websockets, TLS handshakes), as admitted by --tcp-conns-per-ip and --max-tcp-conns.",
			ConstLabels: labels,
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        prefix + "tcp_connections_refused_total",
			Help:        "TCP connections closed at once on accept: per_ip (over --tcp-conns-per-ip) or total (over --max-tcp-conns).",
			ConstLabels: labels,
		}, []string{"reason"}),
	}
	for _, r := range []string{rendezvousserver.RefusedPerIP, rendezvousserver.RefusedTotal} {
		l.refused.WithLabelValues(r)
	}
	if err := m.Register(l.open, l.refused); err != nil {
		return nil, err
	}
	return l, nil
}

type listenerMetrics struct {
	open    prometheus.Gauge
	refused *prometheus.CounterVec
}

func (l *listenerMetrics) ConnOpened()               { l.open.Inc() }
func (l *listenerMetrics) ConnClosed()               { l.open.Dec() }
func (l *listenerMetrics) ConnRefused(reason string) { l.refused.WithLabelValues(reason).Inc() }

// Public returns h serving GET /metrics from m too, for the public listener
// (--metrics-public): the path is answered before h sees it.
func (m *Metrics) Public(h http.Handler) http.Handler {
	metrics := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			metrics.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
