package ssaweave

import (
	"io/fs"
	"syscall"
)

// sysStat returns the change time (ns) and inode of fi, which catch
// content changes that keep the size and modification time (a copy that
// preserves times, a file replaced by another).
func sysStat(fi fs.FileInfo) (ctime int64, ino uint64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return st.Ctim.Nano(), st.Ino
}
