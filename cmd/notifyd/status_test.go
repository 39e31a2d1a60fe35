package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify/store/gormstore"
)

// TestStatusReportsTheSchemaVersion: the store behind the read cache and
// the metrics wrappers is asked for its schema version, for every role.
func TestStatusReportsTheSchemaVersion(t *testing.T) {
	for _, role := range []string{"all", "worker"} {
		t.Run(role, func(t *testing.T) {
			addr := startServer(t, "-db", filepath.Join(t.TempDir(), "n.db"), "-role", role)
			for _, path := range []string{"/", "/_status"} {
				res, err := http.Get("http://" + addr + path)
				require.NoError(t, err)
				var body map[string]any
				require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
				require.NoError(t, res.Body.Close())
				assert.Equal(t, http.StatusOK, res.StatusCode, path)
				assert.Equal(t, "ok", body["status"], path)
				assert.Equal(t, strconv.Itoa(gormstore.SchemaVersion()), body["db_version"], path)
				assert.Contains(t, body, "git_commit")
				assert.Contains(t, body, "build_time")
			}
		})
	}
}
