package ssaweave

import "golang.org/x/tools/go/ssa"

// loopDepths returns, for each block of fn (by Block.Index), how many
// natural loops contain it. A natural loop is found from each back edge
// b → h, an edge to a block h that dominates b: its body is h and every
// block that reaches b without passing through h. Back edges to the same
// header make one loop. Unreachable blocks are in no loop.
func loopDepths(fn *ssa.Function) []int {
	depth := make([]int, len(fn.Blocks))
	bodies := map[*ssa.BasicBlock]map[*ssa.BasicBlock]bool{} // header → body
	var headers []*ssa.BasicBlock
	for _, b := range fn.Blocks {
		for _, h := range b.Succs {
			if !h.Dominates(b) {
				continue
			}
			body := bodies[h]
			if body == nil {
				body = map[*ssa.BasicBlock]bool{h: true}
				bodies[h] = body
				headers = append(headers, h)
			}
			// Walk backwards from the latch b; h stops the walk.
			stack := []*ssa.BasicBlock{b}
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if body[x] {
					continue
				}
				body[x] = true
				stack = append(stack, x.Preds...)
			}
		}
	}
	for _, h := range headers {
		for x := range bodies[h] {
			depth[x.Index]++
		}
	}
	return depth
}

// rangeFuncBody is the Synthetic of the function go/ssa makes of the body
// of a range-over-func loop: the iterator calls it once per iteration.
const rangeFuncBody = "range-over-func yield"

// loopDepth returns how many loops enclose instr in its function (see
// loopDepthIn), with the audit's cache.
func (au *auditor) loopDepth(instr ssa.Instruction) int {
	return loopDepthIn(au.loops, instr)
}

// loopDepthIn returns how many loops enclose instr in its function: the
// natural loops of the function, plus one for each range-over-func loop
// body it is nested in (the iterator calls the body in a loop the
// function cannot see). Depths are cached per function in cache; the
// audit and the plan's hot paths (hot.go) each keep one.
func loopDepthIn(cache map[*ssa.Function][]int, instr ssa.Instruction) int {
	fn := instr.Parent()
	d, ok := cache[fn]
	if !ok {
		d = loopDepths(fn)
		cache[fn] = d
	}
	n := 0
	if b := instr.Block(); b != nil && b.Index < len(d) {
		n = d[b.Index]
	}
	for f := fn; f != nil && f.Synthetic == rangeFuncBody; f = f.Parent() {
		n++
	}
	return n
}
