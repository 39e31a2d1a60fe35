package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testSettings(t *testing.T, newStore func(t *testing.T) notify.Store) {
	s := newStore(t)
	ctx := t.Context()

	v, err := s.LoadOrStoreSetting(ctx, "secret_key", "first")
	require.NoError(t, err)
	assert.Equal(t, "first", v)
	v, err = s.LoadOrStoreSetting(ctx, "secret_key", "second")
	require.NoError(t, err)
	assert.Equal(t, "first", v, "the first value wins")
	v, err = s.LoadOrStoreSetting(ctx, "other", "x ’ – 🙂")
	require.NoError(t, err)
	assert.Equal(t, "x ’ – 🙂", v)
	v, err = s.LoadOrStoreSetting(ctx, "secret_key", "")
	require.NoError(t, err)
	assert.Equal(t, "first", v)

	t.Run("concurrent", func(t *testing.T) {
		const racers = 16
		for round := range 3 {
			name := fmt.Sprint("race-", round)
			vals := make([]string, racers)
			errs := race(racers, func(i int) error {
				v, err := s.LoadOrStoreSetting(ctx, name, fmt.Sprint("value-", i))
				vals[i] = v
				return err
			})
			for _, err := range errs {
				require.NoError(t, err)
			}
			for i := range vals {
				assert.Equal(t, vals[0], vals[i], "round %d: callers saw different values", round)
			}
			assert.Regexp(t, `^value-\d+$`, vals[0])
			again, err := s.LoadOrStoreSetting(ctx, name, "late")
			require.NoError(t, err)
			assert.Equal(t, vals[0], again)
		}
	})
}
