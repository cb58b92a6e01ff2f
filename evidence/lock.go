package evidence

import "sync"

// Locks is a keyed mutex: one lock per file digest, held by whoever
// changes whether a file's bytes are stored (an upload from Put until its
// upload is recorded, the deletion of a refused upload's bytes, the
// collector's deletion). It works within one process; across replicas the
// uploader checks after recording that the bytes are still there.
type Locks struct {
	mu   sync.Mutex
	keys map[string]*keyLock
}

type keyLock struct {
	mu      sync.Mutex
	waiters int
}

// Lock takes the lock of key and returns its release.
func (l *Locks) Lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.keys == nil {
		l.keys = map[string]*keyLock{}
	}
	k := l.keys[key]
	if k == nil {
		k = &keyLock{}
		l.keys[key] = k
	}
	k.waiters++
	l.mu.Unlock()
	k.mu.Lock()
	var once sync.Once
	return func() {
		once.Do(func() {
			k.mu.Unlock()
			l.mu.Lock()
			if k.waiters--; k.waiters == 0 {
				delete(l.keys, key)
			}
			l.mu.Unlock()
		})
	}
}
