package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/notifykit/notify"
)

var _ notify.ComplaintLister = (*Store)(nil)

// ListAllComplaints returns a page of every service's complaints, newest
// first, and how many there are.
func (s *Store) ListAllComplaints(ctx context.Context, offset, limit int) ([]notify.Complaint, int, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, 0, err
	}
	s.mu.RLock()
	all := make([]notify.Complaint, 0, len(s.cb.complaints))
	for _, c := range s.cb.complaints {
		all = append(all, *c)
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b notify.Complaint) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID.String(), a.ID.String())
	})
	offset = max(offset, 0)
	if offset >= len(all) || limit <= 0 {
		return []notify.Complaint{}, len(all), nil
	}
	return all[offset:min(offset+limit, len(all))], len(all), nil
}
