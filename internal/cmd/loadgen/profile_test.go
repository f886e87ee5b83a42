package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tracesSample = `File: ecdkp
Type: cpu
-----------+-------------------------------------------------------
      30ms   internal/runtime/syscall/linux.Syscall6
             syscall.write
             os.(*File).Write
             github.com/ecdkp/ecdkp/provider.(*JSONAuditor).Audit
             net/http.(*conn).serve
-----------+-------------------------------------------------------
      50ms   p256MulInternal
             github.com/ecdkp/ecdkp/curves.(*ecCurve).GenerateKey
             net/http.(*conn).serve
-----------+-------------------------------------------------------
      10ms   runtime.mallocgc
             github.com/ecdkp/ecdkp/curves.(*ecCurve).GenerateKey
-----------+-------------------------------------------------------
      10ms   runtime.futex
             runtime.schedule
-----------+-------------------------------------------------------
`

func TestSummarizeAttributesInnermostComponent(t *testing.T) {
	traces, err := parseTraces(strings.NewReader(tracesSample))
	require.NoError(t, err)
	require.Len(t, traces, 4)
	assert.Equal(t, []string{"p256MulInternal", "github.com/ecdkp/ecdkp/curves.(*ecCurve).GenerateKey", "net/http.(*conn).serve"}, traces[1].frames)
	cats, sys, top, total := summarize(traces, 100)
	assert.Equal(t, int64(100e6), int64(total))
	assert.InDelta(t, 0.4, sys, 1e-9, "the audit write and the futex")
	by := map[string]category{}
	for _, c := range cats {
		by[c.Name] = c
	}
	assert.InDelta(t, 50, by["key generation (the curve)"].Us, 1e-9)
	assert.InDelta(t, 30, by["audit trail (JSONAuditor)"].Us, 1e-9, "the syscall goes to its owner")
	assert.InDelta(t, 1, by["audit trail (JSONAuditor)"].SyscallShare, 1e-9)
	assert.InDelta(t, 10, by["memory allocation (mallocgc)"].Us, 1e-9)
	assert.InDelta(t, 10, by[runtimeCategory].Us, 1e-9)
	assert.Equal(t, "p256MulInternal", top[0].Name)
}

func TestProcReadsOwnProcess(t *testing.T) {
	cpu, err := cpuTime(os.Getpid())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, int64(cpu), int64(0))
	hwm, err := statusKiB(os.Getpid(), "VmHWM")
	require.NoError(t, err)
	assert.Positive(t, hwm)
	_, err = statusKiB(os.Getpid(), "NoSuchField")
	assert.Error(t, err)
}
