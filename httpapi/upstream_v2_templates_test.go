package httpapi_test

// Cases from alphagov/notifications-api tests/app/v2/template/
// (test_get_template.py, test_post_template.py, test_template_schemas.py)
// and tests/app/v2/templates/ (test_get_templates.py,
// test_templates_schemas.py). Letter templates are left out.

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// upstreamContent is upstream's create_template default content.
const upstreamContent = "Dear Sir/Madam, Hello. Yours Truly, The Government."

// upstreamTemplate creates a template of typ as upstream's create_template
// does by default.
func upstreamTemplate(t *testing.T, e *env, typ notify.NotificationType) *notify.Template {
	t.Helper()
	tpl := notify.Template{Type: typ, Content: upstreamContent}
	if typ == notify.Email {
		tpl.Subject = "Template subject"
	}
	return addTemplate(t, e, tpl)
}

func TestUpstreamGetTemplate(t *testing.T) {
	t.Parallel()
	var cases []upstreamCase
	for _, typ := range []notify.NotificationType{notify.SMS, notify.Email} {
		for _, version := range []string{"None", "1"} {
			var tpl *notify.Template
			suffix := ""
			if version != "None" {
				suffix = "/version/" + version
			}
			name := fmt.Sprintf("test_get_template_by_id_returns_200[%s-%s]", version, typ)
			if version != "None" {
				name = "test_get_template_version_by_id_returns_200[" + string(typ) + "]"
			}
			cases = append(cases, upstreamCase{
				name:     name,
				method:   http.MethodGet,
				setup:    func(t *testing.T, e *env) { tpl = upstreamTemplate(t, e, typ) },
				pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + tpl.ID.String() + suffix },
				status:   200,
				check: func(t *testing.T, e *env, res response) {
					var subject any
					if typ == notify.Email {
						subject = "Template subject"
					}
					want := map[string]any{
						"id": tpl.ID.String(), "type": string(typ), "updated_at": nil, "version": float64(1),
						"created_by": teamEmail, "body": upstreamContent, "subject": subject,
						"name": string(typ) + " Template Name", "personalisation": map[string]any{}, "postage": nil,
						"letter_contact_block": nil,
						"created_at":           tpl.CreatedAt.UTC().Format(notify.TimeFormat),
					}
					assert.Equal(t, want, res.body)
				},
			})
		}
	}
	for _, p := range []struct {
		id       string
		tpl      notify.Template
		expected map[string]any
	}{
		{"create_template_args0-expected_personalisation0",
			notify.Template{Type: notify.SMS, Content: "Hello ((placeholder)) ((conditional??yes))"},
			map[string]any{"placeholder": map[string]any{"required": true}, "conditional": map[string]any{"required": true}}},
		{"create_template_args1-expected_personalisation1",
			notify.Template{Type: notify.Email, Subject: "((subject))", Content: "((content))"},
			map[string]any{"subject": map[string]any{"required": true}, "content": map[string]any{"required": true}}},
	} {
		for _, version := range []string{"None", "1"} {
			var tpl *notify.Template
			suffix := ""
			if version != "None" {
				suffix = "/version/" + version
			}
			cases = append(cases, upstreamCase{
				name:     fmt.Sprintf("test_get_template_by_id_returns_placeholders[%s-%s]", version, p.id),
				method:   http.MethodGet,
				setup:    func(t *testing.T, e *env) { tpl = addTemplate(t, e, p.tpl) },
				pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + tpl.ID.String() + suffix },
				status:   200,
				check: func(t *testing.T, e *env, res response) {
					assert.Equal(t, p.expected, res.body["personalisation"])
				},
			})
		}
	}
	cases = append(cases, upstreamCase{
		name: "test_get_template_with_non_existent_template_id_returns_404", method: http.MethodGet,
		path: "/v2/template/" + uuid.NewString(), status: 404, errs: []any{errItem("NoResultFound", "No result found")},
	})
	for _, typ := range []notify.NotificationType{notify.SMS, notify.Email} {
		cases = append(cases, upstreamCase{
			name: "test_get_template_with_non_existent_version_returns_404[" + string(typ) + "]", method: http.MethodGet,
			pathFunc: func(_ *testing.T, e *env) string {
				id := e.sms.ID
				if typ == notify.Email {
					id = e.email.ID
				}
				return "/v2/template/" + id.String() + "/version/2"
			},
			status: 404, errs: []any{errItem("NoResultFound", "No result found")},
		})
	}
	// test_template_schemas.py: the request schema, through the URL.
	cases = append(cases,
		upstreamCase{
			name: "test_get_template_request_schema_against_invalid_args_is_invalid[args3-error_message3]", method: http.MethodGet,
			path: "/v2/template/invalid_uuid", status: 400, errs: []any{errItem("ValidationError", "id is not a valid UUID")},
		},
		upstreamCase{
			// Upstream's route takes the version as <int:version>, so a
			// version that is not a number is an unknown URL.
			name: "test_get_template_request_schema_against_invalid_args_is_invalid[args0-error_message0]", method: http.MethodGet,
			pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + e.sms.ID.String() + "/version/test" },
			status:   404,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, v1err(notFound), res.body)
			},
		},
		upstreamCase{
			// <int:version> takes 0, and the request schema refuses it
			// (today's route declares the version at least 1).
			name: "test_get_template_request_schema_against_invalid_args_is_invalid[args1-error_message1]", method: http.MethodGet,
			pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + e.sms.ID.String() + "/version/0" },
			status:   400, errs: []any{errItem("ValidationError", "version 0 is less than the minimum of 1")},
		},
		upstreamCase{
			// Upstream asserts each error given is one of its two; notify
			// checks the id first and gives that one.
			name: "test_get_template_request_schema_against_invalid_args_is_invalid[args4-error_message4]/whole number", method: http.MethodGet,
			path: "/v2/template/invalid_uuid/version/0", status: 400,
			errs: []any{errItem("ValidationError", "id is not a valid UUID")},
		},
		upstreamCase{
			// Not a whole number, with a bad id too: the URL is unknown
			// before the id is read.
			name: "test_get_template_request_schema_against_invalid_args_is_invalid[args4-error_message4]", method: http.MethodGet,
			path: "/v2/template/invalid_uuid/version/-1", status: 404,
			check: func(t *testing.T, e *env, res response) { assert.Equal(t, v1err(notFound), res.body) },
		},
		upstreamCase{
			name: "test_get_template_request_schema_against_valid_args_is_valid[args0]", method: http.MethodGet,
			pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + e.sms.ID.String() + "/version/1" },
			status:   200,
		},
	)
	runUpstream(t, cases)
}

