// Package smsreceipt holds what the webhooks of the SMS aggregators
// (provider/mmg, provider/firetext, provider/twilio) share: reading their
// JSON and form bodies as upstream does, refusing missing fields, and the
// parts of a receipt every aggregator builds the same way.
package smsreceipt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// MsgInvalidForm is the answer to a form body that does not parse.
const MsgInvalidForm = "Invalid form data supplied in POST data"

// UnknownStatusError is the error a receipt mapping returns, beside a
// technical-failure receipt, for a status outside upstream's table. Its
// text is upstream's: "MMG callback failed: status 9 not found."
type UnknownStatusError struct {
	// Client is upstream's client name: "MMG" or "Firetext".
	Client string
	Status string
}

// Error returns upstream's message.
func (e *UnknownStatusError) Error() string {
	return e.Client + " callback failed: status " + e.Status + " not found."
}

// Identify sets the receipt's notification id when ref is one, and its
// provider reference to ref either way.
func Identify(r notify.Receipt, ref string) notify.Receipt {
	ref = strings.TrimSpace(ref)
	if id, err := uuid.Parse(ref); err == nil {
		r.NotificationID = id
	}
	r.ProviderReference = ref
	return r
}

// JoinStatus is a provider status with its detail ("3/5"), for logs.
func JoinStatus(status, detail string) string {
	if detail == "" {
		return status
	}
	return status + "/" + detail
}

// JSONFields reads a JSON object body and checks that the required fields
// are set. It returns the fields as upstream's str(value) reads them ("" for
// a missing or null one), or the refusal: a body over the server's limit
// gives its *http.MaxBytesError, any other unreadable or malformed body a
// *notify.WebhookError with upstream's "Invalid JSON supplied in POST
// data", and missing fields one with a message per field, "<prefix>
// <field> missing".
func JSONFields(r *http.Request, prefix string, required ...string) (func(string) string, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return nil, &notify.WebhookError{Message: notify.MsgInvalidJSON, Err: err}
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil || data == nil {
		return nil, &notify.WebhookError{Message: notify.MsgInvalidJSON, Err: err}
	}
	get := func(k string) string { return field(data, k) }
	return get, missing(prefix, get, required)
}

// FormFields is JSONFields for a form body (and the query): an unreadable
// form gives a *notify.WebhookError with MsgInvalidForm.
func FormFields(r *http.Request, prefix string, required ...string) (func(string) string, error) {
	form, err := ReadForm(r)
	if err != nil {
		return nil, err
	}
	return form.Get, missing(prefix, form.Get, required)
}

// ReadForm parses a form body (and the query) and returns r.Form. A body
// over the server's limit gives its *http.MaxBytesError; any other
// failure a *notify.WebhookError with MsgInvalidForm.
func ReadForm(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
			return nil, fmt.Errorf("read form: %w", err)
		}
		return nil, &notify.WebhookError{Message: MsgInvalidForm, Err: err}
	}
	return r.Form, nil
}

// field returns a JSON value as upstream's str(value) would, "" for a
// missing or null one.
func field(data map[string]any, key string) string {
	switch v := data[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "True"
		}
		return "False"
	default:
		raw, _ := json.Marshal(v)
		return string(raw)
	}
}

// missing is the refusal of a request whose required fields are empty,
// nil when none is.
func missing(prefix string, get func(string) string, fields []string) error {
	var out []string
	for _, f := range fields {
		if get(f) == "" {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &notify.WebhookError{Message: prefix, Missing: out}
}
