package tokenauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Keys is the token signing key with what the registry needs to trust it:
// the certificate chain (sent as x5c) and the RFC 7638 thumbprint (kid).
type Keys struct {
	key    crypto.Signer
	method jwt.SigningMethod
	x5c    []string
	kid    string
	// head is the JWS header segment, encoded once: with the chain it is
	// most of a token, and encoding it for each token cost a tenth of a
	// cold login.
	head string
	// bare is the header without the chain, for tokens no registry reads.
	bare string
	// es256 is the key when it signs ES256 (see signES256).
	es256 *ecdsa.PrivateKey
	jwk   jose.JSONWebKey
	// NotAfter is when the signing certificate expires; the registry refuses
	// tokens whose x5c chain has expired.
	NotAfter time.Time
}

// LoadKeys reads the signing key and its certificate chain (leaf first).
// The algorithm follows from the key: ES256 for P-256, RS256 for RSA,
// EdDSA for Ed25519.
func LoadKeys(keyPath, certPath string) (*Keys, error) {
	key, err := readKey(keyPath)
	if err != nil {
		return nil, err
	}
	certs, err := readCerts(certPath)
	if err != nil {
		return nil, err
	}
	k := &Keys{key: key, NotAfter: certs[0].NotAfter}
	if !publicKeysEqual(certs[0].PublicKey, key.Public()) {
		return nil, fmt.Errorf("%s does not certify the key in %s", certPath, keyPath)
	}
	switch pub := key.Public().(type) {
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%s: only the P-256 curve (ES256) is supported", keyPath)
		}
		k.method = jwt.SigningMethodES256
		k.es256, _ = key.(*ecdsa.PrivateKey)
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return nil, fmt.Errorf("%s: RSA keys need at least 2048 bits", keyPath)
		}
		k.method = jwt.SigningMethodRS256
	case ed25519.PublicKey:
		k.method = jwt.SigningMethodEdDSA
	default:
		return nil, fmt.Errorf("%s: unsupported key type %T", keyPath, pub)
	}
	for _, c := range certs {
		k.x5c = append(k.x5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	k.jwk = jose.JSONWebKey{Key: key.Public(), Algorithm: k.method.Alg(), Use: "sig"}
	tp, err := k.jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	k.kid = base64.RawURLEncoding.EncodeToString(tp)
	k.jwk.KeyID = k.kid
	return k, k.encodeHead()
}

// encodeHead encodes the header every token carries: alg, typ, kid and,
// unless omitted, x5c; and the bare one, without x5c.
func (k *Keys) encodeHead() error {
	h := map[string]any{"alg": k.method.Alg(), "typ": "JWT", "kid": k.kid}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	k.bare = base64.RawURLEncoding.EncodeToString(b)
	if k.x5c != nil {
		h["x5c"] = k.x5c
	}
	b, err = json.Marshal(h)
	k.head = base64.RawURLEncoding.EncodeToString(b)
	return err
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

// Alg is the JWS algorithm the keys sign with.
func (k *Keys) Alg() string { return k.method.Alg() }

// KeyID is the RFC 7638 thumbprint of the public key.
func (k *Keys) KeyID() string { return k.kid }

// JWKS is the public key set, as served at /.well-known/jwks.json.
func (k *Keys) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.jwk}}
}

// OmitChain leaves x5c out of the tokens' header, for registries that
// trust a JWK Set (auth.token.jwks) and no root certificate: distribution
// checks an x5c chain first when there is one, and does not fall back to
// the kid when it cannot verify it.
func (k *Keys) OmitChain() {
	k.x5c = nil
	k.encodeHead() // a map of strings always encodes
}

// Sign returns the compact JWS of claims, with x5c (unless omitted) and
// kid in its header.
func (k *Keys) Sign(claims jwt.Claims) (string, error) {
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return k.signPayload(k.head, c)
}

// SignBare is Sign without x5c in the header, for a token that only
// regshare verifies and that must be small: one carried in a cookie
// (browsers keep at most 4 KiB), which a certificate chain may exceed.
func (k *Keys) SignBare(claims jwt.Claims) (string, error) {
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return k.signPayload(k.bare, c)
}

// signPayload returns the compact JWS of the claims encoded as c, under
// the encoded header head.
func (k *Keys) signPayload(head string, c []byte) (string, error) {
	n := base64.RawURLEncoding.EncodedLen(len(c))
	b := make([]byte, 0, len(head)+1+n+1+base64.RawURLEncoding.EncodedLen(512))
	b = append(append(b, head...), '.')
	b = base64.RawURLEncoding.AppendEncode(b, c)
	var sig []byte
	var err error
	if k.es256 != nil {
		sig, err = signES256(k.es256, b)
	} else {
		sig, err = k.method.Sign(string(b), k.key)
	}
	if err != nil {
		return "", err
	}
	b = base64.RawURLEncoding.AppendEncode(append(b, '.'), sig)
	return string(b), nil
}

// Verify parses a token these keys signed, checking its signature with
// the key's public half and only the key's algorithm.
func (k *Keys) Verify(token string, claims jwt.Claims, opts ...jwt.ParserOption) (*jwt.Token, error) {
	opts = append(opts, jwt.WithValidMethods([]string{k.method.Alg()}))
	return jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return k.key.Public(), nil }, opts...)
}

// signES256 is the ES256 signature of signingString: deterministic
// (RFC 6979, what crypto/ecdsa does without a random source), which spares
// the hedged nonce's DRBG, a quarter of a signature and so a sixth of a
// cold robot login; written as JWS wants it, R and S of 32 bytes each.
// golang-jwt verifies it like any other.
func signES256(key *ecdsa.PrivateKey, signingString []byte) ([]byte, error) {
	h := sha256.Sum256(signingString)
	der, err := key.Sign(nil, h[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("ES256 signature: %v", err)
	}
	out := make([]byte, 64)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}
