package tokenauth

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/regshare/regshare/grants"
)

type issuedToken struct {
	gen        uint64 // Authorizer.Generation when decided
	reuseUntil time.Time
	scope      string // granted, in scope syntax
	// The answers, encoded once: the head that GET's and POST's share, and
	// POST's scope and closing brace (see tokenResponse.encode), and their
	// Content-Length. A refresh token is spliced in when there is one.
	head, scopeTail       []byte
	getLength, postLength []string
}

// write sends the encoded answer, with refresh as refresh_token if set:
// spliced in by a further write rather than encoded anew. A refresh token
// regshare signed is JWS compact form (base64url and dots), which JSON
// needs no escaping for; anything else is encoded. The length is declared:
// a token with its certificate chain is past the 2 KiB net/http buffers
// before it switches to chunked encoding.
func (it issuedToken) write(w http.ResponseWriter, post bool, refresh string) {
	tail, length := closeBytes, it.getLength
	if post {
		tail, length = it.scopeTail, it.postLength
	}
	var quoted []byte
	if refresh != "" {
		if !isCompactJWS(refresh) {
			quoted, _ = json.Marshal(refresh)
		}
		n := len(it.head) + len(tail) + len(refreshField) + len(refresh) + len(`""`)
		if quoted != nil {
			n += len(quoted) - len(refresh) - len(`""`)
		}
		length = []string{strconv.Itoa(n)}
	}
	h := w.Header()
	h["Content-Type"], h["Cache-Control"], h["Content-Length"] = jsonContentType, noStore, length
	w.WriteHeader(http.StatusOK)
	w.Write(it.head)
	if refresh != "" {
		w.Write(tail[:len(tail)-len(closeBody)]) // the scope, if any
		io.WriteString(w, refreshField)
		if quoted != nil {
			w.Write(quoted)
		} else {
			io.WriteString(w, `"`)
			io.WriteString(w, refresh)
			io.WriteString(w, `"`)
		}
		tail = closeBytes
	}
	w.Write(tail)
}

const refreshField = `,"refresh_token":`

// Header values shared by every answer: net/http only reads them.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

func isCompactJWS(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// token returns a token for p (zero: anonymous, granted nothing) and the
// asked scopes: a remembered one when nothing changed since it was signed
// and more than half its life remains, else a new one.
func (s *Server) token(p grants.Principal, scopes []string, now time.Time) (issuedToken, error) {
	key := p.Name + "\x00" + strings.Join(scopes, "\x00")
	if p.Token != nil {
		// A token's decisions are its own, not its owner's: never shared.
		key = "\x01" + p.Token.ID + "\x00" + key
	}
	// Only usual questions are remembered (a pull asks one scope, a push
	// two): a request naming many long scopes is answered, not kept.
	remember := len(key) <= maxRememberedKey
	// Read the generation before deciding: a change during the decision
	// makes what is remembered stale, never the reverse.
	gen := s.authz.Generation(p)
	if remember {
		if it, ok := s.issued.Get(key); ok && it.gen == gen && now.Before(it.reuseUntil) {
			s.metrics.reused(true)
			return it, nil
		}
	}
	s.metrics.reused(false)
	it, err := s.decideAndSign(p, scopes, now)
	if err != nil {
		return issuedToken{}, err
	}
	it.gen = gen
	if remember {
		s.issued.Add(key, it)
	}
	return it, nil
}
