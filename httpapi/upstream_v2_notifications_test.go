package httpapi_test

// Cases from alphagov/notifications-api tests/app/v2/notifications/:
// test_post_notifications.py (today's, and a few cases of its 2020 copy
// that have since gone), test_get_notifications.py and
// test_notification_schemas.py (the schema cases are sent through the
// API). The cases with sms_sender_id and email_reply_to_id are in
// TestUpstreamPostNotificationsSenders; letters, inbound numbers as
// senders, files by email and CSV jobs are left out.

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

// placeholderTemplates gives the env upstream's
// sample_template_with_placeholders and
// sample_email_template_with_placeholders.
func placeholderTemplates(t *testing.T, e *env) {
	e.sms = addTemplate(t, e, notify.Template{Type: notify.SMS, Content: "Hello (( Name))\nYour thing is due soon"})
	e.email = addTemplate(t, e, notify.Template{Type: notify.Email, Subject: "((name))",
		Content: "Hello ((name))\nThis is an email from GOV.UK"})
}

// setStatus moves a notification to status, as upstream's
// create_notification(status=...) makes one.
func setStatus(t *testing.T, e *env, id string, s notify.Status) {
	t.Helper()
	_, err := e.store.TransitionNotification(ctx, uuid.MustParse(id), []notify.Status{notify.StatusCreated},
		notify.NotificationUpdate{Status: s, UpdatedAt: time.Now()})
	require.NoError(t, err)
}

