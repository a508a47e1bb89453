package ipvs

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	cf "github.com/cloudflare/ipvs"
	"github.com/cloudflare/ipvs/netmask"
	"github.com/mdlayher/genetlink"
)

// Kernel is the part of IPVS that reconciliation and the checker engine
// need. *Conn implements it on the running kernel, *Memory in memory.
type Kernel interface {
	// Services returns every service with its destinations.
	Services() ([]Service, error)
	CreateService(Service) error
	UpdateService(Service) error
	DeleteService(ServiceKey) error
	CreateDestination(ServiceKey, Destination) error
	UpdateDestination(ServiceKey, Destination) error
	DeleteDestination(ServiceKey, DestKey) error
}

// Conn is a connection to IPVS in the caller's network namespace.
type Conn struct {
	cf cf.Client
	nl *nlClient
	gc *genetlink.Conn
}

var _ Kernel = (*Conn)(nil)

// Dial connects to IPVS. It fails when the ip_vs module is not loaded.
func Dial() (*Conn, error) {
	gc, err := genetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("ipvs: dial generic netlink: %w", err)
	}
	nl, err := newNLClient(gc)
	if err != nil {
		gc.Close()
		return nil, err
	}
	c, err := cf.New()
	if err != nil {
		gc.Close()
		return nil, fmt.Errorf("ipvs: open cloudflare client: %w", err)
	}
	return &Conn{cf: c, nl: nl, gc: gc}, nil
}

// Close releases the netlink sockets.
func (c *Conn) Close() error {
	err := c.gc.Close()
	if cl, ok := c.cf.(interface{ Close() error }); ok {
		err = errors.Join(err, cl.Close())
	}
	return err
}

// Services implements Kernel.
func (c *Conn) Services() ([]Service, error) {
	svcs, err := c.cfServices()
	if err != nil {
		return nil, err
	}
	pe, err := c.nl.peNames()
	if err != nil {
		return nil, fmt.Errorf("ipvs: list persistence engines: %w", err)
	}
	out := make([]Service, 0, len(svcs))
	for _, x := range svcs {
		s := fromCF(x.Service)
		s.PEName = pe[s.ServiceKey]
		dests, err := c.cfDestinations(x.Service)
		if err != nil {
			return nil, err
		}
		s.Destinations = make([]Destination, 0, len(dests))
		for _, d := range dests {
			s.Destinations = append(s.Destinations, fromCFDest(d.Destination))
		}
		out = append(out, s)
	}
	return out, nil
}

// cfServices lists the kernel's services; cloudflare answers an empty
// table with fs.ErrNotExist, which is no error here.
func (c *Conn) cfServices() ([]cf.ServiceExtended, error) {
	svcs, err := c.cf.Services()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ipvs: list services: %w", err)
	}
	return svcs, nil
}

// cfDestinations lists a service's destinations, none being no error.
func (c *Conn) cfDestinations(s cf.Service) ([]cf.DestinationExtended, error) {
	dests, err := c.cf.Destinations(s)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ipvs: list destinations of %s: %w", fromCF(s).ServiceKey, err)
	}
	return dests, nil
}

// CreateService implements Kernel. Destinations in s are not created.
func (c *Conn) CreateService(s Service) error {
	s = s.normalize()
	var err error
	if s.PEName != "" {
		err = c.nl.writeService(cmdNewService, s)
	} else {
		err = c.cf.CreateService(toCF(s))
	}
	if err != nil {
		return fmt.Errorf("ipvs: create service %s: %w", s, err)
	}
	return nil
}

// UpdateService implements Kernel: it sets the scheduler, flags,
// persistence and engine of an existing service.
func (c *Conn) UpdateService(s Service) error {
	s = s.normalize()
	var err error
	if s.PEName != "" {
		err = c.nl.writeService(cmdSetService, s)
	} else {
		err = c.cf.UpdateService(toCF(s))
	}
	if err != nil {
		return fmt.Errorf("ipvs: update service %s: %w", s, err)
	}
	return nil
}

// DeleteService implements Kernel; its destinations go with it.
func (c *Conn) DeleteService(k ServiceKey) error {
	if err := c.cf.RemoveService(keyToCF(k)); err != nil {
		return fmt.Errorf("ipvs: delete service %s: %w", k, err)
	}
	return nil
}

// CreateDestination implements Kernel.
func (c *Conn) CreateDestination(k ServiceKey, d Destination) error {
	if err := c.cf.CreateDestination(keyToCF(k), toCFDest(d)); err != nil {
		return fmt.Errorf("ipvs: create destination %s of %s: %w", d, k, err)
	}
	return nil
}

// UpdateDestination implements Kernel.
func (c *Conn) UpdateDestination(k ServiceKey, d Destination) error {
	if err := c.cf.UpdateDestination(keyToCF(k), toCFDest(d)); err != nil {
		return fmt.Errorf("ipvs: update destination %s of %s: %w", d, k, err)
	}
	return nil
}

// DeleteDestination implements Kernel.
func (c *Conn) DeleteDestination(k ServiceKey, d DestKey) error {
	if err := c.cf.RemoveDestination(keyToCF(k), toCFDest(Destination{Addr: d.Addr, Port: d.Port})); err != nil {
		return fmt.Errorf("ipvs: delete destination %s of %s: %w", d, k, err)
	}
	return nil
}

// Flush deletes every service, including those this program did not create.
func (c *Conn) Flush() error {
	if err := c.nl.flush(); err != nil {
		return fmt.Errorf("ipvs: flush: %w", err)
	}
	return nil
}

// Zero clears the counters of the service k, or of every service if k is nil.
func (c *Conn) Zero(k *ServiceKey) error {
	if err := c.nl.zero(k); err != nil {
		return fmt.Errorf("ipvs: zero counters: %w", err)
	}
	return nil
}

