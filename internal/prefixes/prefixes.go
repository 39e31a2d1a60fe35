// Package prefixes holds the international dialling prefixes notify can
// send text messages to: the keys of GOV.UK Notify's billing table
// (notifications-utils international_billing_rates.yml), one per line in
// country-prefixes.txt. North American Numbering Plan members with their
// own billing entry appear as four-digit prefixes such as "1664".
package prefixes

import (
	_ "embed"
	"strings"
)

//go:embed country-prefixes.txt
var data string

var set = parse(data)

func parse(s string) map[string]struct{} {
	m := make(map[string]struct{})
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
}

// Supported reports whether prefix (digits, no "+") is in the table.
func Supported(prefix string) bool {
	_, ok := set[prefix]
	return ok
}

// All returns every prefix in the table, in file order.
func All() []string {
	var out []string
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}
