package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/logging"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Upload memory is bounded: the transfer manager holds at most
// s3Concurrency+1 parts of s3PartSize (plus the first part while it decides
// between one PUT and a multipart upload), whatever the archive's size. S3
// allows 10,000 parts, so an archive may reach 160 GiB.
const (
	s3PartSize    = 16 << 20
	s3Concurrency = 3
	// s3AbortTimeout bounds the AbortMultipartUpload sent after a failure or
	// a cancel: it runs on a fresh context, since the caller's may be the
	// one that was cancelled.
	s3AbortTimeout = 30 * time.Second
)

type s3Store struct {
	client *s3.Client
	tm     *transfermanager.Client
	bucket string
	prefix string // "" or ending in "/"
	// endpoint is "" for AWS itself, else the custom endpoint, for messages.
	endpoint string
}

// openS3 builds the client from the standard AWS chain with o overriding
// it. Credentials are fetched (the chain may ask an instance role or SSO);
// nothing is sent to S3, except to find an AWS bucket's region when none is
// configured.
func openS3(ctx context.Context, bucket, prefix string, o S3Options) (Store, error) {
	endpoint := ""
	if o.Endpoint != "" {
		var err error
		if endpoint, err = normalizeEndpoint(o.Endpoint); err != nil {
			return nil, err
		}
	}
	// The SDK's own log lines (IMDS fallbacks, retries) would break
	// --progress json's NDJSON: what matters reaches the user as errors.
	loadOpts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if o.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, &S3Error{Kind: ErrS3Auth, Op: "read the AWS configuration", Bucket: bucket, Err: err,
			Fix: "check AWS_PROFILE, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE"}
	}
	// Found now, not at the first request, so a backup without credentials
	// fails before its dump, with a message that names the variables (the
	// SDK's own error at request time is not typed).
	if cfg.Credentials == nil {
		return nil, noCredentials(bucket, errors.New("no credentials provider"))
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, noCredentials(bucket, err)
	}
	st := &s3Store{bucket: bucket, prefix: prefix}
	custom := false
	st.client = s3.NewFromConfig(cfg, func(so *s3.Options) {
		if endpoint != "" {
			so.BaseEndpoint = aws.String(endpoint)
		}
		// BaseEndpoint is resolved by now from AWS_ENDPOINT_URL_S3,
		// AWS_ENDPOINT_URL or the profile's endpoint_url.
		custom = so.BaseEndpoint != nil
		if custom {
			st.endpoint = *so.BaseEndpoint
			// MinIO, R2, B2, versitygw, an IP: bucket names are not host
			// names there.
			so.UsePathStyle = o.PathStyle == nil || *o.PathStyle
			if so.Region == "" {
				so.Region = "us-east-1" // what every S3-compatible server accepts
			}
			// Not every compatible server knows the checksums the SDK sends
			// by default since 2025; send them only where S3 requires them.
			so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		} else if o.PathStyle != nil {
			so.UsePathStyle = *o.PathStyle
		}
	})
	if !custom && st.client.Options().Region == "" {
		region, err := bucketRegion(ctx, st.client, bucket)
		if err != nil {
			return nil, err
		}
		st.client = s3.New(st.client.Options(), func(so *s3.Options) { so.Region = region })
	}
	st.tm = transfermanager.New(st.client, func(to *transfermanager.Options) {
		to.PartSizeBytes = s3PartSize
		to.Concurrency = s3Concurrency
		to.FailTimeout = s3AbortTimeout
		if custom {
			to.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}
	})
	return st, nil
}

// normalizeEndpoint accepts "host:port" as https://host:port, as people type
// it, and refuses what is not a URL.
func normalizeEndpoint(ep string) (string, error) {
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", engine.UsageError("--s3-endpoint %q is not an http(s) URL (https://host[:port])", ep)
	}
	return strings.TrimSuffix(ep, "/"), nil
}

