package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regshare/regshare/internal/testlog"

	"github.com/regshare/regshare/tokenauth"
)

// writeServingCert writes a self-signed certificate for 127.0.0.1 and its
// key to certFile and keyFile, and returns the certificate.
func writeServingCert(t *testing.T, certFile, keyFile, name string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// The key first: a reload reads both, and must never pair the new
	// certificate with the old key for long.
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serveConfig is cliConfig with a memory store.
func serveConfig(hash string) string {
	return strings.Replace(strings.ReplaceAll(cliConfig, "HASH", hash), "type: bolt\n  path: data/shares.db", "type: memory", 1)
}

// listenAddr waits for serve's "listening" log line and returns its address.
func listenAddr(t *testing.T, log *testlog.Buffer, errc <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(log.String()) {
			var ev struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Msg == "listening" && ev.Addr != "" {
				return ev.Addr
			}
		}
		select {
		case err := <-errc:
			t.Fatalf("serve returned %v before listening; log:\n%s", err, log)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not log its address; log:\n%s", log)
	return ""
}

// peerCert is the certificate the server at addr presents (verified
// against pool).
func peerCert(addr string, pool *x509.CertPool) (*x509.Certificate, error) {
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// TestServeTLS runs `regshare serve` with tls.cert and tls.key: TLS 1.2 or
// later only, no plain HTTP, and the certificate re-read on SIGHUP.
func TestServeTLS(t *testing.T) {
	etc, hash := cliConfigDir(t)
	certFile, keyFile := filepath.Join(etc, "tls.crt"), filepath.Join(etc, "tls.key")
	first := writeServingCert(t, certFile, keyFile, "first")
	cfg := serveConfig(hash) +
		"metrics_listen: \"\"\ntls:\n  cert: tls.crt\n  key: tls.key\n"
	path := cliWriteConfig(t, etc, cfg)

	// Catch SIGHUP in this test too, before serve does: a signal sent
	// before serve listens for it must not end the test process.
	hup := make(chan os.Signal, 16)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &testlog.Buffer{}
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve", "--config", path}, strings.NewReader(""), io.Discard, log) }()
	addr := listenAddr(t, log, errc)
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() || ap.Port() == 0 {
		t.Fatalf("listening on %q", addr)
	}

	pool := x509.NewCertPool()
	pool.AddCert(first)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz over TLS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("GET /healthz over TLS: %d %q, TLS %+v", resp.StatusCode, body, resp.TLS)
	}

	// TLS 1.1 and older are refused.
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MinVersion: v, MaxVersion: v})
		if err == nil {
			conn.Close()
			t.Errorf("a TLS %s handshake succeeded", tls.VersionName(v))
		}
	}
	// Plain HTTP gets no answer from the handler.
	plain := &http.Client{Timeout: 10 * time.Second}
	if resp, err := plain.Get("http://" + addr + "/healthz"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || strings.Contains(string(b), "ok") {
			t.Errorf("plain HTTP to the TLS port: %d %q", resp.StatusCode, b)
		}
	}

	// Rotate: new files, SIGHUP, the new certificate is served. serve may
	// not listen for SIGHUP yet when the first one is sent: send until the
	// reload shows.
	second := writeServingCert(t, certFile, keyFile, "second")
	pool.AddCert(second)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		c, err := peerCert(addr, pool)
		if err != nil {
			t.Fatalf("TLS after SIGHUP: %v", err)
		}
		if c.Equal(second) {
			break
		}
		if !c.Equal(first) {
			t.Fatalf("serving %q, neither certificate", c.Subject)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old certificate is still served after SIGHUP; log:\n%s", log)
		}
	}
	if !strings.Contains(log.String(), "configuration reloaded") {
		t.Errorf("no reload in the log:\n%s", log)
	}
	onlySecond := x509.NewCertPool()
	onlySecond.AddCert(second)
	if _, err := peerCert(addr, onlySecond); err != nil {
		t.Errorf("the new certificate does not verify alone: %v", err)
	}

	// A bad certificate file on reload is refused; the current one stays.
	if err := os.WriteFile(certFile, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refusals := strings.Count(log.String(), "configuration reload refused")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	for deadline := time.Now().Add(10 * time.Second); strings.Count(log.String(), "configuration reload refused") == refusals; {
		if time.Now().After(deadline) {
			t.Fatalf("a bad certificate was not refused; log:\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c, err := peerCert(addr, onlySecond); err != nil || !c.Equal(second) {
		t.Errorf("after a refused reload: %v", err)
	}

	tr.CloseIdleConnections()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve returned %v after cancel", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not return after cancel")
	}
	if strings.Contains(log.String(), "insecure_http") {
		t.Errorf("the insecure-HTTP warning was logged for a TLS listener:\n%s", log)
	}
}

