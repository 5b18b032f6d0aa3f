package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// The real tools speak the MongoDB wire protocol to mongod on
// localhost:27017 or its unix socket /tmp/mongodb-27017.sock. The stand-in
// keeps the socket and swaps the protocol for one JSON request line, then
// either one JSON reply line (commands) or a raw stream (dump, restore).
func (l layout) mongoSocket() string { return l.path("/tmp/mongodb-27017.sock") }

type mongoRequest struct {
	Op          string          `json:"op"` // command, dump, restore
	User        string          `json:"user,omitempty"`
	Pass        string          `json:"pass,omitempty"`
	DB          string          `json:"db,omitempty"`
	Cmd         json.RawMessage `json:"cmd,omitempty"`
	Oplog       bool            `json:"oplog,omitempty"`
	Drop        bool            `json:"drop,omitempty"`
	OplogReplay bool            `json:"oplogReplay,omitempty"`
}

// mongoError is a server error reply: {ok: 0, errmsg, code, codeName}.
type mongoError struct {
	Code     int    `json:"code"`
	CodeName string `json:"codeName"`
	Errmsg   string `json:"errmsg"`
}

func (e *mongoError) Error() string { return e.Errmsg }

func merr(code int, name, format string, a ...any) *mongoError {
	return &mongoError{Code: code, CodeName: name, Errmsg: fmt.Sprintf(format, a...)}
}

// credentials are the user and password of APPSMITH_DB_URL: the real
// entrypoint creates that user and mongod runs with --keyFile, so auth is on.
func credentials(uri string) (user, pass string) {
	u, err := url.Parse(uri)
	if err != nil || u.User == nil {
		return "", ""
	}
	p, _ := u.User.Password()
	return u.User.Username(), p
}

func (m *mongod) listen(l layout) (net.Listener, error) {
	_ = os.Remove(l.mongoSocket()) // left behind by a killed container
	return net.Listen("unix", l.mongoSocket())
}

func (m *mongod) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			m.handle(c)
		}()
	}
}

func (m *mongod) handle(c net.Conn) {
	br := bufio.NewReader(c)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return
	}
	var req mongoRequest
	if err := json.Unmarshal(line, &req); err != nil {
		return
	}
	reply := func(v any, err error) {
		if err != nil {
			var me *mongoError
			if !errors.As(err, &me) {
				me = merr(1, "InternalError", "%v", err)
			}
			v = ordered{{"ok", 0}, {"errmsg", me.Errmsg}, {"code", me.Code}, {"codeName", me.CodeName}}
		}
		b, _ := json.Marshal(v)
		_, _ = c.Write(append(b, '\n'))
	}
	if err := m.auth(req); err != nil {
		reply(nil, err)
		return
	}
	switch req.Op {
	case "command":
		v, err := m.command(req.DB, req.Cmd)
		if o, ok := v.(ordered); ok && err == nil {
			v = append(o, clusterTime()...)
		}
		reply(v, err)
	case "dump":
		// The reply line says whether the stream follows.
		if req.Oplog && req.DB != "" {
			reply(nil, merr(2, "BadValue", "--oplog mode only supported on full dumps"))
			return
		}
		reply(ordered{{"ok", 1}}, nil)
		_ = m.dump(c, req.DB, req.Oplog)
	case "restore":
		reply(m.restore(br, req.Drop, req.OplogReplay))
	default:
		reply(nil, merr(59, "CommandNotFound", "no such command: '%s'", req.Op))
	}
}

