package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"
)

const robotUsage = `Usage:
  regshare robot list DOMAIN
  regshare robot show DOMAIN NAME
  regshare robot create DOMAIN NAME [--pull REPO]... [--push REPO]... [--delete REPO]...
                        (--expires DURATION | --never-expires) [--description TEXT]
  regshare robot rotate DOMAIN NAME [--grace DURATION]
  regshare robot disable DOMAIN NAME
  regshare robot enable DOMAIN NAME
  regshare robot delete DOMAIN NAME
A robot is a domain's machine login, for CI: its login name is
robot$DOMAIN+NAME (NAME may be given either way) and its password a secret
that regshare draws. --pull REPO lets it pull REPO, --push pull and push,
--delete pull, push and delete; a REPO ending in "/" (acme/ci/) means every
repository below that namespace. Give at least one.
--expires is required, at most the domain's robot max lifetime (90d unless
the domain says otherwise); --never-expires only where the domain allows it.
DURATION is a whole number of hours or days: 720h, 30d.
create and rotate print the secret once (regshare keeps only its digest),
and the docker login command; with -o json, the robot with "secret".
rotate draws a new secret; --grace keeps the previous one valid that long
(at most 7d; without it, the server's default).
Only manage users of DOMAIN and administrators manage its robots.
` + accountsHelp

var robotSubcommands = map[string]func(*acct, []string) error{
	"list":    (*acct).robotList,
	"show":    (*acct).robotShow,
	"create":  (*acct).robotCreate,
	"rotate":  (*acct).robotRotate,
	"disable": func(a *acct, args []string) error { return a.robotSetDisabled(args, true) },
	"enable":  func(a *acct, args []string) error { return a.robotSetDisabled(args, false) },
	"delete":  (*acct).robotDelete,
}

// robotCommand runs `regshare robot SUBCOMMAND`.
func robotCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return accountCommand(ctx, "robot", robotUsage, robotSubcommands, args, stdin, stdout, stderr)
}

// robotInfo is a robot as the API writes it.
type robotInfo struct {
	Name               string       `json:"name"` // the login name
	Robot              string       `json:"robot"`
	Domain             string       `json:"domain"`
	Description        string       `json:"description"`
	Permissions        []permission `json:"permissions"`
	ExpiresAt          *string      `json:"expires_at"`
	Expired            bool         `json:"expired"`
	Disabled           bool         `json:"disabled"`
	RotationGraceUntil *string      `json:"rotation_grace_until"`
	Created            string       `json:"created"`
	Updated            string       `json:"updated"`
	UpdatedBy          string       `json:"updated_by"`
	LastUsed           *struct {
		Time   string `json:"time"`
		Client string `json:"client"`
	} `json:"last_used"`
}

// robotSecret is the answer of a create or a rotation.
type robotSecret struct {
	robotInfo
	Secret      string          `json:"secret"`
	DockerLogin json.RawMessage `json:"docker_login"`
}

type permission struct {
	Repository string   `json:"repository"`
	Actions    []string `json:"actions"`
}

func (r robotInfo) status() string {
	switch {
	case r.Disabled:
		return "Disabled"
	case r.Expired:
		return "Expired"
	case r.RotationGraceUntil != nil && *r.RotationGraceUntil != "":
		return "Active (previous secret until " + *r.RotationGraceUntil + ")"
	}
	return "Active"
}

func (r robotInfo) permissions() string {
	var s []string
	for _, p := range r.Permissions {
		s = append(s, p.Repository+":"+strings.Join(p.Actions, ","))
	}
	return strings.Join(s, " ")
}

func (r robotInfo) lastUsed() string {
	if r.LastUsed == nil || r.LastUsed.Time == "" {
		return "never"
	}
	if r.LastUsed.Client != "" {
		return r.LastUsed.Time + " from " + r.LastUsed.Client
	}
	return r.LastUsed.Time
}

func (r robotInfo) details() [][2]string {
	return [][2]string{
		{"Login", r.Name}, {"Domain", r.Domain}, {"Description", r.Description},
		{"Permissions", r.permissions()}, {"Expires", orNever(r.ExpiresAt)}, {"Status", r.status()},
		{"Last used", r.lastUsed()}, {"Created", r.Created}, {"Updated", byWhom(r.Updated, r.UpdatedBy)},
	}
}

