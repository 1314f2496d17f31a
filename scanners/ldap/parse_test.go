package ldap

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/scanners"
)

func TestParseSID(t *testing.T) {
	tests := []struct {
		name, hex, want string
		bad             bool
	}{
		{name: "builtin administrators", hex: "01020000000000052000000020020000", want: "S-1-5-32-544"},
		{name: "authenticated users", hex: "0101000000000005" + "0b000000", want: "S-1-5-11"},
		{name: "domain admins", hex: "010500000000000515000000" + "01ca9a3b" + "02943577" + "035ed0b2" + "00020000", want: "S-1-5-21-1000000001-2000000002-3000000003-512"},
		{name: "no sub-authority", hex: "0100000000000001", want: "S-1-1"},
		{name: "big authority in hex", hex: "0101" + "010000000000" + "01000000", want: "S-1-0x010000000000-1"},
		{name: "max rid", hex: "0101000000000005ffffffff", want: "S-1-5-4294967295"},
		{name: "too short", hex: "010100", bad: true},
		{name: "empty", hex: "", bad: true},
		{name: "revision 2", hex: "0201000000000005" + "0b000000", bad: true},
		{name: "count larger than data", hex: "0102000000000005" + "0b000000", bad: true},
		{name: "trailing bytes", hex: "0101000000000005" + "0b000000" + "00", bad: true},
		{name: "16 sub-authorities", hex: "0110000000000005" + strings.Repeat("01000000", 16), bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseSID(b)
			if tt.bad {
				if !errors.Is(err, scanners.ErrMalformed) {
					t.Fatalf("parseSID(%s) = %q, %v; want ErrMalformed", tt.hex, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseSID(%s) = %q, %v; want %q", tt.hex, got, err, tt.want)
			}
			if !strings.Contains(tt.want, "0x") {
				back, err := encodeSID(got)
				if err != nil || !bytes.Equal(back, b) {
					t.Fatalf("encodeSID(%q) = %x, %v; want %x", got, back, err, b)
				}
			}
		})
	}
}

func FuzzParseSID(f *testing.F) {
	for _, s := range []string{"01020000000000052000000020020000", "0101000000000005" + "0b000000", "010500000000000515000000" + "01ca9a3b02943577035ed0b200020000", "", "01ff"} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSID(b)
		if err != nil {
			if !errors.Is(err, scanners.ErrMalformed) {
				t.Fatalf("error not classified as malformed: %v", err)
			}
			return
		}
		if !strings.HasPrefix(s, "S-1-") {
			t.Fatalf("parseSID = %q", s)
		}
		if strings.Contains(s, "0x") {
			return
		}
		back, err := encodeSID(s)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("round trip of %x: %q -> %x, %v", b, s, back, err)
		}
	})
}

func TestParseGUID(t *testing.T) {
	// objectGUID bytes as AD sends them and the string Windows shows.
	b, _ := hex.DecodeString("5181762ccf2fda4483ad3bbd8b48d8b8")
	got, err := parseGUID(b)
	if err != nil || got != "2c768151-2fcf-44da-83ad-3bbd8b48d8b8" {
		t.Fatalf("parseGUID = %q, %v", got, err)
	}
	if _, err := parseGUID(b[:15]); !errors.Is(err, scanners.ErrMalformed) {
		t.Fatalf("short GUID: %v", err)
	}
}