// clusterTime is what every reply of a replica-set member carries (the
// embedded mongod runs as replica set mr1), in extended JSON.
func clusterTime() ordered {
	ts := ordered{{"$timestamp", ordered{{"t", time.Now().Unix()}, {"i", 1}}}}
	return ordered{
		{"$clusterTime", ordered{
			{"clusterTime", ts},
			{"signature", ordered{
				{"hash", ordered{{"$binary", ordered{{"base64", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, {"subType", "00"}}}}},
				{"keyId", ordered{{"$numberLong", "0"}}},
			}},
		}},
		{"operationTime", ts},
	}
}

func (m *mongod) auth(req mongoRequest) error {
	m.mu.Lock()
	user, pass := m.user, m.pass
	m.mu.Unlock()
	if user == "" {
		return nil
	}
	if req.User == "" {
		what := req.Op
		if o, err := parseCmd(req.Cmd); err == nil && len(o) > 0 {
			what = o[0].k
		}
		if what == "ping" { // connecting needs no login; commands do
			return nil
		}
		return merr(13, "Unauthorized", "Command %s requires authentication", what)
	}
	if req.User != user || req.Pass != pass {
		return merr(18, "AuthenticationFailed", "Authentication failed.")
	}
	return nil
}

func parseCmd(raw json.RawMessage) (ordered, error) {
	if len(raw) == 0 {
		return nil, merr(9, "FailedToParse", "empty command")
	}
	p := &jsParser{s: string(raw)}
	return p.object()
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case json.Number:
		return x.String() != "0"
	}
	return v != nil
}

// command runs one database command the way mongod answers it.
func (m *mongod) command(db string, raw json.RawMessage) (any, error) {
	cmd, err := parseCmd(raw)
	if err != nil {
		return nil, err
	}
	if len(cmd) == 0 {
		return nil, merr(9, "FailedToParse", "empty command")
	}
	if db == "" {
		db = "test"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return nil, merr(6, "HostUnreachable", "connection closed")
	}
	adminOnly := func() error {
		if db != "admin" {
			return merr(13, "Unauthorized", "%s may only be run against the admin database.", cmd[0].k)
		}
		return nil
	}
	switch name := cmd[0].k; name {
	case "ping":
		return ordered{{"ok", 1}}, nil
	case "hello", "isMaster", "ismaster":
		// The embedded replica set has one member: once it answers, it is
		// the primary (the real one answers false while it elects itself).
		return ordered{{"isWritablePrimary", true}, {"ismaster", true}, {"setName", "mr1"}, {"ok", 1}}, nil
	case "buildInfo", "buildinfo":
		return ordered{{"version", spec.MongoRelease(m.major)}, {"ok", 1}}, nil
	case "getParameter":
		if err := adminOnly(); err != nil {
			return nil, err
		}
		if v, ok := cmd.get("featureCompatibilityVersion"); !ok || !truthy(v) {
			return nil, merr(72, "InvalidOptions", "no option found to get")
		}
		return ordered{{"featureCompatibilityVersion", ordered{{"version", m.state.FCV}}}, {"ok", 1}}, nil
	case "setFeatureCompatibilityVersion":
		if err := adminOnly(); err != nil {
			return nil, err
		}
		return m.setFCV(cmd)
	case "insert":
		coll, _ := cmd[0].v.(string)
		docs, _ := cmd.get("documents")
		list, ok := docs.([]any)
		if !ok {
			return nil, merr(9, "FailedToParse", "BSON field 'insert.documents' is missing but a required field")
		}
		var in []ordered
		for _, d := range list {
			o, ok := d.(ordered)
			if !ok {
				return nil, merr(14, "TypeMismatch", "documents must be objects")
			}
			in = append(in, o)
		}
		if _, _, err := splitNS(db + "." + coll); err != nil {
			return nil, merr(73, "InvalidNamespace", "%v", err)
		}
		if _, err := m.docs.insert(db+"."+coll, in); err != nil {
			var dup *errDuplicate
			if errors.As(err, &dup) {
				return nil, merr(11000, "DuplicateKey", "%v", err)
			}
			return nil, err
		}
		return ordered{{"n", len(in)}, {"ok", 1}}, nil
	case "count":
		coll, _ := cmd[0].v.(string)
		if _, _, err := splitNS(db + "." + coll); err != nil {
			return nil, merr(73, "InvalidNamespace", "%v", err)
		}
		n, err := m.docs.count(db + "." + coll)
		return ordered{{"n", n}, {"ok", 1}}, err
	case "listCollections":
		nss, err := m.docs.namespaces(db)
		names := []any{}
		for _, ns := range nss {
			names = append(names, strings.TrimPrefix(ns, db+"."))
		}
		return ordered{{"names", names}, {"ok", 1}}, err
	default:
		return nil, merr(59, "CommandNotFound", "no such command: '%s'", name)
	}
}

