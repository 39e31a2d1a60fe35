package notify_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/memstore"
)

func ptrTo[T any](v T) *T { return &v }

// fieldErrors returns the refusals of err as field → messages.
func fieldErrors(t *testing.T, err error) map[string][]string {
	t.Helper()
	list := notify.ErrorList(err)
	require.NotEmpty(t, list, "want refusals, got %v", err)
	out := map[string][]string{}
	for _, e := range list {
		out[e.Field] = append(out[e.Field], e.Message)
	}
	return out
}

func TestUpdateService(t *testing.T) {
	tests := []struct {
		name   string
		update notify.ServiceUpdate
		want   map[string][]string // refusals; nil: accepted
		check  func(t *testing.T, s *notify.Service)
	}{
		{name: "name and limits", update: notify.ServiceUpdate{Name: ptrTo("  Renamed "), MessageLimit: ptrTo(10), RateLimit: ptrTo(60)},
			check: func(t *testing.T, s *notify.Service) {
				assert.Equal(t, "Renamed", s.Name)
				assert.Equal(t, 10, s.MessageLimit)
				assert.Equal(t, 60, s.RateLimit)
			}},
		{name: "permissions, sender and from", update: notify.ServiceUpdate{
			Permissions: &[]notify.Permission{notify.PermissionSMS, notify.PermissionInternationalSMS},
			SMSSender:   ptrTo("GOVUK"), EmailFrom: ptrTo("my.service")},
			check: func(t *testing.T, s *notify.Service) {
				assert.Equal(t, []notify.Permission{notify.PermissionSMS, notify.PermissionInternationalSMS}, s.Permissions)
				assert.Equal(t, "GOVUK", s.SMSSender)
				assert.Equal(t, "my.service", s.EmailFrom)
			}},
		{name: "empty name", update: notify.ServiceUpdate{Name: ptrTo(" ")},
			want: map[string][]string{"name": {notify.MsgMissingField}}},
		{name: "negative limits", update: notify.ServiceUpdate{MessageLimit: ptrTo(-1), RateLimit: ptrTo(-5)},
			want: map[string][]string{"message_limit": {notify.MsgNotNegative}, "rate_limit": {notify.MsgNotNegative}}},
		{name: "unknown and duplicate permissions", update: notify.ServiceUpdate{
			Permissions: &[]notify.Permission{"sms", "letter", "sms", "fax"}},
			want: map[string][]string{"permissions": {"Invalid Service Permission: 'letter'",
				"Invalid Service Permission: 'fax'", "Duplicate Service Permission: ['sms']"}}},
		{name: "bad email_from and sms_sender", update: notify.ServiceUpdate{EmailFrom: ptrTo("Not Valid"), SMSSender: ptrTo("far too long a sender")},
			want: map[string][]string{
				"email_from": {"Must be lower-case letters, numbers, dots, hyphens and underscores, starting and ending with a letter or number."},
				"sms_sender": {"Must be at most 11 letters, numbers and spaces, or a phone number."}}},
		{name: "retention over 90 days", update: notify.ServiceUpdate{DataRetentionDays: ptrTo(91)},
			want: map[string][]string{"data_retention_days": {"Must be less than or equal to 90."}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := notifytest.New(t)
			svc := env.Service(t, notify.Service{Name: "Before", MessageLimit: 50})
			got, err := env.Notifier.UpdateService(ctx, svc.ID, tc.update)
			stored, gerr := env.Notifier.GetService(ctx, svc.ID)
			require.NoError(t, gerr)
			if tc.want != nil {
				assert.Equal(t, tc.want, fieldErrors(t, err))
				assert.Equal(t, "Before", stored.Name, "a refused change changes nothing")
				assert.Equal(t, 50, stored.MessageLimit)
				return
			}
			require.NoError(t, err)
			tc.check(t, got)
			tc.check(t, stored)
		})
	}
}

