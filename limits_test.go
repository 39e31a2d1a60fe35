package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/cache/rediscache"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/memstore"
)

// Recipients of the per-channel limit tests.
const (
	egyptSMS  = "20-12-1234-1234"  // upstream's international test number: prefix 20
	jerseySMS = "+44 7797 100 100" // a crown dependency: +44, so not international_sms
	ukSMS     = "07700 900789"     // a UK mobile, not simulated
)

func TestServiceDailyLimit(t *testing.T) {
	t.Parallel()
	own := notify.Service{SMSMessageLimit: 3, EmailMessageLimit: 4, InternationalSMSMessageLimit: 5}
	tests := []struct {
		name    string
		svc     notify.Service
		limit   notify.DailyLimitName
		want    int
		comment string
	}{
		{"trial sms", notify.Service{Restricted: true}, notify.DailyLimitSMS, 50, "upstream's trial allowance"},
		{"trial email", notify.Service{Restricted: true}, notify.DailyLimitEmail, 50, "upstream's trial allowance"},
		{"trial international", notify.Service{Restricted: true}, notify.DailyLimitInternationalSMS, 100, ""},
		{"live sms", notify.Service{}, notify.DailyLimitSMS, 250_000, "upstream's live default"},
		{"live email", notify.Service{}, notify.DailyLimitEmail, 250_000, "upstream's live default"},
		{"live international", notify.Service{}, notify.DailyLimitInternationalSMS, 100, ""},
		{"own sms", own, notify.DailyLimitSMS, 3, ""},
		{"own email", own, notify.DailyLimitEmail, 4, ""},
		{"own international", own, notify.DailyLimitInternationalSMS, 5, ""},
		{"message_limit is not a channel's", notify.Service{Restricted: true, MessageLimit: 7}, notify.DailyLimitSMS, 50,
			"the total belongs to TotalDailyLimit"},
		{"letters have no allowance", notify.Service{}, notify.DailyLimitName("letter"), 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.svc.DailyLimit(tc.limit), tc.comment)
		})
	}
}

// limitFixture is newFixture for a service that may also send text
// messages abroad.
func limitFixture(t *testing.T, svc notify.Service, opts ...notifytest.Option) *fixture {
	t.Helper()
	svc.Permissions = []notify.Permission{notify.PermissionSMS, notify.PermissionEmail, notify.PermissionInternationalSMS}
	return newFixture(t, svc, opts...)
}

// channelKey is the cache key of f's counter for the limit name today.
func channelKey(f *fixture, name notify.DailyLimitName) string {
	return notify.DailyChannelCacheKey(f.svc.ID, name, time.Now())
}

// limitMsg is the refusal of a send past the limit name.
func limitMsg(name notify.DailyLimitName, limit int) string {
	return fmt.Sprintf("Exceeded send limits (%s: %d) for today", name, limit)
}