// SyncDaemons returns the running sync daemons (at most a master and a backup).
func (c *Conn) SyncDaemons() ([]SyncDaemon, error) {
	ds, err := c.nl.syncDaemons()
	if err != nil {
		return nil, fmt.Errorf("ipvs: list sync daemons: %w", err)
	}
	return ds, nil
}

// StartSyncDaemon starts a sync daemon; its interface must exist.
func (c *Conn) StartSyncDaemon(d SyncDaemon) error {
	if err := c.nl.startSyncDaemon(d); err != nil {
		return fmt.Errorf("ipvs: start %s sync daemon on %s: %w", d.State, d.Interface, err)
	}
	return nil
}

// StopSyncDaemon stops the master or backup sync daemon.
func (c *Conn) StopSyncDaemon(s SyncState) error {
	if err := c.nl.stopSyncDaemon(s); err != nil {
		return fmt.Errorf("ipvs: stop %s sync daemon: %w", s, err)
	}
	return nil
}

// Timeouts returns the connection timeouts.
func (c *Conn) Timeouts() (Timeouts, error) {
	t, err := c.nl.timeouts()
	if err != nil {
		return Timeouts{}, fmt.Errorf("ipvs: get timeouts: %w", err)
	}
	return t, nil
}

// SetTimeouts changes the non-zero timeouts in t.
func (c *Conn) SetTimeouts(t Timeouts) error {
	if err := c.nl.setTimeouts(t); err != nil {
		return fmt.Errorf("ipvs: set timeouts %+v: %w", t, err)
	}
	return nil
}

func keyToCF(k ServiceKey) cf.Service {
	k = k.Normalize()
	return cf.Service{
		Address:  k.Addr,
		Port:     k.Port,
		FWMark:   k.FWMark,
		Family:   cf.AddressFamily(k.Family),
		Protocol: cf.Protocol(k.Protocol),
	}
}

// toCF converts a normalized service without its engine.
func toCF(s Service) cf.Service {
	x := keyToCF(s.ServiceKey)
	x.Scheduler = s.Scheduler
	x.Flags = cf.Flags(s.Flags)
	x.Timeout = s.Timeout
	if s.Timeout != 0 {
		x.Flags |= cf.ServicePersistent
	}
	if s.Family == IPv6 {
		x.Netmask = netmask.MaskFrom(s.Granularity, 128)
	} else {
		x.Netmask = netmask.MaskFrom(s.Granularity, 32)
	}
	return x
}

func fromCF(x cf.Service) Service {
	s := Service{
		ServiceKey: ServiceKey{
			FWMark:   x.FWMark,
			Family:   Family(x.Family),
			Protocol: Protocol(x.Protocol),
			Addr:     x.Address,
			Port:     x.Port,
		}.Normalize(),
		Scheduler: x.Scheduler,
		Flags:     Flags(x.Flags) & userFlags,
	}
	if x.Flags&cf.ServicePersistent != 0 {
		s.Timeout = x.Timeout
	}
	s.Granularity = x.Netmask.Bits()
	if s.Granularity < 0 { // a non-contiguous IPv4 mask: count its leading ones
		b := x.Netmask.AsSlice()
		s.Granularity = 0
		for _, octet := range b {
			for bit := 7; bit >= 0 && octet&(1<<bit) != 0; bit-- {
				s.Granularity++
			}
			if octet != 0xff {
				break
			}
		}
	}
	return s.normalize()
}

func toCFDest(d Destination) cf.Destination {
	d = d.normalize()
	return cf.Destination{
		Address:        d.Addr,
		Port:           d.Port,
		Family:         cf.AddressFamily(familyOf(d.Addr)),
		FwdMethod:      cf.ForwardType(d.Forward),
		Weight:         d.Weight,
		UpperThreshold: d.UpperThreshold,
		LowerThreshold: d.LowerThreshold,
		TunnelType:     cf.TunnelType(d.TunnelType),
		TunnelPort:     d.TunnelPort,
		TunnelFlags:    cf.TunnelFlags(d.TunnelFlags),
	}
}

func fromCFDest(x cf.Destination) Destination {
	return Destination{
		Addr:           x.Address,
		Port:           x.Port,
		Forward:        Forward(x.FwdMethod) & 0x7, // IP_VS_CONN_F_FWD_MASK
		Weight:         x.Weight,
		UpperThreshold: x.UpperThreshold,
		LowerThreshold: x.LowerThreshold,
		TunnelType:     TunnelType(x.TunnelType),
		TunnelPort:     x.TunnelPort,
		TunnelFlags:    TunnelFlags(x.TunnelFlags),
	}.normalize()
}

// ServiceReader is a Kernel that can read one service without listing the
// whole table, so drift checks can cost the same at 10 or 10 000 services.
type ServiceReader interface {
	// Service returns the service k with its destinations; ok is false
	// when the kernel has no such service.
	Service(k ServiceKey) (s Service, ok bool, err error)
}

var _ ServiceReader = (*Conn)(nil)

// Service implements ServiceReader: two requests (the service with its
// persistence engine, its destinations) whatever the size of the table.
func (c *Conn) Service(k ServiceKey) (Service, bool, error) {
	k = k.Normalize()
	s, err := c.nl.service(k)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return Service{}, false, nil
	}
	if err != nil {
		return Service{}, false, fmt.Errorf("ipvs: read service %s: %w", k, err)
	}
	dests, err := c.cfDestinations(keyToCF(s.ServiceKey))
	if err != nil {
		return Service{}, false, err
	}
	s.Destinations = make([]Destination, 0, len(dests))
	for _, d := range dests {
		s.Destinations = append(s.Destinations, fromCFDest(d.Destination))
	}
	return s, true, nil
}
