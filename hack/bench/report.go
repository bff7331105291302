package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// table is one workload's result: rows of cells with a header, and notes saying how the figures
// were obtained.
type table struct {
	title  string
	header []string
	rows   [][]string
	notes  []string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// text renders the table for the terminal with aligned columns.
func (t table) text() string {
	width := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "== %s\n", t.title)
	line := func(r []string) {
		for i, c := range r {
			if i >= len(width) {
				break
			}
			fmt.Fprintf(&b, "%s%s  ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		b.WriteString("\n")
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
	for _, n := range t.notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

// markdown renders the table as a Markdown subsection.
func (t table) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", t.title)
	row := func(r []string) {
		b.WriteString("|")
		for _, c := range r {
			fmt.Fprintf(&b, " %s |", strings.ReplaceAll(c, "|", `\|`))
		}
		b.WriteString("\n")
	}
	row(t.header)
	b.WriteString("|" + strings.Repeat("---|", len(t.header)) + "\n")
	for _, r := range t.rows {
		row(r)
	}
	if len(t.notes) > 0 {
		b.WriteString("\n")
		for _, n := range t.notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

// Markers delimit the section of docs/benchmarks.md this harness owns.
const (
	sectionBegin = "<!-- BEGIN issue-7-harness (written by `make bench`; edits inside are overwritten) -->"
	sectionEnd   = "<!-- END issue-7-harness -->"
)

// docIntro starts docs/benchmarks.md when the file does not exist yet.
const docIntro = "# Benchmarks\n\nFigures measured on the development machine, each with the command that produced it.\n"

// replaceSection returns doc with the text between the markers replaced by body. When the markers
// are missing the section is appended, so every other section of the document stays as it was.
func replaceSection(doc, body string) string {
	if strings.TrimSpace(doc) == "" {
		doc = docIntro
	}
	section := sectionBegin + "\n" + strings.TrimRight(body, "\n") + "\n" + sectionEnd
	start := strings.Index(doc, sectionBegin)
	end := strings.Index(doc, sectionEnd)
	if start < 0 || end < start {
		return strings.TrimRight(doc, "\n") + "\n\n" + section + "\n"
	}
	return doc[:start] + section + doc[end+len(sectionEnd):]
}
