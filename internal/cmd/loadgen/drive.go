package main

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// drive sends requests of specs (in turn) to t over conns keep-alive
// connections for dur, or until maxRequests were answered, and measures
// the server over that window.
func drive(t *target, specs []string, conns int, dur time.Duration, maxRequests int64) (runResult, error) {
	res := runResult{Target: t.name, Server: t.server, Dialect: t.dialect, Conns: conns, Allocs: -1}
	if len(specs) == 1 {
		res.Spec = specs[0]
	} else {
		res.Spec, res.Specs = "mixed", specs
	}
	ops := make([]operation, len(specs))
	for i, s := range specs {
		ops[i] = t.generate(s)
	}
	// Connect and warm up: one checked request per connection and spec.
	cs := make([]*conn, conns)
	defer func() {
		for _, c := range cs {
			if c != nil {
				c.close()
			}
		}
	}()
	for i := range cs {
		c, err := dial(t.host)
		if err != nil {
			return res, err
		}
		cs[i] = c
		for _, op := range ops {
			var err error
			if c.out, err = t.build(c.out[:0], op, time.Now()); err != nil {
				return res, err
			}
			status, err := c.roundTrip()
			if err != nil {
				return res, fmt.Errorf("loadgen: warm-up request to %s: %w", t.name, err)
			}
			if status != 200 {
				return res, fmt.Errorf("loadgen: warm-up request to %s answered %d: %s", t.name, status, clip(c.body))
			}
			if err := checkCreated(c.body); err != nil {
				return res, fmt.Errorf("%w (from %s)", err, t.name)
			}
		}
	}
	var m0, m1 float64
	var merr error
	if t.metricsURL != "" {
		// Two scrapes: the second's own allocations are subtracted from
		// the one after the window.
		if m0, merr = mallocs(t.metricsURL); merr == nil {
			m1, merr = mallocs(t.metricsURL)
		}
	}
	cpu0, err := cpuTime(t.pid)
	if err != nil {
		return res, err
	}
	var (
		answered, errs, non2xx atomic.Int64
		firstErr               atomic.Value
		wg                     sync.WaitGroup
		lats                   = make([][]time.Duration, conns)
	)
	start := time.Now()
	deadline := start.Add(dur)
	for w := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := cs[w]
			lat := make([]time.Duration, 0, 4096)
			for i := w; ; i++ {
				if time.Now().After(deadline) || answered.Load() >= maxRequests {
					break
				}
				if c == nil {
					var err error
					if c, err = dial(t.host); err != nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
						time.Sleep(10 * time.Millisecond)
						continue
					}
					cs[w] = c
				}
				var err error
				if c.out, err = t.build(c.out[:0], ops[i%len(ops)], time.Now()); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					break
				}
				t0 := time.Now()
				status, err := c.roundTrip()
				d := time.Since(t0)
				if err != nil && !errors.Is(err, errClosed) {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					c.close()
					c, cs[w] = nil, nil
					continue
				}
				answered.Add(1)
				lat = append(lat, d)
				if status != 200 {
					non2xx.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d: %s", status, clip(c.body)))
				}
				if err != nil { // answered, then closed
					c.close()
					c, cs[w] = nil, nil
				}
			}
			lats[w] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, err := cpuTime(t.pid)
	if err != nil {
		return res, err
	}
	if t.metricsURL != "" && merr == nil {
		var m2 float64
		if m2, merr = mallocs(t.metricsURL); merr == nil && answered.Load() > 0 {
			res.Allocs = (m2 - m1 - (m1 - m0)) / float64(answered.Load())
		}
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(float64(len(all))*p))]) / 1e3
	}
	res.Requests, res.Errors, res.Non2xx = answered.Load(), errs.Load(), non2xx.Load()
	res.Seconds = elapsed.Seconds()
	res.RPS = float64(res.Requests) / res.Seconds
	res.P50us, res.P99us, res.MaxUs = pct(0.50), pct(0.99), pct(1)
	if res.Requests > 0 {
		res.CPUus = float64(cpu1-cpu0) / 1e3 / float64(res.Requests)
	}
	res.RSSKiB, _ = statusKiB(t.pid, "VmHWM")
	res.LoadAvg = loadAvg()
	if v, ok := firstErr.Load().(string); ok {
		res.FirstError = v
	}
	return res, nil
}
