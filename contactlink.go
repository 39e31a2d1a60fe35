package notify

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A service's contact link (Service.ContactLink) is shown to the people
// who download the files it sends by email, and a service needs one to
// send files at all. As in GOV.UK Notify's admin app it is one of three
// kinds, told apart by their shape:
//
//   - an https URL with a host, such as https://www.example.gov.uk/contact;
//   - an email address (anything with an "@"), checked as a recipient's;
//   - a phone number (anything else): 3 to 20 digits, spaces and
//     "+ ( ) -", with at least 3 digits, landlines and short codes
//     allowed, emergency numbers (999, 112) not.
//
// Whatever the kind it is at most MaxContactLinkLength characters and has
// no control or invisible formatting characters. Removing the contact
// link is done with nil in the admin API, never with an empty string.

// MaxContactLinkLength is the longest contact link, in characters (the
// length of upstream's column).
const MaxContactLinkLength = 255

// Refusals of a contact link, in the words of upstream's admin app where
// it has them.
const (
	MsgContactLinkEmpty     = "Cannot be empty"
	MsgContactLinkTooLong   = "Cannot be longer than 255 characters"
	MsgContactLinkControl   = "Cannot contain control characters"
	MsgContactLinkURL       = "Enter a URL in the correct format, starting with https://"
	MsgContactLinkEmail     = "Enter an email address in the correct format, like name@example.gov.uk"
	MsgContactLinkPhone     = "Enter a phone number in the correct format"
	MsgContactLinkEmergency = "Phone number cannot be an emergency number"
)

// emergencyNumbers are the numbers a contact link may not be.
var emergencyNumbers = []string{"999", "112"}

// CheckContactLink checks a contact link as it is about to be stored
// (surrounding spaces are the caller's to trim) and returns a
// ValidationError on "contact_link" with the first rule it breaks.
func CheckContactLink(link string) error {
	if msg := contactLinkProblem(link); msg != "" {
		return ValidationError("contact_link", msg)
	}
	return nil
}

func contactLinkProblem(link string) string {
	switch {
	case strings.TrimSpace(link) == "":
		return MsgContactLinkEmpty
	case !utf8.ValidString(link):
		return MsgContactLinkControl
	case utf8.RuneCountInString(link) > MaxContactLinkLength:
		return MsgContactLinkTooLong
	}
	for _, r := range link {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return MsgContactLinkControl
		}
	}
	switch {
	case strings.Contains(link, "@") && !strings.Contains(link, "://"):
		if _, err := ValidateEmail(link); err != nil || strings.ContainsAny(link, " \t") {
			return MsgContactLinkEmail
		}
	case strings.Contains(link, ":") || strings.Contains(link, "."):
		if !validContactURL(link) {
			return MsgContactLinkURL
		}
	default:
		return phoneContactProblem(link)
	}
	return ""
}

// validContactURL reports whether s is an absolute https URL with a host
// name that has a dot, no user information and no spaces.
func validContactURL(s string) bool {
	if strings.ContainsAny(s, " \t<>") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" {
		return false
	}
	host := u.Hostname()
	return host != "" && strings.Contains(strings.Trim(host, "."), ".") && !strings.ContainsAny(host, "_")
}

// phoneContactProblem checks a phone number given as contact details.
func phoneContactProblem(s string) string {
	if n := len(s); n < 3 || n > 20 {
		return MsgContactLinkPhone
	}
	var digits strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '+' || r == '(' || r == ')' || r == '-':
		default:
			return MsgContactLinkPhone
		}
	}
	d := digits.String()
	if len(d) < 3 {
		return MsgContactLinkPhone
	}
	for _, e := range emergencyNumbers {
		if d == e {
			return MsgContactLinkEmergency
		}
	}
	return ""
}
