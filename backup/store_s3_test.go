package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// s3Env isolates a test from the machine's AWS configuration: only what
// the test sets is seen.
func s3Env(t *testing.T, keyID, secret string) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONFIG_FILE":                        none,
		"AWS_SHARED_CREDENTIALS_FILE":            none,
		"AWS_ACCESS_KEY_ID":                      keyID,
		"AWS_SECRET_ACCESS_KEY":                  secret,
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_REGION":                             "",
		"AWS_DEFAULT_REGION":                     "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_ENDPOINT_URL_S3":                    "",
		"AWS_ROLE_ARN":                           "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
	} {
		t.Setenv(k, v)
	}
}

// fakeS3 serves gofakes3 on 127.0.0.1 with bucket "b".
type fakeS3 struct{ url string }

func newFakeS3(t *testing.T) fakeS3 {
	t.Helper()
	s3Env(t, "test-key", "test-secret")
	be := s3mem.New()
	if err := be.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	return fakeS3{url: srv.URL}
}

func (f fakeS3) store(t *testing.T, spec string) Store {
	t.Helper()
	st, err := OpenStore(context.Background(), spec, S3Options{Endpoint: f.url})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func s3Client(t *testing.T, st Store) *s3.Client { return st.(*s3Store).client }

// pending lists the bucket's unfinished multipart uploads.
func pending(t *testing.T, st Store) []string {
	t.Helper()
	out, err := s3Client(t, st).ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(st.(*s3Store).bucket)})
	if apiCode(err) == "NoSuchUpload" {
		return nil // gofakes3's answer for a bucket that never had one
	}
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

func objectKeys(t *testing.T, st Store) []string {
	t.Helper()
	out, err := s3Client(t, st).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(st.(*s3Store).bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, o := range out.Contents {
		ks = append(ks, aws.ToString(o.Key))
	}
	return ks
}

// pattern is n reproducible bytes that are not all alike, so a part out of
// place changes the digest.
func pattern(n int) io.Reader {
	return io.LimitReader(&patternReader{}, int64(n))
}

type patternReader struct{ i uint64 }

func (c *patternReader) Read(p []byte) (int, error) {
	for k := range p {
		c.i++
		p[k] = byte(c.i ^ c.i>>8 ^ c.i>>16)
	}
	return len(p), nil
}

func digest(r io.Reader) [32]byte {
	h := sha256.New()
	io.Copy(h, r)
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

// testS3RoundTrip writes size bytes in small writes (as the archive writer
// does), reads them back, lists and deletes: shared by the gofakes3 and the
// versitygw tests.
func testS3RoundTrip(t *testing.T, st Store, size int) {
	ctx := context.Background()
	name := archiveName(t0)
	up, err := st.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Abort()
	if _, err := io.CopyBuffer(struct{ io.Writer }{up}, pattern(size), make([]byte, 32<<10)); err != nil {
		t.Fatal(err)
	}
	if objs, err := st.List(ctx); err != nil || len(objs) != 0 {
		t.Fatalf("List before Commit = %v, %v; want nothing", objs, err)
	}
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
	objs, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].Name != name || objs[0].Size != int64(size) || objs[0].Location != st.Location(name) ||
		!objs[0].Info.Time.Equal(t0) || objs[0].Modified.IsZero() {
		t.Fatalf("List = %+v", objs)
	}
	r, err := st.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	got := digest(r)
	r.Close()
	if got != digest(pattern(size)) {
		t.Fatal("the archive read back differs from the one written")
	}
	if p := pending(t, st); len(p) != 0 {
		t.Fatalf("pending multipart uploads after Commit: %q", p)
	}
	if err := st.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if objs, err := st.List(ctx); err != nil || len(objs) != 0 {
		t.Fatalf("List after Delete = %v, %v", objs, err)
	}
	if _, err := st.Open(ctx, name); !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrS3NoObject) {
		t.Fatalf("Open of a deleted archive: %v, want ErrS3NoObject (fs.ErrNotExist)", err)
	}
}

func TestS3StoreRoundTripSmall(t *testing.T) {
	f := newFakeS3(t)
	testS3RoundTrip(t, f.store(t, "s3://b/backups/"), 100<<10)
}

