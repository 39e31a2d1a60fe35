// Package isotime parses ISO 8601 timestamps as pyiso8601's parse_date
// does, the parser behind upstream's check of scheduled_for: what it
// accepts, what it refuses, and what it makes of a time without an offset
// (UTC).
package isotime

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pattern is pyiso8601's ISO8601_REGEX.
var pattern = regexp.MustCompile(`^(?P<year>[0-9]{4})` +
	`((-(?P<monthdash>[0-9]{1,2})|(?P<month>[0-9]{2}))` +
	`((-(?P<daydash>[0-9]{1,2})|(?P<day>[0-9]{2}))` +
	`(([ T])(?P<hour>[0-9]{2})(:?(?P<minute>[0-9]{2}))?` +
	`(:?(?P<second>[0-9]{1,2})([.,](?P<fraction>[0-9]+))?)?` +
	`(?P<timezone>Z|((?P<tzsign>[-+])(?P<tzhour>[0-9]{2}):?(?P<tzminute>[0-9]{2})?))?)?)?)?$`)

// Parse parses s as pyiso8601's parse_date does: year, optional
// month and day (with or without hyphens, but not YYYYMM alone), optional
// time after "T" or a space with optional minutes, seconds and fraction
// (truncated to microseconds), and an optional "Z" or ±hh[:mm] offset;
// without one the time is UTC. A final newline is allowed, as Python's $
// allows it.
func Parse(s string) (time.Time, bool) {
	s = strings.TrimSuffix(s, "\n")
	m := pattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	g := func(name string) string { return m[pattern.SubexpIndex(name)] }
	if g("month") != "" && len(s) == 6 {
		return time.Time{}, false // (?!$): YYYYMM is not allowed
	}
	num := func(name string, def int) int {
		if v := g(name); v != "" {
			n, _ := strconv.Atoi(v)
			return n
		}
		return def
	}
	year := num("year", 0)
	month := num("month", num("monthdash", 1))
	day := num("day", num("daydash", 1))
	hour, minute, second := num("hour", 0), num("minute", 0), num("second", 0)
	frac := g("fraction")
	if len(frac) > 6 {
		frac = frac[:6]
	}
	micro := 0
	if frac != "" {
		micro, _ = strconv.Atoi(frac + strings.Repeat("0", 6-len(frac)))
	}
	if year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	loc := time.UTC
	if tz := g("timezone"); tz != "" && tz != "Z" {
		offset := num("tzhour", 0)*60 + num("tzminute", 0)
		if offset >= 24*60 {
			return time.Time{}, false
		}
		if g("tzsign") == "-" {
			offset = -offset
		}
		loc = time.FixedZone("", offset*60)
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, micro*1000, loc), true
}
