package awssim

import (
	"net/http"
	"net/url"
	"strings"
)

var s3Handlers = map[string]handler{
	"s3:ListBuckets":                listBuckets,
	"s3:GetBucketTagging":           getBucketTagging,
	"s3:GetBucketReplication":       getBucketReplication,
	"s3:GetBucketPolicy":            getBucketPolicy,
	"s3:GetBucketOwnershipControls": getBucketOwnershipControls,
	"s3:GetBucketEncryption":        getBucketEncryption,
}

// s3Operation names the S3 operation of a path-style request.
func s3Operation(method string, parts []string, q url.Values) string {
	if method != http.MethodGet {
		return ""
	}
	if len(parts) == 0 {
		return "ListBuckets"
	}
	if len(parts) > 1 {
		return ""
	}
	for _, sub := range []struct{ key, op string }{
		{"tagging", "GetBucketTagging"},
		{"replication", "GetBucketReplication"},
		{"policy", "GetBucketPolicy"},
		{"ownershipControls", "GetBucketOwnershipControls"},
		{"encryption", "GetBucketEncryption"},
	} {
		if _, ok := q[sub.key]; ok {
			return sub.op
		}
	}
	return ""
}

const s3NS = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

func listBuckets(c *call) (response, *apiError) {
	if c.acct == nil {
		return response{}, errorf(403, "AccessDenied", "Access Denied")
	}
	bs := c.acct.Buckets
	q := c.r.URL.Query()
	max := 0
	if v := q.Get("max-buckets"); v != "" {
		max = atoi(v)
	}
	start, end, next, perr := c.paginate(len(bs), q.Get("continuation-token"), max, 10000)
	if perr != nil {
		return response{}, perr
	}
	var b xb
	b.raw("<ListAllMyBucketsResult " + s3NS + ">")
	b.open("Owner")
	b.el("ID", id(64, c.cred.Account, "canonical"))
	b.close("Owner")
	b.open("Buckets")
	for _, bk := range bs[start:end] {
		b.open("Bucket")
		b.el("Name", bk.Name)
		b.time("CreationDate", bk.Created)
		b.el("BucketRegion", bk.Region)
		b.el("BucketArn", "arn:aws:s3:::"+bk.Name)
		b.close("Bucket")
	}
	b.close("Buckets")
	b.opt("ContinuationToken", next)
	b.raw("</ListAllMyBucketsResult>")
	return xmlOK(b.String())
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func (c *call) bucket() (*Bucket, *apiError) {
	name := c.parts[0]
	if c.acct != nil {
		for i := range c.acct.Buckets {
			if c.acct.Buckets[i].Name == name {
				return &c.acct.Buckets[i], nil
			}
		}
	}
	for _, a := range c.f.sc.Accounts {
		for _, bk := range a.Buckets {
			if bk.Name == name {
				return nil, errorf(403, "AccessDenied", "Access Denied")
			}
		}
	}
	return nil, errorf(404, "NoSuchBucket", "The specified bucket does not exist")
}

func getBucketTagging(c *call) (response, *apiError) {
	bk, err := c.bucket()
	if err != nil {
		return response{}, err
	}
	if len(bk.Tags) == 0 {
		return response{}, errorf(404, "NoSuchTagSet", "The TagSet does not exist")
	}
	var b xb
	b.raw("<Tagging " + s3NS + "><TagSet>")
	for _, k := range sortedKeys(bk.Tags) {
		b.open("Tag")
		b.el("Key", k)
		b.el("Value", bk.Tags[k])
		b.close("Tag")
	}
	b.raw("</TagSet></Tagging>")
	return xmlOK(b.String())
}

func getBucketReplication(c *call) (response, *apiError) {
	bk, err := c.bucket()
	if err != nil {
		return response{}, err
	}
	if len(bk.Replication) == 0 {
		return response{}, errorf(404, "ReplicationConfigurationNotFoundError", "The replication configuration was not found")
	}
	var b xb
	b.raw("<ReplicationConfiguration " + s3NS + ">")
	b.el("Role", "arn:aws:iam::"+c.cred.Account+":role/service-role/s3crr_role_for_"+bk.Name)
	for i, r := range bk.Replication {
		b.open("Rule")
		rid := r.ID
		if rid == "" {
			rid = "rule-" + string(rune('1'+i))
		}
		b.el("ID", rid)
		b.el("Priority", "1")
		status := "Enabled"
		if r.Disabled {
			status = "Disabled"
		}
		b.el("Status", status)
		b.raw("<Filter><Prefix></Prefix></Filter>")
		b.raw("<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>")
		b.open("Destination")
		dest := r.DestinationBucket
		if !strings.HasPrefix(dest, "arn:") {
			dest = "arn:aws:s3:::" + dest
		}
		b.el("Bucket", dest)
		b.opt("Account", r.DestinationAccount)
		if r.DestinationAccount != "" {
			b.raw("<AccessControlTranslation><Owner>Destination</Owner></AccessControlTranslation>")
		}
		b.close("Destination")
		b.close("Rule")
	}
	b.raw("</ReplicationConfiguration>")
	return xmlOK(b.String())
}

func getBucketPolicy(c *call) (response, *apiError) {
	bk, err := c.bucket()
	if err != nil {
		return response{}, err
	}
	if bk.Policy == "" {
		return response{}, errorf(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return response{ctype: "application/json", body: []byte(bk.Policy)}, nil
}

func getBucketOwnershipControls(c *call) (response, *apiError) {
	bk, err := c.bucket()
	if err != nil {
		return response{}, err
	}
	if bk.Ownership == "" {
		return response{}, errorf(404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found")
	}
	var b xb
	b.raw("<OwnershipControls " + s3NS + "><Rule>")
	b.el("ObjectOwnership", bk.Ownership)
	b.raw("</Rule></OwnershipControls>")
	return xmlOK(b.String())
}

func getBucketEncryption(c *call) (response, *apiError) {
	bk, err := c.bucket()
	if err != nil {
		return response{}, err
	}
	var b xb
	b.raw("<ServerSideEncryptionConfiguration " + s3NS + "><Rule><ApplyServerSideEncryptionByDefault>")
	b.el("SSEAlgorithm", bk.SSE)
	b.opt("KMSMasterKeyID", bk.KMSKey)
	b.raw("</ApplyServerSideEncryptionByDefault>")
	b.bool("BucketKeyEnabled", bk.KMSKey != "")
	b.raw("</Rule></ServerSideEncryptionConfiguration>")
	return xmlOK(b.String())
}
