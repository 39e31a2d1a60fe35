package notify

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/google/uuid"

	"github.com/notifykit/notify/internal/jsontree"
	"github.com/notifykit/notify/internal/pyfmt"
)

// This file decodes request bodies into typed requests and validates them
// the way upstream's JSON schemas do (jsonschema Draft 7). Upstream reports
// every problem at once, each as "{field} {message}" with every single
// quote removed from jsonschema's text; values appear as Python reprs
// (None, [], {'a': 1}, 1.0...). Decoding therefore runs in two stages: the
// body is read into an ordered tree that keeps what Python would see (key
// order, number literals), JSON types are checked on that tree, and the
// string fields that passed are then checked with go-playground/validator
// struct tags: required, and the field rules of validation.go by the tags
// of stringRules.

// MsgInvalidJSON is the BadRequestError message for a body that is not JSON.
const MsgInvalidJSON = "Invalid JSON supplied in POST data"

// DecodeSMSRequest parses and schema-validates a POST /v2/notifications/sms
// body. now is the reference time of the scheduled_for window. The
// phone_number format check is the constructor stage of the phone rules
// (international numbers and landlines pass here). A body that is not JSON
// gives a BadRequestError; schema problems give Errors of ValidationError.
func DecodeSMSRequest(body []byte, now time.Time) (*SMSRequest, error) {
	obj, err := decodeBodyObject(body, false)
	if err != nil {
		return nil, err
	}
	var f smsFields
	var ps schemaProblems
	checkSchema(obj, &smsSchema, &f, &ps)
	addFileProblems(obj, &smsSchema, &ps)
	sched := checkScheduledFor(obj, &smsSchema, now, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	req := &SMSRequest{
		PhoneNumber:     *f.PhoneNumber,
		TemplateID:      mustUUID(*f.TemplateID),
		Personalisation: personalisationOf(obj),
		Reference:       f.Reference,
		ScheduledFor:    sched,
	}
	if f.SMSSenderID != nil {
		id := mustUUID(*f.SMSSenderID)
		req.SMSSenderID = &id
	}
	return req, nil
}

// DecodeEmailRequest parses and schema-validates a POST
// /v2/notifications/email body; see DecodeSMSRequest. The email_address
// format check is ValidateEmail.
func DecodeEmailRequest(body []byte, now time.Time) (*EmailRequest, error) {
	obj, err := decodeBodyObject(body, false)
	if err != nil {
		return nil, err
	}
	var f emailFields
	var ps schemaProblems
	checkSchema(obj, &emailSchema, &f, &ps)
	addFileProblems(obj, &emailSchema, &ps)
	sched := checkScheduledFor(obj, &emailSchema, now, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	req := &EmailRequest{
		EmailAddress:           *f.EmailAddress,
		TemplateID:             mustUUID(*f.TemplateID),
		Personalisation:        personalisationOf(obj),
		Reference:              f.Reference,
		ScheduledFor:           sched,
		OneClickUnsubscribeURL: f.OneClickUnsubscribeURL,
	}
	if f.EmailReplyToID != nil {
		id := mustUUID(*f.EmailReplyToID)
		req.EmailReplyToID = &id
	}
	if list, ok := obj.Get("sanitise_content_for"); ok {
		if items, ok := list.([]any); ok {
			req.SanitiseContentFor = make([]string, 0, len(items))
			for _, it := range items {
				req.SanitiseContentFor = append(req.SanitiseContentFor, it.(string))
			}
		}
	}
	return req, nil
}

// DecodePreviewRequest parses a POST /v2/template/{id}/preview body: {} or
// {"personalisation": {...}}. An empty body or null is {}; other keys are
// ignored, as upstream's schema allows them. It returns nil when there is
// no personalisation.
func DecodePreviewRequest(body []byte) (map[string]any, error) {
	obj, err := decodeBodyObject(body, true)
	if err != nil {
		return nil, err
	}
	var ps schemaProblems
	checkSchema(obj, &previewSchema, nil, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return personalisationOf(obj), nil
}

// DecodeV1SendRequest parses a v1 send body. Errors are in the v1 shape:
// *Error values whose Field is "to", "template" or "personalisation" with
// marshmallow's messages ("Missing data for required field.", "Not a valid
// string.", "Field may not be null.", "Not a valid mapping type.") and "Not
// a valid UUID." for a template that is not a UUID. Unknown fields are
// ignored. The recipient's format is not checked here.
func DecodeV1SendRequest(body []byte) (*V1SendRequest, error) {
	root, err := decodeBody(body)
	if err != nil {
		return nil, err
	}
	obj, ok := root.(*jsontree.Object)
	if !ok {
		return nil, ValidationError("", "Invalid input type.")
	}
	var errs Errors
	v1String := func(field string) *string {
		v, ok := obj.Get(field)
		switch s := v.(type) {
		case string:
			return &s
		case nil:
			if ok {
				errs = append(errs, ValidationError(field, "Field may not be null."))
			}
		default:
			errs = append(errs, ValidationError(field, "Not a valid string."))
		}
		return nil
	}
	f := v1Fields{To: v1String("to"), Template: v1String("template")}
	excluded := []string{}
	if _, ok := obj.Get("to"); ok && f.To == nil {
		excluded = append(excluded, "To")
	}
	if _, ok := obj.Get("template"); ok && f.Template == nil {
		excluded = append(excluded, "Template")
	}
	if err := requestValidator().StructExcept(&f, excluded...); err != nil {
		var verrs validator.ValidationErrors
		if !errors.As(err, &verrs) {
			return nil, fmt.Errorf("notify: validating v1 request: %w", err)
		}
		for _, fe := range verrs {
			msg := "Missing data for required field."
			if fe.Tag() == "notify_uuid" {
				msg = "Not a valid UUID."
			}
			errs = append(errs, ValidationError(fe.Field(), msg))
		}
	}
	if v, ok := obj.Get("personalisation"); ok {
		switch v.(type) {
		case *jsontree.Object:
		case nil:
			errs = append(errs, ValidationError("personalisation", "Field may not be null."))
		default:
			errs = append(errs, ValidationError("personalisation", "Not a valid mapping type."))
		}
	}
	if len(errs) > 0 {
		order := map[string]int{"to": 0, "template": 1, "personalisation": 2}
		sort.SliceStable(errs, func(i, j int) bool { return order[errs[i].Field] < order[errs[j].Field] })
		return nil, errs
	}
	return &V1SendRequest{
		To:              *f.To,
		TemplateID:      mustUUID(*f.Template),
		Personalisation: personalisationOf(obj),
	}, nil
}

// addExtras adds jsonschema's additionalProperties error: one message that
// names every unexpected key, sorted.
func addExtras(extras []string, ps *schemaProblems) {
	if len(extras) == 0 {
		return
	}
	sort.Strings(extras)
	reprs := make([]string, len(extras))
	for i, e := range extras {
		reprs[i] = pyfmt.Repr(e)
	}
	verb := "was"
	if len(extras) > 1 {
		verb = "were"
	}
	ps.add(groupExtra, 0, pyMessage(fmt.Sprintf("Additional properties are not allowed (%s %s unexpected)",
		strings.Join(reprs, ", "), verb)))
}

// ---------------------------------------------------------------------------
// Schemas

// propSpec is one property of an object schema.
type propSpec struct {
	name string
	// types are the JSON types allowed, in the schema's order.
	types []string
	// items is the JSON type of array items ("" when unchecked).
	items string
	// override is the schema's validationMessage: it replaces every
	// message about the property.
	override string
}

// objectSchema is an object schema: its properties in schema order, and
// whether other properties are allowed.
type objectSchema struct {
	props      []propSpec
	required   []string
	additional bool
}

func (s *objectSchema) index(name string) int {
	for i, p := range s.props {
		if p.name == name {
			return i
		}
	}
	return len(s.props)
}

func (s *objectSchema) requiredIndex(name string) int {
	if i := slices.Index(s.required, name); i >= 0 {
		return i
	}
	return len(s.required)
}

var (
	propReference       = propSpec{name: "reference", types: []string{"string"}}
	propTemplateID      = propSpec{name: "template_id", types: []string{"string"}, override: msgNotUUID}
	propPersonalisation = propSpec{name: "personalisation", types: []string{"object"}}
	propScheduledFor    = propSpec{name: "scheduled_for", types: []string{"string", "null"}}
)

// smsSchema is upstream's post_sms_request.
var smsSchema = objectSchema{
	props: []propSpec{
		propReference,
		{name: "phone_number", types: []string{"string"}},
		propTemplateID,
		propPersonalisation,
		propScheduledFor,
		{name: "sms_sender_id", types: []string{"string"}, override: msgNotUUID},
	},
	required: []string{"phone_number", "template_id"},
}

// emailSchema is upstream's post_email_request.
var emailSchema = objectSchema{
	props: []propSpec{
		propReference,
		{name: "email_address", types: []string{"string"}},
		propTemplateID,
		propPersonalisation,
		propScheduledFor,
		{name: "email_reply_to_id", types: []string{"string"}, override: msgNotUUID},
		{name: "one_click_unsubscribe_url", types: []string{"string"}, override: msgNotHTTPSURL},
		{name: "sanitise_content_for", types: []string{"array", "null"}, items: "string"},
	},
	required: []string{"email_address", "template_id"},
}

// previewSchema is upstream's post_template_preview_request (without the
// id, which comes from the URL). It allows other properties.
var previewSchema = objectSchema{
	props:      []propSpec{propPersonalisation},
	additional: true,
}

// smsFields are the string properties of an SMS body checked by struct tags.
type smsFields struct {
	Reference   *string `json:"reference" validate:"omitnil,notify_reference"`
	PhoneNumber *string `json:"phone_number" validate:"required,notify_phone"`
	TemplateID  *string `json:"template_id" validate:"required,notify_uuid"`
	SMSSenderID *string `json:"sms_sender_id" validate:"omitnil,notify_uuid"`
}

// emailFields are the string properties of an email body checked by struct
// tags.
type emailFields struct {
	Reference              *string `json:"reference" validate:"omitnil,notify_reference"`
	EmailAddress           *string `json:"email_address" validate:"required,notify_email"`
	TemplateID             *string `json:"template_id" validate:"required,notify_uuid"`
	EmailReplyToID         *string `json:"email_reply_to_id" validate:"omitnil,notify_uuid"`
	OneClickUnsubscribeURL *string `json:"one_click_unsubscribe_url" validate:"omitnil,notify_https"`
}

// v1Fields are the string properties of a v1 body.
type v1Fields struct {
	To       *string `json:"to" validate:"required"`
	Template *string `json:"template" validate:"required,notify_uuid"`
}

// requestValidator returns the shared validator: json names in
// FieldErrors, and the field rules of stringRules under their tags.
var requestValidator = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	})
	for tag, rule := range stringRules {
		// Registration only fails for an empty tag or a nil function.
		_ = v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return rule(fl.Field().String()) == "" })
	}
	return v
})

