package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// docStore is the embedded database's documents: one file per collection,
// data/mongodb/standin-docs/<db>.<collection>.jsonl, one JSON document a
// line. Every write replaces a file by rename, so a reader holding a file
// open keeps a consistent snapshot: that is how a dump stays point in time
// while the application writes.
type docStore struct {
	dir string
}

// maxDocSize is MongoDB's BSON document limit; it also bounds the memory a
// line of a collection file or an archive can take.
const maxDocSize = 16 << 20

var namePart = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// splitNS checks "db.collection"; collection names may contain dots, as in MongoDB.
func splitNS(ns string) (db, coll string, err error) {
	db, coll, ok := strings.Cut(ns, ".")
	if !ok || !namePart.MatchString(db) || coll == "" || strings.HasPrefix(coll, ".") || strings.HasSuffix(coll, ".") {
		return "", "", fmt.Errorf("Invalid namespace specified '%s'", ns)
	}
	for _, p := range strings.Split(coll, ".") {
		if !namePart.MatchString(p) {
			return "", "", fmt.Errorf("Invalid namespace specified '%s'", ns)
		}
	}
	return db, coll, nil
}

func (s docStore) file(ns string) string { return filepath.Join(s.dir, ns+".jsonl") }

// namespaces lists the collections, sorted, optionally of one database.
func (s docStore) namespaces(db string) ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		ns, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok || strings.HasPrefix(ns, ".") {
			continue
		}
		if d, _, err := splitNS(ns); err == nil && (db == "" || d == db) {
			out = append(out, ns)
		}
	}
	sort.Strings(out)
	return out, nil
}

// open returns the collection's current file, or nil for an empty collection.
func (s docStore) open(ns string) (*os.File, error) {
	f, err := os.Open(s.file(ns))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return f, err
}

// eachLine calls fn with every document of r without holding more than one.
func eachLine(r io.Reader, fn func([]byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxDocSize+1)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}

func (s docStore) count(ns string) (int, error) {
	f, err := s.open(ns)
	if f == nil || err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	err = eachLine(f, func([]byte) error { n++; return nil })
	return n, err
}

// docID is the canonical JSON of a document's _id, the key duplicates are found by.
func docID(doc []byte) (string, error) {
	var d struct {
		ID json.RawMessage `json:"_id"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return "", fmt.Errorf("corrupt document: %v", err)
	}
	var v any
	if err := json.Unmarshal(d.ID, &v); err != nil {
		return "", fmt.Errorf("document without _id")
	}
	b, _ := json.Marshal(v)
	return string(b), nil
}

// newObjectID is a fresh ObjectId in extended JSON.
func newObjectID() map[string]string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return map[string]string{"$oid": hex.EncodeToString(b[:])}
}

// errDuplicate is MongoDB's E11000.
type errDuplicate struct{ ns, id string }

func (e *errDuplicate) Error() string {
	return fmt.Sprintf("E11000 duplicate key error collection: %s index: _id_ dup key: { _id: %s }", e.ns, e.id)
}

// write replaces collection ns with what fill writes, keeping the existing
// documents first unless drop. fill gets a put that refuses (or, with
// skipDup, skips and counts) documents whose _id already exists.
func (s docStore) write(ns string, drop, skipDup bool, fill func(put func([]byte) error) error) (added, skipped int, err error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return 0, 0, err
	}
	tmp, err := os.CreateTemp(s.dir, "."+ns+".*.tmp")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	w := bufio.NewWriter(tmp)
	seen := map[string]bool{}
	if !drop {
		f, err := s.open(ns)
		if err != nil {
			return 0, 0, err
		}
		if f != nil {
			err = eachLine(f, func(doc []byte) error {
				id, err := docID(doc)
				if err != nil {
					return fmt.Errorf("%s: %v", s.file(ns), err)
				}
				seen[id] = true
				_, err = w.Write(append(doc, '\n'))
				return err
			})
			f.Close()
			if err != nil {
				return 0, 0, err
			}
		}
	}
	put := func(doc []byte) error {
		id, err := docID(doc)
		if err != nil {
			return err
		}
		if seen[id] {
			if skipDup {
				skipped++
				return nil
			}
			return &errDuplicate{ns: ns, id: id}
		}
		seen[id] = true
		added++
		_, err = w.Write(append(bytes.TrimSpace(doc), '\n'))
		return err
	}
	if err := fill(put); err != nil {
		return 0, 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, 0, err
	}
	if err := tmp.Sync(); err != nil {
		return 0, 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, 0, err
	}
	return added, skipped, os.Rename(tmp.Name(), s.file(ns))
}

// insert adds documents, giving each without an _id a new ObjectId.
func (s docStore) insert(ns string, docs []ordered) ([]any, error) {
	ids := make([]any, len(docs))
	_, _, err := s.write(ns, false, false, func(put func([]byte) error) error {
		for i, d := range docs {
			id, ok := d.get("_id")
			if !ok {
				id = newObjectID()
				d = append(ordered{{"_id", id}}, d...)
			}
			ids[i] = id
			b, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if err := put(b); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}