// Above the transfer manager's threshold the archive goes up in parts.
func TestS3StoreRoundTripMultipart(t *testing.T) {
	f := newFakeS3(t)
	testS3RoundTrip(t, f.store(t, "s3://b/backups"), 2*s3PartSize+12345)
}

func TestS3StoreListOnlyArchivesUnderPrefix(t *testing.T) {
	f := newFakeS3(t)
	ctx := context.Background()
	st := f.store(t, "s3://b/prod")
	root := f.store(t, "s3://b")
	if st.String() != "s3://b/prod/" || root.String() != "s3://b/" {
		t.Fatalf("String() = %q, %q", st, root)
	}
	newer, older := archiveName(t0.Add(time.Hour)), archiveName(t0)
	put(t, st, newer, []byte("n"))
	put(t, st, older, []byte("o"))
	put(t, root, archiveName(t0.Add(2*time.Hour)), []byte("root"))
	other := f.store(t, "s3://b/prod/nested")
	put(t, other, archiveName(t0.Add(3*time.Hour)), []byte("nested"))
	c := s3Client(t, st)
	for _, k := range []string{"prod/notes.txt", "prodx/" + archiveName(t0)} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Name != older || objs[1].Name != newer {
		t.Fatalf("List = %+v, want %s then %s", objs, older, newer)
	}
	if objs[0].Location != "s3://b/prod/"+older {
		t.Fatalf("Location = %q", objs[0].Location)
	}
	// restore takes the Location back.
	st2, name, err := OpenLocation(ctx, objs[0].Location, S3Options{Endpoint: f.url})
	if err != nil || name != older || st2.String() != "s3://b/prod/" {
		t.Fatalf("OpenLocation = %v, %q, %v", st2, name, err)
	}
	r, err := st2.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "o" {
		t.Fatalf("read %q", b)
	}
}

// List pages through more keys than one response holds.
func TestS3StoreListPages(t *testing.T) {
	f := newFakeS3(t)
	ctx := context.Background()
	st := f.store(t, "s3://b/many")
	c := s3Client(t, st)
	const n = 1100 // S3 returns at most 1000 keys a page
	for i := 0; i < n; i++ {
		k := "many/" + archiveName(t0.Add(time.Duration(i)*time.Minute))
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(k), Body: bytes.NewReader(nil)}); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != n {
		t.Fatalf("List gave %d archives, want %d", len(objs), n)
	}
	for i := 1; i < n; i++ {
		if !objs[i-1].Info.Time.Before(objs[i].Info.Time) {
			t.Fatalf("not oldest first at %d", i)
		}
	}
}

// An upload stopped half-way, by Abort or by a cancelled context, leaves no
// object and no multipart upload.
func TestS3StoreStopHalfWayLeavesNothing(t *testing.T) {
	for _, how := range []string{"abort", "cancel", "cancel while idle"} {
		t.Run(how, func(t *testing.T) {
			f := newFakeS3(t)
			testS3StopHalfWay(t, f.store(t, "s3://b/x"), how)
		})
	}
}

