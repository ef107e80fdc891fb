package visitor

import (
	"regexp/syntax"
	"slices"
)

// Literal extraction for the prefilters: from a parsed regexp, the literal
// text a match cannot do without. Everything here errs on the side of
// "no constraint": a missing literal only costs speed, a wrong one would
// change answers (the equivalence tests guard that).

// maxExactSet caps how many spellings a run of small pieces may expand to
// ("i-?mobile[ _]" is 4).
const maxExactSet = 16

// requiredLiterals returns lower-case strings of which at least one occurs in
// every text re matches, or nil if there is none worth indexing.
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		b := make([]byte, 0, len(re.Rune))
		for _, r := range string(re.Rune) {
			if r >= 0x80 {
				return nil // keep the index ASCII; such patterns run as "always"
			}
			b = append(b, asciiLower(byte(r)))
		}
		return []string{string(b)}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		return bestRequired(re.Sub)
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits := requiredLiterals(sub)
			if lits == nil {
				return nil
			}
			all = append(all, lits...)
		}
		slices.Sort(all)
		return slices.Compact(all)
	}
	return nil
}

// bestRequired picks, among the parts of a concatenation, the one whose
// shortest required literal is longest: the most selective prefilter.
func bestRequired(parts []*syntax.Regexp) []string {
	var best []string
	bestLen := 0
	for _, p := range parts {
		lits := requiredLiterals(p)
		if lits == nil {
			continue
		}
		shortest := len(lits[0])
		for _, l := range lits {
			shortest = min(shortest, len(l))
		}
		if shortest > bestLen {
			best, bestLen = lits, shortest
		}
	}
	return best
}

// requiredGroups returns literal groups that every match of re satisfies:
// each group holds lower-case strings of which at least one occurs in the
// text, and all groups hold at once. No constraint is an empty result.
func requiredGroups(re *syntax.Regexp) [][]string {
	switch re.Op {
	case syntax.OpLiteral, syntax.OpAlternate:
		if lits := requiredLiterals(re); lits != nil {
			return [][]string{lits}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredGroups(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredGroups(re.Sub[0])
		}
	case syntax.OpConcat:
		return concatGroups(re.Sub)
	}
	return nil
}

// concatGroups joins adjacent pieces with a small exact set of spellings
// into longer literals ("; {0,2}i-?mobile" gives ";imobile", "; i-mobile",
// ...), far more selective than their parts; other pieces add their own
// groups.
func concatGroups(parts []*syntax.Regexp) [][]string {
	var groups [][]string
	run := []string{""}
	flush := func() {
		if !slices.Contains(run, "") {
			slices.Sort(run)
			groups = append(groups, slices.Compact(run))
		}
		run = []string{""}
	}
	for _, p := range parts {
		set, ok := exactSet(p)
		if !ok {
			flush()
			groups = append(groups, requiredGroups(p)...)
			continue
		}
		if len(run)*len(set) > maxExactSet {
			flush()
		}
		run = product(run, set)
	}
	flush()
	return groups
}

// exactSet returns every (lower-case) string re can match, when that is a
// small finite set.
func exactSet(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpLiteral:
		lits := requiredLiterals(re)
		return lits, lits != nil
	case syntax.OpCharClass:
		return classSet(re.Rune)
	case syntax.OpCapture:
		return exactSet(re.Sub[0])
	case syntax.OpQuest:
		set, ok := exactSet(re.Sub[0])
		return append(set, ""), ok && len(set) < maxExactSet
	case syntax.OpRepeat:
		return repeatSet(re)
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			set, ok := exactSet(sub)
			if !ok || len(out)*len(set) > maxExactSet {
				return nil, false
			}
			out = product(out, set)
		}
		return out, true
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			set, ok := exactSet(sub)
			if !ok || len(out)+len(set) > maxExactSet {
				return nil, false
			}
			out = append(out, set...)
		}
		return out, true
	}
	return nil, false
}

// classSet spells a small ASCII character class, case folded.
func classSet(ranges []rune) ([]string, bool) {
	var out []string
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1]-ranges[i] > maxExactSet || ranges[i+1] >= 0x80 {
			return nil, false
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			out = append(out, string(asciiLower(byte(r))))
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return out, len(out) > 0 && len(out) <= maxExactSet
}

// repeatSet spells x{min,max} for a small max.
func repeatSet(re *syntax.Regexp) ([]string, bool) {
	set, ok := exactSet(re.Sub[0])
	if !ok || re.Max < 0 || re.Max > 3 {
		return nil, false
	}
	var out []string
	cur := []string{""}
	for n := 0; n <= re.Max; n++ {
		if n >= re.Min {
			out = append(out, cur...)
		}
		if len(cur)*len(set) > maxExactSet {
			return nil, false
		}
		cur = product(cur, set)
	}
	return out, len(out) <= maxExactSet
}

func product(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}
