package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// The admin routes of service callbacks and inbound numbers, on upstream's
// paths. Bodies are validated with upstream's JSON-schema messages and
// refused in its v2 error shape, {"status_code": 400, "errors": [...]},
// as upstream's callback routes answer. Bearer tokens are never answered.
//
//	POST   /service/{id}/delivery-receipt-api                create (201); callback_type delivery_status (default) or complaint
//	POST   /service/{id}/delivery-receipt-api/{callback_id}  change url, bearer_token
//	GET    /service/{id}/delivery-receipt-api/{callback_id}  one
//	DELETE /service/{id}/delivery-receipt-api/{callback_id}  delete (204)
//	POST   /service/{id}/inbound-api                         create the inbound_sms callback (201)
//	POST   /service/{id}/inbound-api/{callback_id}           change it
//	GET    /service/{id}/inbound-api/{callback_id}           one
//	DELETE /service/{id}/inbound-api/{callback_id}           delete (204)
//	GET    /inbound-number/service/{id}                      the service's inbound number ({} when none)
//	POST   /inbound-number/service/{id}                      assign {"number": ...} to the service (201)

// adminCallbackRoutes mounts the routes above when the admin API is on.
func (h *Handler) adminCallbackRoutes() {
	if len(h.opts.AdminSecret) == 0 {
		return
	}
	receipts := []notify.CallbackType{notify.CallbackDeliveryStatus, notify.CallbackComplaint}
	inbound := []notify.CallbackType{notify.CallbackInboundSMS}
	for _, g := range []struct {
		path, name string
		types      []notify.CallbackType
	}{
		{"/service/{service_id}/delivery-receipt-api", "service_callback_api", receipts},
		{"/service/{service_id}/inbound-api", "service_inbound_api", inbound},
	} {
		h.adminHandle("POST "+g.path, "create_"+g.name, h.adminCreateCallback(g.types))
		h.adminHandle("POST "+g.path+"/{callback_api_id}", "update_"+g.name, h.adminUpdateCallback(g.types))
		h.adminHandle("GET "+g.path+"/{callback_api_id}", "fetch_"+g.name, h.adminGetCallback(g.types))
		h.adminHandle("DELETE "+g.path+"/{callback_api_id}", "remove_"+g.name, h.adminDeleteCallback(g.types))
	}
	h.adminHandle("GET /inbound-number/service/{service_id}", "get_inbound_number_for_service", h.adminGetInboundNumber)
	h.adminHandle("POST /inbound-number/service/{service_id}", "post_allocate_inbound_number", h.adminAssignInboundNumber)
}

// CallbackJSON is a service callback in the admin API (upstream's
// ServiceCallbackApi.serialize, with its callback_type), never with its
// token.
type CallbackJSON struct {
	ID           uuid.UUID  `json:"id"`
	ServiceID    uuid.UUID  `json:"service_id"`
	CallbackType string     `json:"callback_type"`
	URL          string     `json:"url"`
	UpdatedByID  *uuid.UUID `json:"updated_by_id"`
	CreatedAt    string     `json:"created_at"`
	UpdatedAt    *string    `json:"updated_at"`
}

func callbackJSON(cb *notify.ServiceCallback) Data {
	return Data{Data: CallbackJSON{ID: cb.ID, ServiceID: cb.ServiceID, CallbackType: string(cb.Type), URL: cb.URL,
		UpdatedByID: cb.UpdatedBy, CreatedAt: formatTime(cb.CreatedAt), UpdatedAt: formatTimePtr(cb.UpdatedAt)}}
}

// schemaRefusal answers a refusal of DecodeCallbackRequest or of the
// Notifier's own checks in upstream's schema-validation shape; other
// errors are returned as they are.
func schemaRefusal(err error) (int, any, error) {
	if list := notify.ErrorList(err); len(list) > 0 && list[0].Name == notify.NameValidation && list[0] != notify.ErrOneCallbackPerType {
		body := V2Error(err)
		return body.StatusCode, body, nil
	}
	return 0, nil, err
}

