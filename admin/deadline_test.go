package admin

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseDeadline(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC, "forever", or "" for an error
	}{
		{"forever", "forever"},
		{"2027-03-01", "2027-03-02T00:00:00Z"},
		{"2027-12-31", "2028-01-01T00:00:00Z"},
		{"2028-02-28", "2028-02-29T00:00:00Z"},
		{"2027-03-01T00:00:00Z", "2027-03-01T00:00:00Z"},
		{"2027-03-01T10:00:00+02:00", "2027-03-01T08:00:00Z"},
		{"2027-03-01T00:00:00.5Z", "2027-03-01T00:00:00Z"}, // written back to the second
		{"0001-01-01T00:00:01Z", ""},                       // before 1970: refused, as the zero time is
		{"", ""},
		{"Forever", ""},
		{"FOREVER", ""},
		{" forever", ""},
		{"permanent", ""},
		{"2027-3-01", ""},
		{"2027-02-29", ""},
		{"2027-13-01", ""},
		{"2027/03/01", ""},
		{"2027-03-01T00:00:00", ""},
		{"2027-03-01 00:00:00Z", ""},
		{"1772323200", ""},
		// The zero instant is how a share says "forever": no other input
		// may produce it, or a past deadline becomes a permanent share.
		{"0001-01-01T00:00:00Z", ""},
		{"0001-01-01T02:00:00+02:00", ""},
		{"0000-12-31", ""},
	} {
		d, err := parseDeadline(tc.in)
		got := ""
		if err == nil {
			got = formatDeadline(d)
		}
		if got != tc.want {
			t.Errorf("parseDeadline(%q) = %q (%v, err %v), want %q", tc.in, got, d, err, tc.want)
		}
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != 400 || ae.code != "REGSHARE.4000005" {
				t.Errorf("parseDeadline(%q): error %v, want REGSHARE.4000005", tc.in, err)
			}
		}
	}
}

// FuzzParseDeadline: an accepted value is "forever" (the zero time, and
// only for it) or a time that reads back the same; never a panic.
func FuzzParseDeadline(f *testing.F) {
	for _, s := range []string{
		"forever", "2027-03-01", "2027-03-01T00:00:00Z", "2027-03-01T10:00:00+02:00",
		"2027-03-01T00:00:00.123456789-07:30", "9999-12-31", "9999-12-31T23:59:59Z",
		"", "Forever", "2027-02-29", "2027-03-01T24:00:00Z", "0001-01-01T00:00:01Z",
		"0001-01-01T00:00:00Z", "0000-12-31", "-001-01-01", "+2027-03-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, err := parseDeadline(v)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != 400 || ae.code != "REGSHARE.4000005" {
				t.Fatalf("parseDeadline(%q): error %v, want REGSHARE.4000005", v, err)
			}
			if !d.IsZero() {
				t.Fatalf("parseDeadline(%q) = %v with error %v", v, d, err)
			}
			if utf8.ValidString(v) && len(ae.msg) == 0 {
				t.Fatalf("parseDeadline(%q): empty message", v)
			}
			return
		}
		if v == "forever" {
			if !d.IsZero() {
				t.Fatalf(`parseDeadline("forever") = %v, want the zero time`, d)
			}
			return
		}
		if d.IsZero() {
			t.Fatalf("parseDeadline(%q) = the zero time, which means forever", v)
		}
		if formatDeadline(d) == "forever" {
			t.Fatalf("parseDeadline(%q) is written back as forever", v)
		}
		if len(v) == len(time.DateOnly) {
			day, err := time.Parse(time.DateOnly, v)
			if err != nil || !d.Equal(day.AddDate(0, 0, 1)) {
				t.Fatalf("parseDeadline(%q) = %v, want the end of that day", v, d)
			}
			return
		}
		want, err := time.Parse(time.RFC3339, v)
		if err != nil || !d.Equal(want) {
			t.Fatalf("parseDeadline(%q) = %v, want %v (%v)", v, d, want, err)
		}
		// What is written back parses to the same second.
		back, err := parseDeadline(formatDeadline(d))
		if err != nil || !back.Equal(d.Truncate(time.Second)) {
			t.Fatalf("parseDeadline(%q) = %v, written back as %q, which reads %v, %v", v, d, formatDeadline(d), back, err)
		}
	})
}
