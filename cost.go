package notify

import "github.com/notifykit/notify/internal/billing"

// RateMultiplier is the international rate multiplier of a text message to
// pn, as upstream bills it: 1 within the UK (Ofcom's TV numbers included),
// otherwise the entry for its prefix in GOV.UK Notify's billing table
// (crown dependencies are billed as +44 abroad, e.g. 2 for Jersey; 10 for
// Russia). A prefix the table lacks costs 1. The notification's
// cost_in_pounds is fragments times this times the SMS rate.
func RateMultiplier(pn PhoneNumber) float64 {
	if !pn.International {
		return 1
	}
	if m, ok := billing.RateMultiplier(pn.Prefix); ok {
		return m
	}
	return 1
}
