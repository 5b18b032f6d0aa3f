package backup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// cuttingS3 is gofakes3 behind a proxy that drops the connection after
// cut bytes of every object download, as a flaky network does.
func cuttingS3(t *testing.T, cut int) (url string, cuts *atomic.Int64) {
	t.Helper()
	s3Env(t, "k", "s")
	be := s3mem.New()
	if err := be.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	h := gofakes3.New(be).Server()
	cuts = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.RawQuery != "" && r.URL.Query().Get("x-id") != "GetObject" {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code >= 300 || len(body) <= cut {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(body)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body[:cut])
		w.(http.Flusher).Flush()
		cuts.Add(1)
		panic(http.ErrAbortHandler) // drop the connection mid-body
	}))
	t.Cleanup(srv.Close)
	return srv.URL, cuts
}

func TestS3StoreOpenResumesABrokenDownload(t *testing.T) {
	url, cuts := cuttingS3(t, 1<<20)
	ctx := context.Background()
	st, err := OpenStore(ctx, "s3://b", S3Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(pattern(3<<20 + 4321))
	put(t, st, archiveName(t0), data)
	r, err := st.Open(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatalf("read through %d dropped connections: %v", cuts.Load(), err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(data))
	}
	if cuts.Load() != 3 {
		t.Fatalf("the proxy cut %d downloads, want 3 (the test would prove nothing)", cuts.Load())
	}
}

// A resume never splices two versions: the object replaced meanwhile makes
// the read fail.
func TestS3StoreOpenResumeRefusesAReplacedObject(t *testing.T) {
	url, _ := cuttingS3(t, 1<<20)
	ctx := context.Background()
	st, err := OpenStore(ctx, "s3://b", S3Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	name := archiveName(t0)
	put(t, st, name, bytes.Repeat([]byte("a"), 2<<20))
	r, err := st.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if _, err := s3Client(t, st).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(name), Body: bytes.NewReader(bytes.Repeat([]byte("b"), 2<<20))}); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err == nil {
		t.Fatalf("read on after the object was replaced (%d bytes, first %q)", len(rest), rest[:1])
	}
	if errors.Is(err, io.EOF) {
		t.Fatalf("err = %v", err)
	}
	t.Log(err)
}
