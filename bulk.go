package notify

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify/internal/jsontree"
	"github.com/notifykit/notify/internal/pyfmt"
)

// BulkRequest is a bulk send (POST /v2/notifications/bulk): one template
// sent to every row of a table whose first row names the columns. The
// recipient column is "phone number" for a text message template and
// "email address" for an email one; the other columns are the
// personalisation of their row. Exactly one of Rows and CSV is given.
type BulkRequest struct {
	// Name is the job's name (its original_file_name).
	Name       string
	TemplateID uuid.UUID
	// Rows is the table: the header row, then one row per notification.
	Rows [][]string
	// CSV is the table as CSV text (RFC 4180, as encoding/csv reads it).
	CSV string
	// Reference, when set, is the client reference of every notification.
	Reference *string
	// ScheduledFor, when set, starts the job then: at most
	// BulkScheduleWindow ahead, never in the past.
	ScheduledFor *time.Time
	// ReplyToID names an SMS sender (text messages) or an email reply-to
	// address (emails) of the service; without it the service's default
	// applies, as for a single send. An id that names no live one of the
	// right kind is refused with the single sends' message.
	ReplyToID *uuid.UUID
	// IdempotencyKey, when not empty, makes a retry safe: the same key
	// with the same request within IdempotencyKeyTTL returns the job the
	// first request created, and creates no second one; the same key with
	// another request is a 409 IdempotencyError (see RunIdempotent).
	IdempotencyKey string
}

// BulkScheduleWindow is how far ahead a job may be scheduled.
const BulkScheduleWindow = 96 * time.Hour

// bulkErrorRows is how many rows with errors a refusal lists.
const bulkErrorRows = 20

// Messages of bulk sends, exact.
const (
	MsgBulkRowsOrCSV          = "You should specify either rows or csv"
	msgBulkTooManyRows        = "Too many rows. Maximum number of rows allowed is %d"
	msgBulkRemaining          = "You only have %d remaining messages before you reach your daily limit. You've tried to send %d messages."
	msgBulkTeamKey            = "You cannot send to these recipients because you used a team and safelist API key."
	msgBulkTrialMode          = "You cannot send to these recipients because your service is in trial mode. You can only send to members of your team and your safelist."
	msgBulkMissingHeaders     = "Missing column headers: %s"
	msgBulkDuplicateHeaders   = "Duplicate column headers: %s"
	msgBulkRowErrors          = "Some rows have errors. %s."
	msgBulkNoRows             = "The file has a header row but no rows to send"
	msgBulkTemplateDeleted    = "Template %s has been deleted"
	msgBulkScheduleFuture     = "datetime can only be up to 96 hours in the future"
	msgBulkSchedulePast       = "datetime cannot be in the past"
	msgBulkSimulatedRecipient = "simulated recipients can only be sent to in bulk with a test API key"
	msgBulkMissing            = "Missing"
	msgBulkInvalidRecipient   = "invalid recipient"
)

// bulkSchema is the body of POST /v2/notifications/bulk. Whether rows or
// csv is given is checked after it, with its own message.
var bulkSchema = objectSchema{
	props: []propSpec{
		propTemplateID,
		propReference,
		propScheduledFor,
		{name: "reply_to_id", types: []string{"string", "null"}, override: msgNotUUID},
		{name: "csv", types: []string{"string"}},
		{name: "rows", types: []string{"array"}},
		{name: "name", types: []string{"string"}},
	},
	required: []string{"template_id", "name"},
}

// bulkFields are the string properties of a bulk body checked by struct
// tags.
type bulkFields struct {
	TemplateID *string `json:"template_id" validate:"required,notify_uuid"`
	Reference  *string `json:"reference" validate:"omitnil,notify_reference"`
	ReplyToID  *string `json:"reply_to_id" validate:"omitnil,notify_uuid"`
	Name       *string `json:"name" validate:"required"`
}