func testS3StopHalfWay(t *testing.T, st Store, how string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up, err := st.Create(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	// Past the first part, so a multipart upload exists.
	if _, err := io.Copy(struct{ io.Writer }{up}, pattern(3*s3PartSize)); err != nil {
		t.Fatal(err)
	}
	if p := pending(t, st); len(p) != 1 {
		t.Fatalf("half-way, multipart uploads in progress: %q; want this one", p)
	}
	switch how {
	case "abort":
		if err := up.Abort(); err != nil {
			t.Fatalf("Abort: %v", err)
		}
		if err := up.Commit(); err == nil {
			t.Fatal("Commit after Abort succeeded")
		}
	case "cancel":
		cancel()
		if _, err := io.Copy(struct{ io.Writer }{up}, pattern(s3PartSize)); !errors.Is(err, context.Canceled) {
			t.Fatalf("Write after cancel: %v, want context.Canceled", err)
		}
		if err := up.Commit(); err == nil {
			t.Fatal("Commit after cancel succeeded")
		}
	case "cancel while idle":
		cancel()
		if err := up.Commit(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Commit after cancel: %v, want context.Canceled", err)
		}
	}
	if ks := objectKeys(t, st); len(ks) != 0 {
		t.Fatalf("objects left: %q", ks)
	}
	if p := pending(t, st); len(p) != 0 {
		t.Fatalf("multipart uploads left: %q", p)
	}
}

func TestS3StoreMissingBucket(t *testing.T) {
	f := newFakeS3(t)
	ctx := context.Background()
	st := f.store(t, "s3://nobucket/p")
	checkS3Err(t, "List", func() error { _, err := st.List(ctx); return err }(), ErrS3NoBucket, "nobucket")
	up, err := st.Create(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	_, werr := up.Write([]byte("small"))
	if werr == nil {
		werr = up.Commit()
	}
	checkS3Err(t, "upload", werr, ErrS3NoBucket, "nobucket")
	up2, _ := st.Create(ctx, archiveName(t0))
	_, werr = io.Copy(struct{ io.Writer }{up2}, pattern(2*s3PartSize))
	if werr == nil {
		werr = up2.Commit()
	}
	checkS3Err(t, "multipart upload", werr, ErrS3NoBucket, "nobucket")
}

func checkS3Err(t *testing.T, what string, err, kind error, mustSay ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: %v, want %v", what, err, kind)
	}
	for _, s := range append(mustSay, "S3") {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: %q does not say %q", what, err, s)
		}
	}
	var se *S3Error
	if !errors.As(err, &se) {
		t.Errorf("%s: %T is not an *S3Error", what, err)
	}
	t.Logf("%s: %v", what, err)
}

// The endpoint may come from the environment, like every AWS tool's; it is
// path-style and us-east-1 unless told otherwise.
func TestS3StoreEndpointFromEnvironment(t *testing.T) {
	f := newFakeS3(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", f.url)
	st, err := OpenStore(context.Background(), "s3://b", S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := s3Client(t, st).Options()
	if !o.UsePathStyle || o.Region != "us-east-1" {
		t.Fatalf("custom endpoint: UsePathStyle %v, Region %q; want path-style, us-east-1", o.UsePathStyle, o.Region)
	}
	put(t, st, archiveName(t0), []byte("x"))
	if ks := objectKeys(t, st); len(ks) != 1 {
		t.Fatalf("keys %q", ks)
	}

	// The flags override the environment.
	no := false
	st, err = OpenStore(context.Background(), "s3://b", S3Options{Endpoint: "minio.example:9000", Region: "eu-west-3", PathStyle: &no})
	if err != nil {
		t.Fatal(err)
	}
	o = s3Client(t, st).Options()
	if o.UsePathStyle || o.Region != "eu-west-3" || aws.ToString(o.BaseEndpoint) != "https://minio.example:9000" {
		t.Fatalf("flags: UsePathStyle %v, Region %q, endpoint %q", o.UsePathStyle, o.Region, aws.ToString(o.BaseEndpoint))
	}
}

// A bad --s3-endpoint is a usage error, found before credentials are looked
// for (none are set here).
func TestS3StoreBadEndpoint(t *testing.T) {
	s3Env(t, "", "")
	for _, ep := range []string{"ftp://host", "http://", "https:// space"} {
		_, err := OpenStore(context.Background(), "s3://b", S3Options{Endpoint: ep})
		if err == nil || !strings.Contains(err.Error(), "--s3-endpoint") || engine.ExitCode(err) != engine.ExitUsage {
			t.Errorf("endpoint %q: %v, want a usage error naming --s3-endpoint", ep, err)
		}
	}
}

func TestClassifyS3(t *testing.T) {
	resp := func(status int, hdr ...string) *smithyhttp.ResponseError {
		h := http.Header{}
		for i := 0; i+1 < len(hdr); i += 2 {
			h.Set(hdr[i], hdr[i+1])
		}
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: h}}, Err: &smithy.GenericAPIError{Code: "x"}}
	}
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	tests := []struct {
		err     error
		key     string
		kind    error
		fixSays string
	}{
		{api("InvalidAccessKeyId"), "k", ErrS3Auth, "AWS_ACCESS_KEY_ID"},
		{api("SignatureDoesNotMatch"), "k", ErrS3Auth, "AWS_SECRET_ACCESS_KEY"},
		{api("NoSuchBucket"), "k", ErrS3NoBucket, "create bucket bkt"},
		{resp(404), "", ErrS3NoBucket, "create bucket bkt"},
		{api("AccessDenied"), "k", ErrS3Denied, "s3:PutObject"},
		{resp(403), "k", ErrS3Denied, "s3:GetObject"},
		{resp(301, "X-Amz-Bucket-Region", "eu-central-1"), "k", ErrS3Region, "AWS_REGION=eu-central-1"},
		{api("NoSuchKey"), "k", ErrS3NoObject, ""},
		{resp(404), "k", ErrS3NoObject, ""},
		{errors.New("dial tcp: connection refused"), "k", nil, ""},
	}
	for _, tt := range tests {
		e := classifyS3(tt.err, "read", "bkt", tt.key, "")
		if e.Kind != tt.kind || !strings.Contains(e.Fix, tt.fixSays) || !errors.Is(e, tt.err) {
			t.Errorf("classifyS3(%v) = %v (kind %v, fix %q); want kind %v, fix saying %q", tt.err, e, e.Kind, e.Fix, tt.kind, tt.fixSays)
		}
	}
}

