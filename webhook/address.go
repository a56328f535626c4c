package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// maxURLBytes bounds a registered URL: enough for any real endpoint, small
// enough to store and show.
const maxURLBytes = 2000

var (
	// ErrURL means an endpoint URL is malformed or of a kind not delivered to.
	ErrURL = errors.New("webhook: invalid endpoint URL")
	// ErrAddress means an address is not public (loopback, private,
	// link-local, ...) and the client does not allow private addresses.
	ErrAddress = errors.New("webhook: address not allowed")
)

// refused lists the ranges a webhook must not reach: they lead into the
// sender's own host or network, or are not unicast destinations at all.
var refused = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"}, // 0.0.0.0 reaches the local host
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"}, // also some cloud metadata (100.100.100.200)
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"}, // cloud metadata 169.254.169.254
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"}, // metadata 192.0.0.192 on some clouds
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // with broadcast 255.255.255.255
	{netip.MustParsePrefix("::/96"), "unspecified, loopback or IPv4-compatible"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("fc00::/7"), "unique local"}, // AWS metadata fd00:ec2::254
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// checkAddr says why a is refused, or nil when it is public. IPv4 written in
// IPv6 (mapped ::ffff:a.b.c.d, or behind the NAT64 well-known prefix) is
// judged as the IPv4 address it reaches.
func checkAddr(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	if !a.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrAddress)
	}
	for _, r := range refused {
		if r.prefix.Contains(a) {
			return fmt.Errorf("%w: %s is %s", ErrAddress, a, r.why)
		}
	}
	return nil
}

// control is a net.Dialer.Control: it runs on the resolved address each
// connection is about to use, so a name cannot resolve to a public address
// when checked and a private one when dialled.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrAddress, address)
	}
	return checkAddr(ap.Addr())
}

// parseURL checks an endpoint URL's form; it never resolves or connects.
func parseURL(rawURL string) (*url.URL, error) {
	if len(rawURL) > maxURLBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrURL, maxURLBytes)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: scheme %q, want http or https", ErrURL, u.Scheme)
	case u.Hostname() == "":
		return nil, fmt.Errorf("%w: no host", ErrURL)
	case u.User != nil:
		return nil, fmt.Errorf("%w: user info is not allowed", ErrURL)
	case strings.Contains(rawURL, "#"): // also an empty fragment, which url.URL drops
		return nil, fmt.Errorf("%w: fragment is not allowed", ErrURL)
	}
	return u, nil
}

// CheckURL validates an endpoint URL at registration: http or https, a
// host, no user info, no fragment, at most 2,000 bytes. Unless the client
// allows private addresses, it also resolves the host (bounded by ctx) and
// refuses it when any address it resolves to is refused, naming it. It
// never connects. Passing is no promise for later: Send checks each
// connection again.
func (c *Client) CheckURL(ctx context.Context, rawURL string) error {
	u, err := parseURL(rawURL)
	if err != nil || c.cfg.AllowPrivate {
		return err
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return checkAddr(a)
	}
	// RFC 6761: these names are the local host whatever DNS says.
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fmt.Errorf("%w: %s is the local host", ErrAddress, host)
	}
	addrs, err := c.lookup(ctx, host)
	if err != nil {
		return fmt.Errorf("%w: resolving %s: %w", ErrURL, host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%w: %s has no addresses", ErrURL, host)
	}
	for _, a := range addrs {
		if err := checkAddr(a); err != nil {
			return fmt.Errorf("%s resolves to a refused address: %w", host, err)
		}
	}
	return nil
}
