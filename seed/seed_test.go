package seed_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/seed"
	"github.com/notifykit/notify/store/memstore"
)

// seedPath is a seed file using every field of the format. cmd/notifyd's
// tests start servers with it too.
var seedPath = filepath.Join("testdata", "seed.json")

var (
	seedService = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	seedSMS     = uuid.MustParse("66666666-6666-4666-8666-666666666666")
)

// seedDoc returns the content of seedPath.
func seedDoc(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(seedPath)
	require.NoError(t, err)
	return string(raw)
}

func newNotifier(t *testing.T) *notify.Notifier {
	t.Helper()
	return notifytest.New(t).Notifier
}

// snapshot is what a seed load can change.
type snapshot struct {
	svc    notify.Service
	team   []notify.TeamMember
	guests []notify.GuestListEntry
	keys   []notify.APIKey
	tpls   []notify.Template
	texts  []notify.InboundSMS
}

func snap(t *testing.T, n *notify.Notifier) snapshot {
	t.Helper()
	st := n.Store()
	svc, err := st.GetService(ctx(), seedService)
	require.NoError(t, err)
	var s snapshot
	s.svc = *svc
	s.team, err = st.ListTeamMembers(ctx(), seedService)
	require.NoError(t, err)
	s.guests, err = st.ListGuestList(ctx(), seedService)
	require.NoError(t, err)
	s.keys, err = st.ListAPIKeys(ctx(), seedService)
	require.NoError(t, err)
	for i := range s.keys {
		s.keys[i].EncryptedSecret = nil // sealed with a fresh nonce each time
	}
	s.tpls, err = st.ListTemplates(ctx(), seedService, "")
	require.NoError(t, err)
	s.texts, err = st.ListInboundSMS(ctx(), seedService, nil, 0)
	require.NoError(t, err)
	return s
}

func ctx() context.Context { return context.Background() }

func TestSeedIdempotent(t *testing.T) {
	t.Parallel()
	n := newNotifier(t)
	f, err := seed.Read(seedPath)
	require.NoError(t, err)
	require.NoError(t, seed.Apply(ctx(), n, f))
	first := snap(t, n)
	assert.True(t, first.svc.Restricted)
	assert.Equal(t, 5, first.svc.MessageLimit)
	assert.Equal(t, 600, first.svc.RateLimit)
	assert.Equal(t, 5, first.svc.SMSMessageLimit)
	assert.Equal(t, 6, first.svc.EmailMessageLimit)
	assert.Equal(t, 2, first.svc.InternationalSMSMessageLimit)
	assert.Equal(t, []notify.Permission{"sms", "email", "international_sms"}, first.svc.Permissions)
	assert.Len(t, first.team, 1)
	assert.Len(t, first.guests, 2)
	require.Len(t, first.keys, 2)
	require.Len(t, first.tpls, 2)
	for _, k := range first.keys {
		assert.Equal(t, k.Name == "old", k.Revoked(), k.Name)
	}
	assert.Equal(t, "team@example.gov.uk", first.tpls[0].CreatedBy)
	require.Len(t, first.texts, 1)
	assert.Equal(t, "Hi", first.texts[0].Content)
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), first.texts[0].CreatedAt.UTC())

	require.NoError(t, seed.Apply(ctx(), n, f))
	assert.Equal(t, first, snap(t, n), "a second load changes nothing")

	// The seeded key authenticates; the revoked one is refused as revoked.
	live := "live-" + seedService.String() + "-33333333-3333-4333-8333-333333333333"
	sid, secret, err := notify.ParseKey(live)
	require.NoError(t, err)
	tok, err := notify.NewToken(sid, secret, time.Now())
	require.NoError(t, err)
	c, err := n.Authenticate(ctx(), "Bearer "+tok)
	require.NoError(t, err)
	assert.Equal(t, notify.KeyTypeLive, c.Key.KeyType)
	tok, err = notify.NewToken(seedService, "55555555-5555-4555-8555-555555555555", time.Now())
	require.NoError(t, err)
	_, err = n.Authenticate(ctx(), "Bearer "+tok)
	// Revoked on 2026-01-01: more than 7 days ago it is "not found".
	require.Error(t, err)
	assert.Contains(t, []string{notify.MsgKeyRevoked, notify.MsgKeyNotFound}, err.Error())
}

