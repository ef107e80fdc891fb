package hot

import "sync"

// sharedTrips lets concurrent callers share Redis round trips. A caller adds
// its call; if fewer than limit batches are out, it sends the waiting calls
// itself (its own among them), so a lone call goes out at once. Calls that
// arrive while batches are out wait for the next one; whoever is still
// waiting when a sender returns is served by a goroutine that keeps sending
// until nobody waits. send answers every call of its batch (each call
// carries its own result and done channel). With limit 1, batches go out one
// at a time, in arrival order.
type sharedTrips[C any] struct {
	limit    int // batches out at once (>= 1)
	maxBatch int // calls per batch; 0 = all waiting
	send     func(batch []C)

	mu       sync.Mutex
	waiting  []C
	inflight int
}

// add queues call and, when a slot is free, sends right away.
func (t *sharedTrips[C]) add(call C) {
	t.mu.Lock()
	t.waiting = append(t.waiting, call)
	lead := t.inflight < t.limit
	if lead {
		t.inflight++
	}
	t.mu.Unlock()
	if lead {
		t.sendNext()
		if t.more() {
			go t.loop()
		}
	}
}

// loop sends batches until nobody waits.
func (t *sharedTrips[C]) loop() {
	for {
		t.sendNext()
		if !t.more() {
			return
		}
	}
}

// more tells whether calls wait; if not, the caller's slot is freed.
func (t *sharedTrips[C]) more() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.waiting) == 0 {
		t.inflight--
		return false
	}
	return true
}

// sendNext sends one batch of the calls waiting now.
func (t *sharedTrips[C]) sendNext() {
	t.mu.Lock()
	n := len(t.waiting)
	if t.maxBatch > 0 {
		n = min(n, t.maxBatch)
	}
	batch := make([]C, n)
	copy(batch, t.waiting)
	t.waiting = append(t.waiting[:0], t.waiting[n:]...)
	t.mu.Unlock()
	if n > 0 {
		t.send(batch)
	}
}
