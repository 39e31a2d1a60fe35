package smtp

import "github.com/notifykit/notify/internal/mailaddr"

// checkReplyTo refuses a Reply-To address that is not one bare address
// (see mailaddr.CheckReplyTo).
func checkReplyTo(s string) error { return mailaddr.CheckReplyTo(s) }
