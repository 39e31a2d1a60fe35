package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"

	"github.com/google/uuid"
)

// JobStreamer is an optional Store ability: storing a job while its
// notifications are still being checked, so that the Store writes one row
// while the Notifier checks and renders the next. SendBulk uses it when
// the Store has it (found through Unwrap() Store, as the other abilities
// are), and JobStore.CreateJob with every notification built beforehand
// otherwise; either way a job is stored whole or not at all.
type JobStreamer interface {
	// StreamJob stores job and the notifications next produces in one
	// transaction: all of them or nothing. It calls next, from one
	// goroutine at a time, until next returns a nil notification and a
	// nil error, which ends the rows, or an error, which abandons the job:
	// nothing is stored and StreamJob returns an error wrapping next's.
	// The Store may have stored nothing until next has ended the rows, and
	// commits only then. A notification next returns (and its
	// Personalisation map) is the caller's again at the following call of
	// next, which may reuse it: the Store copies or encodes it before. A
	// zero CreatedAt becomes the job's, and a zero job CreatedAt now. A
	// duplicate job id, notification id or (job id, row number) stores
	// nothing and gives an error wrapping ErrDuplicate.
	StreamJob(ctx context.Context, job *Job, next func() (*Notification, error)) error
}

// sortedIDs returns n new random (version 4) ids in ascending order, read
// from crypto/rand at once. A job's notifications take them in row order:
// each is as random as uuid.New's, but the Store's indexes that hold the
// id (a primary key, the tie-breaker of listings) then take a job's rows
// in order, each index page touched once as the rows go by, instead of at
// a random place of the index for every row.
func sortedIDs(n int) []uuid.UUID {
	ids := make([]uuid.UUID, n)
	buf := make([]byte, 16*n)
	_, _ = rand.Read(buf) // never fails: it crashes the program first
	r := bytes.NewReader(buf)
	for i := range ids {
		// Version 4 and the RFC 4122 variant set by uuid itself; the
		// reader holds 16 bytes for each id, so it cannot fail.
		ids[i], _ = uuid.NewRandomFromReader(r)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}
