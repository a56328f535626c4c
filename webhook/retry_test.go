package webhook

import (
	"math"
	"testing"
	"time"
)

func TestRetryNext(t *testing.T) {
	first := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	top := func(n int64) int64 { return n - 1 } // the largest draw: the cap itself
	half := func(n int64) int64 { return n / 2 }
	zero := func(int64) int64 { return 0 }
	p := RetryPolicy{Initial: 5 * time.Second, Max: time.Minute, Give: time.Hour}
	for _, tt := range []struct {
		name    string
		p       RetryPolicy
		attempt int
		now     time.Time
		rnd     func(int64) int64
		want    time.Duration // after now; -1: gives up
	}{
		{"first failure, cap Initial", p, 1, first, top, 5 * time.Second},
		{"doubles", p, 2, first, top, 10 * time.Second},
		{"doubles again", p, 3, first, top, 20 * time.Second},
		{"fourth", p, 4, first, top, 40 * time.Second},
		{"capped at Max", p, 5, first, top, time.Minute},
		{"stays capped", p, 40, first, top, time.Minute},
		{"huge attempt does not overflow", p, math.MaxInt, first, top, time.Minute},
		{"attempt 0 counts as the first", p, 0, first, top, 5 * time.Second},
		{"jitter halfway", p, 3, first, half, 10 * time.Second},
		{"jitter may retry at once", p, 3, first, zero, 0},
		{"rnd out of range is clamped high", p, 2, first, func(int64) int64 { return math.MaxInt64 }, 10 * time.Second},
		{"rnd out of range is clamped low", p, 2, first, func(int64) int64 { return -7 }, 0},
		{"last try fits exactly at Give", p, 9, first.Add(59 * time.Minute), top, time.Minute},
		{"gives up past Give", p, 9, first.Add(59*time.Minute + time.Second), top, -1},
		{"a short draw still fits", p, 9, first.Add(59*time.Minute + time.Second), half, 30 * time.Second},
		{"gives up when already past Give", p, 9, first.Add(2 * time.Hour), zero, -1},
		{"Initial above Max is capped", RetryPolicy{Initial: time.Hour, Max: time.Minute, Give: time.Hour}, 1, first, top, time.Minute},
		{"huge Max does not overflow", RetryPolicy{Initial: time.Second, Max: math.MaxInt64, Give: math.MaxInt64}, 80, first, half, math.MaxInt64 / 2},
		{"defaults: Initial 5s", RetryPolicy{}, 1, first, top, 5 * time.Second},
		{"defaults: Max 1h", RetryPolicy{}, 20, first, top, time.Hour},
		{"defaults: Give 24h", RetryPolicy{}, 30, first.Add(23*time.Hour + time.Second), top, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at, ok := tt.p.Next(tt.attempt, first, tt.now, tt.rnd)
			if tt.want < 0 {
				if ok || !at.IsZero() {
					t.Fatalf("Next = %s, %v; want give up", at, ok)
				}
				return
			}
			if !ok || at.Sub(tt.now) != tt.want {
				t.Fatalf("Next = %s after now, %v; want %s", at.Sub(tt.now), ok, tt.want)
			}
		})
	}
}

// rnd is asked for a number in [0, cap+1): every delay in [0, cap] is
// possible, and none outside it.
func TestRetryNextAsksForTheCap(t *testing.T) {
	p := RetryPolicy{Initial: 5 * time.Second, Max: time.Minute, Give: time.Hour}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for attempt, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 5: time.Minute, 9: time.Minute} {
		var asked int64
		p.Next(attempt, now, now, func(n int64) int64 { asked = n; return 0 })
		if asked != int64(want)+1 {
			t.Errorf("attempt %d: rnd(%d), want rnd(%d)", attempt, asked, int64(want)+1)
		}
	}
}

// With the real source, the schedule stays within its caps and in time.
func TestRetryNextWithRealJitter(t *testing.T) {
	p := RetryPolicy{}
	first := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := first
	for attempt := 1; ; attempt++ {
		at, ok := p.Next(attempt, first, now, nil)
		if !ok {
			if now.Add(DefaultRetryMax).Before(first.Add(DefaultRetryGive)) {
				t.Fatalf("gave up at attempt %d, %s after the first, with a full cap left", attempt, now.Sub(first))
			}
			return
		}
		capd := min(DefaultRetryInitial<<min(attempt-1, 20), DefaultRetryMax)
		if d := at.Sub(now); d < 0 || d > capd || at.After(first.Add(DefaultRetryGive)) {
			t.Fatalf("attempt %d: delay %s, cap %s, at %s", attempt, d, capd, at.Sub(first))
		}
		now = at
		if attempt > 100000 {
			t.Fatal("never gave up")
		}
	}
}
