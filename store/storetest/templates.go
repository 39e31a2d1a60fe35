package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testTemplates(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	tmpl := newTemplate(f.svc.ID, notify.Email, "Welcome")
	tmpl.Version = 7 // ignored: creation makes version 1
	tmpl.ProcessType = notify.ProcessPriority
	require.NoError(t, s.CreateTemplate(ctx, tmpl))
	assert.Equal(t, 1, tmpl.Version, "CreateTemplate writes version 1 back")
	v1 := *tmpl

	got, err := s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
	require.NoError(t, err)
	assert.Equal(t, normTemplate(v1), normTemplate(*got))

	upd := v1
	upd.Content = "New content ((name))"
	upd.Subject = "New subject"
	upd.Name = "Welcome v2"
	upd.UpdatedAt = ptr(at(time.Hour))
	require.NoError(t, s.UpdateTemplate(ctx, &upd))
	assert.Equal(t, 2, upd.Version, "UpdateTemplate writes the new version back")
	v2 := upd

	upd.Content = "Third content"
	upd.UpdatedAt = ptr(at(2 * time.Hour))
	require.NoError(t, s.UpdateTemplate(ctx, &upd))
	assert.Equal(t, 3, upd.Version)
	v3 := upd

	got, err = s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
	require.NoError(t, err)
	assert.Equal(t, normTemplate(v3), normTemplate(*got))

	for _, want := range []notify.Template{v1, v2, v3} {
		got, err := s.GetTemplateVersion(ctx, f.svc.ID, tmpl.ID, want.Version)
		require.NoError(t, err, "version %d", want.Version)
		assert.Equal(t, normTemplate(want), normTemplate(*got), "version %d", want.Version)
	}

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"get unknown", func() error { _, err := s.GetTemplate(ctx, f.svc.ID, uuid.New()); return err }, notify.ErrNotFound},
		{"get other service's", func() error { _, err := s.GetTemplate(ctx, other.svc.ID, tmpl.ID); return err }, notify.ErrNotFound},
		{"version 0", func() error { _, err := s.GetTemplateVersion(ctx, f.svc.ID, tmpl.ID, 0); return err }, notify.ErrNotFound},
		{"version 4", func() error { _, err := s.GetTemplateVersion(ctx, f.svc.ID, tmpl.ID, 4); return err }, notify.ErrNotFound},
		{"version of other service's", func() error {
			_, err := s.GetTemplateVersion(ctx, other.svc.ID, tmpl.ID, 1)
			return err
		}, notify.ErrNotFound},
		{"version of unknown", func() error { _, err := s.GetTemplateVersion(ctx, f.svc.ID, uuid.New(), 1); return err }, notify.ErrNotFound},
		{"update unknown", func() error { return s.UpdateTemplate(ctx, newTemplate(f.svc.ID, notify.SMS, "x")) }, notify.ErrNotFound},
		{"create duplicate", func() error {
			dup := newTemplate(f.svc.ID, notify.SMS, "dup")
			dup.ID = tmpl.ID
			return s.CreateTemplate(ctx, dup)
		}, notify.ErrDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.call(), tc.want)
		})
	}

	// The refused duplicate changed nothing.
	got, err = s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
	require.NoError(t, err)
	assert.Equal(t, normTemplate(v3), normTemplate(*got))

	t.Run("archive", func(t *testing.T) {
		arch := v3
		arch.Archived = true
		require.NoError(t, s.UpdateTemplate(ctx, &arch))
		assert.Equal(t, 4, arch.Version)
		got, err := s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
		require.NoError(t, err, "an archived template can still be read")
		assert.True(t, got.Archived)
		list, err := s.ListTemplates(ctx, f.svc.ID, "")
		require.NoError(t, err)
		for _, l := range list {
			assert.NotEqual(t, tmpl.ID, l.ID, "archived template listed")
		}
	})
}

func testListTemplates(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore) // holds "email template" and "sms template"
	other := f.other()
	ctx, s := f.ctx, f.store

	b := newTemplate(f.svc.ID, notify.SMS, "b")
	a1 := newTemplate(f.svc.ID, notify.Email, "a")
	a2 := newTemplate(f.svc.ID, notify.SMS, "a")
	c := newTemplate(f.svc.ID, notify.Email, "c")
	for _, tm := range []*notify.Template{b, a1, c, a2} {
		require.NoError(t, s.CreateTemplate(ctx, tm))
	}
	// A renamed template is listed under its current name and version.
	renamed := *c
	renamed.Name = "0 first"
	require.NoError(t, s.UpdateTemplate(ctx, &renamed))

	all := []*notify.Template{&renamed, a1, a2, b, f.email, f.sms}
	slices.SortStableFunc(all, func(x, y *notify.Template) int {
		if x.Name != y.Name {
			if x.Name < y.Name {
				return -1
			}
			return 1
		}
		return compareIDs(x.ID, y.ID)
	})
	filter := func(typ notify.NotificationType) []uuid.UUID {
		var ids []uuid.UUID
		for _, tm := range all {
			if typ == "" || tm.Type == typ {
				ids = append(ids, tm.ID)
			}
		}
		return ids
	}

	for _, typ := range []notify.NotificationType{"", notify.SMS, notify.Email, notify.Letter} {
		t.Run("type "+string(typ), func(t *testing.T) {
			got, err := s.ListTemplates(ctx, f.svc.ID, typ)
			require.NoError(t, err)
			ids := make([]uuid.UUID, len(got))
			for i, tm := range got {
				ids[i] = tm.ID
				assert.Equal(t, f.svc.ID, tm.ServiceID)
			}
			assert.Equal(t, filter(typ), nilIfEmpty(ids))
			for _, tm := range got {
				if tm.ID == renamed.ID {
					assert.Equal(t, normTemplate(renamed), normTemplate(tm), "current version listed")
				}
			}
		})
	}

	otherList, err := s.ListTemplates(ctx, other.svc.ID, "")
	require.NoError(t, err)
	assert.Len(t, otherList, 2)

	none, err := s.ListTemplates(ctx, uuid.New(), "")
	require.NoError(t, err)
	assert.Empty(t, none)
}
