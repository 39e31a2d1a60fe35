package notify

import (
	"bytes"
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// The admin API's request bodies, read into the Notifier's types with
// upstream's (marshmallow's) messages for the shape of each field: a body
// that is not a JSON object is MsgInvalidJSON; every other refusal is a
// ValidationError naming its field, all of them at once.

// MsgNullField refuses a JSON null where a value is required.
const MsgNullField = "Field may not be null."

// adminBody is a decoded JSON object whose fields are read one by one; the
// refusals pile up in errs and fields not read are unknown.
type adminBody struct {
	fields map[string]json.RawMessage
	read   map[string]bool
	errs   []*Error
}

func decodeAdminBody(body []byte) (*adminBody, error) {
	b := &adminBody{fields: map[string]json.RawMessage{}, read: map[string]bool{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return b, nil
	}
	if err := json.Unmarshal(body, &b.fields); err != nil || b.fields == nil {
		return nil, BadRequest("", MsgInvalidJSON)
	}
	return b, nil
}

// raw returns a field's JSON, or nil when absent; a null is refused.
func (b *adminBody) raw(field string, required bool) json.RawMessage {
	b.read[field] = true
	v, ok := b.fields[field]
	if !ok {
		if required {
			b.errs = append(b.errs, ValidationError(field, MsgMissingField))
		}
		return nil
	}
	if string(bytes.TrimSpace(v)) == "null" {
		b.errs = append(b.errs, ValidationError(field, MsgNullField))
		return nil
	}
	return v
}

func (b *adminBody) str(field string, required bool) *string {
	v := b.raw(field, required)
	if v == nil {
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		b.errs = append(b.errs, ValidationError(field, MsgNotString))
		return nil
	}
	return &s
}

func (b *adminBody) integer(field string, required bool) *int {
	v := b.raw(field, required)
	if v == nil {
		return nil
	}
	var f float64
	if json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		b.errs = append(b.errs, ValidationError(field, MsgNotInteger))
		return nil
	}
	i := int(f)
	return &i
}

func (b *adminBody) boolean(field string) *bool {
	v := b.raw(field, false)
	if v == nil {
		return nil
	}
	var x bool
	if json.Unmarshal(v, &x) != nil {
		b.errs = append(b.errs, ValidationError(field, MsgNotBoolean))
		return nil
	}
	return &x
}

func (b *adminBody) strings(field string, required bool) []string {
	v := b.raw(field, required)
	if v == nil {
		return nil
	}
	list := []string{}
	if json.Unmarshal(v, &list) != nil {
		b.errs = append(b.errs, ValidationError(field, MsgNotList))
		return nil
	}
	return list
}

func (b *adminBody) id(field string) *uuid.UUID {
	s := b.str(field, false)
	if s == nil {
		return nil
	}
	id, ok := ParseUUID(*s)
	if !ok {
		b.errs = append(b.errs, ValidationError(field, MsgNotUUID))
		return nil
	}
	return &id
}

// ignore marks fields that are accepted and not used (upstream's admin
// app sends them).
func (b *adminBody) ignore(fields ...string) {
	for _, f := range fields {
		b.read[f] = true
	}
}

// done refuses the fields nobody read and returns every refusal.
func (b *adminBody) done() error {
	var unknown []string
	for f := range b.fields {
		if !b.read[f] {
			unknown = append(unknown, f)
		}
	}
	slices.Sort(unknown)
	for _, f := range unknown {
		b.errs = append(b.errs, ValidationError(f, MsgUnknownField))
	}
	return errs(b.errs)
}

// serviceFields reads the fields a service may be given on creation or
// update.
func (b *adminBody) serviceFields(u *ServiceUpdate, nameRequired bool) {
	u.Name = b.str("name", nameRequired)
	u.Restricted = b.boolean("restricted")
	u.MessageLimit = b.integer("message_limit", false)
	u.RateLimit = b.integer("rate_limit", false)
	u.SMSMessageLimit = b.integer("sms_message_limit", false)
	u.EmailMessageLimit = b.integer("email_message_limit", false)
	u.InternationalSMSMessageLimit = b.integer("international_sms_message_limit", false)
	u.ResearchMode = b.boolean("research_mode")
	if list := b.strings("permissions", false); list != nil {
		perms := make([]Permission, len(list))
		for i, p := range list {
			perms[i] = Permission(p)
		}
		u.Permissions = &perms
	}
	u.PrefixSMS = b.boolean("prefix_sms")
	u.SMSSender = b.str("sms_sender", false)
	u.EmailFrom = b.str("email_from", false)
	u.DataRetentionDays = b.integer("data_retention_days", false)
	u.ContactLink = b.contactLink()
	b.ignore("created_by", "user_id", "active", "id")
}

// contactLink reads contact_link: a string, or null to remove the contact
// link; an empty string is refused (CheckService checks the rest).
func (b *adminBody) contactLink() *string {
	const field = "contact_link"
	if v, ok := b.fields[field]; ok && string(bytes.TrimSpace(v)) == "null" {
		b.read[field] = true
		none := ""
		return &none
	}
	s := b.str(field, false)
	if s == nil {
		return nil
	}
	if strings.TrimSpace(*s) == "" {
		b.errs = append(b.errs, ValidationError(field, MsgContactLinkEmpty))
		return nil
	}
	return s
}

// DecodeCreateService reads the body of POST /service: name (required),
// restricted (default true: trial mode), message_limit, rate_limit,
// sms_message_limit, email_message_limit, international_sms_message_limit,
// research_mode, permissions, prefix_sms, sms_sender, email_from,
// data_retention_days, contact_link (null: none); id may choose the
// service's id; user_id and created_by are accepted and ignored.
func DecodeCreateService(body []byte) (Service, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return Service{}, err
	}
	var u ServiceUpdate
	b.serviceFields(&u, true)
	id := b.id("id")
	if err := b.done(); err != nil {
		return Service{}, err
	}
	s := Service{Restricted: true}
	if id != nil {
		s.ID = *id
	}
	u.Apply(&s)
	return s, nil
}

