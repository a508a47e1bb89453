package ipvs

// The generic netlink vocabulary that github.com/cloudflare/ipvs keeps in an
// internal package, re-declared for the commands it does not offer.
const (
	genlName    = "IPVS" // IPVS_GENL_NAME
	genlVersion = 1      // IPVS_GENL_VERSION

	cmdNewService = 1  // IPVS_CMD_NEW_SERVICE
	cmdSetService = 2  // IPVS_CMD_SET_SERVICE
	cmdGetService = 4  // IPVS_CMD_GET_SERVICE
	cmdNewDaemon  = 9  // IPVS_CMD_NEW_DAEMON
	cmdDelDaemon  = 10 // IPVS_CMD_DEL_DAEMON
	cmdGetDaemon  = 11 // IPVS_CMD_GET_DAEMON
	cmdSetConfig  = 12 // IPVS_CMD_SET_CONFIG
	cmdGetConfig  = 13 // IPVS_CMD_GET_CONFIG
	cmdZero       = 16 // IPVS_CMD_ZERO
	cmdFlush      = 17 // IPVS_CMD_FLUSH

	cmdAttrService       = 1 // IPVS_CMD_ATTR_SERVICE
	cmdAttrDaemon        = 3 // IPVS_CMD_ATTR_DAEMON
	cmdAttrTimeoutTCP    = 4 // IPVS_CMD_ATTR_TIMEOUT_TCP
	cmdAttrTimeoutTCPFin = 5 // IPVS_CMD_ATTR_TIMEOUT_TCP_FIN
	cmdAttrTimeoutUDP    = 6 // IPVS_CMD_ATTR_TIMEOUT_UDP

	svcAttrAF        = 1  // IPVS_SVC_ATTR_AF
	svcAttrProtocol  = 2  // IPVS_SVC_ATTR_PROTOCOL
	svcAttrAddr      = 3  // IPVS_SVC_ATTR_ADDR
	svcAttrPort      = 4  // IPVS_SVC_ATTR_PORT
	svcAttrFWMark    = 5  // IPVS_SVC_ATTR_FWMARK
	svcAttrSchedName = 6  // IPVS_SVC_ATTR_SCHED_NAME
	svcAttrFlags     = 7  // IPVS_SVC_ATTR_FLAGS
	svcAttrTimeout   = 8  // IPVS_SVC_ATTR_TIMEOUT
	svcAttrNetmask   = 9  // IPVS_SVC_ATTR_NETMASK
	svcAttrPEName    = 11 // IPVS_SVC_ATTR_PE_NAME

	daemonAttrState      = 1 // IPVS_DAEMON_ATTR_STATE
	daemonAttrMcastIfn   = 2 // IPVS_DAEMON_ATTR_MCAST_IFN
	daemonAttrSyncID     = 3 // IPVS_DAEMON_ATTR_SYNC_ID
	daemonAttrSyncMaxlen = 4 // IPVS_DAEMON_ATTR_SYNC_MAXLEN
	daemonAttrGroup      = 5 // IPVS_DAEMON_ATTR_MCAST_GROUP
	daemonAttrGroup6     = 6 // IPVS_DAEMON_ATTR_MCAST_GROUP6
	daemonAttrPort       = 7 // IPVS_DAEMON_ATTR_MCAST_PORT
	daemonAttrTTL        = 8 // IPVS_DAEMON_ATTR_MCAST_TTL

	maxNameLen = 16 // IP_VS_SCHEDNAME_MAXLEN, IP_VS_PENAME_MAXLEN, IP_VS_IFNAME_MAXLEN
)
