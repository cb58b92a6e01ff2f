package evidence

import "github.com/minio/minio-go/v7"

// For tests that reach behind an S3 store (to tamper, to count what
// uploads left): its client, bucket and the key of a digest.
func S3Parts(s *S3) (client *minio.Client, bucket, prefix string) {
	return s.client, s.bucket, s.prefix
}

func S3Key(s *S3, sum string) string { return s.key(sum) }
