package httpapi

import (
	"context"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/notifykit/notify"
)

// schemaVersioner is a store that knows the version of its schema, as
// gormstore does.
type schemaVersioner interface {
	CurrentSchemaVersion(ctx context.Context) (int, error)
}

// buildInfo is the commit and time of the binary's source, when the
// binary records them (go build in a repository does; go run does not).
var buildInfo = sync.OnceValues(func() (commit, at *string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, nil
	}
	for _, s := range info.Settings {
		v := s.Value
		switch s.Key {
		case "vcs.revision":
			commit = &v
		case "vcs.time":
			at = &v
		}
	}
	return commit, at
})

// statusBody is the answer of GET / and GET /_status for a store that
// answered, upstream's: status "ok", git_commit and build_time from the
// binary's build information, db_version the store's schema version (each
// null when unknown). With ?simple=… it is {"status": "ok"} alone.
func statusBody(ctx context.Context, r *http.Request, p Pinger) any {
	if r.URL.Query().Get("simple") != "" {
		return map[string]string{"status": "ok"}
	}
	commit, at := buildInfo()
	return map[string]*string{"status": ptr("ok"), "git_commit": commit, "build_time": at,
		"db_version": schemaVersion(ctx, p)}
}

func ptr(s string) *string { return &s }

// schemaVersion asks p, or the store it wraps (the Notifier's read cache,
// stats/instrument), for its schema version; nil when none knows it.
func schemaVersion(ctx context.Context, p Pinger) *string {
	var s any = p
	for s != nil {
		if v, ok := s.(schemaVersioner); ok {
			n, err := v.CurrentSchemaVersion(ctx)
			if err != nil {
				return nil
			}
			return ptr(strconv.Itoa(n))
		}
		u, ok := s.(interface{ Unwrap() notify.Store })
		if !ok {
			return nil
		}
		s = u.Unwrap()
	}
	return nil
}
