package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// serviceCallbackStore is an instrumented notify.ServiceCallbackStore:
// each method counted and timed under dao.{method in snake case}, as the
// Store's own methods are.
type serviceCallbackStore struct {
	s     *store
	inner notify.ServiceCallbackStore
}

// CreateServiceCallback calls the wrapped store's CreateServiceCallback.
func (c serviceCallbackStore) CreateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	defer c.s.done("dao.create_service_callback", time.Now())
	return c.inner.CreateServiceCallback(ctx, cb)
}

// UpdateServiceCallback calls the wrapped store's UpdateServiceCallback.
func (c serviceCallbackStore) UpdateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	defer c.s.done("dao.update_service_callback", time.Now())
	return c.inner.UpdateServiceCallback(ctx, cb)
}

// GetServiceCallback calls the wrapped store's GetServiceCallback.
func (c serviceCallbackStore) GetServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) (*notify.ServiceCallback, error) {
	defer c.s.done("dao.get_service_callback", time.Now())
	return c.inner.GetServiceCallback(ctx, serviceID, typ)
}

// ListServiceCallbacks calls the wrapped store's ListServiceCallbacks.
func (c serviceCallbackStore) ListServiceCallbacks(ctx context.Context, serviceID uuid.UUID) ([]notify.ServiceCallback, error) {
	defer c.s.done("dao.list_service_callbacks", time.Now())
	return c.inner.ListServiceCallbacks(ctx, serviceID)
}

// DeleteServiceCallback calls the wrapped store's DeleteServiceCallback.
func (c serviceCallbackStore) DeleteServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) error {
	defer c.s.done("dao.delete_service_callback", time.Now())
	return c.inner.DeleteServiceCallback(ctx, serviceID, typ)
}
