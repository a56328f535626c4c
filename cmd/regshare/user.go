package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/regshare/regshare/shareapi"
)

const userUsage = `Usage:
  regshare user list DOMAIN
  regshare user create DOMAIN NAME --role manage|write|read [--password-stdin]
  regshare user update DOMAIN NAME [--role ROLE] [--disable | --enable]
  regshare user reset-password DOMAIN NAME
  regshare user delete DOMAIN NAME
  regshare user passwd
Manage users of DOMAIN and administrators manage its users. manage may
share and manage the domain's users and robots, write push and pull, read
pull only. create draws the password and prints it once, unless
--password-stdin: then it reads it from stdin's first line (asking twice
at a terminal). reset-password draws a new password and prints it once.
A disabled user cannot log in. Users declared in the configuration file
cannot be changed here.
passwd changes your own (--user's) password, and logs in with the current
one, not REGSHARE_PASSWORD: at a terminal it asks for the current password
and the new one (twice); otherwise it reads two lines from stdin, the
current password and then the new one:
  printf '%s\n%s\n' "$OLD" "$NEW" | regshare user passwd
` + accountsHelp

var userSubcommands = map[string]func(*acct, []string) error{
	"list": reader([]string{"DOMAIN"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0], "users"), nil
	}, func(list shareapi.Accounts) [][]string {
		rows := [][]string{userHeader}
		for _, u := range list.Users {
			rows = append(rows, userRow(u))
		}
		return rows
	}),
	"create":         (*acct).userCreate,
	"update":         (*acct).userUpdate,
	"reset-password": (*acct).userResetPassword,
	"delete":         (*acct).userDelete,
	"passwd":         (*acct).userPasswd,
}

// userCommand runs `regshare user SUBCOMMAND`.
func userCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return accountCommand(ctx, "user", userUsage, userSubcommands, args, stdin, stdout, stderr)
}

var userHeader = []string{"NAME", "ROLE", "ADMINISTRATOR", "STATUS", "SOURCE", "UPDATED", "UPDATED BY"}

func userRow(u shareapi.Account) []string {
	status := "Active"
	if u.Disabled {
		status = "Disabled"
	}
	return []string{u.Name, u.Role, yes(u.Superuser), status, userSource(u), orBlank(u.Updated), u.UpdatedBy}
}

// userRows is one user as a table.
func userRows(u shareapi.Account) [][]string { return [][]string{userHeader, userRow(u)} }

func validRole(role string) error {
	switch role {
	case "manage", "write", "read":
		return nil
	}
	return fmt.Errorf("--role %q: want manage, write or read", role)
}

// userArgs parses DOMAIN NAME, and returns them and the user's path.
func (a *acct) userArgs(args []string) (domain, name, path string, err error) {
	pos, err := a.parse(args, "DOMAIN", "NAME")
	if err != nil {
		return "", "", "", err
	}
	return pos[0], pos[1], managePath("domains", pos[0], "users", pos[1]), nil
}

// newPassword reads a password to set: asked twice at a terminal with
// prompt, else the next line of stdin, what it is.
func (a *acct) newPassword(prompt, what string, in *bufio.Reader) (string, error) {
	f, ok := terminal(a.stdin)
	if !ok {
		return readLine(in, what)
	}
	p, err := askPassword(f, prompt+": ", a.stderr)
	if err != nil {
		return "", err
	}
	again, err := askPassword(f, "Again: ", a.stderr)
	if err != nil {
		return "", err
	}
	if p != again {
		return "", errors.New("the two passwords differ")
	}
	if p == "" {
		return "", errors.New("empty password")
	}
	return p, nil
}

