package notify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Secrets at rest: API key secrets (which must be recoverable to verify
// tokens), services' callback URLs and callback bearer tokens are sealed
// with AES-256-GCM under a key derived from the configured secret key
// with HKDF-SHA256. A sealed value is one version byte, the nonce and the
// ciphertext; values sealed before the format had a version (the AES key
// was the SHA-256 of the secret key) still open, and are re-sealed in the
// current format by the first start that records the key check value and
// by RotateSecretKey.
//
// The Store keeps a key check value (an HMAC under another key derived
// from the secret key), so that a Notifier started with the wrong key
// fails at the first use of the key (or at CheckSecretKey, which a server
// calls at start), naming the problem, rather than answering every
// request with an internal error.

// MinSecretKeyLength is the shortest Config.SecretKey New accepts, in
// bytes. A random 32-byte key, written as text (for instance
// `openssl rand -base64 32`, 44 characters), is the intended kind.
const MinSecretKeyLength = 32

// ErrWrongSecretKey is wrapped by the error of New, and of RotateSecretKey,
// when the secret key given is not the one the Store's secrets are sealed
// under.
var ErrWrongSecretKey = errors.New("notify: wrong secret key")

// Settings the secrets keep in the Store.
const (
	// keyCheckSetting holds the key check value of the secret key.
	keyCheckSetting = "notify.secret-key-check"
	// DevSecretKeySetting is the Store setting under which a Notifier
	// keeps its development secret key (standard base64) when
	// Config.SecretKey is empty. Tools that move that key out of the
	// Store (cmd/notifyd keeps it in a file beside an SQLite database)
	// read and delete it through SealedStore.
	DevSecretKeySetting = "notify.dev-secret-key"
)

// sealedPrefix marks a sealed text value (a callback URL or token): the
// prefix, then the sealed bytes in standard base64. A value without it
// (set on the Service directly, or stored before callback URLs were
// sealed) is used as it is.
const sealedPrefix = "sealed:"

// sealVersion2 is the first byte of a value sealed under the HKDF-derived
// key.
const sealVersion2 byte = 2

// HKDF info strings: one key per use.
const (
	hkdfSealInfo  = "notify secret box v2"
	hkdfCheckInfo = "notify key check value v1"
)

// secretBox seals and opens secrets under one secret key.
type secretBox struct {
	current cipher.AEAD // HKDF-SHA256 of the key: what seal uses
	legacy  cipher.AEAD // SHA-256 of the key: the unversioned format
	check   string      // the key check value
}

// newSecretBox derives the keys of a box from key, of any length: New
// checks the length of the keys it seals with.
func newSecretBox(key []byte) (*secretBox, error) {
	if len(key) == 0 {
		return nil, errors.New("notify: empty secret key")
	}
	sealKey, err := hkdf.Key(sha256.New, key, nil, hkdfSealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("notify: derive secret key: %w", err)
	}
	current, err := gcm(sealKey)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key)
	legacy, err := gcm(sum[:])
	if err != nil {
		return nil, err
	}
	checkKey, err := hkdf.Key(sha256.New, key, nil, hkdfCheckInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("notify: derive secret key: %w", err)
	}
	mac := hmac.New(sha256.New, checkKey)
	mac.Write([]byte("notify key check value"))
	check := "v1:" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
	return &secretBox{current: current, legacy: legacy, check: check}, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("notify: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("notify: secret key: %w", err)
	}
	return aead, nil
}

// seal seals plain in the current format.
func (b *secretBox) seal(plain string) ([]byte, error) {
	ns := b.current.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plain)+b.current.Overhead())
	out[0] = sealVersion2
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("notify: seal secret: %w", err)
	}
	return b.current.Seal(out, out[1:], []byte(plain), nil), nil
}

// open opens a value sealed in either format.
func (b *secretBox) open(sealed []byte) (string, error) {
	plain, _, err := b.unseal(sealed)
	return plain, err
}

// unseal opens a value sealed in either format; legacy says it is in the
// unversioned one.
func (b *secretBox) unseal(sealed []byte) (plain string, legacy bool, err error) {
	if ns := b.current.NonceSize(); len(sealed) > 1+ns && sealed[0] == sealVersion2 {
		if p, err := b.current.Open(nil, sealed[1:1+ns], sealed[1+ns:], nil); err == nil {
			return string(p), false, nil
		}
	}
	// An unversioned value starts with a random nonce, which may begin
	// with the version byte: GCM's tag tells the formats apart.
	if ns := b.legacy.NonceSize(); len(sealed) >= ns {
		if p, err := b.legacy.Open(nil, sealed[:ns], sealed[ns:], nil); err == nil {
			return string(p), true, nil
		}
	}
	return "", false, fmt.Errorf("%w: a sealed secret does not open with it", ErrWrongSecretKey)
}

