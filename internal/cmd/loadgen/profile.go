package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// components attribute a sample to the innermost frame (from the leaf
// towards the root) that matches one of them; the first rule that matches
// a frame wins. A sample that matches none is the runtime's (scheduler,
// netpoll).
var components = []struct {
	name     string
	prefixes []string
}{
	{"garbage collector (background and assists)", []string{"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.bgsweep", "runtime.bgscavenge", "runtime.gcDrain", "runtime.markroot", "runtime.sweepone", "runtime.gcStart", "runtime.forEachP"}},
	{"memory allocation (mallocgc)", []string{"runtime.mallocgc", "runtime.newobject", "runtime.makeslice", "runtime.growslice", "runtime.makemap", "runtime.concatstring", "runtime.slicebytetostring", "runtime.rawstring", "runtime.mapassign", "runtime.newarray"}},
	{"key generation (the curve)", []string{"github.com/ecdkp/ecdkp/curves."}},
	{"envelope and encoding (wrap, encoding)", []string{"github.com/ecdkp/ecdkp/wrap.", "github.com/ecdkp/ecdkp/encoding."}},
	{"signature check (provider/auth)", []string{"github.com/ecdkp/ecdkp/provider/auth."}},
	{"audit trail (JSONAuditor)", []string{"github.com/ecdkp/ecdkp/provider.(*JSONAuditor)", "github.com/ecdkp/ecdkp/provider.appendAudit"}},
	{"request log (slog)", []string{"log/slog."}},
	{"metrics (prometheus)", []string{"github.com/prometheus/", "main.(*metrics)", "main.auditors", "main.boundedSpec"}},
	{"JSON (jsonobj, jsonwrite, encoding/json)", []string{"github.com/ecdkp/ecdkp/internal/jsonobj.", "github.com/ecdkp/ecdkp/internal/jsonwrite.", "encoding/json."}},
	{"provider (admission, key store, replay)", []string{"github.com/ecdkp/ecdkp/provider.", "github.com/ecdkp/ecdkp/provider/keystore", "github.com/ecdkp/ecdkp/provider/policy", "github.com/ecdkp/ecdkp/internal/"}},
	{"dialect handlers (aws, huawei)", []string{"github.com/ecdkp/ecdkp/provider/aws.", "github.com/ecdkp/ecdkp/provider/huawei.", "main.dialects", "main.limited"}},
	{"net/http server, connection I/O", []string{"net/http.", "net/textproto.", "net/url.", "bufio.", "net.", "mime."}},
}

const runtimeCategory = "runtime (scheduler, netpoll, other)"

// isSyscall tells a frame inside a system call.
func isSyscall(fn string) bool {
	return strings.HasPrefix(fn, "syscall.Syscall") || strings.HasPrefix(fn, "syscall.RawSyscall") ||
		strings.HasPrefix(fn, "internal/runtime/syscall") || strings.HasPrefix(fn, "syscall.rawSyscall") ||
		strings.HasPrefix(fn, "syscall.rawVforkSyscall") || fn == "runtime.write1" || fn == "runtime.futex" ||
		fn == "runtime.epollwait" || fn == "runtime.usleep"
}

// trace is one stack of `go tool pprof -traces` and its value.
type trace struct {
	value  time.Duration
	frames []string // leaf first
}

// parseTraces reads the text of `go tool pprof -traces`.
func parseTraces(r io.Reader) ([]trace, error) {
	var out []trace
	var cur *trace
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-----------+") {
			cur = nil
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if cur == nil {
			// The first line of a stack: "  10ms  runtime.futex".
			if len(f) < 2 {
				continue
			}
			d, err := time.ParseDuration(f[0])
			if err != nil {
				continue // header lines, labels
			}
			out = append(out, trace{value: d, frames: []string{f[1]}})
			cur = &out[len(out)-1]
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "bytes:") || strings.Contains(line, ":") && !strings.Contains(f[0], ".") {
			continue // a label line
		}
		cur.frames = append(cur.frames, f[0])
	}
	return out, sc.Err()
}

// summarize attributes each trace to a component.
func summarize(traces []trace, cpuPerReq float64) (cats []category, syscall float64, top []category, total time.Duration) {
	by := map[string]time.Duration{}
	bySys := map[string]time.Duration{}
	flat := map[string]time.Duration{}
	var sys time.Duration
	for _, t := range traces {
		total += t.value
		name := runtimeCategory
	frames:
		for _, fn := range t.frames {
			for _, c := range components {
				for _, p := range c.prefixes {
					if strings.HasPrefix(fn, p) {
						name = c.name
						break frames
					}
				}
			}
		}
		by[name] += t.value
		if slices.ContainsFunc(t.frames, isSyscall) {
			bySys[name] += t.value
			sys += t.value
		}
		if len(t.frames) > 0 {
			flat[t.frames[0]] += t.value
		}
	}
	if total == 0 {
		return nil, 0, nil, 0
	}
	share := func(d time.Duration) float64 { return float64(d) / float64(total) }
	for _, c := range append(slices.Collect(func(yield func(string) bool) {
		for _, c := range components {
			if !yield(c.name) {
				return
			}
		}
	}), runtimeCategory) {
		if by[c] == 0 {
			continue
		}
		cats = append(cats, category{Name: c, Share: share(by[c]), Us: share(by[c]) * cpuPerReq, SyscallShare: float64(bySys[c]) / float64(by[c])})
	}
	slices.SortStableFunc(cats, func(a, b category) int { return -cmpFloat(a.Share, b.Share) })
	for fn, d := range flat {
		top = append(top, category{Name: fn, Share: share(d), Us: share(d) * cpuPerReq})
	}
	slices.SortFunc(top, func(a, b category) int {
		if c := -cmpFloat(a.Share, b.Share); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	top = top[:min(len(top), 15)]
	return cats, share(sys), top, total
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fetchProfile saves a CPU profile of seconds from a pprof address.
func fetchProfile(addr string, seconds int, path string) error {
	c := http.Client{Timeout: time.Duration(seconds+30) * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("loadgen: pprof answered %d: %s", resp.StatusCode, clip(b))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readTraces runs `go tool pprof -traces` on a profile.
func readTraces(path string) ([]trace, error) {
	out, err := exec.Command("go", "tool", "pprof", "-traces", path).Output()
	if err != nil {
		return nil, fmt.Errorf("loadgen: go tool pprof -traces: %w", err)
	}
	return parseTraces(strings.NewReader(string(out)))
}
