package memstore

import (
	"reflect"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// clonePtr returns a copy of the value *p points to, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyService(s *notify.Service) *notify.Service {
	c := *s
	c.Permissions = slices.Clone(s.Permissions)
	return &c
}

func copyAPIKey(k *notify.APIKey) *notify.APIKey {
	c := *k
	c.Secret = ""
	c.EncryptedSecret = slices.Clone(k.EncryptedSecret)
	c.ExpiryDate = clonePtr(k.ExpiryDate)
	return &c
}

func copyTemplate(t *notify.Template) *notify.Template {
	c := *t
	c.UpdatedAt = clonePtr(t.UpdatedAt)
	return &c
}

func copyNotification(n *notify.Notification) *notify.Notification {
	c := *n
	c.ClientReference = clonePtr(n.ClientReference)
	c.UnsubscribeURL = clonePtr(n.UnsubscribeURL)
	c.SentAt = clonePtr(n.SentAt)
	c.JobID = clonePtr(n.JobID)
	c.JobRowNumber = clonePtr(n.JobRowNumber)
	c.ClaimedUntil = clonePtr(n.ClaimedUntil)
	c.UpdatedAt = clonePtr(n.UpdatedAt)
	if n.Personalisation != nil {
		c.Personalisation = make(map[string]any, len(n.Personalisation))
		for k, v := range n.Personalisation {
			c.Personalisation[k] = deepCopy(v)
		}
	}
	return &c
}

func copyInbound(m *notify.InboundSMS) *notify.InboundSMS {
	c := *m
	return &c
}

// deepCopy copies the maps, slices and pointers inside a personalisation
// value so that neither the caller nor the store can see the other's changes.
func deepCopy(v any) any {
	switch x := v.(type) {
	case nil, string, bool, float64, float32, int, int64, int32, uint, uint64, uint32,
		time.Time, uuid.UUID:
		return x
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		if x == nil {
			return x
		}
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	case []string:
		return slices.Clone(x)
	case []byte:
		return slices.Clone(x)
	}
	return reflectCopy(reflect.ValueOf(v)).Interface()
}

// reflectCopy deep-copies maps, slices, arrays and pointers of any type;
// other values are returned as they are.
func reflectCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			m.SetMapIndex(iter.Key(), reflectCopy(iter.Value()))
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(reflectCopy(v.Index(i)))
		}
		return s
	case reflect.Array:
		a := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			a.Index(i).Set(reflectCopy(v.Index(i)))
		}
		return a
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(reflectCopy(v.Elem()))
		return p
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflectCopy(v.Elem())
		out := reflect.New(v.Type()).Elem()
		out.Set(c)
		return out
	}
	return v
}
