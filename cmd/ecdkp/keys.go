package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
)

const keysSynopsis = "keys create [--spec AES_256|SM4] [--project P] | list | enable ID | disable ID | rotate ID | seal | passphrase  [--keystore keyring|pkcs11|etcd] [--keyring PATH] [--etcd-* ...]"

// keysHelp documents each subcommand.
const keysHelp = `subcommands:
  create      create an enabled master key (--spec AES_256|SM4, --project P) and print its metadata;
              with an explicit --keyring PATH that does not exist yet, create that keyring;
              with --keystore etcd under a prefix that holds no store yet, create the store
  list        print every master key's metadata (project, state, versions, default)
  enable ID   enable a disabled master key
  disable ID  disable a master key: nothing is sealed or opened under it until it is enabled
  rotate ID   add a version: new envelopes use it, older ones still open
  seal        seal an unsealed keyring with $ECDKP_PASSPHRASE (or a passphrase typed at the terminal)
  passphrase  change a sealed keyring's passphrase, from $ECDKP_PASSPHRASE to $ECDKP_NEW_PASSPHRASE (or typed);
              with --keystore etcd, reseal the store from its KEK (--etcd-kek) to $ECDKP_NEW_PASSPHRASE,
              or to --etcd-new-kek pkcs11:KEYID

Every subcommand takes --keystore keyring|pkcs11|etcd, --keyring PATH and the --etcd-* flags; 'ecdkp keys SUB --help' lists its flags.
`

const keysSubcommands = "create, list, enable, disable, rotate, seal or passphrase"

// storeSynopsis is the store flags every keys subcommand takes.
const storeSynopsis = "[--keystore keyring|pkcs11|etcd] [--keyring PATH] [--etcd-* ...]"

// keysSubSynopsis is each subcommand's usage line ('ecdkp keys SUB --help').
var keysSubSynopsis = map[string]string{
	"create":     "keys create [--spec AES_256|SM4] [--project P] " + storeSynopsis,
	"list":       "keys list " + storeSynopsis,
	"enable":     "keys enable " + storeSynopsis + " ID",
	"disable":    "keys disable " + storeSynopsis + " ID",
	"rotate":     "keys rotate " + storeSynopsis + " ID",
	"seal":       "keys seal [--keyring PATH]   (the passphrase from $ECDKP_PASSPHRASE, or typed)",
	"passphrase": "keys passphrase [--keyring PATH | --keystore etcd --etcd-* ... [--etcd-new-kek pkcs11:KEYID]]   (from $ECDKP_PASSPHRASE to $ECDKP_NEW_PASSPHRASE, or typed)",
}

func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(e.stderr, "usage: ecdkp %s\n\n%s", keysSynopsis, keysHelp)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "create", "list", "enable", "disable", "rotate", "seal", "passphrase":
	default:
		return fmt.Errorf("unknown keys subcommand %q; want %s", sub, keysSubcommands)
	}
	fs := newFlags(e, "keys "+sub, keysSubSynopsis[sub])
	sf := addStoreFlags(fs)
	sf.noFirstUse = sub == "list" || sub == "enable" || sub == "disable" || sub == "rotate"
	var spec, project *string
	if sub == "create" {
		spec = fs.String("spec", string(keystore.AES256), "master key spec: AES_256 or SM4")
		project = fs.String("project", keystore.DefaultProject, "the project owning the key: 1 to 64 of [0-9A-Za-z_-]")
		sf.create = true
	}
	newKEK := new(string)
	if sub == "passphrase" {
		newKEK = fs.String("etcd-new-kek", "passphrase", "--keystore etcd: the new KEK: passphrase ($ECDKP_NEW_PASSPHRASE), or pkcs11:KEYID")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	wantArgs := 1
	switch sub {
	case "create", "list", "seal", "passphrase":
		wantArgs = 0
	}
	switch {
	case fs.NArg() == wantArgs:
	case wantArgs == 0:
		return fmt.Errorf("%s takes no argument, got %q", sub, fs.Arg(0))
	case fs.NArg() > 1 && strings.HasPrefix(fs.Arg(1), "-"):
		// flag stops at the first argument: what follows the ID is not
		// read as flags.
		return fmt.Errorf("%s: the flags go before the key id (ecdkp keys %s [flags] ID), got %q after it", sub, sub, fs.Arg(1))
	default:
		return fmt.Errorf("%s takes one argument, the master key id (ecdkp keys %s [flags] ID), got %d", sub, sub, fs.NArg())
	}
	if *sf.kind == "etcd" && sub == "passphrase" {
		return runEtcdReseal(ctx, e, sf, *newKEK)
	}
	if sub == "seal" || sub == "passphrase" {
		return runReseal(ctx, e, sub, sf)
	}
	kr, err := sf.open(ctx, e)
	if err != nil {
		return err
	}
	defer kr.close()
	var out any
	switch sub {
	case "create":
		out, err = kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.MasterKeySpec(*spec), Project: *project})
	case "list":
		out, err = kr.ListKeys(ctx)
	case "enable":
		out, err = kr.SetKeyState(ctx, fs.Arg(0), keystore.KeyEnabled)
	case "disable":
		out, err = kr.SetKeyState(ctx, fs.Arg(0), keystore.KeyDisabled)
	case "rotate":
		out, err = kr.RotateKey(ctx, fs.Arg(0))
	}
	if err != nil {
		return err
	}
	return printJSON(e.stdout, out)
}

