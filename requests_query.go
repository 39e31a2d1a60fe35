package notify

import (
	"net/url"
	"slices"

	"github.com/google/uuid"

	"github.com/notifykit/notify/internal/pyfmt"
)

// This file decodes and validates the query strings of the v2 GET routes
// as upstream's JSON schemas do, with the messages of requests_json.go.

// DecodeListQuery validates the query of GET /v2/notifications.
// template_type and status repeat; reference, older_than and include_jobs
// take their first value.
func DecodeListQuery(q url.Values) (*ListQuery, error) {
	var ps schemaProblems
	out := &ListQuery{}
	for i, name := range listQueryProps {
		vals, ok := q[name]
		if !ok {
			continue
		}
		switch name {
		case "reference":
			if len(vals) > 0 {
				ref := vals[0]
				out.Reference = &ref
			}
		case "status":
			for _, v := range vals {
				if !slices.Contains(FilterStatuses, Status(v)) {
					ps.add(groupField, i, enumMessage(name, v, statusNames()))
					continue
				}
				out.Statuses = append(out.Statuses, Status(v))
			}
		case "template_type":
			for _, v := range vals {
				if !slices.Contains(templateTypeNames, v) {
					ps.add(groupField, i, enumMessage(name, v, templateTypeNames))
					continue
				}
				out.TemplateTypes = append(out.TemplateTypes, NotificationType(v))
			}
		case "include_jobs":
			v := firstQueryValue(vals)
			if v != "true" && v != "True" {
				ps.add(groupField, i, enumMessage(name, v, []string{"true", "True"}))
				continue
			}
			out.IncludeJobs = true
		case "job_id":
			id, ok := ParseUUID(firstQueryValue(vals))
			if !ok {
				ps.add(groupField, i, "job_id "+msgNotUUID)
				continue
			}
			out.JobID = &id
		case "older_than":
			id, ok := ParseUUID(firstQueryValue(vals))
			if !ok {
				ps.add(groupField, i, "older_than "+msgNotUUID)
				continue
			}
			out.OlderThan = &id
		}
	}
	checkQueryExtras(q, listQueryProps, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// DecodeTemplatesQuery validates the query of GET /v2/templates: an
// optional type (sms, email or letter). It returns "" when there is none.
func DecodeTemplatesQuery(q url.Values) (NotificationType, error) {
	var ps schemaProblems
	var typ NotificationType
	if vals, ok := q["type"]; ok {
		v := firstQueryValue(vals)
		if slices.Contains(templateTypeNames, v) {
			typ = NotificationType(v)
		} else {
			ps.add(groupField, 0, enumMessage("type", v, templateTypeNames))
		}
	}
	checkQueryExtras(q, []string{"type"}, &ps)
	if err := ps.err(); err != nil {
		return "", err
	}
	return typ, nil
}

// DecodeReceivedTextsQuery validates the query of GET
// /v2/received-text-messages: an optional older_than UUID. It returns nil
// when there is none.
func DecodeReceivedTextsQuery(q url.Values) (*uuid.UUID, error) {
	var ps schemaProblems
	var out *uuid.UUID
	if vals, ok := q["older_than"]; ok {
		if id, ok := ParseUUID(firstQueryValue(vals)); ok {
			out = &id
		} else {
			ps.add(groupField, 0, "older_than "+msgNotUUID)
		}
	}
	checkQueryExtras(q, []string{"older_than"}, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return out, nil
}

func firstQueryValue(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

var templateTypeNames = []string{string(SMS), string(Email), string(Letter)}

var listQueryProps = []string{"reference", "status", "template_type", "include_jobs", "older_than", "job_id"}

func statusNames() []string {
	out := make([]string, len(FilterStatuses))
	for i, s := range FilterStatuses {
		out[i] = string(s)
	}
	return out
}

// enumMessage is jsonschema's enum message with quotes removed:
// "{field} {value!r} is not one of {enum!r}".
func enumMessage(field, value string, enum []string) string {
	items := make([]any, len(enum))
	for i, e := range enum {
		items[i] = e
	}
	return pyMessage(field + " " + pyfmt.Repr(value) + " is not one of " + pyfmt.Repr(items))
}

// checkQueryExtras reports query parameters that are not in props.
func checkQueryExtras(q url.Values, props []string, ps *schemaProblems) {
	var extras []string
	for k := range q {
		if !slices.Contains(props, k) {
			extras = append(extras, k)
		}
	}
	addExtras(extras, ps)
}
