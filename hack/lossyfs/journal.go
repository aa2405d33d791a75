package main

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sync"
)

// change is one change to a directory entry (a file or directory created, removed, renamed) that has
// not been made durable: it is until the directory it lands in is forced, and a power cut undoes it.
type change struct {
	dir     string       // the backing directory whose force makes it durable
	undo    func() error // puts the entries back as they were before it
	durable func()       // once durable: forgets what undo would have needed
}

// journal is the directory changes not yet durable, in the order they were made. A removed or replaced
// entry is not deleted but moved aside into trash (on the backing file system), so that a cut can put
// it back; it is deleted for real once its directory is forced.
type journal struct {
	mu      sync.Mutex
	trash   string
	next    int
	pending []change
}

func newJournal(trash string) (*journal, error) {
	if err := os.RemoveAll(trash); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(trash, 0o700); err != nil {
		return nil, err
	}
	return &journal{trash: trash}, nil
}

func (j *journal) record(c change) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pending = append(j.pending, c)
}

// aside moves path into the trash and answers where it went.
func (j *journal) aside(path string) (string, error) {
	j.mu.Lock()
	j.next++
	kept := filepath.Join(j.trash, fmt.Sprintf("%d", j.next))
	j.mu.Unlock()
	return kept, os.Rename(path, kept)
}

// created: path (a file or a directory) was just made.
func (j *journal) created(path string) {
	j.record(change{dir: filepath.Dir(path), undo: func() error {
		if _, err := os.Lstat(path); err != nil {
			return nil // moved on by a change made durable since
		}
		return os.RemoveAll(path)
	}, durable: func() {}})
}

// remove removes path (a file, or an empty directory) so that a cut can bring it back.
func (j *journal) remove(path string) error {
	kept, err := j.aside(path)
	if err != nil {
		return err
	}
	j.record(change{dir: filepath.Dir(path), undo: func() error {
		if _, err := os.Lstat(path); err == nil {
			return nil // the name was taken again durably since
		}
		if gone(filepath.Dir(path)) {
			return nil // its directory's removal was made durable: the entry went with it
		}
		return os.Rename(kept, path)
	}, durable: func() { os.RemoveAll(kept) }})
	return nil
}

// rename renames from to to, replacing what to named, so that a cut can undo both.
func (j *journal) rename(from, to string) error {
	replaced := ""
	if _, err := os.Lstat(to); err == nil {
		var aside error
		if replaced, aside = j.aside(to); aside != nil {
			return aside
		}
	}
	if err := os.Rename(from, to); err != nil {
		if replaced != "" {
			os.Rename(replaced, to)
		}
		return err
	}
	j.record(change{dir: filepath.Dir(to), undo: func() error {
		if gone(filepath.Dir(to)) {
			return nil // its directory's removal was made durable: the entries went with it
		}
		if _, err := os.Lstat(to); err == nil {
			if gone(filepath.Dir(from)) {
				// the name it came from is gone for good with its directory, and this one never was durable
				if err := os.RemoveAll(to); err != nil {
					return err
				}
			} else if _, err := os.Lstat(from); err != nil {
				if err := os.Rename(to, from); err != nil {
					return err
				}
			}
		}
		if replaced != "" {
			return os.Rename(replaced, to)
		}
		return nil
	}, durable: func() {
		if replaced != "" {
			os.RemoveAll(replaced)
		}
	}})
	return nil
}

// gone: dir no longer exists (its removal, or its parent's, was made durable).
func gone(dir string) bool {
	_, err := os.Lstat(dir)
	return errors.Is(err, iofs.ErrNotExist)
}

// forced: dir was forced; every change that lands in it is durable now.
func (j *journal) forced(dir string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	kept := j.pending[:0]
	for _, c := range j.pending {
		if c.dir == dir {
			c.durable()
		} else {
			kept = append(kept, c)
		}
	}
	j.pending = kept
}

// powerCut undoes every change not durable, the latest first; answers how many.
func (j *journal) powerCut() (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	undone := len(j.pending)
	for i := len(j.pending) - 1; i >= 0; i-- {
		if err := j.pending[i].undo(); err != nil {
			return undone, err
		}
	}
	j.pending = nil
	return undone, nil
}