func TestUpstreamPostTemplatePreview(t *testing.T) {
	t.Parallel()
	const para = `<p style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;">`
	valid := []struct {
		subject, content string
		post             any
		wantSubject      string
		wantContent      string
	}{
		{"Some subject", "Some content", nil, "Some subject", "Some content"},
		{"Some subject", "Dear ((Name)), Hello. Yours Truly, The Government.", map[string]any{"personalisation": map[string]any{"Name": "Jo"}},
			"Some subject", "Dear Jo, Hello. Yours Truly, The Government."},
		{"Message for ((Name))", "Dear ((Name)), Hello. Yours Truly, The Government.", map[string]any{"personalisation": map[string]any{"Name": "Jo"}},
			"Message for Jo", "Dear Jo, Hello. Yours Truly, The Government."},
		{"Message for ((Name))", "Some content", map[string]any{"personalisation": map[string]any{"Name": "Jo"}},
			"Message for Jo", "Some content"},
	}
	var cases []upstreamCase
	for i, v := range valid {
		for _, typ := range []notify.NotificationType{notify.SMS, notify.Email} {
			var tpl *notify.Template
			body := any("null")
			if v.post != nil {
				body = v.post
			}
			cases = append(cases, upstreamCase{
				name: fmt.Sprintf("test_valid_post_template_returns_200[%d-%s]", i, typ),
				setup: func(t *testing.T, e *env) {
					tpl = addTemplate(t, e, notify.Template{Type: typ, Subject: v.subject, Content: v.content})
				},
				pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + tpl.ID.String() + "/preview" },
				body:     body,
				status:   200,
				check: func(t *testing.T, e *env, res response) {
					assert.Equal(t, tpl.ID.String(), res.body["id"])
					assert.Contains(t, res.body["body"], v.wantContent)
					if typ == notify.Email {
						assert.Contains(t, res.body["subject"], v.wantSubject)
						assert.Equal(t, para+v.wantContent+"</p>", res.body["html"])
					} else {
						assert.Nil(t, res.body["html"])
					}
				},
			})
		}
	}
	var raw *notify.Template
	cases = append(cases, upstreamCase{
		name: "test_email_and_letter_templates_not_rendered_into_content[email]",
		setup: func(t *testing.T, e *env) {
			raw = addTemplate(t, e, notify.Template{Type: notify.Email, Subject: "Test",
				Content: "Hello\n\r\n\r\n\n# This is a heading\n\nParagraph"})
		},
		pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + raw.ID.String() + "/preview" },
		body:     "null", status: 200,
		check: func(t *testing.T, e *env, res response) { assert.Equal(t, raw.Content, res.body["body"]) },
	})
	for _, typ := range []notify.NotificationType{notify.SMS, notify.Email} {
		var tpl *notify.Template
		cases = append(cases, upstreamCase{
			name: "test_invalid_post_template_returns_400[" + string(typ) + "]",
			setup: func(t *testing.T, e *env) {
				tpl = addTemplate(t, e, notify.Template{Type: typ, Subject: "s",
					Content: "Dear ((Name)), Hello ((Missing)). Yours Truly, The Government."})
			},
			pathFunc: func(_ *testing.T, e *env) string { return "/v2/template/" + tpl.ID.String() + "/preview" },
			body:     map[string]any{"personalisation": map[string]any{"Name": "Jo"}},
			status:   400, errs: []any{errItem("BadRequestError", "Missing personalisation: Missing")},
		})
	}
	noPlaceholders := func(t *testing.T, e *env) {
		e.sms = addTemplate(t, e, notify.Template{Type: notify.SMS, Content: "This is a template:\nwith a newline"})
	}
	preview := func(_ *testing.T, e *env) string { return "/v2/template/" + e.sms.ID.String() + "/preview" }
	cases = append(cases,
		upstreamCase{
			name: "test_post_template_with_non_existent_template_id_returns_404",
			path: "/v2/template/" + uuid.NewString() + "/preview", body: map[string]any{"personalisation": map[string]any{"Name": "Jo"}},
			status: 404, errs: []any{errItem("NoResultFound", "No result found")},
		},
		// The test client sends no body for data=None; these requests carry
		// no Content-Type either way.
		upstreamCase{name: "test_post_template_returns_200_without_personalisation", setup: noPlaceholders, pathFunc: preview, status: 200},
		upstreamCase{name: "test_post_template_returns_200_without_personalisation_and_missing_content_header", setup: noPlaceholders, pathFunc: preview, status: 200},
		upstreamCase{name: "test_post_template_returns_200_without_personalisation_as_valid_json_and_missing_content_header",
			setup: noPlaceholders, pathFunc: preview, body: "null", status: 200},
		upstreamCase{name: "test_post_template_returns_200_with_valid_json_and_missing_content_header",
			setup: noPlaceholders, pathFunc: preview, body: map[string]any{"personalisation": map[string]any{"Name": "Jo"}}, status: 200},
		// test_template_schemas.py: the preview request schema.
		upstreamCase{
			name: "test_post_template_preview_against_invalid_args_is_invalid[args0-error_messages0]",
			path: "/v2/template/invalid_uuid/preview", body: map[string]any{"personalisation": map[string]any{"key": "value"}},
			status: 400, errs: []any{errItem("ValidationError", "id is not a valid UUID")},
		},
		upstreamCase{
			name: "test_post_template_preview_against_invalid_args_is_invalid[args1-error_messages1]", pathFunc: preview,
			body: map[string]any{"personalisation": []any{"a", "b"}}, status: 400,
			errs: []any{errItem("ValidationError", "personalisation [a, b] is not of type object")},
		},
		upstreamCase{
			name: "test_post_template_preview_against_invalid_args_is_invalid[args2-error_messages2]", pathFunc: preview,
			body: map[string]any{"personalisation": "invalid_personalisation"}, status: 400,
			errs: []any{errItem("ValidationError", "personalisation invalid_personalisation is not of type object")},
		},
		upstreamCase{
			name: "test_post_template_preview_against_valid_args_is_valid", setup: noPlaceholders, pathFunc: preview,
			body: map[string]any{"personalisation": map[string]any{"key": "value"}}, status: 200,
		},
	)
	runUpstream(t, cases)
}

