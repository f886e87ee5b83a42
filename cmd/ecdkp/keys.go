package main

import (
	"context"
	"fmt"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

const keysSynopsis = "keys create [--spec AES_256|SM4] | list | enable ID | disable ID | rotate ID  [--keystore keyring|pkcs11] [--keyring PATH]"

func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(e.stderr, "usage: ecdkp %s\n", keysSynopsis)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "create", "list", "enable", "disable", "rotate":
	default:
		return fmt.Errorf("unknown keys subcommand %q; want create, list, enable, disable or rotate", sub)
	}
	fs := newFlags(e, "keys "+sub, keysSynopsis)
	sf := addStoreFlags(fs)
	var spec *string
	if sub == "create" {
		spec = fs.String("spec", string(keystore.AES256), "master key spec: AES_256 or SM4")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	wantArgs := 1
	if sub == "create" || sub == "list" {
		wantArgs = 0
	}
	if fs.NArg() != wantArgs {
		return fmt.Errorf("keys %s takes %d argument(s), got %d", sub, wantArgs, fs.NArg())
	}
	kr, err := sf.open(e)
	if err != nil {
		return err
	}
	defer kr.close()
	var out any
	switch sub {
	case "create":
		out, err = kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.MasterKeySpec(*spec)})
	case "list":
		out, err = kr.ListKeys(ctx)
	case "enable":
		out, err = kr.SetKeyState(ctx, fs.Arg(0), keystore.KeyEnabled)
	case "disable":
		out, err = kr.SetKeyState(ctx, fs.Arg(0), keystore.KeyDisabled)
	case "rotate":
		out, err = kr.RotateKey(ctx, fs.Arg(0))
	default:
		return fmt.Errorf("unknown keys subcommand %q; want create, list, enable, disable or rotate", sub)
	}
	if err != nil {
		return err
	}
	return printJSON(e.stdout, out)
}