// checkSchema checks obj against s: JSON types on the tree, then, when
// fields is a pointer to a struct of *string fields with json and validate
// tags, the struct-tag rules on the string properties that passed (filled
// into fields). Additional properties are reported when s forbids them.
func checkSchema(obj *jsontree.Object, s *objectSchema, fields any, ps *schemaProblems) {
	bad := map[string]bool{}
	for i, p := range s.props {
		v, ok := obj.Get(p.name)
		if !ok {
			continue
		}
		if !hasJSONType(v, p.types) {
			bad[p.name] = true
			ps.add(groupField, i, propMessage(p, pyMessage(pyfmt.Repr(v)+" is not of type "+typeList(p.types))))
			continue
		}
		if list, ok := v.([]any); ok && p.items != "" {
			for _, it := range list {
				if !hasJSONType(it, []string{p.items}) {
					ps.add(groupField, i, propMessage(p, pyMessage(pyfmt.Repr(it)+" is not of type "+typeList([]string{p.items}))))
				}
			}
		}
	}
	if fields != nil {
		checkFields(obj, s, fields, bad, ps)
	}
	if !s.additional {
		var extras []string
		for _, k := range obj.Keys {
			if s.index(k) == len(s.props) {
				extras = append(extras, k)
			}
		}
		addExtras(extras, ps)
	}
}

