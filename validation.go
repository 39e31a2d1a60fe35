package notify

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/notifykit/notify/internal/isotime"
	"github.com/notifykit/notify/internal/pyfmt"
)

// This file holds the request rules: what a send request must satisfy,
// field by field, before the send flow looks at the service's templates and
// recipients, and the request-level checks of that flow (personalisation,
// sender ids). Both ways in use the same rules: the Go API (SendSMS,
// SendEmail) applies them to typed requests here, and the JSON decoders
// (requests_json.go) to request bodies through the validator tags of
// stringRules. A field rule returns its problem as upstream's v2 API words
// it after the field name, or "" when the value passes.

// maxReferenceLength is the longest reference a request may carry, in
// characters.
const maxReferenceLength = 1000

// Messages of the field rules, without the field name.
const (
	msgNotUUID      = "is not a valid UUID"
	msgNotHTTPSURL  = "is not a valid https url"
	msgInvalidEmail = "Not a valid email address"
	// The scheduled_for format check (upstream's
	// validate_schema_date_with_hour).
	msgDatetimeFormat = "datetime format is invalid. It must be a valid ISO8601 date time format, https://en.wikipedia.org/wiki/ISO_8601"
	msgDatetimePast   = "datetime can not be in the past"
	msgDatetimeFuture = "datetime can only be 24 hours in the future"
)

// stringRules are the rules on string fields, by the validator tag that
// names them in the field structs of the JSON decoders.
var stringRules = map[string]func(string) string{
	"notify_phone":     phoneNumberProblem,
	"notify_email":     emailAddressProblem,
	"notify_uuid":      uuidProblem,
	"notify_reference": referenceProblem,
	"notify_https":     httpsURLProblem,
}

// pyMessage removes single quotes, as upstream does to every jsonschema
// message.
func pyMessage(s string) string { return strings.ReplaceAll(s, "'", "") }

// requiredMessage is jsonschema's message for a missing property, with
// upstream's quote removal: "phone_number is a required property".
func requiredMessage(name string) string {
	return pyMessage(pyfmt.Repr(name) + " is a required property")
}

// phoneNumberProblem is the phone_number rule: the constructor stage of
// the phone rules (international numbers and landlines pass; the service's
// permissions are checked when sending).
func phoneNumberProblem(s string) string {
	msg, _ := phoneNumberRule(s)
	return msg
}

// phoneNumberRule is phoneNumberProblem with the *PhoneError behind the
// message, for the refusal to carry.
func phoneNumberRule(s string) (string, error) {
	if _, err := ParsePhoneNumber(s); err != nil {
		return phoneMessage(err), err
	}
	return "", nil
}

// phoneMessage is the v2 API's text for a phone number error.
func phoneMessage(err error) string {
	var pe *PhoneError
	if errors.As(err, &pe) {
		return pe.V2Message()
	}
	return err.Error()
}

// emailAddressProblem is the email_address rule: ValidateEmail.
func emailAddressProblem(s string) string {
	msg, _ := emailAddressRule(s)
	return msg
}

// emailAddressRule is emailAddressProblem with the error behind the
// message.
func emailAddressRule(s string) (string, error) {
	if _, err := ValidateEmail(s); err != nil {
		return msgInvalidEmail, err
	}
	return "", nil
}

// uuidProblem is the rule of template_id and the sender ids: ParseUUID.
func uuidProblem(s string) string {
	if _, ok := ParseUUID(s); !ok {
		return msgNotUUID
	}
	return ""
}

// referenceProblem is the reference rule: at most maxReferenceLength
// characters. The message quotes the reference as jsonschema does.
func referenceProblem(ref string) string {
	if utf8.RuneCountInString(ref) <= maxReferenceLength {
		return ""
	}
	return pyMessage(pyfmt.Repr(ref) + " is too long")
}

// httpsURLProblem is the one_click_unsubscribe_url rule: the URL starts
// with "https" (upstream checks no more).
func httpsURLProblem(u string) string {
	if !strings.HasPrefix(u, "https") {
		return msgNotHTTPSURL
	}
	return ""
}

// scheduledForProblem is the window rule of scheduled_for: not in the past
// and at most 24 hours ahead of now.
func scheduledForProblem(t, now time.Time) string {
	now = now.Truncate(time.Microsecond)
	switch {
	case t.Before(now):
		return msgDatetimePast
	case t.After(now.Add(24 * time.Hour)):
		return msgDatetimeFuture
	}
	return ""
}

