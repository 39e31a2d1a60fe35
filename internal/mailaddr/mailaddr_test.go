package mailaddr

import "testing"

func TestCheckReplyTo(t *testing.T) {
	for _, ok := range []string{"replies@example.com", "a.b+c@sub.example.gov.uk"} {
		if err := CheckReplyTo(ok); err != nil {
			t.Errorf("CheckReplyTo(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{
		"", "not an address", "a@example.com\r\nBcc: x@example.com", "a@example.com\n",
		"Name <a@example.com>", "a@example.com, b@example.com", "<a@example.com>", "a@example.com\x7f",
	} {
		if err := CheckReplyTo(bad); err == nil {
			t.Errorf("CheckReplyTo(%q) = nil, want an error", bad)
		}
	}
}
