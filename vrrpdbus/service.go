package vrrpdbus

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/dsas/keepalived-go/vrrp"
)

// Options configure a Service. The functions run on the service's own
// goroutines, never under the engine's lock.
type Options struct {
	Service   string // dbus_service_name; DefaultService when empty
	Namespace string // net_namespace: a path component, as in keepalived
	Instance  string // global_defs instance: a path component too

	Instances func() []vrrp.InstanceStatus
	// The methods of org.keepalived.Vrrp1.Vrrp. PrintData and the stats
	// ones return once the file is written, as keepalived replies only
	// then; ReloadConfig only starts the reload.
	PrintData, PrintStats, PrintStatsClear, ReloadConfig func()
	// SendGARP is Instance.SendGarp: one round of GARPs/NAs for the named
	// instance's addresses if it is MASTER; nil answers NotSupported.
	SendGARP func(instance string)

	Logger *slog.Logger
}

// Service is the exported API on one bus connection. It is a
// vrrp.Notifier: state events become VrrpStatusChange signals once the
// service has started; earlier ones are dropped, as keepalived drops the
// transitions made before its bus connection is up.
type Service struct {
	opt Options
	pfx string

	mu      sync.Mutex
	conn    *dbus.Conn
	nodes   map[string]*node
	byName  map[string]string // instance name → object path
	pending []func(*dbus.Conn)
	wake    chan struct{}
	done    chan struct{}
	stopped bool
}

// node is one object path: the interface it implements ("" when it only
// leads to others) and its children in registration order.
type node struct {
	iface    string
	children []string
}

// Connected reports whether the service is on a bus whose connection is
// still up.
func (s *Service) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil && !s.stopped && s.conn.Connected()
}

// Name is the bus name the service owns (or asks for).
func (s *Service) Name() string { return s.opt.Service }