// TestCheckServiceMessageLimit ports upstream's TestCheckServiceMessageLimit
// (tests/app/notifications/test_validators.py), for team and live keys and
// each limit. Where upstream sets a cold counter to 0, notify seeds it
// from the Store's count (0 here).
func TestCheckServiceMessageLimit(t *testing.T) {
	t.Parallel()
	limits := func(n int) notify.Service {
		return notify.Service{SMSMessageLimit: n, EmailMessageLimit: n, InternationalSMSMessageLimit: n}
	}
	tests := []struct {
		name        string
		svc         notify.Service
		cached      int64 // the counter before the check; -1: none
		sends       int
		refusedAt   int   // the limit named in the refusal; 0: the check passes
		wantCounter int64 // the counter after the check
	}{
		{"test_check_service_message_limit_in_cache_under_message_limit_passes", notify.Service{}, 1, 1, 0, 1},
		{"test_check_service_over_daily_message_limit_should_set_cache_value_as_zero_if_cache_not_set", notify.Service{}, -1, 1, 0, 0},
		{"test_check_service_message_limit_over_message_limit_fails_with_cold_ie_missing_cache_value", limits(4), -1, 10, 4, 0},
		{"test_check_service_message_limit_over_message_limit_fails", limits(4), 5, 1, 4, 5},
		{"test_check_service_message_limit_check_with_multiple_notifications_for_jobs", limits(10), 9, 2, 10, 9},
		{"exactly the limit passes", limits(10), 8, 2, 0, 8},
	}
	for _, tc := range tests {
		for _, kt := range []notify.KeyType{notify.KeyTypeTeam, notify.KeyTypeLive} {
			for _, name := range []notify.DailyLimitName{notify.DailyLimitSMS, notify.DailyLimitEmail, notify.DailyLimitInternationalSMS} {
				t.Run(fmt.Sprintf("%s/%s/%s", tc.name, kt, name), func(t *testing.T) {
					t.Parallel()
					f := limitFixture(t, tc.svc)
					key := channelKey(f, name)
					if tc.cached >= 0 {
						require.NoError(t, f.env.Cache.Set(ctx, key, tc.cached, time.Hour))
					}
					err := notify.CheckDailyLimit(ctx, f.env.Notifier, f.keys[kt], name, tc.sends)
					if tc.refusedAt == 0 {
						require.NoError(t, err)
					} else {
						requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, limitMsg(name, tc.refusedAt))
					}
					v, err := f.env.Cache.Get(ctx, key)
					require.NoError(t, err)
					assert.Equal(t, tc.wantCounter, v)
				})
			}
		}
	}
	t.Run("test_check_service_over_daily_message_limit_should_not_interact_with_cache_for_test_key", func(t *testing.T) {
		t.Parallel()
		f := limitFixture(t, limits(1))
		for _, name := range []notify.DailyLimitName{notify.DailyLimitSMS, notify.DailyLimitEmail, notify.DailyLimitInternationalSMS} {
			require.NoError(t, notify.CheckDailyLimit(ctx, f.env.Notifier, f.keys[notify.KeyTypeSimulate], name, 10), name)
			_, err := f.env.Cache.Get(ctx, channelKey(f, name))
			assert.ErrorIs(t, err, notify.ErrCacheMiss, "%s: a simulate key never touches the counter", name)
		}
	})
}

// TestInternationalDailyLimit ports upstream's
// test_validate_and_format_recipient_* cases on the international_sms
// limit: it applies to numbers outside +44, crown dependencies included
// in the UK.
func TestInternationalDailyLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		to      string
		refused bool
	}{
		{"test_validate_and_format_recipient_raises_when_service_over_daily_limit_for_international_sms", egyptSMS, true},
		{"test_validate_and_format_recipient_doesnt_raise_for_crown_dependency_num_when_service_over_daily_intl_sms_limit", jerseySMS, false},
		{"a UK mobile", ukSMS, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := limitFixture(t, notify.Service{InternationalSMSMessageLimit: 4})
			require.NoError(t, f.env.Cache.Set(ctx, channelKey(f, notify.DailyLimitInternationalSMS), 5, time.Hour))
			nt, err := f.sendSMS(notify.KeyTypeLive, tc.to)
			if tc.refused {
				requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests,
					"Exceeded send limits (international_sms: 4) for today")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "44", nt.PhonePrefix)
		})
	}
}

