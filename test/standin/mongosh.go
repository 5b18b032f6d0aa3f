package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// shellOpts is the part of mongosh's command line the stand-in reads.
type shellOpts struct {
	uri    mongoURI
	rawURI string
	evals  []string
	quiet  bool
	json   bool
}

// mongoFlag reads the connection flags mongosh, mongodump and mongorestore
// share; it returns how many arguments it consumed (0 = not one of them).
func mongoFlag(args []string, i int, u *mongoURI, rawURI *string) (int, error) {
	name, val, hasVal := strings.Cut(args[i], "=")
	take := func() (string, int, error) {
		if hasVal {
			return val, 1, nil
		}
		if i+1 >= len(args) {
			return "", 0, fmt.Errorf("option %s needs a value", name)
		}
		return args[i+1], 2, nil
	}
	switch name {
	case "--uri":
		v, n, err := take()
		if err != nil {
			return 0, err
		}
		if *u, err = parseMongoURI(v); err != nil {
			return 0, err
		}
		*rawURI = v
		return n, nil
	case "--config":
		// The database tools' YAML config (mongodump/mongorestore 100.3+):
		// uri and password, so that neither shows in argv.
		v, n, err := take()
		if err != nil {
			return 0, err
		}
		cfg, err := readToolConfig(v)
		if err != nil {
			return 0, err
		}
		if raw, ok := cfg["uri"]; ok {
			if *u, err = parseMongoURI(raw); err != nil {
				return 0, err
			}
			*rawURI = raw
		}
		if p, ok := cfg["password"]; ok {
			u.pass = p
		}
		return n, nil
	case "-u", "--username":
		v, n, err := take()
		u.user = v
		return n, err
	case "-p", "--password":
		v, n, err := take()
		u.pass = v
		return n, err
	case "--host", "--port", "--authenticationDatabase", "--authenticationMechanism":
		_, n, err := take()
		return n, err
	case "-d", "--db":
		v, n, err := take()
		u.db = v
		return n, err
	}
	return 0, nil
}

