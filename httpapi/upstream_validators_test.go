package httpapi_test

// Cases from alphagov/notifications-api tests/app/notifications/test_validators.py,
// which calls the validators directly; here each goes through POST
// /v2/notifications/{sms,email}, so the answer is the one a client sees.
// The reply-to and SMS sender id cases are in TestUpstreamValidatorsSenders;
// letters and files by email are left out.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

const (
	upstreamTrialMsg = "Can’t send to this recipient when service is in trial mode – see https://www.notifications.service.gov.uk/trial-mode"
	upstreamTeamMsg  = "Can’t send to this recipient using a team-only API key"
)

var (
	smsEmail     = []notify.Permission{notify.PermissionSMS, notify.PermissionEmail}
	smsEmailIntl = []notify.Permission{notify.PermissionSMS, notify.PermissionEmail, notify.PermissionInternationalSMS}
)

// fill sends n notifications that count against today's limits.
func fill(t *testing.T, e *env, k notify.KeyType, n int, body func(e *env) any) {
	t.Helper()
	for i := 0; i < n; i++ {
		res := e.do(t, http.MethodPost, pathOf(body(e)), body(e), e.keys[k])
		require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	}
}

// pathOf is the v2 send path of a request body.
func pathOf(body any) string {
	if _, ok := body.(map[string]any)["email_address"]; ok {
		return "/v2/notifications/email"
	}
	return "/v2/notifications/sms"
}

func TestUpstreamValidatorsDailyLimits(t *testing.T) {
	t.Parallel()
	limits := notify.Service{Permissions: smsEmailIntl, SMSMessageLimit: 4, EmailMessageLimit: 4, InternationalSMSMessageLimit: 4}
	// A text message abroad counts against sms too, which is checked
	// first: the international case needs room for sms.
	intlLimits := limits
	intlLimits.SMSMessageLimit = 10
	var cases []upstreamCase
	for _, kt := range []notify.KeyType{notify.KeyTypeTeam, notify.KeyTypeLive} {
		for _, ch := range []struct {
			limit string
			to    func(e *env) any
		}{
			{"sms", func(e *env) any { return smsBody(e, teamPhone) }},
			{"email", func(e *env) any { return emailBody(e, teamEmail) }},
			// A number outside +44, in the team so a team key may send to
			// it.
			{"international_sms", func(e *env) any { return smsBody(e, "+33 6 12 34 56 78") }},
		} {
			body := ch.to
			svc := limits
			if ch.limit == "international_sms" {
				svc = intlLimits
			}
			cases = append(cases, upstreamCase{
				name: fmt.Sprintf("TestCheckServiceMessageLimit.test_check_service_message_limit_over_message_limit_fails[%s-%s]", kt, ch.limit),
				svc:  svc,
				key:  kt,
				setup: func(t *testing.T, e *env) {
					require.NoError(t, e.n.AddTeamMember(ctx, notify.TeamMember{ServiceID: e.svc.ID, MobileNumber: "+33 6 12 34 56 78"}))
					fill(t, e, kt, 4, body)
				},
				pathFunc: func(_ *testing.T, e *env) string { return pathOf(body(e)) },
				bodyFunc: body,
				status:   429,
				errs:     []any{errItem("TooManyRequestsError", "Exceeded send limits ("+ch.limit+": 4) for today")},
			})
		}
	}
	cases = append(cases,
		upstreamCase{
			name: "test_check_service_over_daily_message_limit_should_not_interact_with_cache_for_test_key",
			svc:  limits, key: notify.KeyTypeSimulate,
			setup: func(t *testing.T, e *env) {
				fill(t, e, notify.KeyTypeSimulate, 5, func(e *env) any { return smsBody(e, stranger) })
			},
			path:     "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, stranger) },
			status:   201,
		},
		upstreamCase{
			name: "test_validate_and_format_recipient_raises_when_service_over_daily_limit_for_international_sms",
			svc:  notify.Service{Permissions: smsEmailIntl, InternationalSMSMessageLimit: 4},
			setup: func(t *testing.T, e *env) {
				fill(t, e, notify.KeyTypeLive, 4, func(e *env) any { return smsBody(e, "+33 6 12 34 56 78") })
			},
			path:     "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, "20-12-1234-1234") },
			status:   429,
			errs:     []any{errItem("TooManyRequestsError", "Exceeded send limits (international_sms: 4) for today")},
		},
		upstreamCase{
			name: "test_validate_and_format_recipient_doesnt_raise_for_crown_dependency_num_when_service_over_daily_intl_sms_limit",
			svc:  notify.Service{Permissions: smsEmailIntl, InternationalSMSMessageLimit: 4},
			setup: func(t *testing.T, e *env) {
				fill(t, e, notify.KeyTypeLive, 4, func(e *env) any { return smsBody(e, "+33 6 12 34 56 78") })
			},
			path:     "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, "+44 7797 100 100") },
			status:   201,
		},
	)
	runUpstream(t, cases)
}

