package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/regshare/regshare/shareapi"
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
	"list": reader([]string{"DOMAIN"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0], "robots"), nil
	}, robotRows),
	"show": reader([]string{"DOMAIN", "NAME"}, func(pos []string) (string, error) {
		path, _, err := robotPath(pos[0], pos[1])
		return path, err
	}, robotDetails),
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

func robotStatus(r shareapi.Robot) string {
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

func permissionsText(perms []shareapi.Permission) string {
	var s []string
	for _, p := range perms {
		s = append(s, p.Repository+":"+strings.Join(p.Actions, ","))
	}
	return strings.Join(s, " ")
}

func lastUsed(u *shareapi.RobotUse) string {
	if u == nil || u.Time == "" {
		return "never"
	}
	if u.Client != "" {
		return u.Time + " from " + u.Client
	}
	return u.Time
}

func robotRows(list shareapi.Robots) [][]string {
	rows := [][]string{{"NAME", "PERMISSIONS", "EXPIRES", "STATUS", "LAST USED", "DESCRIPTION"}}
	for _, r := range list.Robots {
		rows = append(rows, []string{r.Name, permissionsText(r.Permissions), orNever(r.ExpiresAt), robotStatus(r), lastUsed(r.LastUsed), ellipsis(r.Description, 40)})
	}
	return rows
}

func robotDetails(r shareapi.Robot) [][]string {
	return details([][2]string{
		{"Login", r.Name}, {"Domain", r.Domain}, {"Description", r.Description},
		{"Permissions", permissionsText(r.Permissions)}, {"Expires", orNever(r.ExpiresAt)}, {"Status", robotStatus(r)},
		{"Last used", lastUsed(r.LastUsed)}, {"Created", orBlank(r.Created)}, {"Updated", byWhom(orBlank(r.Updated), r.UpdatedBy)},
	})
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

// robotPath is the path of the robot NAME of DOMAIN, NAME given either
// way; it returns NAME short.
func robotPath(domain, name string) (path, short string, err error) {
	if short, err = robotName(domain, name); err != nil {
		return "", "", err
	}
	return managePath("domains", domain, "robots", short), short, nil
}

// robotArgs parses DOMAIN NAME, and returns them (NAME short) and the
// robot's path.
func (a *acct) robotArgs(args []string) (domain, name, path string, err error) {
	pos, err := a.parse(args, "DOMAIN", "NAME")
	if err != nil {
		return "", "", "", err
	}
	path, name, err = robotPath(pos[0], pos[1])
	return pos[0], name, path, err
}

// permFlags collects --pull, --push and --delete: one permission per
// repository, in the order first named, with the actions of every flag
// that named it.
type permFlags []shareapi.Permission

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
		*p = append(*p, shareapi.Permission{Repository: repo, Actions: slices.Clone(actions)})
		return nil
	}
}

// register adds --pull, --push and --delete to fs, collected into p.
func (p *permFlags) register(fs *flag.FlagSet) {
	fs.Func("pull", "let it pull REPO (repeatable; REPO/ for all below a namespace)", p.add("pull"))
	fs.Func("push", "let it pull and push REPO (repeatable)", p.add("pull", "push"))
	fs.Func("delete", "let it pull, push and delete in REPO (repeatable)", p.add("pull", "push", "delete"))
}

func (a *acct) robotCreate(args []string) error {
	var perms permFlags
	perms.register(a.fs)
	expires := a.fs.String("expires", "", "valid for DURATION: 720h, 30d")
	never := a.fs.Bool("never-expires", false, "valid until deleted, where the domain allows it")
	description := a.fs.String("description", "", "what the robot is for")
	domain, name, _, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	body := shareapi.CreateRobot{Name: name, Description: *description, Permissions: perms, ExpiresIn: *expires, NeverExpires: *never}
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
	return changedSecret(a, managePath("domains", domain, "robots"), body, "created",
		fmt.Sprintf("see `regshare robot show %s %s`; if it exists, its secret was never shown: `regshare robot rotate %[1]s %[2]s` draws one", domain, name))
}

func (a *acct) robotRotate(args []string) error {
	grace := a.fs.String("grace", "", "keep the previous secret valid this long: 24h, 2d (at most 7d)")
	domain, name, path, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	var body shareapi.RotateRobot // {} without --grace: the route reads a JSON body
	if *grace != "" {
		d, err := parseDuration(*grace)
		if err != nil {
			return fmt.Errorf("--grace %w", err)
		}
		if d > 0 { // no grace: the previous secret stops at once
			body.Grace = *grace
		}
	}
	return changedSecret(a, path+"/rotate", body, "rotated",
		fmt.Sprintf("the secret you have may be replaced; run `regshare robot rotate %s %s` again to get one", domain, name))
}

// changedSecret sends a create or a rotation, and prints its answer: the
// login, the secret once, and how to log in.
func changedSecret(a *acct, path string, body any, what, check string) error {
	data, err := a.change(http.MethodPost, path, body, check)
	if err != nil {
		return err
	}
	return printAnswer(a, data, func(r shareapi.RobotSecret) [][]string {
		login := cmp.Or(r.DockerLogin,
			fmt.Sprintf("docker login REGISTRY -u '%s' --password-stdin   (REGISTRY: your registry's host; the secret on stdin)", r.Name))
		out := []string{
			fmt.Sprintf("Robot %s %s, expires %s.", r.Name, what, orNever(r.ExpiresAt)),
			"Login:  " + r.Name,
			"Secret: " + r.Secret,
			"The secret is shown this once: regshare keeps only its digest. Store it now, e.g. in your CI's secret store.",
		}
		if r.RotationGraceUntil != nil && *r.RotationGraceUntil != "" {
			out = append(out, "The previous secret works until "+*r.RotationGraceUntil+".")
		}
		return lines(append(out, "Log in with:", "  "+login)...)
	}, func(r shareapi.RobotSecret) bool { return r.Name != "" && r.Secret != "" })
}

func (a *acct) robotSetDisabled(args []string, disabled bool) error {
	domain, name, path, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	return changed(a, http.MethodPatch, path, shareapi.UpdateRobot{Disabled: &disabled},
		fmt.Sprintf("see `regshare robot show %s %s`", domain, name), robotDetails)
}

func (a *acct) robotDelete(args []string) error {
	domain, name, path, err := a.robotArgs(args)
	if err != nil {
		return err
	}
	return a.changedNoAnswer(http.MethodDelete, path, nil, fmt.Sprintf("see `regshare robot list %s`", domain),
		fmt.Sprintf("deleted robot$%s+%s: its secret no longer logs in", domain, name),
		map[string]any{"domain": domain, "robot": name, "deleted": true})
}
