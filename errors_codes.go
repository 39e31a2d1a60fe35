package notify

import "net/http"

// Code names a refusal for programs: a stable word to switch on, where the
// Name and Message of an *Error are upstream's wire text. Several codes
// share a Name (trial mode, team keys and template problems are all
// BadRequestError); no two refusals that a caller may want to handle
// differently share a code.
//
// Test a refusal with errors.Is and the sentinel of its code (ErrTrialMode,
// ErrDailyLimit...) or with CodeOf; never with its message.
type Code string

// Codes of the refusals. An *Error built without a Code has the code of its
// Name: CodeBadRequest, CodeValidation, CodeUnauthorized, CodeDailyLimit
// (TooManyRequestsError), CodeRateLimit, CodeInvalidPhone, CodeInvalidEmail,
// CodeNotFound (NoResultFound) or CodeInternal.
const (
	// CodeBadRequest is a 400 BadRequestError without a more precise code.
	CodeBadRequest Code = "bad_request"
	// CodeValidation is a request that breaks the request rules (a v2
	// ValidationError): a malformed field, a missing one, bad JSON types.
	// A malformed phone number also carries the *PhoneError
	// (errors.As).
	CodeValidation Code = "validation"
	// CodeUnauthorized is an AuthError without a more precise code: no
	// token, a malformed one, a bad signature, a clock out of step.
	CodeUnauthorized Code = "unauthorized"
	// CodeKeyRevoked is a request with a revoked API key.
	CodeKeyRevoked Code = "key_revoked"
	// CodeKeyNotFound is a request whose key the service does not have.
	CodeKeyNotFound Code = "key_not_found"
	// CodeServiceNotFound is a request for a service that does not exist.
	CodeServiceNotFound Code = "service_not_found"
	// CodeServiceArchived is a request for an archived service.
	CodeServiceArchived Code = "service_archived"
	// CodeTrialMode is a send by a live key of a trial service to someone
	// outside its team and guest list.
	CodeTrialMode Code = "trial_mode"
	// CodeTeamKeyRecipient is a send by a team key to someone outside the
	// team and guest list.
	CodeTeamKeyRecipient Code = "team_key_recipient"
	// CodeDailyLimit is a send over the service's daily message limit
	// (429 TooManyRequestsError).
	CodeDailyLimit Code = "daily_limit"
	// CodeRateLimit is a request over the per-key rate limit (429
	// RateLimitError).
	CodeRateLimit Code = "rate_limit"
	// CodeNotFound is a read that found nothing (404 NoResultFound).
	CodeNotFound Code = "not_found"
	// CodeInvalidPhone is a recipient's phone number refused by the phone
	// rules (InvalidPhoneError); errors.As finds the *PhoneError.
	CodeInvalidPhone Code = "invalid_phone"
	// CodeInvalidEmail is a recipient's email address refused by the email
	// rules (InvalidEmailError); errors.Is(err, ErrInvalidEmail) holds.
	CodeInvalidEmail Code = "invalid_email"
	// CodeServicePermission is a send the service has no permission for:
	// its channel, international numbers.
	CodeServicePermission Code = "service_permission"
	// CodeTemplateNotFound is a send with a template the service does not
	// have.
	CodeTemplateNotFound Code = "template_not_found"
	// CodeTemplateDeleted is a send with an archived template.
	CodeTemplateDeleted Code = "template_deleted"
	// CodeTemplateType is a send with a template of the other channel.
	CodeTemplateType Code = "template_type"
	// CodeMissingPersonalisation is a send or preview that leaves
	// placeholders without a value.
	CodeMissingPersonalisation Code = "missing_personalisation"
	// CodeMessageEmpty is a message that renders to nothing.
	CodeMessageEmpty Code = "message_empty"
	// CodeMessageTooLong is a message over the channel's length limit.
	CodeMessageTooLong Code = "message_too_long"
	// CodeUnknownSender is a send naming an SMS sender or email reply-to
	// address the service does not have.
	CodeUnknownSender Code = "unknown_sender"
	// CodeInternal is an internal failure: CodeOf gives it to any error
	// that is not a refusal.
	CodeInternal Code = "internal"
)