func TestUpdateServiceEdges(t *testing.T) {
	env := notifytest.New(t)
	_, err := env.Notifier.UpdateService(ctx, uuid.New(), notify.ServiceUpdate{Name: ptrTo("x")})
	assert.ErrorIs(t, err, notify.ErrNoResult)

	svc := env.Service(t, notify.Service{Name: "Archived"})
	require.NoError(t, env.Notifier.ArchiveService(ctx, svc.ID))
	_, err = env.Notifier.UpdateService(ctx, svc.ID, notify.ServiceUpdate{Name: ptrTo("x")})
	assert.Equal(t, map[string][]string{"service": {"An archived service cannot be changed"}}, fieldErrors(t, err))

	_, err = env.Notifier.CreateService(ctx, notify.Service{Name: "", Permissions: []notify.Permission{"fax"}})
	assert.Equal(t, map[string][]string{"name": {notify.MsgMissingField}, "permissions": {"Invalid Service Permission: 'fax'"}},
		fieldErrors(t, err), "CreateService checks the same rules")
}

// Changes made through the Notifier take effect at once, although the read
// cache keeps services, keys, team and guest list for two seconds.
func TestAdminChangesTakeEffectAtOnce(t *testing.T) {
	f := newFixture(t, notify.Service{Restricted: true})
	n := f.env.Notifier
	stranger := "07700 900999"

	_, err := f.sendSMS(notify.KeyTypeLive, stranger)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest,
		"Can’t send to this recipient when service is in trial mode – see https://www.notifications.service.gov.uk/trial-mode")
	_, err = n.UpdateService(ctx, f.svc.ID, notify.ServiceUpdate{Restricted: ptrTo(false)})
	require.NoError(t, err)
	caller, err := n.Caller(ctx, f.svc.ID, f.keys[notify.KeyTypeLive].Key.ID)
	require.NoError(t, err)
	_, err = n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: stranger, TemplateID: f.sms.ID,
		Personalisation: map[string]any{"name": "Jo"}})
	assert.NoError(t, err, "the service went live at once")

	// Guest list replaced: the old guest is refused, the new one accepted.
	_, err = f.sendSMS(notify.KeyTypeTeam, guestPhone)
	require.NoError(t, err)
	require.NoError(t, n.ReplaceGuestList(ctx, f.svc.ID, []string{stranger, "new@example.com"}))
	_, err = f.sendSMS(notify.KeyTypeTeam, guestPhone)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "Can’t send to this recipient using a team-only API key")
	_, err = f.sendSMS(notify.KeyTypeTeam, stranger)
	assert.NoError(t, err)
	guests, err := n.GuestList(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Len(t, guests, 2)

	// Team member removed.
	_, err = f.sendEmail(notify.KeyTypeTeam, teamEmail)
	require.NoError(t, err)
	team, err := n.TeamMembers(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, team, 1)
	require.NoError(t, n.RemoveTeamMember(ctx, team[0]))
	_, err = f.sendEmail(notify.KeyTypeTeam, teamEmail)
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "Can’t send to this recipient using a team-only API key")
	assert.ErrorIs(t, n.RemoveTeamMember(ctx, team[0]), notify.ErrNoResult)

	// Key revoked, then the service archived.
	tok, err := notify.NewToken(f.svc.ID, f.keys[notify.KeyTypeTeam].Key.Secret, time.Now())
	require.NoError(t, err)
	require.NoError(t, n.RevokeServiceAPIKey(ctx, f.svc.ID, f.keys[notify.KeyTypeTeam].Key.ID))
	_, err = n.Authenticate(ctx, "Bearer "+tok)
	requireRefusal(t, err, http.StatusForbidden, notify.NameAuth, notify.MsgKeyRevoked)
	assert.ErrorIs(t, n.RevokeServiceAPIKey(ctx, f.svc.ID, uuid.New()), notify.ErrNoResult)

	tok, err = notify.NewToken(f.svc.ID, f.keys[notify.KeyTypeLive].Key.Secret, time.Now())
	require.NoError(t, err)
	require.NoError(t, n.ArchiveService(ctx, f.svc.ID))
	_, err = n.Authenticate(ctx, "Bearer "+tok)
	requireRefusal(t, err, http.StatusForbidden, notify.NameAuth, notify.MsgServiceArchived)
	keys, err := n.ListAPIKeys(ctx, f.svc.ID)
	require.NoError(t, err)
	for _, k := range keys {
		assert.True(t, k.Revoked(), "key %s revoked by the archive", k.Name)
		assert.Empty(t, k.Secret)
		assert.Empty(t, k.EncryptedSecret)
	}
	templates, err := n.ServiceTemplates(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, templates, "templates archived")
	require.NoError(t, n.ArchiveService(ctx, f.svc.ID), "archiving again is a no-op")
	assert.ErrorIs(t, n.ArchiveService(ctx, uuid.New()), notify.ErrNoResult)
}

