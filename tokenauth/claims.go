package tokenauth

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON appends c as json.Marshal writes it (claims_test.go checks
// that byte for byte). A cold login signs a new token: the encoder's
// reflection was a sixth of its CPU, most of what is left besides the
// signature.
func (c Claims) appendJSON(b []byte) []byte {
	r := c.RegisteredClaims
	b = append(b, '{')
	sep := func() {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
	}
	str := func(key, v string) {
		if v != "" {
			sep()
			b = appendJSONString(append(append(b, '"'), key+`":`...), v)
		}
	}
	date := func(key string, t time.Time) {
		sep()
		b = strconv.AppendInt(append(b, `"`+key+`":`...), t.Truncate(time.Second).Unix(), 10)
	}
	str("iss", r.Issuer)
	str("sub", r.Subject)
	if r.Audience != nil {
		sep()
		b = append(b, `"aud":`...)
		b = appendStrings(b, r.Audience)
	}
	if r.ExpiresAt != nil {
		date("exp", r.ExpiresAt.Time)
	}
	if r.NotBefore != nil {
		date("nbf", r.NotBefore.Time)
	}
	if r.IssuedAt != nil {
		date("iat", r.IssuedAt.Time)
	}
	str("jti", r.ID)
	sep()
	b = append(b, `"access":`...)
	if c.Access == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i, a := range c.Access {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"type":`...), a.Type)
		b = appendJSONString(append(b, `,"name":`...), a.Name)
		b = append(append(b, `,"actions":`...), "null"...)
		if a.Actions != nil {
			b = appendStrings(b[:len(b)-len("null")], a.Actions)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s quoted: as it is when JSON and json.Marshal's
// HTML escaping leave it so (the usual names and ids), else encoded.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}
