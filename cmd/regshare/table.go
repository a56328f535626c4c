package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"
)

// status names a share's status in a table.
func status(valid bool) string {
	if valid {
		return "Valid"
	}
	return "Expired"
}

// ellipsis puts s on one line of at most n characters.
func ellipsis(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// writeTable prints rows as aligned columns, every cell made terminalSafe:
// the cells hold what other users wrote (descriptions, names).
func writeTable(w io.Writer, rows [][]string) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	cells := make([]string, 0, 8)
	for _, r := range rows {
		cells = cells[:0]
		for _, c := range r {
			cells = append(cells, terminalSafe(c))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// terminalSafe neutralises what a terminal acts on instead of showing: the
// C0 and C1 control characters (ESC and CSI start escape sequences that
// clear the screen, set the window title or move the cursor), DEL, and the
// bidirectional embeddings, overrides and isolates that reorder the text
// after them. Whitespace controls become a space (a tab would also break
// the table's columns), the others U+FFFD, so that what was there stays
// visible.
func terminalSafe(s string) string {
	if !strings.ContainsFunc(s, unsafeForTerminal) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case !unsafeForTerminal(r):
			return r
		case unicode.IsSpace(r):
			return ' '
		}
		return utf8.RuneError
	}, s)
}

func unsafeForTerminal(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || // C0, DEL, C1
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) // LRE..RLO, LRI..PDI
}
