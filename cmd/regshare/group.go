package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/regshare/regshare/shareapi"
)

const groupUsage = `Usage:
  regshare group list
  regshare group show NAME
  regshare group create NAME [--member DOMAIN]... [--description TEXT]
  regshare group update NAME [--add-member DOMAIN]... [--remove-member DOMAIN]... [--description TEXT]
  regshare group delete NAME [--force]
  regshare group history NAME
Administrators keep groups of domains. A share made with a group
(regshare share create REPO --with-group NAME) lets each member domain
pull, present and future: a domain added gains it, one removed loses it
for every token issued afterwards. Every user lists the groups; their
members are shown to administrators only. update changes the members as
they are when the change is made, so two administrators' changes lose
neither. delete refuses a group that still receives shares; --force
revokes them (it lists them) and deletes it.
` + accountsHelp

var groupSubcommands = map[string]func(*acct, []string) error{
	"list": reader(nil, func([]string) (string, error) { return managePath("groups"), nil }, groupRows),
	"show": reader([]string{"NAME"}, func(pos []string) (string, error) {
		return managePath("groups", pos[0]), nil
	}, groupDetails),
	"create": (*acct).groupCreate,
	"update": (*acct).groupUpdate,
	"delete": (*acct).groupDelete,
	"history": reader([]string{"NAME"}, func(pos []string) (string, error) {
		return managePath("groups", pos[0], "history"), nil
	}, historyRows),
}

// groupCommand runs `regshare group SUBCOMMAND`.
func groupCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return accountCommand(ctx, "group", groupUsage, groupSubcommands, args, stdin, stdout, stderr)
}

// members is how a group's members are shown: named to administrators,
// counted to anyone else.
func members(g shareapi.Group) string {
	if g.Members != nil || g.NumMembers == 0 {
		return strings.Join(g.Members, ",")
	}
	if g.NumMembers == 1 {
		return "1 domain"
	}
	return strconv.Itoa(g.NumMembers) + " domains"
}

func groupRows(list shareapi.Groups) [][]string {
	rows := [][]string{{"NAME", "SHARE WITH", "MEMBERS", "YOURS", "DESCRIPTION", "UPDATED"}}
	for _, g := range list.Groups {
		rows = append(rows, []string{g.Name, "@" + g.Name, members(g), yes(g.Member), ellipsis(g.Description, 40), g.Updated})
	}
	return rows
}

func groupDetails(g shareapi.Group) [][]string {
	return details([][2]string{
		{"Name", g.Name}, {"Share with", "--with-group " + g.Name}, {"Description", g.Description},
		{"Members", members(g)}, {"Your domain is a member", yes(g.Member)},
		{"Created", g.Created}, {"Updated", byWhom(g.Updated, g.UpdatedBy)},
	})
}

func (a *acct) groupCreate(args []string) error {
	var ms repeated
	a.fs.Var(&ms, "member", "a member domain (repeatable)")
	description := a.fs.String("description", "", "what the group is (at most 1,000 characters)")
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	body := shareapi.CreateGroup{Name: pos[0], Description: *description, Members: append([]string{}, ms...)}
	return changed(a, http.MethodPost, managePath("groups"), body, fmt.Sprintf("see `regshare group show %s`", pos[0]), groupDetails)
}

func (a *acct) groupUpdate(args []string) error {
	var add, remove repeated
	a.fs.Var(&add, "add-member", "a domain to add (repeatable)")
	a.fs.Var(&remove, "remove-member", "a domain to remove (repeatable)")
	var description *string
	a.fs.Func("description", "what the group is (at most 1,000 characters)", func(v string) error {
		description = &v
		return nil
	})
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	for _, d := range add {
		if slices.Contains(remove, d) {
			return fmt.Errorf("domain %q is both added and removed", d)
		}
	}
	if len(add) == 0 && len(remove) == 0 && description == nil {
		return errors.New("group update: nothing to change; give --add-member, --remove-member or --description")
	}
	body := shareapi.UpdateGroup{Description: description, AddMembers: add, RemoveMembers: remove}
	return changed(a, http.MethodPatch, managePath("groups", pos[0]), body, fmt.Sprintf("see `regshare group show %s`", pos[0]), groupDetails)
}

func (a *acct) groupDelete(args []string) error {
	force := a.fs.Bool("force", false, "revoke the shares made with the group, then delete it")
	pos, err := a.parse(args, "NAME")
	if err != nil {
		return err
	}
	return deleteRevoking(a, "group", managePath("groups", pos[0]), pos[0], *force)
}
