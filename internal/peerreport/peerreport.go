// Package peerreport is the JSON report `loadgen peer` (scripts/peerbench)
// writes and internal/cmd/benchreport renders into BENCHMARKS.md: the one
// definition of its fields, which both commands use.
package peerreport

// The targets of loadgen's floor servers, which answer a canned body and
// do no work: what the transport alone costs.
const (
	// FloorHTTP is net/http with ecdkp serve's timeouts.
	FloorHTTP = "floor-http"
	// FloorTCP is a bare socket loop, one read and one write a request.
	FloorTCP = "floor-tcp"
)

// Report is what `loadgen peer` writes: every repetition, the raw
// key generation measured between them, the 32-connection memory runs
// and the profile.
type Report struct {
	Machine      string  `json:"machine"`
	CPUs         int     `json:"cpus"`
	Go           string  `json:"go"`
	Label        string  `json:"label"`
	LoadAvgStart float64 `json:"loadavg_start"`
	Reps         int     `json:"reps"`
	Seconds      float64 `json:"seconds_per_rep"`
	Conns        []int   `json:"conns"`
	Raw          []Raw   `json:"raw"`
	Runs         []Run   `json:"runs"`
	Memory       []Run   `json:"memory"`
	// MatrixRSSKiB is each server's peak RSS after all the repetitions,
	// by server.
	MatrixRSSKiB map[string]int64 `json:"matrix_rss_hwm_kib,omitempty"`
	Profile      *Profile         `json:"profile,omitempty"`
}

// Run is one repetition against one target.
type Run struct {
	Target   string   `json:"target"`
	Server   string   `json:"server"`
	Dialect  string   `json:"dialect"`
	Spec     string   `json:"spec"` // "mixed" for several
	Specs    []string `json:"specs,omitempty"`
	Conns    int      `json:"conns"`
	Rep      int      `json:"rep"`
	Requests int64    `json:"requests"`
	Errors   int64    `json:"errors"`
	Non2xx   int64    `json:"non2xx"`
	Seconds  float64  `json:"seconds"`
	RPS      float64  `json:"rps"`
	P50us    float64  `json:"p50_us"`
	P99us    float64  `json:"p99_us"`
	MaxUs    float64  `json:"max_us"`
	// CPUus is the server's CPU (user + system, every thread) over the
	// repetition divided by the requests answered in it.
	CPUus float64 `json:"cpu_us_per_req"`
	// Allocs is the server's Go heap allocations per request (ecdkp only,
	// from its /metrics; -1 when unknown).
	Allocs float64 `json:"allocs_per_req"`
	// RSSKiB is the server's peak resident set so far (VmHWM).
	RSSKiB     int64   `json:"rss_hwm_kib"`
	LoadAvg    float64 `json:"loadavg"`
	FirstError string  `json:"first_error,omitempty"`
}

// Raw is key generation alone, in the load client's process, one goroutine: the
// curve operation the server's cost per request is compared with.
type Raw struct {
	Spec string `json:"spec"`
	Rep  int    `json:"rep"`
	Ops  int64  `json:"ops"`
	// WallNs is the time per key; CPUNs the process's CPU per key (the
	// garbage collector's share included), the unit of the server's
	// CPU per request.
	WallNs float64 `json:"wall_ns"`
	CPUNs  float64 `json:"cpu_ns"`
}

// Profile is where a CPU profile of the server spent its time,
// by component, in µs per request (the profile's shares times the CPU per
// request measured over the same window).
type Profile struct {
	// Label says what was profiled; Commit the code (git describe).
	Label      string     `json:"label"`
	Commit     string     `json:"commit"`
	Run        Run        `json:"run"`
	Samples    float64    `json:"samples_seconds"`
	Categories []Category `json:"categories"`
	// Syscalls is the share of the profile inside system calls.
	SyscallShare float64 `json:"syscall_share"`
	// Top are the functions of the most flat time.
	Top []Category `json:"top"`
}

// Category is one component's share of the profile.
type Category struct {
	Name         string  `json:"name"`
	Share        float64 `json:"share"`
	Us           float64 `json:"us_per_req"`
	SyscallShare float64 `json:"syscall_share,omitempty"`
}
