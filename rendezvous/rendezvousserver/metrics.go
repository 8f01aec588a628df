package rendezvousserver

import (
	"fmt"
	"net/http"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The server's metrics, in the Prometheus text format on GET /metrics (or
// wherever MetricsHandler is mounted). All names start with metricsPrefix;
// the Go runtime's go_* and the process's process_* metrics (RSS, open file
// descriptors) come with them.
//
//	ferry_rendezvous_connections_open                 gauge    websocket connections open now
//	ferry_rendezvous_connections_total                counter  websocket connections accepted
//	ferry_rendezvous_slots{state}                     gauge    codes in use: state waiting (a sender, no receiver yet) or paired
//	ferry_rendezvous_pairings_total                   counter  pairings that succeeded: the PAKE ran and the sender went on (slots.go, successMessages)
//	ferry_rendezvous_pairings_failed_total{reason}    counter  codes that did not lead to a finished pairing, by reason (pairingFailReasons)
//	ferry_rendezvous_signaling_messages_total         counter  relay messages passed between the two sides
//	ferry_rendezvous_signaling_bytes_total            counter  bytes of those messages (their sealed bodies)
//	ferry_rendezvous_limit_rejections_total{limit}    counter  clients stopped by a limit, labelled by its flag
//	ferry_rendezvous_version_mismatches_total{client} counter  clients of another protocol version: client older or newer

const metricsPrefix = "ferry_rendezvous_"

// Reasons of ferry_rendezvous_pairings_failed_total. A pair that succeeded
// and then hit handshake-timeout or max-messages-per-slot is also in
// pairings_total; the other reasons are codes that never succeeded.
var pairingFailReasons = []string{
	failNoSuchSlot, failSlotUsed, failAbandoned, failLeftBeforePAKE, failWrongCode,
	limitNames[rendezvous.CodeLimitFailedJoins], limitNames[rendezvous.CodeLimitSlotLifetime],
	limitNames[rendezvous.CodeLimitHandshake], limitNames[rendezvous.CodeLimitMessages], limitNames[rendezvous.CodeLimitBytes], failShuttingDown,
}

const (
	failNoSuchSlot     = "no_such_slot"     // a receiver's code matched no waiting sender
	failSlotUsed       = "slot_used"        // a receiver came to a code someone else already used
	failAbandoned      = "abandoned"        // the sender left before a receiver came
	failLeftBeforePAKE = "left_before_pake" // paired, and one side left before the receiver sent its key share (a joiner that leaves at once, or sends garbage)
	failWrongCode      = "wrong_code"       // paired, the PAKE ran (the receiver sent its share) and the sender never went on: a wrong code, or a guess
	failShuttingDown   = "shutting_down"    // the server stopped first
)

// limitNames are the limit labels: the limits' flags without dashes.
var limitNames = map[string]string{
	rendezvous.CodeTooLarge:          "max_message_size",
	rendezvous.CodeLimitMessages:     "max_messages_per_slot",
	rendezvous.CodeLimitSlotLifetime: "slot_lifetime",
	rendezvous.CodeLimitHandshake:    "handshake_timeout",
	rendezvous.CodeLimitSlots:        "max_slots",
	rendezvous.CodeLimitSlotsPerIP:   "slots_per_ip",
	rendezvous.CodeLimitJoinsPerIP:   "joins_per_ip",
	rendezvous.CodeLimitIdle:         "idle_timeout",
	rendezvous.CodeLimitFailedJoins:  "failed_joins_per_ip",
	rendezvous.CodeLimitWaitingPerIP: "waiting_per_ip",
	rendezvous.CodeLimitConnsPerIP:   "conns_per_ip",
	rendezvous.CodeLimitBytes:        "max_bytes_per_slot",
}

// metrics are the server's counters; the server updates them as things
// happen (never by scanning its state at scrape time).
type metrics struct {
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

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		connsOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricsPrefix + "connections_open",
			Help: "Websocket connections open now.",
		}),
		connsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricsPrefix + "connections_total",
			Help: "Websocket connections accepted since the server started.",
		}),
		pairings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricsPrefix + "pairings_total",
			Help: "Pairings that succeeded: the receiver knew the code's words (the sender went on after the PAKE's key confirmation).",
		}),
		pairingsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricsPrefix + "pairings_failed_total",
			Help: "Codes that did not lead to a successful pairing, by reason: no_such_slot, slot_used, abandoned (the sender left first), left_before_pake (paired, then one side left before the receiver's key share), wrong_code (the PAKE failed: a wrong code or a guess), failed_joins_per_ip (a join refused: its address ended too many waits), shutting_down, or the limit that ended them.",
		}, []string{"reason"}),
		messages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricsPrefix + "signaling_messages_total",
			Help: "Signaling (relay) messages passed from one side of a pair to the other.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricsPrefix + "signaling_bytes_total",
			Help: "Bytes of the sealed bodies of those signaling messages.",
		}),
		limitRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricsPrefix + "limit_rejections_total",
			Help: "Clients stopped by a server limit, labelled by the limit's flag (dashes as underscores).",
		}, []string{"limit"}),
		versionMismatch: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricsPrefix + "version_mismatches_total",
			Help: "Clients turned away because they speak another protocol version: client older or newer than the server.",
		}, []string{"client"}),
	}
	slots := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricsPrefix + "slots",
		Help: "Codes in use now: waiting (a sender, no receiver yet) or paired.",
	}, []string{"state"})
	m.waiting = slots.WithLabelValues("waiting")
	m.paired = slots.WithLabelValues("paired")
	// Every label value shows from the start, so that rates work from zero.
	for _, r := range pairingFailReasons {
		m.pairingsFailed.WithLabelValues(r)
	}
	for _, l := range limitNames {
		m.limitRejections.WithLabelValues(l)
	}
	m.versionMismatch.WithLabelValues("older")
	m.versionMismatch.WithLabelValues("newer")
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.connsOpen, m.connsTotal, slots, m.pairings, m.pairingsFailed,
		m.messages, m.bytes, m.limitRejections, m.versionMismatch,
	)
	return m
}

// limitHit counts a client stopped by the limit with error code code.
func (m *metrics) limitHit(code string) {
	if name, ok := limitNames[code]; ok {
		m.limitRejections.WithLabelValues(name).Inc()
	}
}

// hitLimit counts a client stopped by the limit with error code code and
// returns the error that tells it so.
func (s *Server) hitLimit(code string) *rendezvous.ProtocolError {
	s.metrics.limitHit(code)
	return s.cfg.limitError(code)
}

// pairingFailed counts a code that did not lead to a finished pairing.
func (m *metrics) pairingFailed(reason string) {
	m.pairingsFailed.WithLabelValues(reason).Inc()
}

// MetricsHandler serves the server's metrics in the Prometheus text format.
// The server itself answers GET /metrics with it only when
// Config.PublicMetrics is set; otherwise mount it on a listener of its own
// (ferry-rendezvous --metrics-listen).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

// RegisterMetrics adds collectors to what MetricsHandler serves, e.g. the
// embedded TURN relay's allocations and relayed bytes.
func (s *Server) RegisterMetrics(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := s.metrics.registry.Register(c); err != nil {
			return fmt.Errorf("rendezvous: register metrics: %w", err)
		}
	}
	return nil
}
