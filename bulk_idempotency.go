package notify

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
)

// Idempotency keys on bulk sends: a client whose POST /v2/notifications/bulk
// timed out may send it again with the same Idempotency-Key and get the job
// the first request created, instead of a second job sending every row
// again. The job's id is reserved with the key before anything is stored
// (RunIdempotent), so the Store's primary key makes a second job under the
// key impossible, across restarts and processes alike.
//
// A replay answers the job as it was accepted (pending or scheduled, every
// notification created): the same answer as the first request's, whatever
// the job has done since. GetJob gives its current state.

// jobIDKey carries the id a bulk send gives its job.
type jobIDKey struct{}

// newJobID is the id of the job a bulk send builds: the one its
// idempotency key reserved, or a new one.
func newJobID(ctx context.Context) uuid.UUID { return reservedID(ctx, jobIDKey{}) }

// acceptedJob is job as SendBulk answered it when it was accepted.
func acceptedJob(job *Job) *JobDetails {
	j := *job
	j.Status = JobPending
	if j.ScheduledFor != nil {
		j.Status = JobScheduled
	}
	j.NotificationsSent = 0
	j.ProcessingStarted, j.ProcessingFinished, j.UpdatedAt = nil, nil, nil
	return &JobDetails{Job: j, Statistics: []StatusCount{{Status: StatusCreated, Count: j.NotificationCount}}}
}

// bulkWithKey runs create under the caller's service and key: create must
// build its job with the id in its context. replayed says the job came
// from an earlier request.
func (n *Notifier) bulkWithKey(ctx context.Context, c *Caller, key string, request []byte,
	create func(ctx context.Context) (*JobDetails, error)) (*JobDetails, bool, error) {
	js, err := n.jobStore("send bulk")
	if err != nil {
		return nil, false, err
	}
	find := func(ctx context.Context, id uuid.UUID) (*JobDetails, error) {
		job, err := js.GetJob(ctx, c.Service.ID, id)
		if err != nil {
			return nil, err
		}
		return acceptedJob(job), nil
	}
	return runWithKey(ctx, n, c.Service.ID, key, request, "job", jobIDKey{}, create, find,
		func(j *JobDetails) uuid.UUID { return j.ID })
}

// sendBulkWithKey is SendBulk under req.IdempotencyKey; c is current and
// its rate limit taken.
func (n *Notifier) sendBulkWithKey(ctx context.Context, c *Caller, req *BulkRequest) (*JobDetails, error) {
	if err := CheckIdempotencyKey(req.IdempotencyKey); err != nil {
		return nil, err
	}
	sum := bulkRequestDigest(req)
	request := append([]byte("go bulk\n"), hex.EncodeToString(sum[:])...)
	j, _, err := n.bulkWithKey(ctx, c, req.IdempotencyKey, request,
		func(ctx context.Context) (*JobDetails, error) {
			if err := checkBulkRequest(req, n.now()); err != nil {
				return nil, err
			}
			return n.sendBulk(ctx, c, req)
		})
	return j, err
}

// bulkRequestDigest identifies a bulk request built in Go: the SHA-256 of
// its fields, each length-prefixed, without copying its table.
func bulkRequestDigest(req *BulkRequest) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	var chunk [4096]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		for len(s) > 0 {
			k := copy(chunk[:], s)
			h.Write(chunk[:k])
			s = s[k:]
		}
	}
	optional := func(set bool, s string) {
		if !set {
			h.Write([]byte{0})
			return
		}
		h.Write([]byte{1})
		field(s)
	}
	field(req.Name)
	field(req.TemplateID.String())
	binary.BigEndian.PutUint64(n[:], uint64(len(req.Rows)))
	h.Write(n[:])
	for _, row := range req.Rows {
		binary.BigEndian.PutUint64(n[:], uint64(len(row)))
		h.Write(n[:])
		for _, c := range row {
			field(c)
		}
	}
	field(req.CSV)
	optional(req.Reference != nil, deref(req.Reference))
	var sched string
	if req.ScheduledFor != nil {
		sched = req.ScheduledFor.UTC().Format(time.RFC3339Nano)
	}
	optional(req.ScheduledFor != nil, sched)
	var reply string
	if req.ReplyToID != nil {
		reply = req.ReplyToID.String()
	}
	optional(req.ReplyToID != nil, reply)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// SendBulkJSONIdempotent is SendBulkJSON under the idempotency key key:
// the first request with the key creates the job; a later one with the
// same key and the same body (compared as JSON: key order and
// insignificant white space do not matter) within IdempotencyKeyTTL
// returns that job as it was accepted, with replayed set, and stores
// nothing. The body is checked (scheduled_for against the clock too) only
// when it is run, not when it is replayed. See RunIdempotent for the
// refusals. An empty key is SendBulkJSON.
func (n *Notifier) SendBulkJSONIdempotent(ctx context.Context, c *Caller, body []byte, key string) (j *JobDetails, replayed bool, err error) {
	if key == "" {
		j, err := n.SendBulkJSON(ctx, c, body)
		return j, false, err
	}
	if c, err = n.keyedCaller(ctx, c, key); err != nil {
		return nil, false, err
	}
	body = V2Body(body)
	// The body may be tens of megabytes: jsonDigest reads it without a
	// canonical copy.
	request := jsonRequest("v2 bulk", body)
	return n.bulkWithKey(ctx, c, key, request, func(ctx context.Context) (*JobDetails, error) {
		req, err := DecodeBulkRequest(body, n.now())
		if err != nil {
			return nil, err
		}
		return n.sendBulk(ctx, c, req)
	})
}