// DecodeBulkRequest parses and schema-validates a POST
// /v2/notifications/bulk body: {"name", "template_id", "rows" or "csv",
// optional "reference", "scheduled_for" and "reply_to_id"}. now is the
// reference time of the scheduled_for window. Schema problems give Errors
// of ValidationError; a row that is not a list, or neither or both of rows
// and csv, a BadRequestError.
func DecodeBulkRequest(body []byte, now time.Time) (*BulkRequest, error) {
	obj, err := decodeBodyObject(body, false)
	if err != nil {
		return nil, err
	}
	var f bulkFields
	var ps schemaProblems
	checkSchema(obj, &bulkSchema, &f, &ps)
	var sched *time.Time
	if v, _ := obj.Get("scheduled_for"); v != nil {
		if s, ok := v.(string); ok {
			t, msg := parseBulkScheduledFor(s, now)
			if msg != "" {
				ps.add(groupField, bulkSchema.index("scheduled_for"), "scheduled_for "+msg)
			} else {
				sched = &t
			}
		}
	}
	rowsV, hasRows := obj.Get("rows")
	if list, ok := rowsV.([]any); ok && len(list) < 2 {
		ps.add(groupField, bulkSchema.index("rows"), "rows "+pyMessage(pyfmt.Repr(jsontree.Plain(list))+" is too short"))
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	req := &BulkRequest{Name: *f.Name, TemplateID: mustUUID(*f.TemplateID), Reference: f.Reference, ScheduledFor: sched}
	if f.ReplyToID != nil {
		id := mustUUID(*f.ReplyToID)
		req.ReplyToID = &id
	}
	if v, ok := obj.Get("csv"); ok {
		req.CSV = v.(string)
	}
	if hasRows {
		rows, err := bulkRows(rowsV.([]any))
		if err != nil {
			return nil, err
		}
		req.Rows = rows
	}
	if (len(req.Rows) > 0) == (req.CSV != "") {
		return nil, BadRequest("", MsgBulkRowsOrCSV)
	}
	return req, nil
}

// bulkRows turns the rows of a JSON body into cells as Python's csv writer
// writes them: strings as they are, None as "", other values as str().
func bulkRows(list []any) ([][]string, error) {
	rows := make([][]string, len(list))
	for i, r := range list {
		var items []any
		switch x := r.(type) {
		case []any:
			items = x
		case string:
			for _, c := range x {
				items = append(items, string(c))
			}
		default:
			return nil, BadRequest("", "Error converting to CSV: iterable expected, not "+pyTypeName(r))
		}
		row := make([]string, len(items))
		for j, it := range items {
			switch v := it.(type) {
			case nil:
			case string:
				row[j] = v
			default:
				row[j] = pyfmt.Str(jsontree.Plain(v))
			}
		}
		rows[i] = row
	}
	return rows, nil
}

// pyTypeName is Python's type name of a JSON value.
func pyTypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case *jsontree.Object:
		return "dict"
	case interface{ String() string }:
		if strings.ContainsAny(x.String(), ".eE") {
			return "float"
		}
		return "int"
	}
	return "object"
}

// parseBulkScheduledFor is the scheduled_for rule of a job: ISO 8601, not
// in the past, at most BulkScheduleWindow ahead.
func parseBulkScheduledFor(s string, now time.Time) (time.Time, string) {
	t, msg := parseScheduledFor(s, now)
	if msg == msgDatetimeFormat {
		return t, msg
	}
	return t, bulkScheduleProblem(t, now)
}

func bulkScheduleProblem(t, now time.Time) string {
	now = now.Truncate(time.Microsecond)
	switch {
	case t.Before(now):
		return msgBulkSchedulePast
	case t.After(now.Add(BulkScheduleWindow)):
		return msgBulkScheduleFuture
	}
	return ""
}

// SendBulkJSON is the POST /v2/notifications/bulk flow from the raw body:
// the rate limit (one request, whatever the rows) before the body is read,
// then DecodeBulkRequest and SendBulk's checks.
func (n *Notifier) SendBulkJSON(ctx context.Context, c *Caller, body []byte) (*JobDetails, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := n.checkRateLimit(ctx, c); err != nil {
		return nil, err
	}
	req, err := DecodeBulkRequest(V2Body(body), n.now())
	if err != nil {
		return nil, err
	}
	return n.sendBulk(ctx, c, req)
}

