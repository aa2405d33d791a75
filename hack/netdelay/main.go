// netdelay delays TCP connections by a time set while it runs: a stand-in for netem's delay, which this
// kernel lacks. It listens on local addresses and forwards each connection to its target, holding every
// chunk read, in each direction, for the delay in force when it was read (order kept). The network fault
// tests run one in each store's network namespace, with the connections to the other stores' replication
// ports redirected to it by iptables; its own connections carry a mark those rules skip.
//
//	netdelay -control FILE -map LISTEN=TARGET [-map ...]
//
// FILE holds the delay in milliseconds (absent or empty: none), read every 20 ms. It prints "ready" once
// every listener is open.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Mark is the socket mark of netdelay's own connections (SO_MARK), which the redirect rules skip.
const Mark = 0x4b56

type mappings []string

func (m *mappings) String() string     { return strings.Join(*m, ",") }
func (m *mappings) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	control := flag.String("control", "", "file holding the delay in milliseconds")
	var maps mappings
	flag.Var(&maps, "map", "LISTEN=TARGET, e.g. 127.0.0.1:41000=10.0.0.10:7100")
	flag.Parse()
	if *control == "" || len(maps) == 0 {
		fmt.Fprintln(os.Stderr, "usage: netdelay -control FILE -map LISTEN=TARGET [-map ...]")
		os.Exit(2)
	}
	delay := &atomic.Int64{}
	go watch(*control, delay)
	for _, m := range maps {
		listen, target, ok := strings.Cut(m, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "netdelay: bad -map %q\n", m)
			os.Exit(2)
		}
		l, err := net.Listen("tcp", listen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "netdelay: listen %s: %v\n", listen, err)
			os.Exit(1)
		}
		go accept(l, target, delay)
	}
	fmt.Println("ready")
	select {}
}

func watch(control string, delay *atomic.Int64) {
	for {
		delay.Store(readDelay(control).Nanoseconds())
		time.Sleep(20 * time.Millisecond)
	}
}

func readDelay(control string) time.Duration {
	b, err := os.ReadFile(control)
	if err != nil {
		return 0
	}
	ms, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || ms < 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

func accept(l net.Listener, target string, delay *atomic.Int64) {
	for {
		client, err := l.Accept()
		if err != nil {
			return
		}
		go forward(client, target, delay)
	}
}

// dialer marks its sockets, so that the redirect rules let them through to the real target.
var dialer = net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, c syscall.RawConn) error {
	var err error
	c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_MARK, Mark) })
	return err
}}

func forward(client net.Conn, target string, delay *atomic.Int64) {
	server, err := dialer.Dial("tcp", target)
	if err != nil {
		client.Close()
		return
	}
	var both sync.WaitGroup
	both.Add(2)
	go func() { pipe(client, server, delay); both.Done() }()
	go func() { pipe(server, client, delay); both.Done() }()
	go func() { both.Wait(); client.Close(); server.Close() }()
}

type chunk struct {
	due  time.Time
	data []byte
}

// pipe copies from to to, each chunk no earlier than the delay in force when it was read. At from's end
// of writing (EOF) what was read goes out and then to's write side is shut, a half close as the sender
// made (the other direction goes on); a failed write, or a read error other than EOF, closes both
// connections at once, as a reset would.
func pipe(from, to net.Conn, delay *atomic.Int64) {
	queue := make(chan chunk, 4096)
	var readErr error // set before the queue closes, read after
	go func() {
		defer close(queue)
		for {
			buf := make([]byte, 32*1024)
			n, err := from.Read(buf)
			if n > 0 {
				queue <- chunk{due: time.Now().Add(time.Duration(delay.Load())), data: buf[:n]}
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	for c := range queue {
		if wait := time.Until(c.due); wait > 0 {
			time.Sleep(wait)
		}
		if _, err := to.Write(c.data); err != nil {
			from.Close()
			to.Close()
			for range queue {
				// the reader ends on the closed connection; nothing it queued meanwhile goes out
			}
			return
		}
	}
	if tcp, ok := to.(*net.TCPConn); ok && errors.Is(readErr, io.EOF) {
		tcp.CloseWrite()
		return
	}
	from.Close()
	to.Close()
}
