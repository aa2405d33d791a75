package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Through a real mount: what was forced survives a cut, what was not is gone, renames keep a file's
// unforced writes with it until then.
func TestThroughTheMountAPowerCutKeepsWhatWasForcedAndLosesTheRest(t *testing.T) {
	backing, mount := t.TempDir(), t.TempDir()
	c := newCache()
	j, err := newJournal(backing + ".lossyfs-trash")
	if err != nil {
		t.Fatal(err)
	}
	server, err := serve(backing, mount, c, j)
	if err != nil {
		t.Fatalf("mounting needs root and /dev/fuse: %v", err)
	}
	// the directory is forced: the creations below survive, only unforced bytes are lost
	forceDir := func() {
		d, err := os.Open(mount)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Sync(); err != nil {
			t.Fatalf("forcing the directory: %v", err)
		}
		d.Close()
	}

	forced, err := os.Create(filepath.Join(mount, "log"))
	if err != nil {
		t.Fatal(err)
	}
	forced.WriteString("kept;")
	if err := forced.Sync(); err != nil {
		t.Fatal(err)
	}
	forced.WriteString("lost")
	if got, _ := os.ReadFile(filepath.Join(mount, "log")); string(got) != "kept;lost" {
		t.Fatalf("before the cut the file reads %q, want kept;lost", got)
	}
	forced.Close()
	os.WriteFile(filepath.Join(mount, "new.tmp"), []byte("never forced"), 0o600)
	if err := os.Rename(filepath.Join(mount, "new.tmp"), filepath.Join(mount, "new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(mount, "new")); string(got) != "never forced" {
		t.Fatalf("the renamed file reads %q before the cut", got)
	}

	forceDir()
	server.Unmount()
	files, bytes := c.powerCut()
	if undone, err := j.powerCut(); err != nil || undone != 0 {
		t.Fatalf("undid %d directory changes (%v), want none after the force", undone, err)
	}

	if files != 2 || bytes != int64(len("lost")+len("never forced")) {
		t.Fatalf("cut %d bytes in %d files", bytes, files)
	}
	if info, err := os.Stat(filepath.Join(backing, "new")); err != nil || info.Size() != 0 {
		t.Fatalf("the never forced file after the cut: %v, %v (want it there, empty)", info, err)
	}
	if got, _ := os.ReadFile(filepath.Join(backing, "log")); string(got) != "kept;" {
		t.Fatalf("the backing file holds %q, want kept;", got)
	}
}

// Through a real mount: a file created, forced and renamed over another without forcing the directory
// is gone after a cut, and the file it replaced is back.
func TestThroughTheMountARenameWhoseDirectoryWasNeverForcedIsUndone(t *testing.T) {
	backing, mount := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(backing, "log"), []byte("old"), 0o600)
	c := newCache()
	j, err := newJournal(backing + ".lossyfs-trash")
	if err != nil {
		t.Fatal(err)
	}
	server, err := serve(backing, mount, c, j)
	if err != nil {
		t.Fatalf("mounting needs root and /dev/fuse: %v", err)
	}
	next, err := os.Create(filepath.Join(mount, "log.next"))
	if err != nil {
		t.Fatal(err)
	}
	next.WriteString("new")
	next.Sync()
	next.Close()
	if err := os.Rename(filepath.Join(mount, "log.next"), filepath.Join(mount, "log")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(mount, "log")); string(got) != "new" {
		t.Fatalf("before the cut log reads %q", got)
	}
	server.Unmount()

	if undone, err := j.powerCut(); err != nil || undone != 2 {
		t.Fatalf("undid %d (%v), want the creation and the rename", undone, err)
	}
	if got, _ := os.ReadFile(filepath.Join(backing, "log")); string(got) != "old" {
		t.Fatalf("after the cut log reads %q, want old", got)
	}
	if _, err := os.Stat(filepath.Join(backing, "log.next")); !os.IsNotExist(err) {
		t.Fatalf("log.next after the cut: %v, want gone", err)
	}
}
