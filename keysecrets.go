package notify

import (
	"context"
	"sync"
)

// maxOpenedKeySecrets bounds the opened API key secrets a Notifier keeps.
const maxOpenedKeySecrets = 4096

// openedKeySecrets keeps the API key secrets Authenticate opened, keyed by
// their sealed bytes, so that a key used again is not decrypted again: the
// secret key that opens them does not change in a Notifier's life, so the
// same sealed bytes always open to the same secret. Only sealed values
// read from the Store come in, so the keys are those the Store holds; at
// most maxOpenedKeySecrets are kept, and the whole set is dropped when
// it is full. The zero value is ready to use.
type openedKeySecrets struct {
	mu sync.RWMutex
	m  map[string]string
}

// open returns the secret sealed in sealed, opened with s the first time.
func (o *openedKeySecrets) open(ctx context.Context, s *secretKey, sealed []byte) (string, error) {
	o.mu.RLock()
	secret, ok := o.m[string(sealed)]
	o.mu.RUnlock()
	if ok {
		return secret, nil
	}
	secret, err := s.open(ctx, sealed)
	if err != nil {
		return "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil || len(o.m) >= maxOpenedKeySecrets {
		o.m = make(map[string]string)
	}
	o.m[string(sealed)] = secret
	return secret, nil
}
