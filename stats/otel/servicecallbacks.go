package otel

import (
	"context"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// AttrCallbackType is the type of a service callback: delivery_status,
// complaint or inbound_sms.
const AttrCallbackType = attribute.Key("notify.callback.type")

// serviceCallbackStore is a traced notify.ServiceCallbackStore: each method
// in a client span named notify.{method in snake case} with the service's
// id and the callback's type. A callback's URL and bearer token are never
// recorded.
type serviceCallbackStore struct {
	inner notify.ServiceCallbackStore
	tr    trace.Tracer
}

// CreateServiceCallback calls the wrapped store's in a
// notify.create_service_callback span.
func (c serviceCallbackStore) CreateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	ctx, span := startCall(ctx, c.tr, "notify.create_service_callback", serviceAttr(cb.ServiceID),
		AttrCallbackType.String(string(cb.Type)))
	err := c.inner.CreateServiceCallback(ctx, cb)
	endCall(span, err)
	return err
}

// UpdateServiceCallback calls the wrapped store's in a
// notify.update_service_callback span.
func (c serviceCallbackStore) UpdateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	ctx, span := startCall(ctx, c.tr, "notify.update_service_callback", serviceAttr(cb.ServiceID))
	err := c.inner.UpdateServiceCallback(ctx, cb)
	endCall(span, err)
	return err
}

// GetServiceCallback calls the wrapped store's in a
// notify.get_service_callback span.
func (c serviceCallbackStore) GetServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) (*notify.ServiceCallback, error) {
	ctx, span := startCall(ctx, c.tr, "notify.get_service_callback", serviceAttr(serviceID),
		AttrCallbackType.String(string(typ)))
	cb, err := c.inner.GetServiceCallback(ctx, serviceID, typ)
	endCall(span, err)
	return cb, err
}

// ListServiceCallbacks calls the wrapped store's in a
// notify.list_service_callbacks span.
func (c serviceCallbackStore) ListServiceCallbacks(ctx context.Context, serviceID uuid.UUID) ([]notify.ServiceCallback, error) {
	ctx, span := startCall(ctx, c.tr, "notify.list_service_callbacks", serviceAttr(serviceID))
	cbs, err := c.inner.ListServiceCallbacks(ctx, serviceID)
	endCall(span, err)
	return cbs, err
}

// DeleteServiceCallback calls the wrapped store's in a
// notify.delete_service_callback span.
func (c serviceCallbackStore) DeleteServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) error {
	ctx, span := startCall(ctx, c.tr, "notify.delete_service_callback", serviceAttr(serviceID),
		AttrCallbackType.String(string(typ)))
	err := c.inner.DeleteServiceCallback(ctx, serviceID, typ)
	endCall(span, err)
	return err
}
