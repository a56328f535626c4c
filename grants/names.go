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
