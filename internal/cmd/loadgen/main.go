// Command loadgen drives KMS servers on loopback with signed
// GenerateDataKeyPair (AWS) and create-ec-datakey-pair (Huawei) requests
// over keep-alive connections and measures them from outside: requests a
// second and latency on the client, the server's CPU per request from
// /proc/PID/stat, its peak RSS from /proc/PID/status, and (ecdkp) its Go
// allocations per request from its /metrics. Every request is signed anew
// with a unique X-Ecdkp-Nonce, so none is refused as a replay.
//
//	loadgen peer -ecdkp BIN [-local-kms BIN] -out FILE [-reps 3] [-dur 2s] [-conns 1,4,16] [-profile-seconds 8] [-profile-only] [-label TEXT]
//	loadgen drive -addr HOST:PORT -pid PID -dialect huawei|aws (-token T | -ak AK, secret in $LOADGEN_SK) -key-id ID [-project P] [-specs all|S,S] [-conns 32] [-requests N] [-dur D] [-metrics URL]
//	loadgen raw -spec SPEC [-dur 1s]
//	loadgen floor -mode floor-http|floor-tcp -answer FILE
//
// peer (run by scripts/peerbench) starts `ecdkp serve` and local-kms
// itself, alternates them repetition by repetition, and writes one JSON
// report that internal/cmd/benchreport renders into BENCHMARKS.md. drive
// runs one measurement against a server someone else started and prints
// it as JSON (the load test of cmd/ecdkp uses it). raw times key
// generation alone, the curve operation a request's cost is compared to.
// floor is a server that answers a canned body and does nothing else (see
// floor.go): peer runs it beside the real servers at P-256, as the
// transport's own cost.
//
// Loops are bounded by count and time, and only 127.0.0.1 is spoken to.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/peerreport"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen peer|drive|raw|floor [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "peer":
		err = runPeer(os.Args[2:])
	case "drive":
		err = runDrive(os.Args[2:])
	case "raw":
		err = runRaw(os.Args[2:])
	case "floor":
		err = runFloor(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q: peer, drive, raw or floor", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", strings.TrimPrefix(err.Error(), "loadgen: "))
		os.Exit(1)
	}
}

// The report's types (package peerreport), by the names this command uses.
type (
	peerReport     = peerreport.Report
	runResult      = peerreport.Run
	rawResult      = peerreport.Raw
	profileSummary = peerreport.Profile
	category       = peerreport.Category
)

// parseSpecs reads "all" (every spec of the registry) or a comma list.
func parseSpecs(s string) []string {
	if s == "all" {
		var out []string
		for _, sp := range curves.Specs() {
			out = append(out, string(sp))
		}
		return out
	}
	return strings.Split(s, ",")
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runRaw(args []string) error {
	fs := flag.NewFlagSet("raw", flag.ExitOnError)
	spec := fs.String("spec", string(curves.P256), "key spec")
	dur := fs.Duration("dur", time.Second, "how long")
	_ = fs.Parse(args)
	r, err := rawGenerate(*spec, *dur)
	if err != nil {
		return err
	}
	return printJSON(r)
}

func runDrive(args []string) error {
	fs := flag.NewFlagSet("drive", flag.ExitOnError)
	addr := fs.String("addr", "", "the server, 127.0.0.1:PORT")
	pid := fs.Int("pid", 0, "the server's process id")
	dialect := fs.String("dialect", "huawei", "huawei or aws")
	token := fs.String("token", "", "Huawei X-Auth-Token (instead of AK/SK)")
	ak := fs.String("ak", "", "access key (its secret in $LOADGEN_SK)")
	region := fs.String("region", "us-east-1", "SigV4 region")
	keyID := fs.String("key-id", "", "master key")
	project := fs.String("project", "00000000000000000000000000000000", "Huawei project of the key")
	specs := fs.String("specs", "all", "all, or a comma list of key specs, sent in turn")
	conns := fs.Int("conns", 32, "keep-alive connections")
	requests := fs.Int64("requests", 20000, "stop after this many answers")
	dur := fs.Duration("dur", 60*time.Second, "stop after this long")
	metricsURL := fs.String("metrics", "", "the server's /metrics URL, for allocations per request")
	_ = fs.Parse(args)
	if !strings.HasPrefix(*addr, "127.0.0.1:") || *pid <= 0 || *keyID == "" {
		return errors.New("drive needs -addr 127.0.0.1:PORT, -pid and -key-id")
	}
	t := &target{name: "ecdkp-" + *dialect, server: "ecdkp", dialect: *dialect, host: *addr, pid: *pid, metricsURL: *metricsURL,
		keyID: *keyID, project: *project, cred: credential{ak: *ak, sk: os.Getenv("LOADGEN_SK"), region: *region, token: *token}}
	r, err := drive(t, parseSpecs(*specs), *conns, *dur, *requests)
	if err != nil {
		return err
	}
	return printJSON(r)
}
