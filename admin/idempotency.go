package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/regshare/regshare/grants"
)

// Retried changes: a client that sends the same change again with the same
// Idempotency-Key header (IETF httpapi draft "The Idempotency-Key HTTP
// Header Field") gets what the first attempt did, whichever replica answers
// it: the key names the change in the share's history, which the store
// checks inside the change's own transaction. The change's name covers the
// caller, the method, the share and the body, so a key reused for another
// request makes a new change rather than answering for the old one.

// maxIdempotencyKey bounds the header's length.
const maxIdempotencyKey = 255

// changeContext names the change r asks for when it carries an
// Idempotency-Key, and returns the context to make it under.
func changeContext(r *http.Request, u grants.Principal, body []byte) (context.Context, *grants.Request, error) {
	// The share's names, not the path's spelling ("repos", "$"): a retry
	// may spell it otherwise.
	return nameChange(r, u.Domain, u.Name, r.Method, repository(r), r.PathValue("access_domain"), string(body))
}

// nameChange names the change of r by parts and its Idempotency-Key, if
// it carries one.
func nameChange(r *http.Request, parts ...string) (context.Context, *grants.Request, error) {
	req := &grants.Request{}
	keys := r.Header.Values("Idempotency-Key")
	switch {
	case len(keys) == 0:
		return grants.WithRequest(r.Context(), req), req, nil
	case len(keys) > 1 || keys[0] == "" || len(keys[0]) > maxIdempotencyKey || !printable(keys[0]):
		return nil, nil, errBadIdempotencyKey
	}
	h := sha256.New()
	for _, part := range append(parts, keys[0]) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	req.ID = hex.EncodeToString(h.Sum(nil))
	return grants.WithRequest(r.Context(), req), req, nil
}

// printable reports whether s is visible ASCII and spaces only.
func printable(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// readChange reads the JSON body of a change into v and names the change
// (changeContext).
func readChange(w http.ResponseWriter, r *http.Request, u grants.Principal, v any) (context.Context, *grants.Request, error) {
	body, err := readBody(w, r, v)
	if err != nil {
		return nil, nil, err
	}
	return changeContext(r, u, body)
}

// writeChanged answers a create or update with the share s. A replay says
// so, and states the share's status as of the first attempt's change, so
// that the retry's body is the first one's even past the share's deadline.
func (a *API) writeChanged(w http.ResponseWriter, req *grants.Request, s grants.Share) {
	at := a.now()
	if req.Replayed {
		markReplayed(w, req)
		at = s.Updated
	}
	writeJSON(w, http.StatusCreated, a.object(s, at))
}

// markReplayed tells the client that the answer is that of an earlier
// attempt.
func markReplayed(w http.ResponseWriter, req *grants.Request) {
	if req.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
}
