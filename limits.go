package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// DailyLimitName names a per-channel daily limit, as refusals name it.
type DailyLimitName string

// The per-channel daily limits. A text message to a number outside +44
// counts against both DailyLimitSMS and DailyLimitInternationalSMS.
const (
	DailyLimitSMS              DailyLimitName = "sms"
	DailyLimitEmail            DailyLimitName = "email"
	DailyLimitInternationalSMS DailyLimitName = "international_sms"
)

// Defaults of the per-channel daily limits, for a service whose own limit
// is 0: upstream's figures for the services it creates.
const (
	// DefaultTrialDailyLimit is upstream's trial allowance: a trial service
	// may send 50 text messages and 50 emails a day.
	DefaultTrialDailyLimit = 50
	// DefaultLiveDailyLimit is a live service's text messages and emails a
	// day (250,000 each).
	DefaultLiveDailyLimit = 250_000
	// DefaultInternationalSMSDailyLimit is how many text messages to
	// numbers outside +44 a trial or live service may send a day.
	DefaultInternationalSMSDailyLimit = 100
)

// DailyLimit returns the service's daily limit name: SMSMessageLimit,
// EmailMessageLimit or InternationalSMSMessageLimit, or when that is 0 the
// default of the service's mode (DefaultTrialDailyLimit or
// DefaultLiveDailyLimit, DefaultInternationalSMSDailyLimit for
// international_sms). An unknown name has no allowance: 0.
func (s *Service) DailyLimit(name DailyLimitName) int {
	channel := DefaultLiveDailyLimit
	if s.Restricted {
		channel = DefaultTrialDailyLimit
	}
	switch name {
	case DailyLimitSMS:
		return cmp.Or(s.SMSMessageLimit, channel)
	case DailyLimitEmail:
		return cmp.Or(s.EmailMessageLimit, channel)
	case DailyLimitInternationalSMS:
		return cmp.Or(s.InternationalSMSMessageLimit, DefaultInternationalSMSDailyLimit)
	}
	return 0
}

// DailyLimitCacheKey is the cache key of a service's daily counter:
// "{service_id}-{yyyy-mm-dd}-count", the date in UTC.
func DailyLimitCacheKey(serviceID uuid.UUID, day time.Time) string {
	return serviceID.String() + "-" + day.UTC().Format("2006-01-02") + "-count"
}

// startOfDay returns midnight UTC of t's day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// limitApplies reports whether notifications sent by caller count towards, and
// are checked against, the daily limit (SPEC A3): simulate keys and
// research-mode services never are; live services only when configured.
func (n *Notifier) limitApplies(c *Caller) bool {
	return !simulated(c) && (c.Service.Restricted || n.cfg.CheckLiveServiceLimits)
}

// checkDailyLimit refuses with 429 TooManyRequestsError when the service
// has already created message_limit notifications today. The cache is tried
// first; on a miss or any cache error the Store counts, and on a miss the
// count is cached. A cache failure never fails the request.
func (n *Notifier) checkDailyLimit(ctx context.Context, c *Caller) error {
	if !n.limitApplies(c) {
		return nil
	}
	count, err := n.todaysCount(ctx, c.Service.ID)
	if err != nil {
		return err
	}
	if count >= int64(c.Service.MessageLimit) {
		return dailyLimitError(c.Service.MessageLimit)
	}
	return nil
}

func (n *Notifier) todaysCount(ctx context.Context, serviceID uuid.UUID) (int64, error) {
	now := n.now()
	key := DailyLimitCacheKey(serviceID, now)
	v, err := n.cache.Get(ctx, key)
	if err == nil {
		return v, nil
	}
	miss := errors.Is(err, ErrCacheMiss)
	if !miss {
		n.log.WarnContext(ctx, "daily limit: cache get failed; counting from the store",
			slog.String("service_id", serviceID.String()), slog.Any("error", err))
	}
	count, serr := n.store.CountNotifications(ctx, serviceID, startOfDay(now))
	if serr != nil {
		return 0, fmt.Errorf("notify: count today's notifications: %w", serr)
	}
	if !miss {
		return int64(count), nil
	}
	if lc, ok := n.cache.(LimitCache); ok {
		// Seed the counter only if nobody did meanwhile: another request may
		// already have seeded it and reserved places on top.
		stored, err := lc.SetIfAbsent(ctx, key, int64(count), n.cfg.DailyLimitCacheTTL)
		if err != nil {
			n.log.WarnContext(ctx, "daily limit: cache set failed",
				slog.String("service_id", serviceID.String()), slog.Any("error", err))
		} else if !stored {
			if v, err := n.cache.Get(ctx, key); err == nil {
				return max(v, int64(count)), nil
			}
		}
		return int64(count), nil
	}
	if err := n.cache.Set(ctx, key, int64(count), n.cfg.DailyLimitCacheTTL); err != nil {
		n.log.WarnContext(ctx, "daily limit: cache set failed",
			slog.String("service_id", serviceID.String()), slog.Any("error", err))
	}
	return int64(count), nil
}

