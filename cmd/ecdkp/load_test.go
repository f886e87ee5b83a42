//go:build load

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoad starts `ecdkp serve` on 127.0.0.1 and drives it with the
// repository's load tool (internal/cmd/loadgen drive): a bounded number of
// requests (LOAD_REQUESTS, default 20000) from 32 keep-alive connections
// across every spec, token-authenticated. It requires 0 errors, 0 non-2xx
// and peak RSS under 64 MiB. scripts/peerbench measures the same server
// side by side with local-kms; run this one by hand:
//
//	go test -tags load -run Load -v ./cmd/ecdkp/
func TestLoad(t *testing.T) {
	total := 20000
	if s := os.Getenv("LOAD_REQUESTS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		total = n
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	loadgen := filepath.Join(dir, "loadgen")
	out, err := exec.Command("go", "build", "-o", loadgen, "github.com/ecdkp/ecdkp/internal/cmd/loadgen").CombinedOutput()
	require.NoError(t, err, "go build loadgen: %s", out)

	kr := filepath.Join(dir, "keyring.json")
	r := runBin(t, bin, nil, "keys", "create", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	var md struct {
		KeyID   string `json:"key_id"`
		Project string `json:"project"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))

	srv := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--keyring", kr, "--metrics-addr", "127.0.0.1:0")
	srv.Env = append(os.Environ(), "ECDKP_TOKEN=load-test-token")
	stderr, err := srv.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	// The "metrics" and "serving" log lines name the addresses.
	lines := bufio.NewScanner(stderr)
	addrs := map[string]string{}
	for addrs["serving"] == "" && lines.Scan() {
		var l struct{ Msg, Addr string }
		if json.Unmarshal(lines.Bytes(), &l) == nil && l.Addr != "" {
			addrs[l.Msg] = l.Addr
		}
	}
	require.NotEmpty(t, addrs["serving"], "server did not report its address")
	go io.Copy(io.Discard, stderr) // keep draining the request log

	cmd := exec.Command(loadgen, "drive", "-addr", addrs["serving"], "-pid", strconv.Itoa(srv.Process.Pid),
		"-dialect", "huawei", "-token", "load-test-token", "-key-id", md.KeyID, "-project", md.Project,
		"-specs", "all", "-conns", "32", "-requests", strconv.Itoa(total), "-metrics", "http://"+addrs["metrics"]+"/metrics")
	cmd.Stderr = os.Stderr
	report, err := cmd.Output()
	require.NoError(t, err, "loadgen drive")
	t.Log("\n" + string(report))
	var res struct {
		Requests int64   `json:"requests"`
		Errors   int64   `json:"errors"`
		Non2xx   int64   `json:"non2xx"`
		RSSKiB   int64   `json:"rss_hwm_kib"`
		Allocs   float64 `json:"allocs_per_req"`
		First    string  `json:"first_error"`
	}
	require.NoError(t, json.Unmarshal(report, &res))
	assert.Zero(t, res.Errors, "transport errors (first: %s)", res.First)
	assert.Zero(t, res.Non2xx, "non-2xx responses (first: %s)", res.First)
	assert.GreaterOrEqual(t, res.Requests, int64(total))
	assert.Positive(t, res.RSSKiB, "RSS was read")
	assert.Less(t, res.RSSKiB, int64(64*1024), "peak RSS under 64 MiB")
	assert.Positive(t, res.Allocs, "allocations per request were read")
}
