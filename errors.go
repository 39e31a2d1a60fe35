package notify

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors. Adapters wrap them with %w; callers test with errors.Is.
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("notify: not found")
	// ErrDuplicate: something with the same id (or unique key) exists.
	ErrDuplicate = errors.New("notify: duplicate")
	// ErrConflict: a conditional update found the row in another state.
	ErrConflict = errors.New("notify: conflict")
	// ErrCacheMiss: the cache has no value for the key.
	ErrCacheMiss = errors.New("notify: cache miss")
	// ErrPermanent marks a failure that retrying cannot fix.
	ErrPermanent = errors.New("notify: permanent failure")
	// ErrClosed: the adapter has been closed.
	ErrClosed = errors.New("notify: closed")
)

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds: a queue
// does not retry it and the Notifier fails the notification at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string        { return e.err.Error() }
func (e *permanentError) Unwrap() []error      { return []error{e.err, ErrPermanent} }
func (e *permanentError) Is(target error) bool { return target == ErrPermanent }

// IsPermanent reports whether err is marked permanent.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// Error names used in the v2 error shape.
const (
	NameBadRequest      = "BadRequestError"
	NameValidation      = "ValidationError"
	NameAuth            = "AuthError"
	NameTooManyRequests = "TooManyRequestsError"
	NameRateLimit       = "RateLimitError"
	NameInvalidPhone    = "InvalidPhoneError"
	NameInvalidEmail    = "InvalidEmailError"
	NameNoResultFound   = "NoResultFound"
	NameInternal        = "InternalServerError"
)

// Field names used in the v1 error shape.
const (
	FieldTo       = "to"
	FieldTemplate = "template"
	FieldContent  = "content"
	FieldService  = "service"
	FieldToken    = "token"
)

// Error is a refusal that callers see: an error name, an HTTP status, a
// user-safe message and, for the v1 shape, the request field it is about.
// Its Error() text is the message.
type Error struct {
	Name    string
	Status  int
	Message string
	Field   string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(name string, status int, field, format string, args ...any) *Error {
	return &Error{Name: name, Status: status, Field: field, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 BadRequestError.
func BadRequest(field, msg string) *Error {
	return &Error{Name: NameBadRequest, Status: http.StatusBadRequest, Field: field, Message: msg}
}

// ValidationError returns a 400 ValidationError.
func ValidationError(field, msg string) *Error {
	return &Error{Name: NameValidation, Status: http.StatusBadRequest, Field: field, Message: msg}
}

// AuthError returns an AuthError with the given status (401 or 403).
func AuthError(status int, msg string) *Error {
	return &Error{Name: NameAuth, Status: status, Field: FieldToken, Message: msg}
}

// ErrNoResult is the 404 answer for a notification or template that does
// not exist (or belongs to another service).
var ErrNoResult = &Error{Name: NameNoResultFound, Status: http.StatusNotFound, Message: "No result found"}

// ErrInternal is what users see of an unexpected failure.
var ErrInternal = &Error{Name: NameInternal, Status: http.StatusInternalServerError, Message: "Internal server error"}

// Errors is several refusals at once (schema validation reports every
// problem). Its status is the first one's.
type Errors []*Error

// Error joins the messages.
func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, "; ")
}

// orNil returns es as an error, or nil when it is empty: an empty Errors
// held in an error would be a refusal of nothing.
func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// As lets errors.As find the first refusal of an Errors as an *Error.
func (es Errors) As(target any) bool {
	if p, ok := target.(**Error); ok && len(es) > 0 {
		*p = es[0]
		return true
	}
	return false
}

// ErrorList returns the refusals in err: the items of an Errors, a single
// *Error, or nil when err is neither (an internal error).
func ErrorList(err error) []*Error {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// StatusOf returns the HTTP status for err: the status of its first
// refusal, or 500.
func StatusOf(err error) int {
	if l := ErrorList(err); len(l) > 0 {
		return l[0].Status
	}
	return http.StatusInternalServerError
}
