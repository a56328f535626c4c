package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/regshare/regshare/shareapi"
)

// client talks to the share API as one user; the CLI commands use it.
type client struct {
	server, user, password string
	http                   *http.Client
}

// clientFlags are the flags every share command takes.
type clientFlags struct {
	server, user, output, caFile *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		server: fs.String("server", cmpEnv("REGSHARE_SERVER", "http://127.0.0.1:5001"), "regshare address (env REGSHARE_SERVER)"),
		user:   fs.String("user", os.Getenv("REGSHARE_USER"), "user name, as for docker login (env REGSHARE_USER)"),
		output: fs.String("o", "table", "output: table or json"),
		caFile: fs.String("ca-file", os.Getenv("REGSHARE_CA_FILE"), "PEM file of the CA that signed the server's certificate, for a private CA (env REGSHARE_CA_FILE)"),
	}
}

func cmpEnv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// newClient checks the flags and finds the password: REGSHARE_PASSWORD, or
// a prompt without echo when stdin is a terminal.
func (f clientFlags) newClient(stdin io.Reader, stderr io.Writer) (*client, error) {
	c, err := f.dial(stderr)
	if err != nil {
		return nil, err
	}
	password, ok := os.LookupEnv("REGSHARE_PASSWORD")
	if !ok {
		file, ok := terminal(stdin)
		if !ok {
			return nil, errors.New("no password: set REGSHARE_PASSWORD or run from a terminal to be asked")
		}
		if password, err = askPassword(file, "Password for "+*f.user+": ", stderr); err != nil {
			return nil, err
		}
	}
	c.password = password
	return c, nil
}

