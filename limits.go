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

// DailyLimitModel says how the Notifier limits what a service sends a day
// (Config.DailyLimitModel).
type DailyLimitModel int

// The daily limit models.
const (
	// PerChannelDailyLimits, the default, is upstream's current model:
	// every service, trial or live, and every key type but simulate keys,
	// has a daily limit per channel (Service.DailyLimit). A text message
	// counts against sms, and also against international_sms when its
	// number is outside +44; an email against email. A send that would
	// take a count past its limit is refused with 429 TooManyRequestsError
	// "Exceeded send limits ({name}: {limit}) for today", the channel's
	// limit checked first, international_sms once the number is known.
	PerChannelDailyLimits DailyLimitModel = iota
	// TotalDailyLimit is the seed's model, Notify's in its early years: one
	// daily total, Service.MessageLimit, for every channel together, on
	// trial services only (live ones too with
	// Config.CheckLiveServiceLimits); the refusal is 429
	// TooManyRequestsError "Exceeded send limits ({limit}) for today".
	TotalDailyLimit
)

// DailyLimitCacheKey is the cache key of a service's daily counter in the
// TotalDailyLimit model: "{service_id}-{yyyy-mm-dd}-count", the date in
// UTC.
func DailyLimitCacheKey(serviceID uuid.UUID, day time.Time) string {
	return serviceID.String() + "-" + day.UTC().Format("2006-01-02") + "-count"
}

// DailyChannelCacheKey is the cache key of a service's counter for the
// per-channel daily limit name: "{service_id}-{name}-{yyyy-mm-dd}-count",
// the date in UTC, as upstream keys it.
func DailyChannelCacheKey(serviceID uuid.UUID, name DailyLimitName, day time.Time) string {
	return serviceID.String() + "-" + string(name) + "-" + day.UTC().Format("2006-01-02") + "-count"
}

// startOfDay returns midnight UTC of t's day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dailyCounter is one daily limit a notification counts against: its
// counter in the cache and the day it counts.
type dailyCounter struct {
	name  DailyLimitName // empty: the total of TotalDailyLimit
	key   string
	limit int
	since time.Time // midnight UTC of the day
}

// refusal is the 429 of a send that would pass the limit.
func (d dailyCounter) refusal() *Error {
	msg := fmt.Sprintf("Exceeded send limits (%d) for today", d.limit)
	if d.name != "" {
		msg = fmt.Sprintf("Exceeded send limits (%s: %d) for today", d.name, d.limit)
	}
	return &Error{Name: NameTooManyRequests, Status: http.StatusTooManyRequests, Message: msg}
}

// countsDaily reports whether c's notifications count towards, and are
// checked against, daily limits: simulate keys and research-mode services
// never do; in the TotalDailyLimit model live services do only when
// configured.
func (n *Notifier) countsDaily(c *Caller) bool {
	if simulated(c) {
		return false
	}
	return n.cfg.DailyLimitModel == PerChannelDailyLimits || c.Service.Restricted || n.cfg.CheckLiveServiceLimits
}

// channelCounter returns the per-channel daily limit name of svc on day.
func channelCounter(svc *Service, name DailyLimitName, day time.Time) dailyCounter {
	return dailyCounter{name: name, key: DailyChannelCacheKey(svc.ID, name, day), limit: svc.DailyLimit(name),
		since: startOfDay(day)}
}

// dailyCounters returns the daily limits a notification of type typ sent
// by c on day counts against, in the order upstream checks them; none
// when c's notifications are not counted. international says an SMS is
// to a number outside +44.
func (n *Notifier) dailyCounters(c *Caller, typ NotificationType, international bool, day time.Time) []dailyCounter {
	if !n.countsDaily(c) {
		return nil
	}
	svc := c.Service
	if n.cfg.DailyLimitModel == TotalDailyLimit {
		return []dailyCounter{{key: DailyLimitCacheKey(svc.ID, day), limit: svc.MessageLimit, since: startOfDay(day)}}
	}
	if typ == Email {
		return []dailyCounter{channelCounter(svc, DailyLimitEmail, day)}
	}
	if !international {
		return []dailyCounter{channelCounter(svc, DailyLimitSMS, day)}
	}
	return []dailyCounter{channelCounter(svc, DailyLimitSMS, day), channelCounter(svc, DailyLimitInternationalSMS, day)}
}

