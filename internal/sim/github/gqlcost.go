package github

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// gqlCost computes the rate-limit score of a query the way GitHub's
// "Resource limitations" page documents it: every connection (a field
// given first or last) needs one request per parent node that may hold
// it, parents assumed full at their own first/last; the requests are
// added up, divided by 100 and rounded, with a minimum of 1. The
// rateLimit field costs nothing by itself.
//
// It also applies the node limit rule GitHub checks before running a
// query: first and last must be between 1 and 100. An error names the
// connection, in GitHub's words, and has type EXCESSIVE_PAGINATION.
//
// The parser knows only what the cost needs: field names, aliases,
// arguments (literal integers or $variables) and selection sets.
func gqlCost(query string, vars map[string]any) (int, error) {
	toks := gqlTokens(query)
	requests := 0.0
	// mult is the stack of multipliers of the open selection sets: how
	// many parent nodes each field inside may appear under.
	mult := []float64{}
	pendingPush := 1.0 // multiplier for the next "{"
	cur := func() float64 {
		if len(mult) == 0 {
			return 1
		}
		return mult[len(mult)-1]
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t {
		case "{":
			mult = append(mult, pendingPush)
			pendingPush = cur()
			continue
		case "}":
			if len(mult) > 0 {
				mult = mult[:len(mult)-1]
			}
			pendingPush = cur()
			continue
		}
		if !isName(t) || len(mult) == 0 {
			continue
		}
		// A field: name, optional alias "alias: name", optional args.
		name := t
		if i+2 < len(toks) && toks[i+1] == ":" && isName(toks[i+2]) {
			name = toks[i+2]
			i += 2
		}
		pendingPush = cur()
		if i+1 >= len(toks) || toks[i+1] != "(" {
			continue
		}
		// Arguments up to the matching ")".
		depth, j := 0, i+1
		size := 0
		for ; j < len(toks); j++ {
			switch toks[j] {
			case "(", "{", "[":
				depth++
				continue
			case ")", "}", "]":
				depth--
				if depth == 0 && toks[j] == ")" {
					goto done
				}
				continue
			}
			if depth == 1 && (toks[j] == "first" || toks[j] == "last") && j+2 < len(toks) && toks[j+1] == ":" {
				n, ok := gqlInt(toks[j+2], vars)
				if !ok {
					continue
				}
				if n < 1 || n > 100 {
					return 0, fmt.Errorf("Requesting %d records on the `%s` connection exceeds the `%s` limit of 100 records.", n, name, toks[j])
				}
				size = n
			}
		}
	done:
		i = j
		if size > 0 {
			requests += cur()
			pendingPush = cur() * float64(size)
		}
	}
	return max(1, int(math.Round(requests/100))), nil
}

func gqlInt(tok string, vars map[string]any) (int, bool) {
	if strings.HasPrefix(tok, "$") {
		switch v := vars[tok[1:]].(type) {
		case float64:
			return int(v), true
		case int:
			return v, true
		}
		return 0, false
	}
	n, err := strconv.Atoi(tok)
	return n, err == nil
}

func isName(t string) bool {
	if t == "" {
		return false
	}
	r := rune(t[0])
	return r == '_' || unicode.IsLetter(r)
}

// gqlTokens splits a query into names, numbers, $variables, strings and
// punctuation; comments and commas are dropped.
func gqlTokens(q string) []string {
	var out []string
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '#':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
		case c == '"':
			j := i + 1
			for j < len(q) && q[j] != '"' {
				if q[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, q[i:min(j+1, len(q))])
			i = j + 1
		case c == '.' && strings.HasPrefix(q[i:], "..."):
			out = append(out, "...")
			i += 3
		case c == '$' || c == '_' || c == '-' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)):
			j := i + 1
			for j < len(q) && (q[j] == '_' || unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j]))) {
				j++
			}
			out = append(out, q[i:j])
			i = j
		default:
			out = append(out, string(c))
			i++
		}
	}
	return out
}
