package gormstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// explainCases are the hot queries with the index each must use. Values are
// inlined (EXPLAIN of literal SQL) so both dialects plan the same text.
func explainCases(svc, since, before string) []struct{ name, query, index string } {
	return []struct{ name, query, index string }{
		{"daily count", `SELECT COUNT(*) FROM notifications WHERE service_id = ` + svc +
			` AND created_at >= ` + since + ` AND key_type <> 'test'`,
			// Both indexes lead with service_id and hold created_at and
			// key_type; the planner may take either.
			"ix_notifications_service_created|ix_notifications_service_key_created"},
		{"daily count by channel", `SELECT
				COALESCE(SUM(CASE WHEN notification_type = 'sms' THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN notification_type = 'email' THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN notification_type = 'sms' AND phone_prefix <> '44' THEN 1 ELSE 0 END), 0)
			FROM notifications WHERE service_id = ` + svc + ` AND created_at >= ` + since +
			` AND key_type <> 'test' AND queue <> 'research-mode'`,
			"ix_notifications_service_created"},
		{"list by key type", `SELECT id FROM notifications WHERE service_id = ` + svc +
			` AND key_type = 'normal' AND job_id IS NULL ORDER BY created_at DESC, id DESC LIMIT 250`,
			"ix_notifications_service_key_created"},
		{"list by key type and status", `SELECT id FROM notifications WHERE service_id = ` + svc +
			` AND key_type = 'team' AND status IN ('delivered', 'sending') AND job_id IS NULL
			ORDER BY created_at DESC, id DESC LIMIT 250`, "ix_notifications_service_key_created"},
		{"sweeper", `SELECT id FROM notifications WHERE status = 'created' AND created_at < ` + before +
			` AND (claimed_until IS NULL OR claimed_until <= ` + before + `) ORDER BY created_at, id LIMIT 100`,
			"ix_notifications_status_created"},
		{"client reference", `SELECT id FROM notifications WHERE service_id = ` + svc +
			` AND client_reference = 'ref-7'`, "ix_notifications_client_reference"},
		{"provider reference", `SELECT id FROM notifications WHERE provider_reference = 'prov-7' AND sent_by = 'sandbox'`,
			"ix_notifications_provider_reference"},
	}
}

// TestPostgresExplain checks with EXPLAIN that the hot queries use their
// indexes on a table of 20,000 notifications, and that the daily count is
// an index-only scan (no table access at all). It does not run in parallel
// with the other tests: an open transaction elsewhere in the database would
// keep VACUUM from marking pages all-visible, and the planner would then
// rightly prefer to read the table.
func TestPostgresExplain(t *testing.T) {
	pgDSN(t)
	st := newPostgres(t)
	require.NoError(t, st.w.Exec(`INSERT INTO notifications (id, service_id, template_id, template_version,
		key_type, notification_type, recipient, normalised_recipient, client_reference, body, status,
		provider_reference, sent_by, created_at)
		SELECT gen_random_uuid(),
			('00000000-0000-0000-0000-' || lpad((i % 50)::text, 12, '0'))::uuid,
			gen_random_uuid(), 1,
			(ARRAY['normal', 'team', 'test'])[1 + i % 3], 'sms', '07700900001', '447700900001',
			'ref-' || i, 'body',
			(ARRAY['created', 'sending', 'delivered', 'permanent-failure'])[1 + i % 4],
			'prov-' || i, 'sandbox',
			now() - (i || ' seconds')::interval
		FROM generate_series(1, 20000) AS i`).Error)
	require.NoError(t, st.w.Exec(`VACUUM ANALYZE notifications`).Error)

	svc := `'00000000-0000-0000-0000-000000000007'`
	since := `'` + time.Now().UTC().Add(-24*time.Hour).Format(time.RFC3339Nano) + `'`
	before := `'` + time.Now().UTC().Add(-time.Hour).Format(time.RFC3339Nano) + `'`
	for _, c := range explainCases(svc, since, before) {
		t.Run(c.name, func(t *testing.T) {
			var lines []string
			require.NoError(t, st.r.Raw(`EXPLAIN `+c.query).Scan(&lines).Error)
			plan := strings.Join(lines, "\n")
			t.Log("\n" + plan)
			assertUsesIndex(t, plan, c.index)
			assert.NotContains(t, plan, "Seq Scan")
			if strings.HasPrefix(c.name, "daily count") {
				assert.Contains(t, plan, "Index Only Scan", "the daily count must not touch the table")
			}
		})
	}
}

// TestSQLiteQueryPlan checks the same on SQLite with EXPLAIN QUERY PLAN
// (1,000 rows: the pure-Go SQLite is slow under the race detector).
func TestSQLiteQueryPlan(t *testing.T) {
	t.Parallel()
	st := newSQLite(t)
	now := time.Now().UnixMicro()
	require.NoError(t, st.w.Exec(fmt.Sprintf(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000)
		INSERT INTO notifications (id, service_id, template_id, template_version, key_type, notification_type,
			recipient, normalised_recipient, client_reference, body, status, provider_reference, sent_by, created_at)
		SELECT printf('%%08d-0000-4000-8000-%%012d', i, i), printf('00000000-0000-0000-0000-%%012d', i %% 50),
			'00000000-0000-0000-0000-000000000001', 1,
			CASE i %% 3 WHEN 0 THEN 'normal' WHEN 1 THEN 'team' ELSE 'test' END, 'sms', '07700900001',
			'447700900001', 'ref-' || i, 'body',
			CASE i %% 4 WHEN 0 THEN 'created' WHEN 1 THEN 'sending' WHEN 2 THEN 'delivered' ELSE 'permanent-failure' END,
			'prov-' || i, 'sandbox', %d - i * 1000000
		FROM seq`, now)).Error)
	require.NoError(t, st.w.Exec(`ANALYZE`).Error)

	svc := `'00000000-0000-0000-0000-000000000007'`
	since := fmt.Sprint(now - 24*3600*1e6)
	before := fmt.Sprint(now - 3600*1e6)
	for _, c := range explainCases(svc, since, before) {
		t.Run(c.name, func(t *testing.T) {
			type step struct {
				ID, Parent, Notused int
				Detail              string
			}
			var steps []step
			require.NoError(t, st.r.Raw(`EXPLAIN QUERY PLAN `+c.query).Scan(&steps).Error)
			var details []string
			for _, s := range steps {
				details = append(details, s.Detail)
			}
			plan := strings.Join(details, "\n")
			t.Log("\n" + plan)
			assertUsesIndex(t, plan, c.index)
			assert.NotContains(t, plan, "SCAN notifications", "a full table scan")
			if strings.HasPrefix(c.name, "daily count") {
				assert.Contains(t, plan, "COVERING INDEX", "the daily count must not touch the table")
			}
		})
	}
}

// assertUsesIndex checks that plan names one of the |-separated indexes.
func assertUsesIndex(t *testing.T, plan, indexes string) {
	t.Helper()
	for _, ix := range strings.Split(indexes, "|") {
		if strings.Contains(plan, ix) {
			return
		}
	}
	assert.Fail(t, "plan uses none of the expected indexes", "want %s in:\n%s", indexes, plan)
}
