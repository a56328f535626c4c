package tokenauth

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regshare/regshare/grants"
)

// MaxScopeLength bounds one scope string: a type, a 255-character name and
// a few actions fit easily.
const MaxScopeLength = 512

// ErrBadScope is wrapped by every scope syntax error.
var ErrBadScope = errors.New("invalid scope")

// ParseScope parses one scope, `type[(class)]:name:action[,action]`. The
// name may itself hold a colon (a `host:port/` prefix), so the type ends at
// the first colon and the actions start after the last one. Repeated
// actions are kept once, in the order first seen; empty ones are dropped.
// The name is not validated here: an unusable name is granted nothing.
func ParseScope(s string) (grants.Access, error) {
	if len(s) > MaxScopeLength {
		return grants.Access{}, fmt.Errorf("%w: longer than %d bytes", ErrBadScope, MaxScopeLength)
	}
	typ, rest, ok := strings.Cut(s, ":")
	i := strings.LastIndexByte(rest, ':')
	if !ok || i < 0 {
		return grants.Access{}, fmt.Errorf("%w %q: want type:name:actions", ErrBadScope, s)
	}
	name, actions := rest[:i], rest[i+1:]
	a := grants.Access{Type: typ, Name: name}
	if open := strings.IndexByte(typ, '('); open >= 0 {
		if !strings.HasSuffix(typ, ")") {
			return grants.Access{}, fmt.Errorf("%w %q: unbalanced resource class", ErrBadScope, s)
		}
		a.Type, a.Class = typ[:open], typ[open+1:len(typ)-1]
	}
	if a.Type == "" || name == "" {
		return grants.Access{}, fmt.Errorf("%w %q: empty type or name", ErrBadScope, s)
	}
	for act := range strings.SplitSeq(actions, ",") {
		if act != "" && !slices.Contains(a.Actions, act) {
			a.Actions = append(a.Actions, act)
		}
	}
	return a, nil
}

// ParseScopes parses the scope values of one request. Each value may hold
// several space-separated scopes (the POST form does). Scopes naming the
// same resource are merged. More than max scopes is an error.
func ParseScopes(values []string, max int) ([]grants.Access, error) {
	var out []grants.Access
	n := 0
	for _, v := range values {
		for s := range strings.FieldsSeq(v) {
			if n++; n > max {
				return nil, fmt.Errorf("%w: more than %d scopes in one request", ErrBadScope, max)
			}
			a, err := ParseScope(s)
			if err != nil {
				return nil, err
			}
			j := slices.IndexFunc(out, func(b grants.Access) bool { return b.Type == a.Type && b.Name == a.Name })
			if j < 0 {
				out = append(out, a)
				continue
			}
			for _, act := range a.Actions {
				if !slices.Contains(out[j].Actions, act) {
					out[j].Actions = append(out[j].Actions, act)
				}
			}
		}
	}
	return out, nil
}
