//go:build !linux

package etcd

import "os/exec"

func setDeathSignal(*exec.Cmd) {}
