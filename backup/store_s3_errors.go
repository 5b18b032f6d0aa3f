package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// What an S3 failure was, for the CLI to map (errors.Is): each *S3Error
// carries one of these (or none, for a network failure and the like).
var (
	ErrS3Auth     = errors.New("authentication failed")
	ErrS3NoBucket = errors.New("the bucket does not exist")
	ErrS3Denied   = errors.New("access denied")
	ErrS3Region   = errors.New("the bucket's region is unknown or wrong")
	// ErrS3NoObject is also fs.ErrNotExist, as a missing local archive is.
	ErrS3NoObject = fmt.Errorf("no such archive: %w", fs.ErrNotExist)
)

// S3Error is a failed S3 request: what was done to which bucket and key,
// what it means, and the fix (which variable or flag to set).
type S3Error struct {
	Kind     error  // ErrS3Auth, ErrS3NoBucket, ErrS3Denied, ErrS3Region, ErrS3NoObject, or nil
	Op       string // "upload", "list", …
	Bucket   string
	Key      string
	Endpoint string // "" for AWS itself
	Fix      string
	Err      error
}

func (e *S3Error) Error() string {
	msg := "S3: " + e.Op + " s3://" + e.Bucket + "/" + e.Key
	if e.Endpoint != "" {
		msg += " at " + e.Endpoint
	}
	msg += ": "
	if e.Kind != nil {
		msg += e.Kind.Error() + " (" + shortS3(e.Err) + ")"
	} else {
		msg += shortS3(e.Err)
	}
	if e.Fix != "" {
		msg += ": " + e.Fix
	}
	return msg
}

func (e *S3Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Hint is the fix alone, for the CLI's hint line.
func (e *S3Error) Hint() string { return e.Fix }

// shortS3 is S3's own code and message when it sent one, not the SDK's
// "operation error S3: PutObject, https response error StatusCode: …".
func shortS3(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if m := ae.ErrorMessage(); m != "" {
			return ae.ErrorCode() + ": " + m
		}
		if status := httpStatus(err); status != 0 {
			return fmt.Sprintf("%s (HTTP %d)", ae.ErrorCode(), status)
		}
		return ae.ErrorCode()
	}
	return err.Error()
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// regionHeader is the bucket's region S3 names in a refusal.
func regionHeader(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

func noCredentials(bucket string, err error) *S3Error {
	return &S3Error{Kind: ErrS3Auth, Op: "find credentials for", Bucket: bucket, Err: err, Fix: fixNoCredentials}
}

const fixNoCredentials = "no usable AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"

// classifyS3 turns an SDK error into an *S3Error that says what happened
// and what to change.
func classifyS3(err error, op, bucket, key, endpoint string) *S3Error {
	e := &S3Error{Op: op, Bucket: bucket, Key: key, Endpoint: endpoint, Err: err}
	where := "the endpoint (--s3-endpoint or AWS_ENDPOINT_URL_S3)"
	if endpoint == "" {
		where = "the region (--s3-region or AWS_REGION)"
	}
	var signing *v4.SigningError
	code, status := apiCode(err), httpStatus(err)
	switch {
	case errors.As(err, &signing):
		e.Kind = ErrS3Auth
		e.Fix = fixNoCredentials
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" ||
		code == "InvalidToken" || code == "TokenRefreshRequired" || code == "InvalidSecurity":
		e.Kind = ErrS3Auth
		e.Fix = "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE"
		if endpoint != "" {
			e.Fix = "check that AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) hold keys for " + endpoint
		}
	case code == "NoSuchBucket" || (key == "" && status == http.StatusNotFound):
		e.Kind = ErrS3NoBucket
		e.Fix = "create bucket " + bucket + ", or check its name and " + where
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException" ||
		status == http.StatusMovedPermanently:
		e.Kind = ErrS3Region
		if r := regionHeader(err); r != "" {
			e.Fix = "the bucket is in " + r + ": set AWS_REGION=" + r + " or --s3-region " + r
		} else {
			e.Fix = "set AWS_REGION or --s3-region to the bucket's region"
		}
	case code == "AccessDenied" || code == "AllAccessDisabled" || code == "Forbidden" || status == http.StatusForbidden:
		e.Kind = ErrS3Denied
		e.Fix = "give these credentials s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject and s3:AbortMultipartUpload on bucket " + bucket
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound:
		e.Kind = ErrS3NoObject
	}
	return e
}
