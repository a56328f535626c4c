package grants_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/grantstest"
)

// sameShare describes how got differs from want, times compared by instant
// and UTC offset (what a record keeps); "" when they agree.
func sameShare(got, want grants.Share) string {
	d := grantstest.Diff(got, want)
	for _, tm := range []struct {
		name string
		g, w time.Time
	}{{"Deadline", got.Deadline, want.Deadline}, {"Created", got.Created, want.Created}, {"Updated", got.Updated, want.Updated}} {
		_, g := tm.g.Zone()
		_, w := tm.w.Zone()
		if g != w {
			d += fmt.Sprintf("; %s offset %d, want %d", tm.name, g, w)
		}
	}
	return strings.TrimPrefix(d, "; ")
}

func TestShareRecordRoundTrip(t *testing.T) {
	full := grantstest.Share("acme/team/api", "globex")
	for _, tc := range []struct {
		name string
		edit func(*grants.Share)
	}{
		{"complete", func(*grants.Share) {}},
		{"permanent", func(s *grants.Share) { s.Deadline = time.Time{} }},
		{"empty", func(s *grants.Share) { *s = grants.Share{} }},
		{"nanoseconds", func(s *grants.Share) { s.Deadline = time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.UTC) }},
		{"fixed zone", func(s *grants.Share) {
			s.Deadline = time.Date(2030, 5, 6, 7, 8, 9, 1, time.FixedZone("", -(9*3600+30*60)))
		}},
		{"local zone", func(s *grants.Share) { s.Deadline = time.Date(2030, 7, 6, 7, 8, 9, 0, time.Local) }},
		{"before 1970", func(s *grants.Share) { s.Created = time.Date(1901, 2, 3, 4, 5, 6, 7, time.UTC) }},
		{"year 9999", func(s *grants.Share) { s.Deadline = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC) }},
		{"monotonic", func(s *grants.Share) { s.Updated = time.Now() }},
		{"long description", func(s *grants.Share) { s.Description = strings.Repeat("é", grants.MaxDescription) }},
		{"no updater", func(s *grants.Share) { s.UpdatedBy = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := full
			tc.edit(&s)
			rec := grants.EncodeShare(s)
			got, err := grants.DecodeShare([]byte("k"), rec)
			if err != nil {
				t.Fatalf("DecodeShare(EncodeShare): %v", err)
			}
			if d := sameShare(got, s); d != "" {
				t.Errorf("compact record: %s", d)
			}
			if s.Deadline.IsZero() && got.Deadline != (time.Time{}) {
				t.Errorf("permanent deadline decodes as %#v, want the zero Time", got.Deadline)
			}
			// What the JSON record of the previous version gives back, the
			// compact one gives too.
			old, err := grants.DecodeShare([]byte("k"), jsonRecord(t, s))
			if err != nil {
				t.Fatalf("DecodeShare(JSON): %v", err)
			}
			if d := sameShare(got, old); d != "" {
				t.Errorf("compact and JSON records differ: %s", d)
			}
			for _, tm := range [][2]time.Time{{got.Deadline, old.Deadline}, {got.Created, old.Created}, {got.Updated, old.Updated}} {
				if tm[0].Location().String() != tm[1].Location().String() {
					t.Errorf("time in %q, the JSON record gives %q", tm[0].Location(), tm[1].Location())
				}
			}
		})
	}
}

