//go:build unix

package keyring

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// TestHelperWriter is not a test: run by TestKillWriter as a child process
// (the test binary itself), it creates and rotates keys in a loop until
// killed, printing each change once it has returned (is committed).
func TestHelperWriter(t *testing.T) {
	path := os.Getenv("KEYRING_TEST_WRITER")
	if path == "" {
		t.Skip("run by TestKillWriter")
	}
	ctx := context.Background()
	r, err := Open(path, WithReload(0))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	def, err := r.DefaultKey(ctx)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for {
		md, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("created", md.KeyID)
		md, err = r.RotateKey(ctx, def.KeyID)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("rotated", md.KeyID, md.CurrentVersion)
	}
}

// TestKillWriter kills a writing process (SIGKILL) at random points, again
// and again: the file always opens, and holds every change the writer
// reported before it died. Two writers run at once, so the kill also lands
// while one waits for the other's lock.
func TestKillWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for a few seconds")
	}
	path := filepath.Join(t.TempDir(), "keyring.json")
	created := map[string]bool{}
	var rotated uint32
	const rounds = 24
	for round := range rounds {
		var children []*exec.Cmd
		var outs []*bufio.Scanner
		for range 2 {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
			cmd.Env = append(os.Environ(), "KEYRING_TEST_WRITER="+path)
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill() }) // should the test stop early
			children = append(children, cmd)
			outs = append(outs, bufio.NewScanner(out))
		}
		time.Sleep(time.Duration(20+rand.IntN(100)) * time.Millisecond)
		for _, c := range children {
			require.NoError(t, c.Process.Signal(syscall.SIGKILL))
		}
		for i, c := range children {
			for outs[i].Scan() {
				f := strings.Fields(outs[i].Text())
				switch {
				case len(f) == 2 && f[0] == "created":
					created[f[1]] = true
				case len(f) == 3 && f[0] == "rotated":
					v, err := strconv.ParseUint(f[2], 10, 32)
					require.NoError(t, err)
					rotated = max(rotated, uint32(v))
				case len(f) > 0 && f[0] == "error":
					t.Fatalf("round %d: the writer failed: %s", round, outs[i].Text())
				}
			}
			_ = c.Wait()
		}

		r, err := Open(path, WithReload(0), WithoutCreate())
		if errors.Is(err, fs.ErrNotExist) && len(created) == 0 && rotated == 0 {
			// Killed before the first use made the file (a slow start
			// under -race): nothing was reported, so nothing is lost.
			continue
		}
		require.NoError(t, err, "round %d: the file opens", round)
		list, err := r.ListKeys(context.Background())
		require.NoError(t, err)
		have := map[string]bool{}
		for _, md := range list {
			have[md.KeyID] = true
			if md.Default {
				assert.GreaterOrEqual(t, md.CurrentVersion, rotated, "round %d: every reported rotation is in the file", round)
			}
		}
		for id := range created {
			require.True(t, have[id], "round %d: key %s was reported created and is lost", round, id)
		}
	}
	t.Logf("%d rounds: %d keys created, default key at version %d", rounds, len(created), rotated)
	require.NotEmpty(t, created, "the writers got to write")
	r, err := Open(path, WithReload(0))
	require.NoError(t, err)
	_, err = r.CreateKey(context.Background(), keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	assert.Empty(t, tempFiles(t, path), "the next writer removes what killed ones left")
}
