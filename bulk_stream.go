package notify

import (
	"bufio"
	"context"
	"crypto/rand"

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

// idSource makes the random (version 4) ids of a job's notifications from
// a buffered read of crypto/rand: one system call per few hundred ids
// instead of one each.
type idSource struct {
	r *bufio.Reader
}

func newIDSource() *idSource {
	return &idSource{r: bufio.NewReaderSize(rand.Reader, 16*256)}
}

// next returns a new random id.
func (s *idSource) next() uuid.UUID {
	id, err := uuid.NewRandomFromReader(s.r)
	if err != nil {
		// crypto/rand does not fail; uuid.New panics if it does.
		return uuid.New()
	}
	return id
}
