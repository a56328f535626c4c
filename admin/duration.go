package admin

import (
	"math"
	"time"
)

// errBadDuration refuses a DURATION field.
func errBadDuration(field, v string) *apiError {
	return newError(400, 14, "%s %q: want a positive whole number of hours or days, such as 720h or 30d", field, v)
}

// maxDurationDigits keeps the number well inside a time.Duration.
const maxDurationDigits = 6

// parseDuration reads a DURATION: a positive integer, without sign or
// leading zero, followed by "h" (hours) or "d" (days of 24 hours). Nothing
// else is one: no "1.5d", "1h30m", " 1d", "1D" or "0h". The grants
// package bounds what each field may be (a robot lifetime, a grace).
func parseDuration(s string) (time.Duration, bool) {
	if len(s) < 2 || len(s) > maxDurationDigits+1 || s[0] == '0' {
		return 0, false
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	default:
		return 0, false
	}
	var n int64
	for _, c := range []byte(s[:len(s)-1]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n > math.MaxInt64/int64(unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// duration is parseDuration for a body field, refused with its name.
func duration(field, v string) (time.Duration, error) {
	d, ok := parseDuration(v)
	if !ok {
		return 0, errBadDuration(field, v)
	}
	return d, nil
}
