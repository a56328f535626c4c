package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// consoleDir holds the console's sources, from this package's directory.
var consoleDir = filepath.Join("..", "..", "admin", "console")

// consoleLanguages are the languages every string of STRINGS has.
var consoleLanguages = []string{"en", "zh"}

// jsLexer reads the little JavaScript that STRINGS is written in: quoted
// strings, names, punctuation, and comments between them.
type jsLexer struct {
	s string
	i int
}

func (l *jsLexer) line() int { return strings.Count(l.s[:l.i], "\n") + 1 }

func (l *jsLexer) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", l.line(), fmt.Sprintf(format, args...))
}

// skip passes white space and comments.
func (l *jsLexer) skip() {
	for l.i < len(l.s) {
		switch {
		case strings.ContainsRune(" \t\r\n", rune(l.s[l.i])):
			l.i++
		case strings.HasPrefix(l.s[l.i:], "//"):
			if n := strings.IndexByte(l.s[l.i:], '\n'); n >= 0 {
				l.i += n
			} else {
				l.i = len(l.s)
			}
		case strings.HasPrefix(l.s[l.i:], "/*"):
			if n := strings.Index(l.s[l.i+2:], "*/"); n >= 0 {
				l.i += n + 4
			} else {
				l.i = len(l.s)
			}
		default:
			return
		}
	}
}

// peek is the next character after white space and comments, or 0.
func (l *jsLexer) peek() byte {
	l.skip()
	if l.i == len(l.s) {
		return 0
	}
	return l.s[l.i]
}

func (l *jsLexer) expect(c byte) error {
	if got := l.peek(); got != c {
		return l.errorf("want %q, found %q", c, got)
	}
	l.i++
	return nil
}

var jsName = regexp.MustCompile(`^[A-Za-z_$][\w$]*`)

func (l *jsLexer) name() (string, error) {
	l.skip()
	m := jsName.FindString(l.s[l.i:])
	if m == "" {
		return "", l.errorf("want a name")
	}
	l.i += len(m)
	return m, nil
}

// str reads a string in single or double quotes, with JavaScript's
// escapes. Template literals and concatenation are not allowed: a string
// of STRINGS is one literal.
func (l *jsLexer) str() (string, error) {
	q := l.peek()
	if q != '\'' && q != '"' {
		return "", l.errorf("want a quoted string, found %q", q)
	}
	var b strings.Builder
	for l.i++; l.i < len(l.s); l.i++ {
		c := l.s[l.i]
		switch {
		case c == q:
			l.i++
			return b.String(), nil
		case c == '\n':
			return "", l.errorf("a string ends at the end of the line")
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		l.i++
		if l.i == len(l.s) {
			break
		}
		switch e := l.s[l.i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'u', 'x':
			n := 4
			if e == 'x' {
				n = 2
			}
			r, err := strconv.ParseUint(l.s[min(l.i+1, len(l.s)):min(l.i+1+n, len(l.s))], 16, 32)
			if err != nil {
				return "", l.errorf("bad escape \\%c", e)
			}
			b.WriteRune(rune(r))
			l.i += n
		default:
			b.WriteByte(e)
		}
	}
	return "", l.errorf("a string does not end")
}

// parseStrings reads the STRINGS of i18n.js, or of a strings-<group>.js:
// key → language → string.
func parseStrings(src string) (map[string]map[string]string, error) {
	const head = "export const STRINGS = {"
	start := strings.Index(src, head)
	if start < 0 {
		return nil, fmt.Errorf("no %q", head)
	}
	l := &jsLexer{s: src, i: start + len(head)}
	out := map[string]map[string]string{}
	for l.peek() != '}' {
		key, err := l.str()
		if err != nil {
			return nil, err
		}
		if _, ok := out[key]; ok {
			return nil, l.errorf("key %q appears twice", key)
		}
		if err := l.expect(':'); err != nil {
			return nil, err
		}
		if err := l.expect('{'); err != nil {
			return nil, err
		}
		entry := map[string]string{}
		for l.peek() != '}' {
			lang, err := l.name()
			if err != nil {
				return nil, err
			}
			if err := l.expect(':'); err != nil {
				return nil, err
			}
			if entry[lang], err = l.str(); err != nil {
				return nil, err
			}
			if l.peek() == ',' {
				l.i++
			}
		}
		l.i++
		out[key] = entry
		if l.peek() == ',' {
			l.i++
		}
	}
	return out, nil
}

func TestConsoleI18nParse(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      map[string]map[string]string
		err       string
	}{
		{
			name: "escapes, both quotes, comments and lines",
			src: `export const STRINGS = {
  // a group
  'a.b': { en: 'it\'s {n}', zh: "“{n}” \u4e2d" }, /* between */
  'a.c': {
    en: "x",
    zh: 'y',
  },
};`,
			want: map[string]map[string]string{"a.b": {"en": "it's {n}", "zh": "“{n}” 中"}, "a.c": {"en": "x", "zh": "y"}},
		},
		{name: "a key twice", src: "export const STRINGS = { 'a': { en: 'x' }, 'a': { en: 'y' } };", err: "twice"},
		{name: "a template literal", src: "export const STRINGS = { 'a': { en: `x` } };", err: "quoted string"},
		{name: "no STRINGS", src: "const S = {};", err: "no"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseStrings(c.src)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("parseStrings: %v, want an error with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g, w := fmt.Sprint(got), fmt.Sprint(c.want); g != w {
				t.Errorf("parseStrings: %s, want %s", g, w)
			}
		})
	}
}

