// Command ecdkp creates EC data key pairs under master keys, decrypts their
// private key ciphertexts, manages the master keys of its keyring, serves
// the KMS HTTP API and runs the conformance suite against an endpoint.
//
//	ecdkp create --key-spec SPEC [--key-id ID] [--with-plain-text=false] [--aad S] [--pem]
//	ecdkp decrypt --cipher-text B64 [--aad S] [--key-spec SPEC]
//	ecdkp keys create [--spec AES_256|SM4] [--project P] | list | enable ID | disable ID | rotate ID | seal | passphrase
//	ecdkp serve [--addr 127.0.0.1:8080] [--credentials FILE | --token-file F | --ak AK --sk-file F] [--keystore etcd --etcd-endpoints URLS]
//	ecdkp conformance --endpoint URL --key-id ID [--dialect huawei|aws] [--token T | --ak AK --sk SK] [--fuzz DUR]
//	ecdkp version
//
// The subcommands that use master keys take --keystore keyring|pkcs11|etcd
// and --keyring PATH (default $XDG_DATA_HOME/ecdkp/keyring.json, created on
// first use) or the --etcd-* flags of a fleet's store, and read the keyring
// passphrase (or the etcd store's) from ECDKP_PASSPHRASE.
// Results are JSON on stdout; errors go to stderr with a non-zero exit
// status.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand writes to and reads from.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands = []command{
	{"create", "create an EC data key pair under a master key", runCreate},
	{"decrypt", "decrypt a private_key_cipher_text", runDecrypt},
	{"keys", "manage master keys: create, list, enable, disable, rotate, seal, passphrase", runKeys},
	{"serve", "serve the KMS HTTP API", runServe},
	{"conformance", "run the conformance suite against a KMS endpoint", runConformance},
	{"version", "print the version, VCS revision and Go toolchain", runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		printVersion(e.stdout)
		return 0
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			}
			fmt.Fprintf(e.stderr, "ecdkp %s: %s\n", c.name, describe(err))
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "ecdkp: unknown command %q\n", args[0])
	usage(e.stderr)
	return 2
}

// describe is the text of a failed command: a provider rejection with the
// KMS error code the HTTP API would answer (KMS.0209: ...), anything else
// as it is.
func describe(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return huawei.CodeOf(pe.Failure).Code + ": " + pe.Message
	}
	return err.Error()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ecdkp <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ecdkp <command> --help' for a command's flags.")
}

// errUsage marks a bad command line (exit status 2); the flag package has
// already printed what was wrong.
var errUsage = errors.New("usage")

// newFlags makes a subcommand's flag set, writing help to stderr.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("ecdkp "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: ecdkp %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(e.stderr, "\nflags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseNoArgs parses flags that take no positional arguments.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parse parses flags, mapping errors to ErrHelp or errUsage. Help prints
// the usage and every flag; a bad command line prints what was wrong, with
// the command's name, and where the flags are listed (not all of them,
// which would bury the one line that matters).
func parse(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(out, "%s: %v\nRun '%s --help' for its flags.\n", fs.Name(), err, fs.Name())
	return errUsage
}
