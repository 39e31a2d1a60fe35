package notify

import (
	"github.com/notifykit/notify/internal/sanitise"
)

// This file applies an email request's sanitise_content_for: the
// personalisation values it names are sanitised before anything is
// rendered, so the stored personalisation, the body and subject of the
// answer, the HTML and plain-text parts of the email sent and later reads
// all carry the sanitised values. The escaping itself is in
// internal/sanitise.

// SanitisedValue is what sanitising did to one personalisation value:
// the value as the request gave it and the value used instead. Both are
// strings, or lists (or maps) as the request gave them, with their strings
// sanitised. In the v2 email answer each is the object
// {"unsanitised": ..., "sanitised": ...} under the personalisation key.
type SanitisedValue struct {
	Unsanitised any `json:"unsanitised"`
	Sanitised   any `json:"sanitised"`
}

// sanitisePersonalisation returns values with the values named by keys
// sanitised, and what changed, keyed by personalisation key. A key names
// every personalisation key that would fill the same placeholder (case,
// spaces, "_" and "-" ignored), so that no spelling of it escapes; a key
// with no value does nothing. Strings are sanitised (see
// internal/sanitise), and so are the strings inside lists and maps; a file
// to upload ({"file": ...}), numbers, booleans and null are left alone, as
// they cannot carry markdown. values itself is never modified: a copy is
// returned when anything changed. The report is empty, not nil, when
// nothing changed.
func sanitisePersonalisation(values map[string]any, keys []string) (map[string]any, map[string]SanitisedValue) {
	report := map[string]SanitisedValue{}
	if len(keys) == 0 || len(values) == 0 {
		return values, report
	}
	wanted := make(map[string]bool, len(keys))
	for _, k := range keys {
		wanted[placeholderKey(k)] = true
	}
	out := values
	for k, v := range values {
		if !wanted[placeholderKey(k)] {
			continue
		}
		sv, changed := sanitiseValue(v)
		if !changed {
			continue
		}
		if len(report) == 0 {
			out = make(map[string]any, len(values))
			for k2, v2 := range values {
				out[k2] = v2
			}
		}
		out[k] = sv
		report[k] = SanitisedValue{Unsanitised: v, Sanitised: sv}
	}
	return out, report
}

// sanitiseValue sanitises the strings in v, returning a new value and
// true when any of them changed.
func sanitiseValue(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		s := sanitise.Text(x)
		return s, s != x
	case []string:
		var out []string
		for i, s := range x {
			t := sanitise.Text(s)
			if t != s && out == nil {
				out = append(make([]string, 0, len(x)), x[:i]...)
			}
			if out != nil {
				out = append(out, t)
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		var out []any
		for i, item := range x {
			t, changed := sanitiseValue(item)
			if changed && out == nil {
				out = append(make([]any, 0, len(x)), x[:i]...)
			}
			if out != nil {
				out = append(out, t)
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case map[string]any:
		if _, upload := x["file"]; upload {
			return v, false
		}
		var out map[string]any
		for k, item := range x {
			t, changed := sanitiseValue(item)
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, v2 := range x {
					out[k2] = v2
				}
			}
			out[k] = t
		}
		if out == nil {
			return v, false
		}
		return out, true
	default:
		return v, false
	}
}
