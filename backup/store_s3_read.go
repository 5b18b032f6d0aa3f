package backup

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3ReadResumes is how many times one Open picks a broken download up
// where it stopped: a restore of many GB over the internet should not fail
// for one dropped connection.
const s3ReadResumes = 5

// s3Reader streams an object and, when the connection breaks, asks for the
// rest (Range from the offset reached) of the same version (If-Match on its
// ETag), so the bytes read are always one object's.
type s3Reader struct {
	ctx     context.Context
	s       *s3Store
	key     string
	etag    string
	body    io.ReadCloser
	off     int64
	resumes int
	err     error // sticky, once resuming failed
}

func (r *s3Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for {
		n, err := r.body.Read(p)
		r.off += int64(n)
		if err == nil || err == io.EOF || n > 0 {
			if err != nil && err != io.EOF {
				// Hand over what arrived; the next Read resumes.
				err = nil
			}
			return n, err
		}
		if r.ctx.Err() != nil || r.resumes >= s3ReadResumes {
			return 0, fmt.Errorf("S3: read s3://%s/%s at byte %d: %w", r.s.bucket, r.key, r.off, err)
		}
		r.resumes++
		_ = r.body.Close()
		out, gerr := r.s.client.GetObject(r.ctx, &s3.GetObjectInput{
			Bucket:  aws.String(r.s.bucket),
			Key:     aws.String(r.key),
			Range:   aws.String(fmt.Sprintf("bytes=%d-", r.off)),
			IfMatch: nilIfEmpty(r.etag),
		})
		if gerr != nil {
			r.body = io.NopCloser(nil)
			r.err = errors.Join(fmt.Errorf("S3: read s3://%s/%s at byte %d: %w", r.s.bucket, r.key, r.off, err),
				classifyS3(gerr, "resume reading", r.s.bucket, r.key, r.s.endpoint))
			return 0, r.err
		}
		// Servers that ignore If-Match still send the ETag: check it here.
		if r.etag != "" && aws.ToString(out.ETag) != r.etag {
			_ = out.Body.Close()
			r.body = io.NopCloser(nil)
			r.err = fmt.Errorf("S3: read s3://%s/%s at byte %d: %w; resuming found the object replaced meanwhile (ETag %s, was %s): open it again",
				r.s.bucket, r.key, r.off, err, aws.ToString(out.ETag), r.etag)
			return 0, r.err
		}
		r.body = out.Body
	}
}

func (r *s3Reader) Close() error { return r.body.Close() }

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
