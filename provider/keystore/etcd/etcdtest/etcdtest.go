// Package etcdtest starts real etcd clusters for tests: etcd servers
// (Debian's etcd-server, or any etcd on PATH) on loopback ports, each
// member in its own folder, killed with the test process. The etcd store's
// tests and the fleet tests of `ecdkp serve` share it, so both crash,
// restart and partition members the same way.
package etcdtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Binary finds the etcd server, or skips tb saying how to install it.
func Binary(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("etcd"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/etcd"); err == nil {
		return "/usr/bin/etcd"
	}
	tb.Skip("etcd server not found (not on PATH, no /usr/bin/etcd): install Debian's etcd-server (apt-get install etcd-server) to run the etcd tests")
	return ""
}

// TLS is the TLS of the members' client URLs: their certificate and key,
// the CA their clients' certificates must chain to, and the client
// configuration the cluster's own health checks use.
type TLS struct {
	Cert, Key, CA string
	Client        *tls.Config
}

// Cluster is a set of etcd members started by a test.
type Cluster struct {
	bin     string
	dir     string
	members []*member
	tls     *TLS
}

type member struct {
	name      string
	dir       string
	clientURL string
	args      []string
	log       *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// FreePorts reserves n loopback ports: each was free a moment ago.
func FreePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ls []net.Listener
	ports := make([]int, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("etcdtest: %v", err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// Start starts an n-member cluster in a temporary folder of tb, waits until
// every member answers, and stops it when tb ends.
func Start(tb testing.TB, n int) *Cluster {
	tb.Helper()
	c := New(tb, Binary(tb), tb.TempDir(), n, nil)
	tb.Cleanup(c.Close)
	c.Wait(tb)
	return c
}

// New starts n members of etcd binary bin in folder dir, their client URLs
// served with t when it is not nil, and returns without waiting for them;
// the caller closes the cluster.
func New(tb testing.TB, bin, dir string, n int, t *TLS) *Cluster {
	tb.Helper()
	ports := FreePorts(tb, 2*n)
	c := &Cluster{bin: bin, dir: dir, tls: t}
	scheme := "http"
	if t != nil {
		scheme = "https"
	}
	var initial []string
	peers := make([]string, n)
	for i := range n {
		m := &member{
			name:      fmt.Sprintf("m%d", i+1),
			clientURL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, ports[2*i]),
		}
		peers[i] = fmt.Sprintf("http://127.0.0.1:%d", ports[2*i+1])
		m.dir = filepath.Join(dir, m.name)
		initial = append(initial, m.name+"="+peers[i])
		c.members = append(c.members, m)
	}
	for i, m := range c.members {
		m.args = []string{
			"--name", m.name,
			"--data-dir", filepath.Join(m.dir, "data"),
			"--listen-client-urls", m.clientURL,
			"--advertise-client-urls", m.clientURL,
			"--listen-peer-urls", peers[i],
			"--initial-advertise-peer-urls", peers[i],
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-state", "new",
			"--initial-cluster-token", filepath.Base(dir),
			// Fast elections, so a killed leader is replaced within a
			// second on a loaded 2-core machine.
			"--heartbeat-interval", "50",
			"--election-timeout", "500",
			"--logger", "zap",
			"--log-outputs", "stderr",
			"--log-level", "warn",
		}
		if t != nil {
			m.args = append(m.args, "--cert-file", t.Cert, "--key-file", t.Key,
				"--trusted-ca-file", t.CA, "--client-cert-auth")
		}
		if err := os.MkdirAll(m.dir, 0o700); err != nil {
			tb.Fatalf("etcdtest: %v", err)
		}
		f, err := os.Create(filepath.Join(m.dir, "etcd.log"))
		if err != nil {
			tb.Fatalf("etcdtest: %v", err)
		}
		m.log = f
		if err := c.start(m); err != nil {
			tb.Fatalf("etcdtest: starting %s: %v", m.name, err)
		}
	}
	return c
}

func (c *Cluster) start(m *member) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := exec.Command(c.bin, m.args...)
	cmd.Stdout, cmd.Stderr = m.log, m.log
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	m.cmd, m.done = cmd, done
	return nil
}

// Len is the number of members, running or not.
func (c *Cluster) Len() int { return len(c.members) }

// Wait waits until every running member answers a linearizable read.
func (c *Cluster) Wait(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for i := range c.members {
		if !c.Running(i) {
			continue
		}
		cli := c.Client(tb, i)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := cli.Get(ctx, "/health-check")
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("etcdtest: member %s did not come up: %v\n%s", c.members[i].name, err, c.Logs())
			}
			time.Sleep(50 * time.Millisecond)
		}
		cli.Close()
	}
}

// Running says whether member i is running.
func (c *Cluster) Running(i int) bool {
	m := c.members[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return false
	}
	select {
	case <-m.done:
		return false
	default:
		return true
	}
}

// Pid is the process id of member i, or 0 when it is not running.
func (c *Cluster) Pid(i int) int {
	if !c.Running(i) {
		return 0
	}
	m := c.members[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd.Process.Pid
}

// Kill stops member i at once (SIGKILL), as a crash would, and waits for
// it to exit.
func (c *Cluster) Kill(i int) {
	m := c.members[i]
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-done
}

// Restart starts a stopped member again on its data.
func (c *Cluster) Restart(tb testing.TB, i int) {
	tb.Helper()
	if err := c.start(c.members[i]); err != nil {
		tb.Fatalf("etcdtest: restarting %s: %v", c.members[i].name, err)
	}
}

// Close kills every member.
func (c *Cluster) Close() {
	for i, m := range c.members {
		c.Kill(i)
		m.log.Close()
	}
}

// Endpoints lists the client URLs of members i (all when none given).
func (c *Cluster) Endpoints(i ...int) []string {
	if len(i) == 0 {
		for j := range c.members {
			i = append(i, j)
		}
	}
	out := make([]string, 0, len(i))
	for _, j := range i {
		out = append(out, c.members[j].clientURL)
	}
	return out
}

// Client dials members i (all when none given) with the cluster's client
// TLS; tb's cleanup closes it.
func (c *Cluster) Client(tb testing.TB, i ...int) *clientv3.Client {
	tb.Helper()
	cfg := clientv3.Config{Endpoints: c.Endpoints(i...), DialTimeout: 2 * time.Second, Logger: zap.NewNop()}
	if c.tls != nil {
		cfg.TLS = c.tls.Client
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		tb.Fatalf("etcdtest: %v", err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// Leader is the index of the member that leads, or -1.
func (c *Cluster) Leader(tb testing.TB) int {
	tb.Helper()
	cli := c.Client(tb)
	for i, m := range c.members {
		if !c.Running(i) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := cli.Status(ctx, m.clientURL)
		cancel()
		if err == nil && st.Header.MemberId == st.Leader {
			return i
		}
	}
	return -1
}

// CPU is the CPU time the running members have used, from /proc (0 where
// there is none).
func (c *Cluster) CPU() time.Duration {
	var total time.Duration
	for i := range c.members {
		pid := c.Pid(i)
		if pid == 0 {
			continue
		}
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name's closing parenthesis: utime and
		// stime are the 12th and 13th of them, in clock ticks (100 Hz).
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(fields[11], 10, 64)
		st, _ := strconv.ParseInt(fields[12], 10, 64)
		total += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return total
}

// Logs is the tail of every member's log, for failure messages.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, m := range c.members {
		data, _ := os.ReadFile(filepath.Join(m.dir, "etcd.log"))
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", m.name, data)
	}
	return b.String()
}
