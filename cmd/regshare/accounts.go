package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The account commands (domain, user, robot) talk to the API's
// /v2/manage/domains routes like the share commands do to theirs.

// accountsHelp ends the help of every account command.
const accountsHelp = `Every command takes --server, --user, --ca-file and -o table|json; the
password comes from REGSHARE_PASSWORD or a prompt. -o json prints the API's
answer unchanged: a list as the object it sent ({"robots":[...]}), one
record as its object; a deletion without an answer prints
{"deleted":true,...}. Errors print the server's message and exit non-zero.
Reads are retried while the server answers 503; changes are sent once, and
an error that leaves a change's outcome open says so and how to check it.
`

// acct is one account subcommand being run: its flags, its streams and,
// once connected, its client.
type acct struct {
	ctx            context.Context
	fs             *flag.FlagSet
	cf             clientFlags
	stdin          io.Reader
	stdout, stderr io.Writer
	c              *client
}

// accountCommand runs `regshare GROUP SUBCOMMAND`, SUBCOMMAND one of subs.
func accountCommand(ctx context.Context, group, usage string, subs map[string]func(*acct, []string) error,
	args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%s: no subcommand", group)
	}
	switch args[0] {
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	sub, ok := subs[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%s: unknown subcommand %q", group, args[0])
	}
	fs := flag.NewFlagSet("regshare "+group+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	a := &acct{ctx: ctx, fs: fs, cf: addClientFlags(fs), stdin: stdin, stdout: stdout, stderr: stderr}
	if err := sub(a, args[1:]); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil // -h: the usage is printed
}

// parse parses the flags, before or after the positional arguments, and
// wants the arguments named by want.
func (a *acct) parse(args []string, want ...string) ([]string, error) {
	pos, err := parseInterspersed(a.fs, args)
	if err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(a.fs.Name(), "regshare ")
	if len(pos) != len(want) {
		if len(want) == 0 {
			return nil, fmt.Errorf("%s takes no arguments", name)
		}
		return nil, fmt.Errorf("%s: want %s", name, strings.Join(want, " "))
	}
	for i, p := range pos {
		if strings.TrimSpace(p) == "" {
			return nil, fmt.Errorf("%s: %s is empty", name, want[i])
		}
	}
	return pos, nil
}

func (a *acct) jsonOut() bool { return *a.cf.output == "json" }

// connect makes the client, finding the password. The requests connect
// on first use, after the arguments are checked; a command that reads
// more from stdin connects first, so that the login's password comes
// before it.
func (a *acct) connect() (err error) {
	if a.c == nil {
		a.c, err = a.cf.newClient(a.stdin, a.stderr)
	}
	return err
}

// readWaits are the waits between the attempts of a read while the server
// answers 503 (a proxy 502 or 504, or nothing at all); a Retry-After of
// the answer replaces them. Only reads (GET) are retried: the account
// routes take no Idempotency-Key, and a robot create or rotate retried
// after an unknown outcome could mint a second secret, a user create or
// reset-password draw a second password. A change is sent once, and an
// unknown outcome is reported with how to check it (change).
var readWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// get reads path, retrying as readWaits says.
func (a *acct) get(path string) ([]byte, error) {
	if err := a.connect(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		data, _, err := a.c.do(a.ctx, http.MethodGet, path, nil)
		if err == nil || !unsure(err) || attempt == len(readWaits) {
			return data, err
		}
		wait := readWaits[attempt]
		if ae, ok := errors.AsType[*answerError](err); ok {
			if s, err := strconv.Atoi(ae.retryAfter); err == nil && s >= 0 {
				wait = min(time.Duration(s)*time.Second, 30*time.Second)
			}
		}
		fmt.Fprintf(a.stderr, "%v; retrying in %v\n", err, wait)
		select {
		case <-time.After(wait):
		case <-a.ctx.Done():
			return nil, fmt.Errorf("%w (gave up: %w)", err, a.ctx.Err())
		}
	}
}

// change sends an account change once. When its outcome is unknown, the
// error says so, and check how to find out.
func (a *acct) change(method, path string, body any, check string) ([]byte, error) {
	if err := a.connect(); err != nil {
		return nil, err
	}
	data, _, err := a.c.do(a.ctx, method, path, body)
	if err != nil && outcomeUnknown(err) {
		return nil, fmt.Errorf("%w\nthe change may or may not have been made: %s", err, check)
	}
	return data, err
}

// outcomeUnknown reports whether err leaves a change's outcome open: no
// answer, a proxy's 502, 503 or 504, or REGSHARE.5030004. Every other
// error answer of regshare means nothing was changed.
func outcomeUnknown(err error) bool {
	ae, ok := errors.AsType[*answerError](err)
	if !ok {
		return true
	}
	switch ae.status {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	case http.StatusServiceUnavailable:
		return ae.code == "" || ae.code == "REGSHARE.5030004"
	}
	return false
}

// reader is a read subcommand: it takes the arguments want, GETs the
// path they name and prints the answer as printAnswer does.
func reader[T any](want []string, path func(pos []string) (string, error), rows func(T) [][]string) func(*acct, []string) error {
	return func(a *acct, args []string) error {
		pos, err := a.parse(args, want...)
		if err != nil {
			return err
		}
		p, err := path(pos)
		if err != nil {
			return err
		}
		data, err := a.get(p)
		if err != nil {
			return err
		}
		return printAnswer(a, data, rows, nil)
	}
}

// changed sends a change once and prints its answer as printAnswer does.
func changed[T any](a *acct, method, path string, body any, check string, rows func(T) [][]string) error {
	data, err := a.change(method, path, body, check)
	if err != nil {
		return err
	}
	return printAnswer(a, data, rows, nil)
}

// changedNoAnswer sends a change the server answers without a body (204),
// once, and prints obj with -o json, else message.
func (a *acct) changedNoAnswer(method, path string, body any, check, message string, obj map[string]any) error {
	if _, err := a.change(method, path, body, check); err != nil {
		return err
	}
	if a.jsonOut() {
		return json.NewEncoder(a.stdout).Encode(obj)
	}
	_, err := fmt.Fprintln(a.stdout, terminalSafe(message))
	return err
}

// printAnswer prints an answer: as it came with -o json, else as the
// rows of it decoded as T (writeTable). secret, when not nil, says
// whether the decoded answer has the secret (a robot's, a drawn
// password) it should: the secret exists only in this answer, so one
// that cannot be read is printed as it came, not dropped.
func printAnswer[T any](a *acct, data []byte, rows func(T) [][]string, secret func(T) bool) error {
	var v T
	err := json.Unmarshal(data, &v)
	if secret != nil && (err != nil || !secret(v)) {
		fmt.Fprintln(a.stdout, terminalSafe(string(bytes.TrimSpace(data))))
		return errors.New("unexpected answer, printed above as it came: it may hold a secret shown only this once")
	}
	if a.jsonOut() {
		data = bytes.TrimRight(data, "\n")
		_, err := fmt.Fprintf(a.stdout, "%s\n", data)
		return err
	}
	if err != nil {
		return fmt.Errorf("unexpected answer: %w", err)
	}
	return writeTable(a.stdout, rows(v))
}

// managePath is the API path /v2/manage/SEGMENTS, each segment escaped.
func managePath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/v2/manage")
	for _, s := range segments {
		b.WriteString("/" + url.PathEscape(s))
	}
	return b.String()
}