// parseScheduledFor is the scheduled_for rule on the text of a request
// body: an ISO 8601 timestamp as upstream's parser reads it, then the
// window rule.
func parseScheduledFor(s string, now time.Time) (time.Time, string) {
	t, ok := isotime.Parse(s)
	if !ok {
		return time.Time{}, msgDatetimeFormat
	}
	return t, scheduledForProblem(t, now)
}

// checkSMSRequest applies the field rules to a typed SMS request, in the
// order of its fields; the JSON decoder applies them to a body.
func checkSMSRequest(req *SMSRequest, now time.Time) error {
	if req == nil {
		return ValidationError("", requiredMessage("phone_number"))
	}
	errs := checkTyped("phone_number", req.PhoneNumber, phoneNumberRule, req.TemplateID, req.Reference,
		req.ScheduledFor, now)
	return errs.orNil()
}

// checkEmailRequest is checkSMSRequest for email.
func checkEmailRequest(req *EmailRequest, now time.Time) error {
	if req == nil {
		return ValidationError("", requiredMessage("email_address"))
	}
	errs := checkTyped("email_address", req.EmailAddress, emailAddressRule, req.TemplateID, req.Reference,
		req.ScheduledFor, now)
	if u := req.OneClickUnsubscribeURL; u != nil {
		if msg := httpsURLProblem(*u); msg != "" {
			errs = append(errs, ValidationError("", "one_click_unsubscribe_url "+msg))
		}
	}
	return errs.orNil()
}

// checkTyped applies the rules of the fields both channels have: the
// recipient, named field and checked by rule, the template id, the
// reference and scheduled_for. A typed request has no missing template_id,
// only the nil UUID. The recipient's refusal carries the rule's error.
func checkTyped(field, to string, rule func(string) (string, error), templateID uuid.UUID, ref *string,
	scheduled *time.Time, now time.Time) Errors {
	var errs Errors
	if msg, cause := rule(to); msg != "" {
		errs = append(errs, ValidationError(FieldTo, field+" "+msg).withCause(cause))
	}
	if templateID == uuid.Nil {
		errs = append(errs, ValidationError(FieldTemplate, requiredMessage("template_id")))
	}
	if ref != nil {
		if msg := referenceProblem(*ref); msg != "" {
			errs = append(errs, ValidationError("", "reference "+msg))
		}
	}
	if scheduled != nil {
		if msg := scheduledForProblem(*scheduled, now); msg != "" {
			errs = append(errs, ValidationError("", "scheduled_for "+msg))
		}
	}
	return errs
}

// checkPersonalisation refuses a send that leaves placeholders of the
// template's subject or content without a value.
func checkPersonalisation(tpl *Template, values map[string]any) error {
	missing := MissingPersonalisation(tpl.Subject, tpl.Content, values)
	if len(missing) == 0 {
		return nil
	}
	return refusal(CodeMissingPersonalisation, FieldTemplate, "Missing personalisation: "+strings.Join(missing, ", "))
}

// checkSenderIDs is the refusal, in upstream's words, of an SMS sender or
// email reply-to id that names none of the service's live senders:
// chooseSenders (senders.go) calls it once its lookup found none. Nil ids
// pass.
func checkSenderIDs(svc *Service, senderID, replyID *uuid.UUID) error {
	if senderID != nil {
		return refusal(CodeUnknownSender, "", fmt.Sprintf("sms_sender_id %s does not exist in database for service id %s", senderID, svc.ID))
	}
	if replyID != nil {
		return refusal(CodeUnknownSender, "", fmt.Sprintf("email_reply_to_id %s does not exist in database for service id %s", replyID, svc.ID))
	}
	return nil
}

// invalidPhone is the refusal of a recipient's phone number when sending;
// it carries err, the *PhoneError.
func invalidPhone(err error) *Error {
	return &Error{Code: CodeInvalidPhone, Name: NameInvalidPhone, Status: http.StatusBadRequest, Field: FieldTo,
		Message: phoneMessage(err), cause: err}
}

// invalidEmail is the refusal of a recipient's email address when sending;
// it carries err, the error of ValidateEmail.
func invalidEmail(err error) *Error {
	return &Error{Code: CodeInvalidEmail, Name: NameInvalidEmail, Status: http.StatusBadRequest, Field: FieldTo,
		Message: msgInvalidEmail, cause: err}
}
