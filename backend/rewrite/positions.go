package rewrite

// Positions.
//
// The compiler reads the rewritten file instead of the original, so without
// help every position would name the rewritten copy, and lines would shift
// wherever code is injected. Line directives restore the original
// positions; the compiler and go/parser honour them the same way:
//
//   - `//line file:line:col`, starting at column 1, gives the first
//     character of the next line that position;
//   - `/*line file:line:col*/`, anywhere, gives the character right after
//     it that position;
//   - further lines count on from there, with their real columns (with the
//     file:line form, columns are unknown until the next directive).
//
// The rewrite places three kinds of directive ("anchors"):
//
//   - before a top-level declaration and the package clause, a //line
//     directive, as the last comment before the keyword (after any doc
//     comment);
//   - before a statement (or a spec of a parenthesised declaration, or a
//     field of a struct or interface type), `/*line file:L-1:1*/` and a
//     line break, so the statement starts the next line, L, at its real
//     column. A /*line*/ comment directly before the statement would be
//     simpler, but gofmt moves the statement to the next line when a line
//     comment precedes the /*line*/ comment, and //line comments cannot be
//     used inside functions because the printer indents them. Only a
//     statement that did not start its line in the original (the body of a
//     one-line function), and has no comment before it, gets
//     `/*line file:L:C*/` right before it, which keeps its column too;
//   - after the last statement of a block, `/*line file:R-1:1*/` and a line
//     break, so the closing brace is on line R.
//
// Anchored are: the top-level declarations (but for one directly following
// an untouched one, see follows), the statements and closing braces of
// rewritten bodies, and every injected statement, at the declaration it
// belongs to, so that a stack frame in a wrapper points at the original
// func line. Everything else keeps its line because the printer reproduces
// gofmt-formatted code line for line.
//
// Rather than trust that, the rewrite prints the file, parses it back and
// compares the position of every original node with its position in the
// original file. Where a declaration, statement or closing brace moved (the
// original was not gofmt-formatted: say, two blank lines between
// statements), it anchors it and prints again. Only line drift inside a
// single statement or spec cannot be repaired; it is left as is.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/dstutil"
)

// maxRepairs bounds the print-check-repair rounds. One round fixes every
// statement that moved; the bound only guards against a printer quirk that
// an anchor cannot fix.
const maxRepairs = 3

// printerConfig is gofmt's configuration.
var printerConfig = printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}

// directive renders a position as a line directive argument.
func directive(p token.Position) string {
	if p.Column > 0 {
		return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
	}
	// The original itself had a file:line directive here: keep its columns
	// unknown too.
	return fmt.Sprintf("%s:%d", p.Filename, p.Line)
}

// lineBefore returns the position of the line break that ends the line
// before p: a directive giving that position to a line break puts the next
// line at p.Line with its real columns.
func lineBefore(p token.Position) token.Position {
	p.Line--
	if p.Column > 0 {
		p.Column = 1
	}
	return p
}

// anchorDecl makes top-level declaration d start at p.
func (rw *rewriter) anchorDecl(d dst.Decl, p token.Position) {
	if rw.anchored[d] || !p.IsValid() {
		return
	}
	rw.anchored[d] = true
	decs := d.Decorations()
	// A //line directive only counts at the start of a line, so the
	// declaration must not share a line with what precedes it.
	if decs.Before == dst.None {
		decs.Before = dst.NewLine
	}
	appendLineDirective(&decs.Start, p)
}

// appendLineDirective appends a //line directive for p to the comments
// before a declaration or the package clause. When it joins a doc comment,
// it is set off the way gofmt sets off directives in doc comments, so that
// the output stays as gofmt would print it.
func appendLineDirective(decs *dst.Decorations, p token.Position) {
	if n := len(*decs); n > 0 {
		last := (*decs)[n-1]
		switch {
		case strings.HasPrefix(last, "/*"):
			// A //line directive must start its line.
			decs.Append("\n")
		case strings.HasPrefix(last, "//") && last != "//" && !isDirective(last):
			decs.Append("//")
		}
	}
	decs.Append("//line " + directive(p))
}

