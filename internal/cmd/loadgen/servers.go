package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// server is a server process this tool started; stop ends it by its pid.
type server struct {
	cmd *exec.Cmd
	log string // its stderr and stdout
	// addrs are the "addr" of the ecdkp log lines by message ("serving",
	// "metrics", "pprof").
	addrs map[string]string
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks the process to end (SIGINT: ecdkp drains and syncs its audit
// trail), and kills it after 10 s.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// start runs bin with args and env, its output to logPath, and waits until
// ready(the log so far) says it listens.
func start(bin string, args, env []string, logPath string, ready func(log []byte) bool) (*server, error) {
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, log: logPath}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(logPath)
		if ready(b) {
			return s, nil
		}
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			break
		}
	}
	b, _ := os.ReadFile(logPath)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, fmt.Errorf("loadgen: %s did not start: %s", filepath.Base(bin), clip(b))
}

// ecdkpLines finds the addresses in ecdkp's JSON log.
func ecdkpLines(b []byte, want ...string) (map[string]string, bool) {
	addrs := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		var l struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Addr != "" {
			addrs[l.Msg] = l.Addr
		}
	}
	for _, w := range want {
		if addrs[w] == "" {
			return addrs, false
		}
	}
	return addrs, true
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startEcdkp creates a keyring with one master key in dir (once) and
// serves it on 127.0.0.1 with AK/SK and SigV4 for the access keys (a
// credentials file), the audit trail in a file and the request log in
// another, and /metrics (and, when profiling, pprof) on loopback.
func startEcdkp(bin, dir string, creds []credential, pprof bool) (*server, string, string, error) {
	kr := filepath.Join(dir, "keyring.json")
	if b, err := os.ReadFile(filepath.Join(dir, "key.json")); err == nil {
		var md struct{ KeyID, Project string }
		if err := json.Unmarshal(b, &md); err != nil {
			return nil, "", "", err
		}
		s, err := serveEcdkp(bin, dir, kr, creds, pprof)
		return s, md.KeyID, md.Project, err
	}
	out, err := exec.Command(bin, "keys", "create", "--keyring", kr).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, "", "", fmt.Errorf("loadgen: ecdkp keys create: %s", clip(ee.Stderr))
		}
		return nil, "", "", err
	}
	var md struct {
		KeyID   string `json:"key_id"`
		Project string `json:"project"`
	}
	if err := json.Unmarshal(out, &md); err != nil || md.KeyID == "" {
		return nil, "", "", fmt.Errorf("loadgen: ecdkp keys create printed %q", clip(out))
	}
	if md.Project == "" {
		md.Project = "00000000000000000000000000000000"
	}
	b, _ := json.Marshal(struct{ KeyID, Project string }{md.KeyID, md.Project})
	if err := os.WriteFile(filepath.Join(dir, "key.json"), b, 0o600); err != nil {
		return nil, "", "", err
	}
	s, err := serveEcdkp(bin, dir, kr, creds, pprof)
	return s, md.KeyID, md.Project, err
}

// serveEcdkp starts `ecdkp serve` on the keyring.
func serveEcdkp(bin, dir, kr string, creds []credential, pprof bool) (*server, error) {
	type entry struct {
		Principal string   `json:"principal"`
		Projects  []string `json:"projects"`
		AccessKey string   `json:"access_key"`
		SecretKey string   `json:"secret_key"`
	}
	var doc struct {
		Credentials []entry `json:"credentials"`
	}
	for i, c := range creds {
		doc.Credentials = append(doc.Credentials, entry{Principal: fmt.Sprintf("loadgen%d", i), Projects: []string{}, AccessKey: c.ak, SecretKey: c.sk})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	credFile := filepath.Join(dir, "credentials.json")
	if err := os.WriteFile(credFile, b, 0o600); err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--keyring", kr, "--credentials", credFile, "--region", creds[0].region,
		"--audit-log", filepath.Join(dir, "audit.log"), "--metrics-addr", "127.0.0.1:0"}
	want := []string{"serving", "metrics"}
	if pprof {
		args = append(args, "--pprof-addr", "127.0.0.1:0")
		want = append(want, "pprof")
	}
	var addrs map[string]string
	s, err := start(bin, args, nil, filepath.Join(dir, "ecdkp-serve.log"), func(b []byte) bool {
		var ok bool
		addrs, ok = ecdkpLines(b, want...)
		return ok
	})
	if err != nil {
		return nil, err
	}
	s.addrs = addrs
	return s, nil
}

var localKMSStarted = regexp.MustCompile(`Local KMS started on [0-9.]+:(\d+)`)

// startLocalKMS runs local-kms with an empty database in dir on a free
// port (it binds every interface; only 127.0.0.1 is spoken to) and
// returns it and its 127.0.0.1 address.
func startLocalKMS(bin, dir, region, account string) (*server, string, error) {
	var port string
	env := []string{"PORT=0", "KMS_REGION=" + region, "KMS_ACCOUNT_ID=" + account,
		"KMS_DATA_PATH=" + filepath.Join(dir, "local-kms-data"), "KMS_SEED_PATH=" + filepath.Join(dir, "no-seed.yaml")}
	s, err := start(bin, nil, env, filepath.Join(dir, "local-kms.log"), func(b []byte) bool {
		if m := localKMSStarted.FindSubmatch(b); m != nil {
			port = string(m[1])
			return true
		}
		return false
	})
	if err != nil {
		return nil, "", err
	}
	return s, "127.0.0.1:" + port, nil
}