func TestSeedUpdates(t *testing.T) {
	t.Parallel()
	n := newNotifier(t)
	f, err := seed.Parse([]byte(seedDoc(t)))
	require.NoError(t, err)
	require.NoError(t, seed.Apply(ctx(), n, f))

	changed, err := seed.Parse([]byte(strings.NewReplacer(`"Code ((code))"`, `"Your code: ((code))"`,
		`"message_limit": 5`, `"message_limit": 9`, `"rate_limit": 600`, `"rate_limit": 60`).Replace(seedDoc(t))))
	require.NoError(t, err)
	require.NoError(t, seed.Apply(ctx(), n, changed))
	tpl, err := n.Store().GetTemplate(ctx(), seedService, seedSMS)
	require.NoError(t, err)
	assert.Equal(t, 2, tpl.Version)
	assert.Equal(t, "Your code: ((code))", tpl.Content)
	assert.Equal(t, notify.ProcessPriority, tpl.ProcessType)
	old, err := n.Store().GetTemplateVersion(ctx(), seedService, seedSMS, 1)
	require.NoError(t, err)
	assert.Equal(t, "Code ((code))", old.Content)
	svc, err := n.Store().GetService(ctx(), seedService)
	require.NoError(t, err)
	assert.Equal(t, 9, svc.MessageLimit)
	assert.Equal(t, 60, svc.RateLimit)
	// Loading the changed seed again changes nothing more.
	require.NoError(t, seed.Apply(ctx(), n, changed))
	tpl, err = n.Store().GetTemplate(ctx(), seedService, seedSMS)
	require.NoError(t, err)
	assert.Equal(t, 2, tpl.Version)
}

// TestSeedDailyLimits: the per-channel limits, and message_limit setting
// those left out.
func TestSeedDailyLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		limits                  string // JSON fields
		total, sms, email, intl int    // as stored
	}{
		{"none: the mode's defaults", ``, 50, 0, 0, 0},
		{"message_limit sets every channel", `, "message_limit": 5`, 5, 5, 5, 5},
		{"a channel given keeps its own", `, "message_limit": 5, "sms_message_limit": 3`, 5, 3, 5, 5},
		{"every channel given", `, "message_limit": 5, "sms_message_limit": 3, "email_message_limit": 4,
			"international_sms_message_limit": 1`, 5, 3, 4, 1},
		{"channels without message_limit", `, "email_message_limit": 7`, 50, 0, 7, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := newNotifier(t)
			f, err := seed.Parse([]byte(`{"services": [{"id": "` + seedService.String() + `", "name": "Limits"` +
				tc.limits + `}]}`))
			require.NoError(t, err)
			require.NoError(t, seed.Apply(ctx(), n, f))
			svc, err := n.Store().GetService(ctx(), seedService)
			require.NoError(t, err)
			assert.Equal(t, []int{tc.total, tc.sms, tc.email, tc.intl},
				[]int{svc.MessageLimit, svc.SMSMessageLimit, svc.EmailMessageLimit, svc.InternationalSMSMessageLimit})

			// A changed limit is updated, and applying again changes nothing.
			f.Services[0].SMSMessageLimit = 9
			require.NoError(t, seed.Apply(ctx(), n, f))
			svc, err = n.Store().GetService(ctx(), seedService)
			require.NoError(t, err)
			assert.Equal(t, 9, svc.SMSMessageLimit)
			updated := svc.UpdatedAt
			require.NoError(t, seed.Apply(ctx(), n, f))
			svc, err = n.Store().GetService(ctx(), seedService)
			require.NoError(t, err)
			assert.Equal(t, updated, svc.UpdatedAt)
		})
	}
}

func TestSeedRefusals(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"unknown field":       `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "nmae": 1}]}`,
		"no id":               `{"services": [{"name": "x"}]}`,
		"bad key type":        `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "api_keys": [{"id": "22222222-2222-4222-8222-222222222222", "name": "k", "key_type": "live", "secret": "33333333-3333-4333-8333-333333333333"}]}]}`,
		"secret not uuid":     `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "api_keys": [{"id": "22222222-2222-4222-8222-222222222222", "name": "k", "key_type": "team", "secret": "short"}]}]}`,
		"letter template":     `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "templates": [{"id": "22222222-2222-4222-8222-222222222222", "name": "t", "type": "letter"}]}]}`,
		"bad permission":      `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "permissions": ["letter"]}]}`,
		"negative rate limit": `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "rate_limit": -1}]}`,
		"trailing garbage":    `{"services": []} {}`,
		"negative limit":      `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "sms_message_limit": -1}]}`,
		"not json":            `services:`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := seed.Parse([]byte(doc))
			assert.Error(t, err)
		})
	}
}

