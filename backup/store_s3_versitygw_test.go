package backup

import (
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// Against versitygw, a real S3 implementation: signatures are checked and
// multipart uploads persist until completed or aborted.

func versitygwStore(t *testing.T, spec string) (*testenv.S3Server, Store) {
	t.Helper()
	srv := testenv.Versitygw(t)
	s3Env(t, srv.AccessKey, srv.SecretKey)
	st, err := OpenStore(context.Background(), spec, S3Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	bucket := st.(*s3Store).bucket
	if _, err := s3Client(t, st).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	return srv, st
}

func TestS3StoreVersitygwRoundTrip50MB(t *testing.T) {
	_, st := versitygwStore(t, "s3://backups/appsmith")
	testS3RoundTrip(t, st, 50<<20)
}

func TestS3StoreVersitygwStopHalfWayLeavesNothing(t *testing.T) {
	for _, how := range []string{"abort", "cancel", "cancel while idle"} {
		t.Run(how, func(t *testing.T) {
			_, st := versitygwStore(t, "s3://backups/appsmith")
			testS3StopHalfWay(t, st, how)
		})
	}
}

func TestS3StoreVersitygwWrongSecret(t *testing.T) {
	srv, _ := versitygwStore(t, "s3://backups")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-"+srv.SecretKey)
	ctx := context.Background()
	st, err := OpenStore(ctx, "s3://backups", S3Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.List(ctx)
	checkS3Err(t, "List", err, ErrS3Auth, "backups", "AWS_SECRET_ACCESS_KEY")
	up, err := st.Create(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	_, werr := io.Copy(struct{ io.Writer }{up}, pattern(2*s3PartSize))
	if werr == nil {
		werr = up.Commit()
	}
	checkS3Err(t, "upload", werr, ErrS3Auth, "backups", "AWS_SECRET_ACCESS_KEY")
	_, err = st.Open(ctx, archiveName(t0))
	checkS3Err(t, "Open", err, ErrS3Auth, "backups")
}

func TestS3StoreVersitygwMissingBucket(t *testing.T) {
	srv, _ := versitygwStore(t, "s3://backups")
	ctx := context.Background()
	st, err := OpenStore(ctx, "s3://no-such-bucket/x", S3Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.List(ctx)
	checkS3Err(t, "List", err, ErrS3NoBucket, "no-such-bucket", "create bucket")
	up, err := st.Create(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	_, werr := io.Copy(struct{ io.Writer }{up}, pattern(2*s3PartSize))
	if werr == nil {
		werr = up.Commit()
	}
	checkS3Err(t, "upload", werr, ErrS3NoBucket, "no-such-bucket")
}

func TestS3StoreVersitygwCleansStaleUploads(t *testing.T) {
	_, st := versitygwStore(t, "s3://backups/appsmith")
	testS3CleansStale(t, st)
}
