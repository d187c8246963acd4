package metrics

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// LatencyBuckets are the upper bounds, in seconds, of the call latency
// histogram: from half a millisecond (a cached lookup) to half a minute.
var LatencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Options names the server the metrics describe.
type Options struct {
	// Server is the program name, e.g. "codebase-mcp": the server label of
	// every metric.
	Server string
	// Version is reported by mcp_build_info.
	Version string
	// Logger receives errors from serving /metrics. Nil discards them.
	Logger *slog.Logger
}

// Metrics is one server's registry and the instruments of the runtime. It
// is safe for concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	wrapped  prometheus.Registerer
	log      *slog.Logger
	calls    *prometheus.CounterVec
	errors   *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
	// tools holds each tool's instruments (*toolInstruments by name), so
	// that a call does not hash its labels into every vector again.
	tools sync.Map
}

// toolInstruments are one tool's series, resolved once.
type toolInstruments struct {
	inFlight prometheus.Gauge
	ok       prometheus.Counter
	latency  prometheus.Observer
}

// instruments returns the tool's instruments, creating them on first use.
func (m *Metrics) instruments(tool string) *toolInstruments {
	if t, ok := m.tools.Load(tool); ok {
		return t.(*toolInstruments)
	}
	t, _ := m.tools.LoadOrStore(tool, &toolInstruments{
		inFlight: m.inFlight.WithLabelValues(tool),
		ok:       m.calls.WithLabelValues(tool, "ok"),
		latency:  m.latency.WithLabelValues(tool),
	})
	return t.(*toolInstruments)
}

// New creates a registry with the runtime's metrics, Go and process
// collectors, and mcp_build_info.
func New(o Options) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	wrapped := prometheus.WrapRegistererWith(prometheus.Labels{"server": o.Server}, reg)
	m := &Metrics{
		reg:     reg,
		wrapped: wrapped,
		log:     o.Logger,
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcp_tool_calls_total",
			Help: "Tool calls completed, by tool and outcome (ok, invalid_arguments, user_error, tool_error, busy, unavailable, retryable, canceled, internal_error).",
		}, []string{"tool", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcp_tool_errors_total",
			Help: "Tool calls that returned an error result, by tool and outcome.",
		}, []string{"tool", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mcp_tool_call_duration_seconds",
			Help:    "Latency of tool calls, whatever their outcome, by tool.",
			Buckets: LatencyBuckets,
		}, []string{"tool"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mcp_tool_calls_in_flight",
			Help: "Tool calls being served, by tool.",
		}, []string{"tool"}),
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "mcp_build_info",
		Help:        "Always 1; the labels name the build.",
		ConstLabels: prometheus.Labels{"version": o.Version, "go_version": runtime.Version()},
	})
	buildInfo.Set(1)
	wrapped.MustRegister(m.calls, m.errors, m.latency, m.inFlight, buildInfo)
	return m
}

// Registerer is where a server registers metrics of its own; they get the
// server label too.
func (m *Metrics) Registerer() prometheus.Registerer { return m.wrapped }

// Gatherer is the registry, for tests and custom exposition.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// InitTool creates the series of a tool at zero, so that it is visible
// before its first call.
func (m *Metrics) InitTool(tool string) {
	m.instruments(tool)
}

// CallStarted counts a call in flight. It implements tool.Recorder.
func (m *Metrics) CallStarted(tool string) {
	m.instruments(tool).inFlight.Inc()
}

// CallFinished records a completed call. It implements tool.Recorder.
func (m *Metrics) CallFinished(tool, outcome string, latency time.Duration) {
	t := m.instruments(tool)
	t.inFlight.Dec()
	if outcome == "ok" {
		t.ok.Inc()
	} else {
		m.calls.WithLabelValues(tool, outcome).Inc()
		m.errors.WithLabelValues(tool, outcome).Inc()
	}
	t.latency.Observe(latency.Seconds())
}

// Handler serves the registry in the Prometheus text format (or another
// format the scraper asks for).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// TextContentType is the media type WriteText writes.
var TextContentType = string(expfmt.NewFormat(expfmt.TypeTextPlain))

// WriteText writes the registry in the Prometheus text format, as the
// metrics://prometheus resource serves it.
func (m *Metrics) WriteText(w io.Writer) error {
	families, err := m.reg.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return fmt.Errorf("encode metrics: %w", err)
		}
	}
	return nil
}

// Pool is what WatchPool reads: *pgdb.DB.
type Pool interface {
	Stats() pgdb.Stats
}

// WatchPool exports the pool's gauges and counters, read at each scrape.
func (m *Metrics) WatchPool(p Pool) {
	m.wrapped.MustRegister(&poolCollector{pool: p})
}

type poolCollector struct{ pool Pool }

var (
	poolMaxDesc         = desc("mcp_db_pool_max_conns", "Size of the connection pool.")
	poolTotalDesc       = desc("mcp_db_pool_total_conns", "Open connections: acquired, idle and being opened.")
	poolAcquiredDesc    = desc("mcp_db_pool_acquired_conns", "Connections in use by calls.")
	poolIdleDesc        = desc("mcp_db_pool_idle_conns", "Open connections waiting for a call.")
	poolConstructDesc   = desc("mcp_db_pool_constructing_conns", "Connections being opened.")
	poolAcquiresDesc    = desc("mcp_db_pool_acquires_total", "Successful acquires of a connection.")
	poolEmptyDesc       = desc("mcp_db_pool_empty_acquires_total", "Acquires that had to wait for, or open, a connection.")
	poolCanceledDesc    = desc("mcp_db_pool_canceled_acquires_total", "Acquires abandoned by their caller.")
	poolWaitDesc        = desc("mcp_db_pool_empty_acquire_wait_seconds_total", "Time spent waiting by acquires that found no idle connection.")
	poolBusyDesc        = desc("mcp_db_busy_rejections_total", "Calls rejected because every connection stayed in use for the acquire timeout.")
	poolUnavailableDesc = desc("mcp_db_unavailable_rejections_total", "Calls rejected because the database was unreachable or not ready.")
	poolReadyDesc       = desc("mcp_db_ready", "1 once start-up (extension, migrations) has completed.")
)

func desc(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxDesc, poolTotalDesc, poolAcquiredDesc, poolIdleDesc, poolConstructDesc,
		poolAcquiresDesc, poolEmptyDesc, poolCanceledDesc, poolWaitDesc, poolBusyDesc, poolUnavailableDesc, poolReadyDesc} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stats()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolMaxDesc, float64(s.MaxConns))
	gauge(poolTotalDesc, float64(s.TotalConns))
	gauge(poolAcquiredDesc, float64(s.AcquiredConns))
	gauge(poolIdleDesc, float64(s.IdleConns))
	gauge(poolConstructDesc, float64(s.ConstructingConns))
	counter(poolAcquiresDesc, float64(s.AcquireCount))
	counter(poolEmptyDesc, float64(s.EmptyAcquireCount))
	counter(poolCanceledDesc, float64(s.CanceledAcquireCount))
	counter(poolWaitDesc, s.EmptyAcquireWaitTime.Seconds())
	counter(poolBusyDesc, float64(s.BusyCount))
	counter(poolUnavailableDesc, float64(s.UnavailableCount))
	ready := 0.0
	if s.Ready {
		ready = 1
	}
	gauge(poolReadyDesc, ready)
}