// robotName is the short name of a robot given as NAME or as its login
// robot$DOMAIN+NAME.
func robotName(domain, name string) (string, error) {
	rest, ok := strings.CutPrefix(name, "robot$")
	if !ok {
		return name, nil
	}
	d, n, ok := strings.Cut(rest, "+")
	if !ok || d != domain || n == "" {
		return "", fmt.Errorf("robot %q: not a robot of domain %s (robot$%s+NAME)", name, domain, domain)
	}
	return n, nil
}

// robotArgs parses DOMAIN NAME, and returns them and the robot's path.
func (a *acct) robotArgs(args []string) (domain, name, path string, err error) {
	pos, err := a.parse(args, "DOMAIN", "NAME")
	if err != nil {
		return "", "", "", err
	}
	if name, err = robotName(pos[0], pos[1]); err != nil {
		return "", "", "", err
	}
	return pos[0], name, managePath("domains", pos[0], "robots", name), nil
}

func (a *acct) robotList(args []string) error {
	pos, err := a.parse(args, "DOMAIN")
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.get(managePath("domains", pos[0], "robots"))
	if err != nil {
		return err
	}
	return a.print(data, func(data []byte) error {
		var list struct{ Robots []robotInfo }
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		rows := [][]string{{"NAME", "PERMISSIONS", "EXPIRES", "STATUS", "LAST USED", "DESCRIPTION"}}
		for _, r := range list.Robots {
			rows = append(rows, []string{r.Name, r.permissions(), orNever(r.ExpiresAt), r.status(), r.lastUsed(), ellipsis(r.Description, 40)})
		}
		return writeTable(a.stdout, rows)
	}, nil)
}

// printRobot prints one robot's answer.
func (a *acct) printRobot(data []byte, done map[string]any) error {
	return a.print(data, func(data []byte) error {
		var r robotInfo
		if err := json.Unmarshal(data, &r); err != nil {
			return err
		}
		return writeDetails(a.stdout, r.details())
	}, done)
}

func (a *acct) robotShow(args []string) error {
	_, _, path, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.get(path)
	if err != nil {
		return err
	}
	return a.printRobot(data, nil)
}

// permFlags collects --pull, --push and --delete: one permission per
// repository, in the order first named, with the actions of every flag
// that named it.
type permFlags []permission

var actionOrder = []string{"pull", "push", "delete"}

func (p *permFlags) add(actions ...string) func(string) error {
	return func(repo string) error {
		if repo == "" || strings.ContainsFunc(repo, unicode.IsSpace) {
			return fmt.Errorf("repository %q: want namespace/name, or namespace/ for all below it", repo)
		}
		for i := range *p {
			if (*p)[i].Repository == repo {
				have := slices.Concat((*p)[i].Actions, actions)
				(*p)[i].Actions = nil
				for _, act := range actionOrder {
					if slices.Contains(have, act) {
						(*p)[i].Actions = append((*p)[i].Actions, act)
					}
				}
				return nil
			}
		}
		*p = append(*p, permission{Repository: repo, Actions: slices.Clone(actions)})
		return nil
	}
}

