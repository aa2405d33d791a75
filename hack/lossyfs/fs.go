package main

import (
	"context"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// node is a file or directory of the backing directory. A file's writes stay in the cache until the
// file is forced; a change to a directory (create, remove, rename) goes to the backing directory at
// once but stays in the journal, which a cut undoes, until that directory is forced. Truncations,
// modes and times go to the backing file at once, as do hard and symbolic links (not modelled).
type node struct {
	fs.LoopbackNode
	cache   *cache
	journal *journal
}

var _ = (fs.NodeOpener)((*node)(nil))
var _ = (fs.NodeCreater)((*node)(nil))
var _ = (fs.NodeGetattrer)((*node)(nil))
var _ = (fs.NodeSetattrer)((*node)(nil))
var _ = (fs.NodeCopyFileRanger)((*node)(nil))
var _ = (fs.NodeMkdirer)((*node)(nil))
var _ = (fs.NodeUnlinker)((*node)(nil))
var _ = (fs.NodeRmdirer)((*node)(nil))
var _ = (fs.NodeRenamer)((*node)(nil))
var _ = (fs.NodeOpendirHandler)((*node)(nil))

func newRoot(backing string, c *cache, j *journal) (fs.InodeEmbedder, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(backing, &st); err != nil {
		return nil, err
	}
	data := &fs.LoopbackRoot{Path: backing, Dev: uint64(st.Dev)}
	data.NewNode = func(r *fs.LoopbackRoot, parent *fs.Inode, name string, st *syscall.Stat_t) fs.InodeEmbedder {
		return &node{LoopbackNode: fs.LoopbackNode{RootData: r}, cache: c, journal: j}
	}
	root := data.NewNode(data, nil, "", &st)
	data.RootNode = root
	return root, nil
}

func (n *node) backingPath() string {
	return filepath.Join(n.RootData.Path, n.Path(nil))
}

func (n *node) pages() *pages {
	return n.cache.of(n.StableAttr().Ino)
}

// Open opens the backing file for reading and writing whatever the caller asked (the kernel enforces
// the caller's mode): a force through any descriptor writes the file's unforced writes out.
func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	f, err := os.OpenFile(n.backingPath(), os.O_RDWR|int(flags&syscall.O_TRUNC), 0)
	if err != nil {
		return nil, 0, fs.ToErrno(err)
	}
	p := n.pages()
	if flags&syscall.O_TRUNC != 0 {
		p.mu.Lock()
		p.truncate(0)
		p.mu.Unlock()
	}
	// the kernel's page cache may hold what was read and written through this mount (every write still
	// comes here at once: no writeback caching); a cut unmounts, and the next mount starts with none
	return &file{f: f, pages: p}, 0, 0
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	inode, fh, _, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	if r, ok := fh.(fs.FileReleaser); ok {
		r.Release(ctx)
	}
	// not attached to this directory until Create returns: its path is this one's and its name
	f, err := os.OpenFile(filepath.Join(n.backingPath(), name), os.O_RDWR, 0)
	if err != nil {
		return nil, nil, 0, fs.ToErrno(err)
	}
	n.journal.created(filepath.Join(n.backingPath(), name))
	return inode, &file{f: f, pages: n.cache.fresh(inode.StableAttr().Ino)}, 0, 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	inode, errno := n.LoopbackNode.Mkdir(ctx, name, mode, out)
	if errno == 0 {
		n.journal.created(filepath.Join(n.backingPath(), name))
	}
	return inode, errno
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	return fs.ToErrno(n.journal.remove(filepath.Join(n.backingPath(), name)))
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	path := filepath.Join(n.backingPath(), name)
	entries, err := os.ReadDir(path)
	if err != nil {
		return fs.ToErrno(err)
	}
	if len(entries) > 0 {
		return syscall.ENOTEMPTY
	}
	return fs.ToErrno(n.journal.remove(path))
}

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	const noReplace, exchange = 1, 2 // RENAME_NOREPLACE, RENAME_EXCHANGE
	if flags&exchange != 0 {
		return syscall.ENOTSUP
	}
	to := filepath.Join(newParent.(*node).backingPath(), newName)
	if flags&noReplace != 0 {
		if _, err := os.Lstat(to); err == nil {
			return syscall.EEXIST
		}
	}
	return fs.ToErrno(n.journal.rename(filepath.Join(n.backingPath(), name), to))
}

// OpendirHandle answers a directory whose force makes the changes to it durable.
func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	inner, fuseFlags, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return &dir{inner: inner, path: n.backingPath(), journal: n.journal}, fuseFlags, 0
}

// dir is an open directory: listing as the backing one's, and a force that makes its changes durable.
type dir struct {
	inner   fs.FileHandle
	path    string
	journal *journal
}

