package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
	"gorm.io/gorm"
)

const templateColumns = `id, service_id, template_type, name, subject, content, process_type, version,
	archived, created_by, created_at, updated_at`

// CreateTemplate inserts version 1 of a template (t.Version is set to 1) and
// records it in templates_history, in one transaction. A zero CreatedAt
// becomes now and is written back.
func (s *Store) CreateTemplate(ctx context.Context, t *notify.Template) error {
	const op = "create template"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("gormstore: %s: nil template", op)
	}
	created := t.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	processType := t.ProcessType
	if processType == "" {
		processType = notify.ProcessNormal
	}
	args := []any{t.ID.String(), t.ServiceID.String(), string(t.Type), t.Name, t.Subject, t.Content,
		string(processType), 1, t.Archived, t.CreatedBy, s.ts(created), s.tsp(t.UpdatedAt)}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO templates (`+templateColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO templates_history (`+templateColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...).Error
	})
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	t.Version = 1
	t.ProcessType = processType
	t.CreatedAt = created.UTC().Truncate(time.Microsecond)
	return nil
}

// UpdateTemplate stores a new version of an existing template of the same
// service: the current row gets the new content and version+1, and the new
// version is added to templates_history, in one transaction. The new
// version, the kept CreatedAt and the UpdatedAt (now when nil) are written
// back to t. An unknown template gives ErrNotFound.
func (s *Store) UpdateTemplate(ctx context.Context, t *notify.Template) error {
	const op = "update template"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("gormstore: %s: nil template", op)
	}
	updated := time.Now()
	if t.UpdatedAt != nil {
		updated = *t.UpdatedAt
	}
	processType := t.ProcessType
	if processType == "" {
		processType = notify.ProcessNormal
	}
	var stored *notify.Template
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rows, err := tx.Raw(`UPDATE templates SET template_type = ?, name = ?, subject = ?, content = ?,
			process_type = ?, archived = ?, created_by = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND service_id = ? RETURNING `+templateColumns,
			string(t.Type), t.Name, t.Subject, t.Content, string(processType), t.Archived, t.CreatedBy,
			s.ts(updated), t.ID.String(), t.ServiceID.String()).Rows()
		if err != nil {
			return err
		}
		list, err := scanTemplates(rows)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return sql.ErrNoRows
		}
		stored = &list[0]
		return tx.Exec(`INSERT INTO templates_history (`+templateColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			stored.ID.String(), stored.ServiceID.String(), string(stored.Type), stored.Name, stored.Subject,
			stored.Content, string(stored.ProcessType), stored.Version, stored.Archived, stored.CreatedBy,
			s.ts(stored.CreatedAt), s.tsp(stored.UpdatedAt)).Error
	})
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	t.Version = stored.Version
	t.ProcessType = stored.ProcessType
	t.CreatedAt = stored.CreatedAt
	t.UpdatedAt = stored.UpdatedAt
	return nil
}

// GetTemplate returns the current version of a service's template.
func (s *Store) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*notify.Template, error) {
	return s.getTemplate(ctx, "get template",
		`SELECT `+templateColumns+` FROM templates WHERE id = ? AND service_id = ?`,
		id.String(), serviceID.String())
}

// GetTemplateVersion returns one version of a service's template from the
// history.
func (s *Store) GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*notify.Template, error) {
	return s.getTemplate(ctx, "get template version",
		`SELECT `+templateColumns+` FROM templates_history WHERE id = ? AND version = ? AND service_id = ?`,
		id.String(), version, serviceID.String())
}

func (s *Store) getTemplate(ctx context.Context, op, query string, args ...any) (*notify.Template, error) {
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	list, err := scanTemplates(rows)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	if len(list) == 0 {
		return nil, s.wrap(ctx, op, sql.ErrNoRows)
	}
	return &list[0], nil
}

// ListTemplates returns the current versions of a service's templates that
// are not archived, of type typ when typ is not empty, ordered by name then
// id.
func (s *Store) ListTemplates(ctx context.Context, serviceID uuid.UUID, typ notify.NotificationType) ([]notify.Template, error) {
	const op = "list templates"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	query := `SELECT ` + templateColumns + ` FROM templates WHERE service_id = ? AND archived = ?`
	args := []any{serviceID.String(), false}
	if typ != "" {
		query += ` AND template_type = ?`
		args = append(args, string(typ))
	}
	rows, err := s.r.WithContext(ctx).Raw(query+` ORDER BY name, id`, args...).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	list, err := scanTemplates(rows)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return list, nil
}

// scanTemplates reads every row and closes rows.
func scanTemplates(rows *sql.Rows) ([]notify.Template, error) {
	defer rows.Close()
	var out []notify.Template
	for rows.Next() {
		var (
			t                notify.Template
			typ, processType string
			archived         dbBool
			created, updated dbTime
		)
		if err := rows.Scan(&t.ID, &t.ServiceID, &typ, &t.Name, &t.Subject, &t.Content, &processType,
			&t.Version, &archived, &t.CreatedBy, &created, &updated); err != nil {
			return nil, err
		}
		t.Type = notify.NotificationType(typ)
		t.ProcessType = notify.ProcessType(processType)
		t.Archived = bool(archived)
		t.CreatedAt = created.t
		t.UpdatedAt = updated.ptr()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