func TestUpstreamPostNotifications(t *testing.T) {
	t.Parallel()
	live := notify.Service{Permissions: smsEmailIntl}
	var cases []upstreamCase
	for _, ref := range []string{"", "reference_from_client"} {
		id := "None"
		if ref != "" {
			id = ref
		}
		cases = append(cases,
			upstreamCase{
				name: "test_post_sms_notification_returns_201[" + id + "]",
				svc:  live, setup: placeholderTemplates, path: "/v2/notifications/sms",
				bodyFunc: func(e *env) any {
					b := map[string]any{"phone_number": "+447700900855", "template_id": e.sms.ID.String(),
						"personalisation": map[string]any{" Name": "Jo"}}
					if ref != "" {
						b["reference"] = ref
					}
					return b
				},
				status: 201,
				check: func(t *testing.T, e *env, res response) {
					nid := created(t, res)
					assert.Equal(t, map[string]any{"body": "Hello Jo\nYour thing is due soon", "from_number": notify.DefaultSMSSender}, res.body["content"])
					assert.Equal(t, refOrNil(ref), res.body["reference"])
					assert.Contains(t, res.body["uri"], "v2/notifications/"+nid)
					tpl := res.body["template"].(map[string]any)
					assert.Equal(t, e.sms.ID.String(), tpl["id"])
					assert.Equal(t, float64(e.sms.Version), tpl["version"])
					assert.Contains(t, tpl["uri"], "services/"+e.svc.ID.String()+"/templates/"+e.sms.ID.String())
					assert.Nil(t, res.body["scheduled_for"])
					assert.Len(t, e.queue.tasks, 1)
				},
			},
		)
		for _, addr := range []string{"notify@digital.cabinet-office.gov.uk", "\nnotify@digital.cabinet-office.gov.uk "} {
			cases = append(cases, upstreamCase{
				name: "test_post_email_notification_returns_201[" + id + "-" + addr + "]",
				svc:  live, setup: placeholderTemplates, path: "/v2/notifications/email",
				bodyFunc: func(e *env) any {
					b := emailBody(e, addr)
					if ref != "" {
						b["reference"] = ref
					}
					return b
				},
				status: 201,
				check: func(t *testing.T, e *env, res response) {
					nid := created(t, res)
					got := e.do(t, http.MethodGet, "/v2/notifications/"+nid, nil, e.keys[notify.KeyTypeLive])
					assert.Equal(t, "notify@digital.cabinet-office.gov.uk", got.body["email_address"])
					content := res.body["content"].(map[string]any)
					assert.Equal(t, "Hello Bob\nThis is an email from GOV.UK", content["body"])
					assert.Equal(t, "Bob", content["subject"])
					assert.Equal(t, "test.service@notifications.service.gov.uk", content["from_email"])
					assert.Equal(t, refOrNil(ref), res.body["reference"])
					assert.Contains(t, res.body["uri"], "v2/notifications/"+nid)
					tpl := res.body["template"].(map[string]any)
					assert.Equal(t, e.email.ID.String(), tpl["id"])
					assert.Contains(t, tpl["uri"], "services/"+e.svc.ID.String()+"/templates/"+e.email.ID.String())
					assert.Nil(t, res.body["scheduled_for"])
					assert.Len(t, e.queue.tasks, 1)
				},
			})
		}
	}
	for _, ch := range []struct{ typ, field, to string }{
		{"sms", "phone_number", "+447700900855"},
		{"email", "email_address", "sample@email.com"},
	} {
		cases = append(cases,
			upstreamCase{
				name: "test_post_notification_returns_400_and_missing_template[" + ch.typ + "]",
				svc:  live, path: "/v2/notifications/" + ch.typ,
				body:   map[string]any{ch.field: ch.to, "template_id": uuid.NewString()},
				status: 400, errs: []any{errItem("BadRequestError", "Template not found")},
			},
			upstreamCase{
				name: "test_notification_returns_400_and_for_schema_problems[" + ch.typ + "]", anyOrder: true,
				svc: live, path: "/v2/notifications/" + ch.typ,
				bodyFunc: func(e *env) any { return map[string]any{ch.field: ch.to, "template": e.sms.ID.String()} },
				status:   400, errs: []any{
					errItem("ValidationError", "template_id is a required property"),
					errItem("ValidationError", "Additional properties are not allowed (template was unexpected)")},
			},
			upstreamCase{
				// Upstream patches check_rate_limiting to raise; here a
				// service with rate_limit 1 has a bucket of 2 tokens, and a
				// request needs one left after its own.
				name: "test_returns_a_429_limit_exceeded_if_rate_limit_exceeded[" + ch.typ + "]",
				svc:  notify.Service{Permissions: smsEmail, RateLimit: 1},
				setup: func(t *testing.T, e *env) {
					for range 1 {
						res := e.do(t, http.MethodPost, "/v2/notifications/"+ch.typ, "", e.keys[notify.KeyTypeLive])
						require.Equal(t, 400, res.status)
					}
				},
				path:     "/v2/notifications/" + ch.typ,
				bodyFunc: func(e *env) any { return sendTo(e, ch.typ, ch.to) },
				status:   429,
				errs:     []any{errItem("RateLimitError", "Exceeded rate limit for key type LIVE of 1 requests per 60 seconds")},
				check: func(t *testing.T, e *env, res response) {
					assert.Empty(t, e.queue.tasks, "nothing persisted or queued")
				},
			},
			upstreamCase{
				name: "test_send_notification_uses_priority_queue_when_template_is_marked_as_priority[" + ch.typ + "]",
				svc:  live,
				setup: func(t *testing.T, e *env) {
					if ch.typ == "sms" {
						e.sms = addTemplate(t, e, notify.Template{Type: notify.SMS, Content: "Hi", ProcessType: notify.ProcessPriority})
					} else {
						e.email = addTemplate(t, e, notify.Template{Type: notify.Email, Subject: "s", Content: "Hi", ProcessType: notify.ProcessPriority})
					}
				},
				path:     "/v2/notifications/" + ch.typ,
				bodyFunc: func(e *env) any { return sendTo(e, ch.typ, ch.to) },
				status:   201,
				check: func(t *testing.T, e *env, res response) {
					require.Len(t, e.queue.tasks, 1)
					assert.Equal(t, []string{"priority"}, e.queue.queues)
				},
			},
			upstreamCase{
				// Scheduled sending is gone upstream: scheduled_for is
				// validated, then ignored, and answered as null (the
				// 2017 cases expected a scheduled notification, or
				// "Cannot schedule notifications (this feature is
				// invite-only)").
				name: "test_post_notification_with_scheduled_for[" + ch.typ + "]",
				svc:  live, path: "/v2/notifications/" + ch.typ,
				bodyFunc: func(e *env) any {
					b := sendTo(e, ch.typ, ch.to)
					b["scheduled_for"] = time.Now().UTC().Add(15 * time.Minute).Format("2006-01-02 15:04")
					return b
				},
				status: 201,
				check:  func(t *testing.T, e *env, res response) { assert.Nil(t, res.body["scheduled_for"]) },
			},
			upstreamCase{
				name: "test_post_notification_returns_201_when_content_type_is_missing_but_payload_is_valid_json[" + ch.typ + "]",
				svc:  live, path: "/v2/notifications/" + ch.typ,
				bodyFunc: func(e *env) any { return sendTo(e, ch.typ, ch.to) },
				status:   201,
			},
			upstreamCase{
				name: "test_post_email_notification_when_data_is_empty_returns_400[" + ch.typ + "]",
				svc:  live, path: "/v2/notifications/" + ch.typ, body: "null",
				status: 400, errs: []any{
					errItem("ValidationError", ch.field+" is a required property"),
					errItem("ValidationError", "template_id is a required property")},
			},
		)
		for _, ct := range []string{"application/json", "application/text"} {
			cases = append(cases, upstreamCase{
				// The test client form-encodes a dict body.
				name: "test_post_notification_when_payload_is_invalid_json_returns_400[" + ch.typ + "-" + ct + "]",
				svc:  live, path: "/v2/notifications/" + ch.typ, body: "template_id=dont-convert-to-json",
				status: 400, errs: []any{errItem("BadRequestError", "Invalid JSON supplied in POST data")},
			})
		}
	}
	for _, ch := range []struct{ typ, to string }{{"email", "sample@email.com"}, {"sms", "+447700900855"}} {
		cases = append(cases, upstreamCase{
			name: "test_post_notification_with_too_long_reference_returns_400/" + ch.typ,
			svc:  live, path: "/v2/notifications/" + ch.typ,
			bodyFunc: func(e *env) any {
				b := sendTo(e, ch.typ, ch.to)
				b["reference"] = strings.Repeat("a", 1001)
				return b
			},
			status: 400, errs: []any{errItem("ValidationError", "reference "+strings.Repeat("a", 1001)+" is too long")},
		})
	}
	cases = append(cases,
		upstreamCase{
			name: "test_returns_a_429_limit_exceeded_if_rate_limit_exceeded_even_if_would_fail_validation",
			svc:  notify.Service{Permissions: smsEmail, RateLimit: 1},
			setup: func(t *testing.T, e *env) {
				res := e.do(t, http.MethodPost, "/v2/notifications/email", "", e.keys[notify.KeyTypeLive])
				require.Equal(t, 400, res.status)
			},
			path: "/v2/notifications/email",
			bodyFunc: func(e *env) any {
				return map[string]any{"email_address": "invalid email address", "template_id": e.email.ID.String()}
			},
			status: 429, errs: []any{errItem("RateLimitError", "Exceeded rate limit for key type LIVE of 1 requests per 60 seconds")},
		},
		upstreamCase{
			name: "test_post_sms_notification_returns_400_with_correct_error_message_if_empty_string_is_passed_as_phonenumber",
			svc:  notify.Service{Permissions: []notify.Permission{notify.PermissionSMS}}, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return map[string]any{"phone_number": "", "template_id": e.sms.ID.String()} },
			status:   400, errs: []any{errItem("ValidationError", "phone_number Not enough digits")},
		},
		upstreamCase{
			name: "test_post_email_notification_with_unsubscribe_link_returns_201",
			svc:  live, path: "/v2/notifications/email",
			bodyFunc: func(e *env) any {
				b := emailBody(e, teamEmail)
				b["one_click_unsubscribe_url"] = "https://www.someservice.com/unsubscribe?for=anne@example.com"
				return b
			},
			status: 201,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, "https://www.someservice.com/unsubscribe?for=anne@example.com",
					res.body["content"].(map[string]any)["one_click_unsubscribe_url"])
				got := e.do(t, http.MethodGet, "/v2/notifications/"+created(t, res), nil, e.keys[notify.KeyTypeLive])
				assert.Equal(t, "https://www.someservice.com/unsubscribe?for=anne@example.com", got.body["one_click_unsubscribe_url"])
			},
		},
	)
	landlines := []notify.Permission{notify.PermissionSMS, notify.PermissionUKLandlines}
	for i, perms := range [][]notify.Permission{{notify.PermissionSMS}, landlines} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_post_sms_notification_returns_400_if_not_allowed_to_send_int_sms[permissions%d]", i),
			svc:  notify.Service{Permissions: perms}, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return sendTo(e, "sms", "+14158961600") },
			status:   400, errs: []any{errItem("BadRequestError", "Cannot send to international mobile numbers")},
		})
	}
	for i, perms := range [][]notify.Permission{smsEmailIntl, append(slices.Clone(landlines), notify.PermissionInternationalSMS)} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_post_sms_notification_returns_201_if_allowed_to_send_int_sms[permissions%d]", i),
			svc:  notify.Service{Permissions: perms}, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return sendTo(e, "sms", "20-12-1234-1234") },
			status:   201,
		})
	}
	for i, perms := range [][]notify.Permission{landlines, append(slices.Clone(landlines), notify.PermissionInternationalSMS)} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_post_sms_notification_returns_201_if_allowed_to_send_to_uk_landlines[permissions%d]", i),
			svc:  notify.Service{Permissions: perms}, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return sendTo(e, "sms", "01709510122") },
			status:   201,
			check: func(t *testing.T, e *env, res response) {
				got := e.do(t, http.MethodGet, "/v2/notifications/"+created(t, res), nil, e.keys[notify.KeyTypeLive])
				assert.Equal(t, "01709510122", got.body["phone_number"])
			},
		})
	}
	for i, perms := range [][]notify.Permission{{notify.PermissionSMS}, {notify.PermissionSMS, notify.PermissionInternationalSMS}} {
		cases = append(cases, upstreamCase{
			name: fmt.Sprintf("test_post_sms_notification_returns_400_if_not_allowed_to_send_to_uk_landlines[permissions%d]", i),
			svc:  notify.Service{Permissions: perms}, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any { return sendTo(e, "sms", "01709510122") },
			status:   400, errs: []any{errItem("InvalidPhoneError", "Not a UK mobile number")},
		})
	}
	for _, typ := range []string{"sms", "email", "letter"} {
		cases = append(cases, upstreamCase{
			name: "test_post_notification_returns_401_and_well_formed_auth_error[" + typ + "]",
			svc:  live, path: "/v2/notifications/" + typ, noAuth: true,
			bodyFunc: func(e *env) any { return map[string]any{"template_id": e.sms.ID.String()} },
			status:   401, errs: []any{errItem("AuthError", "Unauthorized: authentication token must be provided")},
		})
	}
	for _, r := range []struct{ to, typ string }{
		{"simulate-delivered@notifications.service.gov.uk", "email"},
		{"simulate-delivered-2@notifications.service.gov.uk", "email"},
		{"simulate-delivered-3@notifications.service.gov.uk", "email"},
		{"07700 900000", "sms"}, {"07700 900111", "sms"}, {"07700 900222", "sms"},
	} {
		cases = append(cases, upstreamCase{
			name: "test_should_not_persist_or_send_notification_if_simulated_recipient[" + r.to + "-" + r.typ + "]",
			svc:  live, path: "/v2/notifications/" + r.typ,
			bodyFunc: func(e *env) any { return sendTo(e, r.typ, r.to) },
			status:   201,
			check: func(t *testing.T, e *env, res response) {
				assert.Empty(t, e.queue.tasks)
				got := e.do(t, http.MethodGet, "/v2/notifications/"+created(t, res), nil, e.keys[notify.KeyTypeLive])
				assert.Equal(t, http.StatusNotFound, got.status)
			},
		})
	}
	cases = append(cases,
		upstreamCase{
			name: "test_post_sms_notification_returns_400_if_not_allowed_to_send_notification[07700 900000-phone_number-email-sms-text messages]",
			svc:  notify.Service{Permissions: []notify.Permission{notify.PermissionEmail}},
			path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return sendTo(e, "sms", "07700 900000") },
			status: 400, errs: []any{errItem("BadRequestError", "Service is not allowed to send text messages")},
		},
		upstreamCase{
			name: "test_post_sms_notification_returns_400_if_not_allowed_to_send_notification[someone@test.com-email_address-sms-email-emails]",
			svc:  notify.Service{Permissions: []notify.Permission{notify.PermissionSMS}},
			path: "/v2/notifications/email", bodyFunc: func(e *env) any { return sendTo(e, "email", "someone@test.com") },
			status: 400, errs: []any{errItem("BadRequestError", "Service is not allowed to send emails")},
		},
		upstreamCase{
			name: "test_post_sms_should_persist_supplied_sms_number[+(44) 77009-00855]",
			svc:  live, setup: placeholderTemplates, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": "+(44) 77009-00855", "template_id": e.sms.ID.String(),
					"personalisation": map[string]any{" Name": "Jo"}}
			},
			status: 201,
			check: func(t *testing.T, e *env, res response) {
				got := e.do(t, http.MethodGet, "/v2/notifications/"+created(t, res), nil, e.keys[notify.KeyTypeLive])
				assert.Equal(t, "+(44) 77009-00855", got.body["phone_number"])
				assert.Len(t, e.queue.tasks, 1)
			},
		},
		upstreamCase{
			name: "test_post_sms_should_persist_supplied_sms_number[  +(44) 77009-00855\n]",
			svc:  live, setup: placeholderTemplates, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": "  +(44) 77009-00855\n", "template_id": e.sms.ID.String(),
					"personalisation": map[string]any{" Name": "Jo"}}
			},
			status: 201,
			check: func(t *testing.T, e *env, res response) {
				got := e.do(t, http.MethodGet, "/v2/notifications/"+created(t, res), nil, e.keys[notify.KeyTypeLive])
				assert.Equal(t, "+(44) 77009-00855", got.body["phone_number"])
				assert.Len(t, e.queue.tasks, 1)
			},
		},
		upstreamCase{
			name: "test_post_notification_raises_bad_request_if_not_valid_notification_type",
			svc:  live, path: "/v2/notifications/foo", body: "{}",
			status: 404,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, "error", res.body["result"])
				assert.Contains(t, res.body["message"], "The requested URL was not found on the server.")
			},
		},
		upstreamCase{
			name: "test_post_notification_with_wrong_type_of_sender[sms]",
			svc:  live, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				b := sendTo(e, "sms", "+447700900855")
				b["email_reply_to_id"] = uuid.NewString()
				return b
			},
			status: 400, errs: []any{errItem("ValidationError", "Additional properties are not allowed (email_reply_to_id was unexpected)")},
		},
		upstreamCase{
			name: "test_post_notification_with_wrong_type_of_sender[email]",
			svc:  live, path: "/v2/notifications/email",
			bodyFunc: func(e *env) any {
				b := sendTo(e, "email", "test@test.com")
				b["sms_sender_id"] = uuid.NewString()
				return b
			},
			status: 400, errs: []any{errItem("ValidationError", "Additional properties are not allowed (sms_sender_id was unexpected)")},
		},
		upstreamCase{
			name: "test_post_notification_returns_400_when_get_json_throws_exception",
			svc:  live, path: "/v2/notifications/email", body: "[",
			status: 400, errs: []any{errItem("BadRequestError", "Invalid JSON supplied in POST data")},
		},
		upstreamCase{
			name: "test_post_notifications_saves_email_to_queue",
			svc:  live,
			setup: func(t *testing.T, e *env) {
				e.email = addTemplate(t, e, notify.Template{Type: notify.Email, Subject: "s", Content: "((message))"})
			},
			path: "/v2/notifications/email",
			bodyFunc: func(e *env) any {
				return map[string]any{"email_address": "joe.citizen@example.com", "template_id": e.email.ID.String(),
					"personalisation": map[string]any{"message": "Dear citizen, have a nice day"}}
			},
			status: 201,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, "Dear citizen, have a nice day", res.body["content"].(map[string]any)["body"])
				assert.Equal(t, e.email.ID.String(), res.body["template"].(map[string]any)["id"])
			},
		},
	)
	for _, restricted := range []bool{true, false} {
		name := "False"
		if restricted {
			name = "True"
		}
		cases = append(cases, upstreamCase{
			name: "test_post_sms_notification_returns_400_if_number_not_in_guest_list[" + name + "]",
			svc:  notify.Service{Restricted: restricted, Permissions: smsEmailIntl}, key: notify.KeyTypeTeam,
			path: "/v2/notifications/sms", bodyFunc: func(e *env) any { return sendTo(e, "sms", "+3225484211") },
			status: 400, errs: []any{errItem("BadRequestError", upstreamTeamMsg)},
		})
	}
	runUpstream(t, cases)
}