var _ = (fs.FileReaddirenter)((*dir)(nil))
var _ = (fs.FileSeekdirer)((*dir)(nil))
var _ = (fs.FileReleasedirer)((*dir)(nil))
var _ = (fs.FileFsyncdirer)((*dir)(nil))

func (d *dir) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	return d.inner.(fs.FileReaddirenter).Readdirent(ctx)
}

func (d *dir) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	return d.inner.(fs.FileSeekdirer).Seekdir(ctx, off)
}

func (d *dir) Releasedir(ctx context.Context, flags uint32) {
	d.inner.(fs.FileReleasedirer).Releasedir(ctx, flags)
}

func (d *dir) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	if errno := d.inner.(fs.FileFsyncdirer).Fsyncdir(ctx, flags); errno != 0 {
		return errno
	}
	d.journal.forced(d.path)
	return 0
}

func (n *node) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if f, ok := fh.(*file); ok {
		return f.Getattr(ctx, out)
	}
	if errno := n.LoopbackNode.Getattr(ctx, nil, out); errno != 0 {
		return errno
	}
	if out.Mode&syscall.S_IFMT == syscall.S_IFREG {
		p := n.pages()
		p.mu.Lock()
		out.Size = uint64(max(int64(out.Size), p.end()))
		p.mu.Unlock()
	}
	return 0
}

// Setattr changes the backing file by its path (mode, owner, times, size); a size also cuts the
// unforced writes beyond it.
func (n *node) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if errno := n.LoopbackNode.Setattr(ctx, nil, in, out); errno != 0 {
		return errno
	}
	if size, ok := in.GetSize(); ok {
		p := n.pages()
		p.mu.Lock()
		p.truncate(int64(size))
		p.mu.Unlock()
	}
	return n.Getattr(ctx, fh, out)
}

// CopyFileRange is refused so that the kernel copies by reads and writes, which see the cache.
func (n *node) CopyFileRange(ctx context.Context, fhIn fs.FileHandle, offIn uint64, out *fs.Inode, fhOut fs.FileHandle,
	offOut uint64, length uint64, flags uint64) (uint32, syscall.Errno) {
	return 0, syscall.ENOSYS
}

// file is an open file: reads see the forced content with the unforced writes over it, writes go to
// the cache, a force writes them to the backing file and forces it.
type file struct {
	f     *os.File
	pages *pages
}

var _ = (fs.FileReader)((*file)(nil))
var _ = (fs.FileWriter)((*file)(nil))
var _ = (fs.FileFsyncer)((*file)(nil))
var _ = (fs.FileFlusher)((*file)(nil))
var _ = (fs.FileReleaser)((*file)(nil))
var _ = (fs.FileGetattrer)((*file)(nil))

func (f *file) fd() int {
	return int(f.f.Fd())
}

func (f *file) Read(ctx context.Context, buf []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	f.pages.mu.Lock()
	defer f.pages.mu.Unlock()
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd(), &st); err != nil {
		return nil, fs.ToErrno(err)
	}
	size := max(st.Size, f.pages.end())
	if off >= size {
		return fuse.ReadResultData(nil), 0
	}
	out := buf[:min(int64(len(buf)), size-off)]
	clear(out)
	for read := 0; read < len(out); {
		k, err := syscall.Pread(f.fd(), out[read:], off+int64(read))
		if err != nil {
			return nil, fs.ToErrno(err)
		}
		if k == 0 {
			break
		}
		read += k
	}
	f.pages.overlay(out, off)
	return fuse.ReadResultData(out), 0
}

func (f *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	f.pages.mu.Lock()
	defer f.pages.mu.Unlock()
	f.pages.write(off, data)
	return uint32(len(data)), 0
}

func (f *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	f.pages.mu.Lock()
	for _, e := range f.pages.take() {
		for written := 0; written < len(e.data); {
			k, err := syscall.Pwrite(f.fd(), e.data[written:], e.off+int64(written))
			if err != nil {
				f.pages.mu.Unlock()
				return fs.ToErrno(err)
			}
			written += k
		}
	}
	f.pages.mu.Unlock()
	const fdatasync = 1 // FUSE_FSYNC_FDATASYNC
	if flags&fdatasync != 0 {
		return fs.ToErrno(syscall.Fdatasync(f.fd()))
	}
	return fs.ToErrno(syscall.Fsync(f.fd()))
}

// Flush (a close) forces nothing, as close(2) does not.
func (f *file) Flush(ctx context.Context) syscall.Errno {
	return 0
}

func (f *file) Release(ctx context.Context) syscall.Errno {
	return fs.ToErrno(f.f.Close())
}

func (f *file) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	f.pages.mu.Lock()
	defer f.pages.mu.Unlock()
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd(), &st); err != nil {
		return fs.ToErrno(err)
	}
	out.FromStat(&st)
	out.Size = uint64(max(st.Size, f.pages.end()))
	return 0
}