// isDirective reports whether a line comment is a directive (//go:noinline,
// //line, //export), as go/doc/comment defines them.
func isDirective(c string) bool {
	c = strings.TrimPrefix(c, "//")
	for _, p := range []string{"line ", "extern ", "export "} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	colon := strings.Index(c, ":")
	if colon <= 0 || colon+1 >= len(c) {
		return false
	}
	for i := 0; i <= colon+1; i++ {
		if i == colon {
			continue
		}
		if b := c[i]; !('a' <= b && b <= 'z' || '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}

// anchorStmt makes statement (or spec, or field) n start at p.
func (rw *rewriter) anchorStmt(n dst.Node, p token.Position) {
	if rw.anchored[n] || !p.IsValid() {
		return
	}
	rw.anchored[n] = true
	decs := n.Decorations()
	// A statement that did not start its line in the original (the body of
	// a one-line function) now starts one, at another column. A directive
	// right before it keeps the column, provided no comment precedes it
	// (see above); the printer writes a blank after the directive, hence
	// the column before p. There is also no line before line 1, which only
	// a function on the line of its package clause can give.
	if p.Line == 1 || p.Column > 1 && len(decs.Start) == 0 && !rw.startsLine(p) {
		if p.Column > 1 {
			p.Column--
		}
		decs.Start.Append("/*line " + directive(p) + "*/")
		// The printer breaks the line between statements after the
		// comments that precede the second one, unless told to break it
		// before.
		if decs.Before == dst.None {
			decs.Before = dst.NewLine
		}
		return
	}
	decs.Start.Append("/*line "+directive(lineBefore(p))+"*/", "\n")
}

// startsLine reports whether only blanks precede p on its line in the
// original source.
func (rw *rewriter) startsLine(p token.Position) bool {
	for i := p.Offset - 1; i >= 0 && rw.src[i] != '\n'; i-- {
		if rw.src[i] != ' ' && rw.src[i] != '\t' {
			return false
		}
	}
	return true
}

// anchorClose makes the closing brace of block b be at p.
func (rw *rewriter) anchorClose(b *dst.BlockStmt, p token.Position) {
	if rw.closed[b] || len(b.List) == 0 || !p.IsValid() || p.Line <= 1 {
		return
	}
	rw.closed[b] = true
	last := b.List[len(b.List)-1].Decorations()
	last.End.Append("/*line "+directive(lineBefore(p))+"*/", "\n")
	// The brace must come right after that line break, not after a blank
	// line kept from the original.
	last.After = dst.NewLine
}

// finish anchors the top-level declarations, adds the unsafe import and the
// new declarations, and prints the file, repairing positions as needed. It
// returns the source and the number of original nodes left off their line.
func (rw *rewriter) finish() ([]byte, int, error) {
	if p := rw.origPos(rw.file); p.IsValid() {
		appendLineDirective(&rw.file.Decs.Start, p)
	}
	if rw.needUnsafe {
		if err := rw.addUnsafeImport(); err != nil {
			return nil, 0, err
		}
	}
	for i, d := range rw.file.Decls {
		if i > 0 && rw.follows(rw.file.Decls[i-1], d) {
			continue
		}
		rw.anchorDecl(d, rw.origPos(d))
	}
	rw.file.Decls = append(rw.file.Decls, rw.appended...)

	for round := 0; ; round++ {
		out, bad, err := rw.printAndCheck()
		if err != nil {
			return nil, 0, err
		}
		if len(bad) == 0 || round == maxRepairs || !rw.repair(bad) {
			return out, len(bad), nil
		}
	}
}

// follows reports whether declaration d can do without a directive because
// it directly follows prev: both are original and untouched, of the same
// kind, and d starts on the line after prev, with no comment between them.
// The printer then keeps d on the line after prev, as in the original. A
// directive there would break gofmt's alignment of runs of one-line
// declarations (func (x T) A() int   { ... }) and so move columns. Should d
// move all the same, the position check anchors it.
func (rw *rewriter) follows(prev, d dst.Decl) bool {
	pa, da := rw.dec.Map.Ast.Nodes[prev], rw.dec.Map.Ast.Nodes[d]
	if rw.edited[prev] || rw.edited[d] || pa == nil || da == nil {
		return false
	}
	if rw.position(pa.End()).Line+1 != rw.position(da.Pos()).Line {
		return false
	}
	if d.Decorations().Before != dst.NewLine || len(d.Decorations().Start) > 0 || len(prev.Decorations().End) > 0 {
		return false
	}
	switch prev := prev.(type) {
	case *dst.FuncDecl:
		_, ok := d.(*dst.FuncDecl)
		return ok
	case *dst.GenDecl:
		gd, ok := d.(*dst.GenDecl)
		return ok && gd.Tok == prev.Tok
	}
	return false
}

// mismatch is an original node that the printed file puts on another line
// (or in another file) than the original.
type mismatch struct {
	node  dst.Node
	close bool // the closing brace of a block moved, not its start
}

// printAndCheck prints the file and finds the original nodes the printed
// file misplaces.
//
// The printed file is parsed back (go/parser applies line directives as the
// compiler does) and matched node for node with the tree it was printed
// from: the printer keeps the structure, except that it drops redundant
// parentheses, which the matching therefore skips. The restorer relates
// that tree to the dst tree, and the decorator relates the dst tree to the
// original file.
func (rw *rewriter) printAndCheck() ([]byte, []mismatch, error) {
	r := decorator.NewRestorer()
	af, err := r.RestoreFile(rw.file)
	if err != nil {
		return nil, nil, fmt.Errorf("rewrite: %s: %w", rw.filename, err)
	}
	var buf bytes.Buffer
	if err := printerConfig.Fprint(&buf, r.Fset, af); err != nil {
		return nil, nil, fmt.Errorf("rewrite: %s: %w", rw.filename, err)
	}
	out := buf.Bytes()

	pfset := token.NewFileSet()
	// No file name: the directives name the file, and a relative name in
	// them must be read as written, not relative to some directory.
	pf, err := parser.ParseFile(pfset, "", out, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("rewrite: internal error: the rewritten %s does not parse: %v", rw.filename, err)
	}
	printed, parsed := syntaxNodes(af), syntaxNodes(pf)
	if len(printed) != len(parsed) {
		return nil, nil, errUnmapped
	}
	reparsed := make(map[ast.Node]ast.Node, len(printed))
	for i, n := range printed {
		if reflect.TypeOf(n) != reflect.TypeOf(parsed[i]) {
			return nil, nil, errUnmapped
		}
		reparsed[n] = parsed[i]
	}

	var bad []mismatch
	dst.Inspect(rw.file, func(n dst.Node) bool {
		if n == nil {
			return false
		}
		orig, pn := rw.dec.Map.Ast.Nodes[n], reparsed[r.Map.Ast.Nodes[n]]
		if orig == nil || pn == nil || !orig.Pos().IsValid() {
			return true
		}
		if !samePlace(rw.position(orig.Pos()), pfset.Position(pn.Pos())) {
			bad = append(bad, mismatch{node: n})
		}
		if ob, ok := orig.(*ast.BlockStmt); ok {
			if !samePlace(rw.position(ob.Rbrace), pfset.Position(pn.(*ast.BlockStmt).Rbrace)) {
				bad = append(bad, mismatch{node: n, close: true})
			}
		}
		return true
	})
	return out, bad, nil
}

// syntaxNodes lists the nodes of a file in depth-first order, leaving out
// comments and parentheses.
func syntaxNodes(f *ast.File) []ast.Node {
	var ns []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		switch n.(type) {
		case nil:
			return false
		case *ast.CommentGroup, *ast.Comment:
			return false
		case *ast.ParenExpr:
			return true
		}
		ns = append(ns, n)
		return true
	})
	return ns
}

// samePlace reports whether two positions are on the same line of the same
// file.
func samePlace(a, b token.Position) bool {
	return a.Line == b.Line && filepath.Clean(a.Filename) == filepath.Clean(b.Filename)
}

// repair anchors the statements, specs and closing braces that moved, and
// reports whether it anchored anything.
func (rw *rewriter) repair(bad []mismatch) bool {
	// Anchors go on top-level declarations, statements in statement
	// lists, specs in parenthesised declarations and fields of struct and
	// interface types: only there can a line break be added before a node
	// without changing the meaning of the code.
	canAnchor := map[dst.Node]bool{}
	parent := map[dst.Node]dst.Node{}
	dstutil.Apply(rw.file, func(c *dstutil.Cursor) bool {
		n := c.Node()
		parent[n] = c.Parent()
		switch p := c.Parent().(type) {
		case *dst.File:
			canAnchor[n] = c.Name() == "Decls"
		case *dst.BlockStmt:
			canAnchor[n] = c.Name() == "List"
		case *dst.CaseClause:
			canAnchor[n] = c.Name() == "Body"
		case *dst.CommClause:
			canAnchor[n] = c.Name() == "Body"
		case *dst.GenDecl:
			canAnchor[n] = p.Lparen
		case *dst.FieldList:
			// Struct fields and interface methods, not parameters, whose
			// list would be broken over lines.
			_, isStruct := parent[p].(*dst.StructType)
			_, isInterface := parent[p].(*dst.InterfaceType)
			canAnchor[n] = isStruct || isInterface
		}
		return true
	}, nil)

	moved := map[dst.Node]bool{}
	for _, m := range bad {
		if !m.close {
			moved[m.node] = true
		}
	}
	progress := false
	for _, m := range bad {
		if m.close {
			b := m.node.(*dst.BlockStmt)
			if !rw.closed[b] && len(b.List) > 0 {
				rw.anchorClose(b, rw.position(rw.dec.Map.Ast.Nodes[b].(*ast.BlockStmt).Rbrace))
				progress = progress || rw.closed[b]
			}
			continue
		}
		// A node inside a statement moved: anchor the enclosing statement
		// if it moved too. If it did not, the drift is inside the
		// statement, where no line break can be added.
		for n := m.node; n != nil; n = parent[n] {
			if canAnchor[n] {
				if moved[n] && !rw.anchored[n] {
					if d, ok := n.(dst.Decl); ok {
						rw.anchorDecl(d, rw.origPos(d))
					} else {
						rw.anchorStmt(n, rw.origPos(n))
					}
					progress = true
				}
				break
			}
		}
	}
	return progress
}