// sendTo is a request to the env's template of typ, without
// personalisation checks in the way.
func sendTo(e *env, typ, to string) map[string]any {
	if typ == "email" {
		return emailBody(e, to)
	}
	return smsBody(e, to)
}

func refOrNil(ref string) any {
	if ref == "" {
		return nil
	}
	return ref
}

const upstreamStatuses = "[cancelled, created, sending, sent, delivered, pending, failed, technical-failure, temporary-failure, permanent-failure, pending-virus-check, validation-failed, virus-scan-failed, returned-letter, accepted, received]"

func TestUpstreamGetNotifications(t *testing.T) {
	t.Parallel()
	live := notify.Service{Permissions: smsEmailIntl}
	ids := func(res response) []string {
		var out []string
		for _, n := range res.body["notifications"].([]any) {
			out = append(out, n.(map[string]any)["id"].(string))
		}
		return out
	}
	// upstreamKeys are the keys of upstream's expected_response for an
	// SMS or an email.
	upstreamKeys := []string{"id", "reference", "email_address", "phone_number", "line_1", "line_2", "line_3", "line_4",
		"line_5", "line_6", "postcode", "type", "status", "template", "created_at", "created_by_name", "body", "subject",
		"sent_at", "completed_at", "scheduled_for", "postage", "one_click_unsubscribe_url", "is_cost_data_ready",
		"cost_in_pounds", "cost_details"}
	cases := []upstreamCase{
		{
			// billable_units 0: not sent yet, so no cost.
			name: "test_get_notification_by_id_returns_200[0-mmg]", svc: live, method: http.MethodGet,
			pathFunc: func(t *testing.T, e *env) string {
				return "/v2/notifications/" + e.sendSMS(t, e.keys[notify.KeyTypeLive], "+447700900855", "")
			},
			status: 200,
			check: func(t *testing.T, e *env, res response) {
				assert.ElementsMatch(t, upstreamKeys, keys(res.body))
				assert.Equal(t, false, res.body["is_cost_data_ready"])
				assert.Nil(t, res.body["cost_in_pounds"])
				assert.Equal(t, map[string]any{}, res.body["cost_details"])
				assert.Nil(t, res.body["one_click_unsubscribe_url"])
			},
		},
		{
			// billable_units 1 once sent.
			name: "test_get_notification_by_id_returns_200[1-mmg]", svc: live, method: http.MethodGet,
			pathFunc: func(t *testing.T, e *env) string {
				id := e.sendSMS(t, e.keys[notify.KeyTypeLive], "+447700900855", "")
				e.deliverAll(t)
				return "/v2/notifications/" + id
			},
			status: 200,
			check: func(t *testing.T, e *env, res response) {
				assert.ElementsMatch(t, upstreamKeys, keys(res.body))
				assert.Equal(t, true, res.body["is_cost_data_ready"])
				assert.Equal(t, httpapi.DefaultSMSRate, res.body["cost_in_pounds"])
				assert.Equal(t, map[string]any{"billable_sms_fragments": float64(1), "international_rate_multiplier": float64(1),
					"sms_rate": httpapi.DefaultSMSRate}, res.body["cost_details"])
				parseTime(t, res.body["sent_at"])
			},
		},
		{
			name: "test_get_all_notifications_returns_cost_datarmation", svc: live, method: http.MethodGet,
			setup: func(t *testing.T, e *env) {
				e.sendSMS(t, e.keys[notify.KeyTypeLive], "+447700900855", "")
				e.deliverAll(t)
			},
			path: "/v2/notifications", status: 200,
			check: func(t *testing.T, e *env, res response) {
				assert.True(t, strings.HasSuffix(res.body["links"].(map[string]any)["current"].(string), "/v2/notifications"))
				assert.Contains(t, res.body["links"], "next")
				require.Len(t, res.body["notifications"], 1)
				n := res.body["notifications"].([]any)[0].(map[string]any)
				assert.Equal(t, httpapi.DefaultSMSRate, n["cost_in_pounds"])
				assert.Equal(t, map[string]any{"billable_sms_fragments": float64(1), "international_rate_multiplier": float64(1),
					"sms_rate": httpapi.DefaultSMSRate}, n["cost_details"])
			},
		},
		{
			name: "test_get_pdf_for_notification_fails_for_non_letters", svc: live, method: http.MethodGet,
			pathFunc: func(t *testing.T, e *env) string {
				return "/v2/notifications/" + e.sendSMS(t, e.keys[notify.KeyTypeLive], "+447700900855", "") + "/pdf"
			},
			status: 400, errs: []any{errItem("BadRequestError", "Notification is not a letter")},
		},
		{
			name: "test_get_pdf_for_notification_fails_for_non_letters/email", svc: live, method: http.MethodGet,
			pathFunc: func(t *testing.T, e *env) string {
				return "/v2/notifications/" + e.sendEmail(t, e.keys[notify.KeyTypeLive], teamEmail) + "/pdf"
			},
			status: 400, errs: []any{errItem("BadRequestError", "Notification is not a letter")},
		},
		{
			// The id checks of get_pdf_for_notification come first.
			name: "test_get_pdf_for_notification_fails_for_non_letters/unknown id", svc: live, method: http.MethodGet,
			path: "/v2/notifications/dd4b8b9d-d414-4a83-9256-580046bf18f9/pdf", status: 404,
			errs: []any{errItem("NoResultFound", "No result found")},
		},
		{
			name: "test_get_pdf_for_notification_fails_for_non_letters/bad id", svc: live, method: http.MethodGet,
			path: "/v2/notifications/1234-badly-formatted-id-7890/pdf", status: 400,
			errs: []any{errItem("ValidationError", "notification_id is not a valid UUID")},
		},
		{
			name: "test_get_notification_doesnt_have_delivery_estimate_for_non_letters[sms]", svc: live, method: http.MethodGet,
			pathFunc: func(t *testing.T, e *env) string {
				return "/v2/notifications/" + e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "")
			},
			status: 200,
			check:  func(t *testing.T, e *env, res response) { assert.NotContains(t, res.body, "estimated_delivery") },
		},
		{
			name: "test_get_notification_by_id_returns_200", svc: live, method: http.MethodGet,
			pathFunc: func(t *testing.T, e *env) string {
				return "/v2/notifications/" + e.sendSMS(t, e.keys[notify.KeyTypeLive], "+447700900855", "")
			},
			status: 200,
			check: func(t *testing.T, e *env, res response) {
				for _, k := range []string{"email_address", "line_1", "line_2", "line_3", "line_4", "line_5", "line_6",
					"postcode", "subject", "sent_at", "completed_at", "scheduled_for", "postage", "reference", "created_by_name"} {
					v, ok := res.body[k]
					assert.True(t, ok, "key %s", k)
					assert.Nil(t, v, "key %s", k)
				}
				assert.Equal(t, "+447700900855", res.body["phone_number"])
				assert.Equal(t, "sms", res.body["type"])
				assert.Equal(t, "created", res.body["status"])
				assert.Equal(t, "Hello Jo, your code is 1", res.body["body"])
				assert.Equal(t, map[string]any{"id": e.sms.ID.String(), "version": float64(1),
					"uri": "http://api.test/v2/template/" + e.sms.ID.String() + "/version/1"}, res.body["template"])
				parseTime(t, res.body["created_at"])
				assert.NotContains(t, res.body, "estimated_delivery")
			},
		},
		{
			name: "test_get_notification_by_id_with_placeholders_returns_200", svc: live, method: http.MethodGet,
			setup: placeholderTemplates,
			pathFunc: func(t *testing.T, e *env) string {
				return "/v2/notifications/" + e.sendEmail(t, e.keys[notify.KeyTypeLive], teamEmail)
			},
			status: 200,
			check: func(t *testing.T, e *env, res response) {
				assert.ElementsMatch(t, upstreamKeys, keys(res.body))
				assert.Equal(t, true, res.body["is_cost_data_ready"])
				assert.Equal(t, float64(0), res.body["cost_in_pounds"])
				assert.Equal(t, map[string]any{}, res.body["cost_details"])
				assert.Equal(t, "Hello Bob\nThis is an email from GOV.UK", res.body["body"])
				assert.Equal(t, "Bob", res.body["subject"])
				assert.Equal(t, teamEmail, res.body["email_address"])
				assert.Nil(t, res.body["phone_number"])
			},
		},
		{
			name: "test_get_notification_by_reference_returns_200", svc: live, method: http.MethodGet,
			setup: func(t *testing.T, e *env) {
				e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "")
				e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "some-client-reference")
			},
			path: "/v2/notifications?reference=some-client-reference", status: 200,
			check: func(t *testing.T, e *env, res response) {
				require.Len(t, res.body["notifications"], 1)
				n := res.body["notifications"].([]any)[0].(map[string]any)
				assert.Equal(t, "some-client-reference", n["reference"])
				assert.Nil(t, n["scheduled_for"], "test_get_notifications_returns_none_for_scheduled_for")
			},
		},
		{
			name: "test_get_notification_by_reference_nonexistent_reference_returns_no_notifications", svc: live,
			method: http.MethodGet, path: "/v2/notifications?reference=nonexistent-reference", status: 200,
			check: func(t *testing.T, e *env, res response) { assert.Equal(t, []any{}, res.body["notifications"]) },
		},
		{
			name: "test_get_notification_by_id_nonexistent_id", svc: live, method: http.MethodGet,
			path: "/v2/notifications/dd4b8b9d-d414-4a83-9256-580046bf18f9", status: 404,
			errs: []any{errItem("NoResultFound", "No result found")},
		},
		{
			name: "test_get_notification_by_id_invalid_id[1234-badly-formatted-id-7890]", svc: live, method: http.MethodGet,
			path: "/v2/notifications/1234-badly-formatted-id-7890", status: 400,
			errs: []any{errItem("ValidationError", "notification_id is not a valid UUID")},
		},
		{
			name: "test_get_notification_by_id_invalid_id[0]", svc: live, method: http.MethodGet,
			path: "/v2/notifications/0", status: 400,
			errs: []any{errItem("ValidationError", "notification_id is not a valid UUID")},
		},
		{
			name: "test_get_notification_doesnt_have_delivery_estimate_for_non_letters[email]", svc: live, method: http.MethodGet,
			pathFunc: func(t *testing.T, e *env) string {
				return "/v2/notifications/" + e.sendEmail(t, e.keys[notify.KeyTypeLive], teamEmail)
			},
			status: 200,
			check:  func(t *testing.T, e *env, res response) { assert.NotContains(t, res.body, "estimated_delivery") },
		},
		{
			// Without the CSV job's notification: jobs are another
			// feature.
			name: "test_get_all_notifications_except_job_notifications_returns_200", svc: live, method: http.MethodGet,
			setup: func(t *testing.T, e *env) {
				for range 2 {
					e.sendSMS(t, e.keys[notify.KeyTypeLive], "+447700900855", "")
				}
			},
			path: "/v2/notifications", status: 200,
			check: func(t *testing.T, e *env, res response) {
				links := res.body["links"].(map[string]any)
				assert.True(t, strings.HasSuffix(links["current"].(string), "/v2/notifications"))
				assert.Contains(t, links, "next")
				require.Len(t, res.body["notifications"], 2)
				n := res.body["notifications"].([]any)[0].(map[string]any)
				assert.Equal(t, "created", n["status"])
				assert.Equal(t, map[string]any{"id": e.sms.ID.String(), "version": float64(1),
					"uri": "http://api.test/v2/template/" + e.sms.ID.String() + "/version/1"}, n["template"])
				assert.Equal(t, "+447700900855", n["phone_number"])
				assert.Equal(t, "sms", n["type"])
				assert.Nil(t, n["scheduled_for"])
			},
		},
		{
			name: "test_get_all_notifications_with_include_jobs_arg_returns_200", svc: live, method: http.MethodGet,
			setup: func(t *testing.T, e *env) { e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "") },
			path:  "/v2/notifications?include_jobs=true", status: 200,
			check: func(t *testing.T, e *env, res response) {
				links := res.body["links"].(map[string]any)
				assert.True(t, strings.HasSuffix(links["current"].(string), "/v2/notifications?include_jobs=true"), links["current"])
				assert.Contains(t, links, "next")
				assert.Len(t, res.body["notifications"], 1)
			},
		},
		{
			name: "test_get_all_notifications_no_notifications_if_no_notifications", svc: live, method: http.MethodGet,
			path: "/v2/notifications", status: 200,
			check: func(t *testing.T, e *env, res response) {
				links := res.body["links"].(map[string]any)
				assert.True(t, strings.HasSuffix(links["current"].(string), "/v2/notifications"))
				assert.NotContains(t, links, "next")
				assert.Equal(t, []any{}, res.body["notifications"])
			},
		},
		{
			name: "test_get_all_notifications_filter_by_template_type", svc: live, method: http.MethodGet,
			setup: func(t *testing.T, e *env) {
				e.sendEmail(t, e.keys[notify.KeyTypeLive], "don.draper@scdp.biz")
				e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "")
			},
			path: "/v2/notifications?template_type=email", status: 200,
			check: func(t *testing.T, e *env, res response) {
				assert.True(t, strings.HasSuffix(res.body["links"].(map[string]any)["current"].(string), "/v2/notifications?template_type=email"))
				require.Len(t, res.body["notifications"], 1)
				n := res.body["notifications"].([]any)[0].(map[string]any)
				assert.Equal(t, "don.draper@scdp.biz", n["email_address"])
				assert.Equal(t, "email", n["type"])
				assert.Equal(t, "created", n["status"])
			},
		},
		{
			name: "test_get_all_notifications_filter_by_template_type_invalid_template_type", svc: live, method: http.MethodGet,
			path: "/v2/notifications?template_type=orange", status: 400,
			errs: []any{errItem("ValidationError", "template_type orange is not one of [sms, email, letter]")},
		},
		{
			name: "test_get_all_notifications_filter_by_status_invalid_status", svc: live, method: http.MethodGet,
			path: "/v2/notifications?status=elephant", status: 400,
			errs: []any{errItem("ValidationError", "status elephant is not one of "+upstreamStatuses)},
		},
		{
			name: "test_get_all_notifications_filter_by_id_invalid_id", svc: live, method: http.MethodGet,
			path: "/v2/notifications?older_than=1234-badly-formatted-id-7890", status: 400,
			errs: []any{errItem("ValidationError", "older_than is not a valid UUID")},
		},
		{
			name: "test_get_all_notifications_filter_by_id_no_notifications_if_nonexistent_id", svc: live, method: http.MethodGet,
			setup: func(t *testing.T, e *env) { e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "") },
			path:  "/v2/notifications?older_than=dd4b8b9d-d414-4a83-9256-580046bf18f9", status: 200,
			check: func(t *testing.T, e *env, res response) {
				links := res.body["links"].(map[string]any)
				assert.True(t, strings.HasSuffix(links["current"].(string), "/v2/notifications?older_than=dd4b8b9d-d414-4a83-9256-580046bf18f9"))
				assert.NotContains(t, links, "next")
				assert.Equal(t, []any{}, res.body["notifications"])
			},
		},
		// test_notification_schemas.py, through GET /v2/notifications.
		{
			name: "test_get_notifications_request_invalid_statuses[invalid_statuses1-valid_statuses1]", svc: live, method: http.MethodGet,
			path: "/v2/notifications?status=elephant&status=giraffe&status=cheetah", status: 400,
			errs: []any{
				errItem("ValidationError", "status elephant is not one of "+upstreamStatuses),
				errItem("ValidationError", "status giraffe is not one of "+upstreamStatuses),
				errItem("ValidationError", "status cheetah is not one of "+upstreamStatuses)},
		},
		{
			name: "test_get_notifications_request_invalid_statuses[invalid_statuses2-valid_statuses2]", svc: live, method: http.MethodGet,
			path: "/v2/notifications?status=elephant&status=created", status: 400,
			errs: []any{errItem("ValidationError", "status elephant is not one of "+upstreamStatuses)},
		},
		{
			name: "test_get_notifications_request_invalid_template_types[invalid_template_types1-valid_template_types1]", svc: live, method: http.MethodGet,
			path: "/v2/notifications?template_type=orange&template_type=avocado&template_type=banana", status: 400,
			errs: []any{
				errItem("ValidationError", "template_type orange is not one of [sms, email, letter]"),
				errItem("ValidationError", "template_type avocado is not one of [sms, email, letter]"),
				errItem("ValidationError", "template_type banana is not one of [sms, email, letter]")},
		},
		{
			name: "test_get_notifications_request_invalid_template_types[invalid_template_types2-valid_template_types2]", svc: live, method: http.MethodGet,
			path: "/v2/notifications?template_type=orange&template_type=sms", status: 400,
			errs: []any{errItem("ValidationError", "template_type orange is not one of [sms, email, letter]")},
		},
		{
			name: "test_get_notifications_request_invalid_statuses_and_template_types", svc: live, method: http.MethodGet,
			path: "/v2/notifications?status=created&status=elephant&status=giraffe&template_type=sms&template_type=orange&template_type=avocado", status: 400,
			check: func(t *testing.T, e *env, res response) {
				var msgs []string
				for _, x := range res.body["errors"].([]any) {
					msgs = append(msgs, x.(map[string]any)["message"].(string))
				}
				assert.ElementsMatch(t, []string{
					"status elephant is not one of " + upstreamStatuses, "status giraffe is not one of " + upstreamStatuses,
					"template_type orange is not one of [sms, email, letter]", "template_type avocado is not one of [sms, email, letter]"}, msgs)
			},
		},
	}
	for _, s := range []struct {
		name   string
		query  string
		set    []notify.Status
		expect []int
	}{
		{"test_get_all_notifications_filter_by_single_status", "status=pending", []notify.Status{notify.StatusPending, notify.StatusCreated}, []int{0}},
		{"test_get_all_notifications_filter_by_multiple_statuses", "status=created&status=pending&status=sending",
			[]notify.Status{notify.StatusCreated, notify.StatusPending, notify.StatusSending, notify.StatusPermanentFailure}, []int{2, 1, 0}},
		{"test_get_all_notifications_filter_by_failed_status", "status=failed",
			[]notify.Status{notify.StatusCreated, notify.StatusTechnicalFailure, notify.StatusTemporaryFailure, notify.StatusPermanentFailure}, []int{3, 2, 1}},
	} {
		var made []string
		cases = append(cases, upstreamCase{
			name: s.name, svc: live, method: http.MethodGet, path: "/v2/notifications?" + s.query, status: 200,
			setup: func(t *testing.T, e *env) {
				for _, st := range s.set {
					id := e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "")
					time.Sleep(time.Millisecond)
					if st != notify.StatusCreated {
						setStatus(t, e, id, st)
					}
					made = append(made, id)
				}
			},
			check: func(t *testing.T, e *env, res response) {
				assert.True(t, strings.HasSuffix(res.body["links"].(map[string]any)["current"].(string), "/v2/notifications?"+s.query))
				assert.Contains(t, res.body["links"], "next")
				var want []string
				for _, i := range s.expect {
					want = append(want, made[i])
				}
				assert.Equal(t, want, ids(res))
			},
		})
	}
	var older, newer string
	cases = append(cases,
		upstreamCase{
			name: "test_get_all_notifications_filter_by_id", svc: live, method: http.MethodGet,
			setup: func(t *testing.T, e *env) {
				older = e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "")
				time.Sleep(time.Millisecond)
				newer = e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "")
			},
			pathFunc: func(_ *testing.T, e *env) string { return "/v2/notifications?older_than=" + newer },
			status:   200,
			check: func(t *testing.T, e *env, res response) {
				assert.True(t, strings.HasSuffix(res.body["links"].(map[string]any)["current"].(string), "/v2/notifications?older_than="+newer))
				assert.Contains(t, res.body["links"], "next")
				assert.Equal(t, []string{older}, ids(res))
			},
		},
	)
	var last string
	cases = append(cases, upstreamCase{
		name: "test_get_all_notifications_filter_by_id_no_notifications_if_last_notification", svc: live, method: http.MethodGet,
		setup:    func(t *testing.T, e *env) { last = e.sendSMS(t, e.keys[notify.KeyTypeLive], teamPhone, "") },
		pathFunc: func(_ *testing.T, e *env) string { return "/v2/notifications?older_than=" + last },
		status:   200,
		check: func(t *testing.T, e *env, res response) {
			assert.NotContains(t, res.body["links"], "next")
			assert.Equal(t, []any{}, res.body["notifications"])
		},
	})
	var wanted, cutoff string
	cases = append(cases, upstreamCase{
		name: "test_get_all_notifications_filter_multiple_query_parameters", svc: live, method: http.MethodGet,
		setup: func(t *testing.T, e *env) {
			k := e.keys[notify.KeyTypeLive]
			wanted = e.sendEmail(t, k, teamEmail)
			setStatus(t, e, wanted, notify.StatusPending)
			time.Sleep(time.Millisecond)
			e.sendEmail(t, k, teamEmail) // wrong status
			time.Sleep(time.Millisecond)
			setStatus(t, e, e.sendSMS(t, k, teamPhone, ""), notify.StatusPending) // wrong template type
			time.Sleep(time.Millisecond)
			cutoff = e.sendEmail(t, k, teamEmail)
			time.Sleep(time.Millisecond)
			setStatus(t, e, e.sendEmail(t, k, teamEmail), notify.StatusPending) // too recent
		},
		pathFunc: func(_ *testing.T, e *env) string {
			return "/v2/notifications?status=pending&template_type=email&older_than=" + cutoff
		},
		status: 200,
		check: func(t *testing.T, e *env, res response) {
			cur, err := url.Parse(res.body["links"].(map[string]any)["current"].(string))
			require.NoError(t, err)
			assert.Equal(t, "/v2/notifications", cur.Path)
			assert.Equal(t, url.Values{"status": {"pending"}, "template_type": {"email"}, "older_than": {cutoff}}, cur.Query())
			assert.Contains(t, res.body["links"], "next")
			assert.Equal(t, []string{wanted}, ids(res))
		},
	})
	runUpstream(t, cases)
}