func TestUpstreamValidatorsTemplates(t *testing.T) {
	t.Parallel()
	long := func(n int) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			e.sms = addTemplate(t, e, notify.Template{Type: notify.SMS, Content: strings.Repeat("a", n)})
		}
	}
	var cases []upstreamCase
	for _, n := range []int{612, 494, 200, 918} {
		cases = append(cases, upstreamCase{
			name:  fmt.Sprintf("test_check_is_message_too_long_passes[%d-False-sms]", n),
			setup: long(n), path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, stranger) },
			status:   201,
		})
	}
	for _, n := range []int{919, 6000} {
		cases = append(cases, upstreamCase{
			name:  fmt.Sprintf("test_check_is_message_too_long_fails[%d-False]", n),
			setup: long(n), path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, stranger) },
			status:   400,
			errs: []any{errItem("BadRequestError", fmt.Sprintf(
				"Your message is too long. Text messages cannot be longer than 918 characters. Your message is %d characters long.", n))},
		})
	}
	cases = append(cases,
		upstreamCase{
			// The prefix ("Test Service: ") is not counted.
			name: "test_check_is_message_too_long_fails[919-True]",
			svc:  notify.Service{PrefixSMS: true}, setup: long(919), path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, stranger) },
			status:   400,
			errs: []any{errItem("BadRequestError",
				"Your message is too long. Text messages cannot be longer than 918 characters. Your message is 919 characters long.")},
		},
		upstreamCase{
			name: "test_check_is_message_too_long_passes_for_long_email",
			setup: func(t *testing.T, e *env) {
				e.email = addTemplate(t, e, notify.Template{Type: notify.Email, Subject: "s", Content: strings.Repeat("a", 2_000_001)})
			},
			path:     "/v2/notifications/email",
			bodyFunc: func(e *env) any { return emailBody(e, teamEmail) },
			status:   400,
			errs: []any{errItem("BadRequestError",
				"Your message is too long. Emails cannot be longer than 2000000 bytes. Your message is 2000001 bytes.")},
		},
		upstreamCase{
			name: "test_check_notification_content_is_not_empty_passes",
			setup: func(t *testing.T, e *env) {
				e.sms = addTemplate(t, e, notify.Template{Type: notify.SMS, Content: "Content is not empty"})
			},
			path:     "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, stranger) },
			status:   201,
		},
		upstreamCase{
			name: "test_check_notification_content_is_not_empty_fails[((placeholder))-notification_values1]",
			setup: func(t *testing.T, e *env) {
				e.sms = addTemplate(t, e, notify.Template{Type: notify.SMS, Content: "((placeholder))"})
			},
			path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": stranger, "template_id": e.sms.ID.String(), "personalisation": map[string]any{"placeholder": ""}}
			},
			status: 400,
			errs:   []any{errItem("BadRequestError", "Your message is empty.")},
		},
		upstreamCase{
			name: "test_check_template_is_for_notification_type_fails_when_template_type_does_not_match_notification_type[sms-email]",
			path: "/v2/notifications/email",
			bodyFunc: func(e *env) any {
				return map[string]any{"email_address": teamEmail, "template_id": e.sms.ID.String()}
			},
			status: 400,
			errs:   []any{errItem("BadRequestError", "sms template is not suitable for email notification")},
		},
		upstreamCase{
			name: "test_check_template_is_for_notification_type_fails_when_template_type_does_not_match_notification_type[email-sms]",
			path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": teamPhone, "template_id": e.email.ID.String()}
			},
			status: 400,
			errs:   []any{errItem("BadRequestError", "email template is not suitable for sms notification")},
		},
		upstreamCase{
			name: "test_check_template_is_for_notification_type_pass[email-email]",
			path: "/v2/notifications/email", bodyFunc: func(e *env) any { return emailBody(e, teamEmail) },
			status: 201,
		},
		upstreamCase{
			name: "test_check_template_is_for_notification_type_pass[sms-sms]",
			path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, teamPhone) },
			status: 201,
		},
		upstreamCase{
			name: "test_check_template_is_active_fails",
			setup: func(t *testing.T, e *env) {
				_, err := e.n.ArchiveTemplate(ctx, e.svc.ID, e.sms.ID)
				require.NoError(t, err)
			},
			path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, teamPhone) },
			status: 400,
			errs:   []any{errItem("BadRequestError", "Template has been deleted")},
		},
	)
	runUpstream(t, cases)
}

