package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/regshare/regshare/shareapi"
)

const tokenUsage = `Usage:
  regshare token list
  regshare token create LABEL [--expires DURATION] [--pull REPO]... [--push REPO]... [--delete REPO]...
  regshare token revoke ID
A personal access token is your own password for docker login and the
registry's clients: it acts as you, bounded by your rights at each use, and
by narrower ones if you give --pull, --push or --delete (as for robots; REPO/
for every repository below a namespace). It is refused on the management
API. --expires is how long it lives (DURATION: 720h, 30d; default 30d, at
most identity.token_max_lifetime). create prints the secret once (regshare
keeps only its digest) and the docker login command, with your user name.
A token ends when it expires or is revoked, and with your account (disabled
or deleted). People who log in through an OpenID provider make theirs in
the console (Access tokens), having no password for this command.
` + accountsHelp

var tokenSubcommands = map[string]func(*acct, []string) error{
	"list":   reader(nil, func([]string) (string, error) { return managePath("user", "tokens"), nil }, tokenRows),
	"create": (*acct).tokenCreate,
	"revoke": (*acct).tokenRevoke,
}

// tokenCommand runs `regshare token SUBCOMMAND`.
func tokenCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return accountCommand(ctx, "token", tokenUsage, tokenSubcommands, args, stdin, stdout, stderr)
}

func tokenStatus(t shareapi.AccessToken) string {
	if t.Expired {
		return "Expired"
	}
	return "Active"
}

func tokenRows(list shareapi.AccessTokens) [][]string {
	rows := [][]string{{"ID", "LABEL", "PERMISSIONS", "EXPIRES", "STATUS", "CREATED"}}
	for _, t := range list.Tokens {
		rows = append(rows, []string{t.ID, ellipsis(t.Label, 40), cmp.Or(permissionsText(t.Permissions), "(your rights)"), t.ExpiresAt, tokenStatus(t), t.Created})
	}
	return rows
}

func (a *acct) tokenCreate(args []string) error {
	var perms permFlags
	perms.register(a.fs)
	expires := a.fs.String("expires", "", "valid for DURATION: 720h, 30d (default 30d)")
	pos, err := a.parse(args, "LABEL")
	if err != nil {
		return err
	}
	if *expires != "" {
		if err := positiveDuration("expires", *expires); err != nil {
			return err
		}
	}
	body := shareapi.CreateAccessToken{Label: pos[0], Permissions: perms, ExpiresIn: *expires}
	data, err := a.change(http.MethodPost, managePath("user", "tokens"), body,
		"see `regshare token list`; a token made but not shown cannot be shown again: revoke it and make another")
	if err != nil {
		return err
	}
	return printAnswer(a, data, func(t shareapi.AccessTokenSecret) [][]string {
		login := cmp.Or(t.DockerLogin,
			fmt.Sprintf("docker login REGISTRY -u '%s' --password-stdin   (REGISTRY: your registry's host; the token on stdin)", t.Owner))
		return lines(
			fmt.Sprintf("Access token %s (%s) created, expires %s.", t.ID, t.Label, t.ExpiresAt),
			"Token: "+t.Secret,
			"The token is shown this once: regshare keeps only its digest. Store it now, e.g. in your CI's secret store.",
			"Log in with:", "  "+login)
	}, func(t shareapi.AccessTokenSecret) bool { return t.ID != "" && t.Secret != "" })
}

func (a *acct) tokenRevoke(args []string) error {
	pos, err := a.parse(args, "ID")
	if err != nil {
		return err
	}
	return a.changedNoAnswer(http.MethodDelete, managePath("user", "tokens", pos[0]), nil, "see `regshare token list`",
		"revoked access token "+pos[0]+": it no longer logs in", map[string]any{"id": pos[0], "revoked": true})
}