// checkFields fills the *string fields of the struct fields points to from
// obj (skipping properties with a type error) and runs the validator on it.
func checkFields(obj *jsontree.Object, s *objectSchema, fields any, bad map[string]bool, ps *schemaProblems) {
	rv := reflect.ValueOf(fields).Elem()
	rt := rv.Type()
	var excluded []string
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if bad[name] {
			excluded = append(excluded, rt.Field(i).Name)
			continue
		}
		if v, ok := obj.Get(name); ok {
			if str, ok := v.(string); ok {
				rv.Field(i).Set(reflect.ValueOf(&str))
			}
		}
	}
	err := requestValidator().StructExcept(fields, excluded...)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return
	}
	for _, fe := range verrs {
		name := fe.Field()
		if fe.Tag() == "required" {
			ps.add(groupRequired, s.requiredIndex(name), requiredMessage(name))
			continue
		}
		i := s.index(name)
		value, _ := fe.Value().(string)
		if p, ok := fe.Value().(*string); ok && p != nil {
			value = *p
		}
		msg := "is not valid"
		if rule, ok := stringRules[fe.Tag()]; ok {
			msg = rule(value)
		}
		if i < len(s.props) {
			msg = propMessage(s.props[i], msg)
		} else {
			msg = name + " " + msg
		}
		ps.add(groupField, i, msg)
	}
}

