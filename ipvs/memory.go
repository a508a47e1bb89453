package ipvs

import (
	"fmt"
	"io/fs"
	"slices"
	"sync"
)

// Memory is a Kernel held in memory, for tests of code that programs IPVS.
// Like the kernel it refuses duplicates and unknown entries with errors that
// match fs.ErrExist and fs.ErrNotExist. The zero value is empty and ready.
type Memory struct {
	mu   sync.Mutex
	svcs []Service // in creation order, as the kernel lists them

	// Calls counts the mutating calls made so far.
	Calls int
}

var _ Kernel = (*Memory)(nil)

func (m *Memory) find(k ServiceKey) int {
	k = k.Normalize()
	return slices.IndexFunc(m.svcs, func(s Service) bool { return s.ServiceKey == k })
}

// Services implements Kernel; it returns deep copies.
func (m *Memory) Services() ([]Service, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Service, len(m.svcs))
	for i, s := range m.svcs {
		s.Destinations = slices.Clone(s.Destinations)
		out[i] = s
	}
	return out, nil
}

var _ ServiceReader = (*Memory)(nil)

// Service implements ServiceReader; it returns a deep copy.
func (m *Memory) Service(k ServiceKey) (Service, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(k)
	if i < 0 {
		return Service{}, false, nil
	}
	s := m.svcs[i]
	s.Destinations = slices.Clone(s.Destinations)
	return s, true, nil
}

// CreateService implements Kernel.
func (m *Memory) CreateService(s Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	s = s.normalize()
	if m.find(s.ServiceKey) >= 0 {
		return fmt.Errorf("ipvs: create service %s: %w", s.ServiceKey, fs.ErrExist)
	}
	s.Destinations = nil
	m.svcs = append(m.svcs, s)
	return nil
}

// UpdateService implements Kernel.
func (m *Memory) UpdateService(s Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	s = s.normalize()
	i := m.find(s.ServiceKey)
	if i < 0 {
		return fmt.Errorf("ipvs: update service %s: %w", s.ServiceKey, fs.ErrNotExist)
	}
	s.Destinations = m.svcs[i].Destinations
	m.svcs[i] = s
	return nil
}

// DeleteService implements Kernel.
func (m *Memory) DeleteService(k ServiceKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	i := m.find(k)
	if i < 0 {
		return fmt.Errorf("ipvs: delete service %s: %w", k, fs.ErrNotExist)
	}
	m.svcs = slices.Delete(m.svcs, i, i+1)
	return nil
}

// destination returns the service index and destination index of d in k.
func (m *Memory) destination(k ServiceKey, d DestKey) (int, int) {
	i := m.find(k)
	if i < 0 {
		return -1, -1
	}
	return i, slices.IndexFunc(m.svcs[i].Destinations, func(x Destination) bool { return x.Key() == d })
}

// CreateDestination implements Kernel.
func (m *Memory) CreateDestination(k ServiceKey, d Destination) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	d = d.normalize()
	i, j := m.destination(k, d.Key())
	switch {
	case i < 0:
		return fmt.Errorf("ipvs: create destination %s of %s: %w", d.Key(), k, fs.ErrNotExist)
	case j >= 0:
		return fmt.Errorf("ipvs: create destination %s of %s: %w", d.Key(), k, fs.ErrExist)
	}
	m.svcs[i].Destinations = append(m.svcs[i].Destinations, d)
	return nil
}

// UpdateDestination implements Kernel.
func (m *Memory) UpdateDestination(k ServiceKey, d Destination) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	d = d.normalize()
	i, j := m.destination(k, d.Key())
	if j < 0 {
		return fmt.Errorf("ipvs: update destination %s of %s: %w", d.Key(), k, fs.ErrNotExist)
	}
	m.svcs[i].Destinations[j] = d
	return nil
}

// DeleteDestination implements Kernel.
func (m *Memory) DeleteDestination(k ServiceKey, d DestKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	i, j := m.destination(k, d)
	if j < 0 {
		return fmt.Errorf("ipvs: delete destination %s of %s: %w", d, k, fs.ErrNotExist)
	}
	m.svcs[i].Destinations = slices.Delete(m.svcs[i].Destinations, j, j+1)
	return nil
}
