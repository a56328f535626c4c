package admin

import (
	"strconv"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		in   string
		want time.Duration // 0: refused
	}{
		{"1h", time.Hour},
		{"24h", day},
		{"720h", 720 * time.Hour},
		{"1d", day},
		{"30d", 30 * day},
		{"90d", 90 * day},
		{"3650d", 3650 * day},
		{"999999h", 999999 * time.Hour},
		{"99999d", 99999 * day},
		{"", 0},
		{"h", 0},
		{"d", 0},
		{"0h", 0},
		{"0d", 0},
		{"00d", 0},
		{"07d", 0},
		{"-1d", 0},
		{"+1d", 0},
		{"1", 0},
		{"90", 0},
		{"1.5d", 0},
		{"1e3h", 0},
		{"1h30m", 0},
		{"30m", 0},
		{"1w", 0},
		{"1y", 0},
		{"1D", 0},
		{"1H", 0},
		{" 1d", 0},
		{"1d ", 0},
		{"1 d", 0},
		{"1dd", 0},
		{"d1", 0},
		{"1_000h", 0},
		{"١d", 0}, // an Arabic-Indic digit
		{"1234567h", 0},
		{"9999999999999999999d", 0},
	} {
		got, ok := parseDuration(tc.in)
		if ok != (tc.want != 0) || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}

// A DURATION parses to a positive whole number of hours, and writes back
// as itself (in hours, or in days when it is given in days).
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1h", "720h", "30d", "90d", "0d", "07d", "-1d", "1.5d", "1h30m", "999999h", "99999d", "1D", "", "d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDuration(s)
		if !ok {
			if d != 0 {
				t.Fatalf("parseDuration(%q) refused it but returned %v", s, d)
			}
			return
		}
		if d <= 0 || d%time.Hour != 0 {
			t.Fatalf("parseDuration(%q) = %v: not a positive whole number of hours", s, d)
		}
		var back string
		if s[len(s)-1] == 'd' {
			back = strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
		} else {
			back = strconv.FormatInt(int64(d/time.Hour), 10) + "h"
		}
		if back != s {
			t.Fatalf("parseDuration(%q) = %v, which writes back as %q", s, d, back)
		}
	})
}