// reserveDailySlot takes one of today's places just before a notification
// is persisted, when the limit applies and the Cache is a LimitCache: the
// check and the increment are then one atomic step, so concurrent requests
// (in any process sharing the cache) never overshoot. It reports whether it
// counted the notification; a refusal is the usual 429. When the cache
// cannot answer, the earlier check (from the Store) stands.
func (n *Notifier) reserveDailySlot(ctx context.Context, c *Caller, now time.Time) (bool, error) {
	lc, ok := n.cache.(LimitCache)
	if !ok || !n.limitApplies(c) {
		return false, nil
	}
	key := DailyLimitCacheKey(c.Service.ID, now)
	limit := int64(c.Service.MessageLimit)
	for try := 0; try < 2; try++ {
		_, added, err := lc.IncrBelow(ctx, key, limit)
		switch {
		case err == nil && added:
			return true, nil
		case err == nil:
			return false, dailyLimitError(c.Service.MessageLimit)
		case errors.Is(err, ErrCacheMiss) && try == 0:
			// Expired since the check: count again, then retry once.
			if _, err := n.todaysCount(ctx, c.Service.ID); err != nil {
				return false, err
			}
		default:
			n.log.WarnContext(ctx, "daily limit: cache reserve failed; the store count stands",
				slog.String("service_id", c.Service.ID.String()), slog.Any("error", err))
			return false, nil
		}
	}
	return false, nil
}

func dailyLimitError(limit int) *Error {
	return &Error{
		Name:    NameTooManyRequests,
		Status:  http.StatusTooManyRequests,
		Message: fmt.Sprintf("Exceeded send limits (%d) for today", limit),
	}
}

// countPersisted increments the daily counter after a notification was
// persisted, if the counter is cached; otherwise the next check counts from
// the Store, which already includes the new row.
func (n *Notifier) countPersisted(ctx context.Context, c *Caller, created time.Time) {
	if simulated(c) { // simulate keys and research mode are never counted
		return
	}
	_, err := n.cache.Incr(ctx, DailyLimitCacheKey(c.Service.ID, created))
	if err != nil && !errors.Is(err, ErrCacheMiss) {
		n.log.WarnContext(ctx, "daily limit: cache incr failed",
			slog.String("service_id", c.Service.ID.String()), slog.Any("error", err))
	}
}

// noCache is the Cache of a Notifier configured without one: it always
// misses, so the daily limit is counted from the Store on every check.
type noCache struct{}

var _ Cache = noCache{}

func (noCache) Get(context.Context, string) (int64, error)              { return 0, ErrCacheMiss }
func (noCache) Set(context.Context, string, int64, time.Duration) error { return nil }
func (noCache) Incr(context.Context, string) (int64, error)             { return 0, ErrCacheMiss }

// DailyCounts are a service's notifications of one day counted against
// each per-channel daily limit.
type DailyCounts struct {
	SMS   int
	Email int
	// InternationalSMS are the text messages to numbers outside +44
	// (PhonePrefix not "44"); SMS counts them too.
	InternationalSMS int
}

// of returns the count of the daily limit name.
func (d DailyCounts) of(name DailyLimitName) int {
	switch name {
	case DailyLimitSMS:
		return d.SMS
	case DailyLimitEmail:
		return d.Email
	case DailyLimitInternationalSMS:
		return d.InternationalSMS
	}
	return 0
}

// add counts nt, unless it is simulated (CountNotifications' rule).
func (d *DailyCounts) add(nt *Notification) {
	if nt.KeyType == KeyTypeSimulate || nt.Queue == QueueResearchMode {
		return
	}
	switch nt.Type {
	case SMS:
		d.SMS++
		if internationalSMS(nt) {
			d.InternationalSMS++
		}
	case Email:
		d.Email++
	}
}

// internationalSMS reports whether nt counts against the international_sms
// limit: a text message whose phone prefix is not 44 (crown dependencies,
// +44 numbers, count as UK).
func internationalSMS(nt *Notification) bool { return nt.Type == SMS && nt.PhonePrefix != "44" }

// ChannelCounter is an optional Store ability that backs the per-channel
// daily limits: counting a service's notifications per channel in one
// query. A Store without it is counted by listing the day's notifications
// with ListNotifications, page by page, which is exact but reads every
// row of the day: implement it when services send more than a few
// thousand a day. The Notifier finds it through Unwrap() Store on
// decorators, as it finds a BatchCreator. store/storetest checks it when a
// Store has it.
type ChannelCounter interface {
	// CountNotificationsByChannel counts, among the notifications that
	// CountNotifications counts (created at or after since, key type not
	// KeyTypeSimulate, queue not QueueResearchMode), the text messages, the
	// emails, and the text messages whose PhonePrefix is not "44".
	CountNotificationsByChannel(ctx context.Context, serviceID uuid.UUID, since time.Time) (DailyCounts, error)
}

// channelCounterOf returns the ChannelCounter behind s, decorated by the
// decorators that have WrapChannelCounter(ChannelCounter) ChannelCounter
// (the metrics wrapper times the count).
func channelCounterOf(s Store) (ChannelCounter, bool) {
	return storeAbility(s, func(decorator Store, c ChannelCounter) ChannelCounter {
		if w, ok := decorator.(interface {
			WrapChannelCounter(ChannelCounter) ChannelCounter
		}); ok {
			return w.WrapChannelCounter(c)
		}
		return c
	})
}

// listingPage is how many notifications countByListing reads at a time.
const listingPage = 500

// countByListing counts as a ChannelCounter does, for a Store without one:
// it lists the service's notifications newest first until one was created
// before since.
func countByListing(ctx context.Context, s Store, serviceID uuid.UUID, since time.Time) (DailyCounts, error) {
	var counts DailyCounts
	f := NotificationFilter{ServiceID: serviceID, Types: []NotificationType{SMS, Email}, IncludeJobs: true,
		Limit: listingPage}
	for {
		page, err := s.ListNotifications(ctx, f)
		if err != nil {
			return DailyCounts{}, err
		}
		for i := range page {
			if page[i].CreatedAt.Before(since) {
				return counts, nil
			}
			counts.add(&page[i])
		}
		if len(page) < listingPage {
			return counts, nil
		}
		last := page[len(page)-1].ID
		f.OlderThan = &last
	}
}
