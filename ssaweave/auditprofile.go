package ssaweave

// weigh adds the profile's sample weights (read by readPGO, pgo.go, the
// reader the plan's hot paths use too) to the sites (by their function's
// start line) and to the calls (by their line).
func (a *Audit) weigh(prof *pgoProfile) {
	info := prof.info
	a.Profile = &info
	for i := range a.Sites {
		s := &a.Sites[i]
		if s.Rule == GoRule {
			s.Samples = prof.atLine(s.Pos)
		} else {
			s.Samples = prof.onStack(s.Pos)
		}
		for j := range s.Calls {
			s.Calls[j].Samples = prof.atLine(s.Calls[j].Pos)
		}
	}
	for i := range a.Entries {
		for j := range a.Entries[i].Calls {
			c := &a.Entries[i].Calls[j]
			c.Samples = prof.atLine(c.Pos)
		}
	}
}
