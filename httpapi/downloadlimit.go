package httpapi

import (
	"container/list"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Limits of the download page's email confirmation: a document whose
// page was sent MaxConfirmAttempts wrong (or empty) email addresses within
// ConfirmAttemptWindow answers 429 with a page saying when to try again,
// whatever address comes next, until the window that began with the first
// wrong address ends. The right address clears the count.
//
// The counts are kept in memory, per process, for at most
// confirmLimiterSize documents: the least recently refused are forgotten
// first, so memory stays bounded whatever is sent. Only requests that
// carry a document's valid key reach the count, so guessing links fills
// nothing.
const (
	MaxConfirmAttempts   = 10
	ConfirmAttemptWindow = time.Hour
	confirmLimiterSize   = 10000
)

// confirmLimiter counts the wrong addresses sent to each document's page.
type confirmLimiter struct {
	max    int
	window time.Duration
	size   int
	now    func() time.Time

	mu    sync.Mutex
	order *list.List // of *confirmCount, most recently refused first
	byDoc map[docKey]*list.Element
}

// docKey names a document: its service and its id.
type docKey [2]uuid.UUID

type confirmCount struct {
	doc   docKey
	fails int
	start time.Time
}

func newConfirmLimiter(max int, window time.Duration, size int, now func() time.Time) *confirmLimiter {
	return &confirmLimiter{max: max, window: window, size: size, now: now, order: list.New(),
		byDoc: make(map[docKey]*list.Element)}
}

// blocked reports whether the document's page is refusing addresses, and
// for how much longer.
func (l *confirmLimiter) blocked(doc docKey) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.byDoc[doc]
	if !ok {
		return false, 0
	}
	c := el.Value.(*confirmCount)
	left := c.start.Add(l.window).Sub(l.now())
	if left <= 0 {
		l.order.Remove(el)
		delete(l.byDoc, doc)
		return false, 0
	}
	return c.fails >= l.max, left
}

// fail counts a wrong address sent to the document's page.
func (l *confirmLimiter) fail(doc docKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if el, ok := l.byDoc[doc]; ok {
		c := el.Value.(*confirmCount)
		if now.Sub(c.start) >= l.window {
			c.fails, c.start = 0, now
		}
		c.fails++
		l.order.MoveToFront(el)
		return
	}
	for l.order.Len() >= l.size {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.byDoc, oldest.Value.(*confirmCount).doc)
	}
	l.byDoc[doc] = l.order.PushFront(&confirmCount{doc: doc, fails: 1, start: now})
}

// clear forgets the document's count: the right address was given.
func (l *confirmLimiter) clear(doc docKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.byDoc[doc]; ok {
		l.order.Remove(el)
		delete(l.byDoc, doc)
	}
}

// len is how many documents are counted.
func (l *confirmLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}
