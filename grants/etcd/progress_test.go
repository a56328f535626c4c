package etcd

import (
	"testing"
	"time"
)

func TestProgressTrusted(t *testing.T) {
	for _, tt := range []struct {
		version string
		want    bool
	}{
		{"3.4.23", false}, // Debian's: etcd issue 15220
		{"3.4.30", false},
		{"3.4.31", true},
		{"3.4.40", true},
		{"3.5.12", false},
		{"3.5.13", true},
		{"3.6.0", true},
		{"3.6.0-rc.1", true},
		{"3.7.3", true},
		{"v3.5.21", true},
		{"3.3.27", false},
		{"4.0.0", true},
		{"2.3.8", false},
		{"", false},
		{"3.5", false},
		{"three", false},
	} {
		if got := progressTrusted(tt.version); got != tt.want {
			t.Errorf("progressTrusted(%q) = %v, want %v", tt.version, got, tt.want)
		}
	}
}

// unreached is a store whose etcd is never reached: its feed is driven by
// hand.
func unreached(t *testing.T) *Store {
	t.Helper()
	st, err := Open(Config{Endpoints: []string{"http://127.0.0.1:1"}, StaleAfter: time.Hour}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A progress notification of a server with issue 15220 may be ahead of
// the events it has yet to send: it moves neither the applied revision
// nor the proof that the index is current until the events up to it are
// applied. Of a fixed server, it moves both.
func TestProgressAheadOfEvents(t *testing.T) {
	at := time.Now()
	st := unreached(t)
	st.mu.Lock()
	st.advance(10, 10)
	st.mu.Unlock()

	st.progress(20, at)
	if s := st.FeedStatus(); s.Applied != 10 || s.Latest != 20 {
		t.Fatalf("after a notification ahead: applied %d, latest %d; want 10 and 20", s.Applied, s.Latest)
	}
	if st.Fresh() {
		t.Fatal("a notification ahead of the events proved the index current")
	}
	st.events(15, 20, at.Add(time.Millisecond))
	if st.Fresh() {
		t.Fatal("events short of the notification proved the index current")
	}
	st.events(20, 21, at.Add(2*time.Millisecond))
	if !st.Fresh() || !time.Unix(0, st.current.Load()).Equal(at) {
		t.Fatalf("events up to the notification: fresh %v at %v; want current as of the notification (%v)", st.Fresh(), time.Unix(0, st.current.Load()), at)
	}
	// A notification not ahead proves it at once.
	st.progress(20, at.Add(time.Second))
	if !time.Unix(0, st.current.Load()).Equal(at.Add(time.Second)) {
		t.Fatal("a notification at the applied revision did not prove the index current")
	}

	fixed := unreached(t)
	fixed.trustProgress = true
	fixed.progress(30, at)
	if s := fixed.FeedStatus(); s.Applied != 30 || !fixed.Fresh() {
		t.Fatalf("fixed server: applied %d, fresh %v; want 30 and true", s.Applied, fixed.Fresh())
	}
}

// A change this replica made does not tell that its index is current: the
// watch may be stuck behind a revocation made through another replica.
func TestOwnWriteIsNotFreshness(t *testing.T) {
	st := unreached(t)
	st.ack(42)
	if st.Fresh() {
		t.Fatal("an acknowledged write made the feed fresh")
	}
	if s := st.FeedStatus(); s.Applied != 0 {
		t.Fatalf("an acknowledged write moved the applied revision to %d", s.Applied)
	}
}
