package main

import (
	"log/slog"
	"runtime/debug"
)

// deliveryGCPercent is the garbage collector's target (GOGC) in the roles
// that deliver (worker and all) when GOGC is not set: delivery batches
// allocate much and live briefly, and at Go's default of 100 the
// collector took about a seventh of such a process's CPU under load
// (-role all on PostgreSQL + Redis, 8 clients: the server's CPU a send
// 391-402 µs at 100, 334-347 µs at 400, its peak resident memory 58 MB
// and 95-102 MB). The API role gained nothing measurable and keeps Go's
// default.
const deliveryGCPercent = 400

// gcPercentFor returns the GC target notifyd sets for role, and false when
// it leaves Go's (GOGC is set, which wins, or the role is api).
func gcPercentFor(role string, getenv func(string) string) (int, bool) {
	if getenv("GOGC") != "" || role == roleAPI {
		return 0, false
	}
	return deliveryGCPercent, true
}

// setGCPercent applies gcPercentFor.
func setGCPercent(role string, getenv func(string) string, log *slog.Logger) {
	if p, ok := gcPercentFor(role, getenv); ok {
		debug.SetGCPercent(p)
		log.Debug("garbage collector target set (GOGC overrides it)", slog.Int("gc_percent", p))
	}
}
