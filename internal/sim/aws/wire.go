package awssim

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var queryNamespace = map[string]string{
	"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
	"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}

// errResponse renders e in the error shape of protocol p.
func errResponse(p protocol, e *apiError, reqID string) response {
	switch p {
	case protoQuery:
		var b xb
		b.raw(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>`)
		b.el("Code", e.code)
		b.el("Message", e.message)
		b.raw(`</Error>`)
		b.el("RequestId", reqID)
		b.raw(`</ErrorResponse>`)
		return response{status: e.status, ctype: "text/xml", body: []byte(b.String())}
	case protoRESTXML:
		var b xb
		b.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error>")
		b.el("Code", e.code)
		b.el("Message", e.message)
		b.el("RequestId", reqID)
		b.raw(`</Error>`)
		return response{status: e.status, ctype: "application/xml", body: []byte(b.String())}
	case protoRESTJSON:
		body, _ := json.Marshal(map[string]string{"message": e.message, "Message": e.message})
		return response{status: e.status, ctype: "application/json", header: map[string]string{"X-Amzn-ErrorType": e.code}, body: body}
	}
	body, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.message})
	return response{status: e.status, ctype: "application/x-amz-json-1.1", body: body}
}

func writeResponse(w http.ResponseWriter, p protocol, service string, r response) {
	ct := r.ctype
	if ct == "" {
		switch p {
		case protoQuery:
			ct = "text/xml"
		case protoRESTXML:
			ct = "application/xml"
		case protoRESTJSON:
			ct = "application/json"
		default:
			ct = "application/x-amz-json-1.1"
		}
	}
	w.Header().Set("Content-Type", ct)
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(r.body)
}

// queryOK wraps result XML in the awsQuery envelope of c's operation.
func queryOK(c *call, result string) (response, *apiError) {
	ns := queryNamespace[c.service]
	var b strings.Builder
	b.WriteString("<" + c.name + `Response xmlns="` + ns + `">`)
	b.WriteString("<" + c.name + "Result>")
	b.WriteString(result)
	b.WriteString("</" + c.name + "Result>")
	b.WriteString("<ResponseMetadata><RequestId>" + id(8, c.op) + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + c.name + "Response>")
	return response{ctype: "text/xml", body: []byte(b.String())}, nil
}

// jsonOK encodes v as the JSON answer.
func jsonOK(c *call, v any) (response, *apiError) {
	body, err := json.Marshal(v)
	if err != nil {
		return response{}, errorf(500, "InternalFailure", "%v", err)
	}
	ct := "application/x-amz-json-1.1"
	if c.proto == protoRESTJSON {
		ct = "application/json"
	}
	return response{ctype: ct, body: body}, nil
}

// xmlOK answers with an S3 XML document.
func xmlOK(body string) (response, *apiError) {
	return response{ctype: "application/xml", body: []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + body)}, nil
}

// xb builds XML text.
type xb struct{ strings.Builder }

func (b *xb) raw(s string) { b.WriteString(s) }

func (b *xb) open(name string) { b.WriteString("<" + name + ">") }

func (b *xb) close(name string) { b.WriteString("</" + name + ">") }

func (b *xb) el(name, val string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(&b.Builder, []byte(val))
	b.WriteString("</" + name + ">")
}

func (b *xb) opt(name, val string) {
	if val != "" {
		b.el(name, val)
	}
}

func (b *xb) bool(name string, v bool) { b.el(name, strconv.FormatBool(v)) }

func (b *xb) time(name string, t time.Time) { b.el(name, isoTime(t)) }

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// epoch renders a time as JSON epoch seconds.
func epoch(t time.Time) float64 { return float64(t.UTC().Unix()) }
