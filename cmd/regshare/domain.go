package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/regshare/regshare/shareapi"
)

const domainUsage = `Usage:
  regshare domain list
  regshare domain show NAME
  regshare domain create NAME [--namespace NS]... [--robot-max-lifetime DURATION] [--robot-never-expires]
  regshare domain update NAME [--add-namespace NS]... [--remove-namespace NS]...
                        [--robot-max-lifetime DURATION] [--robot-never-expires=true|false]
  regshare domain delete NAME [--force]
  regshare domain history NAME
Administrators manage domains. A domain owns its namespaces (acme owns
acme/...) and may share their repositories. --robot-max-lifetime bounds the
expiry of its robots (default 90d); --robot-never-expires lets them be made
without one. update reads the domain's namespaces and writes them back
with the changes. delete refuses a domain that still has shares; --force
revokes them (it lists them) and deletes it. A domain declared in the
configuration file cannot be changed here.
DURATION is a whole number of hours or days: 720h, 30d.
` + accountsHelp

var domainSubcommands = map[string]func(*acct, []string) error{
	"list": reader(nil, func([]string) (string, error) { return managePath("domains"), nil }, domainRows),
	"show": reader([]string{"NAME"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0]), nil
	}, domainDetails),
	"create": (*acct).domainCreate,
	"update": (*acct).domainUpdate,
	"delete": (*acct).domainDelete,
	// The domain record's changes, oldest first.
	"history": reader([]string{"NAME"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0], "history"), nil
	}, historyRows),
}

// domainCommand runs `regshare domain SUBCOMMAND`.
func domainCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return accountCommand(ctx, "domain", domainUsage, domainSubcommands, args, stdin, stdout, stderr)
}

func domainRows(list shareapi.Domains) [][]string {
	rows := [][]string{{"NAME", "NAMESPACES", "USERS", "ROBOTS", "ROBOT MAX LIFETIME", "SOURCE", "UPDATED"}}
	for _, d := range list.Domains {
		lifetime := d.RobotMaxLifetime
		if d.RobotNeverExpires {
			lifetime += " (or never)"
		}
		rows = append(rows, []string{d.Name, strings.Join(d.Namespaces, ","), strconv.Itoa(d.Users), strconv.Itoa(d.Robots),
			lifetime, source(d.Static), orBlank(d.Updated)})
	}
	return rows
}

func domainDetails(d shareapi.Domain) [][]string {
	return details([][2]string{
		{"Name", d.Name}, {"Namespaces", strings.Join(d.Namespaces, ", ")},
		{"Users", strconv.Itoa(d.Users)}, {"Robots", strconv.Itoa(d.Robots)},
		{"Robot max lifetime", d.RobotMaxLifetime}, {"Robots may never expire", yes(d.RobotNeverExpires)},
		{"Source", source(d.Static)}, {"Created", orBlank(d.Created)}, {"Updated", byWhom(orBlank(d.Updated), d.UpdatedBy)},
	})
}