// countersOf returns the daily limits a notification counts against.
func (n *Notifier) countersOf(c *Caller, nt *Notification) []dailyCounter {
	return n.dailyCounters(c, nt.Type, internationalSMS(nt), nt.CreatedAt)
}

// checkDailyLimit refuses with 429 TooManyRequestsError a send of typ
// when the service has no place left today for it: the channel's limit
// (the total in the TotalDailyLimit model). It runs before the request is
// read, as upstream's does (or, for a send whose limits go with its row,
// when it is refused for anything else); the international_sms limit is checked once
// the number is known (checkInternationalLimit).
func (n *Notifier) checkDailyLimit(ctx context.Context, c *Caller, typ NotificationType) error {
	return n.checkDailyCounters(ctx, c, n.dailyCounters(c, typ, false, n.now()), 1)
}

// checkInternationalLimit refuses an SMS to a number outside +44 when the
// service has no international_sms place left today. Only the
// per-channel model has that limit.
func (n *Notifier) checkInternationalLimit(ctx context.Context, c *Caller) error {
	if n.cfg.DailyLimitModel != PerChannelDailyLimits || !n.countsDaily(c) {
		return nil
	}
	return n.checkDailyCounters(ctx, c, []dailyCounter{channelCounter(c.Service, DailyLimitInternationalSMS, n.now())}, 1)
}

// checkDailyCounters refuses a send of sends notifications when it would
// take any of cs past its limit: today's count plus sends above the
// limit. The cache is tried first; on a miss or any cache error the Store
// counts, and on a miss the count is cached. A cache failure never fails
// the request.
func (n *Notifier) checkDailyCounters(ctx context.Context, c *Caller, cs []dailyCounter, sends int) error {
	for _, d := range cs {
		count, err := n.todaysCount(ctx, c.Service.ID, d)
		if err != nil {
			return err
		}
		if count+int64(sends) > int64(d.limit) {
			return d.refusal()
		}
	}
	return nil
}

// todaysCount returns the count of d: the cache's, or on a miss or a cache
// error the Store's, which on a miss seeds the counter.
func (n *Notifier) todaysCount(ctx context.Context, serviceID uuid.UUID, d dailyCounter) (int64, error) {
	v, err := n.cache.Get(ctx, d.key)
	if err == nil {
		return v, nil
	}
	miss := errors.Is(err, ErrCacheMiss)
	if !miss {
		n.log.WarnContext(ctx, "daily limit: cache get failed; counting from the store",
			slog.String("service_id", serviceID.String()), slog.Any("error", err))
	}
	count, err := n.storeCount(ctx, serviceID, d)
	if err != nil {
		return 0, fmt.Errorf("notify: count today's notifications: %w", err)
	}
	if !miss {
		return int64(count), nil
	}
	if lc, ok := n.cache.(LimitCache); ok {
		// Seed the counter only if nobody did meanwhile: another request may
		// already have seeded it and reserved places on top.
		stored, err := lc.SetIfAbsent(ctx, d.key, int64(count), n.cfg.DailyLimitCacheTTL)
		if err != nil {
			n.log.WarnContext(ctx, "daily limit: cache set failed",
				slog.String("service_id", serviceID.String()), slog.Any("error", err))
		} else if !stored {
			if v, err := n.cache.Get(ctx, d.key); err == nil {
				return max(v, int64(count)), nil
			}
		}
		return int64(count), nil
	}
	if err := n.cache.Set(ctx, d.key, int64(count), n.cfg.DailyLimitCacheTTL); err != nil {
		n.log.WarnContext(ctx, "daily limit: cache set failed",
			slog.String("service_id", serviceID.String()), slog.Any("error", err))
	}
	return int64(count), nil
}

