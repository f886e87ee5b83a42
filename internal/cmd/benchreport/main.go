// Command benchreport turns `go test -bench` output into BENCHMARKS.md: the
// median of each benchmark over its -count runs, and the ratios and budgets
// of DESIGN.md computed from benchmarks of the same run, and the report of
// `loadgen peer` (ecdkp serve vs local-kms, memory, profile). scripts/bench
// runs it; it reads the raw output on stdin.
//
//	benchreport [-peer FILE] [-profile-before FILE] [-machine TEXT] < bench.txt > BENCHMARKS.md
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is the median of one benchmark's runs, the medians of its custom
// metrics (b.ReportMetric, by unit), and the ns/op of each run in the order
// they ran.
type result struct {
	ns, allocs, bytes float64
	metrics           map[string]float64
	runs              int
	samples           []float64
}

// line matches a benchmark result: name, optional -GOMAXPROCS, iterations,
// then value-unit pairs.
var (
	line   = regexp.MustCompile(`^(Benchmark\S+?)(?:-(\d+))?\s+\d+((?:\s+[\d.e+-]+ \S+)+)\s*$`)
	metric = regexp.MustCompile(`([\d.e+-]+) (\S+)`)
)

// parse collects every run of each benchmark, keyed by name@GOMAXPROCS.
func parse(r io.Reader) (map[string]*result, []string, string) {
	runs := map[string][]map[string]float64{}
	var order []string
	var raw strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		t := sc.Text()
		raw.WriteString(t + "\n")
		m := line.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		// A benchmark run at GOMAXPROCS=1 has no -N suffix.
		procs := m[2]
		if procs == "" {
			procs = "1"
		}
		name := m[1] + "@" + procs
		values := map[string]float64{}
		for _, vm := range metric.FindAllStringSubmatch(m[3], -1) {
			if v, err := strconv.ParseFloat(vm[1], 64); err == nil {
				values[vm[2]] = v
			}
		}
		if _, ok := values["ns/op"]; !ok {
			continue
		}
		if _, ok := runs[name]; !ok {
			order = append(order, name)
		}
		runs[name] = append(runs[name], values)
	}
	out := map[string]*result{}
	for name, rs := range runs {
		med := func(unit string) float64 {
			var v []float64
			for _, r := range rs {
				if x, ok := r[unit]; ok {
					v = append(v, x)
				}
			}
			if len(v) == 0 {
				return 0
			}
			slices.Sort(v)
			return v[len(v)/2]
		}
		res := &result{runs: len(rs), metrics: map[string]float64{}}
		for _, r := range rs {
			res.samples = append(res.samples, r["ns/op"])
			for unit := range r {
				res.metrics[unit] = 0
			}
		}
		for unit := range res.metrics {
			res.metrics[unit] = med(unit)
		}
		res.ns, res.bytes, res.allocs = med("ns/op"), med("B/op"), med("allocs/op")
		out[name] = res
	}
	return out, order, raw.String()
}

// find returns the benchmark whose name (without @procs) is name, at any
// GOMAXPROCS, preferring the highest.
func find(res map[string]*result, name string) *result {
	var best *result
	bestP := -1
	for k, r := range res {
		base, procs, _ := strings.Cut(k, "@")
		if base != name {
			continue
		}
		p, _ := strconv.Atoi(procs)
		if p > bestP {
			best, bestP = r, p
		}
	}
	return best
}

func at(res map[string]*result, name string, procs int) *result {
	return res[name+"@"+strconv.Itoa(procs)]
}

// scaling pairs the i-th run at one goroutine with the i-th at two (run
// next to each other when -cpu repeats 1,2) and returns the median, least
// and greatest throughput ratio over the pairs: pairing cancels the slow
// drift of a shared machine that medians taken apart do not.
func scaling(one, two *result) (med, lo, hi float64) {
	n := min(len(one.samples), len(two.samples))
	if n == 0 {
		return 0, 0, 0
	}
	r := make([]float64, n)
	for i := range n {
		r[i] = one.samples[i] / two.samples[i]
	}
	slices.Sort(r)
	if n%2 == 1 {
		med = r[n/2]
	} else {
		med = (r[n/2-1] + r[n/2]) / 2
	}
	return med, r[0], r[n-1]
}

// anySpec reports whether prefix+spec+suffix ran for any spec.
func anySpec(res map[string]*result, prefix, suffix string) bool {
	for _, s := range specs {
		if find(res, prefix+s+suffix) != nil {
			return true
		}
	}
	return false
}

// envelope is one row of the Envelopes table.
type envelope struct {
	name, spec string
	r, raw     *result
}

