package gormstore

import (
	"context"

	"github.com/notifykit/notify"
)

var _ notify.ComplaintLister = (*Store)(nil)

// ListAllComplaints returns a page of every service's complaints, newest
// first, and how many there are. It sorts the whole table: complaints are
// rare next to notifications, and only the admin API pages through them.
func (s *Store) ListAllComplaints(ctx context.Context, offset, limit int) ([]notify.Complaint, int, error) {
	const op = "list all complaints"
	if err := s.check(ctx, op); err != nil {
		return nil, 0, err
	}
	out := []notify.Complaint{}
	total := 0
	if err := s.r.WithContext(ctx).Raw(`SELECT count(*) FROM complaints`).Row().Scan(&total); err != nil {
		return nil, 0, s.wrap(ctx, op, err)
	}
	offset = max(offset, 0)
	if limit <= 0 || offset >= total {
		return out, total, nil
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT `+complaintColumns+` FROM complaints
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, limit, offset).Rows()
	if err != nil {
		return nil, 0, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, 0, s.wrap(ctx, op, err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(ctx, op, err)
	}
	return out, total, nil
}
