package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testSealed checks the optional notify.SealedStore ability, when the
// store has it.
func testSealed(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ss, ok := f.store.(notify.SealedStore)
	if !ok {
		t.Skipf("%T has no SealedStore ability", f.store)
	}
	ctx := f.ctx
	s := f.store
	g := f.other()
	quiet := newService() // no callback
	quiet.CallbackURL, quiet.CallbackToken = "", ""
	require.NoError(t, s.CreateService(ctx, quiet))
	second := newAPIKey(f.svc.ID, notify.KeyTypeTeam, at(time.Second))
	require.NoError(t, s.CreateAPIKey(ctx, second))

	// snapshot returns every sealed value and the settings of interest.
	type state struct {
		secrets  map[string][]byte
		services map[string][2]string
		settings map[string]string
	}
	snapshot := func() state {
		st := state{secrets: map[string][]byte{}, services: map[string][2]string{}, settings: map[string]string{}}
		for _, fx := range []*fixture{f, g} {
			keys, err := s.ListAPIKeys(ctx, fx.svc.ID)
			require.NoError(t, err)
			for _, k := range keys {
				st.secrets[k.ID.String()] = k.EncryptedSecret
			}
		}
		for _, svc := range []*notify.Service{f.svc, g.svc, quiet} {
			got, err := s.GetService(ctx, svc.ID)
			require.NoError(t, err)
			st.services[svc.ID.String()] = [2]string{got.CallbackURL, got.CallbackToken}
		}
		for _, name := range []string{"kept", "replaced", "deleted", "added"} {
			if v, ok, err := ss.Setting(ctx, name); assert.NoError(t, err) && ok {
				st.settings[name] = v
			}
		}
		return st
	}

	t.Run("Setting", func(t *testing.T) {
		_, found, err := ss.Setting(ctx, "absent")
		require.NoError(t, err)
		assert.False(t, found)
		for _, name := range []string{"kept", "replaced", "deleted"} {
			_, err := s.LoadOrStoreSetting(ctx, name, "old "+name)
			require.NoError(t, err)
		}
		v, found, err := ss.Setting(ctx, "kept")
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, "old kept", v)
		_, found, err = ss.Setting(ctx, "absent")
		require.NoError(t, err)
		assert.False(t, found, "reading does not store")
	})

	t.Run("a failure changes nothing", func(t *testing.T) {
		before := snapshot()
		boom := errors.New("boom")
		for _, r := range []notify.Reseal{
			{Secret: func(b []byte) ([]byte, error) { return nil, boom }, Settings: map[string]string{"added": "x"}},
			{Secret: func(b []byte) ([]byte, error) { return append(b, '!'), nil },
				Text: func(string) (string, error) { return "", boom }, Settings: map[string]string{"deleted": ""}},
		} {
			err := ss.ResealSecrets(ctx, r)
			require.ErrorIs(t, err, boom)
			assert.Equal(t, before, snapshot())
		}
	})

	t.Run("maps every value and stores the settings", func(t *testing.T) {
		before := snapshot()
		var texts []string
		err := ss.ResealSecrets(ctx, notify.Reseal{
			Secret: func(b []byte) ([]byte, error) { return append([]byte("new:"), b...), nil },
			Text: func(v string) (string, error) {
				texts = append(texts, v)
				return "new:" + v, nil
			},
			Settings: map[string]string{"replaced": "new", "deleted": "", "added": "x ’ – 🙂"},
		})
		require.NoError(t, err)
		after := snapshot()
		require.Len(t, after.secrets, 3)
		for id, v := range before.secrets {
			assert.Equal(t, append([]byte("new:"), v...), after.secrets[id], "key %s", id)
		}
		for id, v := range before.services {
			want := v
			for i := range want {
				if want[i] != "" {
					want[i] = "new:" + want[i]
				}
			}
			assert.Equal(t, want, after.services[id], "service %s", id)
		}
		assert.Len(t, texts, 4, "Text sees the non-empty values only")
		assert.Equal(t, map[string]string{"kept": "old kept", "replaced": "new", "added": "x ’ – 🙂"}, after.settings)
	})

	t.Run("nil functions leave values", func(t *testing.T) {
		before := snapshot()
		require.NoError(t, ss.ResealSecrets(ctx, notify.Reseal{}))
		assert.Equal(t, before, snapshot())
	})
}
