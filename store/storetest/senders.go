package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// The optional SenderStore ability: SMS senders and email reply-to
// addresses, checked the same way for both kinds through senderKind.

// senderRow is either kind of sender, as the checks compare them.
type senderRow struct {
	ID, ServiceID uuid.UUID
	Value         string
	IsDefault     bool
	Archived      bool // listed ones never are
	Inbound       *uuid.UUID
	CreatedAt     time.Time
	UpdatedAt     *time.Time
}

// senderKind drives one kind of sender of a SenderStore.
type senderKind struct {
	name string
	// value returns the i-th valid value of the kind.
	value   func(i int) string
	create  func(ctx context.Context, st notify.SenderStore, r *senderRow) error
	update  func(ctx context.Context, st notify.SenderStore, r senderRow) error
	archive func(ctx context.Context, st notify.SenderStore, serviceID, id uuid.UUID, at time.Time) error
	list    func(ctx context.Context, st notify.SenderStore, serviceID uuid.UUID) ([]senderRow, error)
	inbound bool // the kind has inbound numbers
}

var senderKinds = []senderKind{
	{
		name:  "SMSSenders",
		value: func(i int) string { return []string{"GOVUK", "07700900111", "Passports", "447700900222", "DVLA"}[i%5] },
		create: func(ctx context.Context, st notify.SenderStore, r *senderRow) error {
			s := &notify.SMSSender{ID: r.ID, ServiceID: r.ServiceID, SMSSender: r.Value, IsDefault: r.IsDefault,
				InboundNumberID: r.Inbound, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
			err := st.CreateSMSSender(ctx, s)
			r.IsDefault = s.IsDefault
			return err
		},
		update: func(ctx context.Context, st notify.SenderStore, r senderRow) error {
			return st.UpdateSMSSender(ctx, &notify.SMSSender{ID: r.ID, ServiceID: r.ServiceID, SMSSender: r.Value,
				IsDefault: r.IsDefault, InboundNumberID: r.Inbound, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
		},
		archive: func(ctx context.Context, st notify.SenderStore, serviceID, id uuid.UUID, at time.Time) error {
			return st.ArchiveSMSSender(ctx, serviceID, id, at)
		},
		list: func(ctx context.Context, st notify.SenderStore, serviceID uuid.UUID) ([]senderRow, error) {
			list, err := st.ListSMSSenders(ctx, serviceID)
			var out []senderRow
			for _, s := range list {
				out = append(out, senderRow{ID: s.ID, ServiceID: s.ServiceID, Value: s.SMSSender, IsDefault: s.IsDefault, Archived: s.Archived,
					Inbound: s.InboundNumberID, CreatedAt: utc(s.CreatedAt), UpdatedAt: utcPtr(s.UpdatedAt)})
			}
			return out, err
		},
		inbound: true,
	},
	{
		name: "EmailReplyTo",
		value: func(i int) string {
			// Distinct: a service's live addresses are.
			return fmt.Sprintf("%c@example.gov.uk", 'a'+i)
		},
		create: func(ctx context.Context, st notify.SenderStore, r *senderRow) error {
			v := &notify.EmailReplyTo{ID: r.ID, ServiceID: r.ServiceID, EmailAddress: r.Value, IsDefault: r.IsDefault,
				CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
			err := st.CreateEmailReplyTo(ctx, v)
			r.IsDefault = v.IsDefault
			return err
		},
		update: func(ctx context.Context, st notify.SenderStore, r senderRow) error {
			return st.UpdateEmailReplyTo(ctx, &notify.EmailReplyTo{ID: r.ID, ServiceID: r.ServiceID, EmailAddress: r.Value,
				IsDefault: r.IsDefault, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
		},
		archive: func(ctx context.Context, st notify.SenderStore, serviceID, id uuid.UUID, at time.Time) error {
			return st.ArchiveEmailReplyTo(ctx, serviceID, id, at)
		},
		list: func(ctx context.Context, st notify.SenderStore, serviceID uuid.UUID) ([]senderRow, error) {
			list, err := st.ListEmailReplyTo(ctx, serviceID)
			var out []senderRow
			for _, r := range list {
				out = append(out, senderRow{ID: r.ID, ServiceID: r.ServiceID, Value: r.EmailAddress, IsDefault: r.IsDefault, Archived: r.Archived,
					CreatedAt: utc(r.CreatedAt), UpdatedAt: utcPtr(r.UpdatedAt)})
			}
			return out, err
		},
	},
}

func testSenders(t *testing.T, newStore func(t *testing.T) notify.Store) {
	for _, k := range senderKinds {
		t.Run(k.name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				fn   func(t *testing.T, k senderKind, newStore func(t *testing.T) notify.Store)
			}{
				{"DefaultRule", testSenderDefaultRule},
				{"Update", testSenderUpdate},
				{"Archive", testSenderArchive},
				{"Errors", testSenderErrors},
				{"RaceForDefault", testSenderRace},
			} {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, k, newStore) })
			}
		})
	}
}

// senderFixture is a store with two services and a kind of sender.
type senderFixture struct {
	*fixture
	k     senderKind
	st    notify.SenderStore
	other *fixture
}

func newSenderFixture(t *testing.T, k senderKind, newStore func(t *testing.T) notify.Store) *senderFixture {
	f := setup(t, newStore)
	st := ability[notify.SenderStore](t, f.store, "SenderStore")
	return &senderFixture{fixture: f, k: k, st: st, other: f.other()}
}

// add creates the i-th sender of the service, created d after base.
func (f *senderFixture) add(serviceID uuid.UUID, i int, isDefault bool, d time.Duration) senderRow {
	f.t.Helper()
	r := senderRow{ID: uuid.New(), ServiceID: serviceID, Value: f.k.value(i), IsDefault: isDefault, CreatedAt: at(d)}
	require.NoError(f.t, f.k.create(f.ctx, f.st, &r))
	return r
}

func (f *senderFixture) list(serviceID uuid.UUID) []senderRow {
	f.t.Helper()
	got, err := f.k.list(f.ctx, f.st, serviceID)
	require.NoError(f.t, err)
	return got
}

// defaults returns the ids of the listed defaults.
func defaults(list []senderRow) []uuid.UUID {
	var out []uuid.UUID
	for _, r := range list {
		if r.IsDefault {
			out = append(out, r.ID)
		}
	}
	return out
}

func ids(list []senderRow) []uuid.UUID {
	var out []uuid.UUID
	for _, r := range list {
		out = append(out, r.ID)
	}
	return out
}

func testSenderDefaultRule(t *testing.T, k senderKind, newStore func(t *testing.T) notify.Store) {
	f := newSenderFixture(t, k, newStore)

	assert.Empty(t, f.list(f.svc.ID), "a service starts without senders")
	assert.Empty(t, f.list(uuid.New()), "an unknown service has none, without error")

	first := f.add(f.svc.ID, 0, false, 0)
	assert.True(t, first.IsDefault, "the first sender becomes the default whatever it asked (written back)")
	got := f.list(f.svc.ID)
	require.Len(t, got, 1)
	assert.Equal(t, first, got[0], "stored as given, default set")

	second := f.add(f.svc.ID, 1, false, time.Second)
	assert.False(t, second.IsDefault, "a later one is not the default unless asked")
	third := f.add(f.svc.ID, 2, false, -time.Second)
	assert.Equal(t, []uuid.UUID{first.ID, third.ID, second.ID}, ids(f.list(f.svc.ID)), "the default first, then oldest first")

	fourth := f.add(f.svc.ID, 3, true, 2*time.Second)
	assert.True(t, fourth.IsDefault)
	got = f.list(f.svc.ID)
	assert.Equal(t, []uuid.UUID{fourth.ID}, defaults(got), "a new default takes over")
	assert.Equal(t, []uuid.UUID{fourth.ID, third.ID, first.ID, second.ID}, ids(got))

	otherFirst := f.add(f.other.svc.ID, 4, false, 0)
	assert.True(t, otherFirst.IsDefault, "each service has its own default")
	assert.Equal(t, []uuid.UUID{fourth.ID}, defaults(f.list(f.svc.ID)), "another service's default changes nothing here")
	assert.Equal(t, []uuid.UUID{otherFirst.ID}, ids(f.list(f.other.svc.ID)))

	// Lists are copies.
	got = f.list(f.svc.ID)
	got[0].Value = "changed"
	assert.NotEqual(t, "changed", f.list(f.svc.ID)[0].Value)
}

func testSenderUpdate(t *testing.T, k senderKind, newStore func(t *testing.T) notify.Store) {
	f := newSenderFixture(t, k, newStore)
	a := f.add(f.svc.ID, 0, true, 0)
	b := f.add(f.svc.ID, 1, false, time.Second)

	// A new value, still not the default.
	b.Value, b.UpdatedAt = k.value(2), ptr(at(time.Minute))
	require.NoError(t, k.update(f.ctx, f.st, b))
	assert.Equal(t, []senderRow{a, b}, f.list(f.svc.ID))

	// Made the default: a stops being one.
	b.IsDefault = true
	require.NoError(t, k.update(f.ctx, f.st, b))
	a.IsDefault = false
	assert.Equal(t, []senderRow{b, a}, f.list(f.svc.ID))

	// The default cannot stop being one: nothing changes.
	bad := b
	bad.IsDefault, bad.Value = false, k.value(3)
	assert.ErrorIs(t, k.update(f.ctx, f.st, bad), notify.ErrConflict)
	assert.Equal(t, []senderRow{b, a}, f.list(f.svc.ID))

	// Updating the default as the default is fine.
	b.Value = k.value(4)
	require.NoError(t, k.update(f.ctx, f.st, b))
	assert.Equal(t, []senderRow{b, a}, f.list(f.svc.ID))

	if k.inbound {
		inbound := uuid.New()
		a.Inbound = &inbound
		require.NoError(t, k.update(f.ctx, f.st, a))
		assert.Equal(t, []senderRow{b, a}, f.list(f.svc.ID), "the inbound number is stored")
	}

	// Unknown ids, another service's sender, archived senders.
	assert.ErrorIs(t, k.update(f.ctx, f.st, senderRow{ID: uuid.New(), ServiceID: f.svc.ID, Value: k.value(0)}), notify.ErrNotFound)
	moved := a
	moved.ServiceID = f.other.svc.ID
	assert.ErrorIs(t, k.update(f.ctx, f.st, moved), notify.ErrNotFound, "another service's sender")
	c := f.add(f.svc.ID, 2, false, 2*time.Second)
	require.NoError(t, k.archive(f.ctx, f.st, f.svc.ID, c.ID, at(time.Hour)))
	c.IsDefault = true
	assert.ErrorIs(t, k.update(f.ctx, f.st, c), notify.ErrNotFound, "an archived sender")
	assert.Equal(t, []uuid.UUID{b.ID}, defaults(f.list(f.svc.ID)), "a refused update changes no default")
}

func testSenderArchive(t *testing.T, k senderKind, newStore func(t *testing.T) notify.Store) {
	f := newSenderFixture(t, k, newStore)
	a := f.add(f.svc.ID, 0, true, 0)
	b := f.add(f.svc.ID, 1, false, time.Second)

	assert.ErrorIs(t, k.archive(f.ctx, f.st, f.svc.ID, a.ID, at(time.Hour)), notify.ErrConflict, "the default")
	assert.ErrorIs(t, k.archive(f.ctx, f.st, f.other.svc.ID, b.ID, at(time.Hour)), notify.ErrNotFound, "another service's")
	assert.ErrorIs(t, k.archive(f.ctx, f.st, f.svc.ID, uuid.New(), at(time.Hour)), notify.ErrNotFound, "unknown")
	assert.Equal(t, []senderRow{a, b}, f.list(f.svc.ID), "refusals change nothing")

	require.NoError(t, k.archive(f.ctx, f.st, f.svc.ID, b.ID, at(time.Hour)))
	assert.Equal(t, []senderRow{a}, f.list(f.svc.ID), "archived senders are not listed")
	require.NoError(t, k.archive(f.ctx, f.st, f.svc.ID, b.ID, at(2*time.Hour)), "archiving again changes nothing")

	// With only archived others, a new sender that does not ask to be
	// the default is not one: the default is still there.
	c := f.add(f.svc.ID, 2, false, 2*time.Second)
	assert.False(t, c.IsDefault)
	assert.ErrorIs(t, k.create(f.ctx, f.st, &senderRow{ID: b.ID, ServiceID: f.svc.ID, Value: k.value(3), CreatedAt: at(0)}),
		notify.ErrDuplicate, "an archived sender's id stays taken")

	if k.inbound {
		inbound := uuid.New()
		d := senderRow{ID: uuid.New(), ServiceID: f.svc.ID, Value: k.value(4), Inbound: &inbound, CreatedAt: at(3 * time.Second)}
		require.NoError(t, k.create(f.ctx, f.st, &d))
		assert.ErrorIs(t, k.archive(f.ctx, f.st, f.svc.ID, d.ID, at(time.Hour)), notify.ErrConflict, "an inbound number")
		assert.Contains(t, f.list(f.svc.ID), d)
	}
}

func testSenderErrors(t *testing.T, k senderKind, newStore func(t *testing.T) notify.Store) {
	f := newSenderFixture(t, k, newStore)
	a := f.add(f.svc.ID, 0, true, 0)

	assert.ErrorIs(t, k.create(f.ctx, f.st, &senderRow{ID: uuid.New(), ServiceID: uuid.New(), Value: k.value(1), CreatedAt: at(0)}),
		notify.ErrNotFound, "an unknown service")
	dup := senderRow{ID: a.ID, ServiceID: f.svc.ID, Value: k.value(1), IsDefault: true, CreatedAt: at(0)}
	assert.ErrorIs(t, k.create(f.ctx, f.st, &dup), notify.ErrDuplicate)
	assert.Equal(t, []senderRow{a}, f.list(f.svc.ID), "a refused create changes no default")

	ctx := cancelled(t)
	assert.ErrorIs(t, k.create(ctx, f.st, &senderRow{ID: uuid.New(), ServiceID: f.svc.ID, Value: k.value(1), CreatedAt: at(0)}), context.Canceled)
	assert.ErrorIs(t, k.update(ctx, f.st, a), context.Canceled)
	assert.ErrorIs(t, k.archive(ctx, f.st, f.svc.ID, a.ID, at(0)), context.Canceled)
	_, err := k.list(ctx, f.st, f.svc.ID)
	assert.ErrorIs(t, err, context.Canceled)
}

// testSenderRace creates defaults and updates them to defaults at once: a
// service keeps exactly one default.
func testSenderRace(t *testing.T, k senderKind, newStore func(t *testing.T) notify.Store) {
	f := newSenderFixture(t, k, newStore)
	const n = 8
	errs := race(n, func(i int) error {
		r := senderRow{ID: uuid.New(), ServiceID: f.svc.ID, Value: k.value(i), IsDefault: i%2 == 0, CreatedAt: at(time.Duration(i) * time.Second)}
		return k.create(f.ctx, f.st, &r)
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	list := f.list(f.svc.ID)
	require.Len(t, list, n)
	assert.Len(t, defaults(list), 1, "one default after concurrent creates")

	errs = race(len(list), func(i int) error {
		r := list[i]
		r.IsDefault = true
		return k.update(f.ctx, f.st, r)
	})
	for _, err := range errs {
		require.NoError(t, err, "making a sender the default succeeds whatever the others do")
	}
	assert.Len(t, defaults(f.list(f.svc.ID)), 1, "one default after concurrent updates")
}

// testReplyToDistinct: a service's live reply-to addresses are distinct,
// whatever the case, even when added concurrently; an archived address,
// or another service's, can be added again.
func testReplyToDistinct(t *testing.T, newStore func(t *testing.T) notify.Store) {
	var k senderKind
	for _, sk := range senderKinds {
		if sk.name == "EmailReplyTo" {
			k = sk
		}
	}
	f := newSenderFixture(t, k, newStore)
	const n = 8
	created := make([]senderRow, n)
	errs := race(n, func(i int) error {
		value := "Same@Example.gov.uk"
		if i%2 == 1 {
			value = "same@example.gov.uk"
		}
		created[i] = senderRow{ID: uuid.New(), ServiceID: f.svc.ID, Value: value, CreatedAt: at(time.Duration(i) * time.Second)}
		return k.create(f.ctx, f.st, &created[i])
	})
	won := -1
	for i, err := range errs {
		if err == nil {
			assert.Equal(t, -1, won, "a second add of the address succeeded")
			won = i
			continue
		}
		assert.ErrorIs(t, err, notify.ErrDuplicate)
	}
	require.NotEqual(t, -1, won, "one add succeeds")
	list := f.list(f.svc.ID)
	require.Len(t, list, 1, "the refused adds stored nothing")
	assert.Equal(t, created[won].ID, list[0].ID)

	// Another service may use the address.
	o := senderRow{ID: uuid.New(), ServiceID: f.other.svc.ID, Value: "same@example.gov.uk", CreatedAt: at(0)}
	require.NoError(t, k.create(f.ctx, f.st, &o))

	// Archived, it may be added again.
	second := f.add(f.svc.ID, 1, true, time.Minute)
	require.NoError(t, k.archive(f.ctx, f.st, f.svc.ID, created[won].ID, at(2*time.Minute)))
	again := senderRow{ID: uuid.New(), ServiceID: f.svc.ID, Value: "SAME@example.gov.uk", CreatedAt: at(3 * time.Minute)}
	require.NoError(t, k.create(f.ctx, f.st, &again))
	assert.ElementsMatch(t, []uuid.UUID{second.ID, again.ID}, ids(f.list(f.svc.ID)))
}
