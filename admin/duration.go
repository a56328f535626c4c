package admin

import (
	"time"

	"github.com/regshare/regshare/grants"
)

// errBadDuration refuses a DURATION field.
func errBadDuration(field, v string) *apiError {
	return newError(400, 14, "%s %q: want a positive whole number of hours or days, such as 720h or 30d", field, v)
}

// maxDurationDigits keeps the number well inside a time.Duration.
const maxDurationDigits = 6

// parseDuration reads a DURATION (grants.ParseLifetime) of at most
// maxDurationDigits digits and more than zero: "0h" is no duration here.
// The grants package bounds what each field may be (a robot lifetime, a
// grace).
func parseDuration(s string) (time.Duration, bool) {
	if len(s) > maxDurationDigits+1 {
		return 0, false
	}
	d, ok := grants.ParseLifetime(s)
	if !ok || d == 0 {
		return 0, false
	}
	return d, true
}

// duration is parseDuration for a body field, refused with its name.
func duration(field, v string) (time.Duration, error) {
	d, ok := parseDuration(v)
	if !ok {
		return 0, errBadDuration(field, v)
	}
	return d, nil
}
