package notify_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	team := notify.BadRequest(notify.FieldTo, "Can’t send to this recipient using a team-only API key")
	missing := notify.BadRequest(notify.FieldTemplate, "Missing personalisation: name")
	t.Run("status", func(t *testing.T) {
		assert.Equal(t, 400, notify.StatusOf(team))
		assert.Equal(t, 400, notify.StatusOf(fmt.Errorf("context: %w", team)))
		assert.Equal(t, 404, notify.StatusOf(notify.ErrNoResult))
		assert.Equal(t, 403, notify.StatusOf(notify.AuthError(http.StatusForbidden, notify.MsgKeyRevoked)))
		assert.Equal(t, 429, notify.StatusOf(notify.Errors{
			notify.Errorf(notify.NameTooManyRequests, http.StatusTooManyRequests, "", "Exceeded send limits (%d) for today", 3), team}))
		assert.Equal(t, 500, notify.StatusOf(errors.New("db: connection refused to 10.0.0.1")))
	})
	t.Run("refusals in an error", func(t *testing.T) {
		assert.Equal(t, []*notify.Error{team}, notify.ErrorList(fmt.Errorf("context: %w", team)))
		assert.Equal(t, []*notify.Error{team, missing}, notify.ErrorList(notify.Errors{team, missing}))
		assert.Nil(t, notify.ErrorList(errors.New("internal")))
		assert.Equal(t, "Can’t send to this recipient using a team-only API key; Missing personalisation: name",
			notify.Errors{team, missing}.Error())
	})
	t.Run("the message is the error text", func(t *testing.T) {
		assert.Equal(t, team.Message, team.Error())
		var e *notify.Error
		require.ErrorAs(t, notify.Errors{team, missing}, &e)
		assert.Same(t, team, e)
	})
	t.Run("permanent", func(t *testing.T) {
		err := notify.Permanent(errors.New("bad number"))
		assert.True(t, notify.IsPermanent(err))
		assert.True(t, notify.IsPermanent(fmt.Errorf("wrapped: %w", err)))
		assert.False(t, notify.IsPermanent(errors.New("timeout")))
		assert.Nil(t, notify.Permanent(nil))
		assert.Equal(t, "bad number", err.Error())
	})
}
