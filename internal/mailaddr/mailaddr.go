// Package mailaddr checks the addresses the email providers put in
// headers.
package mailaddr

import (
	"fmt"
	"net/mail"
	"strings"
)

// CheckReplyTo accepts a Reply-To address only when it is one bare
// address, so that nothing in it can add a header, a second address or a
// display name to the message: no line break or other control character,
// and net/mail reads it back as exactly itself.
func CheckReplyTo(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("reply-to address %q has a control character", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return fmt.Errorf("reply-to address: %w", err)
	}
	if a.Name != "" || a.Address != s {
		return fmt.Errorf("reply-to address %q is not one bare address", s)
	}
	return nil
}
