package aws

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyholder/keyholder/findings"
)

// bucketConcurrency bounds per-bucket calls.
const bucketConcurrency = 8

var s3DeleteActions = []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket", "s3:PutLifecycleConfiguration", "s3:PutBucketPolicy"}

// s3Client returns an S3 client for region; path-style addressing is used
// with a custom endpoint.
func (a *account) s3Client(region string) *s3.Client {
	return s3.NewFromConfig(a.cfg, func(o *s3.Options) {
		if region != "" {
			o.Region = region
		}
		if a.s.set.EndpointURL != "" {
			o.UsePathStyle = true
		}
	})
}

// collectBuckets lists the account's buckets and records those that look
// like backup targets: a name matching backup_bucket_patterns, a tag
// matching backup_bucket_tags, or a replication configuration. For those
// it reads the bucket policy, ownership controls, encryption and the KMS
// key.
func (a *account) collectBuckets(ctx context.Context, add func(findings.Backup)) {
	client := a.s3Client(a.regions[0])
	var buckets []s3types.Bucket
	in := &s3.ListBucketsInput{MaxBuckets: aws.Int32(1000)}
	err := a.s.paginate(func(token *string) (*string, error) {
		in.ContinuationToken = token
		out, err := client.ListBuckets(ctx, in)
		if err != nil {
			return nil, err
		}
		buckets = append(buckets, out.Buckets...)
		return out.ContinuationToken, nil
	})
	if err != nil {
		a.col.gap(a.sys, "backups/s3", classify("s3:ListBuckets", "", err), "s3:ListAllMyBuckets")
	}
	own := map[string]bool{}
	for _, b := range buckets {
		own[aws.ToString(b.Name)] = true
	}
	cache := &keyCache{keys: map[string]*keyFacts{}}
	var fail failures
	var uniq []s3types.Bucket
	done := map[string]bool{}
	for _, bk := range buckets {
		if name := aws.ToString(bk.Name); !done[name] {
			done[name] = true
			uniq = append(uniq, bk)
		}
	}
	eachBounded(ctx, bucketConcurrency, uniq, func(_ int, bk s3types.Bucket) {
		region := aws.ToString(bk.BucketRegion)
		if region == "" {
			region = a.regions[0]
		}
		if b, ok := a.bucket(ctx, aws.ToString(bk.Name), region, own, cache, &fail); ok {
			add(b)
		}
	})
	fail.report(a, "backups/s3_details")
}