func TestUpstreamGetTemplates(t *testing.T) {
	t.Parallel()
	listed := func(t *testing.T, res response) []any {
		t.Helper()
		l, ok := res.body["templates"].([]any)
		require.True(t, ok, "%s", res.raw)
		return l
	}
	var made []*notify.Template
	cases := []upstreamCase{{
		name: "test_get_all_templates_returns_200", method: http.MethodGet,
		svc: notify.Service{Permissions: smsEmail},
		setup: func(t *testing.T, e *env) {
			// Only these templates: a fresh service without newEnv's two.
			svc, err := e.n.CreateService(ctx, notify.Service{Name: "Templates"})
			require.NoError(t, err)
			k, err := e.n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
			require.NoError(t, err)
			e.svc, e.keys[notify.KeyTypeLive] = svc, k
			for _, name := range []string{"A", "B", "C"} {
				for _, typ := range []notify.NotificationType{notify.SMS, notify.Email} {
					tpl := notify.Template{Type: typ, Name: name, Content: upstreamContent}
					if typ == notify.Email {
						tpl.Subject = "subject_" + name
					}
					made = append(made, addTemplate(t, e, tpl))
				}
			}
		},
		path: "/v2/templates", status: 200,
		check: func(t *testing.T, e *env, res response) {
			got := listed(t, res)
			require.Len(t, got, len(made))
			for i, g := range got {
				g := g.(map[string]any)
				assert.Equal(t, made[i].ID.String(), g["id"])
				assert.Equal(t, made[i].Content, g["body"])
				assert.Equal(t, string(made[i].Type), g["type"])
				if made[i].Type == notify.Email {
					assert.Equal(t, made[i].Subject, g["subject"])
				}
			}
		},
	}}
	for _, typ := range []notify.NotificationType{notify.SMS, notify.Email} {
		var mine []*notify.Template
		cases = append(cases,
			upstreamCase{
				name: "test_get_all_templates_for_valid_type_returns_200[" + string(typ) + "]", method: http.MethodGet,
				setup: func(t *testing.T, e *env) {
					for i := range 3 {
						tpl := notify.Template{Type: typ, Name: fmt.Sprintf("Template %d", i), Content: upstreamContent}
						if typ == notify.Email {
							tpl.Subject = fmt.Sprintf("subject_%d", i)
						}
						mine = append(mine, addTemplate(t, e, tpl))
					}
				},
				path: "/v2/templates?type=" + string(typ), status: 200,
				check: func(t *testing.T, e *env, res response) {
					got := listed(t, res)
					// With newEnv's own template of the type ("Code" sorts
					// before "Template 0", "Welcome" after "Template 2").
					require.Len(t, got, 4)
					var ids, want []string
					for _, g := range got {
						g := g.(map[string]any)
						assert.Equal(t, string(typ), g["type"])
						if id := g["id"].(string); id != e.sms.ID.String() && id != e.email.ID.String() {
							ids = append(ids, id)
						}
					}
					for _, tpl := range mine {
						want = append(want, tpl.ID.String())
					}
					assert.Equal(t, want, ids)
				},
			},
			upstreamCase{
				name: "test_get_correct_num_templates_for_valid_type_returns_200[" + string(typ) + "]", method: http.MethodGet,
				setup: func(t *testing.T, e *env) {
					for range 3 {
						upstreamTemplate(t, e, typ)
					}
					other := notify.Email
					if typ == notify.Email {
						other = notify.SMS
					}
					upstreamTemplate(t, e, other)
				},
				path: "/v2/templates?type=" + string(typ), status: 200,
				// 3, and newEnv's own one of the type.
				check: func(t *testing.T, e *env, res response) { assert.Len(t, listed(t, res), 4) },
			},
			upstreamCase{
				name: "test_get_all_template_request_schema_against_valid_args_is_valid[" + string(typ) + "]", method: http.MethodGet,
				path: "/v2/templates?type=" + string(typ), status: 200,
			},
		)
	}
	cases = append(cases,
		upstreamCase{
			// Upstream's message listed "broadcast" too while broadcast
			// templates existed; today it is [sms, email, letter].
			name: "test_get_all_templates_for_invalid_type_returns_400", method: http.MethodGet,
			path: "/v2/templates?type=coconut", status: 400,
			errs: []any{errItem("ValidationError", "type coconut is not one of [sms, email, letter]")},
		},
		upstreamCase{
			name: "test_get_all_template_request_schema_against_invalid_args_is_invalid[sms]", method: http.MethodGet,
			path: "/v2/templates?type=unknown", status: 400,
			errs: []any{errItem("ValidationError", "type unknown is not one of [sms, email, letter]")},
		},
		upstreamCase{
			name: "test_get_all_template_request_schema_against_no_args_is_valid[sms]", method: http.MethodGet,
			path: "/v2/templates", status: 200,
		},
	)
	runUpstream(t, cases)
}
