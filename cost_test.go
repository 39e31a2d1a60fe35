package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// Upstream: tests/app/notifications/test_validators.py
// test_validate_and_format_recipient_gets_correct_info_for_international_numbers,
// ..._succeeds_with_international_numbers_if_service_does_allow_int_sms and
// ..._gets_correct_info_for_landline_numbers, through SendSMS: the stored
// notification carries the normalised number, whether it is international,
// its prefix and its rate multiplier.
func TestSendSMSRecordsTheInternationalRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		recipient     string
		normalised    string
		international bool
		prefix        string
		multiplier    float64
	}{
		{"UK", "7900900123", "447900900123", false, "44", 1},
		{"UK with +44", "+447900900123", "447900900123", false, "44", 1},
		{"UK (Jersey)", "07797292290", "447797292290", true, "44", 2},
		{"Russia", "74957108855", "74957108855", true, "7", 10},
		{"Hungary", "360623400400", "3623400400", true, "36", 2},
		{"Egypt", "20-12-1234-1234", "201212341234", true, "20", 7},
		{"UK landline", "02077091001", "442077091001", false, "44", 1},
		{"UK landline with +44", "+442077091002", "442077091002", false, "44", 1},
		{"UK landline with spaces", "020 7709 1000", "442077091000", false, "44", 1},
		{"Ofcom TV number", "07700 900789", "447700900789", false, "44", 1},
	}
	f := newFixture(t, notify.Service{Restricted: false, Permissions: []notify.Permission{
		notify.PermissionSMS, notify.PermissionInternationalSMS, notify.PermissionUKLandlines}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nt, err := f.sendSMS(notify.KeyTypeLive, tt.recipient)
			require.NoError(t, err)
			got := f.env.Get(t, nt.ID)
			assert.Equal(t, tt.recipient, got.To)
			assert.Equal(t, tt.normalised, got.NormalisedTo)
			assert.Equal(t, tt.international, got.International)
			assert.Equal(t, tt.prefix, got.PhonePrefix)
			assert.Equal(t, tt.multiplier, got.RateMultiplier)
		})
	}
}

// Upstream: notifications-utils tests/recipient_validation/test_phone_number.py
// test_get_international_info (international_phone_info_fixtures and
// tv_numbers_phone_info_fixtures, their rate_multiplier).
func TestRateMultiplier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		number string
		want   float64
	}{
		{"07723456789", 1},       // UK
		{"07797800123", 2},       // crown dependency, billed as +44 abroad
		{"20-12-1234-1234", 7},   // Egypt
		{"16644913789", 6},       // Montserrat
		{"77234567890", 10},      // Russia
		{"1-202-555-0104", 1},    // USA
		{"+23052512345", 4},      // Mauritius
		{"+447700900030", 1},     // Ofcom TV number
		{"+33 6 12 34 56 78", 2}, // France
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			t.Parallel()
			pn, err := notify.ParsePhoneNumber(tt.number)
			require.NoError(t, err)
			assert.Equal(t, tt.want, notify.RateMultiplier(pn))
		})
	}
}