// sealText seals a text value for a string column.
func (b *secretBox) sealText(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	sealed, err := b.seal(plain)
	if err != nil {
		return "", err
	}
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

// openText opens a value of sealText; one without its prefix is returned
// as it is (stored in clear).
func (b *secretBox) openText(stored string) (plain string, legacy bool, err error) {
	t, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, true, nil
	}
	raw, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return "", false, fmt.Errorf("notify: a sealed value is corrupt: %w", err)
	}
	return b.unseal(raw)
}

// checks reports whether stored is the key check value of b's key.
func (b *secretBox) checks(stored string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(b.check)) == 1
}

// SealedStore is an optional Store ability: reading a setting without
// writing one, and re-sealing every secret the Store keeps in one
// transaction. With it, the first use of the key (or CheckSecretKey)
// checks a Store's existing secrets before it records the key check value, and RotateSecretKey can move a Store to a
// new key. memstore and gormstore have it; store/storetest checks it.
type SealedStore interface {
	// Setting returns the value stored under name and true, or "" and
	// false when there is none.
	Setting(ctx context.Context, name string) (string, bool, error)
	// ResealSecrets applies r in one transaction: every API key's sealed
	// secret becomes r.Secret of it, every service's non-empty callback
	// URL and callback token, and those of its ServiceCallbacks, r.Text of it, and r.Settings are stored (an
	// empty value deletes the setting). A nil Secret or Text leaves those
	// values as they are. When a function or a write fails, nothing
	// changes and the error is returned, wrapped.
	ResealSecrets(ctx context.Context, r Reseal) error
}

// Reseal is the work of SealedStore.ResealSecrets.
type Reseal struct {
	// Secret maps an API key's sealed secret to the value to store.
	Secret func(sealed []byte) ([]byte, error)
	// Text maps a service's callback URL or callback token, as stored,
	// to the value to store.
	Text func(stored string) (string, error)
	// Settings are stored in the same transaction; "" deletes one.
	Settings map[string]string
}

// sealedStore finds the SealedStore ability of s or of a Store it wraps
// (Unwrap() Store, as the read cache and stats/instrument have).
func sealedStore(s Store) (SealedStore, bool) {
	for s != nil {
		if ss, ok := s.(SealedStore); ok {
			return ss, true
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			return nil, false
		}
		s = u.Unwrap()
	}
	return nil, false
}

// openSecrets returns the box of a Notifier: under Config.SecretKey, or
// the development key kept in the Store, checked against the key check
// value the Store holds. A Store with no key check value yet has its
// secrets opened with the key (all must open), re-sealed in the current
// format when they are not, and the key check value recorded, in one
// transaction; without the SealedStore ability only the check value is
// recorded.
func openSecrets(ctx context.Context, s Store, key []byte) (*secretBox, error) {
	box, err := newSecretBox(key)
	if err != nil {
		return nil, err
	}
	ss, ok := sealedStore(s)
	if !ok {
		stored, err := s.LoadOrStoreSetting(ctx, keyCheckSetting, box.check)
		if err != nil {
			return nil, fmt.Errorf("notify: load the key check value: %w", err)
		}
		if !box.checks(stored) {
			return nil, wrongKey()
		}
		return box, nil
	}
	stored, found, err := ss.Setting(ctx, keyCheckSetting)
	if err != nil {
		return nil, fmt.Errorf("notify: load the key check value: %w", err)
	}
	if found {
		if !box.checks(stored) {
			return nil, wrongKey()
		}
		return box, nil
	}
	// First start with a key check value: every secret must open, and old
	// formats are re-sealed.
	err = ss.ResealSecrets(ctx, Reseal{
		Secret:   func(sealed []byte) ([]byte, error) { return reseal(box, box, sealed) },
		Text:     func(stored string) (string, error) { return resealText(box, box, stored) },
		Settings: map[string]string{keyCheckSetting: box.check},
	})
	if errors.Is(err, ErrWrongSecretKey) {
		return nil, fmt.Errorf("%w: the store holds secrets sealed under another key; start with the key they were sealed with", ErrWrongSecretKey)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: check the store's secrets: %w", err)
	}
	return box, nil
}

func wrongKey() error {
	return fmt.Errorf("%w: the store's secrets are sealed under another key (its key check value differs); "+
		"start with the key they were sealed with, or re-seal them with RotateSecretKey (notifyd rotate-key)", ErrWrongSecretKey)
}

// reseal opens sealed with from and returns it sealed with to: unchanged
// when from and to are one box and it is in the current format already.
func reseal(from, to *secretBox, sealed []byte) ([]byte, error) {
	plain, legacy, err := from.unseal(sealed)
	if err != nil {
		return nil, err
	}
	if from == to && !legacy {
		return sealed, nil
	}
	return to.seal(plain)
}

