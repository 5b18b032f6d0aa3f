package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// toolOpts is the command line of mongodump and mongorestore that the
// stand-in understands. Both stream archives only: without --archive the
// real tools read or write a dump/ directory, which nothing here uses.
type toolOpts struct {
	uri         mongoURI
	rawURI      string
	archive     string // "-" = stdout/stdin
	hasArchive  bool
	gzip, oplog bool
	drop        bool
	oplogReplay bool
}

func parseToolArgs(tool string, args []string) (toolOpts, error) {
	var o toolOpts
	for i := 0; i < len(args); {
		if n, err := mongoFlag(args, i, &o.uri, &o.rawURI); err != nil || n > 0 {
			if err != nil {
				return o, err
			}
			i += n
			continue
		}
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		switch {
		case name == "--archive":
			o.hasArchive, o.archive = true, "-"
			if hasVal && val != "" {
				o.archive = val
			}
		case a == "--gzip":
			o.gzip = true
		case a == "--oplog" && tool == "mongodump":
			o.oplog = true
		case a == "--drop" && tool == "mongorestore":
			o.drop = true
		case a == "--oplogReplay" && tool == "mongorestore":
			o.oplogReplay = true
		case a == "--quiet" || a == "-v" || a == "--verbose" || name == "--numParallelCollections" || a == "--preserveUUID":
		case !strings.HasPrefix(a, "-") && tool == "mongodump" && o.rawURI == "":
			u, err := parseMongoURI(a)
			if err != nil {
				return o, err
			}
			o.uri, o.rawURI = u, a
		default:
			return o, fmt.Errorf("error parsing command line options: unknown option %q", a)
		}
		i++
	}
	if !o.hasArchive {
		return o, fmt.Errorf("the stand-in %s works only with --archive[=FILE]", tool)
	}
	return o, nil
}

func toolLog(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "%s\t%s\n", time.Now().Format("2006-01-02T15:04:05.000-0700"), fmt.Sprintf(format, a...))
}

func toolFail(w io.Writer, err error) int {
	if errors.Is(err, errRefused) {
		err = fmt.Errorf("can't create session: could not connect to server: server selection error: dial tcp 127.0.0.1:27017: %v", err)
	}
	toolLog(w, "Failed: %v", err)
	return 1
}

// mongodump writes the archive to stdout or --archive=FILE, gzipped with --gzip.
func mongodump(l layout, args []string, stdout, stderr io.Writer) int {
	o, err := parseToolArgs("mongodump", args)
	if err != nil {
		return toolFail(stderr, err)
	}
	conn, err := dialMongo(l, mongoRequest{Op: "dump", User: o.uri.user, Pass: o.uri.pass, DB: o.uri.db, Oplog: o.oplog})
	if err != nil {
		return toolFail(stderr, err)
	}
	defer conn.c.Close()
	if _, err := conn.reply(); err != nil {
		return toolFail(stderr, err)
	}
	out := stdout
	where := "stdout"
	if o.archive != "-" {
		f, err := os.Create(o.archive)
		if err != nil {
			return toolFail(stderr, err)
		}
		defer f.Close()
		out, where = f, "'"+o.archive+"'"
	}
	var zw *gzip.Writer
	if o.gzip {
		zw = gzip.NewWriter(out)
		out = zw
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	sc := bufio.NewScanner(conn.br)
	sc.Buffer(make([]byte, 64<<10), maxDocSize+64)
	ns, n, done := "", 0, false
	flushNS := func() {
		if ns != "" {
			toolLog(stderr, "done dumping %s (%d documents)", ns, n)
		}
	}
	for sc.Scan() {
		line := sc.Bytes()
		if _, err := bw.Write(append(line, '\n')); err != nil {
			return toolFail(stderr, err)
		}
		switch {
		case strings.HasPrefix(string(line), "C "):
			flushNS()
			ns, n = strings.TrimSuffix(strings.TrimPrefix(string(line), `C {"ns":"`), `"}`), 0
			toolLog(stderr, "writing %s to archive on %s", ns, where)
		case strings.HasPrefix(string(line), "D "):
			n++
		case strings.HasPrefix(string(line), "T "):
			done = true
		}
	}
	flushNS()
	if !done {
		return toolFail(stderr, fmt.Errorf("error writing data for collection `%s` to disk: connection closed", ns))
	}
	if err := bw.Flush(); err != nil {
		return toolFail(stderr, err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return toolFail(stderr, err)
		}
	}
	return 0
}

// readErr remembers a failure of the input, to tell a damaged archive from
// a dropped connection.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// mongorestore reads an archive from stdin or --archive=FILE.
func mongorestore(l layout, args []string, stdin io.Reader, stderr io.Writer) int {
	o, err := parseToolArgs("mongorestore", args)
	if err != nil {
		return toolFail(stderr, err)
	}
	in := stdin
	if o.archive != "-" {
		f, err := os.Open(o.archive)
		if err != nil {
			return toolFail(stderr, err)
		}
		defer f.Close()
		in = f
	}
	if o.gzip {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return toolFail(stderr, fmt.Errorf("%w: stream or file does not appear to be a gzipped mongodump archive", errBadArchive))
		}
		in = zr
	}
	src := &readErr{r: in}
	conn, err := dialMongo(l, mongoRequest{Op: "restore", User: o.uri.user, Pass: o.uri.pass, Drop: o.drop, OplogReplay: o.oplogReplay})
	if err != nil {
		return toolFail(stderr, err)
	}
	defer conn.c.Close()
	toolLog(stderr, "preparing collections to restore from")
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(conn.c, src)
		if src.err != nil {
			// A closed socket reads as a clean end, so poison the stream:
			// the server then refuses it as it would a damaged archive.
			_, _ = conn.c.Write([]byte("\n\x00 input failed\n"))
			if uc, ok := conn.c.(*net.UnixConn); ok {
				_ = uc.CloseWrite()
			}
		} else if uc, ok := conn.c.(*net.UnixConn); ok {
			_ = uc.CloseWrite()
		}
		copied <- err
	}()
	res, rerr := conn.reply()
	<-copied
	if src.err != nil {
		return toolFail(stderr, fmt.Errorf("%w: %v", errBadArchive, src.err))
	}
	if rerr != nil {
		return toolFail(stderr, rerr)
	}
	restored, _ := res.get("restored")
	failed, _ := res.get("failed")
	toolLog(stderr, "%v document(s) restored successfully. %v document(s) failed to restore.", restored, failed)
	return 0
}