func parseShellArgs(args []string) (shellOpts, error) {
	var o shellOpts
	for i := 0; i < len(args); {
		a := args[i]
		if n, err := mongoFlag(args, i, &o.uri, &o.rawURI); err != nil || n > 0 {
			if err != nil {
				return o, err
			}
			i += n
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		switch {
		case name == "--eval":
			if !hasVal {
				if i+1 >= len(args) {
					return o, errors.New("option --eval needs a value")
				}
				i++
				val = args[i]
			}
			o.evals = append(o.evals, val)
		case a == "--quiet":
			o.quiet = true
		case name == "--json":
			o.json = true
		case a == "--norc":
		case !strings.HasPrefix(a, "-") && o.rawURI == "":
			u, err := parseMongoURI(a)
			if err != nil {
				return o, err
			}
			user, pass := o.uri.user, o.uri.pass
			o.uri, o.rawURI = u, a
			if user != "" {
				o.uri.user, o.uri.pass = user, pass
			}
		default:
			return o, fmt.Errorf("MongoshInvalidInputError: [COMMON-10001] Error parsing command line: unrecognized option: %s", a)
		}
		i++
	}
	if o.uri.db == "" {
		o.uri.db = "test"
	}
	return o, nil
}

// mongosh runs the --eval scripts against the running mongod and prints the
// value of the last one, as `mongosh --quiet --eval` does.
func mongosh(l layout, args []string, stdout, stderr io.Writer) int {
	o, err := parseShellArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if len(o.evals) == 0 {
		fmt.Fprintln(stderr, "mongosh (stand-in): only --eval scripts are supported, there is no interactive shell")
		return 1
	}
	sh := &shell{l: l, uri: o.uri}
	// Like the real shell, connect (and authenticate) before running anything.
	ping, _ := json.Marshal(ordered{{"ping", 1}})
	if _, err := sh.call(sh.uri.db, ping); err != nil {
		printShellError(stderr, err)
		return 1
	}
	if !o.quiet {
		fmt.Fprintf(stdout, "Current Mongosh Log ID:\t%s\nConnecting to:\t\t%s\nUsing MongoDB:\t\t%s\nUsing Mongosh:\t\t2.1.5\n\n", hexID(), redact(o.rawURI), sh.version())
	}
	var last any
	var have bool
	for _, script := range o.evals {
		v, ok, err := sh.run(script)
		if err != nil {
			printShellError(stderr, err)
			return 1
		}
		last, have = v, ok
	}
	if have {
		if o.json {
			b, _ := json.Marshal(last)
			fmt.Fprintln(stdout, string(b))
		} else {
			fmt.Fprintln(stdout, inspect(last))
		}
	}
	return 0
}

func printShellError(w io.Writer, err error) {
	var me *mongoError
	switch {
	case errors.As(err, &me):
		fmt.Fprintf(w, "MongoServerError: %s\n", me.Errmsg)
	case errors.Is(err, errRefused):
		fmt.Fprintf(w, "MongoNetworkError: %v\n", err)
	default:
		fmt.Fprintln(w, err)
	}
}

func hexID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func redact(uri string) string {
	if uri == "" {
		return "mongodb://127.0.0.1:27017/?directConnection=true"
	}
	u, err := parseMongoURI(uri)
	if err != nil || u.user == "" {
		return uri
	}
	return strings.Replace(uri, u.user+":"+u.pass+"@", "<credentials>@", 1)
}

type shell struct {
	l   layout
	uri mongoURI
}

func (sh *shell) call(db string, cmd []byte) (ordered, error) {
	c, err := dialMongo(sh.l, mongoRequest{Op: "command", User: sh.uri.user, Pass: sh.uri.pass, DB: db, Cmd: cmd})
	if err != nil {
		return nil, err
	}
	defer c.c.Close()
	return c.reply()
}

func (sh *shell) version() string {
	b, _ := json.Marshal(ordered{{"buildInfo", 1}})
	r, err := sh.call("admin", b)
	if err != nil {
		return "?"
	}
	v, _ := r.get("version")
	s, _ := v.(string)
	return s
}

// run evaluates one script: statements separated by ';', each one of the
// forms below; the value is the last statement's.
//
//	db[.getSiblingDB('x')].adminCommand({...}) | .runCommand({...}) | .version() | .getCollectionNames()
//	db.<coll>|db.getCollection('c') .insertOne({...}) | .insertMany([...]) | .countDocuments() | .count()
//
// optionally wrapped in JSON.stringify(...)/EJSON.stringify(...) and
// followed by property accesses (.featureCompatibilityVersion.version).
func (sh *shell) run(script string) (any, bool, error) {
	p := &jsParser{s: script}
	var last any
	have := false
	for {
		for p.eat(';') {
		}
		if p.peek() == 0 {
			return last, have, nil
		}
		v, err := sh.statement(p)
		if err != nil {
			return nil, false, err
		}
		last, have = v, true
	}
}

func (sh *shell) statement(p *jsParser) (any, error) {
	start := p.pos
	id := p.ident()
	if (id == "JSON" || id == "EJSON") && p.eat('.') && p.ident() == "stringify" && p.eat('(') {
		v, err := sh.statement(p)
		if err != nil {
			return nil, err
		}
		if !p.eat(')') {
			return nil, p.errorf("expected )")
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	if id != "db" {
		p.pos = start
		return nil, p.errorf("unsupported statement")
	}
	db := sh.uri.db
	var coll string
	var v any
	for v == nil {
		if !p.eat('.') {
			return nil, p.errorf("expected a method of db")
		}
		name := p.ident()
		var args []any
		call := p.eat('(')
		if call {
			for !p.eat(')') {
				a, err := p.value()
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				if !p.eat(',') && p.peek() != ')' {
					return nil, p.errorf("expected , or )")
				}
			}
		}
		var err error
		switch {
		case coll == "" && name == "getSiblingDB" && call:
			if db, err = stringArg(p, args); err != nil {
				return nil, err
			}
		case coll == "" && name == "getCollection" && call:
			if coll, err = stringArg(p, args); err != nil {
				return nil, err
			}
		case coll == "" && !call:
			coll = name
		case coll == "" && (name == "adminCommand" || name == "runCommand"):
			o, ok := firstObject(args)
			if !ok {
				return nil, p.errorf("%s takes a command document", name)
			}
			target := db
			if name == "adminCommand" {
				target = "admin"
			}
			v, err = sh.command(target, o)
		case coll == "" && name == "version":
			v = sh.version()
		case coll == "" && name == "getCollectionNames":
			r, err2 := sh.command(db, ordered{{"listCollections", 1}})
			if err2 != nil {
				return nil, err2
			}
			v, _ = r.get("names")
		case coll != "" && (name == "insertOne" || name == "insertMany"):
			v, err = sh.insert(db, coll, name, args, p)
		case coll != "" && (name == "countDocuments" || name == "count" || name == "estimatedDocumentCount"):
			if o, ok := firstObject(args); ok && len(o) > 0 {
				return nil, p.errorf("the stand-in counts whole collections only, without a filter")
			}
			r, err2 := sh.command(db, ordered{{"count", coll}})
			if err2 != nil {
				return nil, err2
			}
			v, _ = r.get("n")
		default:
			return nil, p.errorf("unsupported method %q", name)
		}
		if err != nil {
			return nil, err
		}
	}
	// Property accesses on the result.
	for p.peek() == '.' {
		p.pos++
		k := p.ident()
		o, ok := v.(ordered)
		if !ok {
			return nil, fmt.Errorf("TypeError: Cannot read properties of %s (reading '%s')", inspect(v), k)
		}
		v, _ = o.get(k)
	}
	return v, nil
}

func stringArg(p *jsParser, args []any) (string, error) {
	if len(args) == 1 {
		if s, ok := args[0].(string); ok {
			return s, nil
		}
	}
	return "", p.errorf("expected one string argument")
}

func firstObject(args []any) (ordered, bool) {
	if len(args) == 0 {
		return nil, false
	}
	o, ok := args[0].(ordered)
	return o, ok
}

func (sh *shell) command(db string, cmd ordered) (ordered, error) {
	b, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	return sh.call(db, b)
}

// insert gives documents their _id on the client, as drivers do.
func (sh *shell) insert(db, coll, method string, args []any, p *jsParser) (any, error) {
	var docs []any
	if method == "insertOne" {
		o, ok := firstObject(args)
		if !ok {
			return nil, p.errorf("insertOne takes a document")
		}
		docs = []any{o}
	} else {
		list, ok := []any(nil), len(args) > 0
		if ok {
			list, ok = args[0].([]any)
		}
		if !ok {
			return nil, p.errorf("insertMany takes an array of documents")
		}
		docs = list
	}
	ids := ordered{}
	for i, d := range docs {
		o, ok := d.(ordered)
		if !ok {
			return nil, p.errorf("documents must be objects")
		}
		id, has := o.get("_id")
		if !has {
			id = ordered{{"$oid", hexID()}}
			o = append(ordered{{"_id", id}}, o...)
			docs[i] = o
		}
		ids = append(ids, kv{fmt.Sprint(i), id})
	}
	if _, err := sh.command(db, ordered{{"insert", coll}, {"documents", docs}}); err != nil {
		return nil, err
	}
	if method == "insertOne" {
		return ordered{{"acknowledged", true}, {"insertedId", ids[0].v}}, nil
	}
	return ordered{{"acknowledged", true}, {"insertedIds", ids}}, nil
}

// readToolConfig reads the flat "key: value" YAML the database tools take
// with --config; values may be quoted as YAML (and JSON) strings are.
func readToolConfig(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("error opening config file: %w", err)
	}
	cfg := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, `"`) {
			if err := json.Unmarshal([]byte(v), &v); err != nil {
				return nil, fmt.Errorf("error parsing config file: %w", err)
			}
		} else if strings.HasPrefix(v, "'") {
			v = strings.ReplaceAll(strings.Trim(v, "'"), "''", "'")
		}
		cfg[strings.TrimSpace(k)] = v
	}
	return cfg, nil
}