// dial checks the flags and makes a client without its password, for a
// command that finds the password itself (user passwd).
func (f clientFlags) dial(stderr io.Writer) (*client, error) {
	if *f.output != "table" && *f.output != "json" {
		return nil, fmt.Errorf("-o %q: want table or json", *f.output)
	}
	if *f.user == "" {
		return nil, errors.New("no user: pass --user or set REGSHARE_USER")
	}
	u, err := url.Parse(*f.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want http(s)://host:port", *f.server)
	}
	if u.Scheme == "http" && !isLoopback(u.Host) && !isLoopback(u.Host+":80") {
		fmt.Fprintf(stderr, "warning: %s is plain HTTP: your password crosses the network in clear; use https\n", *f.server)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if *f.caFile != "" {
		pem, err := os.ReadFile(*f.caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", *f.caFile)
		}
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	return &client{server: strings.TrimSuffix(*f.server, "/"), user: *f.user, http: hc}, nil
}

// do sends a JSON request and returns the raw JSON answer; an error answer
// becomes an error carrying the server's message.
func (c *client) do(ctx context.Context, method, path string, body any) ([]byte, http.Header, error) {
	return c.send(ctx, method, path, body, nil)
}

// send is do with extra request headers.
func (c *client) send(ctx context.Context, method, path string, body any, extra http.Header) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, rd)
	if err != nil {
		return nil, nil, err
	}
	req.SetBasicAuth(c.user, c.password)
	for k, v := range extra {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode >= 300 {
		var e []shareapi.Error
		if json.Unmarshal(data, &e) == nil && len(e) > 0 {
			// Printed on the user's terminal, like a table cell.
			return nil, nil, &answerError{status: resp.StatusCode, code: e[0].ErrorCode, retryAfter: resp.Header.Get("Retry-After"),
				msg: fmt.Sprintf("%s (%s)", terminalSafe(e[0].ErrorMessage), terminalSafe(e[0].ErrorCode))}
		}
		return nil, nil, &answerError{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: data,
			msg: fmt.Sprintf("%s %s: %s", method, path, resp.Status)}
	}
	return data, resp.Header, nil
}

// sharePath is the API path of a repository's shares: "acme/team/api"
// becomes namespaces/acme/repositories/team$api. A namespace share keeps
// its trailing "/" as "$": "acme/sdk/" is sdk$, and "acme/" (the whole
// namespace) is "$" alone.
func sharePath(repo, domain string) (string, error) {
	ns, rest, ok := strings.Cut(repo, "/")
	if !ok || ns == "" || rest == "" && !strings.HasSuffix(repo, "/") {
		return "", fmt.Errorf("repository %q: want namespace/name, e.g. acme/web, or a namespace share ending in /, e.g. acme/sdk/ or acme/", repo)
	}
	p := "/v2/manage/namespaces/" + url.PathEscape(ns) + "/repositories/" + url.PathEscape(strings.ReplaceAll(cmp.Or(rest, "/"), "/", "$")) + "/access-domains"
	if domain != "" {
		p += "/" + url.PathEscape(domain)
	}
	return p, nil
}

// parseInterspersed lets flags come after positional arguments, as in
// `regshare share create acme/web --with globex`.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

const shareUsage = `Usage:
  regshare share create REPO... --with DOMAIN [--with DOMAIN]... (--until DATE | --permanent) [--description TEXT]
  regshare share list REPO
  regshare share update REPO... --with DOMAIN [--with DOMAIN]... [--until DATE | --permanent] [--description TEXT]
  regshare share revoke REPO... --with DOMAIN [--with DOMAIN]...
  regshare shared-with-me
  regshare shared-by-me
DATE is YYYY-MM-DD (through the end of that day, UTC) or an RFC 3339 time.
A REPO ending in / is a namespace share: acme/sdk/ covers every repository
below acme/sdk, present and future, and acme/ the whole namespace.
--with-group GROUP (repeatable, beside or instead of --with) shares with
a group of domains (regshare group list): each member may pull, present
and future; the share is listed as shared with @GROUP.
With several REPOs or domains, every REPO with every DOMAIN is one change:
all pairs are made or none, and a table says per pair what was done, or
why it was refused (then nothing was written, and the exit status is 1).
create, update and revoke retry by themselves while the server answers 503,
under one Idempotency-Key (--idempotency-key KEY to choose it, so that a
script may run the command again safely).
Every command takes --server, --user and -o table|json; the password comes
from REGSHARE_PASSWORD or a prompt.
`

// shareCommand runs `regshare share SUBCOMMAND`.
func shareCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, shareUsage)
		return errors.New("share: no subcommand")
	}
	switch args[0] {
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, shareUsage)
		return err
	}
	sub := args[0]
	fs := flag.NewFlagSet("regshare share "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, shareUsage) }
	cf := addClientFlags(fs)
	var withs []string
	fs.Func("with", "a domain shared with (repeat it for several)", func(v string) error {
		withs = append(withs, v)
		return nil
	})
	fs.Func("with-group", "a group of domains shared with, each member present and future (repeatable)", func(v string) error {
		if v == "" || strings.HasPrefix(v, "@") {
			return fmt.Errorf("give the group's name, e.g. --with-group partners")
		}
		withs = append(withs, "@"+v)
		return nil
	})
	until := fs.String("until", "", "valid until this date or time")
	permanent := fs.Bool("permanent", false, "valid until revoked")
	key := fs.String("idempotency-key", "", "name of this change, so that running the command again is safe (default: a new one, kept across the command's own retries)")
	var description *string
	fs.Func("description", "what the share is for (at most 1,000 characters)", func(v string) error {
		description = &v
		return nil
	})
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) == 0 || sub == "list" && len(pos) != 1 {
		return fmt.Errorf("share %s: want one repository, e.g. acme/web", sub)
	}
	if *until != "" && *permanent {
		return errors.New("--until and --permanent exclude each other")
	}
	deadline := *until
	if *permanent {
		deadline = "forever"
	}
	needWith := sub != "list"
	if needWith && len(withs) == 0 {
		return fmt.Errorf("share %s: --with DOMAIN or --with-group GROUP is required", sub)
	}
	if sub != "list" && (len(pos) > 1 || len(withs) > 1) {
		return bulkCommand(ctx, sub, bulkArgs{repos: pos, domains: withs, deadline: deadline, description: description, key: *key}, cf, stdin, stdout, stderr)
	}
	with := ""
	if len(withs) == 1 {
		with = withs[0]
	}
	path, err := sharePath(pos[0], with)
	if err != nil {
		return err
	}
	var method string
	var body any
	switch sub {
	case "create":
		if deadline == "" {
			return errors.New("share create: give --until DATE or --permanent")
		}
		req := shareapi.CreateShare{AccessDomain: with, Permit: "read", Deadline: deadline}
		if description != nil {
			req.Description = *description
		}
		method, body = http.MethodPost, req
		path, _ = sharePath(pos[0], "")
	case "update":
		req := shareapi.UpdateShare{Description: description}
		if deadline != "" {
			req.Deadline = &deadline
		}
		if req == (shareapi.UpdateShare{}) {
			return errors.New("share update: nothing to change; give --until, --permanent or --description")
		}
		method, body = http.MethodPatch, req
	case "list":
		method = http.MethodGet
	case "revoke":
		method = http.MethodDelete
	default:
		fmt.Fprint(stderr, shareUsage)
		return fmt.Errorf("share: unknown subcommand %q", sub)
	}
	c, err := cf.newClient(stdin, stderr)
	if err != nil {
		return err
	}
	var data []byte
	if method == http.MethodGet {
		data, _, err = c.do(ctx, method, path, body)
	} else {
		data, err = c.change(ctx, method, path, body, *key, stderr)
	}
	if err != nil {
		return err
	}
	if sub == "revoke" {
		fmt.Fprintf(stdout, "revoked: %s is no longer shared with %s\n", pos[0], with)
		return nil
	}
	if *cf.output == "json" {
		_, err := stdout.Write(data)
		return err
	}
	var shares []shareapi.Share
	if sub == "list" {
		err = json.Unmarshal(data, &shares)
	} else {
		var one shareapi.Share
		err = json.Unmarshal(data, &one)
		shares = append(shares, one)
	}
	if err != nil {
		return fmt.Errorf("unexpected answer: %w", err)
	}
	rows := [][]string{{"REPOSITORY", "SHARED WITH", "PERMIT", "VALID UNTIL", "STATUS", "DOWNLOADS", "LAST PULL", "DESCRIPTION"}}
	for _, s := range shares {
		rows = append(rows, []string{
			s.Namespace + "/" + s.Repository, s.AccessDomain, s.Permit, s.Deadline, status(s.Status),
			strconv.FormatInt(s.NumDownload, 10), orBlank(s.LastPull), ellipsis(s.Description, 40),
		})
	}
	return writeTable(stdout, rows)
}