// bucketRegion asks AWS where bucket lives, for a user who configured no
// region: S3 answers with the region even when it refuses the request.
func bucketRegion(ctx context.Context, c *s3.Client, bucket string) (string, error) {
	probe := s3.New(c.Options(), func(so *s3.Options) { so.Region = "us-east-1" })
	out, err := probe.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil && aws.ToString(out.BucketRegion) != "" {
		return *out.BucketRegion, nil
	}
	if r := regionHeader(err); r != "" {
		return r, nil
	}
	e := &S3Error{Kind: ErrS3Region, Op: "find the region of", Bucket: bucket, Err: errors.New("no region configured")}
	if err != nil {
		if e = classifyS3(err, e.Op, bucket, "", ""); e.Kind == nil {
			e.Kind = ErrS3Region
		}
	}
	if e.Kind == ErrS3Region {
		e.Fix = "set AWS_REGION or --s3-region to the bucket's region"
	}
	return "", e
}

func (s *s3Store) String() string { return "s3://" + s.bucket + "/" + s.prefix }

func (s *s3Store) Location(name string) string { return "s3://" + s.bucket + "/" + s.prefix + name }

func (s *s3Store) key(name string) string { return s.prefix + name }

func (s *s3Store) Create(ctx context.Context, name string) (Upload, error) {
	if err := checkArchiveName(name); err != nil {
		return nil, fmt.Errorf("write to %s: %w", s, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.cleanStale(ctx)
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	u := &s3Upload{store: s, name: name, ctx: ctx, pw: pw, cancel: cancel, done: make(chan struct{})}
	// A cancel while the caller is not writing must still stop the upload:
	// the transfer manager is blocked reading the pipe then.
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	go func() {
		defer close(u.done)
		defer stop()
		_, err := s.tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
			Bucket: aws.String(s.bucket),
			Key:    aws.String(s.key(name)),
			Body:   pr,
		})
		if err != nil {
			// The writer's next Write fails instead of blocking forever.
			pr.CloseWithError(err)
			u.abortErr = s.abortMultipart(err, name)
		} else {
			pr.Close()
		}
		u.err = err
	}()
	return u, nil
}

// s3Upload streams the writer into the transfer manager through a pipe: the
// archive is never on disk or whole in memory.
type s3Upload struct {
	store  *s3Store
	name   string
	ctx    context.Context
	pw     *io.PipeWriter
	cancel context.CancelFunc
	done   chan struct{}
	// Set before done closes: the upload's result, and the failure to
	// abort its multipart upload if it had one.
	err, abortErr error

	mu       sync.Mutex
	finished bool  // Commit or Abort ran
	result   error // what Commit returned
}

// errAborted ends the pipe on Abort: the transfer manager sees a read error
// and aborts the multipart upload.
var errAborted = errors.New("upload aborted")

func (u *s3Upload) Write(p []byte) (int, error) {
	// Checked first: the transfer manager may still take a whole part from
	// the pipe after a cancel, and a Write that succeeds after one would
	// make the caller go on.
	if err := u.ctx.Err(); err != nil {
		u.pw.CloseWithError(err)
		<-u.done
		return 0, errors.Join(err, u.abortErr)
	}
	n, err := u.pw.Write(p)
	if err != nil {
		// The upload failed (or was cancelled): report why, once it has
		// cleaned up, so a caller that stops here leaves nothing behind.
		<-u.done
		return n, u.failure(err)
	}
	return n, nil
}

// failure is the error to report: the upload's own, classified, else the
// pipe's (a cancel, an Abort).
func (u *s3Upload) failure(pipeErr error) error {
	if u.err == nil {
		return pipeErr
	}
	err := u.err
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, errAborted) {
		err = classifyS3(err, "upload", u.store.bucket, u.store.key(u.name), u.store.endpoint)
	}
	return errors.Join(err, u.abortErr)
}

func (u *s3Upload) Commit() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.finished {
		if u.result != nil {
			return u.result
		}
		return fmt.Errorf("upload %s: already committed or aborted", u.store.Location(u.name))
	}
	u.finished = true
	if err := u.ctx.Err(); err != nil {
		// Cancelled: never complete the upload, however far it got.
		u.pw.CloseWithError(err)
		<-u.done
		u.cancel()
		u.result = errors.Join(err, u.abortErr)
		return u.result
	}
	_ = u.pw.Close()
	<-u.done
	u.cancel()
	if u.err != nil {
		u.result = u.failure(u.err)
	}
	return u.result
}