// TestUpstreamNotificationSchemas: the request-schema cases of
// test_notification_schemas.py, sent to POST /v2/notifications/sms and
// /email.
func TestUpstreamNotificationSchemas(t *testing.T) {
	t.Parallel()
	live := notify.Service{Permissions: smsEmailIntl}
	cases := []upstreamCase{
		{
			name: "test_post_sms_json_schema_bad_uuid_and_missing_phone_number", svc: live,
			path: "/v2/notifications/sms", body: map[string]any{"template_id": "notUUID"}, status: 400,
			errs: []any{errItem("ValidationError", "phone_number is a required property"),
				errItem("ValidationError", "template_id is not a valid UUID")},
		},
		{
			// The message is today's; the 2017 test had "personalisation
			// should contain key value pairs".
			name: "test_post_sms_schema_with_personalisation_that_is_not_a_dict", svc: live, path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": "07515111111", "template_id": e.sms.ID.String(),
					"reference": "reference from caller", "personalisation": "not_a_dict"}
			},
			status: 400, errs: []any{errItem("ValidationError", "personalisation not_a_dict is not of type object")},
		},
		{
			// Today's phone rules find 0851… invalid rather than "Not a UK
			// mobile number", as the 2017 test had it.
			name: "test_post_sms_request_schema_invalid_phone_number[08515111111-phone_number Not a UK mobile number]", svc: live,
			path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": "08515111111", "template_id": e.sms.ID.String()}
			},
			status: 400, errs: []any{errItem("ValidationError", "phone_number Number is not valid – double check the phone number you entered")},
		},
		{
			name: "test_post_sms_request_schema_invalid_phone_number[07515111*11-phone_number Must not contain letters or symbols]", svc: live,
			path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": "07515111*11", "template_id": e.sms.ID.String()}
			},
			status: 400, errs: []any{errItem("ValidationError", "phone_number Must not contain letters or symbols")},
		},
		{
			name: "test_post_sms_request_schema_invalid_phone_number[notaphoneumber-phone_number Must not contain letters or symbols]", svc: live,
			path: "/v2/notifications/sms",
			bodyFunc: func(e *env) any {
				return map[string]any{"phone_number": "notaphoneumber", "template_id": e.sms.ID.String()}
			},
			status: 400, errs: []any{errItem("ValidationError", "phone_number Must not contain letters or symbols")},
		},
		{
			name: "test_post_sms_request_schema_invalid_phone_number_and_missing_template", svc: live, anyOrder: true,
			path: "/v2/notifications/sms", body: map[string]any{"phone_number": "08515111111"}, status: 400,
			errs: []any{errItem("ValidationError", "phone_number Number is not valid – double check the phone number you entered"),
				errItem("ValidationError", "template_id is a required property")},
		},
		{
			name: "test_post_email_schema_bad_uuid_and_missing_email_address", svc: live,
			path: "/v2/notifications/email", body: map[string]any{"template_id": "bad_template"}, status: 400,
			errs: []any{errItem("ValidationError", "email_address is a required property"),
				errItem("ValidationError", "template_id is not a valid UUID")},
		},
		{
			name: "test_post_email_schema_invalid_email_address", svc: live, path: "/v2/notifications/email",
			bodyFunc: func(e *env) any {
				return map[string]any{"template_id": e.email.ID.String(), "email_address": "notavalidemail@address"}
			},
			status: 400, errs: []any{errItem("ValidationError", "email_address Not a valid email address")},
		},
	}
	for _, b := range []struct{ name, path, to string }{
		{"test_post_sms_schema_is_valid[input0]", "/v2/notifications/sms", "07515111111"},
		{"test_post_email_schema_is_valid[input0]", "/v2/notifications/email", "test@example.gov.uk"},
	} {
		cases = append(cases, upstreamCase{
			name: b.name, svc: live, path: b.path,
			bodyFunc: func(e *env) any {
				body := sendTo(e, strings.TrimPrefix(b.path, "/v2/notifications/"), b.to)
				body["reference"] = "reference from caller"
				return body
			},
			status: 201,
		})
	}
	runUpstream(t, cases)
}

