package notify

import (
	"reflect"
	"slices"
	"time"

	"github.com/google/uuid"
)

// memPtr returns a copy of the value *p points to, or nil.
func memPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func memCopyService(s *Service) *Service {
	c := *s
	c.Permissions = slices.Clone(s.Permissions)
	return &c
}

func memCopyAPIKey(k *APIKey) *APIKey {
	c := *k
	c.Secret = ""
	c.EncryptedSecret = slices.Clone(k.EncryptedSecret)
	c.ExpiryDate = memPtr(k.ExpiryDate)
	return &c
}

func memCopyTemplate(t *Template) *Template {
	c := *t
	c.UpdatedAt = memPtr(t.UpdatedAt)
	return &c
}

func memCopyNotification(n *Notification) *Notification {
	c := *n
	c.ClientReference = memPtr(n.ClientReference)
	c.UnsubscribeURL = memPtr(n.UnsubscribeURL)
	c.SentAt = memPtr(n.SentAt)
	c.JobID = memPtr(n.JobID)
	c.JobRowNumber = memPtr(n.JobRowNumber)
	c.ClaimedUntil = memPtr(n.ClaimedUntil)
	c.UpdatedAt = memPtr(n.UpdatedAt)
	if n.Personalisation != nil {
		c.Personalisation = make(map[string]any, len(n.Personalisation))
		for k, v := range n.Personalisation {
			c.Personalisation[k] = memDeepCopy(v)
		}
	}
	return &c
}

func memCopyInbound(m *InboundSMS) *InboundSMS {
	c := *m
	return &c
}

// memDeepCopy copies the maps, slices and pointers inside a personalisation
// value so that neither the caller nor the store can see the other's changes.
func memDeepCopy(v any) any {
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
			m[k] = memDeepCopy(e)
		}
		return m
	case []any:
		if x == nil {
			return x
		}
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = memDeepCopy(e)
		}
		return s
	case []string:
		return slices.Clone(x)
	case []byte:
		return slices.Clone(x)
	}
	return memReflectCopy(reflect.ValueOf(v)).Interface()
}

// memReflectCopy deep-copies maps, slices, arrays and pointers of any type;
// other values are returned as they are.
func memReflectCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			m.SetMapIndex(iter.Key(), memReflectCopy(iter.Value()))
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(memReflectCopy(v.Index(i)))
		}
		return s
	case reflect.Array:
		a := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			a.Index(i).Set(memReflectCopy(v.Index(i)))
		}
		return a
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(memReflectCopy(v.Elem()))
		return p
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := memReflectCopy(v.Elem())
		out := reflect.New(v.Type()).Elem()
		out.Set(c)
		return out
	}
	return v
}
