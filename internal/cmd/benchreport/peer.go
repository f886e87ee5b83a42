package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/ecdkp/ecdkp/internal/peerreport"
)

// The report `loadgen peer` (scripts/peerbench) writes (package
// peerreport), by the names this command uses.
type (
	peerReport = peerreport.Report
	rawRun     = peerreport.Raw
	run        = peerreport.Run
	profile    = peerreport.Profile
	category   = peerreport.Category
)

func readPeer(path string) (*peerReport, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r peerReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// Budget of the issue: P-256 over 4 connections, AWS dialect.
const (
	budgetSpec       = "ECC_NIST_P256"
	budgetConns      = 4
	budgetVsRaw      = 2.0
	budgetVsLocalKMS = 1.0 / 3
	budgetRSSMiB     = 64
)

// rawCPU is the median raw key generation CPU per key of a spec, in µs.
func rawCPU(r *peerReport, spec string) float64 {
	var v []float64
	for _, x := range r.Raw {
		if x.Spec == spec {
			v = append(v, x.CPUNs/1000)
		}
	}
	return median(v)
}

func runsOf(r *peerReport, target, spec string, conns int) []run {
	var out []run
	for _, x := range r.Runs {
		if x.Target == target && x.Spec == spec && x.Conns == conns {
			out = append(out, x)
		}
	}
	return out
}

// pairedRatio is the median over repetitions of a's CPU per request over
// b's in the same repetition.
func pairedRatio(a, b []run) float64 {
	var v []float64
	for _, x := range a {
		for _, y := range b {
			if x.Rep == y.Rep && y.CPUus > 0 {
				v = append(v, x.CPUus/y.CPUus)
			}
		}
	}
	return median(v)
}

func medianOf(rs []run, f func(run) float64) float64 {
	v := make([]float64, len(rs))
	for i, x := range rs {
		v[i] = f(x)
	}
	return median(v)
}

var targetOrder = []string{"ecdkp-aws", "local-kms", "ecdkp-huawei", peerreport.FloorHTTP, peerreport.FloorTCP}

// floors are loadgen's servers that answer a canned body and do no work:
// what the transport alone costs.
var floors = []struct{ target, what string }{
	{peerreport.FloorHTTP, "net/http (ecdkp's timeouts) reading the body and answering a canned answer"},
	{peerreport.FloorTCP, "a bare socket loop, one read and one write a request"},
}

// renderPeer writes the side-by-side sections.
func renderPeer(p func(string, ...any), r *peerReport, before *peerReport) {
	p("\n## ecdkp serve vs local-kms\n\n")
	p("`scripts/peerbench` (loadgen): `ecdkp serve` and local-kms on 127.0.0.1, driven by one client with the same\n")
	p("AWS `GenerateDataKeyPair` requests, each signed anew with SigV4 and a unique nonce header (local-kms does not\n")
	p("check signatures); ecdkp's Huawei dialect with AK/SK signing too. ecdkp runs with its audit trail (a file) and\n")
	p("request log (a file) on, TLS off. %d repetitions of %g s per configuration, the servers alternated within\n", r.Reps, r.Seconds)
	p("each repetition (which goes first rotates); medians over the repetitions. Server CPU is utime+stime of the\n")
	p("server process (/proc/PID/stat) over the repetition divided by the requests answered; raw GenerateKey is\n")
	p("key generation alone in the client's process, CPU per key, measured between the repetitions of the same run.\n")
	p("Ratios to local-kms are the median of the per-repetition ratios. Allocations per request are ecdkp's Go heap\n")
	p("allocations (go_memstats_mallocs_total on its /metrics) over the repetition.\n\n")
	p("Run %s, %d cores (%s), %s, 1-minute load average %.2f at the start.\n", r.Label, r.CPUs, r.Machine, r.Go, r.LoadAvgStart)
	if raw := rawCPU(r, budgetSpec); raw > 0 {
		p("Raw P-256 GenerateKey in this run: %.1f µs of CPU per key.\n", raw)
	}

	specs := []string{}
	for _, x := range r.Runs {
		if !slices.Contains(specs, x.Spec) {
			specs = append(specs, x.Spec)
		}
	}
	for _, spec := range specs {
		raw := rawCPU(r, spec)
		p("\n### %s (raw GenerateKey %.1f µs CPU)\n\n", spec, raw)
		p("| target | conns | req/s | server CPU µs/req | vs raw | vs local-kms | p50 | p99 | allocs/req | errors, non-2xx |\n")
		p("|---|---|---|---|---|---|---|---|---|---|\n")
		for _, n := range r.Conns {
			lk := runsOf(r, "local-kms", spec, n)
			for _, t := range targetOrder {
				rs := runsOf(r, t, spec, n)
				if len(rs) == 0 {
					continue
				}
				cpu := medianOf(rs, func(x run) float64 { return x.CPUus })
				vsLK := "—"
				if t != "local-kms" && len(lk) > 0 {
					vsLK = fmt.Sprintf("%.2fx", pairedRatio(rs, lk))
				}
				allocs := "—"
				if a := medianOf(rs, func(x run) float64 { return x.Allocs }); a >= 0 && rs[0].Server == "ecdkp" {
					allocs = fmt.Sprintf("%.1f", a)
				}
				var errs, non2xx int64
				for _, x := range rs {
					errs += x.Errors
					non2xx += x.Non2xx
				}
				p("| %s | %d | %.0f | %.1f | %.2fx | %s | %.0f µs | %.0f µs | %s | %d, %d |\n", t, n,
					medianOf(rs, func(x run) float64 { return x.RPS }), cpu, cpu/raw, vsLK,
					medianOf(rs, func(x run) float64 { return x.P50us }), medianOf(rs, func(x run) float64 { return x.P99us }), allocs, errs, non2xx)
			}
		}
	}

	aws, lk := runsOf(r, "ecdkp-aws", budgetSpec, budgetConns), runsOf(r, "local-kms", budgetSpec, budgetConns)
	if len(aws) > 0 {
		raw := rawCPU(r, budgetSpec)
		cpu := medianOf(aws, func(x run) float64 { return x.CPUus })
		p("\n### Budget\n\nP-256, 4 connections, AWS dialect: server CPU per request at most %.0fx raw GenerateKey and at most\n", budgetVsRaw)
		p("1/3 of local-kms's, in the same run.\n\n")
		p("| check | measured | budget | verdict |\n|---|---|---|---|\n")
		p("| CPU per request vs raw GenerateKey | %.1f µs / %.1f µs = %.2fx | %.2fx | %s |\n", cpu, raw, cpu/raw, budgetVsRaw, verdict(cpu/raw <= budgetVsRaw))
		if len(lk) > 0 {
			ratio := pairedRatio(aws, lk)
			p("| CPU per request vs local-kms | %.2fx (local-kms %.1f µs) | %.2fx | %s |\n", ratio, medianOf(lk, func(x run) float64 { return x.CPUus }), budgetVsLocalKMS, verdict(ratio <= budgetVsLocalKMS))
		}
		renderFloors(p, r, cpu, raw)
	}

	if len(r.Memory) > 0 {
		p("\n## Memory under 32 connections\n\n")
		p("Freshly started servers, 32 keep-alive connections, every spec the server serves in turn (local-kms: its\n")
		p("three), up to 20000 requests per target. Peak RSS is the server's VmHWM (/proc/PID/status) after the run:\n")
		p("ecdkp's Huawei row follows its AWS row on the same process, so it is the peak of both.\n")
		p("Budget: ecdkp under %d MiB, 0 errors, 0 non-2xx.\n\n", budgetRSSMiB)
		p("| target | requests | req/s | p50 | p99 | peak RSS | allocs/req | errors, non-2xx | budget |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, m := range r.Memory {
			allocs, v := "—", "—"
			if m.Server == "ecdkp" {
				allocs = fmt.Sprintf("%.1f", m.Allocs)
				v = verdict(m.RSSKiB < budgetRSSMiB*1024 && m.Errors == 0 && m.Non2xx == 0)
			}
			p("| %s | %d | %.0f | %.0f µs | %.0f µs | %.1f MiB | %s | %d, %d | %s |\n", m.Target, m.Requests, m.RPS, m.P50us, m.P99us, float64(m.RSSKiB)/1024, allocs, m.Errors, m.Non2xx, v)
		}
		if len(r.MatrixRSSKiB) > 0 {
			p("\nPeak RSS of the servers that served all the repetitions above (ecdkp's includes its replay window: every\n")
			p("accepted signature of the last 5 minutes, about 8 bytes each):")
			for _, s := range []string{"ecdkp", "local-kms"} {
				if kib, ok := r.MatrixRSSKiB[s]; ok {
					p(" %s %.1f MiB;", s, float64(kib)/1024)
				}
			}
			p("\n")
		}
	}

	if r.Profile != nil {
		renderProfiles(p, r, before)
	}
}

// renderFloors writes what the transport alone costs beside the budget:
// the floors' CPU per request at the budget's spec and connections, and
// what the budget leaves for the KMS work once the curve and net/http are
// paid.
func renderFloors(p func(string, ...any), r *peerReport, cpu, raw float64) {
	var rows []string
	var httpFloor float64
	for _, f := range floors {
		rs := runsOf(r, f.target, budgetSpec, budgetConns)
		if len(rs) == 0 {
			continue
		}
		c := medianOf(rs, func(x run) float64 { return x.CPUus })
		if f.target == peerreport.FloorHTTP {
			httpFloor = c
		}
		rows = append(rows, fmt.Sprintf("| %s: %s | %.1f µs | %.2fx |\n", f.target, f.what, c, c/raw))
	}
	if len(rows) == 0 {
		return
	}
	p("\nThe transport alone, measured beside it (same client, same requests, the same answer bytes, no work):\n\n")
	p("| server | CPU µs/req | vs raw GenerateKey |\n|---|---|---|\n")
	for _, row := range rows {
		p("%s", row)
	}
	if httpFloor > 0 {
		left := budgetVsRaw*raw - raw - httpFloor
		if left > 0 {
			p("\nOn net/http the budget of %.0fx leaves %.1f µs a request for everything but the curve and the transport\n", budgetVsRaw, left)
		} else {
			p("\nOn net/http the curve and the transport alone cost %.1f µs a request, %.1f µs over the budget of %.0fx before any\n", raw+httpFloor, -left, budgetVsRaw)
			p("other work: no server on net/http meets it on this machine. The rest\n")
		}
		p("(signature check, parsing, admission, envelope, audit trail, request log, metrics) costs ecdkp %.1f µs.\n", cpu-raw-httpFloor)
	}
}

// renderProfiles writes where the CPU of a request went, before the
// hot-path work (a profile taken then and kept) and now.
func renderProfiles(p func(string, ...any), now, before *peerReport) {
	p("\n## Where a request's CPU goes\n\n")
	p("CPU profile of `ecdkp serve` (--pprof-addr) under the AWS dialect, P-256, 4 connections, summarized by\n")
	p("loadgen: each sample goes to the innermost component on its stack (allocation and the garbage collector\n")
	p("apart), times the CPU per request of the same window. \"in syscalls\" is the part of it inside system calls.\n")
	cols := []*peerReport{now}
	names := []string{"now (" + now.Profile.Label + ")"}
	if before != nil && before.Profile != nil {
		cols = []*peerReport{before, now}
		names = []string{"before (" + before.Profile.Label + ")", names[0]}
		p("The \"before\" profile was taken by `scripts/peerbench --freeze-profile` before the work and is kept in\n")
		p("internal/cmd/benchreport/profile-before.json; compare the ratios to raw key generation, not the µs, when the\n")
		p("machine's speed differs between the two.\n")
	}
	p("\n| | ")
	p("%s |\n|---|", strings.Join(names, " | "))
	p("%s\n", strings.Repeat("---|", len(cols)))
	p("| server CPU per request |")
	for _, c := range cols {
		p(" %.1f µs |", c.Profile.Run.CPUus)
	}
	p("\n| raw P-256 GenerateKey (CPU) |")
	for _, c := range cols {
		p(" %.1f µs |", rawCPU(c, budgetSpec))
	}
	p("\n| ratio |")
	for _, c := range cols {
		p(" %.2fx |", c.Profile.Run.CPUus/rawCPU(c, budgetSpec))
	}
	p("\n| allocations per request |")
	for _, c := range cols {
		p(" %.1f |", c.Profile.Run.Allocs)
	}
	p("\n| req/s during the profile |")
	for _, c := range cols {
		p(" %.0f |", c.Profile.Run.RPS)
	}
	p("\n| in syscalls |")
	for _, c := range cols {
		p(" %.0f%% |", 100*c.Profile.SyscallShare)
	}
	p("\n")
	var order []string
	for _, c := range cols {
		for _, cat := range c.Profile.Categories {
			if !slices.Contains(order, cat.Name) {
				order = append(order, cat.Name)
			}
		}
	}
	for _, name := range order {
		p("| %s |", name)
		for _, c := range cols {
			i := slices.IndexFunc(c.Profile.Categories, func(x category) bool { return x.Name == name })
			if i < 0 {
				p(" — |")
				continue
			}
			cat := c.Profile.Categories[i]
			p(" %.1f µs (%.0f%%", cat.Us, 100*cat.Share)
			if cat.SyscallShare > 0.005 {
				p(", %.0f%% in syscalls", 100*cat.SyscallShare)
			}
			p(") |")
		}
		p("\n")
	}
	p("\nFunctions with the most CPU of their own, now:\n\n| function | µs/req | share |\n|---|---|---|\n")
	for _, t := range now.Profile.Top[:min(10, len(now.Profile.Top))] {
		p("| `%s` | %.1f | %.1f%% |\n", t.Name, t.Us, 100*t.Share)
	}
}