func TestUpstreamValidatorsRecipients(t *testing.T) {
	t.Parallel()
	trial := notify.Service{Restricted: true, Permissions: smsEmailIntl}
	var cases []upstreamCase
	for _, kt := range []notify.KeyType{notify.KeyTypeSimulate, notify.KeyTypeLive} {
		cases = append(cases,
			upstreamCase{
				name: fmt.Sprintf("test_service_can_send_to_recipient_passes[%s]/email", kt),
				svc:  trial, key: kt, path: "/v2/notifications/email",
				bodyFunc: func(e *env) any { return emailBody(e, teamEmail) }, status: 201,
			},
			upstreamCase{
				name: fmt.Sprintf("test_service_can_send_to_recipient_passes[%s]/sms", kt),
				svc:  trial, key: kt, path: "/v2/notifications/sms",
				bodyFunc: func(e *env) any { return smsBody(e, teamPhone) }, status: 201,
			},
			upstreamCase{
				name: fmt.Sprintf("test_service_can_send_to_recipient_passes_for_live_service_non_team_member[%s]/email", kt),
				svc:  notify.Service{Permissions: smsEmail}, key: kt, path: "/v2/notifications/email",
				bodyFunc: func(e *env) any { return emailBody(e, "some_other_email@test.com") }, status: 201,
			},
			upstreamCase{
				name: fmt.Sprintf("test_service_can_send_to_recipient_passes_for_live_service_non_team_member[%s]/sms", kt),
				svc:  notify.Service{Permissions: smsEmail}, key: kt, path: "/v2/notifications/sms",
				bodyFunc: func(e *env) any { return smsBody(e, "07513332413") }, status: 201,
			},
		)
	}
	for _, m := range []struct{ user, recipient string }{
		{"0048601234567", "+486 012 34567"},
		{"07513332413", "(07513) 332413"},
	} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_service_can_send_to_recipient_passes_with_non_normalised_number[%s-%s]", m.user, m.recipient),
			svc:  notify.Service{Permissions: smsEmailIntl}, key: notify.KeyTypeTeam,
			setup: func(t *testing.T, e *env) {
				require.NoError(t, e.n.AddTeamMember(ctx, notify.TeamMember{ServiceID: e.svc.ID, MobileNumber: m.user}))
			},
			path:     "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, m.recipient) }, status: 201,
		})
	}
	cases = append(cases,
		upstreamCase{
			name: "test_service_can_send_to_recipient_passes_with_non_normalised_email[test@example.com-TeSt@EXAMPLE.com]",
			svc:  notify.Service{Permissions: smsEmail}, key: notify.KeyTypeTeam,
			setup: func(t *testing.T, e *env) {
				require.NoError(t, e.n.AddTeamMember(ctx, notify.TeamMember{ServiceID: e.svc.ID, EmailAddress: "test@example.com"}))
			},
			path:     "/v2/notifications/email",
			bodyFunc: func(e *env) any { return emailBody(e, "TeSt@EXAMPLE.com") }, status: 201,
		},
		upstreamCase{
			name: "test_service_can_send_to_recipient_passes_for_guest_list_recipient_passes/email",
			svc:  notify.Service{Permissions: smsEmail}, key: notify.KeyTypeTeam,
			setup: func(t *testing.T, e *env) {
				require.NoError(t, e.n.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: e.svc.ID, Recipient: "some_other_email@test.com"}))
			},
			path:     "/v2/notifications/email",
			bodyFunc: func(e *env) any { return emailBody(e, "some_other_email@test.com") }, status: 201,
		},
		upstreamCase{
			name: "test_service_can_send_to_recipient_passes_for_guest_list_recipient_passes/sms",
			svc:  notify.Service{Permissions: smsEmail}, key: notify.KeyTypeTeam,
			setup: func(t *testing.T, e *env) {
				require.NoError(t, e.n.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: e.svc.ID, Recipient: "07513332413"}))
			},
			path:     "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, "07513332413") }, status: 201,
		},
	)
	for _, r := range []string{"07513332413", "some_other_email@test.com"} {
		for _, k := range []struct {
			kt  notify.KeyType
			msg string
		}{{notify.KeyTypeTeam, upstreamTeamMsg}, {notify.KeyTypeLive, upstreamTrialMsg}} {
			body := func(e *env) any { return smsBody(e, r) }
			if strings.Contains(r, "@") {
				body = func(e *env) any { return emailBody(e, r) }
			}
			cases = append(cases, upstreamCase{
				name: fmt.Sprintf("test_service_can_send_to_recipient_fails_when_recipient_is_not_on_team[%s-%s]", k.kt, r),
				svc:  trial, key: k.kt,
				pathFunc: func(_ *testing.T, e *env) string { return pathOf(body(e)) }, bodyFunc: body,
				status: 400, errs: []any{errItem("BadRequestError", k.msg)},
			})
		}
	}
	cases = append(cases,
		upstreamCase{
			// Upstream calls the recipient check alone; through the API the
			// request schema checks the 10-digit number first, and the
			// phone rules find it invalid.
			name: "test_service_can_send_to_recipient_fails_when_mobile_number_is_not_on_team",
			svc:  notify.Service{Permissions: smsEmail}, key: notify.KeyTypeTeam, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, "0758964221") },
			status:   400, errs: []any{errItem("ValidationError", "phone_number Number is not valid – double check the phone number you entered")},
		},
		upstreamCase{
			name: "test_service_can_send_to_recipient_fails_when_mobile_number_is_not_on_team/valid number",
			svc:  notify.Service{Permissions: smsEmail}, key: notify.KeyTypeTeam, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, "07589642210") },
			status:   400, errs: []any{errItem("BadRequestError", upstreamTeamMsg)},
		},
	)
	for _, kt := range []notify.KeyType{notify.KeyTypeSimulate, notify.KeyTypeLive} {
		cases = append(cases,
			upstreamCase{
				name: fmt.Sprintf("test_validate_and_format_recipient_fails_when_international_number_and_service_does_not_allow_int_sms[%s]", kt),
				svc:  notify.Service{Permissions: []notify.Permission{notify.PermissionSMS}}, key: kt,
				path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, "20-12-1234-1234") },
				status: 400, errs: []any{errItem("BadRequestError", "Cannot send to international mobile numbers")},
			},
			upstreamCase{
				name: fmt.Sprintf("test_validate_and_format_recipient_succeeds_with_international_numbers_if_service_does_allow_int_sms[%s]", kt),
				svc:  notify.Service{Permissions: smsEmailIntl}, key: kt,
				path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, "20-12-1234-1234") },
				status: 201,
				check:  costCheck(7),
			},
		)
	}
	for _, r := range []struct {
		to   string
		mult float64
	}{
		{"7900900123", 1}, {"+447900900123", 1}, {"07797292290", 2}, {"74957108855", 10}, {"360623400400", 2},
	} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_validate_and_format_recipient_gets_correct_info_for_international_numbers[%s]", r.to),
			svc:  notify.Service{Permissions: smsEmailIntl},
			path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, r.to) },
			status: 201, check: costCheck(r.mult),
		})
	}
	for _, r := range []string{"02077091001", "+442077091002", "020 7709 1000"} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_validate_and_format_recipient_gets_correct_info_for_landline_numbers[%s]", r),
			svc:  notify.Service{Permissions: []notify.Permission{notify.PermissionSMS, notify.PermissionUKLandlines}},
			path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, r) },
			status: 201, check: costCheck(1),
		})
	}
	for _, r := range []string{"7900900123", "+447900   900 123", "  07700900222", "07700900222", " 74952122020",
		"36705450911", "-077-00900222-", "(3670545(0911))"} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_validate_and_format_recipient_normalises_numbers[%s]", r),
			svc:  notify.Service{Permissions: smsEmailIntl},
			path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, r) },
			status: 201,
			check: func(t *testing.T, e *env, res response) {
				got := e.do(t, http.MethodGet, "/v2/notifications/"+created(t, res), nil, e.keys[notify.KeyTypeLive])
				if strings.Contains(r, "7700900222") || strings.Contains(r, "77-00900222") {
					// It normalises to 447700900222, a simulated number:
					// answered, never stored.
					assert.Equal(t, http.StatusNotFound, got.status)
					return
				}
				// The API answers with the number as supplied, trimmed.
				assert.Equal(t, strings.TrimSpace(r), got.body["phone_number"])
			},
		})
	}
	cases = append(cases, upstreamCase{
		name: "test_validate_and_format_recipient_without_send_to_landline_permission_raises_InvalidPhoneError",
		svc:  notify.Service{Permissions: smsEmail},
		path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return smsBody(e, "+442077091002") },
		status: 400, errs: []any{errItem("InvalidPhoneError", "Not a UK mobile number")},
	})
	runUpstream(t, cases)
}

