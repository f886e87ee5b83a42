package etcd

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecdkp/ecdkp/provider/keystore/etcd/etcdtest"
)

// The etcd test fixture: real etcd members (package etcdtest). Tests that
// stop or kill members start their own cluster; the others share one
// (sharedCluster), each under its own prefix.

// cluster is an etcdtest cluster and, when its members serve TLS, how
// ClientConfig reaches them.
type cluster struct {
	*etcdtest.Cluster
	client0 *ClientConfig
}

// startCluster starts an n-member cluster and waits until it answers; it
// is stopped when tb ends.
func startCluster(tb testing.TB, n int) *cluster {
	tb.Helper()
	return &cluster{Cluster: etcdtest.Start(tb, n)}
}

// serverTLS is the TLS of the members' client URLs: their certificate,
// and the CA their clients' certificates must chain to.
type serverTLS struct {
	cert, key, ca string
	client        ClientConfig // how the harness reaches the members
}

// newTLSCluster starts a 1-member cluster serving files, stopped when tb
// ends.
func newTLSCluster(tb testing.TB, dir string, files *serverTLS) *cluster {
	tb.Helper()
	ct, err := files.client.TLS()
	require.NoError(tb, err)
	c := etcdtest.New(tb, etcdtest.Binary(tb), dir, 1, &etcdtest.TLS{Cert: files.cert, Key: files.key, CA: files.ca, Client: ct})
	tb.Cleanup(c.Close)
	c.Wait(tb)
	return &cluster{Cluster: c, client0: &files.client}
}

// client dials members i (all when none) through ClientConfig, closed
// when tb ends.
func (c *cluster) client(tb testing.TB, i ...int) *clientv3.Client {
	tb.Helper()
	cfg := ClientConfig{DialTimeout: 2 * time.Second}
	if c.client0 != nil {
		cfg = *c.client0
	}
	cfg.Endpoints = c.Endpoints(i...)
	cli, err := cfg.Dial()
	require.NoError(tb, err)
	tb.Cleanup(func() { cli.Close() })
	return cli
}

func dialT(tb testing.TB, eps []string) *clientv3.Client {
	tb.Helper()
	cli, err := ClientConfig{Endpoints: eps, DialTimeout: 2 * time.Second}.Dial()
	require.NoError(tb, err)
	tb.Cleanup(func() { cli.Close() })
	return cli
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
	bin := etcdtest.Binary(tb)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "ecdkp-etcd-")
		if err != nil {
			shared.err = err.Error()
			return
		}
		shared.dir = dir
		shared.c = &cluster{Cluster: etcdtest.New(tb, bin, dir, 3, nil)}
	})
	if shared.c == nil {
		tb.Fatalf("shared etcd cluster: %s", shared.err)
	}
	shared.c.Wait(tb)
	return shared.c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.c != nil {
		shared.c.Close()
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