// DecodeServiceUpdate reads the body of POST /service/{id}: any of the
// fields of DecodeCreateService but id.
func DecodeServiceUpdate(body []byte) (ServiceUpdate, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return ServiceUpdate{}, err
	}
	var u ServiceUpdate
	b.serviceFields(&u, false)
	return u, b.done()
}

// DecodeCreateAPIKey reads the body of POST /service/{id}/api-key: name
// and key_type are required; created_by is accepted and ignored.
func DecodeCreateAPIKey(body []byte) (name string, keyType KeyType, err error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return "", "", err
	}
	n, kt := b.str("name", true), b.str("key_type", true)
	b.ignore("created_by")
	if err := b.done(); err != nil {
		return "", "", err
	}
	return *n, KeyType(*kt), nil
}

// DecodeCreateTemplate reads the body of POST /service/{id}/template: name,
// template_type and content are required; subject (email), process_type
// and created_by are optional.
func DecodeCreateTemplate(serviceID uuid.UUID, body []byte) (Template, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return Template{}, err
	}
	name, typ, content := b.str("name", true), b.str("template_type", true), b.str("content", true)
	subject, process, createdBy := b.str("subject", false), b.str("process_type", false), b.str("created_by", false)
	b.ignore("service", "archived")
	if err := b.done(); err != nil {
		return Template{}, err
	}
	t := Template{ServiceID: serviceID, Name: *name, Type: NotificationType(*typ), Content: *content}
	if subject != nil {
		t.Subject = *subject
	}
	if process != nil {
		t.ProcessType = ProcessType(*process)
	}
	if createdBy != nil {
		t.CreatedBy = *createdBy
	}
	return t, nil
}

// DecodeTemplateUpdate reads the body of POST
// /service/{id}/template/{template_id}: any of name, subject, content,
// process_type, archived and created_by.
func DecodeTemplateUpdate(body []byte) (TemplateUpdate, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return TemplateUpdate{}, err
	}
	u := TemplateUpdate{Name: b.str("name", false), Subject: b.str("subject", false),
		Content: b.str("content", false), Archived: b.boolean("archived"), CreatedBy: b.str("created_by", false)}
	if p := b.str("process_type", false); p != nil {
		pt := ProcessType(*p)
		u.ProcessType = &pt
	}
	b.ignore("service", "template_type", "id")
	return u, b.done()
}

