package visitor

import "strings"

// substringIndex finds, in one pass over a text, every needle it contains
// (ASCII case-insensitively): an Aho-Corasick automaton compiled into a dense
// transition table over byte classes, so each input byte costs one table load.
// The crawler matcher uses it as a prefilter: 1500 patterns, one scan.
type substringIndex struct {
	class   [256]uint8 // byte -> class; 0 = a byte no needle contains
	classes int
	next    []int32 // next[state*classes+class]
	out     [][]int // needle ids ending at a state
	dict    []int32 // nearest proper suffix state with output, 0 = none
}

// foldsToASCII reports whether text holds one of the two non-ASCII runes
// that Go's case-insensitive regexps equate with an ASCII letter (KELVIN
// SIGN ~ k, LONG S ~ s). The byte-wise prefilter cannot see those, so the
// callers then run every rule: rare, and still exact.
func foldsToASCII(text string) bool { return strings.ContainsAny(text, "\u212a\u017f") }

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// newSubstringIndex compiles needles; ids are their positions. Empty needles
// are ignored (they would match everything).
func newSubstringIndex(needles []string) *substringIndex {
	ix := &substringIndex{classes: 1}
	for _, n := range needles {
		for i := 0; i < len(n); i++ {
			c := asciiLower(n[i])
			if ix.class[c] == 0 { // at most 231 classes: upper-case letters fold
				ix.class[c] = uint8(ix.classes)
				ix.classes++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		ix.class[c] = ix.class[c+'a'-'A']
	}
	ix.addState()
	for id, n := range needles {
		if n != "" {
			ix.insert(n, id)
		}
	}
	ix.link()
	return ix
}

func (ix *substringIndex) addState() int32 {
	for range ix.classes {
		ix.next = append(ix.next, -1)
	}
	ix.out = append(ix.out, nil)
	ix.dict = append(ix.dict, 0)
	return int32(len(ix.out) - 1)
}

func (ix *substringIndex) insert(needle string, id int) {
	var s int32
	for i := 0; i < len(needle); i++ {
		k := int(s)*ix.classes + int(ix.class[needle[i]])
		if ix.next[k] < 0 {
			t := ix.addState()
			ix.next[k] = t
		}
		s = ix.next[k]
	}
	ix.out[s] = append(ix.out[s], id)
}

// link turns the trie into the full automaton: breadth-first, each missing
// edge borrows the edge of the state's failure link.
func (ix *substringIndex) link() {
	fail := make([]int32, len(ix.out))
	queue := make([]int32, 0, len(ix.out))
	for c := range ix.classes {
		if t := ix.next[c]; t > 0 {
			queue = append(queue, t)
		} else {
			ix.next[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c := range ix.classes {
			k := int(s)*ix.classes + c
			t := ix.next[k]
			f := ix.next[int(fail[s])*ix.classes+c]
			if t < 0 {
				ix.next[k] = f
				continue
			}
			fail[t] = f
			if len(ix.out[f]) > 0 {
				ix.dict[t] = f
			} else {
				ix.dict[t] = ix.dict[f]
			}
			queue = append(queue, t)
		}
	}
}

// each calls fn with the id of every needle occurrence in text, stopping
// when fn returns true; it reports whether fn did.
func (ix *substringIndex) each(text string, fn func(id int) bool) bool {
	var s int32
	for i := 0; i < len(text); i++ {
		s = ix.next[int(s)*ix.classes+int(ix.class[text[i]])]
		t := s
		if len(ix.out[t]) == 0 {
			t = ix.dict[t]
		}
		for t > 0 {
			for _, id := range ix.out[t] {
				if fn(id) {
					return true
				}
			}
			t = ix.dict[t]
		}
	}
	return false
}

// states is the automaton size, for tests and the memory figure.
func (ix *substringIndex) states() int { return len(ix.out) }
