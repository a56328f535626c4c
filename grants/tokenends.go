package grants

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// TokenEnd ends tokens regshare issued for a user that stand for a
// password (API tokens, refresh tokens): the one whose ID it names (a
// logout), or, with no ID, every one issued before Before (sign out
// everywhere). It lives in the store beside the shares and reaches every
// replica the same way. Past Until no token it covers can be valid any
// more: it is then forgotten (Made, when it was recorded, tells the index
// which ends are past without a clock of its own).
type TokenEnd struct {
	Subject string    `json:"subject"`
	ID      string    `json:"id,omitempty"`
	Before  time.Time `json:"before,omitzero"`
	Until   time.Time `json:"until"`
	Made    time.Time `json:"made"`
}

// Key identifies what a newer end replaces: subject NUL id (NUL occurs in
// neither).
func (e TokenEnd) Key() string { return e.Subject + "\x00" + e.ID }

// Validate checks that e names a subject, a token or a time, and an until
// after it was made.
func (e TokenEnd) Validate() error {
	if e.Subject == "" || (e.ID == "" && e.Before.IsZero()) || !e.Until.After(e.Made) {
		return fmt.Errorf("%w: a token end names a subject, a token or a time, and an until after it was made", ErrInvalid)
	}
	return nil
}

// EncodeTokenEnd is the record format of a TokenEnd in both stores.
func EncodeTokenEnd(e TokenEnd) ([]byte, error) { return json.Marshal(e) }

// DecodeTokenEnd reads a TokenEnd record stored under key.
func DecodeTokenEnd(key, v []byte) (TokenEnd, error) {
	var e TokenEnd
	if err := json.Unmarshal(v, &e); err != nil {
		return e, fmt.Errorf("share store: corrupt token end %q: %w", key, err)
	}
	return e, nil
}

// tokenEnds is the index's set of token ends, copied on write: writes are
// rare (a logout), reads come with every API call and refresh.
type tokenEnds map[string]TokenEnd

// with returns the set with ends added; an end replaces an older one of
// its key, and ends whose Until lies before the newest Made are dropped.
func (t tokenEnds) with(ends ...TokenEnd) tokenEnds {
	var newest time.Time
	for _, e := range ends {
		if e.Made.After(newest) {
			newest = e.Made
		}
	}
	out := make(tokenEnds, len(t)+len(ends))
	for k, e := range t {
		if e.Made.After(newest) {
			newest = e.Made
		}
		out[k] = e
	}
	for _, e := range ends {
		if old, ok := out[e.Key()]; !ok || e.Made.After(old.Made) {
			out[e.Key()] = e
		}
	}
	for k, e := range out {
		if e.Until.Before(newest) {
			delete(out, k)
		}
	}
	return out
}

// ended reports whether the token id of subject, issued at issued, has
// been ended as of now.
func (t tokenEnds) ended(subject, id string, issued, now time.Time) bool {
	if id != "" {
		if e, ok := t[subject+"\x00"+id]; ok && now.Before(e.Until) {
			return true
		}
	}
	e, ok := t[subject+"\x00"]
	return ok && now.Before(e.Until) && issued.Before(e.Before)
}

// EndTokens records e in the store and returns once this replica's index
// holds it: the tokens it covers are refused from then on, on every
// replica once its feed delivers it.
func (g *Grants) EndTokens(ctx context.Context, e TokenEnd) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if err := g.writable(); err != nil {
		return err
	}
	if err := g.store.EndTokens(ctx, e); err != nil {
		return err
	}
	return g.feed.Sync(ctx)
}

// TokenEnded reports whether the token id of subject, issued at issued,
// was ended (by a logout, or by a sign-out everywhere after it was issued).
func (g *Grants) TokenEnded(subject, id string, issued, now time.Time) bool {
	ends := g.index.ends.Load()
	return ends != nil && ends.ended(subject, id, issued, now)
}

// EndTokens adds ends to the index (Sink); a store's load hands it every
// end it holds.
func (ix *Index) EndTokens(ends ...TokenEnd) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var cur tokenEnds
	if p := ix.ends.Load(); p != nil {
		cur = *p
	}
	next := cur.with(ends...)
	ix.ends.Store(&next)
	return nil
}
