package notify

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// This file holds the Notifier's life after New: Close, the tracking of
// the work Close waits for, and the secret key, which New does not load
// from the Store (New does no I/O).

// lifecycle tracks the work Close waits for and stops.
type lifecycle struct {
	mu     sync.RWMutex
	closed bool
	sends  sync.WaitGroup // sends under way, from their first check to the Store
	runs   sync.WaitGroup // Run and RunWith calls

	stop   context.Context // done once Close begins: stops Run
	cancel context.CancelFunc

	drainOnce   sync.Once
	drained     chan struct{} // closed when sends, commits and runs are over
	releaseOnce sync.Once
}

func (l *lifecycle) init() {
	l.stop, l.cancel = context.WithCancel(context.Background())
	l.drained = make(chan struct{})
}

// enter registers a send; false means the Notifier is closed.
func (l *lifecycle) enter() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return false
	}
	l.sends.Add(1)
	return true
}

// leave ends a send registered by enter.
func (l *lifecycle) leave() { l.sends.Done() }

// isClosed reports whether Close has begun.
func (l *lifecycle) isClosed() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.closed
}

// startRun registers a Run: it returns a context that Close cancels and
// the function that ends the registration.
func (l *lifecycle) startRun(ctx context.Context) (context.Context, func(), error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, nil, errNotifierClosed
	}
	l.runs.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	unhook := context.AfterFunc(l.stop, cancel)
	return ctx, func() {
		unhook()
		cancel()
		l.runs.Done()
	}, nil
}

// closedError is what the Notifier's sends, reads and Run return once Close
// has begun.
type closedError struct{}

func (closedError) Error() string { return "notify: the Notifier is closed" }

// Is makes errors.Is(err, ErrClosed) hold.
func (closedError) Is(target error) bool { return target == ErrClosed }

// errNotifierClosed is the error of work refused after Close.
var errNotifierClosed error = closedError{}

// Close stops what the Notifier runs and releases what it owns, waiting
// until ctx is done at most. It refuses new work: sends, reads with a
// Caller and Run then fail with an error for which errors.Is(err,
// ErrClosed) holds. It then waits for the sends already under way (their
// group commits included: every notification accepted is stored and
// queued) and for the Run and RunWith calls, which it stops as if their
// context had ended (deliveries in flight finish). Last it releases what
// the Notifier made itself: its read cache, and the idle connections of the
// HTTP client it made when Config.CallbackClient was nil.
//
// The adapters in Config (Store, Queue, Cache, providers, Stats,
// CallbackClient) belong to the caller, who closes them after Close
// returns: the Notifier never closes them. Close may be called more than
// once and from several goroutines; a call whose ctx ends before the work
// is over returns an error wrapping ctx.Err(), and a later call waits
// again. Methods that take no Caller (the admin ones, Authenticate,
// Deliver, ApplyReceipt) keep working as long as the adapters do.
func (n *Notifier) Close(ctx context.Context) error {
	l := &n.life
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	l.drainOnce.Do(func() {
		go func() {
			l.sends.Wait()
			if n.commit != nil {
				n.commit.runs.Wait()
			}
			l.runs.Wait()
			close(l.drained)
		}()
	})
	select {
	case <-l.drained:
	case <-ctx.Done():
		return fmt.Errorf("notify: close: %w", ctx.Err())
	}
	l.releaseOnce.Do(n.releaseOwned)
	return nil
}

// releaseOwned frees what the Notifier owns, once its work is over.
func (n *Notifier) releaseOwned() {
	if c, ok := n.store.(interface{ purge() }); ok {
		c.purge()
	}
	if n.ownsCallbackClient {
		n.cfg.CallbackClient.CloseIdleConnections()
	}
}

// secretKey seals and opens API secrets and callback URLs and tokens. The
// key (Config.SecretKey, or the development key kept in the Store) is
// checked against the Store's key check value on first use, with the
// caller's context, so that New does no I/O; a failed load or check is
// tried again by the next call.
type secretKey struct {
	key   []byte // Config.SecretKey; nil: the development key
	box   atomic.Pointer[secretBox]
	mu    sync.Mutex // held while the key loads
	store Store
	log   *slog.Logger
}

// newSecretKey returns the secretKey of a Notifier. A configured key that
// is too short is refused at once.
func newSecretKey(key []byte, store Store, log *slog.Logger) (*secretKey, error) {
	if len(key) > 0 {
		if _, err := newSecretBox(key); err != nil {
			return nil, err
		}
	}
	return &secretKey{key: key, store: store, log: log}, nil
}

// get returns the box, loading and checking the key the first time.
func (s *secretKey) get(ctx context.Context) (*secretBox, error) {
	if box := s.box.Load(); box != nil {
		return box, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if box := s.box.Load(); box != nil {
		return box, nil
	}
	key := s.key
	if len(key) == 0 {
		var err error
		if key, err = loadDevSecretKey(ctx, s.store); err != nil {
			return nil, err
		}
		s.log.WarnContext(ctx, "no secret key configured: API secrets are encrypted with a development key kept in the store; configure a secret key in production")
	}
	box, err := openSecrets(ctx, s.store, key) // secrets.go
	if err != nil {
		return nil, err
	}
	s.box.Store(box)
	return box, nil
}

// seal encrypts plain.
func (s *secretKey) seal(ctx context.Context, plain string) ([]byte, error) {
	box, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return box.seal(plain)
}

// open decrypts what seal made.
func (s *secretKey) open(ctx context.Context, sealed []byte) (string, error) {
	box, err := s.get(ctx)
	if err != nil {
		return "", err
	}
	return box.open(sealed)
}

// sealText seals plain for a text column ("" stays "").
func (s *secretKey) sealText(ctx context.Context, plain string) (string, error) {
	box, err := s.get(ctx)
	if err != nil {
		return "", err
	}
	return box.sealText(plain)
}

// openText opens what sealText made (and text stored in clear by earlier
// versions, legacy true).
func (s *secretKey) openText(ctx context.Context, stored string) (string, bool, error) {
	box, err := s.get(ctx)
	if err != nil {
		return "", false, err
	}
	return box.openText(stored)
}

// CheckSecretKey loads the secret key and checks it against the Store's
// key check value now, rather than on first use: a server calls it at
// start, so that a wrong key (an error wrapping ErrWrongSecretKey) stops it
// before it serves anything.
func (n *Notifier) CheckSecretKey(ctx context.Context) error {
	_, err := n.secrets.get(ctx)
	return err
}

// purge drops every cached read, for Close.
func (c *cachedStore) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
	c.head.next, c.head.prev = &c.head, &c.head
}
