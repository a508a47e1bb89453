package parser

// lvsState is the parser's cursor into the LVS side: the virtual server,
// real server and checker currently being filled. Owned by the LVS side.
type lvsState struct{}
