package tokenauth

import (
	"crypto/rand"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regshare/regshare/grants"
)

// AccessEntry is one element of the token's access claim.
type AccessEntry struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// Claims are the claims of a registry token.
type Claims struct {
	jwt.RegisteredClaims
	Access []AccessEntry `json:"access"`
}

type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
	Scope       string `json:"scope,omitempty"`
	// RefreshToken is docker login's identity token: later requests send
	// it with grant_type=refresh_token instead of the password.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// decideAndSign authorizes the asked scopes for p and signs the answer,
// encoded for GET and for POST.
func (s *Server) decideAndSign(p grants.Principal, scopes []string, now time.Time) (issuedToken, error) {
	req, err := ParseScopes(scopes, s.cfg.MaxScopes)
	if err != nil {
		return issuedToken{}, badRequest("%v", err)
	}
	var decisions []grants.Decision
	if !p.IsZero() {
		decisions = s.authz.Authorize(p, req, now)
		s.metrics.decided(decisions)
	}
	token, exp, access, err := s.sign(p.Name, decisions, now)
	if err != nil {
		return issuedToken{}, err
	}
	iat := now.Truncate(time.Second) // as NumericDate writes it
	it := issuedToken{reuseUntil: iat.Add(exp.Sub(iat) / 2), scope: scopeString(access)}
	resp := tokenResponse{
		Token: token, AccessToken: token,
		ExpiresIn: max(int(exp.Sub(iat)/time.Second), int(minTTL/time.Second)),
		IssuedAt:  iat.UTC().Format(time.RFC3339),
	}
	if it.head, it.scopeTail, err = resp.encode(it.scope); err != nil {
		return issuedToken{}, err
	}
	it.getLength = []string{strconv.Itoa(len(it.head) + len(closeBody))}
	it.postLength = []string{strconv.Itoa(len(it.head) + len(it.scopeTail))}
	return it, nil
}

// sign signs a token for subject granting what decisions allow. The
// expiry is capped so that a token relying on a share is refused by the
// registry from the share's deadline on: exp = min(now+ttl, deadline-leeway).
func (s *Server) sign(subject string, decisions []grants.Decision, now time.Time) (string, time.Time, []AccessEntry, error) {
	exp := now.Add(s.cfg.TTL)
	access := make([]AccessEntry, 0, len(decisions))
	for _, d := range decisions {
		if len(d.Actions) == 0 {
			continue
		}
		access = append(access, AccessEntry{Type: d.Type, Name: d.Name, Actions: d.Actions})
		if !d.Deadline.IsZero() {
			if limit := d.Deadline.Add(-s.cfg.Leeway); limit.Before(exp) {
				exp = limit
			}
		}
	}
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{s.cfg.Service},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Access: access,
	}
	token, err := s.keys.signPayload(s.keys.head, claims.appendJSON(make([]byte, 0, 512)))
	return token, claims.ExpiresAt.Time, access, err
}

// scopeString writes granted access back in scope syntax.
func scopeString(access []AccessEntry) string {
	parts := make([]string, len(access))
	for i, a := range access {
		parts[i] = a.Type + ":" + a.Name + ":" + strings.Join(a.Actions, ",")
	}
	return strings.Join(parts, " ")
}

// PullToken signs a token that lets regshare itself read one repository
// (its tags, for the share listings).
func (s *Server) PullToken(repository string) (string, error) {
	now := s.now()
	token, _, _, err := s.sign("regshare", []grants.Decision{{
		Type: grants.TypeRepository, Name: repository, Actions: []string{grants.ActionPull},
	}}, now)
	return token, err
}

// CatalogToken signs a token that lets regshare itself read the registry's
// catalog (the console lists a domain's repositories from it).
func (s *Server) CatalogToken() (string, error) {
	token, _, _, err := s.sign("regshare", []grants.Decision{{
		Type: grants.TypeRegistry, Name: grants.NameCatalog, Actions: []string{grants.ActionAll},
	}}, s.now())
	return token, err
}

// encode is the answer's JSON as json.Marshal writes it, in two parts: the
// head, every field but the scope, without the closing brace, and the tail
// of a POST answer, its scope and the brace. The token, twice in the head,
// is compact JWS, which JSON needs no escaping for: written as it is
// rather than run through the encoder, a tenth of a cold login's CPU; and
// one head serves both answers.
func (r tokenResponse) encode(scope string) (head, scopeTail []byte, err error) {
	var token []byte // the token encoded, when JWS it is not
	if !isCompactJWS(r.Token) {
		if token, err = json.Marshal(r.Token); err != nil {
			return nil, nil, err
		}
	}
	head = make([]byte, 0, 2*len(r.Token)+len(r.IssuedAt)+64)
	for _, field := range []string{`{"token":`, `,"access_token":`} {
		head = append(head, field...)
		if token != nil {
			head = append(head, token...)
		} else {
			head = append(append(append(head, '"'), r.Token...), '"')
		}
	}
	head = strconv.AppendInt(append(head, `,"expires_in":`...), int64(r.ExpiresIn), 10)
	head = appendJSONString(append(head, `,"issued_at":`...), r.IssuedAt)
	scopeTail = closeBytes
	if scope != "" {
		scopeTail = append(appendJSONString([]byte(`,"scope":`), scope), closeBody...)
	}
	return head, scopeTail, nil
}

// closeBody ends every answer.
const closeBody = "}\n"

var closeBytes = []byte(closeBody) // only read