// bucket inspects one bucket; ok is false when it does not look like a
// backup target.
func (a *account) bucket(ctx context.Context, name, region string, own map[string]bool, cache *keyCache, fail *failures) (findings.Backup, bool) {
	client := a.s3Client(region)
	var reasons []string
	for _, re := range a.s.set.patterns {
		if re.MatchString(name) {
			reasons = append(reasons, "name")
			break
		}
	}
	var tags map[string]string
	tagsRead := false
	// readTags reads the bucket's tags once: for backup_bucket_tags
	// before deciding whether the bucket is a backup, else (sensitive
	// aws_tags) only for buckets recorded as backups.
	readTags := func() {
		if tags != nil {
			return
		}
		tags = map[string]string{}
		out, err := client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name)})
		switch {
		case isCode(err, "NoSuchTagSet"):
			tagsRead = true
		case err != nil:
			fail.add(classify("s3:GetBucketTagging", "bucket "+name, err))
		default:
			tagsRead = true
			for _, t := range out.TagSet {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	}
	if len(a.s.set.BackupBucketTags) > 0 {
		readTags()
		for k, want := range a.s.set.BackupBucketTags {
			if v, ok := tags[k]; ok && (want == "*" || strings.EqualFold(v, want)) {
				reasons = append(reasons, "tag:"+k)
			}
		}
	}
	var copies []findings.BackupCopy
	rep, err := client.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(name)})
	switch {
	case isCode(err, "ReplicationConfigurationNotFoundError"):
	case err != nil:
		fail.add(classify("s3:GetReplicationConfiguration", "bucket "+name, err))
	case rep.ReplicationConfiguration != nil:
		for _, r := range rep.ReplicationConfiguration.Rules {
			if r.Destination == nil || r.Status != s3types.ReplicationRuleStatusEnabled {
				continue
			}
			dest := aws.ToString(r.Destination.Bucket)
			owner := aws.ToString(r.Destination.Account)
			if owner == "" && own[strings.TrimPrefix(dest, "arn:aws:s3:::")] {
				owner = a.id
			}
			copies = append(copies, findings.BackupCopy{Destination: dest, Owner: owner, OwnerKind: kindIf(owner, "aws_account")})
		}
		if len(copies) > 0 {
			reasons = append(reasons, "replication")
		}
	}
	if len(reasons) == 0 {
		return findings.Backup{}, false
	}
	sort.Slice(copies, func(i, j int) bool { return copies[i].Destination < copies[j].Destination })
	b := findings.Backup{
		ID: findings.ObjectID("backup", a.sys, "s3", name), System: a.sys, Name: name,
		Protects: "data in S3 bucket " + name, ProtectsSystem: a.sys, Location: "arn:aws:s3:::" + name,
		StorageOwner: a.id, StorageOwnerKind: "aws_account", Copies: copies,
		Attributes: map[string]string{"service": "s3", "region": region, "backup_reason": strings.Join(reasons, ","), "replication_rules": strconv.Itoa(len(copies))},
	}
	if a.s.wantTags() {
		readTags()
		b.Attributes["aws_tags_read"] = boolString(tagsRead)
		for k, v := range tags {
			b.Attributes[tagAttr+k] = v
		}
	}
	pol, err := client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(name)})
	switch {
	case isCode(err, "NoSuchBucketPolicy"):
		b.Attributes["bucket_policy"] = "none"
	case err != nil:
		fail.add(classify("s3:GetBucketPolicy", "bucket "+name, err))
		b.Attributes["bucket_policy"] = "unreadable"
	default:
		b.Attributes["bucket_policy"] = "present"
		if doc, perr := parsePolicy(aws.ToString(pol.Policy)); perr != nil {
			fail.add(&callError{Action: "s3:GetBucketPolicy", Where: "bucket " + name, Msg: perr.Error(), err: perr})
		} else {
			var denied string
			b.Deleters, denied = resourceDeleters(doc, s3DeleteActions)
			if denied != "" {
				b.Attributes["delete_denied_to"] = denied
			}
			if others := otherAccounts(doc, a.id); len(others) > 0 {
				b.Attributes["policy_other_accounts"] = strings.Join(others, ",")
			}
			a.resourceTrusts(doc, "s3_bucket", "arn:"+partitionOf(a.cfg)+":s3:::"+name, name, s3Sensitive)
		}
	}
	oc, err := client.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String(name)})
	switch {
	case isCode(err, "OwnershipControlsNotFoundError"):
		b.Attributes["object_ownership"] = "none"
	case err != nil:
		fail.add(classify("s3:GetBucketOwnershipControls", "bucket "+name, err))
	case oc.OwnershipControls != nil && len(oc.OwnershipControls.Rules) > 0:
		b.Attributes["object_ownership"] = string(oc.OwnershipControls.Rules[0].ObjectOwnership)
	}
	enc, err := client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(name)})
	switch {
	case err != nil:
		fail.add(classify("s3:GetEncryptionConfiguration", "bucket "+name, err))
	case enc.ServerSideEncryptionConfiguration != nil && len(enc.ServerSideEncryptionConfiguration.Rules) > 0:
		def := enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault
		if def != nil {
			b.Attributes["sse_algorithm"] = string(def.SSEAlgorithm)
			if k := aws.ToString(def.KMSMasterKeyID); k != "" {
				applyKey(&b, a.keyOwner(ctx, cache, region, k))
			} else {
				// SSE-S3: keys owned and managed by S3.
				b.KeyOwner, b.KeyOwnerKind = "aws_managed", "aws"
			}
		}
	}
	return b, true
}