func readConsole(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(consoleDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// consoleStrings reads STRINGS: i18n.js's, and those of the modules it
// merges into it (strings-<group>.js), each key in one of them.
func consoleStrings(t *testing.T) map[string]map[string]string {
	t.Helper()
	s, err := parseStrings(readConsole(t, "i18n.js"))
	if err != nil {
		t.Fatalf("i18n.js: %v", err)
	}
	more, err := filepath.Glob(filepath.Join(consoleDir, "strings-*.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range more {
		name := filepath.Base(f)
		if !strings.Contains(readConsole(t, "i18n.js"), "from './"+name+"'") {
			t.Errorf("i18n.js does not merge %s", name)
		}
		group, err := parseStrings(readConsole(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, v := range group {
			if _, ok := s[k]; ok {
				t.Errorf("%s: key %q is in STRINGS already", name, k)
			}
			s[k] = v
		}
	}
	return s
}

var (
	placeholder = regexp.MustCompile(`\{(\w+)\}`)
	// A call of t, tn or tParts; its first argument is the key.
	keyCall    = regexp.MustCompile(`(?:^|[^\w$.])(t|tn|tParts)\(\s*(['"])([^'"]*)['"]`)
	dynamicKey = regexp.MustCompile(`(?:^|[^\w$.])(?:t|tn|tParts)\(\s*([^'"\s)])`)
	// A key chosen between two literals: t(cond ? 'a.b' : 'a.c', …).
	ternaryKey = regexp.MustCompile(`(?:^|[^\w$.])(?:t|tn|tParts)\(\s*(?:[\w$.!() =&|]|'[^']*')+?\?\s*'([^']*)'\s*:\s*'([^']*)'`)
	markupKey  = regexp.MustCompile(`\bdata-i18n(?:-aria-label|-title|-placeholder)?="([^"]*)"`)
)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// listedKeys is the comment that lists the keys a call builds at run
// time, on the call's line or the line above: // i18n-keys: a.b a.c
var listedKeys = regexp.MustCompile(`//\s*i18n-keys:(.*)`)

// usedKeys finds the keys the console's scripts and index.html use, by
// where they are used; a key built at run time is an error, as no test
// could check it, unless an i18n-keys comment lists the keys it builds.
func usedKeys(t *testing.T) map[string][]string {
	t.Helper()
	used := map[string][]string{}
	files, err := filepath.Glob(filepath.Join(consoleDir, "*.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the console's scripts: %v %v", files, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		src := readConsole(t, name)
		lines := strings.Split(src, "\n")
		for i, line := range lines {
			where := fmt.Sprintf("%s:%d", name, i+1)
			if m := listedKeys.FindStringSubmatch(line); m != nil {
				for _, k := range strings.Fields(m[1]) {
					used[k] = append(used[k], where)
				}
			}
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "//") || strings.HasPrefix(l, "*") {
				continue // a comment: what it shows is not a use
			}
			for _, m := range keyCall.FindAllStringSubmatch(line, -1) {
				if m[1] == "tn" {
					used[m[3]+".one"] = append(used[m[3]+".one"], where)
					used[m[3]+".other"] = append(used[m[3]+".other"], where)
				} else {
					used[m[3]] = append(used[m[3]], where)
				}
			}
			for _, m := range ternaryKey.FindAllStringSubmatch(line, -1) {
				used[m[1]] = append(used[m[1]], where)
				used[m[2]] = append(used[m[2]], where)
			}
			// i18n.js itself looks keys up from the markup and for tn.
			listedHere := listedKeys.MatchString(line) || i > 0 && listedKeys.MatchString(lines[i-1])
			dynamic := len(dynamicKey.FindAllString(line, -1)) > len(ternaryKey.FindAllString(line, -1))
			if dynamic && name != "i18n.js" && !listedHere {
				t.Errorf("%s: a key built at run time (%s); write each key as a literal", where, strings.TrimSpace(line))
			}
		}
	}
	for i, line := range strings.Split(readConsole(t, "index.html"), "\n") {
		for _, m := range markupKey.FindAllStringSubmatch(line, -1) {
			used[m[1]] = append(used[m[1]], fmt.Sprintf("index.html:%d", i+1))
		}
	}
	return used
}

// TestConsoleI18nStrings checks STRINGS in i18n.js: every string is there
// in every language, with the same {placeholders}; every key that the
// scripts and index.html use is in it, and every key in it is used.
func TestConsoleI18nStrings(t *testing.T) {
	strs := consoleStrings(t)
	for key, entry := range strs {
		for _, lang := range consoleLanguages {
			if strings.TrimSpace(entry[lang]) == "" {
				t.Errorf("%s: no %s string", key, lang)
			}
		}
		for lang := range entry {
			if !slices.Contains(consoleLanguages, lang) {
				t.Errorf("%s: a string in %q, which the console does not have", key, lang)
			}
		}
		if en, zh := placeholders(entry["en"]), placeholders(entry["zh"]); !slices.Equal(en, zh) {
			t.Errorf("%s: placeholders %q in English, %q in Chinese", key, en, zh)
		}
		if strings.ContainsAny(entry["zh"], ",.:;?!()") && regexp.MustCompile(`\p{Han} *[,.:;?!()]|[,.:;?!()] *\p{Han}`).MatchString(entry["zh"]) {
			t.Errorf("%s: half-width punctuation next to Chinese in %q", key, entry["zh"])
		}
		for _, pair := range [][2]string{{".one", ".other"}, {".other", ".one"}} {
			if base, ok := strings.CutSuffix(key, pair[0]); ok {
				if _, ok := strs[base+pair[1]]; !ok {
					t.Errorf("%s: a counted string needs %s%s too", key, base, pair[1])
				}
			}
		}
	}
	used := usedKeys(t)
	// A listed key "prefix.*" is every key of that prefix: errors.REGSHARE.*
	// are looked up by the code of the API's answer.
	for key, where := range used {
		if prefix, ok := strings.CutSuffix(key, "*"); ok {
			delete(used, key)
			for k := range strs {
				if strings.HasPrefix(k, prefix) {
					used[k] = append(used[k], where...)
				}
			}
		}
	}
	for key, where := range used {
		if _, ok := strs[key]; !ok {
			t.Errorf("%s: no key %q in STRINGS", strings.Join(where, ", "), key)
		}
	}
	for key := range strs {
		if _, ok := used[key]; !ok {
			t.Errorf("STRINGS has %q, which nothing uses", key)
		}
	}
}

// latinWord is a word of Latin letters.
var latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// chineseLatin are the Latin words that the Chinese strings themselves
// use (regshare, docker, CI, API…): they may appear on a Chinese page.
func chineseLatin(strs map[string]map[string]string) []string {
	set := map[string]bool{}
	for _, e := range strs {
		for _, w := range latinWord.FindAllString(placeholder.ReplaceAllString(e["zh"], ""), -1) {
			set[strings.ToLower(w)] = true
		}
	}
	out := make([]string, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}
