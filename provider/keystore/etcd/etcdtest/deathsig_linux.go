package etcdtest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills an etcd member when the test process dies, so a
// crashed or timed-out test leaves no server behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
