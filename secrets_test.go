package notify_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// testSecretKey is a secret key of the length New requires.
var testSecretKey = []byte("a secret key for the tests, 32+ bytes")

var (
	keyA = []byte("key A: 0123456789abcdef0123456789abcdef")
	keyB = []byte("key B: 0123456789abcdef0123456789abcdef")
	keyC = []byte("key C: 0123456789abcdef0123456789abcdef")
)

// newOn returns a Notifier on store with key, its key checked against the
// store as a server does at start (CheckSecretKey).
func newOn(t *testing.T, store notify.Store, key []byte) (*notify.Notifier, error) {
	t.Helper()
	q := memqueue.New(memqueue.Options{})
	t.Cleanup(func() { _ = q.Close() })
	n, err := notify.New(notify.Config{Store: store, Queue: q, SecretKey: key, Logger: slog.New(slog.DiscardHandler),
		AllowInsecureCallbacks: true})
	if err != nil {
		return nil, err
	}
	return n, n.CheckSecretKey(context.Background())
}

// tenant is a service with a live key and a callback, made through a
// Notifier.
type tenant struct {
	svc *notify.Service
	key *notify.APIKey
}

func newTenant(t *testing.T, n *notify.Notifier) tenant {
	t.Helper()
	svc, err := n.CreateService(ctx, notify.Service{Name: "Sealed"})
	require.NoError(t, err)
	key, err := n.CreateAPIKey(ctx, svc.ID, "live", notify.KeyTypeLive)
	require.NoError(t, err)
	require.NoError(t, n.SetServiceCallback(ctx, svc.ID, "https://example.com/cb?sig=abc", "a-long-bearer-token"))
	return tenant{svc: svc, key: key}
}

// works checks that n opens tn's secrets: its key authenticates and its
// callback URL reads back.
func (tn tenant) works(t *testing.T, n *notify.Notifier) {
	t.Helper()
	tok, err := notify.NewToken(tn.svc.ID, tn.key.Secret, time.Now())
	require.NoError(t, err)
	c, err := n.Authenticate(ctx, "Bearer "+tok)
	require.NoError(t, err)
	assert.Equal(t, tn.key.ID, c.Key.ID)
	u, err := n.ServiceCallbackURL(ctx, tn.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/cb?sig=abc", u)
}

func TestSecretKeyLength(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key []byte
		ok  bool
	}{
		{[]byte("short"), false},
		{make([]byte, notify.MinSecretKeyLength-1), false},
		{make([]byte, notify.MinSecretKeyLength), true},
		{nil, true}, // the development key
	} {
		_, err := newOn(t, memstore.New(), tc.key)
		if tc.ok {
			assert.NoError(t, err, len(tc.key))
			continue
		}
		require.Error(t, err, len(tc.key))
		assert.Contains(t, err.Error(), "Config.SecretKey must be at least 32 bytes")
	}
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	n, err := newOn(t, store, keyA)
	require.NoError(t, err)
	tn := newTenant(t, n)
	svc, err := store.GetService(ctx, tn.svc.ID)
	require.NoError(t, err)
	for _, v := range []string{svc.CallbackURL, svc.CallbackToken} {
		assert.True(t, strings.HasPrefix(v, "sealed:"), v)
		assert.NotContains(t, v, "example.com")
		assert.NotContains(t, v, "bearer")
	}
	keys, err := store.ListAPIKeys(ctx, tn.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, byte(2), keys[0].EncryptedSecret[0], "the current format has a version")
	assert.NotContains(t, string(keys[0].EncryptedSecret), tn.key.Secret)
	tn.works(t, n)
}

// TestWrongSecretKeyStopsNew: a Notifier started with another key than the
// one the store's secrets are sealed under fails its key check (and every
// use of the key), whether the
// store can re-seal or only keep settings.
func TestWrongSecretKeyStopsNew(t *testing.T) {
	t.Parallel()
	for name, wrap := range map[string]func(*memstore.Store) notify.Store{
		"sealed store":    func(s *memstore.Store) notify.Store { return s },
		"settings only":   func(s *memstore.Store) notify.Store { return plainStore{s} },
		"development key": func(s *memstore.Store) notify.Store { return s },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := wrap(memstore.New())
			first, wrong := keyA, keyB
			if name == "development key" {
				first = nil // generated and kept in the store
			}
			n, err := newOn(t, store, first)
			require.NoError(t, err)
			tn := newTenant(t, n)
			_, err = newOn(t, store, wrong)
			require.ErrorIs(t, err, notify.ErrWrongSecretKey)
			assert.Contains(t, err.Error(), "sealed under another key")
			again, err := newOn(t, store, first)
			require.NoError(t, err, "the right key still starts")
			tn.works(t, again)
		})
	}
}

// legacySeal seals plain as values were sealed before the format had a
// version: AES-256-GCM under the SHA-256 of the key, nonce then
// ciphertext.
func legacySeal(t *testing.T, key []byte, plain string) []byte {
	t.Helper()
	sum := sha256.Sum256(key)
	block, err := aes.NewCipher(sum[:])
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	nonce := make([]byte, aead.NonceSize())
	_, err = rand.Read(nonce)
	require.NoError(t, err)
	return aead.Seal(nonce, nonce, []byte(plain), nil)
}

