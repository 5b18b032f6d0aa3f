package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
)

// The stand-in's mongodump archive: its own format (the real one is BSON),
// one record a line, "<tag> <json>":
//
//	standin-mongodump-archive 1
//	H {"server":"6.0.13","oplog":true,"appsmithVersion":"v1.9.2"}
//	C {"ns":"appsmith.users"}
//	D {"_id":...}              one per document of the collection above
//	O {"entries":0}            only with --oplog
//	T {"collections":1,"documents":2,"sha256":"..."}
//
// The trailer's hash covers every byte before it, so a truncated or damaged
// archive is refused as a whole, as mongorestore refuses one that ends early.
const archiveMagic = "standin-mongodump-archive 1"

type archiveHeader struct {
	Server          string `json:"server"`
	Oplog           bool   `json:"oplog"`
	AppsmithVersion string `json:"appsmithVersion,omitempty"`
}

type archiveTrailer struct {
	Collections int    `json:"collections"`
	Documents   int    `json:"documents"`
	SHA256      string `json:"sha256"`
}

type archiveWriter struct {
	w      *bufio.Writer
	h      hash.Hash
	colls  int
	docs   int
	failed error
}

func newArchiveWriter(w io.Writer, hdr archiveHeader) *archiveWriter {
	a := &archiveWriter{w: bufio.NewWriterSize(w, 64<<10), h: sha256.New()}
	a.raw([]byte(archiveMagic))
	a.record('H', hdr)
	return a
}

func (a *archiveWriter) raw(line []byte) {
	if a.failed != nil {
		return
	}
	a.h.Write(line)
	a.h.Write([]byte{'\n'})
	if _, err := a.w.Write(line); err != nil {
		a.failed = err
		return
	}
	a.failed = a.w.WriteByte('\n')
}

func (a *archiveWriter) record(tag byte, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.failed = err
		return
	}
	a.raw(append([]byte{tag, ' '}, b...))
}

// collection streams the documents of one collection file (nil = empty).
func (a *archiveWriter) collection(ns string, r io.Reader) (int, error) {
	a.colls++
	a.record('C', map[string]string{"ns": ns})
	n := 0
	if r != nil {
		err := eachLine(r, func(doc []byte) error {
			n++
			a.raw(append([]byte("D "), doc...))
			return a.failed
		})
		if err != nil {
			return n, err
		}
	}
	a.docs += n
	return n, a.failed
}

func (a *archiveWriter) oplog() { a.record('O', map[string]int{"entries": 0}) }

func (a *archiveWriter) close() error {
	sum := hex.EncodeToString(a.h.Sum(nil))
	a.record('T', archiveTrailer{Collections: a.colls, Documents: a.docs, SHA256: sum})
	if a.failed != nil {
		return a.failed
	}
	return a.w.Flush()
}

// errBadArchive is what mongorestore reports for an archive it cannot read.
var errBadArchive = errors.New("corruption found in archive")

// archiveReader walks an archive, checking it as it goes; next returns the
// records in order and io.EOF only after a trailer that matches.
type archiveReader struct {
	sc      *lineReader
	h       hash.Hash
	Header  archiveHeader
	colls   int
	docs    int
	inColl  bool
	trailed bool
}

func newArchiveReader(r io.Reader) (*archiveReader, error) {
	sc := &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
	a := &archiveReader{sc: sc, h: sha256.New()}
	if !sc.Scan() || sc.Text() != archiveMagic {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%w: %v", errBadArchive, err)
		}
		return nil, fmt.Errorf("%w: stream or file does not appear to be a mongodump archive", errBadArchive)
	}
	a.h.Write(append(sc.Bytes(), '\n'))
	tag, body, err := a.next()
	if err != nil {
		return nil, err
	}
	if tag != 'H' {
		return nil, fmt.Errorf("%w: no archive header", errBadArchive)
	}
	if err := json.Unmarshal(body, &a.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", errBadArchive, err)
	}
	return a, nil
}

// next returns the next record: 'C' (body = namespace), 'D' (body = document)
// or 'O'; io.EOF after a verified trailer.
func (a *archiveReader) next() (byte, []byte, error) {
	if a.trailed {
		return 0, nil, io.EOF
	}
	if !a.sc.Scan() {
		if err := a.sc.Err(); err != nil {
			return 0, nil, fmt.Errorf("%w: %v", errBadArchive, err)
		}
		return 0, nil, fmt.Errorf("%w: archive ends early (truncated?)", errBadArchive)
	}
	line := a.sc.Bytes()
	if len(line) < 2 || line[1] != ' ' {
		return 0, nil, fmt.Errorf("%w: unreadable record", errBadArchive)
	}
	tag, body := line[0], line[2:]
	if tag == 'T' {
		var t archiveTrailer
		if err := json.Unmarshal(body, &t); err != nil {
			return 0, nil, fmt.Errorf("%w: trailer: %v", errBadArchive, err)
		}
		if t.SHA256 != hex.EncodeToString(a.h.Sum(nil)) || t.Collections != a.colls || t.Documents != a.docs {
			return 0, nil, fmt.Errorf("%w: checksum mismatch", errBadArchive)
		}
		if a.sc.Scan() || a.sc.Err() != nil {
			return 0, nil, fmt.Errorf("%w: data after the end of the archive", errBadArchive)
		}
		a.trailed = true
		return 0, nil, io.EOF
	}
	a.h.Write(line)
	a.h.Write([]byte{'\n'})
	switch tag {
	case 'H', 'O':
		return tag, body, nil
	case 'C':
		var c struct {
			NS string `json:"ns"`
		}
		if err := json.Unmarshal(body, &c); err != nil {
			return 0, nil, fmt.Errorf("%w: collection record: %v", errBadArchive, err)
		}
		if _, _, err := splitNS(c.NS); err != nil {
			return 0, nil, fmt.Errorf("%w: %v", errBadArchive, err)
		}
		a.colls++
		a.inColl = true
		return 'C', []byte(c.NS), nil
	case 'D':
		if !a.inColl {
			return 0, nil, fmt.Errorf("%w: document outside a collection", errBadArchive)
		}
		if _, err := docID(body); err != nil {
			return 0, nil, fmt.Errorf("%w: %v", errBadArchive, err)
		}
		a.docs++
		return 'D', body, nil
	}
	return 0, nil, fmt.Errorf("%w: unknown record %q", errBadArchive, tag)
}

// lineReader is a bufio.Scanner that insists on the newline ending every
// line: an archive cut right before its last newline is still truncated.
type lineReader struct {
	r    *bufio.Reader
	line []byte
	err  error
}

func (l *lineReader) Scan() bool {
	l.line = l.line[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.line = append(l.line, chunk...)
		if len(l.line) > maxDocSize+64 {
			l.err = errors.New("record too long")
			return false
		}
		switch {
		case err == nil:
			l.line = l.line[:len(l.line)-1]
			return true
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(l.line) > 0 {
				l.err = errors.New("archive ends in the middle of a record (truncated?)")
			}
			return false
		default:
			l.err = err
			return false
		}
	}
}

func (l *lineReader) Bytes() []byte { return l.line }
func (l *lineReader) Text() string  { return string(l.line) }
func (l *lineReader) Err() error    { return l.err }
