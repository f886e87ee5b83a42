package main

import (
	"syscall"
	"time"

	"github.com/ecdkp/ecdkp/curves"
)

// rawGenerate generates and destroys keys of spec for dur.
func rawGenerate(spec string, dur time.Duration) (rawResult, error) {
	res := rawResult{Spec: spec}
	c, err := curves.Lookup(curves.Spec(spec))
	if err != nil {
		return res, err
	}
	for range 20 { // warm up
		k, err := c.GenerateKey()
		if err != nil {
			return res, err
		}
		k.Destroy()
	}
	cpu0 := selfCPU()
	start := time.Now()
	for time.Since(start) < dur {
		for range 16 {
			k, err := c.GenerateKey()
			if err != nil {
				return res, err
			}
			k.Destroy()
		}
		res.Ops += 16
	}
	wall := time.Since(start)
	res.WallNs = float64(wall) / float64(res.Ops)
	res.CPUNs = float64(selfCPU()-cpu0) / float64(res.Ops)
	return res, nil
}

// selfCPU is this process's CPU time, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