// No credentials anywhere: the error says which variables to set.
func TestS3StoreNoCredentials(t *testing.T) {
	f := newFakeS3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := OpenStore(context.Background(), "s3://b", S3Options{Endpoint: f.url})
	checkS3Err(t, "OpenStore", err, ErrS3Auth, "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "s3://b")
}

// With no region configured for AWS itself, the bucket's region is read
// from S3's answer, even a refusal.
func TestBucketRegion(t *testing.T) {
	s3Env(t, "k", "s")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-3")
			w.WriteHeader(http.StatusMovedPermanently)
		case "/refused":
			w.Header().Set("X-Amz-Bucket-Region", "ap-south-1")
			w.WriteHeader(http.StatusForbidden)
		case "/here":
			w.Header().Set("X-Amz-Bucket-Region", "us-west-2")
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c := s3.New(s3.Options{BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: aws.AnonymousCredentials{}})
	for bucket, want := range map[string]string{"moved": "eu-west-3", "refused": "ap-south-1", "here": "us-west-2"} {
		got, err := bucketRegion(context.Background(), c, bucket)
		if err != nil || got != want {
			t.Errorf("bucketRegion(%s) = %q, %v; want %s", bucket, got, err, want)
		}
	}
	_, err := bucketRegion(context.Background(), c, "gone")
	checkS3Err(t, "missing bucket", err, ErrS3NoBucket, "gone")
	srv.Close()
	_, err = bucketRegion(context.Background(), c, "here")
	checkS3Err(t, "unreachable", err, ErrS3Region, "AWS_REGION", "--s3-region")
}

// Create aborts killed runs' multipart uploads of archives under its prefix
// once they are old, and nothing else.
func testS3CleansStale(t *testing.T, st Store) {
	ctx := context.Background()
	c := s3Client(t, st)
	bucket, prefix := st.(*s3Store).bucket, st.(*s3Store).prefix
	killed := prefix + archiveName(t0)
	others := []string{prefix + "other.bin", "elsewhere/" + archiveName(t0)}
	for _, k := range append([]string{killed}, others...) {
		if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	create := func() {
		up, err := st.Create(ctx, archiveName(t0.Add(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if err := up.Abort(); err != nil {
			t.Fatal(err)
		}
	}
	create()
	if p := pending(t, st); len(p) != 3 {
		t.Fatalf("a recent multipart upload was aborted (a live backup's?): left %q", p)
	}
	defer func(old time.Duration) { s3StaleUpload = old }(s3StaleUpload)
	s3StaleUpload = 0
	create()
	p := pending(t, st)
	slices.Sort(p)
	slices.Sort(others)
	if !slices.Equal(p, others) {
		t.Fatalf("after Create, multipart uploads %q; want only %q", p, others)
	}
}

func TestS3StoreCleansStaleUploads(t *testing.T) {
	f := newFakeS3(t)
	testS3CleansStale(t, f.store(t, "s3://b/p"))
}
