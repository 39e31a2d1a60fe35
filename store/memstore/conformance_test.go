package memstore_test

import (
	"testing"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/store/memstore"
	"github.com/notifykit/notify/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) notify.Store { return memstore.New() })
}
