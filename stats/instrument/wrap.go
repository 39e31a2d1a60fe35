package instrument

import "github.com/notifykit/notify"

// Store returns s with every call counted and timed on stats under
// dao.{method} (see the package doc for the names). The result has a
// Close() error method when s has one, and Unwrap() notify.Store. A nil s
// gives nil; a nil stats records nothing. It is notify.InstrumentStore,
// which the Notifier applies itself when Config.Stats is set.
func Store(s notify.Store, stats notify.Stats) notify.Store { return notify.InstrumentStore(s, stats) }

// Queue returns q with every Enqueue counted and timed under
// queue.enqueue.{queue} (plus queue.enqueue.{queue}.error when it fails),
// and every task handled through Consume counted and timed under
// tasks.{task name} (plus tasks.{task name}.error when the handler fails).
// The result has a Close() error method when q has one, and
// Unwrap() notify.Queue. It is notify.InstrumentQueue.
func Queue(q notify.Queue, stats notify.Stats) notify.Queue { return notify.InstrumentQueue(q, stats) }

// Provider returns p with every Send timed under
// clients.{provider}.request-time and counted under
// clients.{provider}.success or clients.{provider}.error. The result
// implements notify.ReceiptSimulator exactly when p does, has Close() error
// when p has one, and Unwrap() notify.Provider. It is
// notify.InstrumentProvider.
func Provider(p notify.Provider, stats notify.Stats) notify.Provider {
	return notify.InstrumentProvider(p, stats)
}
