package ipvs

import (
	"errors"
	"fmt"
)

// Table is the desired state: services with the destinations they should
// have. A destination that should stay but take no new connections has
// weight 0; one that should go is left out.
type Table []Service

// Op is the kind of a Change.
type Op uint8

// Operations, in the order Diff emits them for one service.
const (
	CreateService Op = iota + 1
	UpdateService
	DeleteService
	CreateDestination
	UpdateDestination
	DeleteDestination
)

func (o Op) String() string {
	switch o {
	case CreateService:
		return "create service"
	case UpdateService:
		return "update service"
	case DeleteService:
		return "delete service"
	case CreateDestination:
		return "create destination"
	case UpdateDestination:
		return "update destination"
	case DeleteDestination:
		return "delete destination"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Change is one step that moves the kernel towards a Table. Service carries
// no destinations; Destination is set for destination operations only.
type Change struct {
	Op          Op
	Service     Service
	Destination Destination
}

func (c Change) String() string {
	switch c.Op {
	case CreateService, UpdateService:
		return fmt.Sprintf("%s %s", c.Op, c.Service)
	case DeleteService:
		return fmt.Sprintf("%s %s", c.Op, c.Service.ServiceKey)
	case DeleteDestination:
		return fmt.Sprintf("%s %s of %s", c.Op, c.Destination.Key(), c.Service.ServiceKey)
	}
	return fmt.Sprintf("%s %s of %s", c.Op, c.Destination, c.Service.ServiceKey)
}

// Diff returns the changes that turn current into desired. Services in
// current that desired lacks are deleted only if owned reports them (nil
// owns nothing): keepalived removes only what it created. The destinations of
// a desired service are made to match exactly.
func Diff(current []Service, desired Table, owned func(ServiceKey) bool) ([]Change, error) {
	have := make(map[ServiceKey]Service, len(current))
	for _, s := range current {
		s = s.normalize()
		have[s.ServiceKey] = s
	}
	want := make(map[ServiceKey]bool, len(desired))
	var changes []Change
	for _, s := range desired {
		s = s.normalize()
		if err := validate(s); err != nil {
			return nil, err
		}
		if want[s.ServiceKey] {
			return nil, fmt.Errorf("ipvs: service %s appears twice in the table", s.ServiceKey)
		}
		want[s.ServiceKey] = true
		bare := s
		bare.Destinations = nil
		old, ok := have[s.ServiceKey]
		switch {
		case !ok:
			changes = append(changes, Change{Op: CreateService, Service: bare})
		case !sameSettings(old, s):
			changes = append(changes, Change{Op: UpdateService, Service: bare})
		}
		c, err := diffDestinations(bare, old.Destinations, s.Destinations)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c...)
	}
	for _, s := range current {
		s = s.normalize()
		if !want[s.ServiceKey] && owned != nil && owned(s.ServiceKey) {
			s.Destinations = nil
			changes = append(changes, Change{Op: DeleteService, Service: s})
		}
	}
	return changes, nil
}

func diffDestinations(svc Service, current, desired []Destination) ([]Change, error) {
	have := make(map[DestKey]Destination, len(current))
	for _, d := range current {
		d = d.normalize()
		have[d.Key()] = d
	}
	want := make(map[DestKey]bool, len(desired))
	var changes []Change
	for _, d := range desired {
		d = d.normalize()
		k := d.Key()
		if !k.Addr.IsValid() {
			return nil, fmt.Errorf("ipvs: destination of %s without an address", svc.ServiceKey)
		}
		if want[k] {
			return nil, fmt.Errorf("ipvs: destination %s appears twice in %s", k, svc.ServiceKey)
		}
		want[k] = true
		old, ok := have[k]
		switch {
		case !ok:
			changes = append(changes, Change{Op: CreateDestination, Service: svc, Destination: d})
		case old != d:
			changes = append(changes, Change{Op: UpdateDestination, Service: svc, Destination: d})
		}
	}
	for _, d := range current {
		d = d.normalize()
		if !want[d.Key()] {
			changes = append(changes, Change{Op: DeleteDestination, Service: svc, Destination: d})
		}
	}
	return changes, nil
}

func validate(s Service) error {
	switch {
	case s.FWMark == 0 && !s.Addr.IsValid():
		return errors.New("ipvs: service with neither an address nor a firewall mark")
	case s.FWMark == 0 && s.Protocol != TCP && s.Protocol != UDP && s.Protocol != SCTP:
		return fmt.Errorf("ipvs: service %s: protocol must be TCP, UDP or SCTP", s.ServiceKey)
	case s.FWMark != 0 && s.Family != IPv4 && s.Family != IPv6:
		return fmt.Errorf("ipvs: service %s: family must be IPv4 or IPv6", s.ServiceKey)
	case s.Scheduler == "":
		return fmt.Errorf("ipvs: service %s without a scheduler", s.ServiceKey)
	case s.Granularity < 0 || s.Granularity > s.maxBits():
		return fmt.Errorf("ipvs: service %s: persistence granularity /%d out of range", s.ServiceKey, s.Granularity)
	}
	return nil
}

// Apply makes the changes in order and returns those that succeeded; it
// stops at the first error.
func Apply(k Kernel, changes []Change) ([]Change, error) {
	for i, c := range changes {
		var err error
		key := c.Service.ServiceKey
		switch c.Op {
		case CreateService:
			err = k.CreateService(c.Service)
		case UpdateService:
			err = k.UpdateService(c.Service)
		case DeleteService:
			err = k.DeleteService(key)
		case CreateDestination:
			err = k.CreateDestination(key, c.Destination)
		case UpdateDestination:
			err = k.UpdateDestination(key, c.Destination)
		case DeleteDestination:
			err = k.DeleteDestination(key, c.Destination.Key())
		default:
			err = fmt.Errorf("ipvs: unknown change %s", c.Op)
		}
		if err != nil {
			return changes[:i], err
		}
	}
	return changes, nil
}

// Reconcile reads the kernel's table, works out the difference to desired
// and applies it. It returns the changes made, none when the kernel already
// matches.
func Reconcile(k Kernel, desired Table, owned func(ServiceKey) bool) ([]Change, error) {
	current, err := k.Services()
	if err != nil {
		return nil, err
	}
	changes, err := Diff(current, desired, owned)
	if err != nil {
		return nil, err
	}
	return Apply(k, changes)
}

// Reconciler reconciles repeatedly and remembers the services it has
// programmed, so that a service dropped from a later table (a reload) is
// deleted while services others created stay untouched.
type Reconciler struct {
	k     Kernel
	owned map[ServiceKey]bool
}

// NewReconciler returns a Reconciler that owns nothing yet.
func NewReconciler(k Kernel) *Reconciler {
	return &Reconciler{k: k, owned: make(map[ServiceKey]bool)}
}

// Reconcile is Reconcile with the services of this and earlier tables owned.
func (r *Reconciler) Reconcile(desired Table) ([]Change, error) {
	for _, s := range desired {
		r.owned[s.ServiceKey.Normalize()] = true
	}
	done, err := Reconcile(r.k, desired, func(k ServiceKey) bool { return r.owned[k] })
	for _, c := range done {
		if c.Op == DeleteService {
			delete(r.owned, c.Service.ServiceKey)
		}
	}
	return done, err
}
