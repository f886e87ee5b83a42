package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ecdkp/ecdkp/curves"
)

// Specs both servers serve, and those only ecdkp does.
var (
	peerSpecs  = []string{string(curves.P256), string(curves.P384), string(curves.Secp256k1)}
	ecdkpSpecs = []string{string(curves.SM2), string(curves.Ed25519)}
)

func runPeer(args []string) error {
	fs := flag.NewFlagSet("peer", flag.ExitOnError)
	ecdkpBin := fs.String("ecdkp", "", "the ecdkp binary")
	localKMSBin := fs.String("local-kms", "", "the local-kms binary (none: ecdkp alone)")
	out := fs.String("out", "", "write the JSON report here")
	reps := fs.Int("reps", 3, "repetitions of each configuration")
	dur := fs.Duration("dur", 2*time.Second, "length of one repetition")
	connsFlag := fs.String("conns", "1,4,16", "keep-alive connections, a comma list")
	profileSeconds := fs.Int("profile-seconds", 8, "profile ecdkp (AWS, P-256, 4 connections) this long; 0: no profile")
	profileOnly := fs.Bool("profile-only", false, "only the profile (and the raw P-256 key generation)")
	label := fs.String("label", "", "what was measured (the commit), for the report")
	pprofOut := fs.String("pprof-out", "", "also keep the CPU profile here")
	_ = fs.Parse(args)
	if *ecdkpBin == "" || *out == "" {
		return errors.New("peer needs -ecdkp and -out")
	}
	var conns []int
	for _, s := range strings.Split(*connsFlag, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("-conns: %q is not a count", s)
		}
		conns = append(conns, n)
	}
	dir, err := os.MkdirTemp("", "loadgen-peer-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Several access keys, one per repetition in turn: each key's replay
	// window holds at most DefaultReplayEntriesPerKey signatures.
	var creds []credential
	for i := range 8 {
		creds = append(creds, credential{ak: fmt.Sprintf("LOADGEN%dAK%s", i, randomHex(4)), sk: randomHex(20), region: "us-east-1"})
	}
	nextCred := 0
	driveOnce := func(t *target, specs []string, n int, d time.Duration, maxRequests int64) (runResult, error) {
		t.cred = creds[nextCred%len(creds)]
		nextCred++
		return drive(t, specs, n, d, maxRequests)
	}
	rep := &peerReport{Machine: cpuModel(), CPUs: runtime.NumCPU(), Go: runtime.Version(), Label: *label,
		LoadAvgStart: loadAvg(), Reps: *reps, Seconds: dur.Seconds(), Conns: conns}
	withLocalKMS := *localKMSBin != "" && !*profileOnly

	var servers []*server
	stopAll := func() {
		for _, s := range servers {
			s.stop()
		}
		servers = nil
	}
	defer stopAll()
	// startAll starts a fresh ecdkp (and local-kms) and returns the
	// targets: ecdkp's AWS dialect, local-kms, ecdkp's Huawei dialect.
	startAll := func() ([]*target, error) {
		ecdkp, keyID, project, err := startEcdkp(*ecdkpBin, dir, creds, *profileSeconds > 0)
		if err != nil {
			return nil, err
		}
		servers = append(servers, ecdkp)
		metricsURL := "http://" + ecdkp.addrs["metrics"] + "/metrics"
		aws := &target{name: "ecdkp-aws", server: "ecdkp", dialect: "aws", host: ecdkp.addrs["serving"], pid: ecdkp.pid(),
			metricsURL: metricsURL, keyID: keyID, pprofAddr: ecdkp.addrs["pprof"]}
		hw := &target{name: "ecdkp-huawei", server: "ecdkp", dialect: "huawei", host: ecdkp.addrs["serving"], pid: ecdkp.pid(),
			metricsURL: metricsURL, keyID: keyID, project: project}
		if !withLocalKMS {
			return []*target{aws, hw}, nil
		}
		lk, addr, err := startLocalKMS(*localKMSBin, dir, creds[0].region, "111122223333")
		if err != nil {
			return nil, err
		}
		servers = append(servers, lk)
		lkT := &target{name: "local-kms", server: "local-kms", dialect: "aws", host: addr, pid: lk.pid(), cred: creds[0]}
		var created struct {
			KeyMetadata struct {
				KeyID string `json:"KeyId"`
			}
		}
		if err := lkT.call(operation{awsTarget: "TrentService.CreateKey", body: []byte("{}")}, &created); err != nil {
			return nil, fmt.Errorf("loadgen: local-kms CreateKey: %w", err)
		}
		if lkT.keyID = created.KeyMetadata.KeyID; lkT.keyID == "" {
			return nil, errors.New("loadgen: local-kms CreateKey answered no KeyId")
		}
		return []*target{aws, lkT, hw}, nil
	}
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

	measureRaw := func(spec string, r int) error {
		raw, err := rawGenerate(spec, 500*time.Millisecond)
		if err != nil {
			return err
		}
		raw.Rep = r
		rep.Raw = append(rep.Raw, raw)
		return nil
	}
	all, err := startAll()
	if err != nil {
		return err
	}
	if !*profileOnly {
		// The transport floors, beside the servers at P-256: they answer
		// ecdkp's own answer, captured here.
		all[0].cred = creds[0]
		answer, err := captureAnswer(all[0], string(curves.P256))
		if err != nil {
			return err
		}
		var floors []*target
		for _, mode := range []string{floorHTTP, floorTCP} {
			s, addr, err := startFloor(mode, dir, answer)
			if err != nil {
				return err
			}
			servers = append(servers, s)
			floors = append(floors, &target{name: mode, server: mode, dialect: "aws", host: addr, pid: s.pid(), keyID: all[0].keyID})
		}
		for r := range *reps {
			for _, spec := range append(append([]string{}, peerSpecs...), ecdkpSpecs...) {
				if err := measureRaw(spec, r); err != nil {
					return err
				}
				targets := all
				switch {
				case spec == string(curves.P256):
					targets = append(append([]*target{}, all...), floors...)
				case !isPeerSpec(spec):
					targets = ecdkpOnly(all)
				}
				for _, n := range conns {
					// Alternate which server goes first, repetition by
					// repetition.
					for i := range targets {
						t := targets[(i+r)%len(targets)]
						res, err := driveOnce(t, []string{spec}, n, *dur, 1<<30)
						if err != nil {
							return err
						}
						res.Rep = r
						rep.Runs = append(rep.Runs, res)
						logf("%-13s %-22s %2d conns rep %d: %6.0f req/s, %5.1f µs CPU/req, p50 %6.0f µs, p99 %6.0f µs, %d errors, %d non-2xx %s",
							t.name, spec, n, r, res.RPS, res.CPUus, res.P50us, res.P99us, res.Errors, res.Non2xx, res.FirstError)
					}
				}
			}
		}
		// The peak of the long-running servers, the replay window of
		// the last minutes of signatures included.
		rep.MatrixRSSKiB = map[string]int64{}
		for _, t := range all {
			rep.MatrixRSSKiB[t.server], _ = statusKiB(t.pid, "VmHWM")
		}
		// Memory: fresh servers, 32 connections, every spec the server
		// serves in turn.
		stopAll()
		if all, err = startAll(); err != nil {
			return err
		}
		var every []string
		for _, s := range curves.Specs() {
			every = append(every, string(s))
		}
		for _, t := range all {
			specs := every
			if t.server != "ecdkp" {
				specs = peerSpecs
			}
			res, err := driveOnce(t, specs, 32, 30*time.Second, 20000)
			if err != nil {
				return err
			}
			rep.Memory = append(rep.Memory, res)
			logf("%-13s mixed, 32 conns: %d requests, %6.0f req/s, peak RSS %.1f MiB, %d errors, %d non-2xx %s",
				t.name, res.Requests, res.RPS, float64(res.RSSKiB)/1024, res.Errors, res.Non2xx, res.FirstError)
		}
	}
	if *profileSeconds > 0 {
		t := all[0]
		t.cred = creds[nextCred%len(creds)]
		nextCred++
		p, err := profile(t.pprofAddr, t, *profileSeconds, dir, *pprofOut)
		if err != nil {
			return err
		}
		p.Label = *label
		rep.Profile = p
		if *profileOnly {
			if err := measureRaw(string(curves.P256), 0); err != nil {
				return err
			}
		}
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// ecdkpOnly drops local-kms from targets.
func ecdkpOnly(targets []*target) []*target {
	var out []*target
	for _, t := range targets {
		if t.server == "ecdkp" {
			out = append(out, t)
		}
	}
	return out
}

func isPeerSpec(s string) bool {
	for _, p := range peerSpecs {
		if p == s {
			return true
		}
	}
	return false
}

// profile drives t with P-256 over 4 connections while taking a CPU
// profile of the server, and summarizes it.
func profile(pprofAddr string, t *target, seconds int, dir, keep string) (*profileSummary, error) {
	path := filepath.Join(dir, "cpu.pprof")
	if keep != "" {
		path = keep
	}
	errc := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond) // the load runs first
		errc <- fetchProfile(pprofAddr, seconds, path)
	}()
	res, err := drive(t, []string{string(curves.P256)}, 4, time.Duration(seconds)*time.Second+time.Second, 1<<30)
	if perr := <-errc; perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, err
	}
	traces, err := readTraces(path)
	if err != nil {
		return nil, err
	}
	cats, sys, top, total := summarize(traces, res.CPUus)
	return &profileSummary{Run: res, Samples: total.Seconds(), Categories: cats, SyscallShare: sys, Top: top}, nil
}
