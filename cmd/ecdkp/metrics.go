package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/aws"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// metrics are serve's Prometheus metrics, fed by the audit trail (every
// request's outcome), the provider's Observer (key generation, key store
// failures), the keyring's reload events and a middleware (latency).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	keygen    *prometheus.HistogramVec
	storeErrs prometheus.Counter
	reloads   *prometheus.CounterVec
	draining  atomic.Bool
	// The children of the vectors by their label values, resolved once:
	// every request would otherwise hash its labels and lock the vector.
	requestsBy children[[4]string, prometheus.Counter]
	latencyBy  children[[2]string, prometheus.Observer]
	keygenBy   children[curves.Spec, prometheus.Observer]
}

// children caches the children of a metric vector by label values (their
// values are few: every caller-given one is bounded).
type children[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
}

func (c *children[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *children[K, V]) put(k K, v V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[K]V)
	}
	c.m[k] = v
	return v
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ecdkp_requests_total",
		Help: "Requests by dialect, action, data key pair spec and outcome (ok, or the dialect's error code).",
	}, []string{"dialect", "action", "key_spec", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ecdkp_request_duration_seconds",
		Help:    "Time from a request's arrival to its answer, by dialect and operation.",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
	}, []string{"dialect", "operation"})
	m.keygen = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ecdkp_key_generation_seconds",
		Help:    "Time to generate one data key pair, by spec.",
		Buckets: []float64{0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025},
	}, []string{"key_spec"})
	m.storeErrs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ecdkp_keystore_errors_total",
		Help: "Key store failures other than an unknown key.",
	})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ecdkp_keystore_reloads_total",
		Help: "Reloads of a changed key store file, by result (adopted, refused).",
	}, []string{"result"})
	m.reg.MustRegister(m.requests, m.latency, m.keygen, m.storeErrs, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watch adds the gauges read from the running server.
func (m *metrics) watch(p *provider.Provider, replayLen func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ecdkp_requests_in_flight",
		Help: "Operations running now.",
	}, func() float64 { return float64(p.InFlight()) }))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ecdkp_replay_window_entries",
		Help: "Signatures and sequences remembered against replay.",
	}, func() float64 { return float64(replayLen()) }))
}

// Audit implements provider.Auditor: one count per request.
func (m *metrics) Audit(_ context.Context, r *provider.AuditRecord) {
	code := "ok"
	if r.Failure != 0 {
		code = errorCode(r.Caller.Dialect, r.Failure)
	}
	dialect := r.Caller.Dialect
	if dialect == "" {
		dialect = "inprocess"
	}
	spec := boundedSpec(r.KeySpec)
	c, ok := m.requestsBy.get([4]string{dialect, r.Action, spec, code})
	if !ok {
		c = m.requestsBy.put([4]string{dialect, r.Action, spec, code}, m.requests.WithLabelValues(dialect, r.Action, spec, code))
	}
	c.Inc()
}

// boundedSpec keeps the label's values few: a caller's unknown spec is
// "other".
func boundedSpec(spec string) string {
	if spec == "" {
		return ""
	}
	if _, err := curves.Lookup(curves.Spec(spec)); err != nil {
		return "other"
	}
	return spec
}

// KeyGenerated implements provider.Observer.
func (m *metrics) KeyGenerated(spec curves.Spec, d time.Duration) {
	o, ok := m.keygenBy.get(spec)
	if !ok {
		o = m.keygenBy.put(spec, m.keygen.WithLabelValues(string(spec)))
	}
	o.Observe(d.Seconds())
}

// KeyStoreError implements provider.Observer.
func (m *metrics) KeyStoreError(error) { m.storeErrs.Inc() }

// reloaded counts a keyring reload.
func (m *metrics) reloaded(err error) {
	if err != nil {
		m.reloads.WithLabelValues("refused").Inc()
		return
	}
	m.reloads.WithLabelValues("adopted").Inc()
}

// measure wraps the dialects' handler with the latency histogram.
func (m *metrics) measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		dialect, op := "huawei", "other"
		if aws.Matches(r) {
			dialect = "aws"
			if t := strings.TrimPrefix(r.Header.Get(aws.TargetHeader), "TrentService."); aws.KnownOperation(t) {
				op = t
			}
		} else if i := strings.LastIndexByte(r.URL.Path, '/'); i >= 0 {
			switch tail := r.URL.Path[i+1:]; tail {
			case "create-ec-datakey-pair", "decrypt-datakey-pair":
				op = tail
			}
		}
		o, ok := m.latencyBy.get([2]string{dialect, op})
		if !ok {
			o = m.latencyBy.put([2]string{dialect, op}, m.latency.WithLabelValues(dialect, op))
		}
		o.Observe(time.Since(start).Seconds())
	})
}

// handler serves /metrics, /healthz (the process is alive) and /readyz
// (the key store answers and the server is not draining).
func (m *metrics) handler(store keystore.KeyStore) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if m.draining.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		if c, ok := store.(keystore.Checker); ok {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := c.Check(ctx); err != nil {
				http.Error(w, "key store: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return mux
}

// auditors sends each record to several auditors, in order.
type auditors []provider.Auditor

func (as auditors) Audit(ctx context.Context, r *provider.AuditRecord) {
	for _, a := range as {
		a.Audit(ctx, r)
	}
}