// setFCV accepts only what this mongod binary can run at: its own FCV or the
// one below. MongoDB 7 and later also demand confirm: true; earlier releases
// do not know that field and refuse it.
func (m *mongod) setFCV(cmd ordered) (any, error) {
	target, ok := cmd[0].v.(string)
	if !ok {
		return nil, merr(14, "TypeMismatch", "BSON field 'setFeatureCompatibilityVersion.version' is the wrong type, expected type 'string'")
	}
	confirm, hasConfirm := cmd.get("confirm")
	seven := spec.CompareFCV(m.major, "7.0") >= 0
	if hasConfirm && !seven {
		return nil, merr(40415, "Location40415", "BSON field 'setFeatureCompatibilityVersion.confirm' is an unknown field.")
	}
	low := spec.MinFCV(m.major)
	if target != m.major && target != low {
		return nil, merr(2, "BadValue", "Invalid feature compatibility version value '%s'. Expected one of the following versions: '%s', '%s'. See https://docs.mongodb.com/master/release-notes/%s-compatibility/#feature-compatibility.", target, m.major, low, m.major)
	}
	if seven && !truthy(confirm) {
		if spec.CompareFCV(target, m.state.FCV) < 0 {
			return nil, merr(7369100, "Location7369100", "Once you have downgraded the FCV, if you choose to downgrade the binary version, it will require support assistance. Please re-run this command with 'confirm: true' to acknowledge this and continue with the FCV downgrade.")
		}
		return nil, merr(7369100, "Location7369100", "Once you have upgraded to %s, you will not be able to downgrade FCV and binary version without support assistance. Please re-run this command with 'confirm: true' to acknowledge this and continue with the FCV upgrade.", target)
	}
	if target != m.state.FCV {
		next := *m.state
		next.FCV = target
		if err := writeJSON(m.path, next); err != nil {
			return nil, err
		}
		m.state = &next
	}
	return ordered{{"ok", 1}}, nil
}

// dump streams the archive. Without oplog each collection is read as of the
// moment the dump reaches it; with oplog all are opened at once, the point
// in time the real tool reaches by replaying the oplog it captured.
func (m *mongod) dump(w io.Writer, db string, oplog bool) error {
	m.mu.Lock()
	if m.state == nil {
		m.mu.Unlock()
		return errors.New("mongod not running")
	}
	hdr := archiveHeader{Server: spec.MongoRelease(m.major), Oplog: oplog, AppsmithVersion: m.state.AppsmithVersion}
	nss, err := m.docs.namespaces(db)
	files := map[string]*os.File{}
	for _, ns := range nss {
		if err != nil || !oplog {
			break
		}
		files[ns], err = m.docs.open(ns)
	}
	m.mu.Unlock()
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	if err != nil {
		return err
	}
	aw := newArchiveWriter(w, hdr)
	for _, ns := range nss {
		f, ok := files[ns]
		if !ok {
			m.mu.Lock()
			f, err = m.docs.open(ns)
			m.mu.Unlock()
			if err != nil {
				return err
			}
			files[ns] = f
		}
		var r io.Reader
		if f != nil {
			r = f
		}
		if _, err := aw.collection(ns, r); err != nil {
			return err
		}
	}
	if oplog {
		aw.oplog()
	}
	return aw.close()
}