// serve refuses to start on a TLS key pair it cannot load.
func TestServeTLSBadFiles(t *testing.T) {
	etc, hash := cliConfigDir(t)
	certFile, keyFile := filepath.Join(etc, "tls.crt"), filepath.Join(etc, "tls.key")
	writeServingCert(t, certFile, keyFile, "mismatch")
	other := filepath.Join(etc, "other.key")
	writeServingCert(t, filepath.Join(etc, "other.crt"), other, "other")
	for name, tlsSection := range map[string]string{
		"missing files":         "tls:\n  cert: none.crt\n  key: none.key\n",
		"key of another cert":   "tls:\n  cert: tls.crt\n  key: other.key\n",
		"key given as the cert": "tls:\n  cert: tls.key\n  key: tls.key\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := cliWriteConfig(t, etc, serveConfig(hash)+"metrics_listen: \"\"\n"+tlsSection)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var log bytes.Buffer
			err := run(ctx, []string{"serve", "--config", path}, strings.NewReader(""), io.Discard, &log)
			if err == nil || !strings.Contains(err.Error(), "tls") {
				t.Errorf("serve: %v, want a tls error", err)
			}
			if strings.Contains(log.String(), `"msg":"listening"`) {
				t.Errorf("serve listened with a bad key pair:\n%s", &log)
			}
		})
	}
}

// TestLoadConfigSecurity: plain HTTP only on loopback unless insecure_http
// says a TLS proxy is in front; TLS files in pairs; trusted proxies and
// login limits checked.
func TestLoadConfigSecurity(t *testing.T) {
	etc, hash := cliConfigDir(t)
	good := strings.ReplaceAll(cliConfig, "HASH", hash)
	withListen := func(listen, extra string) string {
		return strings.Replace(good, "listen: 127.0.0.1:0\n", "listen: \""+listen+"\"\n", 1) + extra
	}
	tests := []struct {
		name string
		body string
		want string // in the error; "" for success
	}{
		{"all interfaces without TLS", withListen("0.0.0.0:5001", ""), "insecure_http"},
		{"empty host without TLS", withListen(":5001", ""), "insecure_http"},
		{"IPv6 any without TLS", withListen("[::]:5001", ""), "insecure_http"},
		{"a public address without TLS", withListen("192.0.2.10:5001", ""), "insecure_http"},
		{"a host name without TLS", withListen("regshare.example:5001", ""), "insecure_http"},
		{"insecure_http: false", withListen("0.0.0.0:5001", "insecure_http: false\n"), "insecure_http"},
		{"insecure_http: true", withListen("0.0.0.0:5001", "insecure_http: true\n"), ""},
		{"TLS on all interfaces", withListen("0.0.0.0:5001", "tls:\n  cert: tls.crt\n  key: tls.key\n"), ""},
		{"loopback IPv4", withListen("127.0.0.1:5001", ""), ""},
		{"loopback IPv4, another address", withListen("127.0.0.2:5001", ""), ""},
		{"loopback IPv6", withListen("[::1]:5001", ""), ""},
		{"localhost", withListen("localhost:5001", ""), ""},
		{"tls.cert without key", good + "tls:\n  cert: tls.crt\n", "tls.cert and tls.key"},
		{"tls.key without cert", good + "tls:\n  key: tls.key\n", "tls.cert and tls.key"},
		{"trusted proxy, bad prefix length", good + "trusted_proxies: [10.0.0.0/33]\n", "trusted_proxies"},
		{"trusted proxy, a host name", good + "trusted_proxies: [proxy.example]\n", "trusted_proxies"},
		{"trusted proxy, an address with a port", good + "trusted_proxies: [\"10.0.0.1:80\"]\n", "trusted_proxies"},
		{"trusted proxy, empty", good + "trusted_proxies: [\"\"]\n", "trusted_proxies"},
		{"login limit of zero", good + "login_limit: {failures_per_minute: 0, burst: 5}\n", "login_limit"},
		{"login burst of zero", good + "login_limit: {failures_per_minute: 5, burst: 0}\n", "login_limit"},
		{"insecure_http misspelt", good + "insecure_https: true\n", "insecure_https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(cliWriteConfig(t, etc, tt.body))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("accepted: %+v", cfg)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}

	cfg, err := loadConfig(cliWriteConfig(t, etc, good+"trusted_proxies: [10.0.0.1, 10.1.0.0/16, \"2001:db8::/32\", \"::1\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.1/32"), netip.MustParsePrefix("10.1.0.0/16"),
		netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("::1/128"),
	}
	if got, errs := cfg.trustedPrefixes(); !reflect.DeepEqual(got, want) || errs != nil {
		t.Errorf("trusted proxies %v %v, want %v", got, errs, want)
	}
	if cfg.LoginLimit != (LoginLimitConfig{FailuresPerMinute: 10, Burst: 10, FamiliarFor: tokenauth.DefaultFamiliarFor}) {
		t.Errorf("default login_limit %+v", cfg.LoginLimit)
	}
}