// storeCount counts d's notifications in the Store: the day's total, or
// the channel's with the Store's ChannelCounter, by listing without one.
func (n *Notifier) storeCount(ctx context.Context, serviceID uuid.UUID, d dailyCounter) (int, error) {
	if d.name == "" {
		return n.store.CountNotifications(ctx, serviceID, d.since)
	}
	var counts DailyCounts
	var err error
	if n.channels != nil {
		counts, err = n.channels.CountNotificationsByChannel(ctx, serviceID, d.since)
	} else {
		counts, err = countByListing(ctx, n.store, serviceID, d.since)
	}
	return counts.of(d.name), err
}

// reserveDailySlot takes, just before nt is persisted, its place in each
// daily limit it counts against, when the Cache is a LimitCache: the check
// and the increment are then one atomic step per limit, so concurrent
// requests (in any process sharing the cache) never overshoot. An
// international SMS takes its international_sms place first, then its sms
// one; when the second is refused or fails, the first is given back, so
// that a notification holds all its places or none. The narrower limit
// goes first: a send refused for international_sms never holds an sms
// place, even for a moment, that a UK number could have had. It reports
// whether it holds its places; a refusal is the usual 429. When the cache
// cannot answer, the earlier checks (from the Store) stand.
func (n *Notifier) reserveDailySlot(ctx context.Context, c *Caller, nt *Notification) (bool, error) {
	lc, ok := n.cache.(LimitCache)
	if !ok {
		return false, nil
	}
	cs := n.countersOf(c, nt)
	for i := len(cs) - 1; i >= 0; i-- {
		taken, err := n.reserveOne(ctx, lc, c.Service.ID, cs[i])
		if !taken {
			n.releaseSlots(ctx, c, nt, cs[i+1:])
			return false, err
		}
	}
	return len(cs) > 0, nil
}

// reserveOne takes one place of d. It returns false with the 429 when d is
// full, false and nil when the cache cannot answer, and an error when the
// Store cannot count.
func (n *Notifier) reserveOne(ctx context.Context, lc LimitCache, serviceID uuid.UUID, d dailyCounter) (bool, error) {
	for try := 0; try < 2; try++ {
		_, added, err := lc.IncrBelow(ctx, d.key, int64(d.limit))
		switch {
		case err == nil && added:
			return true, nil
		case err == nil:
			return false, d.refusal()
		case errors.Is(err, ErrCacheMiss) && try == 0:
			// Expired since the check: count again, then retry once.
			if _, err := n.todaysCount(ctx, serviceID, d); err != nil {
				return false, err
			}
		default:
			n.log.WarnContext(ctx, "daily limit: cache reserve failed; the store count stands",
				slog.String("service_id", serviceID.String()), slog.Any("error", err))
			return false, nil
		}
	}
	return false, nil
}

// countPersisted increments the daily counters of a persisted notification
// that holds no reserved place, where they are cached; otherwise the next
// check counts from the Store, which already includes the new row.
func (n *Notifier) countPersisted(ctx context.Context, c *Caller, nt *Notification) {
	for _, d := range n.countersOf(c, nt) {
		_, err := n.cache.Incr(ctx, d.key)
		if err != nil && !errors.Is(err, ErrCacheMiss) {
			n.log.WarnContext(ctx, "daily limit: cache incr failed",
				slog.String("service_id", c.Service.ID.String()), slog.Any("error", err))
		}
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

// Add counts nt as a ChannelCounter counts it: not at all when it is
// simulated (a simulate key or research mode, CountNotifications' rule),
// else against its channel, and a text message outside +44 against
// international_sms too. Stores that count in Go use it, so the rule is
// written once.
func (d *DailyCounts) Add(nt *Notification) {
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
			counts.Add(&page[i])
		}
		if len(page) < listingPage {
			return counts, nil
		}
		last := page[len(page)-1].ID
		f.OlderThan = &last
	}
}