func (h *Handler) adminCreateCallback(types []notify.CallbackType) adminFunc {
	return func(a adminRequest) (int, any, error) {
		var allowed []notify.CallbackType
		if len(types) > 1 {
			allowed = types
		}
		req, err := h.n.DecodeCallbackRequest(a.body, true, allowed...)
		if err != nil {
			return schemaRefusal(err)
		}
		typ := types[0]
		if req.Type != "" {
			typ = req.Type
		}
		cb, err := h.n.CreateCallback(a.r.Context(), a.id("service_id"), typ, req.Change)
		if err != nil {
			return schemaRefusal(err)
		}
		return http.StatusCreated, callbackJSON(cb), nil
	}
}

func (h *Handler) adminUpdateCallback(types []notify.CallbackType) adminFunc {
	return func(a adminRequest) (int, any, error) {
		req, err := h.n.DecodeCallbackRequest(a.body, false)
		if err != nil {
			return schemaRefusal(err)
		}
		ctx, svc, id := a.r.Context(), a.id("service_id"), a.id("callback_api_id")
		have, err := h.n.CallbackByID(ctx, svc, id, types...)
		if err != nil {
			return 0, nil, err
		}
		cb, err := h.n.UpdateCallback(ctx, svc, id, have.Type, req.Change)
		if err != nil {
			return schemaRefusal(err)
		}
		return http.StatusOK, callbackJSON(cb), nil
	}
}

func (h *Handler) adminGetCallback(types []notify.CallbackType) adminFunc {
	return func(a adminRequest) (int, any, error) {
		cb, err := h.n.CallbackByID(a.r.Context(), a.id("service_id"), a.id("callback_api_id"), types...)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, callbackJSON(cb), nil
	}
}

func (h *Handler) adminDeleteCallback(types []notify.CallbackType) adminFunc {
	return func(a adminRequest) (int, any, error) {
		ctx, svc := a.r.Context(), a.id("service_id")
		cb, err := h.n.CallbackByID(ctx, svc, a.id("callback_api_id"), types...)
		if err != nil {
			return 0, nil, err
		}
		if err := h.n.DeleteCallback(ctx, svc, cb.Type); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	}
}

// InboundNumberJSON is an inbound number in the admin API (upstream's
// InboundNumber.serialize, without the provider, which is not recorded).
type InboundNumberJSON struct {
	ID        uuid.UUID          `json:"id"`
	Number    string             `json:"number"`
	Service   InboundServiceJSON `json:"service"`
	Active    bool               `json:"active"`
	CreatedAt string             `json:"created_at"`
	UpdatedAt *string            `json:"updated_at"`
}

// InboundServiceJSON names the service of an inbound number.
type InboundServiceJSON struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

func (h *Handler) inboundNumberJSON(a adminRequest, in *notify.InboundNumber) (InboundNumberJSON, error) {
	svc, err := h.n.GetService(a.r.Context(), in.ServiceID)
	if err != nil {
		return InboundNumberJSON{}, err
	}
	return InboundNumberJSON{ID: in.ID, Number: in.Number, Service: InboundServiceJSON{ID: svc.ID, Name: svc.Name},
		Active: true, CreatedAt: formatTime(in.CreatedAt)}, nil
}

// adminGetInboundNumber answers the service's first inbound number, or {}
// when it has none, as upstream.
func (h *Handler) adminGetInboundNumber(a adminRequest) (int, any, error) {
	list, err := h.n.InboundNumbers(a.r.Context(), a.id("service_id"))
	if err != nil {
		return 0, nil, err
	}
	if len(list) == 0 {
		return http.StatusOK, Data{Data: struct{}{}}, nil
	}
	out, err := h.inboundNumberJSON(a, &list[0])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Data{Data: out}, nil
}

// adminAssignInboundNumber gives {"number": ...} to the service.
func (h *Handler) adminAssignInboundNumber(a adminRequest) (int, any, error) {
	req, err := notify.DecodeInboundNumberRequest(a.body)
	if err != nil {
		return schemaRefusal(err)
	}
	in, err := h.n.AssignInboundNumber(a.r.Context(), a.id("service_id"), req)
	if err != nil {
		return 0, nil, err
	}
	out, err := h.inboundNumberJSON(a, in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, Data{Data: out}, nil
}