// daoSMSSender stores an SMS sender as upstream's create_service_sms_sender
// does: straight into the Store, so values only its admin app would refuse
// (such as "123456") can be set up. It returns the sender's id.
func daoSMSSender(t *testing.T, e *env, serviceID uuid.UUID, value string, isDefault, archived bool) uuid.UUID {
	t.Helper()
	st, ok := e.store.Store.(notify.SenderStore)
	require.True(t, ok, "the test store keeps no senders")
	s := &notify.SMSSender{ID: uuid.New(), ServiceID: serviceID, SMSSender: value, IsDefault: isDefault, CreatedAt: time.Now()}
	require.NoError(t, st.CreateSMSSender(ctx, s))
	if archived {
		require.NoError(t, st.ArchiveSMSSender(ctx, serviceID, s.ID, time.Now()))
	}
	return s.ID
}

// daoReplyTo stores an email reply-to address as upstream's
// create_reply_to_email does. It returns the address's id.
func daoReplyTo(t *testing.T, e *env, serviceID uuid.UUID, addr string, isDefault, archived bool) uuid.UUID {
	t.Helper()
	st, ok := e.store.Store.(notify.SenderStore)
	require.True(t, ok, "the test store keeps no reply-to addresses")
	r := &notify.EmailReplyTo{ID: uuid.New(), ServiceID: serviceID, EmailAddress: addr, IsDefault: isDefault, CreatedAt: time.Now()}
	require.NoError(t, st.CreateEmailReplyTo(ctx, r))
	if archived {
		require.NoError(t, st.ArchiveEmailReplyTo(ctx, serviceID, r.ID, time.Now()))
	}
	return r.ID
}

