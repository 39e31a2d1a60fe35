package memcache_test

import (
	"testing"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/cachetest"
	"github.com/notifykit/notify/cache/memcache"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	cachetest.Run(t, func(*testing.T) notify.Cache { return memcache.New(memcache.Options{}) })
}