// listCommand runs shared-with-me (center=thirdparty) and shared-by-me
// (center=self), reading every page.
func listCommand(ctx context.Context, name string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("regshare "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs)
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	center := "thirdparty"
	if name == "shared-by-me" {
		center = "self"
	}
	c, err := cf.newClient(stdin, stderr)
	if err != nil {
		return err
	}
	var all []json.RawMessage
	for {
		data, hdr, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/v2/manage/shared-repositories?center=%s&limit=1000&offset=%d", center, len(all)), nil)
		if err != nil {
			return err
		}
		var page []json.RawMessage
		if err := json.Unmarshal(data, &page); err != nil {
			return fmt.Errorf("unexpected answer: %w", err)
		}
		all = append(all, page...)
		_, total, _ := strings.Cut(hdr.Get("Content-Range"), "/")
		if n, err := strconv.Atoi(total); len(page) == 0 || err != nil || len(all) >= n {
			break
		}
	}
	if *cf.output == "json" {
		if all == nil {
			all = []json.RawMessage{}
		}
		return json.NewEncoder(stdout).Encode(all)
	}
	var rows [][]string
	if center == "thirdparty" {
		rows = [][]string{{"IMAGE", "OWNER", "VALID UNTIL", "STATUS", "DOWNLOADS", "TAGS", "PULL COMMAND"}}
	} else {
		rows = [][]string{{"IMAGE", "SHARED WITH", "STATUS", "DOWNLOADS", "TAGS"}}
	}
	for _, raw := range all {
		var r shareapi.SharedRepository
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("unexpected answer: %w", err)
		}
		image := r.Namespace + "/" + r.Name
		tags := strings.Join(r.Tags, ",")
		if center == "thirdparty" {
			owner := r.DomainName
			if r.ViaGroup != "" {
				owner += " (to @" + r.ViaGroup + ")"
			}
			rows = append(rows, []string{image, owner, r.Deadline, status(r.Status), strconv.FormatInt(r.NumDownload, 10), tags, r.PullCommand})
			continue
		}
		var with []string
		for _, d := range r.AccessDomains {
			with = append(with, fmt.Sprintf("%s (until %s, %s)", d.AccessDomain, d.Deadline, strings.ToLower(status(d.Status))))
		}
		rows = append(rows, []string{image, strings.Join(with, ", "), status(r.Status), strconv.FormatInt(r.NumDownload, 10), tags})
	}
	return writeTable(stdout, rows)
}