func TestParseFILETIME(t *testing.T) {
	tests := []struct {
		in    string
		want  string // RFC 3339, "" for never
		bad   bool
		never bool
	}{
		{in: "0", never: true},
		{in: "9223372036854775807", never: true},
		{in: "116444736000000000", want: "1970-01-01T00:00:00Z"},
		{in: "134080000000000000", want: "2025-11-19T04:26:40Z"},
		{in: "134398704746217650", want: "2026-11-23T01:21:14.621765Z"},
		{in: "1", want: "1601-01-01T00:00:00.0000001Z"},
		{in: " 116444736000000000 ", want: "1970-01-01T00:00:00Z"},
		{in: "-1", bad: true},
		{in: "abc", bad: true},
		{in: "", bad: true},
		{in: "18446744073709551615", bad: true},                           // beyond int64
		{in: "9223372036854775806", bad: true},                            // year 30828
		{in: "2650467743999999999", want: "9999-12-31T23:59:59.9999999Z"}, // last JSON-safe tick
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseFILETIME(tt.in)
			switch {
			case tt.bad:
				if !errors.Is(err, scanners.ErrMalformed) {
					t.Fatalf("parseFILETIME(%q) = %v, %v; want ErrMalformed", tt.in, got, err)
				}
			case tt.never:
				if err != nil || got != nil {
					t.Fatalf("parseFILETIME(%q) = %v, %v; want never", tt.in, got, err)
				}
			default:
				if err != nil || got == nil || got.Format(time.RFC3339Nano) != tt.want {
					t.Fatalf("parseFILETIME(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
				}
			}
		})
	}
}

func FuzzParseFILETIME(f *testing.F) {
	for _, s := range []string{"0", "9223372036854775807", "134080000000000000", "-5", "x", "2650467743999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseFILETIME(s)
		if err != nil {
			if !errors.Is(err, scanners.ErrMalformed) {
				t.Fatalf("error not classified as malformed: %v", err)
			}
			return
		}
		if got == nil {
			return
		}
		if got.Year() > 9999 || got.Year() < 1601 {
			t.Fatalf("parseFILETIME(%q) = %v outside 1601..9999", s, got)
		}
		if _, err := got.MarshalJSON(); err != nil {
			t.Fatalf("time %v does not encode to JSON: %v", got, err)
		}
		again, err := parseFILETIME(formatFILETIME(*got))
		if err != nil || again == nil || !again.Equal(*got) {
			t.Fatalf("round trip %q -> %v -> %v, %v", s, got, again, err)
		}
	})
}

func TestParseGeneralizedTime(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"20261123012242.0Z", "2026-11-23T01:22:42Z"},
		{"20261123012242Z", "2026-11-23T01:22:42Z"},
		{"20260101000000Z", "2026-01-01T00:00:00Z"},
		{"202611230122Z", "2026-11-23T01:22:00Z"},
		{"2026112301Z", "2026-11-23T01:00:00Z"},
		{"20261123012242.123456Z", "2026-11-23T01:22:42.123456Z"},
		{"20261123012242,5Z", "2026-11-23T01:22:42.5Z"},
		{"20261123012242+0200", "2026-11-22T23:22:42Z"},
		{"20261123012242-0130", "2026-11-23T02:52:42Z"},
		{"000001010000Z", "0000-01-01T00:00:00Z"},
		{"20260231000000Z", ""},
		{"20261323000000Z", ""},
		{"20261123012242", ""},
		{"20261123012242.Z", ""},
		{"2026112301224xZ", ""},
		{"20261123012242Zjunk", ""},
		{"20261123012242+24", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseGeneralizedTime(tt.in)
			if tt.want == "" {
				if !errors.Is(err, scanners.ErrMalformed) {
					t.Fatalf("parseGeneralizedTime(%q) = %v, %v; want ErrMalformed", tt.in, got, err)
				}
				return
			}
			if err != nil || got.Format(time.RFC3339Nano) != tt.want {
				t.Fatalf("parseGeneralizedTime(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseGeneralizedTime(f *testing.F) {
	for _, s := range []string{"20261123012242.0Z", "20261123012242Z", "20261123012242+0200", "1", "99999999999999.999999999999Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseGeneralizedTime(s)
		if err != nil {
			if !errors.Is(err, scanners.ErrMalformed) {
				t.Fatalf("error not classified as malformed: %v", err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("parseGeneralizedTime(%q) not in UTC", s)
		}
	})
}

func TestDNKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"CN=Alice Admin,OU=Staff,DC=corp,DC=example,DC=test", "cn=alice admin,ou=staff,dc=corp,dc=example,dc=test"},
		{"cn=a, ou=b,  dc=c", "cn=a,ou=b,dc=c"},
		{"cn = a , dc = c", "cn=a,dc=c"},
		{`cn=Smith\, John,dc=c`, `CN=smith\2c john,DC=C`},
		{"uid=ÄLICE,dc=c", "uid=älice,dc=c"},
	}
	for _, tt := range tests {
		if ka, kb := dnKey(tt.a), dnKey(tt.b); ka != kb {
			t.Errorf("dnKey(%q) = %q, dnKey(%q) = %q; want equal", tt.a, ka, tt.b, kb)
		}
	}
	if dnKey("cn=a b,dc=c") == dnKey("cn=ab,dc=c") {
		t.Error("spaces inside a value must count")
	}
	if got := parentDN("CN=Smith\\, John,OU=Staff,DC=c"); got != "OU=Staff,DC=c" {
		t.Errorf("parentDN = %q", got)
	}
	if got := dnsDomainFromDN("DC=corp,DC=example,DC=test"); got != "corp.example.test" {
		t.Errorf("dnsDomainFromDN = %q", got)
	}
	if got := stripUID("uid=dave,ou=msp,dc=example,dc=test#'0101'B"); got != "uid=dave,ou=msp,dc=example,dc=test" {
		t.Errorf("stripUID = %q", got)
	}
}