func TestDailyLimitPerChannel(t *testing.T) {
	t.Parallel()
	t.Run("after 3 text messages the 4th is refused and an email still goes through", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, SMSMessageLimit: 3})
		for i := range 3 {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err, "send %d", i+1)
		}
		_, err := f.sendSMS(notify.KeyTypeTeam, teamPhone)
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 3) for today")
		_, err = f.sendEmail(notify.KeyTypeLive, teamEmail)
		require.NoError(t, err, "the email limit is another")
		for range 5 {
			_, err := f.sendSMS(notify.KeyTypeSimulate, strangerSMS)
			require.NoError(t, err, "simulate keys are neither checked nor counted")
		}
	})
	t.Run("a live service is limited too", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{SMSMessageLimit: 2, EmailMessageLimit: 1})
		sendAll(t, f, []send{
			{notify.SMS, strangerSMS, ""},
			{notify.SMS, strangerSMS, ""},
			{notify.SMS, strangerSMS, "Exceeded send limits (sms: 2) for today"},
			{notify.Email, strangerEm, ""},
			{notify.Email, strangerEm, "Exceeded send limits (email: 1) for today"},
		})
	})
	t.Run("a trial service gets the trial allowance", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, MessageLimit: 1000})
		for i := range notify.DefaultTrialDailyLimit {
			_, err := f.sendSMS(notify.KeyTypeTeam, teamPhone)
			require.NoError(t, err, "send %d", i+1)
		}
		_, err := f.sendSMS(notify.KeyTypeTeam, teamPhone)
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 50) for today")
	})
	t.Run("refused before the request is read", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, SMSMessageLimit: 1})
		_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
		require.NoError(t, err)
		live := f.keys[notify.KeyTypeLive]
		_, err = f.env.Notifier.SendJSON(ctx, live, notify.SMS, []byte("not json"))
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 1) for today")
		_, err = f.env.Notifier.SendV1(ctx, live, notify.SMS, []byte("not json"))
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 1) for today")
		_, err = f.env.Notifier.SendJSON(ctx, live, notify.Email, []byte("not json"))
		requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "Invalid JSON supplied in POST data")
	})
	t.Run("refusals are not counted", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, SMSMessageLimit: 2})
		for range 5 {
			_, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
			require.Error(t, err)
		}
		for range 2 {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err)
		}
	})
	t.Run("an international text message counts against sms and international_sms", func(t *testing.T) {
		t.Parallel()
		f := limitFixture(t, notify.Service{SMSMessageLimit: 4, InternationalSMSMessageLimit: 2})
		sendAll(t, f, []send{
			{notify.SMS, egyptSMS, ""},
			{notify.SMS, egyptSMS, ""},
			{notify.SMS, egyptSMS, "Exceeded send limits (international_sms: 2) for today"},
			{notify.SMS, jerseySMS, ""}, // a crown dependency is not international
			{notify.SMS, ukSMS, ""},
			{notify.SMS, ukSMS, "Exceeded send limits (sms: 4) for today"},
		})
		for name, want := range map[notify.DailyLimitName]int64{notify.DailyLimitSMS: 4, notify.DailyLimitInternationalSMS: 2} {
			v, err := f.env.Cache.Get(ctx, channelKey(f, name))
			require.NoError(t, err)
			assert.Equal(t, want, v, name)
		}
	})
	t.Run("sms is checked before international_sms", func(t *testing.T) {
		t.Parallel()
		f := limitFixture(t, notify.Service{SMSMessageLimit: 1, InternationalSMSMessageLimit: 1})
		sendAll(t, f, []send{
			{notify.SMS, egyptSMS, ""},
			{notify.SMS, egyptSMS, "Exceeded send limits (sms: 1) for today"},
		})
	})
	t.Run("international_sms is checked once the number is known", func(t *testing.T) {
		t.Parallel()
		f := limitFixture(t, notify.Service{InternationalSMSMessageLimit: 1})
		_, err := f.sendSMS(notify.KeyTypeLive, egyptSMS)
		require.NoError(t, err)
		_, err = f.sendSMS(notify.KeyTypeLive, "+20 12")
		requireRefusal(t, err, http.StatusBadRequest, notify.NameValidation, "phone_number Not enough digits")
		_, err = f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeLive], &notify.SMSRequest{PhoneNumber: egyptSMS,
			TemplateID: f.sms.ID})
		requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, "Missing personalisation: name")
		_, err = f.sendSMS(notify.KeyTypeLive, ukSMS)
		require.NoError(t, err)
	})
	t.Run("a failing cache never fails a request and the store enforces every limit", func(t *testing.T) {
		t.Parallel()
		f := limitFixture(t, notify.Service{SMSMessageLimit: 2, EmailMessageLimit: 1, InternationalSMSMessageLimit: 1},
			notifytest.WithConfig(func(c *notify.Config) { c.Cache = brokenCache{} }))
		sendAll(t, f, []send{
			{notify.SMS, egyptSMS, ""},
			{notify.SMS, egyptSMS, "Exceeded send limits (international_sms: 1) for today"},
			{notify.SMS, ukSMS, ""},
			{notify.SMS, ukSMS, "Exceeded send limits (sms: 2) for today"},
			{notify.Email, strangerEm, ""},
			{notify.Email, strangerEm, "Exceeded send limits (email: 1) for today"},
		})
	})
	t.Run("a Store without ChannelCounter is counted by listing", func(t *testing.T) {
		t.Parallel()
		f := limitFixture(t, notify.Service{SMSMessageLimit: 1202, InternationalSMSMessageLimit: 601},
			notifytest.WithConfig(func(c *notify.Config) {
				c.Store = plainStore{memstore.New()}
				c.Cache = brokenCache{} // every check counts
			}))
		st := f.env.Notifier.Store()
		today := time.Now().UTC()
		add := func(createdAt time.Time, prefix string, kt notify.KeyType) {
			require.NoError(t, st.CreateNotification(ctx, &notify.Notification{ID: uuid.New(), ServiceID: f.svc.ID,
				TemplateID: f.sms.ID, TemplateVersion: 1, KeyType: kt, Type: notify.SMS, To: "x", NormalisedTo: "x",
				Body: "b", Status: notify.StatusDelivered, Queue: notify.QueueSendSMS, PhonePrefix: prefix,
				CreatedAt: createdAt}))
		}
		for i := range 1200 { // more than two pages, half of them abroad
			prefix := "44"
			if i%2 == 0 {
				prefix = "33"
			}
			add(today.Add(-time.Duration(i)*time.Microsecond), prefix, notify.KeyTypeLive)
		}
		add(today, "33", notify.KeyTypeSimulate) // never counted
		yesterday := startOfDayUTC(today).Add(-time.Microsecond)
		add(yesterday, "33", notify.KeyTypeLive)
		sendAll(t, f, []send{
			{notify.SMS, egyptSMS, ""},
			{notify.SMS, egyptSMS, "Exceeded send limits (international_sms: 601) for today"},
			{notify.SMS, ukSMS, ""},
			{notify.SMS, ukSMS, "Exceeded send limits (sms: 1202) for today"},
			{notify.Email, strangerEm, ""},
		})
	})
}