func TestReplaceGuestListRefusesBadRecipients(t *testing.T) {
	f := newFixture(t, notify.Service{})
	err := f.env.Notifier.ReplaceGuestList(ctx, f.svc.ID, []string{"ok@example.com", "not an address"})
	requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "not an address is not a valid email address or phone number")
	guests, err := f.env.Notifier.GuestList(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Len(t, guests, 2, "nothing changed")
	assert.ErrorIs(t, f.env.Notifier.ReplaceGuestList(ctx, uuid.New(), nil), notify.ErrNoResult)
}

func TestIssueAPIKey(t *testing.T) {
	env := notifytest.New(t)
	svc := env.Service(t, notify.Service{})
	k, err := env.Notifier.IssueAPIKey(ctx, svc.ID, "ci", notify.KeyTypeTeam)
	require.NoError(t, err)
	assert.Len(t, k.Secret, 36)

	tests := []struct {
		name    string
		service uuid.UUID
		keyName string
		keyType notify.KeyType
		want    map[string][]string
		wantErr error
	}{
		{"name in use", svc.ID, "ci", notify.KeyTypeLive, map[string][]string{"name": {notify.MsgKeyNameInUse}}, nil},
		{"no name, bad type", svc.ID, " ", "admin", map[string][]string{"name": {notify.MsgMissingField},
			"key_type": {"Must be one of: normal, team, test."}}, nil},
		{"no such service", uuid.New(), "x", notify.KeyTypeLive, nil, notify.ErrNoResult},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.Notifier.IssueAPIKey(ctx, tc.service, tc.keyName, tc.keyType)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			assert.Equal(t, tc.want, fieldErrors(t, err))
		})
	}
	require.NoError(t, env.Notifier.RevokeServiceAPIKey(ctx, svc.ID, k.ID))
	_, err = env.Notifier.IssueAPIKey(ctx, svc.ID, "ci", notify.KeyTypeTeam)
	assert.NoError(t, err, "a revoked key's name may be used again")
}