// DecodeGuestList reads the body of PUT /service/{id}/guest-list:
// {"email_addresses": [...], "phone_numbers": [...]}, both optional.
func DecodeGuestList(body []byte) ([]string, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return nil, err
	}
	emails, phones := b.strings("email_addresses", false), b.strings("phone_numbers", false)
	if err := b.done(); err != nil {
		return nil, err
	}
	return append(emails, phones...), nil
}

// DecodeTeamMember reads a team member: email_address (required) and
// mobile_number.
func DecodeTeamMember(serviceID uuid.UUID, body []byte) (TeamMember, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return TeamMember{}, err
	}
	email, mobile := b.str("email_address", true), b.str("mobile_number", false)
	if err := b.done(); err != nil {
		return TeamMember{}, err
	}
	m := TeamMember{ServiceID: serviceID, EmailAddress: *email}
	if mobile != nil {
		m.MobileNumber = *mobile
	}
	return m, nil
}

// DecodeDataRetention reads the body of POST /service/{id}/data-retention
// ({"notification_type", "days_of_retention"}, both required) or, when
// withType is false, of its update ({"days_of_retention"}).
func DecodeDataRetention(body []byte, withType bool) (NotificationType, int, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return "", 0, err
	}
	var typ *string
	if withType {
		typ = b.str("notification_type", true)
	}
	days := b.integer("days_of_retention", true)
	if err := b.done(); err != nil {
		return "", 0, err
	}
	if typ == nil {
		return "", *days, nil
	}
	return NotificationType(*typ), *days, nil
}

// DecodeAdminListQuery reads the query of GET /service/{id}/notifications
// as upstream: template_type and status (repeatable), page, page_size,
// limit_days, include_jobs, include_from_test_key, older_than.
func DecodeAdminListQuery(q url.Values) (AdminListQuery, error) {
	var out AdminListQuery
	var list []*Error
	for _, t := range q["template_type"] {
		switch NotificationType(t) {
		case SMS, Email, Letter:
			out.Types = append(out.Types, NotificationType(t))
		default:
			list = append(list, ValidationError("template_type", "Must be one of: sms, email, letter."))
		}
	}
	for _, s := range q["status"] {
		if !slices.Contains(FilterStatuses, Status(s)) {
			list = append(list, ValidationError("status", "Not a valid notification status: "+s))
			continue
		}
		out.Statuses = append(out.Statuses, Status(s))
	}
	ints := map[string]*int{"page": &out.Page, "page_size": &out.PageSize, "limit_days": &out.LimitDays}
	for _, f := range []string{"page", "page_size", "limit_days"} {
		if v := q.Get(f); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 {
				list = append(list, ValidationError(f, MsgNotInteger))
				continue
			}
			*ints[f] = i
		}
	}
	bools := map[string]*bool{}
	var includeJobs, includeTest bool
	bools["include_jobs"], bools["include_from_test_key"] = &includeJobs, &includeTest
	includeJobs = true
	for _, f := range []string{"include_jobs", "include_from_test_key"} {
		if v := q.Get(f); v != "" {
			b, ok := parseFormBool(v)
			if !ok {
				list = append(list, ValidationError(f, MsgNotBoolean))
				continue
			}
			*bools[f] = b
		}
	}
	out.ExcludeJobs, out.IncludeTestKey = !includeJobs, includeTest
	if v := q.Get("older_than"); v != "" {
		id, ok := ParseUUID(v)
		if !ok {
			list = append(list, ValidationError("older_than", MsgNotUUID))
		} else {
			out.OlderThan = &id
		}
	}
	return out, errs(list)
}

// parseFormBool reads a boolean the way marshmallow does from a query
// string.
func parseFormBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "t", "1", "yes", "y", "on":
		return true, true
	case "false", "f", "0", "no", "n", "off":
		return false, true
	}
	return false, false
}
