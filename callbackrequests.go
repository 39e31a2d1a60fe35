package notify

import (
	"bytes"
	"encoding/json"
	"strings"
)

// CallbackRequest is the body of the admin routes that create and change a
// service's callback: upstream's create_service_callback_api_schema
// (url, bearer_token and updated_by_id required) and
// update_service_callback_api_schema (only updated_by_id required).
type CallbackRequest struct {
	Change CallbackChange
	// Type is callback_type, when the body has one.
	Type CallbackType
}

// DecodeCallbackRequest reads a callback create (create true) or update
// body with upstream's JSON-schema messages, every refusal at once:
// "url is a required property", "url is not a valid https url",
// "bearer_token is too short", "updated_by_id is not a valid UUID". The
// token is never repeated in a message. The URL is checked as SetCallback
// checks it (https unless Config.AllowInsecureCallbacks, a public IP
// address). types are the callback_type values the route takes; with
// none, a callback_type is refused.
func (n *Notifier) DecodeCallbackRequest(body []byte, create bool, types ...CallbackType) (CallbackRequest, error) {
	var req CallbackRequest
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return req, BadRequest("", MsgInvalidJSON)
	}
	var list Errors
	// str reads a string field; typeMsg refuses another type (upstream's
	// https_url and uuid definitions have their own message for any
	// refusal).
	str := func(name string, required bool, typeMsg string) (string, bool) {
		raw, ok := fields[name]
		if !ok {
			if required {
				list = append(list, ValidationError(name, name+" is a required property"))
			}
			return "", false
		}
		var s string
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &s) != nil {
			list = append(list, ValidationError(name, typeMsg))
			return "", false
		}
		return s, true
	}
	if u, ok := str("url", create, MsgCallbackURL); ok {
		if u == "" || checkCallbackURL(u, n.cfg.AllowInsecureCallbacks) != nil {
			list = append(list, ValidationError("url", MsgCallbackURL))
		}
		req.Change.URL = u
	}
	if tok, ok := str("bearer_token", create, "bearer_token is not of type string"); ok {
		if len(tok) < MinCallbackTokenLength {
			list = append(list, ValidationError("bearer_token", MsgCallbackTokenShort))
		}
		req.Change.BearerToken = tok
	}
	if by, ok := str("updated_by_id", true, "updated_by_id is not a valid UUID"); ok {
		id, valid := ParseUUID(by)
		if !valid {
			list = append(list, ValidationError("updated_by_id", "updated_by_id is not a valid UUID"))
		} else {
			req.Change.UpdatedBy = &id
		}
	}
	if t, ok := str("callback_type", false, "callback_type is not of type string"); ok {
		names := make([]string, len(types))
		for i, ty := range types {
			names[i] = string(ty)
		}
		req.Type = CallbackType(t)
		found := false
		for _, ty := range types {
			found = found || ty == req.Type
		}
		if !found {
			list = append(list, ValidationError("callback_type",
				"callback_type "+sanitiseEcho(t)+" is not one of ["+strings.Join(names, ", ")+"]"))
		}
	}
	if len(list) > 0 {
		return CallbackRequest{}, list
	}
	return req, nil
}

// sanitiseEcho shortens a value repeated in a message to 50 characters.
func sanitiseEcho(s string) string {
	if r := []rune(s); len(r) > 50 {
		return string(r[:50]) + "…"
	}
	return s
}

// DecodeInboundNumberRequest reads {"number": "..."}, the body that
// assigns an inbound number, and returns the number.
func DecodeInboundNumberRequest(body []byte) (string, error) {
	var v map[string]json.RawMessage
	if err := json.Unmarshal(body, &v); err != nil || v == nil {
		return "", BadRequest("", MsgInvalidJSON)
	}
	raw, ok := v["number"]
	if !ok {
		return "", ValidationError("number", "number is a required property")
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", ValidationError("number", "number is not of type string")
	}
	if NormaliseInboundNumber(s) == "" {
		return "", ValidationError("number", "number is not a valid phone number or short code")
	}
	return s, nil
}