func historyRows(h shareapi.AccountHistory) [][]string {
	rows := [][]string{{"TIME", "ACTOR", "ACTION", "RECORD", "SHARES REVOKED"}}
	for _, e := range h.Events {
		rows = append(rows, []string{e.Time, e.Actor, e.Action, strings.TrimPrefix(e.Kind+" "+e.Name, " "), strconv.Itoa(len(e.Revoked))})
	}
	return rows
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func (a *acct) domainCreate(args []string) error {
	var namespaces repeated
	a.fs.Var(&namespaces, "namespace", "a namespace the domain owns (repeatable)")
	lifetime := a.fs.String("robot-max-lifetime", "", "the longest expiry of its robots: 720h, 90d (default: the server's, 90d)")
	never := a.fs.Bool("robot-never-expires", false, "let its robots be made without an expiry")
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	if *lifetime != "" {
		if err := positiveDuration("robot-max-lifetime", *lifetime); err != nil {
			return err
		}
	}
	body := shareapi.CreateDomain{Name: pos[0], Namespaces: append([]string{}, namespaces...), RobotMaxLifetime: *lifetime, RobotNeverExpires: *never}
	return changed(a, http.MethodPost, managePath("domains"), body, fmt.Sprintf("see `regshare domain show %s`", pos[0]), domainDetails)
}

func (a *acct) domainUpdate(args []string) error {
	var add, remove repeated
	a.fs.Var(&add, "add-namespace", "a namespace to give the domain (repeatable)")
	a.fs.Var(&remove, "remove-namespace", "a namespace to take from the domain (repeatable)")
	lifetime := a.fs.String("robot-max-lifetime", "", "the longest expiry of its robots: 720h, 90d")
	var never *bool
	a.fs.BoolFunc("robot-never-expires", "=true lets its robots be made without an expiry, =false no longer", func(v string) error {
		b, err := strconv.ParseBool(v)
		never = &b
		return err
	})
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	var body shareapi.UpdateDomain
	if *lifetime != "" {
		if err := positiveDuration("robot-max-lifetime", *lifetime); err != nil {
			return err
		}
		body.RobotMaxLifetime = lifetime
	}
	body.RobotNeverExpires = never
	for _, ns := range add {
		if slices.Contains(remove, ns) {
			return fmt.Errorf("namespace %q is both added and removed", ns)
		}
	}
	if len(add) == 0 && len(remove) == 0 && body.RobotMaxLifetime == nil && never == nil {
		return errors.New("domain update: nothing to change; give --add-namespace, --remove-namespace, --robot-max-lifetime or --robot-never-expires")
	}
	path := managePath("domains", pos[0])
	if len(add) > 0 || len(remove) > 0 {
		data, err := a.get(path)
		if err != nil {
			return err
		}
		var d shareapi.Domain
		if err := json.Unmarshal(data, &d); err != nil {
			return fmt.Errorf("unexpected answer: %w", err)
		}
		namespaces := append([]string{}, d.Namespaces...)
		for _, ns := range remove {
			i := slices.Index(namespaces, ns)
			if i < 0 {
				return fmt.Errorf("domain %s has no namespace %q (it has %s)", pos[0], ns, strings.Join(d.Namespaces, ", "))
			}
			namespaces = slices.Delete(namespaces, i, i+1)
		}
		for _, ns := range add {
			if slices.Contains(namespaces, ns) {
				return fmt.Errorf("domain %s already has namespace %q", pos[0], ns)
			}
			namespaces = append(namespaces, ns)
		}
		body.Namespaces = &namespaces
	}
	return changed(a, http.MethodPatch, path, body, fmt.Sprintf("see `regshare domain show %s`", pos[0]), domainDetails)
}

func (a *acct) domainDelete(args []string) error {
	force := a.fs.Bool("force", false, "revoke the domain's shares, then delete it")
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	return deleteRevoking(a, "domain", managePath("domains", pos[0]), pos[0], *force)
}

// deleteRevoking deletes a domain or group (kind) at path, which with
// force revokes its shares first, and prints what was revoked.
func deleteRevoking(a *acct, kind, path, name string, force bool) error {
	if force {
		path += "?force=true"
	}
	data, err := a.change(http.MethodDelete, path, nil, fmt.Sprintf("see `regshare %s show %s`", kind, name))
	if ae, ok := errors.AsType[*answerError](err); ok && ae.status == http.StatusConflict && !force {
		return fmt.Errorf("%w\n--force revokes its shares and deletes it", err)
	}
	if err != nil {
		return err
	}
	return printAnswer(a, data, func(d shareapi.DomainDeleted) [][]string {
		return revokedRows(fmt.Sprintf("deleted %s %s; shares revoked: %d", kind, name, len(d.Revoked)), d.Revoked)
	}, nil)
}

// revokedRows are a deletion's line and the shares it revoked.
func revokedRows(line string, revoked []shareapi.ShareKey) [][]string {
	rows := lines(line)
	if len(revoked) > 0 {
		rows = append(rows, []string{"REPOSITORY", "SHARED WITH"})
	}
	for _, r := range revoked {
		rows = append(rows, []string{r.Repository, r.AccessDomain})
	}
	return rows
}