// TestApplyChecks: a File built in Go is refused as its JSON would be,
// before anything is stored.
func TestApplyChecks(t *testing.T) {
	t.Parallel()
	n := newNotifier(t)
	bad := &seed.File{Services: []seed.Service{
		{ID: seedService, Name: "fine"},
		{ID: uuid.New(), Name: "bad key", APIKeys: []seed.APIKey{{ID: uuid.New(), Name: "k", KeyType: "live", Secret: uuid.NewString()}}},
	}}
	err := seed.Apply(ctx(), n, bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "services[1].api_keys[0]")
	_, err = n.Store().GetService(ctx(), seedService)
	require.ErrorIs(t, err, notify.ErrNotFound, "nothing is applied from a refused file")
	assert.Error(t, seed.Apply(ctx(), n, nil))
}

// TestMarshalRoundTrip: a File written with encoding/json reads back as
// it was, optional fields left out included, and an empty permission list
// stays empty (not the default).
func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	f, err := seed.Read(seedPath)
	require.NoError(t, err)
	f.Services = append(f.Services, seed.Service{ID: uuid.New(), Name: "bare", Permissions: []notify.Permission{}})
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	back, err := seed.Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, f, back)
	bare, err := json.Marshal(back.Services[1])
	require.NoError(t, err)
	assert.JSONEq(t, `{"id": "`+f.Services[1].ID.String()+`", "name": "bare", "permissions": []}`, string(bare))
}

func TestReadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := seed.Read(filepath.Join(t.TempDir(), "absent.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestSeedConcurrent: processes starting at the same moment with the same
// seed on an empty database all succeed and leave what one load leaves.
func TestSeedConcurrent(t *testing.T) {
	t.Parallel()
	f, err := seed.Read(seedPath)
	require.NoError(t, err)

	alone := newNotifier(t)
	require.NoError(t, seed.Apply(ctx(), alone, f))
	want := snap(t, alone)

	for round := range 5 {
		st := slowReads{memstore.New()}
		const procs = 6
		errs := make([]error, procs)
		var wg sync.WaitGroup
		start := make(chan struct{})
		var first *notify.Notifier
		for i := range procs {
			n := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = st })).Notifier
			if i == 0 {
				first = n
			}
			wg.Go(func() {
				<-start
				errs[i] = seed.Apply(ctx(), n, f)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "round %d, process %d", round, i)
		}
		got := snap(t, first)
		// Creation times differ from the lone load's; everything else must not.
		got.svc.CreatedAt, got.svc.UpdatedAt = want.svc.CreatedAt, want.svc.UpdatedAt
		for i := range got.keys {
			got.keys[i].CreatedAt = want.keys[i].CreatedAt
		}
		for i := range got.tpls {
			got.tpls[i].CreatedAt, got.tpls[i].UpdatedAt = want.tpls[i].CreatedAt, want.tpls[i].UpdatedAt
		}
		require.Equal(t, want, got, "round %d", round)
	}
}

// slowReads widens the window between a seed's read and its create, so
// that concurrent loads all find nothing and all try to create.
type slowReads struct{ notify.Store }

func (s slowReads) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	svc, err := s.Store.GetService(ctx, id)
	time.Sleep(10 * time.Millisecond)
	return svc, err
}

func (s slowReads) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*notify.Template, error) {
	tpl, err := s.Store.GetTemplate(ctx, serviceID, id)
	time.Sleep(10 * time.Millisecond)
	return tpl, err
}

func (s slowReads) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]notify.APIKey, error) {
	keys, err := s.Store.ListAPIKeys(ctx, serviceID)
	time.Sleep(10 * time.Millisecond)
	return keys, err
}

func (s slowReads) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]notify.TeamMember, error) {
	team, err := s.Store.ListTeamMembers(ctx, serviceID)
	time.Sleep(10 * time.Millisecond)
	return team, err
}

func (s slowReads) ListInboundSMS(ctx context.Context, serviceID uuid.UUID, olderThan *uuid.UUID, limit int) ([]notify.InboundSMS, error) {
	list, err := s.Store.ListInboundSMS(ctx, serviceID, olderThan, limit)
	time.Sleep(10 * time.Millisecond)
	return list, err
}