// legacyStore is a store as an earlier version left it: a key and a
// callback token sealed in the unversioned format, a callback URL in
// clear, no key check value.
func legacyStore(t *testing.T, key []byte) (*memstore.Store, tenant) {
	t.Helper()
	store := memstore.New()
	svc := &notify.Service{ID: uuid.New(), Name: "Old", Permissions: []notify.Permission{notify.PermissionSMS},
		CallbackURL:   "https://example.com/cb?sig=abc",
		CallbackToken: "sealed:" + base64.StdEncoding.EncodeToString(legacySeal(t, key, "a-long-bearer-token")),
		CreatedAt:     time.Now(), UpdatedAt: time.Now()}
	require.NoError(t, store.CreateService(ctx, svc))
	k := &notify.APIKey{ID: uuid.New(), ServiceID: svc.ID, Name: "old", KeyType: notify.KeyTypeLive,
		Secret: uuid.NewString(), CreatedAt: time.Now()}
	stored := *k
	stored.Secret, stored.EncryptedSecret = "", legacySeal(t, key, k.Secret)
	require.NoError(t, store.CreateAPIKey(ctx, &stored))
	return store, tenant{svc: svc, key: k}
}

func TestLegacySecretsAreResealedOnFirstStart(t *testing.T) {
	t.Parallel()
	store, tn := legacyStore(t, keyA)

	_, err := newOn(t, store, keyB)
	require.ErrorIs(t, err, notify.ErrWrongSecretKey, "secrets the key does not open stop the start")
	_, found, err := store.Setting(ctx, "notify.secret-key-check")
	require.NoError(t, err)
	assert.False(t, found, "a refused start records no key check value")

	n, err := newOn(t, store, keyA)
	require.NoError(t, err)
	tn.works(t, n)
	keys, err := store.ListAPIKeys(ctx, tn.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, byte(2), keys[0].EncryptedSecret[0], "re-sealed in the current format")
	svc, err := store.GetService(ctx, tn.svc.ID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(svc.CallbackURL, "sealed:"), "a URL in clear is sealed")

	_, err = newOn(t, store, keyB)
	require.ErrorIs(t, err, notify.ErrWrongSecretKey, "the key check value is recorded")
}

func TestRotateSecretKey(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	n, err := newOn(t, store, keyA)
	require.NoError(t, err)
	tn := newTenant(t, n)

	_, err = notify.RotateSecretKey(ctx, store, keyC, keyB)
	require.ErrorIs(t, err, notify.ErrWrongSecretKey, "the old key must be the store's")
	_, err = notify.RotateSecretKey(ctx, store, keyA, []byte("too short"))
	require.ErrorContains(t, err, "at least 32 bytes")
	_, err = notify.RotateSecretKey(ctx, plainStore{store}, keyA, keyB)
	require.ErrorContains(t, err, "cannot re-seal")

	r, err := notify.RotateSecretKey(ctx, store, keyA, keyB)
	require.NoError(t, err)
	assert.Equal(t, notify.Rotation{APIKeys: 1, CallbackValues: 2}, r)
	_, err = newOn(t, store, keyA)
	require.ErrorIs(t, err, notify.ErrWrongSecretKey, "the old key no longer starts")
	nb, err := newOn(t, store, keyB)
	require.NoError(t, err)
	tn.works(t, nb)

	r, err = notify.RotateSecretKey(ctx, store, keyA, keyB)
	require.NoError(t, err)
	assert.True(t, r.Already, "a second run finds the work done")

	// The same key twice re-seals in place.
	r, err = notify.RotateSecretKey(ctx, store, keyB, keyB)
	require.NoError(t, err)
	assert.Equal(t, 1, r.APIKeys)
	tn.works(t, nb)
}

// TestRotateFromAShortLegacyKey: a store sealed under a key shorter than
// New now accepts moves to a long one.
func TestRotateFromAShortLegacyKey(t *testing.T) {
	t.Parallel()
	short := []byte("compat check only")
	store, tn := legacyStore(t, short)
	_, err := newOn(t, store, short)
	require.ErrorContains(t, err, "at least 32 bytes")
	r, err := notify.RotateSecretKey(ctx, store, short, keyA)
	require.NoError(t, err)
	assert.Equal(t, notify.Rotation{APIKeys: 1, CallbackValues: 2}, r)
	n, err := newOn(t, store, keyA)
	require.NoError(t, err)
	tn.works(t, n)
}

// TestRotateFromTheDevelopmentKey: rotating away from the development key
// kept in the store deletes it from the store.
func TestRotateFromTheDevelopmentKey(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	n, err := newOn(t, store, nil)
	require.NoError(t, err)
	tn := newTenant(t, n)
	encoded, found, err := store.Setting(ctx, notify.DevSecretKeySetting)
	require.NoError(t, err)
	require.True(t, found)
	dev, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err)

	_, err = notify.RotateSecretKey(context.Background(), store, dev, keyA)
	require.NoError(t, err)
	_, found, err = store.Setting(ctx, notify.DevSecretKeySetting)
	require.NoError(t, err)
	assert.False(t, found, "the development key left the store")
	_, err = newOn(t, store, nil)
	require.ErrorIs(t, err, notify.ErrWrongSecretKey, "without the key, no new development key is made")
	_, found, err = store.Setting(ctx, notify.DevSecretKeySetting)
	require.NoError(t, err)
	assert.False(t, found)
	na, err := newOn(t, store, keyA)
	require.NoError(t, err)
	tn.works(t, na)
}
