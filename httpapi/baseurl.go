package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// baseURL is Options.BaseURL parsed: where clients reach the handler.
// scheme and host are empty when they come from each request.
type baseURL struct {
	scheme, host string
	path         string // begins and ends with "/"
}

// parseBaseURL reads Options.BaseURL: "" (the request's scheme and host,
// the root path), a path such as "/notify", or an absolute http or https
// URL such as "https://api.example.com/notify". It has no query or
// fragment.
func parseBaseURL(s string) (baseURL, error) {
	if s == "" {
		return baseURL{path: "/"}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return baseURL{}, fmt.Errorf("httpapi: Options.BaseURL %q: %w", s, err)
	}
	switch {
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return baseURL{}, fmt.Errorf("httpapi: Options.BaseURL %q must have no user, query or fragment", s)
	case u.Scheme == "" && u.Host == "":
		if !strings.HasPrefix(u.Path, "/") {
			return baseURL{}, fmt.Errorf("httpapi: Options.BaseURL %q must be an absolute URL or a path beginning with /", s)
		}
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return baseURL{}, fmt.Errorf("httpapi: Options.BaseURL %q must be an http or https URL with a host", s)
	}
	return baseURL{scheme: u.Scheme, host: u.Host, path: strings.TrimSuffix(u.EscapedPath(), "/") + "/"}, nil
}

// root is the URL of the handler's root for r, ending in "/" (Flask's
// url_root): the configured scheme and host, else the request's (its
// X-Forwarded-Proto when trusted), then the configured path.
func (b baseURL) root(r *http.Request, trustForwardedProto bool) string {
	scheme, host := b.scheme, b.host
	if host == "" {
		scheme, host = "http", r.Host
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); trustForwardedProto && (p == "http" || p == "https") {
			scheme = p
		}
	}
	return scheme + "://" + host + b.path
}

// mustBaseURL parses Options.BaseURL, or the deprecated PublicURL when it
// is empty, and panics on a malformed one: a handler that wrote wrong URLs
// in every answer would be worse than one that does not start.
func mustBaseURL(opts Options) baseURL {
	s := opts.BaseURL
	if s == "" {
		s = opts.PublicURL
	}
	b, err := parseBaseURL(s)
	if err != nil {
		panic(err.Error())
	}
	return b
}
