package vrrp

// RxBufSum adds up the receive buffer of a socket shared by instances, as
// keepalived's vrrp_create_sockpool does into the socket's rx_buf_size.
// The arithmetic wraps at 32 bits like keepalived's (a C int fed by
// size_t terms), so a huge size gives the value keepalived passes.
type RxBufSum uint32

// Add adds the share of an instance (its RxBuf and RxBufMTUs), with mtu
// the current MTU of its interface.
func (s *RxBufSum) Add(rxBuf, rxBufMTUs uint32, mtu int) {
	*s += RxBufSum(rxBuf + rxBufMTUs*uint32(mtu))
}

// SockOpt is the SO_RCVBUF value: 0 leaves the kernel's default, as
// keepalived sets none then; a negative one (a wrapped sum) is passed on
// as keepalived's, which the kernel caps at net.core.rmem_max.
func (s RxBufSum) SockOpt() int { return int(int32(s)) }

// AdvertLen is keepalived's vrrp_adv_len, the length of the instance's
// advert from its IP header on (IPv4) or from the VRRP header (IPv6):
// vrrp_rx_bufs_policy ADVERT's unit.
func AdvertLen(ic *InstanceConfig) int {
	const vrrpHdr, authLen, ipHdr, ahHdr = 8, 8, 20, 24
	if ic.IPv6 {
		return vrrpHdr + 16*len(ic.VIPs)
	}
	n := vrrpHdr + 4*len(ic.VIPs) + ipHdr
	if ic.Version != 3 {
		n += authLen
	}
	if isAH(ic) {
		n += ahHdr
	}
	return n
}
