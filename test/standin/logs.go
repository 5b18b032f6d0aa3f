package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// console is the container's stdout, which is what `docker logs` shows. The
// entrypoint prints its progress there and, like the real image's
// supervisor_stdout listener, every program line is echoed as
// "<program> stdout | <line>".
type console struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *console) Printf(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, format+"\n", a...)
}

// progLog writes one program's output where supervisord would: the file
// names come from Appsmith's templates/supervisord/*.conf.
type progLog struct {
	name     string
	con      *console
	mu       sync.Mutex
	out, err *os.File // err == out for redirect_stderr=true programs
	// noForward: no forwarder echoes this program's lines to the console
	// (spec.FaultNoForward); they reach only its files.
	noForward bool
}

// logFiles maps a program to its stdout and stderr log, relative to logs/<program>/.
func logFiles(program, host string) (stdout, stderr string) {
	switch program {
	case "backend", "rts":
		f := program + "-" + host + ".log"
		return f, f
	case "redis":
		return "redis.log", "redis.log"
	case "supervisor":
		return "supervisord.log", "supervisord.log"
	default: // editor, mongodb
		return host + "-stdout.log", host + "-stderr.log"
	}
}

func openProgLog(l layout, con *console, program, host string) (*progLog, error) {
	dir := l.stacks("logs", program)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	so, se := logFiles(program, host)
	open := func(name string) (*os.File, error) {
		return os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	}
	out, err := open(so)
	if err != nil {
		return nil, err
	}
	errf := out
	if se != so {
		if errf, err = open(se); err != nil {
			out.Close()
			return nil, err
		}
	}
	return &progLog{name: program, con: con, out: out, err: errf}, nil
}

// Printf logs to the program's stdout log.
func (p *progLog) Printf(format string, a ...any) { p.write(p.out, "stdout", format, a...) }

// Errorf logs to the program's stderr log.
func (p *progLog) Errorf(format string, a ...any) { p.write(p.err, "stderr", format, a...) }

func (p *progLog) write(f *os.File, channel, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	stamp := time.Now().UTC().Format("2006-01-02 15:04:05.000")
	p.mu.Lock()
	for _, line := range strings.Split(msg, "\n") {
		fmt.Fprintf(f, "%s %s\n", stamp, line)
	}
	p.mu.Unlock()
	if p.name == "supervisor" {
		// supervisord's own format: comma before the milliseconds.
		p.con.Printf("%s %s", strings.Replace(stamp, ".", ",", 1), msg)
		return
	}
	if p.noForward {
		return
	}
	for _, line := range strings.Split(msg, "\n") {
		p.con.Printf("%s %s | %s", p.name, channel, line)
	}
}

// raw writes a line as a process would, without a timestamp (mongod's JSON
// log): to its file and, as supervisor's forwarder does with every line a
// program prints, to the console.
func (p *progLog) raw(f *os.File, line string) {
	p.mu.Lock()
	fmt.Fprintln(f, line)
	p.mu.Unlock()
	if p.noForward {
		return
	}
	p.con.Printf("%s stdout | %s", p.name, line)
}

func (p *progLog) Close() {
	p.out.Close()
	if p.err != p.out {
		p.err.Close()
	}
}