// Sentinels of the refusals a caller most often handles, matched by code
// with errors.Is: errors.Is(err, notify.ErrTrialMode) holds for every
// trial-mode refusal, whatever its message. They are *Error values with
// the usual name and status, so errors.As also works on them; the
// refusals a Notifier returns carry the full message (the trial-mode one
// its link).
var (
	// ErrTrialMode: a live key of a trial service sent to someone outside
	// the team and guest list.
	ErrTrialMode = &Error{Code: CodeTrialMode, Name: NameBadRequest, Status: http.StatusBadRequest, Field: FieldTo,
		Message: "Can\u2019t send to this recipient when service is in trial mode"}
	// ErrTeamKeyRecipient: a team key sent to someone outside the team and
	// guest list.
	ErrTeamKeyRecipient = &Error{Code: CodeTeamKeyRecipient, Name: NameBadRequest, Status: http.StatusBadRequest,
		Field: FieldTo, Message: MsgTeamKeyRecipient}
	// ErrDailyLimit: the service has sent its daily limit (429).
	ErrDailyLimit = &Error{Code: CodeDailyLimit, Name: NameTooManyRequests, Status: http.StatusTooManyRequests,
		Message: "Exceeded send limits for today"}
	// ErrRateLimit: the key type has made too many requests in the last
	// minute (429).
	ErrRateLimit = &Error{Code: CodeRateLimit, Name: NameRateLimit, Status: http.StatusTooManyRequests,
		Message: "Exceeded rate limit"}
	// ErrKeyRevoked: the API key has been revoked (403).
	ErrKeyRevoked = &Error{Code: CodeKeyRevoked, Name: NameAuth, Status: http.StatusForbidden, Field: FieldToken,
		Message: MsgKeyRevoked}
	// ErrServiceArchived: the service has been archived (403).
	ErrServiceArchived = &Error{Code: CodeServiceArchived, Name: NameAuth, Status: http.StatusForbidden,
		Field: FieldToken, Message: MsgServiceArchived}
	// ErrTemplateNotFound: a send named a template the service does not
	// have.
	ErrTemplateNotFound = &Error{Code: CodeTemplateNotFound, Name: NameBadRequest, Status: http.StatusBadRequest,
		Field: FieldTemplate, Message: MsgTemplateNotFound}
	// ErrMissingPersonalisation: a send or preview left placeholders
	// without a value.
	ErrMissingPersonalisation = &Error{Code: CodeMissingPersonalisation, Name: NameBadRequest,
		Status: http.StatusBadRequest, Field: FieldTemplate, Message: "Missing personalisation"}
)

// codeOfName is the code of an *Error built without one.
var codeOfName = map[string]Code{
	NameBadRequest:      CodeBadRequest,
	NameValidation:      CodeValidation,
	NameAuth:            CodeUnauthorized,
	NameTooManyRequests: CodeDailyLimit,
	NameRateLimit:       CodeRateLimit,
	NameInvalidPhone:    CodeInvalidPhone,
	NameInvalidEmail:    CodeInvalidEmail,
	NameNoResultFound:   CodeNotFound,
	NameInternal:        CodeInternal,
}

// authCodes are the codes of the authentication refusals, by message.
var authCodes = map[string]Code{
	MsgKeyRevoked:      CodeKeyRevoked,
	MsgKeyNotFound:     CodeKeyNotFound,
	MsgServiceNotFound: CodeServiceNotFound,
	MsgServiceArchived: CodeServiceArchived,
}

// ErrorCode returns e's code: Code, or when it is empty the code of its
// Name (CodeBadRequest for a name of its own).
func (e *Error) ErrorCode() Code {
	if e.Code != "" {
		return e.Code
	}
	if c, ok := codeOfName[e.Name]; ok {
		return c
	}
	return CodeBadRequest
}

// Is reports whether e is the refusal target stands for: an *Error with a
// code (a sentinel such as ErrTrialMode) matches every refusal of that
// code, and ErrNotFound matches every refusal that found nothing
// (CodeNotFound, CodeKeyNotFound, CodeServiceNotFound,
// CodeTemplateNotFound), so that errors.Is(err, notify.ErrNotFound) holds
// when Get finds nothing.
func (e *Error) Is(target error) bool {
	if target == ErrNotFound {
		switch e.ErrorCode() {
		case CodeNotFound, CodeKeyNotFound, CodeServiceNotFound, CodeTemplateNotFound:
			return true
		}
		return false
	}
	t, ok := target.(*Error)
	return ok && t.Code != "" && e.ErrorCode() == t.Code
}

// Unwrap returns the detailed error behind the refusal, if any: the
// *PhoneError of a refused phone number, ErrInvalidEmail for an email
// address.
func (e *Error) Unwrap() error { return e.cause }

// Unwrap returns the refusals, so that errors.Is and errors.As look at
// each of them.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// CodeOf returns the code of the first refusal in err, CodeInternal when
// err holds none, or "" when err is nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	if l := ErrorList(err); len(l) > 0 {
		return l[0].ErrorCode()
	}
	return CodeInternal
}

// refusal returns a 400 BadRequestError with a code.
func refusal(code Code, field, msg string) *Error {
	return &Error{Code: code, Name: NameBadRequest, Status: http.StatusBadRequest, Field: field, Message: msg}
}

// withCause returns e with the detailed error behind it, for Unwrap.
func (e *Error) withCause(cause error) *Error {
	e.cause = cause
	return e
}