// resealed is what keys seal and keys passphrase print.
type resealed struct {
	Keyring string                 `json:"keyring"`
	Sealed  bool                   `json:"sealed"`
	Keys    []keystore.KeyMetadata `json:"keys"`
}

// runReseal seals the keyring (seal) or changes its passphrase
// (passphrase), atomically under its lock. Passphrases come from the
// environment or the terminal, never from the command line.
func runReseal(ctx context.Context, e *env, sub string, sf storeFlags) error {
	if *sf.kind != "etcd" && sf.etcd.set(sf.fs) {
		return fmt.Errorf("the --etcd-* flags are for --keystore etcd, not %s", *sf.kind)
	}
	if *sf.kind != "keyring" {
		if *sf.kind == "etcd" {
			return errors.New("keys seal: an etcd store is always sealed (its KEK: --etcd-kek); 'keys passphrase' changes the KEK")
		}
		return fmt.Errorf("keys %s applies to the keyring, not --keystore %s", sub, *sf.kind)
	}
	path, explicit, err := sf.keyringPath()
	if err != nil {
		return err
	}
	var keys []keystore.KeyMetadata
	if sub == "seal" {
		pass, err := passphrase(ctx, e, "ECDKP_PASSPHRASE", "new passphrase for "+path, true)
		if err != nil {
			return err
		}
		keys, err = keyring.Seal(path, pass)
		if err != nil {
			return keyringHint(err, explicit)
		}
	} else {
		old, err := passphrase(ctx, e, "ECDKP_PASSPHRASE", "passphrase of "+path, false)
		if err != nil {
			return err
		}
		pass, err := passphrase(ctx, e, "ECDKP_NEW_PASSPHRASE", "new passphrase for "+path, true)
		if err != nil {
			return err
		}
		keys, err = keyring.ChangePassphrase(path, old, pass)
		if err != nil {
			return keyringHint(err, explicit)
		}
	}
	return printJSON(e.stdout, resealed{Keyring: path, Sealed: true, Keys: keys})
}

// etcdResealed is what keys passphrase prints for an etcd store.
type etcdResealed struct {
	Store string                 `json:"store"`
	KEK   string                 `json:"kek"`
	Keys  []keystore.KeyMetadata `json:"keys"`
}

// runEtcdReseal reseals an etcd store's store key under a new KEK; every
// replica then needs the new KEK to open the store (those running keep
// working: they hold the store key).
func runEtcdReseal(ctx context.Context, e *env, sf storeFlags, to string) error {
	st, err := sf.open(ctx, e)
	if err != nil {
		return err
	}
	defer st.close()
	if err := changeEtcdKEK(ctx, e, st.etcd, to); err != nil {
		return err
	}
	keys, err := st.ListKeys(ctx)
	if err != nil {
		return err
	}
	return printJSON(e.stdout, etcdResealed{Store: st.where, KEK: to, Keys: keys})
}

var errNoTerminal = errors.New("stdin is not a terminal to prompt on")

// passphrase is $name, or else typed at the terminal after prompt (twice
// when confirm).
func passphrase(ctx context.Context, e *env, name, prompt string, confirm bool) (string, error) {
	if p := e.getenv(name); p != "" {
		return p, nil
	}
	p, err := readHidden(ctx, e.stderr, prompt+": ")
	if err != nil {
		return "", fmt.Errorf("no passphrase: set %s (%v)", name, err)
	}
	if p == "" {
		return "", errors.New("the passphrase is empty")
	}
	if confirm {
		again, err := readHidden(ctx, e.stderr, "the same again: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("the two passphrases differ")
		}
	}
	return p, nil
}
