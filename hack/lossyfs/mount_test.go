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
	server, err := serve(backing, mount, c)
	if err != nil {
		t.Fatalf("mounting needs root and /dev/fuse: %v", err)
	}
	defer server.Unmount()

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

	files, bytes := c.powerCut()

	if files != 2 || bytes != int64(len("lost")+len("never forced")) {
		t.Fatalf("cut %d bytes in %d files", bytes, files)
	}
	if got, _ := os.ReadFile(filepath.Join(mount, "log")); string(got) != "kept;" {
		t.Fatalf("after the cut the file reads %q, want kept;", got)
	}
	if info, err := os.Stat(filepath.Join(mount, "new")); err != nil || info.Size() != 0 {
		t.Fatalf("the never forced file after the cut: %v, %v (want it there, empty)", info, err)
	}
	if got, _ := os.ReadFile(filepath.Join(backing, "log")); string(got) != "kept;" {
		t.Fatalf("the backing file holds %q, want kept;", got)
	}
}