func TestTemplatesAsAdmin(t *testing.T) {
	env := notifytest.New(t)
	svc := env.Service(t, notify.Service{Permissions: []notify.Permission{notify.PermissionSMS}})
	n := env.Notifier
	tpl, err := n.AddTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code", Content: "Code ((code))"})
	require.NoError(t, err)
	assert.Equal(t, 1, tpl.Version)

	refusals := []struct {
		name   string
		t      notify.Template
		status int
		want   map[string][]string
	}{
		{"no permission", notify.Template{ServiceID: svc.ID, Type: notify.Email, Name: "E", Subject: "S", Content: "C"},
			http.StatusForbidden, map[string][]string{"template_type": {"Creating email templates is not allowed"}}},
		{"missing fields", notify.Template{ServiceID: svc.ID, Type: notify.SMS},
			http.StatusBadRequest, map[string][]string{"name": {notify.MsgMissingField}, "content": {notify.MsgMissingField}}},
		{"too long", notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Long", Content: strings.Repeat("a", 919)},
			http.StatusBadRequest, map[string][]string{"content": {"Content has a character count greater than the limit of 918"}}},
		{"letter", notify.Template{ServiceID: svc.ID, Type: notify.Letter, Name: "L", Content: "C"},
			http.StatusBadRequest, map[string][]string{"template_type": {"Must be one of: sms, email."}}},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := n.AddTemplate(ctx, tc.t)
			assert.Equal(t, tc.want, fieldErrors(t, err))
			assert.Equal(t, tc.status, notify.StatusOf(err))
		})
	}

	same, err := n.EditTemplate(ctx, svc.ID, tpl.ID, notify.TemplateUpdate{Name: ptrTo("Code")})
	require.NoError(t, err)
	assert.Equal(t, 1, same.Version, "no change, no new version")
	v2, err := n.EditTemplate(ctx, svc.ID, tpl.ID, notify.TemplateUpdate{Content: ptrTo("Your code is ((code))")})
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Version)
	_, err = n.EditTemplate(ctx, svc.ID, uuid.New(), notify.TemplateUpdate{})
	assert.ErrorIs(t, err, notify.ErrNoResult)

	archived, err := n.ArchiveTemplate(ctx, svc.ID, tpl.ID)
	require.NoError(t, err)
	assert.True(t, archived.Archived)
	assert.Equal(t, 3, archived.Version)
	list, err := n.ServiceTemplates(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, list)
	got, err := n.ServiceTemplate(ctx, svc.ID, tpl.ID)
	require.NoError(t, err)
	assert.True(t, got.Archived, "an archived template can still be read")
}

func TestStatistics(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	clock := now
	f := newFixture(t, notify.Service{Restricted: false}, notifytest.WithConfig(func(c *notify.Config) {
		c.Clock = func() time.Time { return clock }
	}))
	send := func(at time.Time, kt notify.KeyType) {
		clock = at
		_, err := f.sendSMS(kt, guestPhone)
		require.NoError(t, err)
	}
	send(now.AddDate(0, 0, -9), notify.KeyTypeLive) // too old for the week
	send(now.AddDate(0, 0, -3), notify.KeyTypeLive)
	send(now.Add(-time.Hour), notify.KeyTypeLive)
	send(now.Add(-time.Hour), notify.KeyTypeTeam)
	send(now.Add(-time.Hour), notify.KeyTypeSimulate) // never counted
	clock = now
	_, err := f.sendEmail(notify.KeyTypeLive, "a@example.com")
	require.NoError(t, err)

	tests := []struct {
		days       int
		sms, email int
	}{{0, 2, 1}, {7, 3, 1}, {30, 4, 1}}
	for _, tc := range tests {
		st, err := f.env.Notifier.Statistics(ctx, f.svc.ID, tc.days)
		require.NoError(t, err)
		assert.Equal(t, tc.sms, st.SMS.Requested, "sms, %d days", tc.days)
		assert.Equal(t, tc.sms, st.SMS.ByStatus[notify.StatusCreated])
		assert.Equal(t, tc.email, st.Email.Requested, "email, %d days", tc.days)
		assert.Zero(t, st.SMS.Delivered+st.SMS.Failed)
	}
	_, err = f.env.Notifier.Statistics(ctx, uuid.New(), 7)
	assert.ErrorIs(t, err, notify.ErrNoResult)
	_, err = f.env.Notifier.Statistics(ctx, f.svc.ID, -1)
	assert.Error(t, err)
}

