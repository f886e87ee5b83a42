package etcd

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// The etcd test fixture: real etcd servers (Debian's etcd-server, or any
// etcd on PATH) started by the tests on loopback ports, each member in its
// own folder under the test's temporary folder. Tests that stop or kill
// members start their own cluster; the others share one (sharedCluster).

// etcdBinary finds the etcd server, or says why the tests skip.
func etcdBinary(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("etcd"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/etcd"); err == nil {
		return "/usr/bin/etcd"
	}
	tb.Skip("etcd server not found (not on PATH, no /usr/bin/etcd): install Debian's etcd-server (apt-get install etcd-server) to run the etcd store tests")
	return ""
}

// cluster is a set of etcd members started by a test.
type cluster struct {
	bin     string
	dir     string
	members []*member
	tls     *serverTLS
}

type member struct {
	name      string
	dir       string
	clientURL string
	peerURL   string
	args      []string
	log       *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// freePorts reserves n loopback ports: each was free a moment ago.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ls []net.Listener
	ports := make([]int, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(tb, err)
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startCluster starts an n-member cluster and waits until it has a
// leader; it is stopped when tb ends.
func startCluster(tb testing.TB, n int) *cluster {
	tb.Helper()
	c := newCluster(tb, etcdBinary(tb), tb.TempDir(), n, nil)
	tb.Cleanup(c.close)
	c.wait(tb)
	return c
}

// serverTLS is the TLS of the members' client URLs: their certificate,
// and the CA their clients' certificates must chain to.
type serverTLS struct {
	cert, key, ca string
	client        ClientConfig // how the harness reaches the members
}

func newCluster(tb testing.TB, bin, dir string, n int, tlsFiles *serverTLS) *cluster {
	ports := freePorts(tb, 2*n)
	c := &cluster{bin: bin, dir: dir, tls: tlsFiles}
	scheme := "http"
	if tlsFiles != nil {
		scheme = "https"
	}
	var initial []string
	for i := range n {
		m := &member{
			name:      fmt.Sprintf("m%d", i+1),
			clientURL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, ports[2*i]),
			peerURL:   fmt.Sprintf("http://127.0.0.1:%d", ports[2*i+1]),
		}
		m.dir = filepath.Join(dir, m.name)
		initial = append(initial, m.name+"="+m.peerURL)
		c.members = append(c.members, m)
	}
	for _, m := range c.members {
		m.args = []string{
			"--name", m.name,
			"--data-dir", filepath.Join(m.dir, "data"),
			"--listen-client-urls", m.clientURL,
			"--advertise-client-urls", m.clientURL,
			"--listen-peer-urls", m.peerURL,
			"--initial-advertise-peer-urls", m.peerURL,
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
		if tlsFiles != nil {
			m.args = append(m.args, "--cert-file", tlsFiles.cert, "--key-file", tlsFiles.key,
				"--trusted-ca-file", tlsFiles.ca, "--client-cert-auth")
		}
		require.NoError(tb, os.MkdirAll(m.dir, 0o700))
		f, err := os.Create(filepath.Join(m.dir, "etcd.log"))
		require.NoError(tb, err)
		m.log = f
		require.NoError(tb, c.startMember(m))
	}
	return c
}

func (c *cluster) startMember(m *member) error {
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

// wait waits until every running member answers a linearizable read.
func (c *cluster) wait(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, m := range c.members {
		if !m.running() {
			continue
		}
		cli := c.client(tb, m)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := cli.Get(ctx, "/health-check")
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("etcd member %s did not come up: %v\n%s", m.name, err, c.logs())
			}
			time.Sleep(50 * time.Millisecond)
		}
		cli.Close()
	}
}

func (m *member) running() bool {
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

// kill stops member i at once (SIGKILL), as a crash would.
func (c *cluster) kill(i int) {
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

// restart starts a stopped member again on its data.
func (c *cluster) restart(tb testing.TB, i int) {
	tb.Helper()
	require.NoError(tb, c.startMember(c.members[i]))
}

func (c *cluster) close() {
	for i, m := range c.members {
		c.kill(i)
		m.log.Close()
	}
}

// endpoints lists the client URLs of members i (all when none given).
func (c *cluster) endpoints(i ...int) []string {
	var out []string
	if len(i) == 0 {
		for _, m := range c.members {
			out = append(out, m.clientURL)
		}
		return out
	}
	for _, j := range i {
		out = append(out, c.members[j].clientURL)
	}
	return out
}

// client dials the given members (all when none), closed when tb ends.
func (c *cluster) client(tb testing.TB, ms ...*member) *clientv3.Client {
	tb.Helper()
	var eps []string
	for _, m := range ms {
		eps = append(eps, m.clientURL)
	}
	if len(eps) == 0 {
		eps = c.endpoints()
	}
	if c.tls != nil {
		cfg := c.tls.client
		cfg.Endpoints = eps
		cli, err := cfg.Dial()
		require.NoError(tb, err)
		tb.Cleanup(func() { cli.Close() })
		return cli
	}
	return dialT(tb, eps)
}

func dialT(tb testing.TB, eps []string) *clientv3.Client {
	tb.Helper()
	cli, err := ClientConfig{Endpoints: eps, DialTimeout: 2 * time.Second}.Dial()
	require.NoError(tb, err)
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// leader is the index of the member that leads, or -1.
func (c *cluster) leader(tb testing.TB) int {
	tb.Helper()
	cli := c.client(tb)
	for i, m := range c.members {
		if !m.running() {
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

// logs is the tail of every member's log, for failure messages.
func (c *cluster) logs() string {
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

// The shared cluster serves the tests that do not stop members; each
// test works under its own prefix.
var shared struct {
	once sync.Once
	c    *cluster
	dir  string
	err  string
}

func sharedCluster(tb testing.TB) *cluster {
	tb.Helper()
	bin := etcdBinary(tb)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "ecdkp-etcd-")
		if err != nil {
			shared.err = err.Error()
			return
		}
		shared.dir = dir
		shared.c = newCluster(tb, bin, dir, 3, nil)
	})
	if shared.c == nil {
		tb.Fatalf("shared etcd cluster: %s", shared.err)
	}
	shared.c.wait(tb)
	return shared.c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.c != nil {
		shared.c.close()
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// prefixes hands each test its own key prefix on the shared cluster.
var prefixes struct {
	mu sync.Mutex
	n  int
}

func testPrefix(tb testing.TB) string {
	prefixes.mu.Lock()
	defer prefixes.mu.Unlock()
	prefixes.n++
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name())
	return fmt.Sprintf("/ecdkp-test/%d-%s/", prefixes.n, name)
}
