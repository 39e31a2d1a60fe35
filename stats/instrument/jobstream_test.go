package instrument_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

func TestStoreWrapJobStreamer(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	mem := memstore.New()
	w, ok := instrument.Store(mem, rec).(interface{ WrapAbility(p any) })
	require.True(t, ok)
	var st notify.JobStreamer = mem
	w.WrapAbility(&st)
	refused := errors.New("row refused")
	err := st.StreamJob(t.Context(), &notify.Job{ID: uuid.New()}, func() (*notify.Notification, error) { return nil, refused })
	assert.ErrorIs(t, err, refused, "the wrapped store answers")
	assert.Equal(t, []event{{"incr", "dao.stream_job"}, {"timing", "dao.stream_job"}}, rec.Events(""))
}
