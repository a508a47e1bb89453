package vrrpdbus

import "strings"

// The introspection documents are GDBus's rendering of keepalived's
// interface files (/usr/share/dbus-1/interfaces/org.keepalived.Vrrp1.*.xml)
// as keepalived 2.2.7 returns them, so that a client comparing or parsing
// the XML sees the same document (less GDBus's version comment).
const (
	xmlHeader = `<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
                      "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
`
	xmlStandard = `  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="out"/>
    </method>
    <method name="GetAll">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="a{sv}" name="properties" direction="out"/>
    </method>
    <method name="Set">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg type="s" name="interface_name"/>
      <arg type="a{sv}" name="changed_properties"/>
      <arg type="as" name="invalidated_properties"/>
    </signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect">
      <arg type="s" name="xml_data" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId">
      <arg type="s" name="machine_uuid" direction="out"/>
    </method>
  </interface>
`
	xmlVrrp = `  <interface name="org.keepalived.Vrrp1.Vrrp">
    <method name="PrintData">
    </method>
    <method name="PrintStats">
    </method>
    <method name="PrintStatsClear">
    </method>
    <method name="ReloadConfig">
    </method>
    <signal name="VrrpStarted">
    </signal>
    <signal name="VrrpReloaded">
    </signal>
    <signal name="VrrpStopped">
    </signal>
  </interface>
`
	xmlInstance = `  <interface name="org.keepalived.Vrrp1.Instance">
    <method name="SendGarp">
    </method>
    <signal name="VrrpStatusChange">
      <arg type="u" name="status">
      </arg>
    </signal>
    <property type="s" name="Name" access="read">
    </property>
    <property type="(us)" name="State" access="read">
    </property>
  </interface>
`
	xmlFooter = "</node>\n"
)

// nodeXML is the document of an object path: its interfaces (iface is
// xmlVrrp, xmlInstance or "" for a path that only leads to others) and
// its children, in the order they were registered, as GDBus lists them.
func nodeXML(iface string, children []string) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	if iface != "" {
		b.WriteString(xmlStandard)
		b.WriteString(iface)
	}
	for _, c := range children {
		b.WriteString(`  <node name="` + c + `"/>` + "\n")
	}
	b.WriteString(xmlFooter)
	return b.String()
}
