package main

import "sync"

// extent is one write the application made and has not forced yet: what a page cache holds.
type extent struct {
	off  int64
	data []byte
}

// pages is the unforced writes of one file, in the order they were made; a power cut loses them.
// Every method expects mu held by the caller, so that a read, a write and a flush see one state.
type pages struct {
	mu      sync.Mutex
	extents []extent
}

// write remembers data at off. A write that continues the latest one grows it (a log appended to, a
// file written in chunks, stays one extent), and an older write among the latest few that it covers
// whole is forgotten (a record rewritten in place again and again, never forced, stays one extent):
// both keep reads and writes cheap; the result is the same as keeping every write in order.
func (p *pages) write(off int64, data []byte) {
	end := off + int64(len(data))
	for i := len(p.extents) - 1; i >= 0 && i >= len(p.extents)-8; i-- {
		e := p.extents[i]
		if e.off >= off && e.off+int64(len(e.data)) <= end {
			p.extents = append(p.extents[:i], p.extents[i+1:]...)
		}
	}
	if n := len(p.extents); n > 0 {
		if last := &p.extents[n-1]; last.off+int64(len(last.data)) == off {
			last.data = append(last.data, data...)
			return
		}
	}
	p.extents = append(p.extents, extent{off: off, data: append([]byte(nil), data...)})
}

// end is where the unforced writes end: the file's size is at least that.
func (p *pages) end() int64 {
	var end int64
	for _, e := range p.extents {
		end = max(end, e.off+int64(len(e.data)))
	}
	return end
}

// overlay copies the unforced writes over buf, which holds the forced content from off on.
func (p *pages) overlay(buf []byte, off int64) {
	for _, e := range p.extents {
		from := max(e.off, off)
		to := min(e.off+int64(len(e.data)), off+int64(len(buf)))
		if from < to {
			copy(buf[from-off:to-off], e.data[from-e.off:to-e.off])
		}
	}
}

// truncate cuts the unforced writes at size (the truncation itself goes to the backing file at once).
func (p *pages) truncate(size int64) {
	kept := p.extents[:0]
	for _, e := range p.extents {
		if e.off >= size {
			continue
		}
		if e.off+int64(len(e.data)) > size {
			e.data = e.data[:size-e.off]
		}
		kept = append(kept, e)
	}
	p.extents = kept
}

// take hands the unforced writes over (to be written and forced) and forgets them.
func (p *pages) take() []extent {
	taken := p.extents
	p.extents = nil
	return taken
}

// drop loses the unforced writes, as a power cut does; answers how many bytes were lost.
func (p *pages) drop() int64 {
	var lost int64
	for _, e := range p.extents {
		lost += int64(len(e.data))
	}
	p.extents = nil
	return lost
}

// cache is the unforced writes of every file, by backing inode: a node the kernel forgets and looks up
// again finds them, and they follow a file through a rename.
type cache struct {
	mu    sync.Mutex
	files map[uint64]*pages
}

func newCache() *cache {
	return &cache{files: map[uint64]*pages{}}
}

func (c *cache) of(ino uint64) *pages {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.files[ino]
	if p == nil {
		p = &pages{}
		c.files[ino] = p
	}
	return p
}

// fresh is for a file just created: an inode number reused from a deleted file starts clean.
func (c *cache) fresh(ino uint64) *pages {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := &pages{}
	c.files[ino] = p
	return p
}

// powerCut loses every unforced write of every file; answers the files and bytes lost.
func (c *cache) powerCut() (files int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.files {
		p.mu.Lock()
		if lost := p.drop(); lost > 0 {
			files++
			bytes += lost
		}
		p.mu.Unlock()
	}
	return files, bytes
}
