package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

var _ notify.SealedStore = (*Store)(nil)

// Setting returns the value stored under name and whether there is one.
func (s *Store) Setting(ctx context.Context, name string) (string, bool, error) {
	if err := checkCtx(ctx); err != nil {
		return "", false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.settings[name]
	return v, ok, nil
}

// ResealSecrets maps every sealed secret with r and stores r.Settings, all
// or nothing.
func (s *Store) ResealSecrets(ctx context.Context, r notify.Reseal) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Compute every new value first, then apply them: a failure changes
	// nothing.
	secrets := map[uuid.UUID][]byte{}
	if r.Secret != nil {
		for id, k := range s.keys {
			v, err := r.Secret(slices.Clone(k.EncryptedSecret))
			if err != nil {
				return fmt.Errorf("memstore: reseal API key %s: %w", id, err)
			}
			secrets[id] = slices.Clone(v)
		}
	}
	type callback struct{ url, token string }
	callbacks := map[uuid.UUID]callback{}
	if r.Text != nil {
		for id, svc := range s.services {
			c := callback{svc.CallbackURL, svc.CallbackToken}
			for _, f := range []*string{&c.url, &c.token} {
				if *f == "" {
					continue
				}
				v, err := r.Text(*f)
				if err != nil {
					return fmt.Errorf("memstore: reseal callback of service %s: %w", id, err)
				}
				*f = v
			}
			callbacks[id] = c
		}
	}
	rows := map[uuid.UUID]callback{}
	if r.Text != nil {
		for id, cb := range s.cb.callbacks {
			c := callback{cb.URL, cb.BearerToken}
			for _, f := range []*string{&c.url, &c.token} {
				if *f == "" {
					continue
				}
				v, err := r.Text(*f)
				if err != nil {
					return fmt.Errorf("memstore: reseal service callback %s: %w", id, err)
				}
				*f = v
			}
			rows[id] = c
		}
	}
	for id, v := range secrets {
		s.keys[id].EncryptedSecret = v
	}
	for id, c := range rows {
		s.cb.callbacks[id].URL, s.cb.callbacks[id].BearerToken = c.url, c.token
	}
	for id, c := range callbacks {
		s.services[id].CallbackURL, s.services[id].CallbackToken = c.url, c.token
	}
	for name, v := range r.Settings {
		if v == "" {
			delete(s.settings, name)
		} else {
			s.settings[name] = v
		}
	}
	return nil
}