func TestServiceNotificationsPages(t *testing.T) {
	f := newFixture(t, notify.Service{Restricted: false})
	for range 5 {
		_, err := f.sendSMS(notify.KeyTypeLive, guestPhone)
		require.NoError(t, err)
	}
	_, err := f.sendSMS(notify.KeyTypeSimulate, guestPhone)
	require.NoError(t, err)
	_, err = f.sendEmail(notify.KeyTypeTeam, teamEmail)
	require.NoError(t, err)

	tests := []struct {
		name     string
		q        notify.AdminListQuery
		wantLen  int
		wantMore bool
	}{
		{"everything but test keys", notify.AdminListQuery{}, 6, false},
		{"with test keys", notify.AdminListQuery{IncludeTestKey: true}, 7, false},
		{"page 1 of 2", notify.AdminListQuery{PageSize: 4}, 4, true},
		{"page 2 of 2", notify.AdminListQuery{PageSize: 4, Page: 2}, 2, false},
		{"email only", notify.AdminListQuery{Types: []notify.NotificationType{notify.Email}}, 1, false},
		{"accepted means created and sending", notify.AdminListQuery{Statuses: []notify.Status{notify.StatusAccepted}}, 6, false},
		{"delivered", notify.AdminListQuery{Statuses: []notify.Status{notify.StatusDelivered}}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, more, err := f.env.Notifier.ServiceNotifications(ctx, f.svc.ID, tc.q)
			require.NoError(t, err)
			assert.Len(t, page, tc.wantLen)
			assert.Equal(t, tc.wantMore, more)
		})
	}
	_, _, err = f.env.Notifier.ServiceNotifications(ctx, f.svc.ID, notify.AdminListQuery{PageSize: 501})
	assert.Error(t, err)
}

func TestAuthenticateAdmin(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Clock = func() time.Time { return now } }))
	secret := []byte("admin-secret")
	good, err := notify.NewAdminToken(secret, now)
	require.NoError(t, err)
	wrongSecret, err := notify.NewAdminToken([]byte("other"), now)
	require.NoError(t, err)
	expired, err := notify.NewAdminToken(secret, now.Add(-31*time.Second))
	require.NoError(t, err)
	future, err := notify.NewAdminToken(secret, now.Add(31*time.Second))
	require.NoError(t, err)
	serviceTok, err := notify.NewToken(uuid.New(), "secret", now)
	require.NoError(t, err)

	tests := []struct {
		name   string
		header string
		secret []byte
		status int
		msg    string
	}{
		{"good", "Bearer " + good, secret, 0, ""},
		{"lower-case scheme", "bearer " + good, secret, 0, ""},
		{"no header", "", secret, 401, notify.MsgNoToken},
		{"basic scheme", "Basic " + good, secret, 401, notify.MsgBearerScheme},
		{"not a JWT", "Bearer nonsense", secret, 403, notify.MsgInvalidToken},
		{"a service's token", "Bearer " + serviceTok, secret, 401, notify.MsgNotAllowed},
		{"wrong secret", "Bearer " + wrongSecret, secret, 403, notify.MsgKeyNotFound},
		{"expired iat", "Bearer " + expired, secret, 403, notify.MsgClockSkew},
		{"iat in the future", "Bearer " + future, secret, 403, notify.MsgClockSkew},
		{"no secret configured", "Bearer " + good, nil, 403, notify.MsgKeyNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := env.Notifier.AuthenticateAdmin(tc.header, tc.secret)
			if tc.status == 0 {
				assert.NoError(t, err)
				return
			}
			requireRefusal(t, err, tc.status, notify.NameAuth, tc.msg)
		})
	}
}

// bareStore has only the Store interface's methods.
type bareStore struct{ notify.Store }

func TestAbilitiesMissingFromTheStore(t *testing.T) {
	for _, ttl := range []time.Duration{0, -1} { // with and without the read cache
		env := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) {
			c.Store = bareStore{memstore.New()}
			c.ReadCacheTTL = ttl
		}))
		n := env.Notifier
		svc, err := n.CreateService(ctx, notify.Service{Name: "Bare"})
		require.NoError(t, err)
		_, err = n.ListServices(ctx)
		assert.ErrorIs(t, err, notify.ErrUnsupported)
		assert.ErrorIs(t, n.ReplaceGuestList(ctx, svc.ID, nil), notify.ErrUnsupported)
		assert.ErrorIs(t, n.RemoveTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID}), notify.ErrUnsupported)
		_, err = n.Statistics(ctx, svc.ID, 7)
		assert.ErrorIs(t, err, notify.ErrUnsupported)
		_, err = n.ArchiveExpired(ctx)
		assert.ErrorIs(t, err, notify.ErrUnsupported)
		assert.False(t, errors.Is(err, notify.ErrNotFound))
	}
}