func TestShareRecordCorrupt(t *testing.T) {
	good := grants.EncodeShare(grantstest.Share("acme/web", "globex"))
	nsec := bytes.Clone(good)
	copy(nsec[1+8:], []byte{0x3b, 0x9a, 0xca, 0x00}) // 1e9 nanoseconds in the deadline
	long := bytes.Clone(good[:1+3*16])
	long = append(long, 0x7f, 'a')
	for name, rec := range map[string][]byte{
		"empty":           nil,
		"JSON":            []byte(`{"repository": 7}`),
		"not JSON":        []byte("{not json"),
		"version only":    {0x01},
		"truncated times": good[:20],
		"truncated field": good[:len(good)-1],
		"trailing byte":   append(bytes.Clone(good), 0),
		"nanoseconds":     nsec,
		"length past end": long,
		"bad varint":      append(bytes.Clone(good[:1+3*16]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := grants.DecodeShare([]byte("acme/web\x00globex"), rec)
			if err == nil {
				t.Fatal("DecodeShare succeeded")
			}
			if !strings.Contains(err.Error(), "corrupt record") || !strings.Contains(err.Error(), `"acme/web\x00globex"`) {
				t.Errorf("DecodeShare: %v; want it to name the record and say it is corrupt", err)
			}
		})
	}
}

// jsonRecord is s as the previous version stored it.
func jsonRecord(t testing.TB, s grants.Share) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeShares checks that a list decodes in order, records of both
// forms mixed, and that a failure names the first bad record.
func TestDecodeShares(t *testing.T) {
	for _, n := range []int{0, 1, 100, 20_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			keys, values := make([][]byte, n), make([][]byte, n)
			want := make([]grants.Share, n)
			for i := range n {
				want[i] = grantstest.Share(fmt.Sprintf("acme/app-%06d", i), "globex")
				keys[i] = []byte(want[i].Repository)
				values[i] = grants.EncodeShare(want[i])
				if i%2 == 1 {
					values[i] = jsonRecord(t, want[i])
				}
			}
			got, err := grants.DecodeShares(keys, values)
			if err != nil {
				t.Fatal(err)
			}
			if d := grantstest.SameSet(got, want); d != "" || len(got) != n {
				t.Fatalf("DecodeShares: %d shares: %s", len(got), d)
			}
			for i := range got {
				if got[i].Repository != want[i].Repository {
					t.Fatalf("share %d is %s, want %s: out of order", i, got[i].Repository, want[i].Repository)
				}
			}
			if n < 2 {
				return
			}
			first, last := n/2, n-1
			values[first], values[last] = []byte{0x01, 0x02}, []byte("{")
			if _, err := grants.DecodeShares(keys, values); err == nil || !strings.Contains(err.Error(), string(keys[first])) {
				t.Errorf("DecodeShares with bad records %d and %d: %v; want the error of %s", first, last, err, keys[first])
			}
		})
	}
}

// FuzzDecodeShare feeds records of both forms: decoding never panics, and a
// record that decodes re-encodes to one that decodes to the same share.
func FuzzDecodeShare(f *testing.F) {
	s := grantstest.Share("acme/team/api", "globex")
	f.Add(jsonRecord(f, s))
	f.Add(grants.EncodeShare(s))
	s.Deadline = time.Time{}
	s.Created = time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("", 5*3600+30*60))
	f.Add(grants.EncodeShare(s))
	f.Add(grants.EncodeShare(grants.Share{}))
	f.Add([]byte(`{"repository":"a/b","deadline":"2030-01-02T03:04:05.123+01:00"}`))
	f.Add([]byte{0x01})
	f.Fuzz(func(t *testing.T, rec []byte) {
		s, err := grants.DecodeShare(nil, rec)
		if err != nil {
			return
		}
		enc := grants.EncodeShare(s)
		again, err := grants.DecodeShare(nil, enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if d := sameShare(again, s); d != "" {
			t.Fatalf("re-encoded record: %s", d)
		}
		if !bytes.Equal(grants.EncodeShare(again), enc) {
			t.Fatal("encoding is not stable")
		}
	})
}

func BenchmarkDecodeShare(b *testing.B) {
	s := grantstest.Share("acme/team/api", "globex")
	for _, rec := range []struct {
		name string
		v    []byte
	}{{"compact", grants.EncodeShare(s)}, {"json", jsonRecord(b, s)}} {
		b.Run("record="+rec.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := grants.DecodeShare(nil, rec.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
