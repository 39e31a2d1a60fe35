package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/gormstore"
)

// TestCLIContactLink: -contact-link on service create and update sets the
// link files sent by email need, is checked, and "" removes it.
func TestCLIContactLink(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	serviceID := uuidRE.FindString(must(t, db, "service", "create", "-name", "Files", "-contact-link", "https://www.example.gov.uk/contact"))
	linkOf := func() string {
		t.Helper()
		st, err := gormstore.OpenSQLite(context.Background(), db, gormstore.Options{})
		require.NoError(t, err)
		defer st.Close()
		svc, err := st.GetService(context.Background(), uuid.MustParse(serviceID))
		require.NoError(t, err)
		return svc.ContactLink
	}
	assert.Equal(t, "https://www.example.gov.uk/contact", linkOf())

	_, _, err := notifyd(t, db, "service", "update", "-id", serviceID, "-contact-link", "javascript:alert(1)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), notify.MsgContactLinkURL)
	_, _, err = notifyd(t, db, "service", "update", "-id", serviceID, "-contact-link", "999")
	require.Error(t, err)
	assert.Contains(t, err.Error(), notify.MsgContactLinkEmergency)
	assert.Equal(t, "https://www.example.gov.uk/contact", linkOf(), "a refused change changed the link")

	must(t, db, "service", "update", "-id", serviceID, "-contact-link", "files@example.gov.uk")
	assert.Equal(t, "files@example.gov.uk", linkOf())
	must(t, db, "service", "update", "-id", serviceID, "-name", "Renamed")
	assert.Equal(t, "files@example.gov.uk", linkOf(), "an update without the flag kept the link")
	must(t, db, "service", "update", "-id", serviceID, "-contact-link", "")
	assert.Empty(t, linkOf())
}
