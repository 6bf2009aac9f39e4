package summary

import (
	"go/types"
	"slices"
	"strconv"
	"strings"
)

// Key returns a string that identifies t as types.Identical does, across
// processes: two types have the same key when they are identical (for
// named types: the same package path, name and type arguments), so a key
// can stand for a type in facts that outlive the type checker. Unlike
// types.TypeString it leaves out what identity ignores (parameter and
// result names, a method signature's receiver) and spells out interfaces
// by their method sets. Named types declared inside functions are keyed
// by package and name only, so two of them with the same name in one
// package share a key; facts about them then merge, which can only make
// RTA over summaries reach more, never less.
func Key(t types.Type) string {
	var sb strings.Builder
	writeKey(&sb, t)
	return sb.String()
}

func writeKey(sb *strings.Builder, t types.Type) {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		sb.WriteString(t.Name())
	case *types.Pointer:
		sb.WriteByte('*')
		writeKey(sb, t.Elem())
	case *types.Slice:
		sb.WriteString("[]")
		writeKey(sb, t.Elem())
	case *types.Array:
		sb.WriteString("[" + strconv.FormatInt(t.Len(), 10) + "]")
		writeKey(sb, t.Elem())
	case *types.Map:
		sb.WriteString("map[")
		writeKey(sb, t.Key())
		sb.WriteByte(']')
		writeKey(sb, t.Elem())
	case *types.Chan:
		switch t.Dir() {
		case types.SendRecv:
			sb.WriteString("chan ")
		case types.SendOnly:
			sb.WriteString("chan<- ")
		case types.RecvOnly:
			sb.WriteString("<-chan ")
		}
		writeKey(sb, t.Elem())
	case *types.Signature:
		sb.WriteString("func")
		writeTuple(sb, t.Params(), t.Variadic())
		writeTuple(sb, t.Results(), false)
	case *types.Tuple:
		writeTuple(sb, t, false)
	case *types.Struct:
		sb.WriteString("struct{")
		for i := range t.NumFields() {
			f := t.Field(i)
			if i > 0 {
				sb.WriteString("; ")
			}
			if f.Embedded() {
				sb.WriteString("embed ")
			}
			// Unexported field names are qualified by their package:
			// identity compares them so.
			sb.WriteString(f.Id() + " ")
			writeKey(sb, f.Type())
			if tag := t.Tag(i); tag != "" {
				sb.WriteString(" " + strconv.Quote(tag))
			}
		}
		sb.WriteByte('}')
	case *types.Interface:
		// Identity of interfaces is identity of their method sets.
		var ms []string
		for m := range t.Methods() { // all methods, embedded ones included
			var mb strings.Builder
			mb.WriteString(m.Id())
			writeKey(&mb, m.Type())
			ms = append(ms, mb.String())
		}
		slices.Sort(ms)
		sb.WriteString("interface{" + strings.Join(ms, "; "))
		if !t.IsMethodSet() {
			// A constraint interface (type sets): never a value's type
			// at run time; spell it out to keep keys distinct.
			sb.WriteString("; " + t.String())
		}
		sb.WriteByte('}')
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() != nil {
			sb.WriteString(obj.Pkg().Path() + ".")
		}
		sb.WriteString(obj.Name())
		if args := t.TypeArgs(); args.Len() > 0 {
			sb.WriteByte('[')
			for i := range args.Len() {
				if i > 0 {
					sb.WriteString(", ")
				}
				writeKey(sb, args.At(i))
			}
			sb.WriteByte(']')
		}
	case *types.TypeParam:
		sb.WriteString("typeparam " + t.Obj().Name() + "#" + strconv.Itoa(t.Index()))
	default:
		sb.WriteString(t.String())
	}
}

// writeTuple writes the types of tu, without names.
func writeTuple(sb *strings.Builder, tu *types.Tuple, variadic bool) {
	sb.WriteByte('(')
	for i := range tu.Len() {
		if i > 0 {
			sb.WriteString(", ")
		}
		if variadic && i == tu.Len()-1 {
			sb.WriteString("...")
		}
		writeKey(sb, tu.At(i).Type())
	}
	sb.WriteByte(')')
}
