package parser

// vrrpState is the parser's cursor into the VRRP side: the instance,
// sync group, script ... currently being filled. Owned by the parser core.
type vrrpState struct{}
