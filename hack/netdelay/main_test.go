package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func echoServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						c.Close()
						return
					}
					c.Write([]byte(line))
				}
			}()
		}
	}()
	return l.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, msg string) time.Duration {
	start := time.Now()
	if _, err := c.Write([]byte(msg + "\n")); err != nil {
		t.Fatal(err)
	}
	line, err := r.ReadString('\n')
	if err != nil || line != msg+"\n" {
		t.Fatalf("echo %q (%v), want %q", line, err, msg)
	}
	return time.Since(start)
}

func TestARoundTripTakesTwiceTheDelayInForceAndNoneOnceItIsLifted(t *testing.T) {
	control := filepath.Join(t.TempDir(), "delay")
	delay := &atomic.Int64{}
	go watch(control, delay)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go accept(l, echoServer(t), delay)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)

	if took := roundTrip(t, c, r, "before"); took > 100*time.Millisecond {
		t.Fatalf("without a delay a round trip took %v", took)
	}
	os.WriteFile(control, []byte("150\n"), 0o600)
	time.Sleep(100 * time.Millisecond)
	if took := roundTrip(t, c, r, "during"); took < 300*time.Millisecond {
		t.Fatalf("with 150 ms each way a round trip took %v, want at least 300 ms", took)
	}
	os.WriteFile(control, []byte("0"), 0o600)
	time.Sleep(100 * time.Millisecond)
	if took := roundTrip(t, c, r, "after"); took > 100*time.Millisecond {
		t.Fatalf("once lifted a round trip took %v", took)
	}
}

// A client that shuts its write side (a half close) still gets the answer the server sends after
// reading to the end: the forwarder passes the half close on, not a full close.
func TestAHalfCloseIsPassedOnAndTheAnswerStillComesBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	go func() {
		c, err := target.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		got, _ := io.ReadAll(c) // to the client's end of writing
		c.Write([]byte("read " + string(got)))
	}()
	delay := &atomic.Int64{}
	go accept(l, target.Addr().String(), delay)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ping"))
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	answer, err := io.ReadAll(c)
	if string(answer) != "read ping" {
		t.Fatalf("after a half close the client read %q (%v), want %q", answer, err, "read ping")
	}
}