// SendBulk accepts a bulk send as a job. Every row is checked as one send
// would be (recipient, trial mode and team keys, permissions,
// personalisation, length), the daily limits for the whole job at once,
// and the rate limit counts one request. When anything fails nothing is
// stored and the refusal names the rows at fault ("Some rows have errors.
// Row 1 - `name`: Missing."; rows are numbered from 0, the header apart).
// Otherwise the job and all its notifications are stored in one step and
// the job is pending (started at once by a worker) or scheduled (started
// at ScheduledFor). Its notifications are delivered from the bulk lane
// (QueueBulkSMS, QueueBulkEmail), so that single sends keep their latency.
// With req.IdempotencyKey, a retry of the same request returns the job
// the first one created (see SendBulkJSONIdempotent).
func (n *Notifier) SendBulk(ctx context.Context, c *Caller, req *BulkRequest) (*JobDetails, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := n.checkRateLimit(ctx, c); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, ValidationError("", requiredMessage("template_id"))
	}
	if req.IdempotencyKey != "" {
		return n.sendBulkWithKey(ctx, c, req) // bulk_idempotency.go
	}
	if err := checkBulkRequest(req, n.now()); err != nil {
		return nil, err
	}
	return n.sendBulk(ctx, c, req)
}

// checkBulkRequest is SendBulk's check of a request built in Go: a
// template, a schedule in the window, rows or CSV.
func checkBulkRequest(req *BulkRequest, now time.Time) error {
	if req.TemplateID == uuid.Nil {
		return ValidationError(FieldTemplate, requiredMessage("template_id"))
	}
	if req.ScheduledFor != nil {
		if msg := bulkScheduleProblem(*req.ScheduledFor, now); msg != "" {
			return ValidationError("", "scheduled_for "+msg)
		}
	}
	if (len(req.Rows) > 0) == (req.CSV != "") {
		return BadRequest("", MsgBulkRowsOrCSV)
	}
	return nil
}

// bulkTable is a parsed table: its header and its data rows, each with its
// row number (from 0, blank rows skipped but counted).
type bulkTable struct {
	header []string
	rows   [][]string
	index  []int
	// tooMany says reading stopped past the row limit.
	tooMany bool
}

// readBulkTable reads req's table. CSV text is read with encoding/csv,
// leniently about quotes as Python's reader is; a leading byte order mark
// is dropped. Rows whose every cell is blank are skipped. Reading stops
// once the table has more than maxRows rows, so that a large body costs
// no more memory than an allowed one.
func readBulkTable(req *BulkRequest, maxRows int) (*bulkTable, error) {
	records := req.Rows
	if len(records) > maxRows+1 {
		return &bulkTable{tooMany: true}, nil
	}
	if req.CSV != "" {
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(req.CSV, "\ufeff")))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		r.ReuseRecord = false
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, BadRequest("", "Error converting to CSV: "+err.Error())
			}
			records = append(records, rec)
			if len(records) > maxRows+1 {
				return &bulkTable{tooMany: true}, nil
			}
		}
	}
	t := &bulkTable{}
	if len(records) == 0 {
		return t, nil
	}
	t.header = records[0]
	for i, rec := range records[1:] {
		blank := true
		for _, c := range rec {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		t.rows = append(t.rows, rec)
		t.index = append(t.index, i)
	}
	return t, nil
}