// upstreamSenders gives the env's service what upstream's sample_service
// has: a default SMS sender "testing".
func upstreamSenders(t *testing.T, e *env) {
	daoSMSSender(t, e, e.svc.ID, "testing", true, false)
}

// stored returns the notification a send answered with, as stored.
func stored(t *testing.T, e *env, res response) *notify.Notification {
	t.Helper()
	got, err := e.store.GetNotification(ctx, uuid.MustParse(created(t, res)))
	require.NoError(t, err)
	return got
}

// envIDs keeps an id a case's setup made for its body and checks: each
// case runs on its own env, in parallel.
type envIDs struct{ m sync.Map }

func (ids *envIDs) set(e *env, id uuid.UUID) { ids.m.Store(e, id) }

func (ids *envIDs) get(e *env) uuid.UUID {
	id, _ := ids.m.Load(e)
	return id.(uuid.UUID)
}

// TestUpstreamPostNotificationsSenders: the cases of
// test_post_notifications.py with sms_sender_id and email_reply_to_id
// (those with inbound numbers as senders are left out). Upstream's
// reply_to_text is the stored Notification's From for text messages and
// ReplyTo for emails.
func TestUpstreamPostNotificationsSenders(t *testing.T) {
	t.Parallel()
	live := notify.Service{Permissions: smsEmailIntl}
	withSender := func(ids *envIDs, value string, archived bool) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			placeholderTemplates(t, e)
			upstreamSenders(t, e)
			ids.set(e, daoSMSSender(t, e, e.svc.ID, value, false, archived))
		}
	}
	withReplyTo := func(ids *envIDs, addr string, archived bool) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			if archived {
				daoReplyTo(t, e, e.svc.ID, "default@test.com", true, false)
			}
			ids.set(e, daoReplyTo(t, e, e.svc.ID, addr, false, archived))
		}
	}
	smsWith := func(ids *envIDs) func(e *env) any {
		return func(e *env) any {
			return map[string]any{"phone_number": "+447700900855", "template_id": e.sms.ID.String(),
				"personalisation": map[string]any{" Name": "Jo"}, "sms_sender_id": ids.get(e).String()}
		}
	}
	emailWith := func(ids *envIDs, to string) func(e *env) any {
		return func(e *env) any {
			b := sendTo(e, "email", to)
			b["email_reply_to_id"] = ids.get(e).String()
			return b
		}
	}
	notFound := func(ids *envIDs, field string) func(t *testing.T, e *env, res response) {
		return func(t *testing.T, e *env, res response) {
			assert.Equal(t, []any{errItem("BadRequestError", fmt.Sprintf(
				"%s %s does not exist in database for service id %s", field, ids.get(e), e.svc.ID))}, res.body["errors"])
			assert.Empty(t, e.queue.tasks, "a refused send was queued")
		}
	}
	var sender, number, changed, archivedSender, reply, unknownReply, archivedReply envIDs
	cases := []upstreamCase{
		{
			name: "test_post_sms_notification_returns_201_with_sms_sender_id",
			svc:  live, setup: withSender(&sender, "123456", false), path: "/v2/notifications/sms",
			bodyFunc: smsWith(&sender), status: 201,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, "123456", res.body["content"].(map[string]any)["from_number"])
				assert.Equal(t, "123456", stored(t, e, res).From)
				assert.Len(t, e.queue.tasks, 1)
			},
		},
		{
			name: "test_post_sms_notification_uses_sms_sender_id_reply_to",
			svc:  live, setup: withSender(&number, "07123123123", false), path: "/v2/notifications/sms",
			bodyFunc: smsWith(&number), status: 201,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, "447123123123", res.body["content"].(map[string]any)["from_number"])
				assert.Equal(t, "447123123123", stored(t, e, res).From)
			},
		},
		{
			name: "test_notification_reply_to_text_is_original_value_if_sender_is_changed_after_post_notification",
			svc:  live, setup: withSender(&changed, "123456", false), path: "/v2/notifications/sms",
			bodyFunc: smsWith(&changed), status: 201,
			check: func(t *testing.T, e *env, res response) {
				now, err := e.n.UpdateSMSSender(ctx, e.svc.ID, changed.get(e), "updated", false)
				require.NoError(t, err)
				require.Equal(t, "updated", now.SMSSender)
				assert.Equal(t, "123456", stored(t, e, res).From)
			},
		},
		{
			name: "test_post_sms_notification_with_archived_reply_to_id_returns_400",
			svc:  live, setup: withSender(&archivedSender, "12345", true), path: "/v2/notifications/sms",
			bodyFunc: smsWith(&archivedSender), status: 400, check: notFound(&archivedSender, "sms_sender_id"),
		},
		{
			name: "test_post_email_notification_with_valid_reply_to_id_returns_201",
			svc:  live, setup: withReplyTo(&reply, "test@test.com", false), path: "/v2/notifications/email",
			bodyFunc: emailWith(&reply, teamEmail), status: 201,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, "test@test.com", stored(t, e, res).ReplyTo)
				assert.Len(t, e.queue.tasks, 1)
			},
		},
		{
			name: "test_post_email_notification_with_invalid_reply_to_id_returns_400",
			svc:  live, path: "/v2/notifications/email",
			setup:    func(t *testing.T, e *env) { unknownReply.set(e, uuid.New()) },
			bodyFunc: emailWith(&unknownReply, teamEmail), status: 400, check: notFound(&unknownReply, "email_reply_to_id"),
		},
		{
			name: "test_post_email_notification_with_archived_reply_to_id_returns_400",
			svc:  live, setup: withReplyTo(&archivedReply, "reply_to@test.com", true), path: "/v2/notifications/email",
			bodyFunc: emailWith(&archivedReply, "test@test.com"), status: 400, check: notFound(&archivedReply, "email_reply_to_id"),
		},
	}
	runUpstream(t, cases)
}
