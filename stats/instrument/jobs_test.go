package instrument_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

func TestStoreWrapJobStore(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	mem := memstore.New()
	w, ok := instrument.Store(mem, rec).(interface{ WrapAbility(p any) })
	require.True(t, ok)
	var js notify.JobStore = mem
	w.WrapAbility(&js)
	_, err := js.GetJob(t.Context(), uuid.New(), uuid.New())
	assert.ErrorIs(t, err, notify.ErrNotFound, "the wrapped store answers")
	_, err = js.StartJob(t.Context(), uuid.New(), time.Now())
	assert.ErrorIs(t, err, notify.ErrNotFound)
	assert.Equal(t, []event{{"incr", "dao.get_job"}, {"timing", "dao.get_job"}, {"incr", "dao.start_job"}, {"timing", "dao.start_job"}},
		rec.Events(""))
}