// Abort stops the upload and waits until the transfer manager has aborted
// the multipart upload, so no part stays billed and hidden in the bucket.
func (u *s3Upload) Abort() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.finished {
		return nil
	}
	u.finished = true
	u.result = errAborted
	_ = u.pw.CloseWithError(errAborted)
	<-u.done
	u.cancel()
	return u.abortErr
}

// abortMultipart makes sure a failed upload's multipart upload is gone. The
// transfer manager aborts it already, but S3 asks for a second abort when a
// part was still in flight, and that first abort's own failure is not
// reported. Parts left behind are billed and invisible to List.
func (s *s3Store) abortMultipart(uploadErr error, name string) error {
	var mu interface{ UploadID() string }
	if !errors.As(uploadErr, &mu) || mu.UploadID() == "" {
		return nil // one PUT: nothing is stored when it fails
	}
	ctx, cancel := context.WithTimeout(context.Background(), s3AbortTimeout)
	defer cancel()
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.key(name)), UploadId: aws.String(mu.UploadID()),
	})
	var nsu *types.NoSuchUpload
	if err == nil || errors.As(err, &nsu) || apiCode(err) == "NoSuchUpload" {
		return nil
	}
	e := classifyS3(err, "abort the multipart upload of", s.bucket, s.key(name), s.endpoint)
	e.Fix = fmt.Sprintf("its parts stay stored (and billed) until aborted: abort upload %s of s3://%s/%s with your S3 tools, or add a lifecycle rule that aborts incomplete multipart uploads", mu.UploadID(), s.bucket, s.key(name))
	return e
}

func (s *s3Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkBaseName(name); err != nil {
		return nil, fmt.Errorf("read from %s: %w", s, err)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return nil, classifyS3(err, "read", s.bucket, s.key(name), s.endpoint)
	}
	return &s3Reader{ctx: ctx, s: s, key: s.key(name), etag: aws.ToString(out.ETag), body: out.Body}, nil
}

// List reads one level under the prefix (a prefix is a directory here):
// archives of other prefixes are another store's.
func (s *s3Store) List(ctx context.Context) ([]Object, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Delimiter: aws.String("/")}
	if s.prefix != "" {
		in.Prefix = aws.String(s.prefix)
	}
	var objs []Object
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classifyS3(err, "list", s.bucket, s.prefix, s.endpoint)
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			info, ok := ParseName(name)
			if !ok || path.Base(name) != name {
				continue
			}
			objs = append(objs, Object{Name: name, Location: s.Location(name), Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified), Info: info})
		}
	}
	sortObjects(objs)
	return objs, nil
}

// Delete removes one archive. S3 reports success for a key that is already
// gone: a second prune of the same archive is not an error.
func (s *s3Store) Delete(ctx context.Context, name string) error {
	if err := checkArchiveName(name); err != nil {
		return fmt.Errorf("delete from %s: %w", s, err)
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return classifyS3(err, "delete", s.bucket, s.key(name), s.endpoint)
	}
	return nil
}

// s3StaleUpload is the age after which a multipart upload of an archive
// under the store's prefix is taken for a killed run's: no backup uploads
// for two days (160 GiB at 1 MB/s is under two days).
var s3StaleUpload = 48 * time.Hour

// cleanStale aborts killed runs' multipart uploads: their parts are
// invisible to List yet stored and billed. Best effort: listing uploads
// needs s3:ListBucketMultipartUploads, which a backup does not otherwise.
func (s *s3Store) cleanStale(ctx context.Context) {
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucket)}
	if s.prefix != "" {
		in.Prefix = aws.String(s.prefix)
	}
	out, err := s.client.ListMultipartUploads(ctx, in)
	if err != nil {
		return
	}
	for _, up := range out.Uploads {
		name := strings.TrimPrefix(aws.ToString(up.Key), s.prefix)
		if _, ok := ParseName(name); !ok || path.Base(name) != name {
			continue
		}
		if time.Since(aws.ToTime(up.Initiated)) < s3StaleUpload {
			continue
		}
		_, _ = s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: up.Key, UploadId: up.UploadId})
	}
}
