module github.com/dsas/keepalived-go

go 1.26.0

require (
	github.com/alecthomas/participle/v2 v2.1.4
	github.com/cloudflare/ipvs v0.12.0
	github.com/google/go-cmp v0.7.0
	github.com/jsimonetti/rtnetlink/v2 v2.2.0
	github.com/mdlayher/genetlink v1.4.0
	github.com/mdlayher/netlink v1.11.2
	github.com/mdlayher/packet v1.2.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/mdlayher/socket v0.7.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
)
