package webhook

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	for _, tt := range []struct {
		addr    string
		refused bool
	}{
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"127.0.0.1", true},
		{"127.255.0.1", true},
		{"::1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"fc00::1", true},
		{"fd00:ec2::254", true}, // AWS metadata over IPv6
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"64:ff9b::a9fe:a9fe", true}, // 169.254.169.254 through NAT64
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"0.0.0.0", true},
		{"::", true},
		{"224.0.0.1", true},
		{"ff02::1", true},
		{"255.255.255.255", true},
		{"8.8.8.8", false},
		{"2001:4860::8888", false},
		{"::ffff:8.8.8.8", false},
		{"64:ff9b::808:808", false}, // 8.8.8.8 through NAT64
		{"172.32.0.1", false},       // just past 172.16.0.0/12
		{"100.128.0.1", false},      // just past 100.64.0.0/10
		{"1.1.1.1", false},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			err := checkAddr(netip.MustParseAddr(tt.addr))
			if tt.refused != errors.Is(err, ErrAddress) || !tt.refused && err != nil {
				t.Fatalf("checkAddr(%s) = %v, want refused %v", tt.addr, err, tt.refused)
			}
			// The dialer's hook judges the same way, from "ip:port".
			ap := netip.AddrPortFrom(netip.MustParseAddr(tt.addr), 443)
			if err := control("tcp", ap.String(), nil); tt.refused != (err != nil) {
				t.Fatalf("control(%s) = %v, want refused %v", ap, err, tt.refused)
			}
		})
	}
	if err := control("tcp", "not-an-address", nil); !errors.Is(err, ErrAddress) {
		t.Fatalf("control(garbage) = %v, want ErrAddress", err)
	}
}

func TestCheckURL(t *testing.T) {
	// Names resolve through a table, so the test needs no DNS.
	names := map[string][]string{
		"hooks.example.com":  {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		"mixed.example.com":  {"93.184.215.14", "10.0.0.7"},
		"rebind.example.com": {"::ffff:127.0.0.1"},
	}
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, s := range names[host] {
			out = append(out, netip.MustParseAddr(s))
		}
		if out == nil {
			return nil, errors.New("no such host")
		}
		return out, nil
	}
	for _, tt := range []struct {
		url          string
		allowPrivate bool
		want         error  // nil: accepted
		says         string // part of the error, naming the reason
	}{
		{"https://hooks.example.com/regshare", false, nil, ""},
		{"http://hooks.example.com:8080/x?y=1", false, nil, ""},
		{"https://8.8.8.8/hook", false, nil, ""},
		{"https://[2001:4860::8888]/hook", false, nil, ""},
		{"https://mixed.example.com/", false, ErrAddress, "10.0.0.7"},
		{"https://rebind.example.com/", false, ErrAddress, "127.0.0.1"},
		{"http://127.0.0.1:5000/", false, ErrAddress, "loopback"},
		{"http://[::1]/", false, ErrAddress, "loopback"},
		{"http://169.254.169.254/latest/meta-data/", false, ErrAddress, "link-local"},
		{"http://localhost:8080/", false, ErrAddress, "local host"},
		{"http://LocalHost./", false, ErrAddress, "local host"},
		{"http://api.localhost/", false, ErrAddress, "local host"},
		{"https://nowhere.example.com/", false, ErrURL, "resolving"},
		{"http://127.0.0.1:5000/", true, nil, ""},
		{"http://localhost:8080/", true, nil, ""},
		{"ftp://hooks.example.com/", false, ErrURL, "scheme"},
		{"file:///etc/passwd", true, ErrURL, "scheme"},
		{"hooks.example.com/x", false, ErrURL, "scheme"},
		{"https:///path", false, ErrURL, "no host"},
		{"https:opaque", false, ErrURL, "no host"},
		{"https://user:pw@hooks.example.com/", false, ErrURL, "user info"},
		{"https://user@hooks.example.com/", true, ErrURL, "user info"},
		{"https://hooks.example.com/#frag", false, ErrURL, "fragment"},
		{"https://hooks.example.com/#", false, ErrURL, "fragment"},
		{"https://hooks.example.com/" + strings.Repeat("a", maxURLBytes), false, ErrURL, "longer"},
		{"https://hooks.example.com/%zz", false, ErrURL, ""},
	} {
		t.Run(tt.url[:min(len(tt.url), 60)], func(t *testing.T) {
			c := NewClient(ClientConfig{AllowPrivate: tt.allowPrivate})
			c.lookup = lookup
			err := c.CheckURL(context.Background(), tt.url)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckURL = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("CheckURL = %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

// The resolution is bounded by the caller's context.
func TestCheckURLHonoursContext(t *testing.T) {
	c := NewClient(ClientConfig{})
	c.lookup = func(ctx context.Context, _ string) ([]netip.Addr, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.CheckURL(ctx, "https://hooks.example.com/"); !errors.Is(err, ErrURL) || !errors.Is(err, context.Canceled) {
		t.Fatalf("CheckURL with a cancelled context = %v", err)
	}
}