// costCheck delivers the notification and checks its international rate
// multiplier as GET /v2/notifications/{id} reports it.
func costCheck(mult float64) func(t *testing.T, e *env, res response) {
	return func(t *testing.T, e *env, res response) {
		t.Helper()
		id := created(t, res)
		e.deliverAll(t)
		got := e.do(t, http.MethodGet, "/v2/notifications/"+id, nil, e.keys[notify.KeyTypeLive])
		if got.status == http.StatusNotFound {
			// A notification sent with a simulate key is read with a
			// simulate key.
			got = e.do(t, http.MethodGet, "/v2/notifications/"+id, nil, e.keys[notify.KeyTypeSimulate])
		}
		require.Equal(t, http.StatusOK, got.status, "%s", got.raw)
		details, _ := got.body["cost_details"].(map[string]any)
		assert.Equal(t, mult, details["international_rate_multiplier"], "%s", got.raw)
		assert.Equal(t, httpapi.DefaultSMSRate, details["sms_rate"])
	}
}

// TestUpstreamValidatorsRateLimit: test_check_token_bucket_service_over_api_rate_limit_when_exceed_rate_limit_request_fails_raises_error,
// for each key type: once the default bucket (1000 tokens) is empty the
// next request is refused, before its body is read.
func TestUpstreamValidatorsRateLimit(t *testing.T) {
	t.Parallel()
	for _, kt := range []struct {
		key  notify.KeyType
		name string
	}{{notify.KeyTypeTeam, "TEAM"}, {notify.KeyTypeLive, "LIVE"}, {notify.KeyTypeSimulate, "TEST"}} {
		t.Run("test_check_token_bucket_service_over_api_rate_limit_when_exceed_rate_limit_request_fails_raises_error["+strings.ToLower(kt.name)+"]", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, notify.Service{})
			tok := "Bearer " + e.token(t, e.keys[kt.key])
			refused := -1
			for i := 0; i < 5000 && refused < 0; i++ {
				res := e.doAuth(t, http.MethodPost, "/v2/notifications/sms", "", tok)
				if res.status == http.StatusTooManyRequests {
					refused = i
					assert.Equal(t, v2err(429, "RateLimitError", "Exceeded rate limit for key type "+kt.name+" of 3000 requests per 60 seconds"), res.body)
				}
			}
			// 1000 tokens, and up to 50 a second more while the loop runs.
			assert.GreaterOrEqual(t, refused, 1000)
		})
	}
}

