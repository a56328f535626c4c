package grants

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// TokenEnd ends tokens regshare issued for a user that stand for a
// password (API tokens, refresh tokens): the one whose ID it names (a
// logout), or, with no ID, every one issued before Before (sign out
// everywhere). It lives in the store beside the shares and reaches every
// replica the same way. Past Until (the ended token's own expiry) no token
// it covers can be valid any more: it is then forgotten, an hour late so
// that clocks apart by less cannot drop it early (Made, when it was
// recorded, tells the index which ends are past without a clock of its
// own). A sign-out everywhere has no Until: it is kept, one per user,
// until the next replaces it, whatever token lifetimes any replica uses.
type TokenEnd struct {
	Subject string    `json:"subject"`
	ID      string    `json:"id,omitempty"`
	Before  time.Time `json:"before,omitzero"`
	Until   time.Time `json:"until,omitzero"`
	Made    time.Time `json:"made"`
}

// Key identifies what a newer end replaces: subject NUL id (NUL occurs in
// neither).
func (e TokenEnd) Key() string { return e.Subject + "\x00" + e.ID }

// Validate checks that e names a subject and either a token, until after
// it was made, or a time.
func (e TokenEnd) Validate() error {
	switch {
	case e.Subject == "", e.Made.IsZero():
	case e.ID != "" && e.Until.After(e.Made):
		return nil
	case e.ID == "" && !e.Before.IsZero():
		return nil
	}
	return fmt.Errorf("%w: a token end names a subject and a token (with an until after it was made) or a time", ErrInvalid)
}

// forgetSlack is how long past its Until an end is kept.
const forgetSlack = time.Hour

// Forgotten reports whether e may be forgotten once an end made at newest
// exists: it names a token whose expiry passed more than forgetSlack
// before.
func (e TokenEnd) Forgotten(newest time.Time) bool {
	return !e.Until.IsZero() && e.Until.Add(forgetSlack).Before(newest)
}

// live reports whether e still ends tokens at now.
func (e TokenEnd) live(now time.Time) bool { return e.Until.IsZero() || now.Before(e.Until) }

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

// with returns the set with ends added: an end replaces an older one of
// its key, and the ends Forgotten as of the newest Made are dropped.
func (t tokenEnds) with(ends ...TokenEnd) tokenEnds {
	out := make(tokenEnds, len(t)+len(ends))
	maps.Copy(out, t)
	for _, e := range ends {
		if old, ok := out[e.Key()]; !ok || e.Made.After(old.Made) {
			out[e.Key()] = e
		}
	}
	var newest time.Time
	for _, e := range out {
		if e.Made.After(newest) {
			newest = e.Made
		}
	}
	maps.DeleteFunc(out, func(_ string, e TokenEnd) bool { return e.Forgotten(newest) })
	return out
}

// ended reports whether the token id of subject, issued at issued, has
// been ended as of now.
func (t tokenEnds) ended(subject, id string, issued, now time.Time) bool {
	if id != "" {
		if e, ok := t[subject+"\x00"+id]; ok && e.live(now) {
			return true
		}
	}
	e, ok := t[subject+"\x00"]
	return ok && e.live(now) && issued.Before(e.Before)
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
// An index that is not loaded, or cut off from the store, cannot know of
// an end: every token counts as ended there (passwords keep working).
func (g *Grants) TokenEnded(subject, id string, issued, now time.Time) bool {
	if !g.feed.Fresh() || !g.loaded() {
		return true
	}
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
