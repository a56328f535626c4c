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
	"time"
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
	"list":    (*acct).domainList,
	"show":    (*acct).domainShow,
	"create":  (*acct).domainCreate,
	"update":  (*acct).domainUpdate,
	"delete":  (*acct).domainDelete,
	"history": (*acct).domainHistory,
}

// domainCommand runs `regshare domain SUBCOMMAND`.
func domainCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return accountCommand(ctx, "domain", domainUsage, domainSubcommands, args, stdin, stdout, stderr)
}

// domainInfo is a domain as the API writes it. Users and robots are
// counts or lists of them, the lifetime "90d" or nanoseconds: the CLI
// shows either.
type domainInfo struct {
	Name              string          `json:"name"`
	Namespaces        []string        `json:"namespaces"`
	Static            bool            `json:"static"`
	RobotMaxLifetime  json.RawMessage `json:"robot_max_lifetime"`
	RobotNeverExpires bool            `json:"robot_never_expires"`
	Users             json.RawMessage `json:"users"`
	Robots            json.RawMessage `json:"robots"`
	Created           string          `json:"created"`
	Updated           string          `json:"updated"`
	UpdatedBy         string          `json:"updated_by"`
}

// count shows a count or the length of a list.
func count(raw json.RawMessage) string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil && list != nil {
		return strconv.Itoa(len(list))
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func (d domainInfo) lifetime() string {
	var s string
	if json.Unmarshal(d.RobotMaxLifetime, &s) == nil {
		return s
	}
	var ns int64
	if json.Unmarshal(d.RobotMaxLifetime, &ns) == nil && ns > 0 {
		if t := time.Duration(ns); t%(24*time.Hour) == 0 {
			return fmt.Sprintf("%dd", t/(24*time.Hour))
		}
		return time.Duration(ns).String()
	}
	return "default"
}

func (d domainInfo) source() string {
	if d.Static {
		return "config file"
	}
	return "run time"
}

func (a *acct) domainList(args []string) error {
	if _, err := a.parse(args); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.get(managePath("domains"))
	if err != nil {
		return err
	}
	return a.print(data, func(data []byte) error {
		var list struct{ Domains []domainInfo }
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		rows := [][]string{{"NAME", "NAMESPACES", "USERS", "ROBOTS", "ROBOT MAX LIFETIME", "SOURCE", "UPDATED"}}
		for _, d := range list.Domains {
			lifetime := d.lifetime()
			if d.RobotNeverExpires {
				lifetime += " (or never)"
			}
			rows = append(rows, []string{d.Name, strings.Join(d.Namespaces, ","), count(d.Users), count(d.Robots), lifetime, d.source(), d.Updated})
		}
		return writeTable(a.stdout, rows)
	}, nil)
}

// printDomain prints one domain's answer.
func (a *acct) printDomain(data []byte) error {
	return a.print(data, func(data []byte) error {
		var d domainInfo
		if err := json.Unmarshal(data, &d); err != nil {
			return err
		}
		return writeDetails(a.stdout, [][2]string{
			{"Name", d.Name}, {"Namespaces", strings.Join(d.Namespaces, ", ")},
			{"Users", count(d.Users)}, {"Robots", count(d.Robots)},
			{"Robot max lifetime", d.lifetime()}, {"Robots may never expire", yes(d.RobotNeverExpires)},
			{"Source", d.source()}, {"Created", d.Created}, {"Updated", byWhom(d.Updated, d.UpdatedBy)},
		})
	}, nil)
}

func (a *acct) domainShow(args []string) error {
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.get(managePath("domains", pos[0]))
	if err != nil {
		return err
	}
	return a.printDomain(data)
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
	body := struct {
		Name              string   `json:"name"`
		Namespaces        []string `json:"namespaces"`
		RobotMaxLifetime  string   `json:"robot_max_lifetime,omitempty"`
		RobotNeverExpires bool     `json:"robot_never_expires"`
	}{pos[0], append([]string{}, namespaces...), *lifetime, *never}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.change(http.MethodPost, managePath("domains"), body, fmt.Sprintf("see `regshare domain show %s`", pos[0]))
	if err != nil {
		return err
	}
	return a.printDomain(data)
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
	var body struct {
		Namespaces        *[]string `json:"namespaces,omitempty"`
		RobotMaxLifetime  *string   `json:"robot_max_lifetime,omitempty"`
		RobotNeverExpires *bool     `json:"robot_never_expires,omitempty"`
	}
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
	if err := a.connect(); err != nil {
		return err
	}
	path := managePath("domains", pos[0])
	if len(add) > 0 || len(remove) > 0 {
		data, err := a.get(path)
		if err != nil {
			return err
		}
		var d domainInfo
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
	data, err := a.change(http.MethodPatch, path, body, fmt.Sprintf("see `regshare domain show %s`", pos[0]))
	if err != nil {
		return err
	}
	return a.printDomain(data)
}

func (a *acct) domainDelete(args []string) error {
	force := a.fs.Bool("force", false, "revoke the domain's shares, then delete it")
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	path := managePath("domains", pos[0])
	if *force {
		path += "?force=true"
	}
	data, err := a.change(http.MethodDelete, path, nil, fmt.Sprintf("see `regshare domain show %s`", pos[0]))
	if ae, ok := errors.AsType[*answerError](err); ok && ae.status == http.StatusConflict && !*force {
		return fmt.Errorf("%w\n--force revokes its shares and deletes it", err)
	}
	if err != nil {
		return err
	}
	return a.print(data, func(data []byte) error {
		var answer struct {
			Revoked []struct {
				Repository   string `json:"repository"`
				AccessDomain string `json:"access_domain"`
			} `json:"revoked"`
		}
		if err := json.Unmarshal(data, &answer); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "deleted domain %s; shares revoked: %d\n", terminalSafe(pos[0]), len(answer.Revoked))
		if len(answer.Revoked) == 0 {
			return nil
		}
		rows := [][]string{{"REPOSITORY", "SHARED WITH"}}
		for _, r := range answer.Revoked {
			rows = append(rows, []string{r.Repository, r.AccessDomain})
		}
		return writeTable(a.stdout, rows)
	}, map[string]any{"domain": pos[0], "deleted": true, "revoked": []any{}, "message": "deleted domain " + pos[0]})
}

// domainHistory prints GET /v2/manage/domains/{domain}/history: the
// domain record's changes, oldest first, as a list (like a share's
// history) or as {"events":[...]}.
func (a *acct) domainHistory(args []string) error {
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	data, err := a.get(managePath("domains", pos[0], "history"))
	if err != nil {
		return err
	}
	return a.print(data, func(data []byte) error {
		type event struct {
			Time    string            `json:"time"`
			Actor   string            `json:"actor"`
			Action  string            `json:"action"`
			Kind    string            `json:"kind"`
			Name    string            `json:"name"`
			Revoked []json.RawMessage `json:"revoked"`
		}
		var events []event
		if err := json.Unmarshal(data, &events); err != nil {
			var obj struct{ Events []event }
			if json.Unmarshal(data, &obj) != nil {
				return err
			}
			events = obj.Events
		}
		rows := [][]string{{"TIME", "ACTOR", "ACTION", "RECORD", "SHARES REVOKED"}}
		for _, e := range events {
			rows = append(rows, []string{e.Time, e.Actor, e.Action, strings.TrimPrefix(e.Kind+" "+e.Name, " "), strconv.Itoa(len(e.Revoked))})
		}
		return writeTable(a.stdout, rows)
	}, nil)
}
