// Package abilitytest calls every method of the optional Store abilities
// that the Notifier finds through Unwrap, through a wrapper's
// WrapAbility, against a memstore: the metrics and tracing wrappers use it
// to show that each method is decorated, and that the wrapped store still
// answers.
package abilitytest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/memstore"
)

// Abilities are the optional Store abilities whose methods a wrapper
// decorates one by one. The batch abilities (BatchCreator, BatchClaimer,
// BatchTransitioner) are not among them: the wrappers give them names and
// counts of their own.
func Abilities() []reflect.Type {
	return []reflect.Type{
		reflect.TypeFor[notify.ServiceLister](),
		reflect.TypeFor[notify.GuestListReplacer](),
		reflect.TypeFor[notify.TeamMemberRemover](),
		reflect.TypeFor[notify.StatusCounter](),
		reflect.TypeFor[notify.DataRetentionStore](),
		reflect.TypeFor[notify.NotificationArchiver](),
		reflect.TypeFor[notify.ComplaintStore](),
		reflect.TypeFor[notify.ComplaintLister](),
		reflect.TypeFor[notify.DocumentStore](),
		reflect.TypeFor[notify.InboundNumberStore](),
		reflect.TypeFor[notify.SenderStore](),
		reflect.TypeFor[notify.ServiceCallbackStore](),
		reflect.TypeFor[notify.ChannelCounter](),
		reflect.TypeFor[notify.IdempotencyStore](),
		reflect.TypeFor[notify.JobStore](),
		reflect.TypeFor[notify.JobStreamer](),
	}
}

// Values the calls pass that a wrapper must never record: callback
// addresses and tokens, idempotency keys, document contents, phone numbers
// and email addresses.
const (
	secretIdempotencyKey = "idempotency-key-4b1d"
	secretGuest          = "guest-4b1d@example.com"
	secretTeamMember     = "member-4b1d@example.com"
	secretReplyTo        = "reply-4b1d@example.com"
	secretDocument       = "sealed-document-4b1d"
	secretSender         = "SENDER4B1D"
	secretToken          = "bearer-token-4b1d-of-enough-length"
)

var (
	secretNumbers = []string{"447700900411", "447700900412"}
	secretURLs    = []string{"https://callback-4b1d.example.com/status", "https://callback-4b1d.example.com/v2"}
)

// Secrets returns the values the calls pass that a wrapper must never
// record (in a span attribute, a metric name or a log): callback URLs and
// bearer tokens, the idempotency key, document contents, phone numbers,
// email addresses and the SMS sender.
func Secrets() []string {
	return append([]string{secretIdempotencyKey, secretGuest, secretTeamMember, secretReplyTo, secretDocument,
		secretSender, secretToken}, append(secretNumbers, secretURLs...)...)
}

// Call is one method of an ability, called through a wrapper.
type Call struct {
	// Ability is the interface the method belongs to.
	Ability reflect.Type
	// Method is the method's name.
	Method string
	// ServiceID is the service the call is about, uuid.Nil when it names
	// none.
	ServiceID uuid.UUID
	// Run finds the ability on the memstore, hands a pointer to it to wrap
	// (a WrapAbility), calls the method on what wrap left there and checks
	// the memstore's answer.
	Run func(t *testing.T, ctx context.Context, wrap func(p any))
}

// Name is the method's name in snake case (ListSMSSenders:
// list_sms_senders), the last part of its metric and span names.
func (c Call) Name() string { return SnakeCase(c.Method) }

// SnakeCase returns a Go method name in snake case: a word starts at each
// upper-case letter after a lower-case one, and at the last upper-case
// letter of a run followed by a lower-case one (SMSSender: sms_sender),
// unless that is the plural s of the run (NotificationIDs:
// notification_ids).
func SnakeCase(s string) string {
	r := []rune(s)
	upper := func(i int) bool { return i < len(r) && unicode.IsUpper(r[i]) }
	var b strings.Builder
	for i, c := range r {
		wordAfterRun := i+1 < len(r) && unicode.IsLower(r[i+1]) &&
			!(r[i+1] == 's' && (i+2 == len(r) || upper(i+2)))
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]) || wordAfterRun) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// as hands v to wrap as a *T and returns what wrap left there.
func as[T any](wrap func(p any), v T) T {
	wrap(&v)
	return v
}

