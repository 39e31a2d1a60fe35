package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// previewRequest reads POST /v2/template/{id}/preview as upstream does: the
// body first (JSON that is not valid is refused before anything else, and
// one Python holds false is {}), then the id and the personalisation are
// validated together, the id's problem first.
func previewRequest(r *http.Request, body []byte) (uuid.UUID, map[string]any, error) {
	values, err := notify.DecodePreviewRequest(notify.V2Body(body))
	problems := notify.ErrorList(err)
	if len(problems) > 0 && problems[0].Name == notify.NameBadRequest {
		return uuid.Nil, nil, err // not JSON
	}
	id, idErr := pathUUID(r, "id")
	switch {
	case idErr != nil:
		return uuid.Nil, nil, append(notify.Errors(notify.ErrorList(idErr)), problems...)
	case err != nil:
		return uuid.Nil, nil, err
	}
	return id, values, nil
}
