//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// readHidden reads one line from the terminal on stdin with echo off,
// after writing prompt to w. It fails when stdin is not a terminal, so a
// command run from a script never waits for a passphrase. An interrupt
// (ctx done) while it waits restores the terminal and exits.
func readHidden(ctx context.Context, w io.Writer, prompt string) (string, error) {
	fd := os.Stdin.Fd()
	var old syscall.Termios
	if err := termios(fd, syscall.TCGETS, &old); err != nil {
		return "", errNoTerminal
	}
	hidden := old
	hidden.Lflag = hidden.Lflag&^syscall.ECHO | syscall.ICANON | syscall.ECHONL
	if err := termios(fd, syscall.TCSETS, &hidden); err != nil {
		return "", fmt.Errorf("turning the terminal's echo off: %w", err)
	}
	restore := sync.OnceFunc(func() { _ = termios(fd, syscall.TCSETS, &old) })
	defer restore()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			restore()
			fmt.Fprintln(w)
			os.Exit(130)
		case <-done:
		}
	}()
	fmt.Fprint(w, prompt)
	var line []byte
	var b [1]byte
	for len(line) < 4096 {
		n, err := os.Stdin.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
			continue
		}
		if err != nil {
			break
		}
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return string(line), nil
}

func termios(fd uintptr, req uintptr, t *syscall.Termios) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(unsafe.Pointer(t))); errno != 0 {
		return errno
	}
	return nil
}