// Calls returns a memstore holding one service and a call of every method
// of every ability in Abilities. The calls run in order, each once, on that
// store.
func Calls(t *testing.T) (*memstore.Store, []Call) {
	t.Helper()
	mem := memstore.New()
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	svc := &notify.Service{ID: uuid.New(), Name: "Wrapped", CreatedAt: now}
	require.NoError(t, mem.CreateService(ctx, svc))
	sid := svc.ID
	unknown := uuid.New()
	var (
		retention = &notify.DataRetention{ID: uuid.New(), ServiceID: sid, Type: notify.SMS, Days: 7, CreatedAt: now}
		smsSender = &notify.SMSSender{ID: uuid.New(), ServiceID: sid, SMSSender: secretSender, CreatedAt: now}
		replyTo   = &notify.EmailReplyTo{ID: uuid.New(), ServiceID: sid, EmailAddress: secretReplyTo, CreatedAt: now}
		callback  = &notify.ServiceCallback{ID: uuid.New(), ServiceID: sid, Type: notify.CallbackDeliveryStatus,
			URL: secretURLs[0], BearerToken: secretToken, CreatedAt: now}
		job = &notify.Job{ID: uuid.New(), ServiceID: sid, TemplateID: uuid.New(), TemplateVersion: 1,
			TemplateType: notify.SMS, Status: notify.JobPending, CreatedAt: now}
		idem = &notify.IdempotencyRecord{ServiceID: sid, Key: secretIdempotencyKey, ResourceID: uuid.New(), Owner: uuid.New(),
			LockedUntil: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	)

	type (
		sl  = notify.ServiceLister
		glr = notify.GuestListReplacer
		tmr = notify.TeamMemberRemover
		sc  = notify.StatusCounter
		drs = notify.DataRetentionStore
		na  = notify.NotificationArchiver
		cs  = notify.ComplaintStore
		cl  = notify.ComplaintLister
		ds  = notify.DocumentStore
		ins = notify.InboundNumberStore
		ss  = notify.SenderStore
		scs = notify.ServiceCallbackStore
		cc  = notify.ChannelCounter
		is  = notify.IdempotencyStore
		js  = notify.JobStore
		jst = notify.JobStreamer
	)
	call := func(ability reflect.Type, method string, service uuid.UUID, run func(t *testing.T, ctx context.Context, wrap func(p any))) Call {
		return Call{Ability: ability, Method: method, ServiceID: service, Run: run}
	}
	calls := []Call{
		call(reflect.TypeFor[sl](), "ListServices", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[sl](w, mem).ListServices(ctx)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, sid, got[0].ID)
		}),
		call(reflect.TypeFor[glr](), "ReplaceGuestList", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[glr](w, mem).ReplaceGuestList(ctx, sid,
				[]notify.GuestListEntry{{ServiceID: sid, Recipient: secretGuest}}))
			got, err := mem.ListGuestList(ctx, sid)
			require.NoError(t, err)
			assert.Len(t, got, 1, "the wrapped store replaced the list")
		}),
		call(reflect.TypeFor[tmr](), "RemoveTeamMember", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			err := as[tmr](w, mem).RemoveTeamMember(ctx, notify.TeamMember{ServiceID: sid, EmailAddress: secretTeamMember})
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[sc](), "CountNotificationsByStatus", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[sc](w, mem).CountNotificationsByStatus(ctx, sid, now.Add(-time.Hour))
			require.NoError(t, err)
			assert.Empty(t, got)
		}),
		call(reflect.TypeFor[drs](), "CreateDataRetention", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[drs](w, mem).CreateDataRetention(ctx, retention))
		}),
		call(reflect.TypeFor[drs](), "UpdateDataRetention", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			err := as[drs](w, mem).UpdateDataRetention(ctx, sid, unknown, 3, now)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[drs](), "ListDataRetention", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[drs](w, mem).ListDataRetention(ctx, sid)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, retention.ID, got[0].ID)
		}),
		call(reflect.TypeFor[na](), "ArchiveNotifications", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			n, err := as[na](w, mem).ArchiveNotifications(ctx, sid, notify.SMS, now, 0)
			require.NoError(t, err)
			assert.Zero(t, n)
		}),
		call(reflect.TypeFor[cs](), "CreateComplaint", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[cs](w, mem).CreateComplaint(ctx, &notify.Complaint{ID: uuid.New(),
				NotificationID: uuid.New(), ServiceID: sid, ComplaintDate: now, CreatedAt: now}))
		}),
		call(reflect.TypeFor[cs](), "GetComplaint", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			_, err := as[cs](w, mem).GetComplaint(ctx, unknown)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[cs](), "ListComplaints", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[cs](w, mem).ListComplaints(ctx, sid)
			require.NoError(t, err)
			assert.Len(t, got, 1)
		}),
		call(reflect.TypeFor[cl](), "ListAllComplaints", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			got, total, err := as[cl](w, mem).ListAllComplaints(ctx, 0, 10)
			require.NoError(t, err)
			assert.Len(t, got, 1)
			assert.Equal(t, 1, total)
		}),
		call(reflect.TypeFor[ds](), "PutDocument", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[ds](w, mem).PutDocument(ctx, &notify.Document{ID: uuid.New(), ServiceID: sid,
				MimeType: "text/plain", Ciphertext: []byte(secretDocument), ExpiresAt: now, CreatedAt: now}))
		}),
		call(reflect.TypeFor[ds](), "GetDocument", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			_, err := as[ds](w, mem).GetDocument(ctx, sid, unknown)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[ds](), "DeleteDocument", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			assert.NoError(t, as[ds](w, mem).DeleteDocument(ctx, sid, unknown))
		}),
		call(reflect.TypeFor[ds](), "DeleteExpiredDocuments", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			n, err := as[ds](w, mem).DeleteExpiredDocuments(ctx, now)
			require.NoError(t, err)
			assert.Equal(t, 1, n, "the document put above has expired")
		}),
		call(reflect.TypeFor[ins](), "AssignInboundNumber", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			err := as[ins](w, mem).AssignInboundNumber(ctx, &notify.InboundNumber{ID: uuid.New(), Number: secretNumbers[0],
				ServiceID: unknown, CreatedAt: now})
			assert.ErrorIs(t, err, notify.ErrNotFound, "no such service")
		}),
		call(reflect.TypeFor[ins](), "GetInboundNumber", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			_, err := as[ins](w, mem).GetInboundNumber(ctx, secretNumbers[1])
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[ins](), "ListInboundNumbers", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[ins](w, mem).ListInboundNumbers(ctx, sid)
			require.NoError(t, err)
			assert.Empty(t, got)
		}),
		call(reflect.TypeFor[ins](), "GetInboundSMS", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			_, err := as[ins](w, mem).GetInboundSMS(ctx, sid, unknown)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[ss](), "CreateSMSSender", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[ss](w, mem).CreateSMSSender(ctx, smsSender))
			assert.True(t, smsSender.IsDefault, "the wrapped store made the first sender the default")
		}),
		call(reflect.TypeFor[ss](), "UpdateSMSSender", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			err := as[ss](w, mem).UpdateSMSSender(ctx, &notify.SMSSender{ID: unknown, ServiceID: sid, SMSSender: secretSender})
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[ss](), "ArchiveSMSSender", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			err := as[ss](w, mem).ArchiveSMSSender(ctx, sid, smsSender.ID, now)
			assert.ErrorIs(t, err, notify.ErrConflict, "the default stays")
		}),
		call(reflect.TypeFor[ss](), "ListSMSSenders", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[ss](w, mem).ListSMSSenders(ctx, sid)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, smsSender.ID, got[0].ID)
		}),
		call(reflect.TypeFor[ss](), "CreateEmailReplyTo", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[ss](w, mem).CreateEmailReplyTo(ctx, replyTo))
		}),
		call(reflect.TypeFor[ss](), "UpdateEmailReplyTo", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			err := as[ss](w, mem).UpdateEmailReplyTo(ctx, &notify.EmailReplyTo{ID: unknown, ServiceID: sid, EmailAddress: secretReplyTo})
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[ss](), "ArchiveEmailReplyTo", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			err := as[ss](w, mem).ArchiveEmailReplyTo(ctx, sid, unknown, now)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[ss](), "ListEmailReplyTo", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[ss](w, mem).ListEmailReplyTo(ctx, sid)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, replyTo.ID, got[0].ID)
		}),
		call(reflect.TypeFor[scs](), "CreateServiceCallback", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[scs](w, mem).CreateServiceCallback(ctx, callback))
		}),
		call(reflect.TypeFor[scs](), "UpdateServiceCallback", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			cb := *callback
			cb.URL, cb.UpdatedAt = secretURLs[1], &now
			require.NoError(t, as[scs](w, mem).UpdateServiceCallback(ctx, &cb))
		}),
		call(reflect.TypeFor[scs](), "GetServiceCallback", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[scs](w, mem).GetServiceCallback(ctx, sid, notify.CallbackDeliveryStatus)
			require.NoError(t, err)
			assert.Equal(t, secretURLs[1], got.URL)
		}),
		call(reflect.TypeFor[scs](), "ListServiceCallbacks", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[scs](w, mem).ListServiceCallbacks(ctx, sid)
			require.NoError(t, err)
			assert.Len(t, got, 1)
		}),
		call(reflect.TypeFor[scs](), "DeleteServiceCallback", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[scs](w, mem).DeleteServiceCallback(ctx, sid, notify.CallbackDeliveryStatus))
			_, err := mem.GetServiceCallback(ctx, sid, notify.CallbackDeliveryStatus)
			assert.ErrorIs(t, err, notify.ErrNotFound, "the wrapped store deleted it")
		}),
		call(reflect.TypeFor[cc](), "CountNotificationsByChannel", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[cc](w, mem).CountNotificationsByChannel(ctx, sid, now.Add(-time.Hour))
			require.NoError(t, err)
			assert.Zero(t, got)
		}),
		call(reflect.TypeFor[is](), "ReserveIdempotencyKey", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			prev, err := as[is](w, mem).ReserveIdempotencyKey(ctx, idem)
			require.NoError(t, err)
			assert.Nil(t, prev)
		}),
		call(reflect.TypeFor[is](), "TakeOverIdempotencyKey", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			owner := uuid.New()
			require.NoError(t, as[is](w, mem).TakeOverIdempotencyKey(ctx, sid, idem.Key, idem.Owner, owner, now, now.Add(time.Minute)))
			idem.Owner = owner
		}),
		call(reflect.TypeFor[is](), "EndIdempotencyLease", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[is](w, mem).EndIdempotencyLease(ctx, sid, idem.Key, idem.Owner, now))
		}),
		call(reflect.TypeFor[is](), "CompleteIdempotencyKey", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[is](w, mem).CompleteIdempotencyKey(ctx, sid, idem.Key, idem.ResourceID))
		}),
		call(reflect.TypeFor[is](), "ReleaseIdempotencyKey", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[is](w, mem).ReleaseIdempotencyKey(ctx, sid, idem.Key, idem.Owner))
		}),
		call(reflect.TypeFor[is](), "DeleteExpiredIdempotencyKeys", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			n, err := as[is](w, mem).DeleteExpiredIdempotencyKeys(ctx, now.Add(time.Hour), 0)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		}),
		call(reflect.TypeFor[js](), "CreateJob", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[js](w, mem).CreateJob(ctx, job, nil))
		}),
		call(reflect.TypeFor[jst](), "StreamJob", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			streamed := *job
			streamed.ID = uuid.New()
			// Scheduled days ahead: not among the due jobs listed below.
			later := now.Add(48 * time.Hour)
			streamed.Status, streamed.ScheduledFor = notify.JobScheduled, &later
			require.NoError(t, as[jst](w, mem).StreamJob(ctx, &streamed, func() (*notify.Notification, error) { return nil, nil }))
			got, err := mem.GetJob(ctx, sid, streamed.ID)
			require.NoError(t, err)
			assert.Equal(t, streamed.ID, got.ID)
		}),
		call(reflect.TypeFor[js](), "GetJob", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[js](w, mem).GetJob(ctx, sid, job.ID)
			require.NoError(t, err)
			assert.Equal(t, job.ID, got.ID)
		}),
		call(reflect.TypeFor[js](), "ListDueJobs", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[js](w, mem).ListDueJobs(ctx, now.Add(time.Minute), now.Add(time.Minute), 10)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, job.ID, got[0].ID)
		}),
		call(reflect.TypeFor[js](), "StartJob", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[js](w, mem).StartJob(ctx, job.ID, now)
			require.NoError(t, err)
			assert.Equal(t, notify.JobInProgress, got.Status)
		}),
		call(reflect.TypeFor[js](), "ListJobNotificationIDs", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[js](w, mem).ListJobNotificationIDs(ctx, job.ID)
			require.NoError(t, err)
			assert.Empty(t, got)
		}),
		call(reflect.TypeFor[js](), "JobStatistics", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			got, err := as[js](w, mem).JobStatistics(ctx, job.ID)
			require.NoError(t, err)
			assert.Empty(t, got)
		}),
		call(reflect.TypeFor[js](), "FinishJob", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			require.NoError(t, as[js](w, mem).FinishJob(ctx, job.ID, 0, now))
		}),
		call(reflect.TypeFor[js](), "CancelJob", sid, func(t *testing.T, ctx context.Context, w func(any)) {
			_, err := as[js](w, mem).CancelJob(ctx, sid, unknown, now)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
		call(reflect.TypeFor[js](), "RefuseJob", uuid.Nil, func(t *testing.T, ctx context.Context, w func(any)) {
			_, err := as[js](w, mem).RefuseJob(ctx, unknown, now)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}),
	}
	return mem, calls
}

// CheckCovered fails t unless calls has exactly one call of every method
// of every ability in Abilities, so that a method added to an ability
// must be added here, and so checked in every wrapper.
func CheckCovered(t *testing.T, calls []Call) {
	t.Helper()
	want := map[string]bool{}
	for _, a := range Abilities() {
		for i := range a.NumMethod() {
			want[a.Name()+"."+a.Method(i).Name] = true
		}
	}
	got := map[string]bool{}
	for _, c := range calls {
		name := c.Ability.Name() + "." + c.Method
		assert.False(t, got[name], "%s called twice", name)
		got[name] = true
		_, ok := c.Ability.MethodByName(c.Method)
		assert.True(t, ok, "%s is not a method of %s", c.Method, c.Ability)
	}
	assert.Equal(t, want, got, "every method of every ability is called once")
}
