//go:build load

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
)

// TestLoad starts `ecdkp serve` on 127.0.0.1 and sends a bounded number of
// requests (LOAD_REQUESTS, default 20000) from 32 keep-alive clients across
// every spec, then reports throughput, p50/p99 latency, errors and the
// server's peak RSS. It requires 0 errors, 0 non-2xx and peak RSS under
// 64 MiB. Run by hand or by scripts/bench:
//
//	go test -tags load -run Load -v ./cmd/ecdkp/
//
// LOAD_REPORT, when set, names a file the report is also written to.
func TestLoad(t *testing.T) {
	total := 20000
	if s := os.Getenv("LOAD_REQUESTS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		total = n
	}
	const clients = 32
	bin := buildBinary(t)
	dir := t.TempDir()
	kr := filepath.Join(dir, "keyring.json")
	r := runBin(t, bin, nil, "keys", "create", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	var md struct {
		KeyID string `json:"key_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))

	srv := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--keyring", kr)
	srv.Env = append(os.Environ(), "ECDKP_TOKEN=load-test-token")
	stderr, err := srv.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	// The "serving" log line names the address.
	lines := bufio.NewScanner(stderr)
	var addr string
	for lines.Scan() {
		var l struct {
			Msg, Addr string
		}
		if json.Unmarshal(lines.Bytes(), &l) == nil && l.Msg == "serving" {
			addr = l.Addr
			break
		}
	}
	require.NotEmpty(t, addr, "server did not report its address")
	go io.Copy(io.Discard, stderr) // keep draining the request log

	var (
		peakRSS, rssSamples atomic.Int64
		stop                = make(chan struct{})
		rssDone             = make(chan struct{})
	)
	go func() {
		defer close(rssDone)
		for {
			if kb := vmHWM(srv.Process.Pid); kb > 0 {
				peakRSS.Store(kb)
				rssSamples.Add(1)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	specs := curves.Specs()
	url := "http://" + addr + "/v1.0/00000000000000000000000000000000/kms/create-ec-datakey-pair"
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var (
		next, errs, non2xx atomic.Int64
		mu                 sync.Mutex
		lat                = make([]time.Duration, 0, total)
		wg                 sync.WaitGroup
	)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, total/clients+1)
			for {
				i := next.Add(1) - 1
				if i >= int64(total) {
					break
				}
				body := fmt.Sprintf(`{"key_id":%q,"key_spec":%q}`, md.KeyID, specs[i%int64(len(specs))])
				t0 := time.Now()
				req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
				if err != nil {
					errs.Add(1)
					continue
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Auth-Token", "load-test-token")
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				local = append(local, time.Since(t0))
				if resp.StatusCode/100 != 2 {
					non2xx.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	<-rssDone
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	var rep bytes.Buffer
	fmt.Fprintf(&rep, "load: %d requests, %d keep-alive clients, specs %v, %d cores (%s)\n", total, clients, specs, runtime.NumCPU(), cpuModel())
	fmt.Fprintf(&rep, "throughput: %.0f req/s over %s\n", float64(len(lat))/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	fmt.Fprintf(&rep, "latency: p50 %s, p99 %s, max %s\n", pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	fmt.Fprintf(&rep, "errors: %d, non-2xx: %d\n", errs.Load(), non2xx.Load())
	fmt.Fprintf(&rep, "server peak RSS (VmHWM): %.1f MiB (%d samples)\n", float64(peakRSS.Load())/1024, rssSamples.Load())
	t.Log("\n" + rep.String())
	if p := os.Getenv("LOAD_REPORT"); p != "" {
		require.NoError(t, os.WriteFile(p, rep.Bytes(), 0o644))
	}
	require.Zero(t, errs.Load(), "transport errors")
	require.Zero(t, non2xx.Load(), "non-2xx responses")
	require.Len(t, lat, total)
	require.Positive(t, rssSamples.Load(), "RSS was sampled")
	require.Less(t, peakRSS.Load(), int64(64*1024), "peak RSS under 64 MiB")
}

// vmHWM reads a process's peak resident set size in KiB from /proc.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
		}
	}
	return runtime.GOARCH
}
