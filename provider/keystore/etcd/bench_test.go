package etcd

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/benchpair"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// BenchmarkEtcdStore measures the in-process create with the
// etcd store beside the keyring, alternated call by call in one run
// (paired: keyring-ns/op, etcd-ns/op and their ratio), and their CPU
// (paired-cpu: this process's CPU per call, watch and heartbeat included,
// measured over alternating blocks). Budget (DESIGN.md): the etcd store
// costs at most 1.1x the keyring's CPU per request.
//
// The sequence benchmarks add a sequence to every request, so each
// makes one etcd transaction (the replay window's claim): etcd-seq
// reports the call's time, this process's CPU and the etcd members' CPU
// (server-cpu-ns/op, from /proc) per call.
func BenchmarkEtcdStore(b *testing.B) {
	c := sharedCluster(b)
	ctx := context.Background()
	ring := providertest.NewFixture(b, func(testing.TB) keystore.KeyManager { return keyring.New() })
	cli := c.client(b)
	prefix := testPrefix(b)
	et := providertest.NewFixture(b, func(tb testing.TB) keystore.KeyManager { return openT(tb, cli, prefix, testKEK(tb)) })
	w, err := NewReplayWindow(cli, prefix, provider.DefaultReplayWindow)
	if err != nil {
		b.Fatal(err)
	}
	seqP, err := provider.New(et.Store, provider.WithReplayWindow(w))
	if err != nil {
		b.Fatal(err)
	}
	op := func(p *provider.Provider, key string, spec curves.Spec, seq bool) func(*testing.B) {
		req := provider.CreateEcDatakeyPairRequest{KeyID: key, KeySpec: string(spec)}
		return func(b *testing.B) {
			r := req
			if seq {
				r.Sequence = newSequence()
			}
			if _, err := p.CreateEcDatakeyPair(ctx, &r); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, spec := range []curves.Spec{curves.P256, curves.SM2, curves.P384} {
		kr, etcd := op(ring.P, ring.AES, spec, false), op(et.P, et.AES, spec, false)
		b.Run(string(spec)+"/paired", func(b *testing.B) { benchpair.Paired(b, "keyring", kr, "etcd", etcd) })
		b.Run(string(spec)+"/paired-cpu", func(b *testing.B) { pairedCPU(b, "keyring", kr, "etcd", etcd) })
	}
	kr, seq := op(ring.P, ring.AES, curves.P256, false), op(seqP, et.AES, curves.P256, true)
	b.Run("ECC_NIST_P256/etcd-seq", func(b *testing.B) {
		server := c.CPU()
		start := cpuTime()
		benchpair.Alone(b, seq)
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(c.CPU()-server)/float64(b.N), "server-cpu-ns/op")
	})
	b.Run("ECC_NIST_P256/paired-seq", func(b *testing.B) { benchpair.Paired(b, "keyring", kr, "etcd-seq", seq) })
}

// pairedCPU runs x and y in alternating blocks of calls and reports each
// one's CPU time per call (this process's, every goroutine) and y over x.
func pairedCPU(b *testing.B, xName string, x func(*testing.B), yName string, y func(*testing.B)) {
	const block = 16
	var cx, cy time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		first, second, tFirst, tSecond := x, y, &cx, &cy
		if i%2 == 1 {
			first, second, tFirst, tSecond = y, x, &cy, &cx
		}
		t0 := cpuTime()
		for range block {
			first(b)
		}
		t1 := cpuTime()
		for range block {
			second(b)
		}
		*tFirst += t1 - t0
		*tSecond += cpuTime() - t1
		n += block
	}
	b.ReportMetric(float64(cx)/float64(n), xName+"-cpu-ns/op")
	b.ReportMetric(float64(cy)/float64(n), yName+"-cpu-ns/op")
	b.ReportMetric(float64(cy)/float64(cx), "cpu-ratio")
}

// cpuTime is the CPU (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