// restore stages the whole archive beside the data first and applies it only
// once its trailer checks out: a truncated archive changes nothing.
func (m *mongod) restore(r io.Reader, drop, oplogReplay bool) (any, error) {
	ar, err := newArchiveReader(r)
	if err != nil {
		return nil, merr(1, "BadArchive", "%v", err)
	}
	if oplogReplay && !ar.Header.Oplog {
		return nil, merr(2, "BadValue", "no oplog file to replay; make sure you run mongodump with --oplog")
	}
	if err := os.MkdirAll(m.docs.dir, 0o755); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(m.docs.dir, ".restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	var order []string
	var cur *bufio.Writer
	var curFile *os.File
	closeCur := func() error {
		if curFile == nil {
			return nil
		}
		err := cur.Flush()
		if cerr := curFile.Close(); err == nil {
			err = cerr
		}
		curFile = nil
		return err
	}
	defer closeCur()
	for {
		tag, body, err := ar.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, merr(1, "BadArchive", "%v", err)
		}
		switch tag {
		case 'C':
			if err := closeCur(); err != nil {
				return nil, err
			}
			ns := string(body)
			order = append(order, ns)
			if curFile, err = os.Create(filepath.Join(stage, ns+".jsonl")); err != nil {
				return nil, err
			}
			cur = bufio.NewWriter(curFile)
		case 'D':
			if _, err := cur.Write(append(body, '\n')); err != nil {
				return nil, err
			}
		}
	}
	if err := closeCur(); err != nil {
		return nil, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return nil, merr(6, "HostUnreachable", "connection closed")
	}
	restored, failed := 0, 0
	for _, ns := range order {
		added, skipped, err := m.docs.write(ns, drop, true, func(put func([]byte) error) error {
			f, err := os.Open(filepath.Join(stage, ns+".jsonl"))
			if err != nil {
				return err
			}
			defer f.Close()
			return eachLine(f, put)
		})
		if err != nil {
			return nil, err
		}
		restored += added
		failed += skipped
	}
	if ar.Header.AppsmithVersion != "" {
		next := *m.state
		next.AppsmithVersion = ar.Header.AppsmithVersion
		if err := writeJSON(m.path, next); err != nil {
			return nil, err
		}
		m.state = &next
	}
	return ordered{{"restored", restored}, {"failed", failed}, {"ok", 1}}, nil
}

// mongoConn is the client side, shared by mongosh, mongodump and mongorestore.
type mongoConn struct {
	c  net.Conn
	br *bufio.Reader
}

// errRefused is what the tools print when mongod is not running.
var errRefused = errors.New("connect ECONNREFUSED 127.0.0.1:27017")

func dialMongo(l layout, req mongoRequest) (*mongoConn, error) {
	c, err := net.DialTimeout("unix", l.mongoSocket(), 5*time.Second)
	if err != nil {
		return nil, errRefused
	}
	b, _ := json.Marshal(req)
	if _, err := c.Write(append(b, '\n')); err != nil {
		c.Close()
		return nil, errRefused
	}
	return &mongoConn{c: c, br: bufio.NewReader(c)}, nil
}

// reply reads one reply line; an {ok: 0} reply becomes a *mongoError.
func (mc *mongoConn) reply() (ordered, error) {
	line, err := mc.br.ReadBytes('\n')
	if err != nil {
		return nil, errors.New("connection closed")
	}
	o, err := (&jsParser{s: string(line)}).object()
	if err != nil {
		return nil, err
	}
	if ok, _ := o.get("ok"); !truthy(ok) {
		e := &mongoError{}
		_ = json.Unmarshal(line, e)
		return nil, e
	}
	return o, nil
}

// mongoURI is what the tools take from a connection string.
type mongoURI struct {
	user, pass, db string
}

func parseMongoURI(s string) (mongoURI, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
		return mongoURI{}, fmt.Errorf("Invalid scheme, expected connection string to start with \"mongodb://\" or \"mongodb+srv://\"")
	}
	var m mongoURI
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	m.db = strings.TrimPrefix(u.Path, "/")
	return m, nil
}