// send is one send of sendAll and the refusal it must get ("": accepted).
type send struct {
	typ     notify.NotificationType
	to      string
	refusal string
}

// sendAll sends each of sends with a live key, in order.
func sendAll(t *testing.T, f *fixture, sends []send) {
	t.Helper()
	for i, s := range sends {
		var err error
		if s.typ == notify.SMS {
			_, err = f.sendSMS(notify.KeyTypeLive, s.to)
		} else {
			_, err = f.sendEmail(notify.KeyTypeLive, s.to)
		}
		if s.refusal == "" {
			require.NoError(t, err, "send %d", i+1)
		} else {
			requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, s.refusal)
		}
	}
}

func startOfDayUTC(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// plainStore hides every optional ability of the Store it holds.
type plainStore struct{ notify.Store }

// redisCache is a rediscache on a fresh miniredis: a LimitCache and a
// LimitReleaser, as in a deployment.
func redisCache(t *testing.T) *rediscache.Cache {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return rediscache.New(client, rediscache.Options{})
}

// faultyCache is a rediscache that lies on Get or fails IncrBelow for keys
// ending in suffix.
type faultyCache struct {
	*rediscache.Cache
	suffix        string
	getZero       bool // Get answers 0
	incrBelowFail bool // IncrBelow fails
}

var errFault = errors.New("injected fault")

func (c faultyCache) Get(ctx context.Context, key string) (int64, error) {
	if c.getZero && strings.HasSuffix(key, c.suffix) {
		return 0, nil
	}
	return c.Cache.Get(ctx, key)
}

// TakeTokenAndGet lies as Get does: the checks before the body read
// through it.
func (c faultyCache) TakeTokenAndGet(ctx context.Context, bucket string, now time.Time, p notify.BucketParams, keys []string) (int64, []notify.CachedCount, error) {
	left, counts, err := c.Cache.TakeTokenAndGet(ctx, bucket, now, p, keys)
	for i, k := range keys {
		if err == nil && c.getZero && strings.HasSuffix(k, c.suffix) {
			counts[i] = notify.CachedCount{Found: true}
		}
	}
	return left, counts, err
}

func (c faultyCache) IncrBelow(ctx context.Context, key string, limit int64) (int64, bool, error) {
	if c.incrBelowFail && strings.HasSuffix(key, c.suffix) {
		return 0, false, errFault
	}
	return c.Cache.IncrBelow(ctx, key, limit)
}

func TestInternationalReservationHoldsBothPlacesOrNone(t *testing.T) {
	t.Parallel()
	suffix := func(name notify.DailyLimitName) string {
		return "-" + string(name) + "-" + time.Now().UTC().Format("2006-01-02") + "-count"
	}
	sms, intl := notify.DailyLimitSMS, notify.DailyLimitInternationalSMS
	tests := []struct {
		name    string
		fault   faultyCache // without its Cache
		full    notify.DailyLimitName
		refusal string // "": accepted
		want    map[notify.DailyLimitName]int64
	}{
		// The check reads 0 (another process took the last place since),
		// the reservation finds the counter full.
		{"international_sms full: no sms place is taken", faultyCache{suffix: suffix(intl), getZero: true}, intl,
			"Exceeded send limits (international_sms: 1) for today", map[notify.DailyLimitName]int64{sms: 0, intl: 1}},
		{"sms full: the international_sms place is given back", faultyCache{suffix: suffix(sms), getZero: true}, sms,
			"Exceeded send limits (sms: 1) for today", map[notify.DailyLimitName]int64{sms: 1, intl: 0}},
		// A cache failure never fails a request: the send holds no place
		// and is counted once stored.
		{"international_sms fails: counted after", faultyCache{suffix: suffix(intl), incrBelowFail: true}, "",
			"", map[notify.DailyLimitName]int64{sms: 1, intl: 1}},
		{"sms fails: international_sms given back, counted after", faultyCache{suffix: suffix(sms), incrBelowFail: true}, "",
			"", map[notify.DailyLimitName]int64{sms: 1, intl: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := redisCache(t)
			cache := tc.fault
			cache.Cache = rc
			f := limitFixture(t, notify.Service{SMSMessageLimit: 1, InternationalSMSMessageLimit: 1},
				notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
			if tc.full != "" {
				require.NoError(t, rc.Set(ctx, channelKey(f, tc.full), 1, time.Hour))
			}
			_, err := f.sendSMS(notify.KeyTypeLive, egyptSMS)
			stored := 1
			if tc.refusal == "" {
				require.NoError(t, err)
			} else {
				requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, tc.refusal)
				stored = 0
			}
			for name, want := range tc.want {
				v, err := rc.Get(ctx, channelKey(f, name))
				require.NoError(t, err)
				assert.Equal(t, want, v, name)
			}
			n, err := f.env.Notifier.Store().CountNotifications(ctx, f.svc.ID, time.Now().Add(-time.Hour))
			require.NoError(t, err)
			assert.Equal(t, stored, n)
		})
	}
}

// TestDailyLimitConcurrentSends: 200 concurrent sends per channel never
// pass a limit of 50, in one process, with either cache.
func TestDailyLimitConcurrentSends(t *testing.T) {
	t.Parallel()
	caches := []struct {
		name string
		new  func(t *testing.T) notify.Cache
	}{
		{"memcache", func(*testing.T) notify.Cache { return memcache.New(memcache.Options{}) }},
		{"rediscache", func(t *testing.T) notify.Cache { return redisCache(t) }},
	}
	const sends, limit = 200, 50
	for _, cc := range caches {
		t.Run(cc.name+"/per channel", func(t *testing.T) {
			t.Parallel()
			cache := cc.new(t)
			f := limitFixture(t, notify.Service{SMSMessageLimit: limit, EmailMessageLimit: limit},
				notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
			got := concurrently(t, f, map[string]int{ukSMS: sends, strangerEm: sends})
			assert.Equal(t, limit, got[ukSMS].accepted)
			assert.Equal(t, limit, got[strangerEm].accepted)
			assert.Equal(t, map[string]int{"Exceeded send limits (sms: 50) for today": sends - limit}, got[ukSMS].refused)
			assert.Equal(t, map[string]int{"Exceeded send limits (email: 50) for today": sends - limit}, got[strangerEm].refused)
			assertStored(t, f, notify.DailyCounts{SMS: limit, Email: limit})
		})
	}
	t.Run("rediscache/international counts against both", func(t *testing.T) {
		t.Parallel()
		cache := redisCache(t)
		f := limitFixture(t, notify.Service{SMSMessageLimit: limit, InternationalSMSMessageLimit: 20},
			notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
		got := concurrently(t, f, map[string]int{egyptSMS: sends})
		assert.Equal(t, 20, got[egyptSMS].accepted)
		assert.Equal(t, map[string]int{"Exceeded send limits (international_sms: 20) for today": sends - 20}, got[egyptSMS].refused)
		for name, want := range map[notify.DailyLimitName]int64{notify.DailyLimitSMS: 20, notify.DailyLimitInternationalSMS: 20} {
			v, err := cache.Get(ctx, channelKey(f, name))
			require.NoError(t, err)
			assert.Equal(t, want, v, "%s: refused international sends gave their places back", name)
		}
		// The rest of the sms limit is there for UK numbers.
		got = concurrently(t, f, map[string]int{ukSMS: sends, egyptSMS: sends})
		assert.Equal(t, limit-20, got[ukSMS].accepted)
		assert.Zero(t, got[egyptSMS].accepted)
		assertStored(t, f, notify.DailyCounts{SMS: limit, InternationalSMS: 20})
	})
	t.Run("rediscache/international and UK together", func(t *testing.T) {
		t.Parallel()
		cache := redisCache(t)
		f := limitFixture(t, notify.Service{SMSMessageLimit: limit, InternationalSMSMessageLimit: 20},
			notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
		got := concurrently(t, f, map[string]int{ukSMS: sends, egyptSMS: sends})
		intl := got[egyptSMS].accepted
		assert.Equal(t, limit, got[ukSMS].accepted+intl, "sms takes both")
		assert.LessOrEqual(t, intl, 20)
		for name, want := range map[notify.DailyLimitName]int64{notify.DailyLimitSMS: limit, notify.DailyLimitInternationalSMS: int64(intl)} {
			v, err := cache.Get(ctx, channelKey(f, name))
			require.NoError(t, err)
			assert.Equal(t, want, v, name)
		}
		assertStored(t, f, notify.DailyCounts{SMS: limit, InternationalSMS: intl})
	})
}

// outcome is what the sends to one recipient got.
type outcome struct {
	accepted int
	refused  map[string]int // by message
}

// concurrently sends, all at once, count notifications to each recipient
// (an email address or a phone number) with a live key.
func concurrently(t *testing.T, f *fixture, count map[string]int) map[string]outcome {
	t.Helper()
	var mu sync.Mutex
	out := map[string]outcome{}
	var wg sync.WaitGroup
	var start sync.WaitGroup
	start.Add(1)
	var failed atomic.Int32
	for to, n := range count {
		out[to] = outcome{refused: map[string]int{}}
		for range n {
			wg.Go(func() {
				start.Wait()
				var err error
				if strings.Contains(to, "@") {
					_, err = f.sendEmail(notify.KeyTypeLive, to)
				} else {
					_, err = f.sendSMS(notify.KeyTypeLive, to)
				}
				var e *notify.Error
				mu.Lock()
				defer mu.Unlock()
				o := out[to]
				switch {
				case err == nil:
					o.accepted++
				case errors.As(err, &e) && e.Status == http.StatusTooManyRequests:
					o.refused[e.Message]++
				default:
					failed.Add(1)
					t.Errorf("send to %s: %v", to, err)
				}
				out[to] = o
			})
		}
	}
	start.Done()
	wg.Wait()
	require.Zero(t, failed.Load())
	return out
}

// assertStored checks what f's service stored today, per channel.
func assertStored(t *testing.T, f *fixture, want notify.DailyCounts) {
	t.Helper()
	var st notify.Store = f.env.Store
	counter, ok := st.(notify.ChannelCounter)
	for !ok {
		u, can := st.(interface{ Unwrap() notify.Store })
		require.True(t, can, "the store has no ChannelCounter")
		st = u.Unwrap()
		counter, ok = st.(notify.ChannelCounter)
	}
	got, err := counter.CountNotificationsByChannel(ctx, f.svc.ID, startOfDayUTC(time.Now()))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestGroupCommitGivesBackBothPlaces: international text messages whose
// group commit fails give back their sms and international_sms places;
// the service can then still send exactly its limits.
func TestGroupCommitGivesBackBothPlaces(t *testing.T) {
	t.Parallel()
	st := newHookStore(t)
	cache := redisCache(t)
	f := limitFixture(t, notify.Service{SMSMessageLimit: 50, InternationalSMSMessageLimit: 20},
		notifytest.WithConfig(func(c *notify.Config) { c.Store, c.Cache = st, cache }))
	st.down.Store(true)
	var wg sync.WaitGroup
	for range 15 { // within both limits: only the store refuses them
		wg.Go(func() {
			_, err := f.sendSMS(notify.KeyTypeLive, egyptSMS)
			assert.ErrorIs(t, err, errStoreDown)
		})
	}
	wg.Wait()
	require.NotEmpty(t, st.batchSizes(), "the sends went through group commit")
	for _, name := range []notify.DailyLimitName{notify.DailyLimitSMS, notify.DailyLimitInternationalSMS} {
		v, err := cache.Get(ctx, channelKey(f, name))
		require.NoError(t, err)
		assert.Zero(t, v, "%s: every place of a failed send was given back", name)
	}

	st.down.Store(false)
	sends := make([]send, 0, 52)
	for range 20 {
		sends = append(sends, send{notify.SMS, egyptSMS, ""})
	}
	sends = append(sends, send{notify.SMS, egyptSMS, "Exceeded send limits (international_sms: 20) for today"})
	for range 30 {
		sends = append(sends, send{notify.SMS, ukSMS, ""})
	}
	sends = append(sends, send{notify.SMS, ukSMS, "Exceeded send limits (sms: 50) for today"})
	sendAll(t, f, sends)
}
