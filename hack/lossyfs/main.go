// lossyfs mounts a directory through FUSE with a page cache of its own that a power cut can lose: writes
// stay in memory until the file is forced (fsync, fdatasync), and a change to a directory (a file or
// directory created, removed, renamed) is undone by a cut until that directory is forced. SIGUSR1 is
// the cut: it unmounts, drops every unforced write of every file, undoes every directory change not
// forced (the latest first), and exits; what the backing directory holds then is what a machine would
// find after losing power. The power-loss tests run each store's data directory through one, kill -9
// the stores, cut, mount again and start the stores on what survived.
//
//	lossyfs -backing DIR -mount DIR
//
// It prints "mounted" once the mount serves and "cut files=N bytes=M entries=K" after a cut; SIGTERM or
// SIGINT unmount with no cut. Removed and replaced entries wait in DIR.lossyfs-trash (beside DIR, on
// the same file system) until their directory is forced. It needs root (or CAP_SYS_ADMIN) and /dev/fuse.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

func main() {
	backing := flag.String("backing", "", "the directory that holds what was forced")
	mount := flag.String("mount", "", "where the lossy view is mounted")
	flag.Parse()
	if *backing == "" || *mount == "" {
		fmt.Fprintln(os.Stderr, "usage: lossyfs -backing DIR -mount DIR")
		os.Exit(2)
	}
	c := newCache()
	j, err := newJournal(filepath.Clean(*backing) + ".lossyfs-trash")
	if err != nil {
		fmt.Fprintf(os.Stderr, "lossyfs: trash beside %s: %v\n", *backing, err)
		os.Exit(1)
	}
	// before "mounted": a cut (SIGUSR1) sent as soon as that line shows must not meet the default action (exit)
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	_, err = serve(filepath.Clean(*backing), *mount, c, j)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lossyfs: mount %s: %v (needs root and /dev/fuse)\n", *mount, err)
		os.Exit(1)
	}
	fmt.Println("mounted")
	for s := range signals {
		// no request may run while the backing directory is put back: unmount first. Lazily: a copy of
		// this mount in another mount namespace (a store started by ip netns exec copies every mount)
		// would make a plain unmount fail as busy; those copies die with this process.
		if err := syscall.Unmount(*mount, syscall.MNT_DETACH); err != nil {
			fmt.Fprintf(os.Stderr, "lossyfs: unmount %s: %v\n", *mount, err)
			os.Exit(1)
		}
		if s == syscall.SIGUSR1 {
			entries, err := j.powerCut()
			if err != nil {
				fmt.Fprintf(os.Stderr, "lossyfs: undoing directory changes: %v\n", err)
				os.Exit(1)
			}
			files, bytes := c.powerCut()
			fmt.Printf("cut files=%d bytes=%d entries=%d\n", files, bytes, entries)
		}
		return
	}
}

func serve(backing, mount string, c *cache, j *journal) (*fuse.Server, error) {
	root, err := newRoot(backing, c, j)
	if err != nil {
		return nil, err
	}
	// the kernel may cache names and attributes: every change goes through it while mounted (it keeps
	// sizes itself as it writes and truncates), and a cut, the one change behind its back, unmounts
	cached := 10 * time.Second
	return fs.Mount(mount, root, &fs.Options{
		MountOptions: fuse.MountOptions{DirectMountStrict: true, FsName: "lossyfs", Name: "lossyfs"},
		AttrTimeout:  &cached, EntryTimeout: &cached, NegativeTimeout: &cached,
	})
}
