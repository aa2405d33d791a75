package main

import (
	"os"
	"path/filepath"
	"testing"
)

func newTestJournal(t *testing.T) (*journal, string) {
	dir := t.TempDir()
	j, err := newJournal(filepath.Join(dir, "trash"))
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o700)
	return j, data
}

func contentOf(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "<absent>"
	}
	return string(b)
}

func TestACompactionRenamedIntoPlaceWithoutForcingTheDirectoryBringsTheOldLogBack(t *testing.T) {
	j, data := newTestJournal(t)
	log, next := filepath.Join(data, "log"), filepath.Join(data, "log.next")
	os.WriteFile(log, []byte("old"), 0o600)
	os.WriteFile(next, []byte("new"), 0o600)
	j.created(next)
	if err := j.rename(next, log); err != nil {
		t.Fatal(err)
	}
	if undone, err := j.powerCut(); err != nil || undone != 2 {
		t.Fatalf("undid %d (%v), want 2", undone, err)
	}
	if got := contentOf(t, log); got != "old" {
		t.Fatalf("log holds %q after the cut, want old", got)
	}
	if got := contentOf(t, next); got != "<absent>" {
		t.Fatalf("log.next after the cut: %q, want absent (its creation was never forced)", got)
	}
}

func TestForcingTheDirectoryMakesTheRenameSurviveAndDeletesTheReplacedFile(t *testing.T) {
	j, data := newTestJournal(t)
	log, next := filepath.Join(data, "log"), filepath.Join(data, "log.next")
	os.WriteFile(log, []byte("old"), 0o600)
	os.WriteFile(next, []byte("new"), 0o600)
	j.created(next)
	j.rename(next, log)
	j.forced(data)
	if undone, _ := j.powerCut(); undone != 0 {
		t.Fatalf("undid %d, want 0", undone)
	}
	if got := contentOf(t, log); got != "new" {
		t.Fatalf("log holds %q, want new", got)
	}
	if entries, _ := os.ReadDir(j.trash); len(entries) != 0 {
		t.Fatalf("trash keeps %d entries, want none", len(entries))
	}
}

func TestARemovalNotForcedIsUndoneAndAChangeElsewhereStaysPending(t *testing.T) {
	j, data := newTestJournal(t)
	quarantine := filepath.Join(data, "q")
	os.Mkdir(quarantine, 0o700)
	j.created(quarantine)
	j.forced(data)
	kept := filepath.Join(data, "epoch")
	os.WriteFile(kept, []byte("7"), 0o600)
	if err := j.remove(kept); err != nil {
		t.Fatal(err)
	}
	made := filepath.Join(quarantine, "entry")
	os.WriteFile(made, []byte("x"), 0o600)
	j.created(made)
	j.forced(quarantine)
	if undone, _ := j.powerCut(); undone != 1 {
		t.Fatalf("undid %d, want 1 (the removal)", undone)
	}
	if contentOf(t, kept) != "7" || contentOf(t, made) != "x" {
		t.Fatalf("after the cut: epoch %q, q/entry %q", contentOf(t, kept), contentOf(t, made))
	}
}

// A directory whose removal was made durable takes what was in it along: a cut undoes the other
// changes and does not stop at the one whose directory is gone.
func TestACutGoesOnPastChangesInADirectoryRemovedDurably(t *testing.T) {
	j, data := newTestJournal(t)
	sub := filepath.Join(data, "sub")
	os.Mkdir(sub, 0o700)
	file := filepath.Join(sub, "f")
	os.WriteFile(file, []byte("x"), 0o600)

	if err := j.remove(file); err != nil { // not durable: sub is never forced
		t.Fatal(err)
	}
	if err := j.remove(sub); err != nil {
		t.Fatal(err)
	}
	j.forced(data) // sub's removal durable, and f with it
	later := filepath.Join(data, "later")
	os.WriteFile(later, []byte("y"), 0o600)
	j.created(later) // not durable

	if _, err := j.powerCut(); err != nil {
		t.Fatalf("cut stopped: %v", err)
	}
	if _, err := os.Stat(sub); err == nil {
		t.Fatal("a durably removed directory came back")
	}
	if got := contentOf(t, later); got != "<absent>" {
		t.Fatalf("a file created after, never forced, holds %q after the cut", got)
	}
}
