// Command regshare is the token server and share manager of a private
// container registry.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/regshare/regshare/tokenauth"
)

const usage = `regshare: share private registry images between domains, pull only.

Usage:
  regshare serve --config FILE     run the token server and share API
  regshare dev [--data DIR]        run a registry and regshare with demo users, to try it out
  regshare keygen --out DIR        make a root CA and a signing key chained to it
  regshare hash-password           read a password on stdin, print its bcrypt hash
  regshare share create|list|update|revoke REPO ...
                                   manage the shares of a repository
  regshare shared-with-me          what other domains shared with yours
  regshare shared-by-me            what your domain shared, and with whom
  regshare sign-out-everywhere     end every API token and docker login identity token of yours
  regshare domain list|show|create|update|delete|history ...
                                   manage domains and their namespaces (administrators)
  regshare group list|show|create|update|delete|history ...
                                   manage groups of domains to share with (administrators)
  regshare user list|create|update|reset-password|delete DOMAIN ...
                                   manage a domain's users
  regshare user passwd             change your own password
  regshare robot list|show|create|rotate|disable|enable|delete DOMAIN ...
                                   manage a domain's robot accounts, the logins of CI
  regshare webhook list|show|create|update|delete|deliveries|test|history DOMAIN ...
                                   manage the endpoints that hear of a domain's share events
  regshare token list|create|revoke ...
                                   manage your personal access tokens, for docker login
regshare share|domain|group|user|robot|webhook|token --help shows the usage of each.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "regshare:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	fs := flag.NewFlagSet("regshare "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch args[0] {
	case "serve":
		return serveCommand(ctx, fs, args[1:], stderr)
	case "dev":
		return devCommand(ctx, args[1:], stdout, stderr)
	case "keygen":
		return keygenCommand(fs, args[1:], stdout)
	case "hash-password":
		return hashPasswordCommand(fs, args[1:], stdin, stdout, stderr)
	case "share":
		return shareCommand(ctx, args[1:], stdin, stdout, stderr)
	case "shared-with-me", "shared-by-me":
		return listCommand(ctx, args[0], args[1:], stdin, stdout, stderr)
	case "sign-out-everywhere":
		return signOutCommand(ctx, args[1:], stdin, stdout, stderr)
	case "domain":
		return domainCommand(ctx, args[1:], stdin, stdout, stderr)
	case "group":
		return groupCommand(ctx, args[1:], stdin, stdout, stderr)
	case "user":
		return userCommand(ctx, args[1:], stdin, stdout, stderr)
	case "robot":
		return robotCommand(ctx, args[1:], stdin, stdout, stderr)
	case "webhook":
		return webhookCommand(ctx, args[1:], stdin, stdout, stderr)
	case "token":
		return tokenCommand(ctx, args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// serveCommand runs `regshare serve`, logging JSON to stderr.
func serveCommand(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer) error {
	config := fs.String("config", "regshare.yml", "configuration file")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	return serve(ctx, *config, log)
}

// keygenCommand runs `regshare keygen`.
func keygenCommand(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	out := fs.String("out", "keys", "directory to write the keys and certificates to")
	alg := fs.String("alg", tokenauth.AlgES256, "signing algorithm: ES256, RS256 or EdDSA")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := tokenauth.GenerateKeys(*out, *alg, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/{%s,%s,%s,%s,%s}\nset the registry's auth.token.rootcertbundle to %s/%s\n",
		*out, tokenauth.RootCertFile, tokenauth.RootKeyFile, tokenauth.SigningKeyFile, tokenauth.SigningCertFile, tokenauth.JWKSFile, *out, tokenauth.RootCertFile)
	return nil
}

// hashPasswordCommand runs `regshare hash-password`: the password from the
// terminal (without echo) or the first line of stdin.
func hashPasswordCommand(fs *flag.FlagSet, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cost := fs.Int("cost", bcrypt.DefaultCost, "bcrypt cost (10 or more)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cost < bcrypt.DefaultCost {
		return fmt.Errorf("cost %d is below %d", *cost, bcrypt.DefaultCost)
	}
	var password string
	if f, ok := terminal(stdin); ok {
		var err error
		if password, err = askPassword(f, "Password: ", stderr); err != nil {
			return err
		}
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		return errors.New("empty password on stdin")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), *cost)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(hash))
	return nil
}

// terminal returns r as the terminal it is, if it is one.
func terminal(r io.Reader) (*os.File, bool) {
	f, ok := r.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

// askPassword asks at the terminal f, without echo.
func askPassword(f *os.File, prompt string, stderr io.Writer) (string, error) {
	fmt.Fprint(stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	return string(b), err
}
