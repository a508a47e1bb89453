package vrrp

// SetBasePriority changes an instance's configured priority at run time
// (an SNMP SET of vrrpInstanceBasePriority), logging keepalived's line;
// the effective priority and what follows from it are evaluated again at
// once. A reload goes back to the configuration's value, as keepalived's
// does. It reports whether the instance exists.
func (r *Router) SetBasePriority(name string, prio int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.byName[name]
	if !ok {
		return false
	}
	in.logf("base priority changed from %d to %d via SNMP.", in.cfg.Priority, prio)
	in.cfg.Priority = prio
	if r.started && !r.stopped && in.state != StateInit {
		in.reevaluate("base priority set via SNMP")
	}
	return true
}

// SetPreempt turns an instance's preemption on or off at run time (an SNMP
// SET of vrrpInstancePreempt), logging keepalived's line.
func (r *Router) SetPreempt(name string, on bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.byName[name]
	if !ok {
		return false
	}
	if on {
		in.logf("preemption enabled with SNMP")
	} else {
		in.logf("preemption disabled with SNMP")
	}
	in.cfg.Nopreempt = !on
	return true
}
