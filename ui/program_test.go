package ui

import (
	"bytes"
	"io"
	"os"
	"sync"
	"testing"
	"time"
)

// safeBuffer is a bytes.Buffer the program can write while a test reads.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ioPipe is a keyboard for Run: what the test writes, the program reads.
func ioPipe() (io.Reader, io.Writer) { return io.Pipe() }

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	for _, c := range []struct {
		name string
		in   io.Reader
		out  io.Writer
	}{
		{"buffers", &b, &b},
		{"files", f, f},
		{"nil", nil, nil},
	} {
		if IsTerminal(c.in, c.out) {
			t.Errorf("%s: IsTerminal is true", c.name)
		}
	}
}
