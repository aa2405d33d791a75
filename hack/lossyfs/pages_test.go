package main

import (
	"bytes"
	"testing"
)

func read(p *pages, forced []byte, off int64, n int) []byte {
	size := max(int64(len(forced)), p.end())
	if off >= size {
		return nil
	}
	n = int(min(int64(n), size-off))
	buf := make([]byte, n)
	if off < int64(len(forced)) {
		copy(buf, forced[off:])
	}
	p.overlay(buf, off)
	return buf
}

func TestUnforcedWritesAreReadBackOverTheForcedContentAndExtendIt(t *testing.T) {
	p := &pages{}
	p.write(3, []byte("XY"))
	p.write(8, []byte("tail"))
	got := read(p, []byte("0123456"), 0, 100)
	if want := []byte("012XY56\x00tail"); !bytes.Equal(got, want) {
		t.Fatalf("read %q, want %q", got, want)
	}
}

func TestALaterWriteWinsWhereTwoOverlap(t *testing.T) {
	p := &pages{}
	p.write(0, []byte("aaaa"))
	p.write(2, []byte("bb"))
	p.write(0, []byte("c"))
	if got := read(p, nil, 0, 10); string(got) != "cabb" {
		t.Fatalf("read %q, want cabb", got)
	}
}

func TestARecordRewrittenInPlaceStaysOneExtent(t *testing.T) {
	p := &pages{}
	for i := 0; i < 1000; i++ {
		p.write(0, []byte("hint0001"))
	}
	if len(p.extents) != 1 {
		t.Fatalf("%d extents, want 1", len(p.extents))
	}
}

func TestTruncateCutsUnforcedWritesBeyondTheSize(t *testing.T) {
	p := &pages{}
	p.write(0, []byte("abcdef"))
	p.write(10, []byte("gone"))
	p.truncate(4)
	if p.end() != 4 {
		t.Fatalf("end %d, want 4", p.end())
	}
	if got := read(p, nil, 0, 10); string(got) != "abcd" {
		t.Fatalf("read %q, want abcd", got)
	}
}

func TestAPowerCutLosesExactlyTheUnforcedWrites(t *testing.T) {
	c := newCache()
	c.of(1).write(0, []byte("forced"))
	taken := c.of(1).take()
	if len(taken) != 1 {
		t.Fatalf("took %d extents, want 1", len(taken))
	}
	c.of(1).write(6, []byte("lost"))
	c.of(2).write(0, []byte("lost too"))
	files, lost := c.powerCut()
	if files != 2 || lost != 12 {
		t.Fatalf("cut lost %d bytes in %d files, want 12 in 2", lost, files)
	}
	if got := read(c.of(1), []byte("forced"), 0, 100); string(got) != "forced" {
		t.Fatalf("after the cut %q, want forced", got)
	}
}

func TestAFileCreatedOnAReusedInodeNumberStartsClean(t *testing.T) {
	c := newCache()
	c.of(7).write(0, []byte("of the deleted file"))
	if c.fresh(7).end() != 0 || c.of(7).end() != 0 {
		t.Fatal("the new file sees the deleted file's unforced writes")
	}
}

func TestWritesThatContinueEachOtherStayOneExtentAndReadBackInOrder(t *testing.T) {
	p := &pages{}
	for i := 0; i < 1000; i++ {
		p.write(int64(i*4), []byte("abcd"))
	}
	p.write(2, []byte("XY"))
	if len(p.extents) != 2 {
		t.Fatalf("%d extents, want 2", len(p.extents))
	}
	if got := read(p, nil, 0, 8); string(got) != "abXYabcd" {
		t.Fatalf("read %q, want abXYabcd", got)
	}
}
