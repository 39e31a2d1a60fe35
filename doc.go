// Package notify is the transactional-notification domain of GOV.UK Notify as
// a Go library: services send text messages and emails to citizens through
// an API, with three types of API key, trial mode, guest lists, daily
// limits, versioned templates, queues, providers, delivery receipts and
// metrics. The official GOV.UK Notify client libraries work unchanged
// against its HTTP API (package httpapi).
//
// # Parts
//
// A Notifier holds the rules. It talks to the outside through five small
// interfaces, each with adapters in packages of their own and a conformance
// suite that every adapter passes, yours included:
//
//   - Store, the system of record (store/memstore; store/gormstore for
//     PostgreSQL and SQLite; suite store/storetest);
//   - Queue, at-least-once delivery of tasks (queue/memqueue,
//     queue/redisqueue; suite queue/queuetest);
//   - Cache, the daily-limit counters and rate-limit buckets
//     (cache/memcache, cache/rediscache; suite cache/cachetest);
//   - Provider, the SMS and email gateways (provider/sandbox, provider/smtp,
//     provider/ses, provider/twilio; suite provider/providertest);
//   - Stats, metrics (stats/statsd, stats/prometheus).
//
// Extra abilities are optional interfaces found by type assertion, as
// database/sql finds a driver's: group commit (BatchCreator on the Store,
// BatchEnqueuer on the Queue), batched delivery (BatchClaimer,
// BatchTransitioner, BatchConsumer), exact limits across processes
// (LimitCache, LimitReleaser, TokenBucket on the Cache; TokenCountReader,
// BatchLimitCache and BatchAdmitter to do it in fewer round trips),
// administration and
// retention (adminstore.go), service callbacks, complaints and inbound
// numbers (ServiceCallbackStore, ComplaintStore, InboundNumberStore),
// provider webhooks (WebhookProvider). The
// Notifier looks for them through decorators that have an Unwrap method,
// so the metrics wrappers and the read cache hide none of them. An adapter
// without an ability works one row or one task at a time.
//
// # How New gets its adapters
//
// The root package holds the rules and imports no adapter, so New takes
// them from Config, as river takes its driver: Store and Queue are
// required, and New names the constructors when one is missing —
// memstore.New() and memqueue.New(memqueue.Options{}) for a test or a
// single process, gormstore.OpenPostgres or OpenSQLite and redisqueue.New
// for a deployment. The rest is optional: a nil Cache means no cache
// (daily counts come from the Store; memcache.New for one process,
// rediscache.New when processes share a Store), a nil Stats discards
// metrics, a nil Sandbox is BuiltinSandbox. To measure the adapters, pass
// the Config through stats/instrument:
// notify.New(instrument.Config(cfg, instrument.DefaultPrefix)) prefixes the
// Stats and wraps the Store, Queue, providers and sandbox. Package
// notifytest builds a ready Notifier on memory adapters in one call.
// Config is validated in one place: a negative number or duration is an
// error naming the field, and zero takes the documented default.
//
// # Where each rule lives
//
//	API keys, JWT checks and their messages     keys.go (Authenticate, FormatKey, ParseKey)
//	who may receive: trial mode, team keys      keys.go (allowedToSendTo), send.go (checkRecipientAllowed)
//	simulated recipients and simulate keys      send.go (simulatedRecipient, queueFor), receipts.go (SimulatedStatus)
//	request fields: recipient, template id,     validation.go (one rule each, for the Go API and
//	  reference, scheduled_for, sender ids,       the JSON decoders alike)
//	  unsubscribe URL, personalisation
//	request bodies and their schema messages    requests_json.go (v2, v1), requests_query.go, jsonbody.go
//	phone numbers                               phone.go (ParsePhoneNumber, PhoneNumber.Validate)
//	email addresses                             email.go (ValidateEmail, FormatRecipient)
//	placeholders, rendering, lengths            template.go; internal/gsm (SMS encoding, fragments),
//	                                              internal/markdown (email HTML), internal/pyfmt (Python's str/repr)
//	sanitise_content_for: escaping, URLs        sanitise.go; internal/sanitise
//	order of the send checks                    send.go (SendSMS, SendEmail, SendJSON, SendV1, send)
//	per-key rate limit                          ratelimit.go
//	daily limits per channel                    limits.go; giving places back: limits_release.go
//	  in one round trip per send and per commit  limits_batch.go
//	international cost                          cost.go, internal/billing
//	group commit of concurrent sends            commit.go, batch.go
//	bulk sends (rows, CSV) and jobs: checks,    bulk.go, jobs.go (JobStore; the bulk lane
//	  scheduling, start once, cancel              and the job sweep in deliver.go)
//	  rows streamed into the store as checked   bulk_stream.go (JobStreamer)
//	read-through cache of services, keys,       readcache.go
//	  templates, team and guest list
//	delivery with a lease, retries, failover    deliver.go, deliver_batch.go, providers.go
//	receipts and the statuses they may move     receipts.go (ApplyReceipt), webhooks.go
//	service callbacks                           callbacks.go; per type: servicecallbacks.go,
//	  complaints, inbound numbers                 complaints.go, inbound.go, callbackrequests.go
//	reads: notifications, templates, inbound    read.go, templateorder.go
//	administration and statistics               admin.go, adminrequests.go, adminauth.go, adminstore.go
//	data retention                              retention.go
//	SMS senders and email reply-to addresses:   senders.go (SenderStore, chooseSenders),
//	  the default rule, sms_sender_id and         validation.go (checkSenderIDs), readcache_senders.go;
//	  email_reply_to_id on a send, admin          senders_requests.go, httpapi/adminsenders.go, seed/senders.go
//	files sent by email: options, links, keys   documents.go; contactlink.go (Service.ContactLink);
//	  contact links, the download page            httpapi/download.go, httpapi/downloadlimit.go (wrong addresses)
//	idempotency keys: a retry sends once        idempotency.go (RunIdempotent), httpapi/idempotency.go
//	errors, their names and statuses            errors.go (httpapi shapes them for v1 and v2)
//	types and statuses                          types.go; the adapter interfaces: interfaces.go
//
// # Keys and trial mode
//
// An API key is live (KeyTypeLive, "normal"), team (KeyTypeTeam, "team") or
// simulate (KeyTypeSimulate, "test"). A service in trial mode
// (Service.Restricted) sends with a live key only to its team members and
// guest list; a team key always sends only to them; a simulate key sends to
// anyone but nothing leaves the system: its notifications go to the sandbox
// and receive fake receipts, and never count towards limits. Three email
// addresses and three phone numbers (Config.SimulatedEmails,
// Config.SimulatedNumbers) are simulated for every key: the request is
// validated in full and answered, but nothing is stored.
//
// Key strings handed to users are "{name}-{service_id}-{secret}" (FormatKey);
// requests carry an HS256 JWT signed with the secret, checked by
// Notifier.Authenticate with upstream's exact rules and messages. Secrets are
// encrypted at rest with AES-GCM under a key derived from Config.SecretKey.
//
// # Limits
//
// Each service may make Service.RateLimit requests a minute per key type
// (DefaultRateLimit, 3000), checked first on every send, before the body is
// read (with a Cache that is a BatchAdmitter, taken with the send's row by
// its group commit instead, and checked at once when the send is refused
// for anything else, so that the answers are the same): a token bucket of min(ceil(limit/3)+1, 1000) tokens refilled by
// limit/60 a second, as upstream's. A refusal is a 429 RateLimitError
// "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
// and takes no daily-limit place. A Cache with the TokenBucket ability
// shares the bucket between processes; without one, or while it fails,
// each process keeps its own.
//
// Every service has a daily limit per channel (Service.DailyLimit):
// sms_message_limit, email_message_limit and international_sms_message_limit
// (a text message to a number outside +44 counts against both sms and
// international_sms). A zero takes the default of the service's mode: a
// trial service 50 text messages and 50 emails a day, a live one 250,000
// each, both 100 international. Simulate keys, research mode and simulated
// recipients are never counted. A send that would pass a limit is a 429
// TooManyRequestsError "Exceeded send limits ({name}: {limit}) for today".
// Counters live in the Cache under "{service_id}-{name}-{yyyy-mm-dd}-count";
// a LimitCache reserves each place atomically just before the row is
// stored, so processes sharing Redis never overshoot, and a LimitReleaser
// gives back the places of rows that were not stored. On a miss or any
// cache error the Store counts, so a failing cache never fails a request
// and never lets one through. Config.DailyLimitModel = TotalDailyLimit
// restores the seed's single total: Service.MessageLimit for trial services,
// refused with "Exceeded send limits ({limit}) for today".
//
// # Flow
//
// SendSMS and SendEmail (or SendJSON from a raw v2 body) check, in upstream's
// order: the rate limit, the daily limit, the request, the service's
// permission, the template, personalisation, the recipient (trial mode, team
// key, phone or email rules and permissions) and the length. The
// notification is then persisted with status created — concurrent sends
// share one commit when the Store can store batches (Config.GroupCommit),
// and each answers only once its own row is stored — and queued on
// send-sms, send-email, priority (priority templates) or research-mode
// (simulated). Persisting comes first: if queuing fails the notification
// stays created and Sweep queues it again.
//
// Workers (Run) take tasks, in batches when the Queue can, and claim the
// notifications with a lease (one conditional update, or one for the
// batch), call the providers, and record status sending only after a
// provider accepted. A duplicate task finds the notification claimed or
// already sent and does nothing; a worker that dies leaves a lease that
// expires, after which Sweep queues the notification again. Provider errors
// are retried with backoff; a permanent error or the last attempt makes the
// notification technical-failure. Receipts (ApplyReceipt) move a
// notification only while it is sending, pending or sent.
//
// Refusals are *Error values (or Errors, several at once) carrying upstream's
// error name, HTTP status and exact message; httpapi's V2Error and V1Error
// shape them for the two API versions.
package notify
