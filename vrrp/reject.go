package vrrp

import "net/netip"

// AuthError is RFC 2787's vrrpTrapAuthErrorType, the reason a VRRPv2
// advert failed authentication (0: none).
type AuthError int

// Authentication failures, numbered as the MIB numbers them.
const (
	AuthInvalidType  AuthError = iota + 1 // an auth type this router does not know
	AuthTypeMismatch                      // not the configured auth type
	AuthFailure                           // wrong password or AH ICV
)

// ProtoError is RFC 6527's vrrpv3StatisticsProtoErrReason (0: none).
type ProtoError int

// Protocol errors, numbered as the MIB numbers them.
const (
	ProtoTTLError      ProtoError = iota + 1 // TTL / hop limit not 255 (or out of a peer's range)
	ProtoVersionError                        // not the instance's VRRP version
	ProtoChecksumError                       // bad checksum
)

// Rejection is one advert an instance refused for a reason keepalived
// reports with an SNMP notification (vrrpTrapAuthFailure,
// vrrpv3NotifyProtoError).
type Rejection struct {
	Instance string
	Src      netip.Addr
	Auth     AuthError
	Proto    ProtoError
}

// rejected tells Options.Rejected, if any. It runs in the engine's flow:
// the callback must not block.
func (in *instance) rejected(src netip.Addr, auth AuthError, proto ProtoError) {
	if proto != 0 {
		in.protoErr = proto
	}
	if f := in.r.opt.Rejected; f != nil {
		f(Rejection{Instance: in.cfg.Name, Src: src, Auth: auth, Proto: proto})
	}
}