// TestUpstreamValidatorsSenders: the cases of test_validators.py for
// check_service_sms_sender_id, check_service_email_reply_to_id and
// check_reply_to (letter contacts left out). Upstream calls them with a
// service id and a sender id; here the service sends, so "service id is
// not found" is a sender of another service named by this one.
func TestUpstreamValidatorsSenders(t *testing.T) {
	t.Parallel()
	svc := notify.Service{Permissions: smsEmail}
	// another creates a second service, whose senders this one may not use.
	another := func(t *testing.T, e *env) uuid.UUID {
		t.Helper()
		other, err := e.n.CreateService(ctx, notify.Service{Name: "Another service"})
		require.NoError(t, err)
		return other.ID
	}
	refused := func(ids *envIDs, field string) func(t *testing.T, e *env, res response) {
		return func(t *testing.T, e *env, res response) {
			assert.Equal(t, []any{errItem("BadRequestError", fmt.Sprintf(
				"%s %s does not exist in database for service id %s", field, ids.get(e), e.svc.ID))}, res.body["errors"])
		}
	}
	sms := func(ids *envIDs) func(e *env) any {
		return func(e *env) any {
			b := smsBody(e, teamPhone)
			b["sms_sender_id"] = ids.get(e).String()
			return b
		}
	}
	email := func(ids *envIDs) func(e *env) any {
		return func(e *env) any {
			b := emailBody(e, teamEmail)
			b["email_reply_to_id"] = ids.get(e).String()
			return b
		}
	}
	fromIs := func(want string) func(t *testing.T, e *env, res response) {
		return func(t *testing.T, e *env, res response) {
			assert.Equal(t, want, res.body["content"].(map[string]any)["from_number"])
			assert.Equal(t, want, stored(t, e, res).From)
		}
	}
	replyToIs := func(want string) func(t *testing.T, e *env, res response) {
		return func(t *testing.T, e *env, res response) {
			assert.Equal(t, want, stored(t, e, res).ReplyTo)
		}
	}
	var foundReply, otherReply, unknownReply, foundSender, otherSender, unknownSender, replyType, senderType envIDs
	cases := []upstreamCase{
		{
			name: "test_check_service_email_reply_to_where_email_reply_to_is_found",
			svc:  svc, path: "/v2/notifications/email",
			setup: func(t *testing.T, e *env) {
				foundReply.set(e, daoReplyTo(t, e, e.svc.ID, "test@test.com", false, false))
			},
			bodyFunc: email(&foundReply), status: 201, check: replyToIs("test@test.com"),
		},
		{
			name: "test_check_service_email_reply_to_id_where_service_id_is_not_found",
			svc:  svc, path: "/v2/notifications/email",
			setup: func(t *testing.T, e *env) {
				otherReply.set(e, daoReplyTo(t, e, another(t, e), "test@test.com", false, false))
			},
			bodyFunc: email(&otherReply), status: 400, check: refused(&otherReply, "email_reply_to_id"),
		},
		{
			name: "test_check_service_email_reply_to_id_where_reply_to_id_is_not_found",
			svc:  svc, path: "/v2/notifications/email",
			setup:    func(t *testing.T, e *env) { unknownReply.set(e, uuid.New()) },
			bodyFunc: email(&unknownReply), status: 400, check: refused(&unknownReply, "email_reply_to_id"),
		},
		{
			name: "test_check_service_sms_sender_id_where_sms_sender_id_is_found",
			svc:  svc, path: "/v2/notifications/sms",
			setup: func(t *testing.T, e *env) {
				upstreamSenders(t, e)
				foundSender.set(e, daoSMSSender(t, e, e.svc.ID, "123456", false, false))
			},
			bodyFunc: sms(&foundSender), status: 201, check: fromIs("123456"),
		},
		{
			name: "test_check_service_sms_sender_id_where_service_id_is_not_found",
			svc:  svc, path: "/v2/notifications/sms",
			setup: func(t *testing.T, e *env) {
				upstreamSenders(t, e)
				otherSender.set(e, daoSMSSender(t, e, another(t, e), "123456", false, false))
			},
			bodyFunc: sms(&otherSender), status: 400, check: refused(&otherSender, "sms_sender_id"),
		},
		{
			name: "test_check_service_sms_sender_id_where_sms_sender_is_not_found",
			svc:  svc, path: "/v2/notifications/sms",
			setup: func(t *testing.T, e *env) {
				upstreamSenders(t, e)
				unknownSender.set(e, uuid.New())
			},
			bodyFunc: sms(&unknownSender), status: 400, check: refused(&unknownSender, "sms_sender_id"),
		},
		// Without an id the service's default is used: its default SMS
		// sender, and no reply-to address when it has none.
		{
			name: "test_check_reply_to_with_empty_reply_to[sms-func1]",
			svc:  svc, setup: upstreamSenders, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return smsBody(e, teamPhone) }, status: 201, check: fromIs("testing"),
		},
		{
			name: "test_check_reply_to_with_empty_reply_to[email-func0]",
			svc:  svc, path: "/v2/notifications/email",
			bodyFunc: func(e *env) any { return emailBody(e, teamEmail) }, status: 201, check: replyToIs(""),
		},
		{
			name: "test_check_reply_to_email_type",
			svc:  svc, path: "/v2/notifications/email",
			setup: func(t *testing.T, e *env) {
				replyType.set(e, daoReplyTo(t, e, e.svc.ID, "test@test.com", false, false))
			},
			bodyFunc: email(&replyType), status: 201, check: replyToIs("test@test.com"),
		},
		{
			name: "test_check_reply_to_sms_type",
			svc:  svc, path: "/v2/notifications/sms",
			setup: func(t *testing.T, e *env) {
				upstreamSenders(t, e)
				senderType.set(e, daoSMSSender(t, e, e.svc.ID, "123456", false, false))
			},
			bodyFunc: sms(&senderType), status: 201, check: fromIs("123456"),
		},
	}
	runUpstream(t, cases)
}