func TestGuardConn(t *testing.T) {
	msg := func(n int) []byte { // a SEQUENCE with an n-byte body, long-form length
		return append([]byte{0x30, 0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, make([]byte, n)...)
	}
	t.Run("messages under the limit pass in any split", func(t *testing.T) {
		stream := append(append(append([]byte{}, msg(100)...), 0x30, 0x03, 1, 2, 3), msg(0)...)
		for split := 1; split < len(stream); split += 7 {
			g := &guardConn{max: 100}
			for i := 0; i < len(stream); i += split {
				end := min(i+split, len(stream))
				if err := g.scan(stream[i:end]); err != nil {
					t.Fatalf("split %d: %v", split, err)
				}
			}
			if g.state != 0 {
				t.Fatalf("split %d: ended mid-message (state %d)", split, g.state)
			}
		}
	})
	t.Run("oversized message", func(t *testing.T) {
		g := &guardConn{max: 100}
		err := g.scan(msg(101)[:6])
		if !errors.Is(err, scanners.ErrMalformed) || !strings.Contains(err.Error(), "101-byte message") {
			t.Fatalf("err = %v", err)
		}
	})
	for name, b := range map[string][]byte{
		"not a sequence":      {0x04, 0x01, 0x00},
		"indefinite length":   {0x30, 0x80},
		"9-byte length field": {0x30, 0x89},
	} {
		t.Run(name, func(t *testing.T) {
			g := &guardConn{max: 1 << 20}
			if err := g.scan(b); !errors.Is(err, scanners.ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestBindError(t *testing.T) {
	diag := "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1"
	err := bindError("auditor@corp.example.test", "ldaps://dc1:636", ldapErr(49, diag))
	for _, want := range []string{"LDAP 49", "data 52e", "invalid credentials", "auditor@corp.example.test"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, scanners.ErrDenied) {
		t.Errorf("a rejected bind must wrap ErrDenied: %v", err)
	}
	err = bindError("x", "ldap://dc1:389", ldapErr(8, "BindSimple: Transport encryption required."))
	if !strings.Contains(err.Error(), "encrypted connection") {
		t.Errorf("strong auth error lacks the hint: %v", err)
	}
}

// FuzzDNKeyFastPath: the fast path (a DN that already is its own key is
// returned as is, sharing its memory; issue 21 memory) gives exactly what
// folding it would.
func FuzzDNKeyFastPath(f *testing.F) {
	for _, s := range []string{"uid=user00001,ou=people,dc=example,dc=test", "cn=a b,dc=c", "cn=a  b,dc=c", " cn=a", "cn=a ,dc=c", "CN=A", "cn=é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dn string) {
		if normalKey(dn) && foldDN(dn) != dn {
			t.Fatalf("normalKey(%q) but foldDN gives %q", dn, foldDN(dn))
		}
	})
}