// details is one record as rows of "Key:  value".
func details(pairs [][2]string) [][]string {
	rows := make([][]string, 0, len(pairs))
	for _, p := range pairs {
		rows = append(rows, []string{p[0] + ":", p[1]})
	}
	return rows
}

// lines are rows of one cell each: writeTable prints such a row as it
// is, outside the columns of the rows around it.
func lines(s ...string) [][]string {
	rows := make([][]string, len(s))
	for i, l := range s {
		rows[i] = []string{l}
	}
	return rows
}

// orBlank is *s, or "" when s is nil (a time not known).
func orBlank(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// orNever is *s, or "never" when s is nil or empty.
func orNever(s *string) string {
	if s == nil || *s == "" {
		return "never"
	}
	return *s
}

// byWhom is when something was updated, and by whom if known.
func byWhom(when, who string) string {
	if who == "" {
		return when
	}
	return when + " by " + who
}

// source is where a domain or user was declared.
func source(static bool) string {
	if static {
		return "config file"
	}
	return "run time"
}

// userSource is where a user comes from: the file, run time, or the
// identity provider that manages it ("ldap", "oidc:corp").
func userSource(u shareapi.Account) string { return cmp.Or(u.Source, source(u.Static)) }

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// maxDuration bounds a DURATION far below time.Duration's range: the
// server sets the real limits (a domain's robot lifetime, 7d of grace).
const maxDuration = 100 * 365 * 24 * time.Hour

// parseDuration parses a DURATION of the account commands
// (grants.ParseLifetime): "720h" or "30d"; "0h" and "0d" are zero. The API
// takes it in this form.
func parseDuration(s string) (time.Duration, error) {
	d, ok := grants.ParseLifetime(s)
	if !ok || len(s) > 8 {
		return 0, fmt.Errorf("%q: want a whole number of hours or days, e.g. 720h or 30d", s)
	}
	if d > maxDuration {
		return 0, fmt.Errorf("%q: more than 100 years", s)
	}
	return d, nil
}

// positiveDuration is parseDuration of a flag's value, refusing zero.
func positiveDuration(flag, s string) error {
	d, err := parseDuration(s)
	if err == nil && d == 0 {
		err = fmt.Errorf("%q: must be more than zero", s)
	}
	if err != nil {
		return fmt.Errorf("--%s %w", flag, err)
	}
	return nil
}

// readLine reads one line of r, without its line end; an empty line is
// an error.
func readLine(r *bufio.Reader, what string) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if line = strings.TrimRight(line, "\r\n"); line == "" {
		return "", fmt.Errorf("no %s on stdin", what)
	}
	return line, nil
}