func (a *acct) robotCreate(args []string) error {
	var perms permFlags
	a.fs.Func("pull", "let it pull REPO (repeatable; REPO/ for all below a namespace)", perms.add("pull"))
	a.fs.Func("push", "let it pull and push REPO (repeatable)", perms.add("pull", "push"))
	a.fs.Func("delete", "let it pull, push and delete in REPO (repeatable)", perms.add("pull", "push", "delete"))
	expires := a.fs.String("expires", "", "valid for DURATION: 720h, 30d")
	never := a.fs.Bool("never-expires", false, "valid until deleted, where the domain allows it")
	description := a.fs.String("description", "", "what the robot is for")
	domain, name, _, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	body := struct {
		Name         string       `json:"name"`
		Description  string       `json:"description"`
		Permissions  []permission `json:"permissions"`
		ExpiresIn    string       `json:"expires_in,omitempty"`
		NeverExpires bool         `json:"never_expires,omitempty"`
	}{Name: name, Description: *description, Permissions: perms, ExpiresIn: *expires, NeverExpires: *never}
	switch {
	case len(perms) == 0:
		return errors.New("robot create: give at least one --pull, --push or --delete REPO")
	case *expires != "" && *never:
		return errors.New("--expires and --never-expires exclude each other")
	case *expires == "" && !*never:
		return errors.New("robot create: --expires DURATION is required (e.g. 30d)")
	case *expires != "":
		if err := positiveDuration("expires", *expires); err != nil {
			return err
		}
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.change(http.MethodPost, managePath("domains", domain, "robots"), body,
		fmt.Sprintf("see `regshare robot show %s %s`; if it exists, its secret was never shown: `regshare robot rotate %[1]s %[2]s` draws one", domain, name))
	if err != nil {
		return err
	}
	return a.printSecret(data, "created")
}

func (a *acct) robotRotate(args []string) error {
	grace := a.fs.String("grace", "", "keep the previous secret valid this long: 24h, 2d (at most 7d)")
	domain, name, path, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	body := map[string]string{} // {} without --grace: the route reads a JSON body
	if *grace != "" {
		d, err := parseDuration(*grace)
		if err != nil {
			return fmt.Errorf("--grace %w", err)
		}
		if d > 0 { // no grace: the previous secret stops at once
			body["grace"] = *grace
		}
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.change(http.MethodPost, path+"/rotate", body,
		fmt.Sprintf("the secret you have may be replaced; run `regshare robot rotate %s %s` again to get one", domain, name))
	if err != nil {
		return err
	}
	return a.printSecret(data, "rotated")
}

// printSecret prints the answer of a create or a rotation: the login, the
// secret once, and how to log in.
func (a *acct) printSecret(data []byte, what string) error {
	var r robotSecret
	if err := a.secretAnswer(data, &r, func() bool { return r.Name != "" && r.Secret != "" }); err != nil {
		return err
	}
	if a.jsonOut() {
		return a.raw(data)
	}
	login := fmt.Sprintf("docker login REGISTRY -u '%s' --password-stdin   (REGISTRY: your registry's host; the secret on stdin)", r.Name)
	var s string
	if json.Unmarshal(r.DockerLogin, &s) == nil && s != "" {
		login = s
	}
	lines := []string{
		fmt.Sprintf("Robot %s %s, expires %s.", r.Name, what, orNever(r.ExpiresAt)),
		"Login:  " + r.Name,
		"Secret: " + r.Secret,
		"The secret is shown this once: regshare keeps only its digest. Store it now, e.g. in your CI's secret store.",
	}
	if r.RotationGraceUntil != nil && *r.RotationGraceUntil != "" {
		lines = append(lines, "The previous secret works until "+*r.RotationGraceUntil+".")
	}
	lines = append(lines, "Log in with:", "  "+login)
	for _, l := range lines {
		if _, err := fmt.Fprintln(a.stdout, terminalSafe(l)); err != nil {
			return err
		}
	}
	return nil
}

func (a *acct) robotSetDisabled(args []string, disabled bool) error {
	domain, name, path, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.change(http.MethodPatch, path, map[string]bool{"disabled": disabled},
		fmt.Sprintf("see `regshare robot show %s %s`", domain, name))
	if err != nil {
		return err
	}
	word := map[bool]string{true: "disabled", false: "enabled"}[disabled]
	return a.printRobot(data, map[string]any{"domain": domain, "robot": name, word: true,
		"message": fmt.Sprintf("%s robot$%s+%s", word, domain, name)})
}

func (a *acct) robotDelete(args []string) error {
	domain, name, path, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.change(http.MethodDelete, path, nil, fmt.Sprintf("see `regshare robot list %s`", domain))
	if err != nil {
		return err
	}
	return a.printRobot(data, map[string]any{"domain": domain, "robot": name, "deleted": true,
		"message": fmt.Sprintf("deleted robot$%s+%s: its secret no longer logs in", domain, name)})
}