// envelopes pairs each wrap benchmark of package wrap, in run order, with
// the raw key generation of its data key's curve from the same run.
func envelopes(res map[string]*result, order []string) []envelope {
	var rows []envelope
	for _, key := range order {
		name, _, _ := strings.Cut(key, "@")
		var label, spec string
		switch {
		case strings.HasPrefix(name, "BenchmarkMasterKeyWrap/"):
			label, spec = "master key "+strings.TrimPrefix(name, "BenchmarkMasterKeyWrap/"), "ECC_NIST_P256"
		case strings.HasPrefix(name, "BenchmarkCustomKeyWrap/"):
			alg, s, ok := strings.Cut(strings.TrimPrefix(name, "BenchmarkCustomKeyWrap/"), "/")
			if !ok {
				continue
			}
			label, spec = alg, s
		case name == "BenchmarkRecipientWrapP256":
			label, spec = "recipient (CMS, RSAES-OAEP-SHA-256)", "ECC_NIST_P256"
		default:
			continue
		}
		raw := find(res, "BenchmarkRawGenerateKey/"+spec)
		if raw == nil {
			continue
		}
		rows = append(rows, envelope{label, spec, res[key], raw})
	}
	return rows
}

func us(ns float64) string { return fmt.Sprintf("%.1f µs", ns/1000) }

func verdict(ok bool) string {
	if ok {
		return "within"
	}
	return "**over**"
}

var specs = []string{"ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2"}

