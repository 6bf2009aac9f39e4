package callgraph

func init() { debugHook = true }