// cell returns row's cell in column i, "" when the row is shorter.
func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// sendBulk runs the bulk checks in upstream's order, then stores the job.
// The checks that need the whole table (column headers, daily limits, row
// count, trial mode) run first; the rows are then checked and rendered one
// by one as the Store takes them: with its JobStreamer ability it stores
// each row while the next is checked, in one transaction that a refused
// row abandons; without it the rows are all checked first, then stored
// with CreateJob. Either way the refusal is the same and nothing is stored.
func (n *Notifier) sendBulk(ctx context.Context, c *Caller, req *BulkRequest) (*JobDetails, error) {
	if !n.life.enter() {
		return nil, errNotifierClosed
	}
	defer n.life.leave()
	js, err := n.jobStore("send bulk")
	if err != nil {
		return nil, err
	}
	svc := c.Service
	tpl, err := n.store.GetTemplate(ctx, svc.ID, req.TemplateID)
	if errors.Is(err, ErrNotFound) {
		return nil, refusal(CodeTemplateNotFound, FieldTemplate, MsgTemplateNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: send bulk: load template: %w", err)
	}
	if tpl.Archived {
		return nil, refusal(CodeTemplateDeleted, FieldTemplate, fmt.Sprintf(msgBulkTemplateDeleted, tpl.ID))
	}
	typ := tpl.Type
	switch {
	case typ == SMS && !svc.Can(PermissionSMS):
		return nil, refusal(CodeServicePermission, FieldService, MsgNoSMSPermission)
	case typ == Email && !svc.Can(PermissionEmail):
		return nil, refusal(CodeServicePermission, FieldService, MsgNoEmailPermission)
	case typ != SMS && typ != Email:
		return nil, BadRequest("", fmt.Sprintf("%s notification type is not supported", typ))
	}
	table, err := readBulkTable(req, n.cfg.BulkMaxRows)
	if err != nil {
		return nil, err
	}
	if table.tooMany {
		return nil, BadRequest("", fmt.Sprintf(msgBulkTooManyRows, n.cfg.BulkMaxRows))
	}
	rc, err := n.prepareBulk(ctx, c, tpl, table)
	if err != nil {
		return nil, err
	}
	// Sender and reply-to, chosen as a single send chooses them:
	// reply_to_id names an SMS sender of a text message template, a
	// reply-to address of an email one; without it the default applies.
	// Their refusal comes after the rows'.
	d := &draft{c: c, typ: typ}
	if typ == SMS {
		d.senderID = req.ReplyToID
	} else {
		d.replyID = req.ReplyToID
	}
	from, replyTo, sendersErr := n.chooseSenders(ctx, d)
	// The job and its notifications. The answer's created_at is the
	// stored one, whatever the Store's precision.
	now := n.now().Truncate(time.Microsecond)
	job := &Job{
		ID: newJobID(ctx), ServiceID: svc.ID, TemplateID: tpl.ID, TemplateVersion: tpl.Version, TemplateType: typ,
		OriginalFileName: req.Name, NotificationCount: len(table.rows), Status: JobPending,
		CreatedBy: c.Key.ID.String(), CreatedAt: now,
	}
	if req.ScheduledFor != nil {
		t := req.ScheduledFor.UTC().Truncate(time.Microsecond)
		job.ScheduledFor = &t
		job.Status = JobScheduled
	}
	queue := bulkQueue(typ)
	if simulated(c) {
		queue = QueueResearchMode
	}
	held := HeldUntil
	p := &bulkProducer{ctx: ctx, rc: rc, ids: sortedIDs(len(table.rows)), proto: Notification{
		ServiceID: svc.ID, TemplateID: tpl.ID, TemplateVersion: tpl.Version,
		APIKeyID: c.Key.ID, KeyType: c.Key.KeyType, Type: typ, ClientReference: req.Reference,
		From: from, ReplyTo: replyTo, Status: StatusCreated, Queue: queue, JobID: &job.ID,
		ClaimedUntil: &held, CreatedAt: now,
	}}
	if sendersErr != nil {
		if _, err := p.collect(false); err != nil {
			return nil, err
		}
		return nil, sendersErr
	}
	if st, ok := storeAs[JobStreamer](n.store); ok {
		err = st.StreamJob(ctx, job, p.next)
		if err != nil && !p.finished {
			// The Store failed before every row was checked: a refusal
			// of the rows still comes first.
			_, _ = p.collect(false)
		}
	} else {
		var ns []*Notification
		if ns, err = p.collect(true); err == nil {
			err = js.CreateJob(ctx, job, ns)
		}
	}
	if p.panicked != nil {
		panic(p.panicked)
	}
	if p.err != nil {
		return nil, p.err
	}
	if err != nil {
		return nil, fmt.Errorf("notify: send bulk: store job: %w", err)
	}
	if job.Status == JobPending {
		// A scheduled job counts when it starts.
		n.countBulk(ctx, c, typ, job.NotificationCount, p.international, now)
		// The job is stored: queue it even if the client has gone. A lost
		// task is found by sweepJobs.
		if err := n.enqueueDetached(ctx, QueueProcessJob, Task{Name: TaskProcessJob, NotificationID: job.ID}); err != nil {
			n.log.WarnContext(ctx, "enqueue of a job failed; the sweeper will start it",
				slog.String("job_id", job.ID.String()), slog.Any("error", err))
		}
	}
	return &JobDetails{Job: *job, Statistics: []StatusCount{{Status: StatusCreated, Count: job.NotificationCount}}}, nil
}

// bulkRow is a checked row, ready to become a notification.
type bulkRow struct {
	number         int
	to, normalised string
	values         map[string]any
	body, subject  string
	international  bool
	prefix         string
	rateMultiplier float64
}

// bulkChecker checks the rows of a table whose column headers, daily
// limits, row count and recipients (trial mode, team keys) have passed.
type bulkChecker struct {
	n   *Notifier
	c   *Caller
	tpl *Template
	t   *bulkTable
	// placeholder says which columns fill a placeholder of the template.
	placeholder  []bool
	recipientCol int
	// intlAllowed and landlines are the service's permissions.
	intlAllowed, landlines bool
	simulated              bool
	// subject, when subjectFixed, is the rendered subject of every row: the
	// template's has no placeholder.
	subject      string
	subjectFixed bool
	// intlLimit says the international_sms daily limit applies; when
	// intlCounted, intlCount is today's count of it (or intlCountErr the
	// failure to count it), read before the rows were stored.
	intlLimit, intlCounted bool
	intlCounter            dailyCounter
	intlCount              int64
	intlCountErr           error
}

// prepareBulk runs the checks of the whole table, in upstream's order: the
// column headers, the daily limits for every row, the row count, trial
// mode and team keys. The rows are checked next, by the bulkChecker.
func (n *Notifier) prepareBulk(ctx context.Context, c *Caller, tpl *Template, t *bulkTable) (*bulkChecker, error) {
	svc := c.Service
	typ := tpl.Type
	recipientName := "phone number"
	if typ == Email {
		recipientName = "email address"
	}
	recipientKey := placeholderKey(recipientName)
	seen := map[string]bool{}
	placeholders := appendPlaceholders(nil, seen, tpl.Subject)
	placeholders = appendPlaceholders(placeholders, seen, tpl.Content)
	// Column headers.
	keys := make([]string, len(t.header))
	have := map[string]bool{}
	var recipientCols []int
	for i, h := range t.header {
		keys[i] = placeholderKey(h)
		have[keys[i]] = true
		if keys[i] == recipientKey {
			recipientCols = append(recipientCols, i)
		}
	}
	var missing []string
	if !have[recipientKey] {
		missing = append(missing, recipientName)
	}
	placeholderKeys := map[string]bool{}
	for _, ph := range placeholders {
		k := placeholderKey(ph)
		if placeholderKeys[k] {
			continue
		}
		placeholderKeys[k] = true
		if !have[k] {
			missing = append(missing, ph)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, BadRequest("", fmt.Sprintf(msgBulkMissingHeaders, strings.Join(missing, ", ")))
	}
	if len(recipientCols) > 1 {
		dups := make([]string, len(recipientCols))
		for i, col := range recipientCols {
			dups[i] = t.header[col]
		}
		slices.Sort(dups)
		dups = slices.Compact(dups)
		return nil, BadRequest("", fmt.Sprintf(msgBulkDuplicateHeaders, strings.Join(dups, ", ")))
	}
	recipientCol := recipientCols[0]
	total := len(t.rows)
	// The daily limit of the channel, for the whole job at once.
	now := n.now()
	if err := n.checkBulkRemaining(ctx, c, n.dailyCounters(c, typ, false, now), total); err != nil {
		return nil, err
	}
	if total > n.cfg.BulkMaxRows {
		return nil, BadRequest("", fmt.Sprintf(msgBulkTooManyRows, n.cfg.BulkMaxRows))
	}
	if total == 0 {
		return nil, BadRequest("", msgBulkNoRows)
	}
	// Trial mode and team keys: every recipient must be allowed.
	if recipientsRestricted(svc, c.Key.KeyType) {
		team, err := n.store.ListTeamMembers(ctx, svc.ID)
		if err != nil {
			return nil, fmt.Errorf("notify: send bulk: load team: %w", err)
		}
		guests, err := n.store.ListGuestList(ctx, svc.ID)
		if err != nil {
			return nil, fmt.Errorf("notify: send bulk: load guest list: %w", err)
		}
		for _, row := range t.rows {
			if !allowedToSendTo(strings.TrimSpace(cell(row, recipientCol)), svc, c.Key.KeyType, team, guests) {
				if svc.Restricted {
					return nil, refusal(CodeTrialMode, FieldTo, msgBulkTrialMode)
				}
				return nil, refusal(CodeTeamKeyRecipient, FieldTo, msgBulkTeamKey)
			}
		}
	}
	rc := &bulkChecker{n: n, c: c, tpl: tpl, t: t, placeholder: make([]bool, len(keys)), recipientCol: recipientCol,
		intlAllowed: svc.Can(PermissionInternationalSMS), landlines: svc.Can(PermissionUKLandlines), simulated: simulated(c)}
	for i, k := range keys {
		rc.placeholder[i] = placeholderKeys[k]
	}
	if typ == Email && len(appendPlaceholders(nil, nil, tpl.Subject)) == 0 {
		rc.subject, rc.subjectFixed = RenderEmailSubject(tpl.Subject, nil), true
	}
	// The international_sms limit is checked once the rows are, before
	// the job is stored; it is counted now, while no row is being stored.
	rc.intlLimit = typ == SMS && n.cfg.DailyLimitModel == PerChannelDailyLimits && n.countsDaily(c)
	if rc.intlLimit && rc.intlAllowed {
		rc.intlCounter = channelCounter(svc, DailyLimitInternationalSMS, now)
		rc.intlCount, rc.intlCountErr = n.todaysCount(ctx, svc.ID, rc.intlCounter)
		rc.intlCounted = true
	}
	return rc, nil
}

// check checks and renders row ri as one send, filling values (empty) with
// its personalisation. It returns the row and its problems, in column
// order; a row with problems is not rendered.
func (rc *bulkChecker) check(ri int, values map[string]any) (bulkRow, []string) {
	t, typ := rc.t, rc.tpl.Type
	row := t.rows[ri]
	var problems []string
	for i, h := range t.header {
		if i == rc.recipientCol || h == "" {
			continue
		}
		v := cell(row, i)
		values[h] = v
		if rc.placeholder[i] && strings.TrimSpace(v) == "" {
			problems = append(problems, "`"+h+"`: "+msgBulkMissing)
		}
	}
	br := bulkRow{number: t.index[ri], to: strings.TrimSpace(cell(row, rc.recipientCol)), values: values}
	recipientProblem := ""
	switch {
	case br.to == "":
		recipientProblem = msgBulkMissing
	case typ == SMS:
		pn, err := ParsePhoneNumber(br.to)
		if err == nil {
			err = pn.Validate(rc.intlAllowed, rc.landlines)
		}
		if err != nil {
			recipientProblem = msgBulkInvalidRecipient
			break
		}
		br.normalised, br.international, br.prefix = pn.Normalised, pn.International, pn.Prefix
		br.rateMultiplier = RateMultiplier(pn)
	default:
		addr, err := ValidateEmail(br.to)
		if err != nil {
			recipientProblem = msgBulkInvalidRecipient
			break
		}
		br.normalised = strings.ToLower(addr)
	}
	if recipientProblem == "" && !rc.simulated && rc.n.simulatedRecipient(typ, br.normalised) {
		recipientProblem = msgBulkSimulatedRecipient
	}
	if recipientProblem != "" {
		// Problems are listed in column order.
		at := 0
		for i := range t.header[:rc.recipientCol] {
			if rc.placeholder[i] && strings.TrimSpace(cell(row, i)) == "" {
				at++
			}
		}
		problems = slices.Insert(problems, at, "`"+t.header[rc.recipientCol]+"`: "+recipientProblem)
	}
	if len(problems) == 0 {
		if rc.subjectFixed {
			br.subject = rc.subject
		}
		if e := renderBulkRow(rc.tpl, &br); e != nil {
			problems = append(problems, strings.TrimSuffix(e.Message, "."))
		}
	}
	return br, problems
}

// finish is the verdict on the checked rows: the refusal of the rows with
// errors, else of the international_sms limit, else nil.
func (rc *bulkChecker) finish(ctx context.Context, rowErrors []string, international int) error {
	if len(rowErrors) > 0 {
		return BadRequest("", fmt.Sprintf(msgBulkRowErrors, strings.Join(rowErrors, ". ")))
	}
	if international == 0 || !rc.intlLimit {
		return nil
	}
	if !rc.intlCounted {
		cs := []dailyCounter{channelCounter(rc.c.Service, DailyLimitInternationalSMS, rc.n.now())}
		return rc.n.checkBulkRemaining(ctx, rc.c, cs, international)
	}
	if rc.intlCountErr != nil {
		return rc.intlCountErr
	}
	return bulkRemaining(rc.intlCount, rc.intlCounter.limit, international)
}

// bulkProducer turns the rows of a bulkChecker into the job's
// notifications, one at a time, as JobStreamer.StreamJob asks for them.
type bulkProducer struct {
	ctx context.Context
	rc  *bulkChecker
	// proto holds the fields every notification of the job shares.
	proto Notification
	// ids are the notifications' ids, taken in order.
	ids []uuid.UUID
	// reuse says next may return the same Notification (and
	// personalisation map) each time, as StreamJob allows.
	reuse bool
	cur   Notification
	row   int
	// i is the next row to check.
	i             int
	rowErrors     []string
	international int
	// finished says every row was checked; err is then the refusal, if
	// any.
	finished bool
	err      error
	// panicked is what the checks panicked with, raised again by sendBulk.
	panicked any
}

// next returns the job's next notification, nil at the end, or the
// refusal of the job once a row has failed and the others are checked. A
// Store may call it from a goroutine of its own (pgx's COPY does): a panic
// of the checks is caught there, ends the rows with an error, and is
// raised again by sendBulk on the caller's goroutine, where a server's
// recovery finds it.
func (p *bulkProducer) next() (nt *Notification, err error) {
	defer func() {
		if r := recover(); r != nil {
			p.panicked, p.finished = r, true
			p.err = fmt.Errorf("notify: send bulk: panic while checking row %d: %v", p.i, r)
			nt, err = nil, p.err
		}
	}()
	return p.produce()
}

// produce is next without the recovery.
func (p *bulkProducer) produce() (*Notification, error) {
	if p.finished {
		return nil, p.err
	}
	rc := p.rc
	for p.i < len(rc.t.rows) {
		ri := p.i
		p.i++
		var values map[string]any
		if p.reuse && p.cur.Personalisation != nil {
			values = p.cur.Personalisation
			clear(values)
		} else {
			values = make(map[string]any, len(rc.t.header))
		}
		br, problems := rc.check(ri, values)
		if len(problems) > 0 {
			p.rowErrors = append(p.rowErrors, fmt.Sprintf("Row %d - %s", br.number, strings.Join(problems, ",")))
			if len(p.rowErrors) == bulkErrorRows {
				break
			}
			continue
		}
		if len(p.rowErrors) > 0 {
			// The job is refused: its other rows are only checked.
			continue
		}
		if internationalSMS(&Notification{Type: rc.tpl.Type, PhonePrefix: br.prefix}) {
			// The international_sms limit's rule: not +44, so that crown
			// dependencies count as they do in single sends.
			p.international++
		}
		nt, row := &p.cur, &p.row
		if !p.reuse {
			nt, row = new(Notification), new(int)
		}
		*nt = p.proto
		*row = br.number
		nt.ID, p.ids = p.ids[0], p.ids[1:]
		nt.To, nt.NormalisedTo, nt.Personalisation = br.to, br.normalised, br.values
		nt.Body, nt.Subject = br.body, br.subject
		nt.International, nt.PhonePrefix, nt.RateMultiplier = br.international, br.prefix, br.rateMultiplier
		nt.JobRowNumber = row
		return nt, nil
	}
	p.finished = true
	p.err = rc.finish(p.ctx, p.rowErrors, p.international)
	return nil, p.err
}

// collect checks the rows left, on the caller's goroutine, and returns
// their notifications (when keep), or the refusal of the job.
func (p *bulkProducer) collect(keep bool) ([]*Notification, error) {
	p.reuse = false
	var ns []*Notification
	if keep {
		ns = make([]*Notification, 0, len(p.rc.t.rows)-p.i)
	}
	for {
		nt, err := p.next()
		if p.panicked != nil {
			panic(p.panicked) // on the caller's goroutine
		}
		if err != nil || nt == nil {
			return ns, err
		}
		if keep {
			ns = append(ns, nt)
		}
	}
}

// renderBulkRow renders a checked row and applies the length rules. An
// email row's subject already set (the template's subject has no
// placeholder) is kept.
func renderBulkRow(tpl *Template, br *bulkRow) *Error {
	if tpl.Type == SMS {
		br.body = RenderSMS(tpl.Content, br.values, "")
	} else {
		br.body = RenderEmailBody(tpl.Content, br.values)
		if br.subject == "" {
			br.subject = RenderEmailSubject(tpl.Subject, br.values)
		}
	}
	if strings.TrimSpace(br.body) == "" {
		return refusal(CodeMessageEmpty, FieldContent, MsgMessageEmpty)
	}
	if tpl.Type == SMS {
		return SMSTooLong(br.body)
	}
	return EmailTooLong(br.body)
}

// checkBulkRemaining refuses a job of sends notifications when any of the
// daily limits cs has fewer places left today.
func (n *Notifier) checkBulkRemaining(ctx context.Context, c *Caller, cs []dailyCounter, sends int) error {
	for _, d := range cs {
		count, err := n.todaysCount(ctx, c.Service.ID, d)
		if err != nil {
			return err
		}
		if err := bulkRemaining(count, d.limit, sends); err != nil {
			return err
		}
	}
	return nil
}

// bulkRemaining refuses a job of sends notifications when a daily limit
// of limit, count of it used today, has fewer places left.
func bulkRemaining(count int64, limit, sends int) error {
	if count+int64(sends) > int64(limit) {
		remaining := max(int64(limit)-count, 0)
		e := BadRequest("", fmt.Sprintf(msgBulkRemaining, remaining, sends))
		e.Code = CodeDailyLimit
		return e
	}
	return nil
}

// countBulk adds a stored job's notifications to the daily counters that
// are cached; a counter that is not cached is counted from the Store, which
// has the rows, at the next check.
func (n *Notifier) countBulk(ctx context.Context, c *Caller, typ NotificationType, total, international int, now time.Time) {
	cs := n.dailyCounters(c, typ, false, now)
	adds := []int{}
	for range cs {
		adds = append(adds, total)
	}
	if international > 0 && n.cfg.DailyLimitModel == PerChannelDailyLimits && n.countsDaily(c) {
		cs = append(cs, channelCounter(c.Service, DailyLimitInternationalSMS, now))
		adds = append(adds, international)
	}
	for i, d := range cs {
		v, err := n.cache.Get(ctx, d.key)
		if err != nil {
			continue
		}
		if err := n.cache.Set(ctx, d.key, v+int64(adds[i]), n.cfg.DailyLimitCacheTTL); err != nil {
			n.log.WarnContext(ctx, "daily limit: cache set failed",
				slog.String("service_id", c.Service.ID.String()), slog.Any("error", err))
		}
	}
}