func main() {
	peerFile := flag.String("peer", "", "the JSON report of `loadgen peer` (scripts/peerbench)")
	beforeFile := flag.String("profile-before", "", "a `loadgen peer -profile-only` report: the profile before the hot-path work")
	machine := flag.String("machine", "", "machine description")
	flag.Parse()
	var peer, before *peerReport
	for _, f := range []struct {
		path string
		to   **peerReport
	}{{*peerFile, &peer}, {*beforeFile, &before}} {
		if f.path == "" {
			continue
		}
		r, err := readPeer(f.path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
		*f.to = r
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	render(w, os.Stdin, *machine, peer, before)
}

// render writes BENCHMARKS.md for the benchmark output in r and the peer
// report (nil for none).
func render(w io.Writer, r io.Reader, machine string, peer, before *peerReport) {
	res, order, raw := parse(r)
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }

	p("# Benchmarks\n\nMade by `scripts/bench` (do not edit by hand): `go test -bench -benchmem -count N` on\n")
	p("curves, encoding, wrap and provider, medians over the runs, and ratios between benchmarks of the\n")
	p("same run, so machine speed cancels out. Budgets are DESIGN.md's.\n")
	if peer != nil {
		p("The server sections (ecdkp serve vs local-kms, memory, profile) come from `scripts/peerbench`, run by\n")
		p("scripts/bench in the same run.\n")
	}
	p("\n")
	if machine != "" {
		p("Machine: %s\n\n", machine)
	}

	if anySpec(res, "BenchmarkCreateEcDatakeyPair/", "/paired") {
		inProcess(p, res)
	}
	if anySpec(res, "BenchmarkHandler/", "/paired") {
		handlerAdded(p, res)
	}

	rawOne, rawTwo := at(res, "BenchmarkCreateParallel/raw", 1), at(res, "BenchmarkCreateParallel/raw", 2)
	one, two := at(res, "BenchmarkCreateParallel/create", 1), at(res, "BenchmarkCreateParallel/create", 2)
	if one != nil && two != nil && rawOne != nil && rawTwo != nil {
		scale, lo, hi := scaling(one, two)
		rawScale, rawLo, rawHi := scaling(rawOne, rawTwo)
		p("\n## Scaling\n\nP-256 throughput with 2 goroutines over 1 (`-cpu 1,2` repeated, so each 2-goroutine run\n")
		p("is paired with the 1-goroutine run just before it; median of the %d pair ratios, range in brackets).\n", min(len(one.samples), len(two.samples)))
		p("Budget: 2 goroutines give at least 1.8x one. The raw operation's scaling is what the machine and\n")
		p("the Go runtime allow (its garbage collector's fixed cost per cycle weighs more at 2 Ps).\n\n")
		p("| operation | 1 goroutine | 2 goroutines | throughput vs one | allocs/op | B/op |\n|---|---|---|---|---|---|\n")
		p("| raw GenerateKey | %.0f ns | %.0f ns | %.2fx [%.2f-%.2f] | %.0f | %.0f |\n", rawOne.ns, rawTwo.ns, rawScale, rawLo, rawHi, rawTwo.allocs, rawTwo.bytes)
		p("| CreateEcDatakeyPair | %.0f ns | %.0f ns | %.2fx [%.2f-%.2f] (%s; %.0f%% of the raw scaling) | %.0f | %.0f |\n",
			one.ns, two.ns, scale, lo, hi, verdict(scale >= 1.8), 100*scale/rawScale, two.allocs, two.bytes)
	}

	if base := find(res, "BenchmarkHolders/master-key-only"); base != nil {
		p("\n## Holders of the private key\n\nP-256 creation (SM2 for SM2_ENVELOPED_KEY) with each holder, vs the master-key-only path\n")
		p("(plaintext off). The recipient verifies its attestation document on every call.\n\n")
		p("| holder | ns/op | vs master key only | allocs/op |\n|---|---|---|---|\n")
		for _, name := range order {
			b, _, _ := strings.Cut(name, "@")
			h, ok := strings.CutPrefix(b, "BenchmarkHolders/")
			if !ok {
				continue
			}
			r := res[name]
			p("| %s | %s | %.2fx | %.0f |\n", h, us(r.ns), r.ns/base.ns, r.allocs)
		}
	}

	if rows := envelopes(res, order); len(rows) > 0 {
		p("\n## Envelopes\n\nOne Wrap of a PKCS#8 private key (P-256, or SM2 for SM2_ENVELOPED_KEY), vs raw `GenerateKey`\n")
		p("of that curve in the same `go test` run of package wrap.\n\n")
		p("| envelope | data key | ns/op | vs raw GenerateKey | allocs/op |\n|---|---|---|---|---|\n")
		for _, e := range rows {
			p("| %s | %s | %.0f | %.2fx | %.0f |\n", e.name, e.spec, e.r.ns, e.r.ns/e.raw.ns, e.r.allocs)
		}
	}

	envelopeVersions(p, res)
	etcdStore(p, res)

	if p256 := find(res, "BenchmarkCreateEcDatakeyPair/ECC_NIST_P256/raw"); p256 != nil {
		p("\n## Encoding\n\nMarshalPKCS8 + MarshalSPKI per spec. Budget: at most 10%% of P-256 key generation and 12 allocations.\n\n")
		p("| spec | ns/op | share of P-256 GenerateKey | allocs/op | budget |\n|---|---|---|---|---|\n")
		for _, s := range specs {
			r := find(res, "BenchmarkMarshal/"+s)
			if r == nil {
				continue
			}
			share := r.ns / p256.ns
			p("| %s | %.0f | %.1f%% | %.0f | %s |\n", s, r.ns, 100*share, r.allocs, verdict(share <= 0.10 && r.allocs <= 12))
		}
	}

	ct, nc := find(res, "BenchmarkSecp256k1ScalarBaseMult/ConstantTime"), find(res, "BenchmarkSecp256k1ScalarBaseMult/dcrdNonConst")
	if ct != nil && nc != nil {
		p("\n## Constant-time secp256k1\n\nOur constant-time fixed-base multiplication vs dcrd's `ScalarBaseMultNonConst`. Budget: at most 2x.\n\n")
		p("| implementation | ns/op |\n|---|---|\n| constant time | %.0f |\n| dcrd NonConst | %.0f |\n| ratio | %.2fx (%s) |\n", ct.ns, nc.ns, ct.ns/nc.ns, verdict(ct.ns/nc.ns <= 2))
	}

	if peer != nil {
		renderPeer(p, peer, before)
	}
	p("\n## Raw output\n\n<details><summary>go test -bench output</summary>\n\n```\n%s```\n</details>\n", raw)
}

// inProcess writes the in-process vs raw GenerateKey table.
func inProcess(p func(string, ...any), res map[string]*result) {
	p("## CreateEcDatakeyPair in process vs raw key generation\n\n")
	p("Plaintext on, AES_256 master key. Budget: at most 1.25x raw `GenerateKey` and 20 allocations.\n")
	p("Times and ratio from the paired benchmark (the two alternated call by call, medians over the runs);\n")
	p("allocations from the call alone.\n\n")
	p("| spec | raw GenerateKey | CreateEcDatakeyPair | ratio | allocs/op | B/op | budget |\n|---|---|---|---|---|---|---|\n")
	for _, s := range specs {
		pr, cr := find(res, "BenchmarkCreateEcDatakeyPair/"+s+"/paired"), find(res, "BenchmarkCreateEcDatakeyPair/"+s+"/create")
		if pr == nil || cr == nil {
			continue
		}
		ratio := pr.metrics["ratio"]
		p("| %s | %s | %s | %.2fx | %.0f | %.0f | %s |\n", s, us(pr.metrics["raw-ns/op"]), us(pr.metrics["create-ns/op"]), ratio, cr.allocs, cr.bytes, verdict(ratio <= 1.25 && cr.allocs <= 20))
	}
}

// handlerAdded writes the handler vs in-process table.
func handlerAdded(p func(string, ...any), res map[string]*result) {
	p("\n## HTTP handler vs in-process call\n\nhttptest recorder, no network. Budget: the handler adds at most 15 µs.\n")
	p("Times from the paired benchmark (alternated call by call, medians over the runs).\n\n")
	p("| spec | in process | handler | added | allocs/op (handler) | budget |\n|---|---|---|---|---|---|\n")
	for _, s := range specs {
		pr, h := find(res, "BenchmarkHandler/"+s+"/paired"), find(res, "BenchmarkHandler/"+s+"/handler")
		if pr == nil || h == nil {
			continue
		}
		added := pr.metrics["added-ns/op"]
		p("| %s | %s | %s | %s | %.0f | %s |\n", s, us(pr.metrics["inproc-ns/op"]), us(pr.metrics["handler-ns/op"]), us(added), h.allocs, verdict(added <= 15000))
	}
}

// masterKeyAlgs are the sub-benchmarks of BenchmarkMasterKeyV1V2.
var masterKeyAlgs = []string{"AES-256-GCM", "SM4-GCM"}

// envelopeVersions writes the master-key envelope v2 vs v1 table.
func envelopeVersions(p func(string, ...any), res map[string]*result) {
	header := false
	for _, alg := range masterKeyAlgs {
		pr := find(res, "BenchmarkMasterKeyV1V2/"+alg+"/paired")
		v1, v2 := find(res, "BenchmarkMasterKeyV1V2/"+alg+"/v1"), find(res, "BenchmarkMasterKeyV1V2/"+alg+"/v2")
		if pr == nil || v1 == nil || v2 == nil {
			continue
		}
		if !header {
			p("\n## Master-key envelope v2 vs v1\n\nOne seal of a P-256 PKCS#8 with a Huawei AAD into a buffer with the room (as the provider\n")
			p("seals), the two versions alternated call by call (medians over the runs); allocations from each alone.\n")
			p("v1: GCM under the master key; v2: XAES-256-GCM / XSM4-GCM, a key derived per envelope. Budget: v2 at most 1 µs over v1.\n\n")
			p("| master key algorithm | v1 | v2 | added | allocs/op v1 / v2 | budget |\n|---|---|---|---|---|---|\n")
			header = true
		}
		added := pr.metrics["added-ns/op"]
		p("| %s | %.0f ns | %.0f ns | %.0f ns | %.0f / %.0f | %s |\n", alg, pr.metrics["v1-ns/op"], pr.metrics["v2-ns/op"], added, v1.allocs, v2.allocs, verdict(added <= 1000))
	}
}

// etcdStore writes the etcd store vs keyring table (package
// provider/keystore/etcd's BenchmarkEtcdStore).
func etcdStore(p func(string, ...any), res map[string]*result) {
	header := false
	for _, s := range []string{"ECC_NIST_P256", "SM2", "ECC_NIST_P384"} {
		cpu, pr := find(res, "BenchmarkEtcdStore/"+s+"/paired-cpu"), find(res, "BenchmarkEtcdStore/"+s+"/paired")
		if cpu == nil || pr == nil {
			continue
		}
		if !header {
			p("\n## etcd store vs keyring\n\nIn-process create with the etcd store (3-member cluster on loopback, watch and heartbeat\n")
			p("running) beside the keyring, alternated in one run. CPU is this process's per call over alternating blocks.\n")
			p("Budget: the etcd store at most 1.1x the keyring's CPU per request.\n\n")
			p("| spec | keyring CPU | etcd CPU | CPU ratio | time ratio | budget |\n|---|---|---|---|---|---|\n")
			header = true
		}
		ratio := cpu.metrics["cpu-ratio"]
		p("| %s | %s | %s | %.3fx | %.3fx | %s |\n", s, us(cpu.metrics["keyring-cpu-ns/op"]), us(cpu.metrics["etcd-cpu-ns/op"]), ratio, pr.metrics["ratio"], verdict(ratio <= 1.1))
	}
	seq, pseq := find(res, "BenchmarkEtcdStore/ECC_NIST_P256/etcd-seq"), find(res, "BenchmarkEtcdStore/ECC_NIST_P256/paired-seq")
	if header && seq != nil && pseq != nil {
		p("\nWith a sequence on every request (one etcd transaction, the replay window's claim), P-256: %s per call\n", us(seq.ns))
		p("(%.1fx the keyring's time), %s of this process's CPU and %s of the etcd members' CPU per call.\n",
			pseq.metrics["ratio"], us(seq.metrics["cpu-ns/op"]), us(seq.metrics["server-cpu-ns/op"]))
	}
}
