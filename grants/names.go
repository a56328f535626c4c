package grants

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// MaxNameLength is the registry's own limit for a whole repository name.
const MaxNameLength = 255

// component is one path component as the registry's reference grammar
// defines it: lower-case alphanumerics joined by ".", "_", "__" or dashes.
var component = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// ErrInvalidName is wrapped by every name validation error.
var ErrInvalidName = errors.New("invalid repository name")

// ValidateRepository reports whether name is a repository name the registry
// would serve, compared byte for byte: no upper case, no empty, "." or ".."
// components, no host prefix. Names are never normalized: a name that needs
// normalizing is refused, so what is authorized is exactly what the registry
// will check.
func ValidateRepository(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidName)
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("%w: longer than %d characters", ErrInvalidName, MaxNameLength)
	}
	for c := range strings.SplitSeq(name, "/") {
		if !component.MatchString(c) {
			return fmt.Errorf("%w: %q: component %q must be lower-case letters and digits separated by '.', '_', '__' or '-'", ErrInvalidName, name, c)
		}
	}
	return nil
}

// IsPrefix reports whether a share's repository is a namespace prefix
// ("acme/sdk/", or "acme/" for a whole namespace): the share covers every
// repository below it, present and future.
func IsPrefix(repository string) bool { return strings.HasSuffix(repository, "/") }

// ancestors calls f with each namespace prefix of repository, the longest
// first ("acme/sdk/" then "acme/" for "acme/sdk/cli"), until f returns
// false: the shares that may cover it besides its own. A name has at most
// MaxNameLength/2 of them.
func ancestors(repository string, f func(prefix string) bool) {
	for i := len(repository) - 1; i > 0; i-- {
		if repository[i] == '/' && !f(repository[:i+1]) {
			return
		}
	}
}

// ValidateNamespace reports whether ns is a single valid path component.
func ValidateNamespace(ns string) error {
	if !component.MatchString(ns) || len(ns) > MaxNameLength {
		return fmt.Errorf("%w: namespace %q must be lower-case letters and digits separated by '.', '_', '__' or '-'", ErrInvalidName, ns)
	}
	return nil
}

// Namespace returns the first path component of a repository name: the
// namespace that owns it.
func Namespace(repository string) string {
	ns, _, _ := strings.Cut(repository, "/")
	return ns
}
