// lossyfs mounts a directory through FUSE with a page cache of its own that a power cut can lose: writes
// stay in memory until the file is forced (fsync, fdatasync), and SIGUSR1 drops every unforced write of
// every file, as losing power drops the kernel's page cache. The power-loss tests run each store's data
// directory through one, kill -9 the stores, cut, and start them again on what was forced.
//
//	lossyfs -backing DIR -mount DIR
//
// It prints "mounted" once the mount serves, "cut files=N bytes=M" after each SIGUSR1, and unmounts on
// SIGTERM or SIGINT. It needs root (or CAP_SYS_ADMIN) and /dev/fuse.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
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
	server, err := serve(*backing, *mount, c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lossyfs: mount %s: %v (needs root and /dev/fuse)\n", *mount, err)
		os.Exit(1)
	}
	fmt.Println("mounted")
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	for s := range signals {
		if s == syscall.SIGUSR1 {
			files, bytes := c.powerCut()
			fmt.Printf("cut files=%d bytes=%d\n", files, bytes)
			continue
		}
		if err := server.Unmount(); err != nil {
			fmt.Fprintf(os.Stderr, "lossyfs: unmount %s: %v\n", *mount, err)
			os.Exit(1)
		}
		return
	}
}

func serve(backing, mount string, c *cache) (*fuse.Server, error) {
	root, err := newRoot(backing, c)
	if err != nil {
		return nil, err
	}
	// no attribute or entry caching in the kernel: a size it remembered would outlive a cut
	zero := time.Duration(0)
	return fs.Mount(mount, root, &fs.Options{
		MountOptions: fuse.MountOptions{DirectMountStrict: true, FsName: "lossyfs", Name: "lossyfs"},
		AttrTimeout:  &zero, EntryTimeout: &zero, NegativeTimeout: &zero,
	})
}