// resealText is reseal for a text value; one stored in clear is sealed.
func resealText(from, to *secretBox, stored string) (string, error) {
	plain, legacy, err := from.openText(stored)
	if err != nil {
		return "", err
	}
	if from == to && !legacy {
		return stored, nil
	}
	return to.sealText(plain)
}

// Rotation reports what RotateSecretKey did.
type Rotation struct {
	// APIKeys and CallbackValues count the values re-sealed.
	APIKeys, CallbackValues int
	// Already says the Store was sealed under the new key already, its
	// key check value showing it: nothing was done.
	Already bool
}

// RotateSecretKey re-seals every secret of s (API key secrets, callback
// URLs and tokens) from oldKey to newKey in one transaction, records
// newKey's key check value and deletes any development key kept in the
// Store. Stop every process using s first, then start them with newKey.
// oldKey may be of any length (keys used before MinSecretKeyLength
// existed); newKey must be at least MinSecretKeyLength bytes. Giving the
// same key twice re-seals everything in the current format. It fails,
// changing nothing, when oldKey is not the key of s (ErrWrongSecretKey) or
// s lacks the SealedStore ability. Run again after it succeeded, it
// reports Rotation.Already.
func RotateSecretKey(ctx context.Context, s Store, oldKey, newKey []byte) (Rotation, error) {
	if len(newKey) < MinSecretKeyLength {
		return Rotation{}, fmt.Errorf("notify: rotate secret key: the new key must be at least %d bytes, not %d", MinSecretKeyLength, len(newKey))
	}
	ss, ok := sealedStore(s)
	if !ok {
		return Rotation{}, fmt.Errorf("notify: rotate secret key: the store (%T) cannot re-seal its secrets (no SealedStore ability)", s)
	}
	from, err := newSecretBox(oldKey)
	if err != nil {
		return Rotation{}, fmt.Errorf("notify: rotate secret key: old key: %w", err)
	}
	to := from
	if subtle.ConstantTimeCompare(oldKey, newKey) != 1 {
		if to, err = newSecretBox(newKey); err != nil {
			return Rotation{}, err
		}
	}
	stored, found, err := ss.Setting(ctx, keyCheckSetting)
	if err != nil {
		return Rotation{}, fmt.Errorf("notify: rotate secret key: %w", err)
	}
	switch {
	case !found, from.checks(stored):
	case to.checks(stored):
		return Rotation{Already: true}, nil
	default:
		return Rotation{}, fmt.Errorf("%w: the old key is not the key this store's secrets are sealed under", ErrWrongSecretKey)
	}
	var r Rotation
	err = ss.ResealSecrets(ctx, Reseal{
		Secret: func(sealed []byte) ([]byte, error) {
			r.APIKeys++
			plain, err := from.open(sealed)
			if err != nil {
				return nil, err
			}
			return to.seal(plain)
		},
		Text: func(stored string) (string, error) {
			r.CallbackValues++
			plain, _, err := from.openText(stored)
			if err != nil {
				return "", err
			}
			return to.sealText(plain)
		},
		Settings: map[string]string{keyCheckSetting: to.check, DevSecretKeySetting: ""},
	})
	if err != nil {
		return Rotation{}, fmt.Errorf("notify: rotate secret key: %w", err)
	}
	return r, nil
}

// loadDevSecretKey returns the deployment's development key, creating it on
// first use, so that every process sharing the store uses the same one. A
// store whose secrets are sealed under a configured key (it has a key
// check value and no development key) gets no development key: that is
// ErrWrongSecretKey, for the configured key is missing.
func loadDevSecretKey(ctx context.Context, s Store) ([]byte, error) {
	if ss, ok := sealedStore(s); ok {
		_, hasDev, err := ss.Setting(ctx, DevSecretKeySetting)
		if err != nil {
			return nil, fmt.Errorf("notify: load development secret key: %w", err)
		}
		_, hasCheck, err := ss.Setting(ctx, keyCheckSetting)
		if err != nil {
			return nil, fmt.Errorf("notify: load development secret key: %w", err)
		}
		if hasCheck && !hasDev {
			return nil, fmt.Errorf("%w: no secret key is configured, and the store's secrets are sealed under one", ErrWrongSecretKey)
		}
	}
	candidate := make([]byte, 32)
	if _, err := rand.Read(candidate); err != nil {
		return nil, err
	}
	v, err := s.LoadOrStoreSetting(ctx, DevSecretKeySetting, base64.StdEncoding.EncodeToString(candidate))
	if err != nil {
		return nil, fmt.Errorf("notify: load development secret key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("notify: stored development secret key is corrupt: %w", err)
	}
	return key, nil
}
