package notify

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Services choose their callback URLs, and the callback request leaves
// from inside the deployment: without a guard, a callback URL could reach
// the database, the metadata endpoint of a cloud instance or anything else
// only the deployment can reach, with a request the service controls. So,
// unless Config.AllowInsecureCallbacks is set:
//   - callback URLs must be https;
//   - the default callback client refuses to connect to a loopback,
//     private, link-local, unspecified or otherwise non-public address,
//     checked on the address each connection is actually made to, after
//     DNS resolution, on every attempt (a name that resolves to a public
//     address when set and a private one later is refused then);
//   - redirects are never followed, whatever the client: the callback
//     request, and its bearer token, go to the configured URL only.

// ErrCallbackAddress is wrapped by the error of a callback whose host
// resolves to an address callbacks may not reach.
var ErrCallbackAddress = errors.New("notify: callbacks may not reach this address")

// blockedPrefixes are the non-public ranges beside those netip.Addr's
// methods name (loopback, private, link-local, unspecified, multicast).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use IPv4/IPv6 translation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("2001:10::/28"),    // ORCHID
	netip.MustParsePrefix("2001:20::/28"),    // ORCHIDv2
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
}

// IPv6 ranges that embed an IPv4 address.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// callbackAddressAllowed reports whether a callback may connect to a.
func callbackAddressAllowed(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is6() {
		// NAT64 and 6to4 addresses carry an IPv4 address: judge that.
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return callbackAddressAllowed(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return callbackAddressAllowed(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// guardCallbackDial is a net.Dialer Control hook: it runs on the address
// a connection is about to be made to, after DNS resolution, and refuses
// the connection when callbacks may not reach it.
func guardCallbackDial(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s (%s)", ErrCallbackAddress, address, network)
	}
	if !callbackAddressAllowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrCallbackAddress, ap.Addr())
	}
	return nil
}

// noRedirects is the CheckRedirect of callback clients: the answer to the
// configured URL is the answer, a redirect included.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newCallbackClient returns the default callback client: no proxy (the
// address guard judges the callback host itself), the address guard
// unless insecure, no redirects.
func newCallbackClient(insecure bool) *http.Client {
	d := &net.Dialer{Timeout: DefaultCallbackTimeout, KeepAlive: 30 * time.Second}
	if !insecure {
		d.Control = guardCallbackDial
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   DefaultCallbackTimeout,
		ResponseHeaderTimeout: DefaultCallbackTimeout,
	}
	return &http.Client{Transport: t, Timeout: DefaultCallbackTimeout, CheckRedirect: noRedirects}
}

// withoutRedirects returns a copy of c that does not follow redirects.
func withoutRedirects(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = noRedirects
	return &cp
}

// checkCallbackURL checks a callback URL as SetServiceCallback takes it:
// absolute, https (http too when insecure), no fragment, and, when its host
// is an IP address, one callbacks may reach.
func checkCallbackURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("notify: callback URL %q must be an absolute https URL", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && insecure:
	case u.Scheme == "http":
		return fmt.Errorf("notify: callback URL %q must be https (Config.AllowInsecureCallbacks permits http, for development)", redactedURL(raw))
	default:
		return fmt.Errorf("notify: callback URL %q must be an absolute https URL", redactedURL(raw))
	}
	if insecure {
		return nil
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && !callbackAddressAllowed(a) {
		return fmt.Errorf("notify: callback URL %q: %w: %s", redactedURL(raw), ErrCallbackAddress, a)
	}
	return nil
}