func (a *acct) userCreate(args []string) error {
	role := a.fs.String("role", "", "manage, write or read")
	fromStdin := a.fs.Bool("password-stdin", false, "read the password from stdin instead of having the server draw one")
	domain, name, _, err := a.userArgs(args)
	if err != nil {
		return err
	}
	if err := validRole(*role); err != nil {
		return err
	}
	body := shareapi.CreateAccount{Name: name, Role: *role}
	if err := a.connect(); err != nil { // before stdin: the login's password may be asked first
		return err
	}
	if *fromStdin {
		if body.Password, err = a.newPassword("Password for the new user "+name, "password", bufio.NewReader(a.stdin)); err != nil {
			return err
		}
	}
	data, err := a.change(http.MethodPost, managePath("domains", domain, "users"), body,
		fmt.Sprintf("see `regshare user list %s`; if %s is there, `regshare user reset-password %[1]s %[2]s` draws a password", domain, name))
	if err != nil {
		return err
	}
	return printAnswer(a, data, func(u shareapi.CreatedAccount) [][]string {
		rows := userRows(u.Account)
		if u.Password == "" {
			return rows // not drawn: given on stdin
		}
		return append(rows, lines("Password: "+u.Password, "The password is shown this once; give it to "+name+" over a safe channel.")...)
	}, func(u shareapi.CreatedAccount) bool { return u.Name != "" })
}

func (a *acct) userUpdate(args []string) error {
	role := a.fs.String("role", "", "the new role: manage, write or read")
	disable := a.fs.Bool("disable", false, "refuse the user's logins")
	enable := a.fs.Bool("enable", false, "accept the user's logins again")
	domain, _, path, err := a.userArgs(args)
	if err != nil {
		return err
	}
	var body shareapi.UpdateAccount
	switch {
	case *disable && *enable:
		return errors.New("--disable and --enable exclude each other")
	case *disable || *enable:
		body.Disabled = disable
	}
	if *role != "" {
		if err := validRole(*role); err != nil {
			return err
		}
		body.Role = role
	}
	if body.Role == nil && body.Disabled == nil {
		return errors.New("user update: nothing to change; give --role, --disable or --enable")
	}
	return changed(a, http.MethodPatch, path, body, fmt.Sprintf("see `regshare user list %s`", domain), userRows)
}

func (a *acct) userResetPassword(args []string) error {
	domain, name, path, err := a.userArgs(args)
	if err != nil {
		return err
	}
	// {}: the route reads a JSON body.
	data, err := a.change(http.MethodPost, path+"/reset-password", struct{}{},
		fmt.Sprintf("the old password may no longer work; run `regshare user reset-password %s %s` again", domain, name))
	if err != nil {
		return err
	}
	return printAnswer(a, data, func(p shareapi.NewPassword) [][]string {
		return lines("New password for "+p.Name+": "+p.Password, "The password is shown this once; give it to "+p.Name+" over a safe channel.")
	}, func(p shareapi.NewPassword) bool { return p.Password != "" })
}

func (a *acct) userDelete(args []string) error {
	domain, name, path, err := a.userArgs(args)
	if err != nil {
		return err
	}
	return a.changedNoAnswer(http.MethodDelete, path, nil, fmt.Sprintf("see `regshare user list %s`", domain),
		"deleted user "+name, map[string]any{"domain": domain, "user": name, "deleted": true})
}

// userPasswd changes the caller's own password, logging in with the
// current one.
func (a *acct) userPasswd(args []string) error {
	if _, err := a.parse(args); err != nil {
		return err
	}
	c, err := a.cf.dial(a.stderr)
	if err != nil {
		return err
	}
	in := bufio.NewReader(a.stdin)
	var current string
	if f, ok := terminal(a.stdin); ok {
		current, err = askPassword(f, "Current password for "+c.user+": ", a.stderr)
	} else {
		current, err = readLine(in, "current password (line 1)")
	}
	if err != nil {
		return err
	}
	next, err := a.newPassword("New password", "new password (line 2)", in)
	if err != nil {
		return err
	}
	c.password, a.c = current, c
	return a.changedNoAnswer(http.MethodPost, managePath("user", "password"),
		shareapi.ChangePassword{CurrentPassword: current, NewPassword: next}, "try logging in with the new password",
		"changed the password of "+c.user+"; docker login again with the new one where it is stored",
		map[string]any{"user": c.user, "password_changed": true})
}
