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
// interfaces, each with adapters in its own package and a conformance suite
// that every adapter passes:
//
//   - Store, the system of record (store/memstore, store/gormstore for
//     PostgreSQL and SQLite; suite store/storetest);
//   - Queue, at-least-once delivery of tasks (queue/memqueue; queue/queuetest);
//   - Cache, the daily counters (cache/memcache; cache/cachetest);
//   - Provider, the SMS and email gateways (provider/sandbox);
//   - Stats, metrics.
//
// Every adapter is optional: notify.New(notify.Config{}) fills each nil one
// with its in-memory default (MemoryStore, MemoryQueue, MemoryCache, a
// built-in sandbox, DiscardStats), so a program or a test needs no set-up.
// Package notifytest builds a ready Notifier on memory adapters for tests,
// with the sandbox and queue exposed.
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
// encrypted at rest with AES-GCM under Config.SecretKey.
//
// # Limits
//
// A trial service may create Service.MessageLimit notifications a day (UTC),
// all channels together; live services are checked only with
// Config.CheckLiveServiceLimits. The count is read from the Cache under
// "{service_id}-{yyyy-mm-dd}-count" and recounted from the Store on a miss or
// any cache error, so a failing cache never fails a request. A refusal is a
// 429 TooManyRequestsError "Exceeded send limits ({limit}) for today".
//
// # Flow
//
// SendSMS and SendEmail (or SendJSON from a raw v2 body) check, in upstream's
// order: the daily limit, the request, the service's permission, the
// template, personalisation, the recipient (trial mode, team key, phone or
// email rules and permissions) and the length. The notification is then
// persisted with status created, counted, and queued on send-sms,
// send-email, priority (priority templates) or research-mode (simulated).
// Persisting comes first: if queuing fails the notification stays created
// and Sweep queues it again.
//
// Workers (Run) take tasks and call Deliver, which claims the notification
// with a lease (one conditional update), calls the provider, and records
// status sending only after the provider accepted. A duplicate task finds
// the notification claimed or already sent and does nothing; a worker that
// dies leaves a lease that expires, after which Sweep queues the
// notification again. Provider errors are retried with backoff; a permanent
// error or the last attempt makes the notification technical-failure.
// Receipts (ApplyReceipt) move a notification only while it is created,
// sending, pending or sent.
//
// Refusals are *Error values (or Errors, several at once) carrying upstream's
// error name, HTTP status and exact message; V2Error and V1Error shape them
// for the two API versions.
package notify