// propMessage prefixes msg with the property name, or gives the
// property's validationMessage instead.
func propMessage(p propSpec, msg string) string {
	if p.override != "" {
		return p.name + " " + p.override
	}
	return p.name + " " + msg
}

// checkScheduledFor applies the scheduled_for rule when the property is a
// string, and returns the time.
func checkScheduledFor(obj *jsontree.Object, s *objectSchema, now time.Time, ps *schemaProblems) *time.Time {
	v, _ := obj.Get("scheduled_for")
	str, ok := v.(string)
	if !ok {
		return nil
	}
	t, msg := parseScheduledFor(str, now)
	if msg != "" {
		ps.add(groupField, s.index("scheduled_for"), "scheduled_for "+msg)
		return nil
	}
	return &t
}

func hasJSONType(v any, types []string) bool {
	for _, t := range types {
		switch v.(type) {
		case string:
			if t == "string" {
				return true
			}
		case nil:
			if t == "null" {
				return true
			}
		case *jsontree.Object:
			if t == "object" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		}
	}
	return false
}

// typeList is jsonschema's list of types: 'string', 'null'.
func typeList(types []string) string {
	reprs := make([]string, len(types))
	for i, t := range types {
		reprs[i] = pyfmt.Repr(t)
	}
	return strings.Join(reprs, ", ")
}

func mustUUID(s string) uuid.UUID {
	u, _ := ParseUUID(s)
	return u
}

// personalisationOf returns obj's personalisation as plain Go values, or nil.
func personalisationOf(obj *jsontree.Object) map[string]any {
	v, _ := obj.Get("personalisation")
	d, ok := v.(*jsontree.Object)
	if !ok {
		return nil
	}
	m, _ := jsontree.Plain(d).(map[string]any)
	return m
}

// ---------------------------------------------------------------------------
// Problems

// Groups order the problems: required properties, then per-property
// problems in schema order, then additional properties.
const (
	groupRequired = iota
	groupField
	groupExtra
)

type schemaProblem struct {
	group, index int
	msg          string
}

type schemaProblems []schemaProblem

func (ps *schemaProblems) add(group, index int, msg string) {
	*ps = append(*ps, schemaProblem{group: group, index: index, msg: msg})
}

// err returns the problems as Errors of ValidationError in a stable order,
// without duplicates, or nil.
func (ps schemaProblems) err() error {
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].group != ps[j].group {
			return ps[i].group < ps[j].group
		}
		return ps[i].index < ps[j].index
	})
	var errs Errors
	seen := map[string]bool{}
	for _, p := range ps {
		if !seen[p.msg] {
			seen[p.msg] = true
			errs = append(errs, ValidationError("", p.msg))
		}
	}
	return errs
}

// ---------------------------------------------------------------------------
// JSON as Python sees it

// decodeBody parses a request body into a tree of *jsontree.Object, []any,
// string, json.Number, bool and nil. An empty body, or one of JSON
// whitespace only, is {}; a leading UTF-8 byte order mark is skipped, as
// Python's json.loads skips it. A body that is not UTF-8 JSON gives
// upstream's BadRequestError.
func decodeBody(body []byte) (any, error) {
	v, err := jsontree.Parse(body)
	switch {
	case errors.Is(err, jsontree.ErrEmpty):
		return jsontree.NewObject(), nil
	case err != nil:
		return nil, BadRequest("", MsgInvalidJSON)
	}
	return v, nil
}

// decodeBodyObject is decodeBody for a body that must be an object; null
// counts as {} when nullIsEmpty. Any other value gives jsonschema's type
// error, e.g. "[] is not of type object".
func decodeBodyObject(body []byte, nullIsEmpty bool) (*jsontree.Object, error) {
	v, err := decodeBody(body)
	if err != nil {
		return nil, err
	}
	if v == nil && nullIsEmpty {
		return jsontree.NewObject(), nil
	}
	obj, ok := v.(*jsontree.Object)
	if !ok {
		return nil, Errors{ValidationError("", pyMessage(pyfmt.Repr(v)+" is not of type "+pyfmt.Repr("object")))}
	}
	return obj, nil
}