// New returns a service that is not on a bus yet.
func New(opt Options) *Service {
	if opt.Service == "" {
		opt.Service = DefaultService
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		opt:    opt,
		pfx:    prefix(opt.Namespace, opt.Instance),
		nodes:  map[string]*node{},
		byName: map[string]string{},
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
}

// Start exports the objects on conn, sends VrrpStarted then each
// instance's current state, and then takes the service name: keepalived's
// order, so a client matching on the service name misses those signals
// with keepalived-go as it does with keepalived.
// The service owns conn from here on.
func (s *Service) Start(conn *dbus.Conn) error {
	if err := s.export(conn, s.pfx+"/Vrrp", xmlVrrp, s.vrrpMethods()); err != nil {
		return err
	}
	for _, st := range s.opt.Instances() {
		if err := s.addInstance(conn, st); err != nil {
			return err
		}
	}
	// Accept events from now on, then read the states: an event racing
	// with the read is sent again after it rather than lost.
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	s.emit(conn, s.pfx+"/Vrrp", ifaceVrrp+".VrrpStarted")
	for _, st := range s.opt.Instances() {
		s.stateSignal(st.Name, st.State)(conn)
	}
	reply, err := conn.RequestName(s.opt.Service, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fmt.Errorf("DBus: cannot own %s: %w", s.opt.Service, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("DBus: lost the name %s: another process owns it", s.opt.Service)
	}
	s.opt.Logger.Info("Acquired DBus bus " + s.opt.Service)
	go s.run(conn)
	return nil
}

// Notify queues a VrrpStatusChange for an instance's state event; it
// never blocks (the engine calls it under its lock).
func (s *Service) Notify(ev vrrp.Event) {
	if ev.Group || ev.Kind != vrrp.EventState {
		return
	}
	s.enqueue(s.stateSignal(ev.Name, ev.State))
}

// Reloaded exports the instances a successful reload added and sends
// VrrpReloaded. Objects of removed instances stay, answering "not
// found", as keepalived 2.2.7 leaves them registered.
func (s *Service) Reloaded() {
	s.enqueue(func(c *dbus.Conn) {
		for _, st := range s.opt.Instances() {
			s.mu.Lock()
			_, known := s.nodes[instancePath(s.pfx, st)]
			s.mu.Unlock()
			if !known {
				if err := s.addInstance(c, st); err != nil {
					s.opt.Logger.Info(err.Error())
				}
			}
		}
		s.emit(c, s.pfx+"/Vrrp", ifaceVrrp+".VrrpReloaded")
	})
}

// Stop sends the queued signals, then VrrpStopped, and leaves the bus.
func (s *Service) Stop() {
	s.mu.Lock()
	started := s.conn != nil
	s.mu.Unlock()
	if !started {
		return
	}
	s.enqueue(func(c *dbus.Conn) { s.emit(c, s.pfx+"/Vrrp", ifaceVrrp+".VrrpStopped") })
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.signal()
	// A bus that stopped reading must not hold the daemon's exit.
	select {
	case <-s.done:
		s.opt.Logger.Info("Released DBus")
	case <-time.After(stopWait):
		s.opt.Logger.Info("DBus did not take VrrpStopped in time - leaving")
	}
}

// stopWait bounds how long Stop waits for the queued signals to be sent.
const stopWait = 2 * time.Second

func (s *Service) stateSignal(name string, st vrrp.State) func(*dbus.Conn) {
	return func(c *dbus.Conn) {
		s.mu.Lock()
		path, ok := s.byName[name]
		s.mu.Unlock()
		if ok {
			s.emit(c, path, ifaceInstance+".VrrpStatusChange", stateCode(st))
		}
	}
}

func (s *Service) emit(c *dbus.Conn, path, member string, args ...any) {
	if err := c.Emit(dbus.ObjectPath(path), member, args...); err != nil {
		s.opt.Logger.Info(fmt.Sprintf("Emitting DBus signal %s on %s failed: %v", member, path, err))
	}
}

// enqueue adds an emission in order; before Start it is dropped.
func (s *Service) enqueue(f func(*dbus.Conn)) {
	s.mu.Lock()
	if s.conn == nil || s.stopped {
		s.mu.Unlock()
		return
	}
	s.pending = append(s.pending, f)
	s.mu.Unlock()
	s.signal()
}

func (s *Service) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run sends the queued signals one at a time, in order, until Stop.
func (s *Service) run(c *dbus.Conn) {
	defer close(s.done)
	defer c.Close()
	for range s.wake {
		s.mu.Lock()
		batch, stop := s.pending, s.stopped
		s.pending = nil
		s.mu.Unlock()
		for _, f := range batch {
			f(c)
		}
		if stop {
			return
		}
	}
}

// export puts an object with its interface on path, and the paths leading
// to it, each with GDBus's introspection document.
func (s *Service) export(c *dbus.Conn, path, iface string, methods map[string]any) error {
	if err := c.ExportMethodTable(methods, dbus.ObjectPath(path), ifaceOf(iface)); err != nil {
		return err
	}
	if err := c.ExportMethodTable(s.properties(path, iface), dbus.ObjectPath(path), "org.freedesktop.DBus.Properties"); err != nil {
		return err
	}
	s.mu.Lock()
	s.nodes[path] = &node{iface: iface}
	s.mu.Unlock()
	all := append(parents(path), path)
	for i, p := range all {
		s.mu.Lock()
		n, ok := s.nodes[p]
		if !ok {
			n = &node{}
			s.nodes[p] = n
		}
		if i+1 < len(all) {
			child := childName(all[i+1])
			if !contains(n.children, child) {
				n.children = append(n.children, child)
			}
		}
		s.mu.Unlock()
		if err := c.ExportMethodTable(map[string]any{"Introspect": s.introspect(p)}, dbus.ObjectPath(p), "org.freedesktop.DBus.Introspectable"); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) introspect(path string) func() (string, *dbus.Error) {
	return func() (string, *dbus.Error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		n := s.nodes[path]
		return nodeXML(n.iface, n.children), nil
	}
}

func (s *Service) addInstance(c *dbus.Conn, st vrrp.InstanceStatus) error {
	path := instancePath(s.pfx, st)
	if err := s.export(c, path, xmlInstance, s.instanceMethods(path)); err != nil {
		return err
	}
	s.mu.Lock()
	s.byName[st.Name] = path
	s.mu.Unlock()
	return nil
}

func ifaceOf(xml string) string {
	if xml == xmlVrrp {
		return ifaceVrrp
	}
	return ifaceInstance
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
